"""The summary ``aggregate`` and ``run`` print: headline numbers, gold, worst annotators."""

from __future__ import annotations

from typing import Any

from .._text import join_words, plural

__all__ = ["frame_table", "print_summary"]


def _cell(v: Any) -> str:
    import numpy as np

    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else ""
    if isinstance(v, (float, np.floating)):
        return "" if np.isnan(v) else f"{v:.3f}"
    return str(v)


#: short column titles, so that the tables fit an 80-column terminal
SHORT = {
    "annotator_quality": "quality",
    "agreement_with_consensus": "agrees",
    "num_examples_labeled": "labels",
    "worst_class": "worst class",
    "n_gold": "on gold",
    "gold_accuracy": "gold acc.",
    "labels_changed": "changed",
    "annotator_fit": "fit to annotators",
    "model_weight": "model weight",
}


def frame_table(df: Any, title: str | None = None, columns: list[str] | None = None) -> Any:
    """A rich table of a DataFrame (numbers right-aligned, floats to 3 decimals)."""
    from rich.table import Table

    cols = list(df.columns) if columns is None else columns
    table = Table(title=title, title_justify="left")
    for col in cols:
        numeric = df[col].dtype.kind in "iuf"
        table.add_column(
            SHORT.get(str(col), str(col).replace("_", " ")),
            justify="right" if numeric else "left",
            no_wrap=True,
        )
    for row in df[cols].itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    return table


def _gold_pinning_methods() -> list[str]:
    """The registered methods that pin gold items (those with a ``use_gold`` setting)."""
    import inspect

    from ..methods import METHODS, method_class

    return [
        name for name in METHODS if "use_gold" in inspect.signature(method_class(name)).parameters
    ]


def print_summary(console: Any, res: Any) -> None:
    """Print ``res.summary()``, what the gold items say, and the five worst annotators."""
    s = res.summary()
    console.print(
        f"[bold]{s['method']}[/bold]: {plural(s['items'], 'item')}, "
        f"{plural(s['annotations'], 'annotation')}, "
        f"{plural(s['annotators'], 'annotator')}, {plural(s['classes'], 'class')}"
    )
    if s.get("chosen_by"):  # method="auto": which method it used and why
        console.print(f"auto: {s['chosen_by']}")
    console.print(
        f"mean consensus quality {s['mean_consensus_quality']:.3f}; "
        f"{plural(s['items_below_0.5_quality'], 'item')} below 0.5; "
        f"{s['unanimous_items']:,} unanimous"
    )
    if s["gold_items"] and not s["gold_pinned"]:
        console.print(
            f"{plural(s['gold_items'], 'gold item')}, not pinned by {s['method']} "
            f"({join_words(_gold_pinning_methods())} pin them)"
        )
    elif s["gold_items"]:
        # method-specific keys: present when the method reports them
        calibrated = s.get("scores_calibrated_on_gold")
        console.print(
            f"{plural(s['gold_items'], 'gold item')} pinned to their class; "
            + (
                "consensus quality scores calibrated on them"
                if calibrated
                else "scores not calibrated on them (jury does with 20 or more)"
            )
        )
    elif "gold_calibration_items" in res.method.describe():
        # the labels cannot show a mistake the whole crowd shares; gold items can
        console.print(
            "[dim]tip: --gold FILE with 20 or more checked items (5-10% of them is "
            "better) measures the consensus accuracy and calibrates the consensus "
            "quality scores against mistakes the whole crowd shares; see "
            "docs/jury.md[/dim]"
        )
    if "gold_accuracy" in s:
        console.print(
            f"[bold]on the gold items[/bold] ({s['gold_folds']}-fold: each scored by a fit that "
            f"did not see its class): consensus accuracy [bold]{s['gold_accuracy']:.3f}[/bold], "
            f"mean consensus quality {s['gold_mean_quality']:.3f}, calibration error (ECE) "
            f"{s['gold_ece']:.3f}"
        )
    if res.pred_probs is not None and getattr(res, "model_metrics", None) is None:
        # a model's pred_probs given to aggregate (run() prints its own model line)
        from ..report import model_metrics

        m = model_metrics(res)
        name = f" {m['model']}" if "model" in m else ""
        gold = (
            f", accuracy on gold {m['out-of-fold accuracy on gold']:.3f}"
            if "out-of-fold accuracy on gold" in m
            else ""
        )
        console.print(
            f"model{name} (out of fold): agrees with the consensus on "
            f"{m['out-of-fold agreement with the consensus']:.3f} of the items, "
            f"calibration error (ECE) {m['calibration error (ECE) against the consensus']:.3f}"
            f"{gold}"
        )
    st = res.annotator_stats
    cols = [
        "annotator",
        "annotator_quality",
        "agreement_with_consensus",
        "num_examples_labeled",
        "worst_class",
    ]
    cols += [c for c in ("n_gold", "gold_accuracy") if c in st.columns]  # with gold
    console.print(frame_table(st.head(5), "lowest-quality annotators", cols))
