"""The benchmark's result tables, as pandas frames and GitHub Markdown.

:data:`METRICS` (what each metric column means and which way is better), one
metric as a methods x data sets table with failures marked and the best in bold
(:func:`metric_table`, :func:`ece_table`), accuracy against annotations per item
(:func:`sparsity_table`), the mean and std over seeds (:func:`summary`), the data
sets and the failures. :mod:`~labeljury.bench.report` assembles them into
``tables.md`` and ``docs/benchmarks.md`` (and re-exports these names).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = [
    "METRICS",
    "ece_table",
    "metric_table",
    "sparsity_table",
    "summary",
    "to_markdown",
]

#: column -> (title, definition, format, higher is better)
METRICS: dict[str, tuple[str, str, str, bool]] = {
    "accuracy": (
        "Consensus accuracy",
        "mean(consensus label == gold) over the items with a gold label",
        ".3f",
        True,
    ),
    "auroc_mv": (
        "AUROC, majority-vote label (paper protocol)",
        "roc_auc_score(MV label wrong, -score), score = the method's quality score of "
        "the majority-vote label (its posterior probability of that label; cleanlab "
        "CROWDLAB: consensus_quality_score_majority_vote)",
        ".3f",
        True,
    ),
    "auprc_mv": (
        "AUPRC, majority-vote label (paper protocol)",
        "sklearn.metrics.auc(recall, precision) of precision_recall_curve(MV label "
        "wrong, -score): trapezoidal, not average precision",
        ".3f",
        True,
    ),
    "lift10_mv": (
        "Lift@10, majority-vote label",
        "error rate of the MV label among the 10 lowest-scored items / overall MV error rate",
        ".2f",
        True,
    ),
    "lift50_mv": ("Lift@50, majority-vote label", "as Lift@10 with T = 50", ".2f", True),
    "lift100_mv": ("Lift@100, majority-vote label", "as Lift@10 with T = 100", ".2f", True),
    "auroc_own": (
        "AUROC, own consensus",
        "roc_auc_score(own label wrong, -consensus quality score)",
        ".3f",
        True,
    ),
    "auprc_own": ("AUPRC, own consensus", "as AUPRC above, target = own label wrong", ".3f", True),
    "lift50_own": (
        "Lift@50, own consensus",
        "as Lift@50 above, target = own label wrong",
        ".2f",
        True,
    ),
    "spearman": (
        "Annotator quality: Spearman",
        "Spearman correlation of the method's annotator score with the annotator's "
        "accuracy on gold items (annotators with at least one gold item; NaN scores "
        "-> 0; '+model' methods include the model pseudo-annotator, as the paper)",
        ".3f",
        True,
    ),
    "ece": (
        "Calibration: expected calibration error (lower is better; in brackets: its noise floor)",
        "10 equal-width bins of the consensus quality score over [0, 1]; sum over bins of "
        "(bin share) x |accuracy in bin - mean score in bin|, on gold items",
        ".3f",
        False,
    ),
    "ece_floor": (
        "Calibration: ECE noise floor",
        "the ECE that a perfectly calibrated score with exactly the method's score "
        "values would show on this many gold items, from sampling noise alone: mean "
        "over 200 draws (fixed seed) of the ECE, same bins, with correct ~ "
        "Bernoulli(score) drawn for each gold item. An ECE close to its floor is "
        "as low as the data can measure (with a few hundred gold items the floor "
        "is often 0.02-0.05); shown in brackets in the ECE table",
        ".3f",
        False,
    ),
    "time_s": (
        "Wall time per fit, seconds (lower is better)",
        "time.perf_counter around fit + reading the outputs, full data, one run",
        ".3g",
        False,
    ),
    "peak_mb": (
        "Peak memory, MiB (lower is better)",
        "tracemalloc peak during a second, traced run (Python + numpy allocations); "
        "blank when the fit took over the tracing limit",
        ".3g",
        False,
    ),
}

_STATUS = {"failed": "fail", "skipped": "skip", "timeout": "timeout", "n/a": "n/a"}
#: metrics shown inside another metric's table rather than in their own
_COMPANION = {"ece_floor": "ece"}


def _fmt(v: Any, spec: str) -> str:
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return format(float(v), spec)


def to_markdown(df: pd.DataFrame, *, index: bool = True, index_name: str = "") -> str:
    """A GitHub markdown table of strings/numbers (no extra dependency).

    Examples
    --------
    >>> print(to_markdown(pd.DataFrame({"a": ["1"]}, index=["x"])))
    |  | a |
    |---|---|
    | x | 1 |
    """
    cols = ([index_name] if index else []) + [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(["---"] * len(cols)) + "|"]
    for idx, row in df.iterrows():
        cells = ([str(idx)] if index else []) + ["" if pd.isna(v) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def metric_table(
    results: pd.DataFrame, metric: str, variant: str = "full", bold_best: bool = True
) -> pd.DataFrame:
    """Methods x data sets table of one metric (strings), with failures marked.

    Cells: the value (mean over seeds), ``fail`` / ``skip`` / ``n/a`` for rows
    that did not run; the best value of each data set in bold.
    """
    spec, higher = METRICS[metric][2], METRICS[metric][3]
    sub = results[results["variant"] == variant]
    datasets = list(dict.fromkeys(sub["dataset"]))
    methods = list(dict.fromkeys(sub["method"]))
    ok = sub[sub["status"] == "ok"]
    values = ok.pivot_table(index="method", columns="dataset", values=metric, aggfunc="mean")
    values = values.reindex(index=methods, columns=datasets)
    status = sub.groupby(["method", "dataset"])["status"].first().unstack()
    status = status.reindex(index=methods, columns=datasets)
    out = pd.DataFrame("", index=methods, columns=datasets, dtype=object)
    for d in datasets:
        col = values[d]
        best = (col.max() if higher else col.min()) if col.notna().any() else None
        for m in methods:
            v = col[m]
            if pd.notna(v):
                s = _fmt(v, spec)
                if (
                    bold_best
                    and best is not None
                    and s == _fmt(best, spec)
                    and metric not in ("time_s", "peak_mb")
                ):
                    s = f"**{s}**"
                out.loc[m, d] = s
            elif pd.notna(status.loc[m, d]):
                out.loc[m, d] = _STATUS.get(str(status.loc[m, d]), "")
    return out


def ece_table(results: pd.DataFrame, variant: str = "full") -> pd.DataFrame:
    """The ECE table with each value's noise floor in brackets: ``0.052 (0.031)``.

    Examples
    --------
    >>> r = pd.DataFrame({"variant": "full", "dataset": "d", "method": ["a", "b"],
    ...                   "status": ["ok", "failed"], "ece": [0.05, None],
    ...                   "ece_floor": [0.03, None]})
    >>> ece_table(r).loc[["a", "b"], "d"].tolist()
    ['**0.050** (0.030)', 'fail']
    """
    ece = metric_table(results, "ece", variant)
    if "ece_floor" not in results.columns:
        return ece
    floor = metric_table(results, "ece_floor", variant, bold_best=False)
    shown = set(_STATUS.values())
    for m in ece.index:
        for d in ece.columns:
            e, f = ece.loc[m, d], floor.loc[m, d]
            if e and f and e not in shown and f not in shown:
                ece.loc[m, d] = f"{e} ({f})"
    return ece


def _table(results: pd.DataFrame, key: str) -> pd.DataFrame:
    return ece_table(results) if key == "ece" else metric_table(results, key)


def sparsity_table(
    results: pd.DataFrame, kind: str = "real", metric: str = "accuracy"
) -> pd.DataFrame:
    """Methods x r table: mean over data sets, then mean ± std over seeds.

    The cell also gives the number of data sets the method ran on (a method
    that failed or was skipped somewhere is averaged over fewer).
    """
    sub = results[
        (results["variant"] != "full") & (results["kind"] == kind) & (results["status"] == "ok")
    ]
    if sub.empty:
        return pd.DataFrame()
    sub = sub.assign(r=sub["variant"].astype(int))
    per_seed = sub.groupby(["method", "r", "seed"])[metric].mean()
    stats = per_seed.groupby(["method", "r"]).agg(["mean", "std"])
    n_ds = sub.groupby(["method", "r"])["dataset"].nunique()
    cells = {
        (m, r): f"{row['mean']:.3f} ± {0.0 if pd.isna(row['std']) else row['std']:.3f}"
        f" ({n_ds[(m, r)]})"
        for (m, r), row in stats.iterrows()
    }
    methods = list(dict.fromkeys(sub["method"]))
    rs = sorted(sub["r"].unique())
    return pd.DataFrame(
        [[cells.get((m, r), "") for r in rs] for m in methods],
        index=methods,
        columns=[f"r={r}" for r in rs],
    )


def summary(results: pd.DataFrame) -> pd.DataFrame:
    """Mean and std over seeds of every metric, per data set, variant and method."""
    cols = [c for c in METRICS if c in results.columns]
    ok = results[results["status"] == "ok"]
    g = ok.groupby(["dataset", "variant", "method"], sort=False)[cols]
    out = g.mean().add_suffix("_mean").join(g.std().add_suffix("_std"))
    out["n_runs"] = g.size()
    return out.reset_index()


def _datasets_table(results: pd.DataFrame) -> pd.DataFrame:
    full = results[results["variant"] == "full"].drop_duplicates("dataset")
    return pd.DataFrame(
        {
            "kind": full["kind"].to_numpy(),
            "items": full["n_items"].map("{:,}".format).to_numpy(),
            "annotators": full["n_annotators"].map("{:,}".format).to_numpy(),
            "annotations": full["n_annotations"].map("{:,}".format).to_numpy(),
            "labels/item": full["labels_per_item"].map("{:.2f}".format).to_numpy(),
            "classes": full["n_classes"].to_numpy(),
            "gold items": full["n_gold"].map("{:,}".format).to_numpy(),
            "pred_probs": full["model"].to_numpy(),
            "model acc.": [_fmt(v, ".3f") for v in full["model_accuracy"]],
        },
        index=full["dataset"].to_numpy(),
    )


def _problems(results: pd.DataFrame) -> pd.DataFrame:
    bad = results[results["status"].isin(["failed", "skipped", "timeout"])]
    if bad.empty:
        return pd.DataFrame()
    # one line per reason: predicted skips differ only by their predicted seconds
    predicted = (bad["status"] == "skipped") & bad["message"].str.startswith("skipped: predicted")
    bad = bad.assign(
        message=bad["message"].where(
            ~predicted, "predicted time over the per-fit budget (results.csv gives the prediction)"
        )
    )
    g = bad.groupby(["method", "status", "message"], sort=False)
    out = g["dataset"].agg(lambda s: ", ".join(dict.fromkeys(s))).reset_index()
    out["runs"] = g.size().to_numpy()
    out["message"] = out["message"].str.slice(0, 160).str.replace("|", "/", regex=False)
    return out.set_index("method")
