"""PNG plots of benchmark results (matplotlib, Agg backend, no display needed).

* :func:`plot_accuracy_by_dataset` -- heat map of consensus accuracy (full data),
  coloured by the difference to majority vote;
* :func:`plot_accuracy_vs_labels` -- mean accuracy over the real data sets
  against annotations per item (sparsity protocol; error bars = std over seeds);
* :func:`plot_time_vs_size` -- wall time against number of annotations, log-log.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "plot_accuracy_by_dataset",
    "plot_accuracy_vs_labels",
    "plot_time_vs_size",
    "write_plots",
]


def _plt():  # returns the matplotlib.pyplot module
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _ok(results: pd.DataFrame) -> pd.DataFrame:
    return results[results["status"] == "ok"]


def plot_accuracy_by_dataset(results: pd.DataFrame, path: Path) -> Path:
    """Heat map: rows = methods, columns = data sets; text = accuracy, colour = minus MV."""
    plt = _plt()
    full = _ok(results[results["variant"] == "full"])
    table = full.pivot_table(index="method", columns="dataset", values="accuracy", aggfunc="mean")
    cols = list(dict.fromkeys(full["dataset"]))
    rows = list(dict.fromkeys(full["method"]))
    table = table.reindex(
        index=[m for m in rows if m in table.index], columns=[c for c in cols if c in table.columns]
    )
    ref = table.loc["majority_vote"] if "majority_vote" in table.index else table.median()
    diff = table - ref
    fig, ax = plt.subplots(
        figsize=(max(8, 0.75 * table.shape[1] + 3), max(4, 0.38 * table.shape[0] + 2))
    )
    lim = np.nanmax(np.abs(diff.to_numpy())) if np.isfinite(diff.to_numpy()).any() else 0.1
    im = ax.imshow(diff.to_numpy(), cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
    for (i, j), v in np.ndenumerate(table.to_numpy()):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.3f}", ha="center", va="center", fontsize=6)
    ax.set_xticks(range(table.shape[1]), table.columns, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(table.shape[0]), table.index, fontsize=7)
    fig.colorbar(im, ax=ax, label="accuracy minus majority vote")
    ax.set_title("Consensus accuracy on gold items (full data)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_accuracy_vs_labels(results: pd.DataFrame, path: Path) -> Path:
    """Mean accuracy over real data sets at r = 1, 2, 3, 5 annotations per item."""
    plt = _plt()
    sub = _ok(results[(results["variant"] != "full") & (results["kind"] == "real")])
    fig, ax = plt.subplots(figsize=(9, 5.5))
    if not sub.empty:
        sub = sub.assign(r=sub["variant"].astype(int))
        # per seed: mean over the data sets each method ran on; then spread over seeds
        per_seed = sub.groupby(["method", "r", "seed"])["accuracy"].mean()
        stats = per_seed.groupby(["method", "r"]).agg(["mean", "std"]).reset_index()
        for name, g in stats.groupby("method"):
            style = "-" if ":" not in name else "--"
            ax.errorbar(
                g["r"],
                g["mean"],
                yerr=g["std"].fillna(0),
                label=name,
                ls=style,
                marker="o",
                ms=3,
                capsize=2,
                lw=1,
            )
        ax.set_xticks(sorted(stats["r"].unique()))
        ax.legend(fontsize=6, ncol=2, loc="lower right")
    ax.set_xlabel("annotations kept per item (r)")
    ax.set_ylabel("mean consensus accuracy over real data sets")
    ax.set_title("Accuracy against labels per item (dashed: peers)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_time_vs_size(results: pd.DataFrame, path: Path) -> Path:
    """Wall time per fit against number of annotations (full data), log-log."""
    plt = _plt()
    full = _ok(results[results["variant"] == "full"]).dropna(subset=["time_s"])
    fig, ax = plt.subplots(figsize=(9, 5.5))
    for name, g in full.groupby("method"):
        g = g.sort_values("n_annotations")
        ax.plot(
            g["n_annotations"],
            np.maximum(g["time_s"], 1e-4),
            marker="o",
            ms=3,
            lw=0.8,
            ls="-" if ":" not in name else "--",
            label=name,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("annotations")
    ax.set_ylabel("wall time per fit (s)")
    ax.set_title("Time against size (full data sets; dashed: peers)")
    ax.grid(alpha=0.3, which="both")
    if not full.empty:
        ax.legend(fontsize=6, ncol=2, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_plots(results: pd.DataFrame, out: Path) -> list[Path]:
    """Write the three PNGs into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    return [
        plot_accuracy_by_dataset(results, out / "accuracy_by_dataset.png"),
        plot_accuracy_vs_labels(results, out / "accuracy_vs_labels_per_item.png"),
        plot_time_vs_size(results, out / "time_vs_size.png"),
    ]
