"""A self-contained HTML report of a :class:`~labeljury.Result`, written for a team lead.

One file, no external assets: plots are matplotlib PNGs embedded as base64
(needs the ``report`` extra). Sections, in the order a lead asks: how good are
the labels (summary cards; with gold, the held-out accuracy and calibration),
which items to send for another label next, the model's own metrics, the
annotators, the items whose consensus is least sure, the rounds of
:func:`labeljury.run`, agreement statistics. Items are shown with their text
(or the features that tell the classes apart) beside their votes, and classes
by name when names are given.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._files import atomic_write
from .._text import plural
from ..errors import LabeljuryError
from ..gold import expected_calibration_error
from ._html import CSS, Raw, cards, esc, table
from ._items import ItemContext, class_namer, votes_html
from ._plots import confusion_vs_consensus, plots

__all__ = ["confusion_vs_consensus", "write_report"]


def _item_rows(
    res: Any, rows: np.ndarray, names: list[str], ctx: ItemContext, extra: dict[str, Any]
) -> pd.DataFrame:
    """Item id, its text / features, its votes and consensus, then ``extra`` columns."""
    ann = res.annotations
    labels = res.method.labels_
    out: dict[str, Any] = {"item": ann.items.take(rows).astype(str)}
    if ctx.kind != "none":
        out[ctx.header] = ctx.cells(rows)
    out["votes"] = votes_html(ann, names, labels, rows)
    out["consensus"] = [names[c] for c in labels[rows]]
    out.update(extra)
    return pd.DataFrame(out)


def _relabel_section(res: Any, names: list[str], ctx: ItemContext, n: int) -> list[str]:
    queue = res.relabel_priority().head(n)
    ann = res.annotations
    rows = ann.items.get_indexer(queue["item"])
    quality = res.label_quality["consensus_quality_score"].to_numpy()
    df = _item_rows(
        res,
        rows,
        names,
        ctx,
        {
            "consensus quality": quality[rows],
            "priority score": queue["priority_score"].to_numpy(float),
        },
    )
    how = (
        "the model's view and the annotators' reliability"
        if res.pred_probs is not None
        else "the annotators' reliability; without a model, an item with few labels ranks high"
    )
    gold = " Gold items are left out." if getattr(res, "gold", None) is not None else ""
    return [
        f"<h2>Relabel next: the {plural(len(df), 'item')} one more label helps most</h2>",
        f"<p class='lead'>Lowest priority score first, ActiveLab-style: it weighs {how}."
        f"{gold} <code>Result.relabel_priority()</code> gives the whole queue.</p>",
        table(df),
    ]


def _gold_section(res: Any, plot: str | None) -> list[str]:
    ev = res.gold
    parts = [
        "<h2>Measured on the gold items</h2>",
        f"<p class='lead'>{plural(ev.n_gold, 'gold item')}, split into {ev.n_folds} folds; "
        "each fold's consensus was fitted with that fold's classes hidden (the other "
        "folds' gold used as usual), so the accuracy below is what to expect on items "
        "nobody checked. The final labels keep every gold item pinned to its class.</p>",
        table(
            pd.DataFrame(
                {
                    "measure": [
                        "consensus accuracy (held out)",
                        "mean consensus quality score",
                        "expected calibration error (10 bins)",
                    ],
                    "value": [ev.accuracy, ev.mean_quality, ev.ece],
                }
            )
        ),
    ]
    cal = ev.calibration_table()
    grid = f"<div>{table(cal)}</div>"
    if plot:
        grid += f"<img alt='calibration on gold' src='{plot}' style='max-width:360px'>"
    parts += [
        "<p>Quality scores against the held-out accuracy, per score bin: a calibrated "
        "score sits on the diagonal.</p>",
        f"<div class='grid'>{grid}</div>",
    ]
    return parts


#: display names of what :func:`labeljury.run` records in ``Result.model_metrics``
_MODEL_LABELS = {
    "model": "model",
    "kind": "features",
    "cv_accuracy": "cross-validated accuracy (against the consensus it learned)",
    "cv_log_loss": "cross-validated log loss",
    "temperature": "calibration temperature",
    "cv_ece": "cross-validated calibration error (ECE)",
    "trained_on_round": "trained on the consensus of round",
}


def model_metrics(res: Any) -> dict[str, Any]:
    """What the report says about the model behind ``res.pred_probs`` (empty without one).

    Measured here from the out-of-fold probabilities: agreement with the
    consensus, the calibration error of the model's confidence against it,
    and the accuracy on gold items; plus what the pipeline recorded, when it
    did (``res.model_metrics`` / the model info's name, kind and temperature).
    """
    if res.pred_probs is None:
        return {}
    probs = np.asarray(res.pred_probs, float)
    top = probs.argmax(axis=1)
    labels = res.method.labels_
    out: dict[str, Any] = {}
    info = res.extra.get("model_info") if isinstance(res.extra, dict) else None
    for key, label in (("model_name", "model"), ("kind", "features")):
        if getattr(info, key, None):
            out[label] = str(getattr(info, key))
    recorded = getattr(res, "model_metrics", None)
    if isinstance(recorded, Mapping):
        for key, value in recorded.items():
            if isinstance(value, (str, int, float, np.integer, np.floating)):
                out[_MODEL_LABELS.get(str(key), str(key).replace("_", " "))] = value
    out["out-of-fold agreement with the consensus"] = float(np.mean(top == labels))
    out["calibration error (ECE) against the consensus"] = expected_calibration_error(
        probs.max(axis=1), top == labels
    )
    gold = res.annotations.gold
    if gold is not None and (gold >= 0).any():
        known = gold >= 0
        out["out-of-fold accuracy on gold"] = float(np.mean(top[known] == gold[known]))
    if getattr(info, "temperature", None) is not None:
        out.setdefault("calibration temperature", float(info.temperature))
    return out


def _cards(res: Any, s: dict[str, Any], metrics: dict[str, Any]) -> str:
    items: list[tuple[str, str, str]] = [
        ("items", f"{s['items']:,}", plural(s["annotations"], "annotation")),
        ("annotators", f"{s['annotators']:,}", plural(s["classes"], "class")),
        ("mean consensus quality", f"{s['mean_consensus_quality']:.3f}", ""),
        (
            "items below 0.5 quality",
            f"{s['items_below_0.5_quality']:,}",
            f"{s['unanimous_items']:,} unanimous",
        ),
    ]
    if "gold_accuracy" in s:
        items += [
            (
                "consensus accuracy on gold",
                f"{s['gold_accuracy']:.3f}",
                f"!held out, {plural(s['gold_items'], 'gold item')}",
            ),
            (
                "calibration error on gold",
                f"{s['gold_ece']:.3f}",
                f"mean score {s['gold_mean_quality']:.3f}",
            ),
        ]
    if metrics:
        items.append(
            (
                "model agrees with consensus",
                f"{metrics['out-of-fold agreement with the consensus']:.3f}",
                "out of fold",
            )
        )
    return cards(items)


def write_report(
    res: Any,
    path: str | os.PathLike[str],
    *,
    n_worst: int = 4,
    n_examples: int = 25,
    n_relabel: int = 20,
    title: str = "labeljury report",
    items: pd.DataFrame | None = None,
    class_names: Mapping[Any, Any] | None = None,
) -> Path:
    """Write one self-contained HTML file describing ``res``.

    Parameters
    ----------
    res : Result
    path : path
        The HTML file (written atomically).
    n_worst : int, default 4
        Annotators whose confusion against the consensus is drawn.
    n_examples, n_relabel : int
        Rows of the least-sure items and of the relabel-next list.
    title : str
    items : DataFrame, optional
        One row per item, indexed by item id: text columns are shown beside the
        votes; without text, the numeric columns that tell the consensus
        classes apart best (one-way ANOVA F).
    class_names : mapping, optional
        Class -> display name (keys the classes or their text, as in a
        data set's ``meta.json``).

    Examples
    --------
    >>> import tempfile, pathlib, labeljury
    >>> res = labeljury.aggregate(pd.DataFrame({"item": [1, 1, 2, 2], "worker": list("abab"),
    ...                                         "label": [0, 1, 1, 1]}))
    >>> p = write_report(res, pathlib.Path(tempfile.mkdtemp()) / "r.html",
    ...                  class_names={0: "cat", 1: "dog"})
    >>> text = p.read_text()
    >>> "<html" in text and "dog &times;2" in text
    True
    """
    s = res.summary()
    ann = res.annotations
    names = class_namer(ann.classes, class_names)
    ctx = ItemContext(items, ann, res.method.labels_)
    metrics = model_metrics(res)
    cal = res.gold.calibration_table() if getattr(res, "gold", None) is not None else None
    figs = plots(res, names, n_worst, cal)
    # the day only: two identical runs a few seconds apart straddled a minute often enough
    # to differ; SOURCE_DATE_EPOCH (the reproducible-builds convention) pins it
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    when = (
        _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
        if epoch.isdigit()
        else _dt.datetime.now()
    )
    date = when.strftime("%Y-%m-%d")
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(title)}"
        f"</title><style>{CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p class='muted'>consensus by {esc(s['method'])} &middot; {date}</p>",
        _cards(res, s, metrics),
    ]
    if getattr(res, "gold", None) is not None:
        parts += _gold_section(res, figs.get("calibration"))
    parts += _relabel_section(res, names, ctx, n_relabel)
    if metrics:
        parts += [
            "<h2>The model</h2>",
            "<p class='lead'>Out-of-fold: each item's probabilities come from a model "
            "that did not train on it.</p>",
            table(pd.DataFrame({"measure": list(metrics), "value": list(metrics.values())})),
        ]
    st = res.annotator_stats.head(30).copy()
    for col in ("worst_class", "spam_answer"):
        if col in st:
            st[col] = [names[i] for i in ann.classes.get_indexer(st[col])]
    parts += [
        "<h2>Annotators</h2>",
        f"<img alt='annotator quality' src='{figs['annotators']}'>",
        table(st),
    ]
    cms = "".join(
        f"<img alt='confusion' src='{v}'>" for k, v in figs.items() if k.startswith("cm_")
    )
    parts += [
        f"<h2>How the {min(n_worst, ann.n_annotators)} lowest-quality annotators label</h2>",
        "<p>Rows: consensus class; columns: the annotator's label.</p>",
        f"<div class='grid'>{cms}</div>",
    ]
    parts += ["<h2>Consensus quality</h2>", f"<img alt='histogram' src='{figs['quality_hist']}'>"]
    lowest = _lowest_examples(res, names, ctx, n_examples)
    parts += [
        f"<h2>The {plural(len(lowest), 'least sure consensus label')}</h2>",
        table(lowest),
    ]
    if res.history is not None:
        # wall-clock and CPU seconds differ between identical runs: left out, so that the
        # same run gives the same report byte for byte
        timing = ["seconds", "cpu_seconds"]
        parts += ["<h2>Rounds</h2>", table(res.history.drop(columns=timing, errors="ignore"))]
    try:
        agreement = res.agreement()
    except (ImportError, AttributeError, LabeljuryError):
        agreement = None
    if agreement is not None:
        parts += ["<h2>Inter-annotator agreement</h2>", _agreement_html(agreement)]
    parts.append("</body></html>")
    text = "\n".join(parts)
    return atomic_write(path, lambda t: Path(t).write_text(text, encoding="utf-8"))


def _lowest_examples(res: Any, names: list[str], ctx: ItemContext, n: int) -> pd.DataFrame:
    quality = res.label_quality["consensus_quality_score"].to_numpy()
    rows = np.argsort(quality, kind="stable")[:n]
    extra: dict[str, Any] = {"consensus quality": quality[rows]}
    if res.pred_probs is not None:
        p = res.pred_probs[rows]
        top = p.argmax(axis=1)
        extra["model says"] = [f"{names[t]} ({p[i, t]:.2f})" for i, t in enumerate(top)]
    return _item_rows(res, rows, names, ctx, extra)


def _agreement_html(agreement: Any) -> str:
    if hasattr(agreement, "to_html"):
        return agreement.to_html()
    if hasattr(agreement, "summary"):
        summ = agreement.summary
        summ = summ() if callable(summ) else summ
        if isinstance(summ, pd.DataFrame):
            return table(summ)
        if isinstance(summ, dict):
            keep = {k: v for k, v in summ.items() if v is not None and not isinstance(v, str)}
            values = [
                Raw(f"{v:,}" if isinstance(v, (int, np.integer)) else f"{v:.3f}", "num")
                for v in keep.values()
            ]
            return table(
                pd.DataFrame({"statistic": [k.replace("_", " ") for k in keep], "value": values})
            )
    return f"<pre>{esc(agreement)}</pre>"
