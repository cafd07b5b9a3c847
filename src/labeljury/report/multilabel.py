"""The HTML report of a multi-label result: consensus sets, per-class rates, annotators.

Built from the same pieces as the single-label report (``_html``: stylesheet,
tables, cards); it reads only the tables of
:class:`~labeljury.multilabel.MultiLabelResult` and its annotations. No plots
and no date, so that identical runs write identical bytes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._files import atomic_write
from .._text import plural
from ._html import CSS, Raw, cards, esc, table

__all__ = ["write_multilabel_report"]


def _chips(names: np.ndarray, chosen: np.ndarray, win: np.ndarray | None = None) -> str:
    """A set as class chips (``win`` marks the classes also in the consensus set)."""
    if not chosen.any():
        return "<span class='muted'>(none)</span>"
    return "".join(
        f"<span class='vote{' win' if win is not None and win[k] else ''}'>{esc(names[k])}</span>"
        for k in np.flatnonzero(chosen)
    )


def _least_sure(res: Any, n: int) -> pd.DataFrame:
    """The ``n`` items whose consensus set is least likely right, with every annotator's set."""
    ann = res.annotations
    labels = np.asarray(res.method.labels_, dtype=bool)
    quality = res.label_quality["consensus_quality_score"].to_numpy(float)
    rows = np.argsort(quality, kind="stable")[:n]
    names = ann.classes.to_numpy(dtype=object)
    # the judgements of those items only; the few rows shown are built one by one
    judg = np.flatnonzero(np.isin(ann.item, rows))
    chosen = np.zeros((len(judg), ann.n_classes), dtype=bool)
    for j, g in enumerate(judg):
        chosen[j, ann.indices[ann.indptr[g] : ann.indptr[g + 1]]] = True
    sets = []
    for r in rows:
        mine = np.flatnonzero(ann.item[judg] == r)
        parts = [
            f"<div>{esc(ann.annotators[ann.annotator[judg[j]]])}: "
            f"{_chips(names, chosen[j], labels[r])}</div>"
            for j in mine
        ]
        sets.append(Raw("".join(parts), "small"))
    return pd.DataFrame(
        {
            "item": ann.items.take(rows).astype(str),
            "consensus set": [Raw(_chips(names, labels[r])) for r in rows],
            "P(whole set right)": quality[rows],
            "annotators' sets": sets,
        }
    )


def _class_rates(res: Any) -> pd.DataFrame:
    """Per class: share of items whose consensus set holds it, mean probability, choice rate."""
    ann = res.annotations
    labels = np.asarray(res.method.labels_, dtype=bool)
    probs = res.class_quality[list(ann.classes)].to_numpy(float)
    chosen = np.bincount(ann.indices, minlength=ann.n_classes)
    unsure = (probs > 0.2) & (probs < 0.8)
    return pd.DataFrame(
        {
            "class": ann.classes.astype(str),
            "consensus rate": labels.mean(axis=0),
            "mean probability": probs.mean(axis=0),
            "chosen by annotators": chosen / max(ann.n_judgements, 1),
            "items unsure (0.2-0.8)": unsure.sum(axis=0),
        }
    )


def write_multilabel_report(
    res: Any,
    path: str | os.PathLike[str],
    *,
    n_examples: int = 25,
    n_annotators: int = 30,
    title: str = "labeljury multi-label report",
) -> Path:
    """Write one self-contained HTML file describing a multi-label result.

    Parameters
    ----------
    res : MultiLabelResult
    path : path
        The HTML file (written atomically).
    n_examples : int, default 25
        Rows of the least-sure consensus sets.
    n_annotators : int, default 30
        Rows of the annotator table (worst first).
    title : str

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from labeljury.multilabel import MultiLabelAnnotations, aggregate
    >>> ann = MultiLabelAnnotations.from_sets(["d", "d"], ["a", "b"], [["x", "y"], ["x"]])
    >>> p = write_multilabel_report(aggregate(ann, "majority_vote"),
    ...                             pathlib.Path(tempfile.mkdtemp()) / "r.html")
    >>> "consensus rate" in p.read_text()
    True
    """
    s = res.summary()
    lowest = _least_sure(res, n_examples)
    stats = res.annotator_stats.head(n_annotators)
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(title)}"
        f"</title><style>{CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p class='muted'>consensus sets by {esc(s['method'])} (multi-label)</p>",
        cards(
            [
                ("items", f"{s['items']:,}", plural(s["annotations"], "judgement")),
                ("annotators", f"{s['annotators']:,}", plural(s["classes"], "class")),
                (
                    "mean P(consensus set right)",
                    f"{s['mean_consensus_quality']:.3f}",
                    "!probability the whole set is right",
                ),
                (
                    "items below 0.5",
                    f"{s['items_below_0.5_quality']:,}",
                    f"{s['unanimous_items']:,} unanimous",
                ),
                ("mean consensus set size", f"{s['mean_set_size']:.2f}", ""),
            ]
        ),
        f"<h2>The {plural(len(lowest), 'least sure consensus set')}</h2>",
        "<p class='lead'>Lowest probability that the whole set is right first. "
        "Green chips of an annotator's set are in the consensus set.</p>",
        table(lowest),
        "<h2>Classes</h2>",
        "<p class='lead'>Consensus rate: share of items whose consensus set holds the "
        "class; chosen by annotators: share of judgements that chose it.</p>",
        table(_class_rates(res)),
        f"<h2>Annotators ({plural(len(stats), 'lowest-quality annotator')})</h2>",
        "<p class='lead'>Quality: mean over classes of (sensitivity + specificity) / 2 "
        "(0.5 is a coin). Sensitivity: P(chosen | class present); specificity: "
        "P(not chosen | class absent).</p>",
        table(stats),
    ]
    history = getattr(res, "history", None)
    if history is not None:
        # timings differ between identical runs: left out, as in the single-label report
        parts += [
            "<h2>Rounds</h2>",
            "<p class='lead'>Each round: a one-vs-rest model with cross-validation, then "
            "the consensus with its out-of-fold probabilities as prior.</p>",
            table(history.drop(columns=["seconds", "cpu_seconds"], errors="ignore")),
        ]
    parts.append("</body></html>")
    text = "\n".join(parts)
    return atomic_write(path, lambda t: Path(t).write_text(text, encoding="utf-8"))
