"""HTML pieces of the report: the stylesheet, tables, summary cards."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CSS", "cards", "esc", "table"]

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1150px;padding:0 1rem;color:#222;line-height:1.45}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}
p.lead{margin:.3rem 0 1rem;color:#555}
table{border-collapse:collapse;font-size:.88rem;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.3rem .55rem;text-align:left;vertical-align:top}
th{background:#f4f4f4;white-space:nowrap}.num{text-align:right;white-space:nowrap}
td.text{max-width:34rem}.muted{color:#777}.small{font-size:.85rem}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}.card{border:1px solid #ddd;border-radius:6px;
padding:.6rem 1rem;min-width:9rem;max-width:15rem}.card b{display:block;font-size:1.45rem}
.card .muted{font-size:.85rem}.card.key{border-color:#4c72b0;background:#f3f6fb}
.scroll{overflow-x:auto;max-width:100%}img{max-width:100%}.grid{display:flex;flex-wrap:wrap;gap:1rem}
.vote{display:inline-block;background:#eef1f5;border-radius:4px;padding:0 .35rem;
margin:0 .2rem .15rem 0;white-space:nowrap}.vote.win{background:#dbe8d5}
"""


def esc(value: Any) -> str:
    """HTML-escaped text of a value."""
    return html.escape(str(value))


def _cell(v: Any, floats: str) -> str:
    if isinstance(v, (bool, np.bool_)):
        return f"<td>{'yes' if v else ''}</td>"
    if isinstance(v, (float, np.floating)):
        text = "" if np.isnan(v) else floats.format(v)
        return f'<td class="num">{text}</td>'
    if isinstance(v, (int, np.integer)):
        return f'<td class="num">{int(v):,}</td>'
    if isinstance(v, Raw):
        return f'<td class="{v.css}">{v.html}</td>'
    return f"<td>{esc(v)}</td>"


class Raw:
    """Cell content that is already HTML (escaped by whoever built it)."""

    __slots__ = ("css", "html")

    def __init__(self, html_text: str, css: str = "") -> None:
        self.html = html_text
        self.css = css


#: column titles shorter than the table's names, so that wide tables fit the page
SHORT = {
    "annotator_quality": "quality",
    "agreement_with_consensus": "agrees with consensus",
    "num_examples_labeled": "labels",
    "worst_class": "worst class",
    "n_gold": "on gold",
    "gold_accuracy": "gold accuracy",
    "spam_share": "spam share",
    "spam_answer": "spam answer",
    "median_seconds_per_label": "median s / label",
}


def table(df: pd.DataFrame, floats: str = "{:.3f}") -> str:
    """An HTML table; column names with ``_`` read as words, numbers right-aligned.

    Wrapped in a block that scrolls sideways rather than overflow the page.
    """
    head = "".join(
        f"<th>{esc(SHORT.get(str(c), str(c).replace('_', ' ')))}</th>" for c in df.columns
    )
    rows = [
        "<tr>" + "".join(_cell(v, floats) for v in rec) + "</tr>"
        for rec in df.itertuples(index=False)
    ]
    return f"<div class='scroll'><table><tr>{head}</tr>{''.join(rows)}</table></div>"


def cards(items: list[tuple[str, str, str]]) -> str:
    """Summary cards: ``(label, value, note)``; a note starting with ``!`` marks a key card."""
    out = []
    for label, value, note in items:
        key = note.startswith("!")
        note = note.lstrip("!")
        out.append(
            f'<div class="card{" key" if key else ""}"><span class="muted">{esc(label)}'
            f"</span><b>{esc(value)}</b>"
            + (f'<span class="muted">{esc(note)}</span>' if note else "")
            + "</div>"
        )
    return f"<div class='cards'>{''.join(out)}</div>"
