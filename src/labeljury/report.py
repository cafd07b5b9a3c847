"""A self-contained HTML report of a :class:`~labeljury.Result`.

One file, no external assets: plots are matplotlib PNGs embedded as base64.
Needs the ``report`` extra (matplotlib).
"""

from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._files import atomic_write
from .errors import LabeljuryError

__all__ = ["confusion_vs_consensus", "write_report"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#222;line-height:1.45}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}.num{text-align:right}.muted{color:#777}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}.card{border:1px solid #ddd;border-radius:6px;
padding:.6rem 1rem;min-width:9rem}.card b{display:block;font-size:1.4rem}
img{max-width:100%}.grid{display:flex;flex-wrap:wrap;gap:1rem}
"""


def confusion_vs_consensus(ann: Any, labels: np.ndarray, annotator: int) -> np.ndarray:
    """Counts ``[consensus class, annotator's label]`` over the annotator's labels."""
    k = ann.n_classes
    mine = ann.annotator == annotator
    return np.bincount(labels[ann.item[mine]] * k + ann.label[mine],
                       minlength=k * k).reshape(k, k)


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _table(df: pd.DataFrame, floats: str = "{:.3f}") -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for rec in df.itertuples(index=False):
        cells = []
        for v in rec:
            if isinstance(v, (float, np.floating)):
                cells.append(f'<td class="num">{floats.format(v)}</td>')
            else:
                cells.append(f"<td>{html.escape(str(v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _plots(res: Any, n_worst: int) -> dict[str, str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised without the extra
        raise LabeljuryError("the HTML report needs matplotlib: pip install "
                             "'labeljury[report]'") from exc
    out: dict[str, str] = {}
    st = res.annotator_stats
    show = st.head(40)
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.22 * len(show) + 1)))
    y = np.arange(len(show))
    ax.barh(y, show["annotator_quality"], color="#4c72b0")
    ax.set_yticks(y, [f"{a} (n={n})" for a, n in zip(show["annotator"],
                                                     show["num_examples_labeled"], strict=True)])
    ax.invert_yaxis()
    ax.set_xlabel("annotator quality")
    ax.set_title(f"Annotator quality, worst first ({len(show)} of {len(st)} shown)")
    out["annotators"] = _png(fig)

    lq = res.label_quality
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(lq["consensus_quality_score"], bins=30, color="#55a868")
    ax.set_xlabel("consensus quality score")
    ax.set_ylabel("items")
    ax.set_title("Consensus quality")
    out["quality_hist"] = _png(fig)

    ann = res.annotations
    labels = res.method.labels_
    codes = ann.annotators.get_indexer(st["annotator"].head(n_worst))
    classes = [str(c) for c in ann.classes]
    for pos, a in enumerate(codes):
        cm = confusion_vs_consensus(ann, labels, a)
        fig, ax = plt.subplots(figsize=(2.2 + 0.35 * len(classes), 2 + 0.3 * len(classes)))
        ax.imshow(cm, cmap="Blues")
        for (i, j), v in np.ndenumerate(cm):
            ax.text(j, i, str(v), ha="center", va="center", fontsize=8)
        ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right", fontsize=7)
        ax.set_yticks(range(len(classes)), classes, fontsize=7)
        ax.set_xlabel("annotator's label")
        ax.set_ylabel("consensus")
        ax.set_title(str(ann.annotators[a]), fontsize=9)
        out[f"cm_{pos}"] = _png(fig)
    return out


def _lowest_examples(res: Any, n: int) -> pd.DataFrame:
    ann = res.annotations
    lq = res.label_quality
    order = np.argsort(lq["consensus_quality_score"].to_numpy(), kind="stable")[:n]
    d = res.detailed_label_quality
    votes = d.assign(v=d["annotator"].astype(str) + ": " + d["label"].astype(str)) \
        .groupby("item", sort=False)["v"].agg("; ".join)
    rows = lq.iloc[order].copy()
    rows["votes"] = rows["item"].map(votes)
    if res.pred_probs is not None:
        p = res.pred_probs[order]
        top = p.argmax(axis=1)
        rows["model_says"] = [f"{ann.classes[t]} ({p[i, t]:.2f})" for i, t in enumerate(top)]
    return rows


def write_report(res: Any, path: str | os.PathLike[str], *, n_worst: int = 6,
                 n_examples: int = 25, title: str = "labeljury report") -> Path:
    """Write one self-contained HTML file describing ``res``.

    Sections: summary numbers; annotator quality (worst first, with the number
    each labeled); confusion matrices against the consensus for the
    ``n_worst`` lowest-quality annotators; the consensus quality histogram;
    the ``n_examples`` lowest-quality items with every vote and the model's
    view; agreement statistics when available; the per-round history of
    :func:`labeljury.run`.

    Examples
    --------
    >>> import tempfile, pathlib, labeljury
    >>> res = labeljury.aggregate(pd.DataFrame({"item": [1, 1, 2, 2], "worker": list("abab"),
    ...                                         "label": [0, 1, 1, 1]}))
    >>> p = write_report(res, pathlib.Path(tempfile.mkdtemp()) / "r.html")
    >>> "<html" in p.read_text()
    True
    """
    s = res.summary()
    plots = _plots(res, n_worst)
    cards = "".join(f'<div class="card"><span class="muted">{html.escape(k.replace("_", " "))}'
                    f"</span><b>{v:.3f}</b></div>" if isinstance(v, float) else
                    f'<div class="card"><span class="muted">{html.escape(k.replace("_", " "))}'
                    f"</span><b>{html.escape(str(v))}</b></div>" for k, v in s.items())
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
             f"</title><style>{_CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1><p class='muted'>method {html.escape(s['method'])}"
             "</p>", f"<div class='cards'>{cards}</div>"]
    if res.history is not None:
        parts += ["<h2>Rounds</h2>", _table(res.history)]
    parts += ["<h2>Annotators</h2>", f"<img alt='annotator quality' src='{plots['annotators']}'>",
              _table(res.annotator_stats.head(30))]
    cms = "".join(f"<img alt='confusion' src='{v}'>" for k, v in plots.items()
                  if k.startswith("cm_"))
    parts += [f"<h2>How the {n_worst} lowest-quality annotators label</h2>",
              "<p>Rows: consensus class; columns: the annotator's label.</p>",
              f"<div class='grid'>{cms}</div>"]
    parts += ["<h2>Consensus quality</h2>", f"<img alt='histogram' src='{plots['quality_hist']}'>"]
    parts += [f"<h2>The {n_examples} lowest-quality consensus labels</h2>",
              _table(_lowest_examples(res, n_examples))]
    try:
        agreement = res.agreement()
    except (ImportError, AttributeError, LabeljuryError):
        agreement = None
    if agreement is not None:
        parts += ["<h2>Inter-annotator agreement</h2>", _agreement_html(agreement)]
    parts.append("</body></html>")
    text = "\n".join(parts)
    return atomic_write(path, lambda t: Path(t).write_text(text, encoding="utf-8"))


def _agreement_html(agreement: Any) -> str:
    if hasattr(agreement, "to_html"):
        return agreement.to_html()
    if hasattr(agreement, "summary"):
        summ = agreement.summary
        summ = summ() if callable(summ) else summ
        if isinstance(summ, pd.DataFrame):
            return _table(summ)
        if isinstance(summ, dict):
            return _table(pd.DataFrame({"statistic": list(summ), "value": list(summ.values())}))
    return f"<pre>{html.escape(str(agreement))}</pre>"
