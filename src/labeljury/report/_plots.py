"""The report's figures: matplotlib PNGs embedded as base64 (needs the ``report`` extra)."""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np

from ..errors import LabeljuryError

__all__ = ["confusion_vs_consensus", "plots"]


def confusion_vs_consensus(ann: Any, labels: np.ndarray, annotator: int) -> np.ndarray:
    """Counts ``[consensus class, annotator's label]`` over the annotator's labels."""
    k = ann.n_classes
    mine = ann.annotator == annotator
    return np.bincount(labels[ann.item[mine]] * k + ann.label[mine], minlength=k * k).reshape(k, k)


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised without the extra
        raise LabeljuryError(
            "the HTML report needs matplotlib: pip install 'labeljury[report]'"
        ) from exc
    return plt


def plots(res: Any, names: list[str], n_worst: int, calibration: Any = None) -> dict[str, str]:
    """``annotators``, ``quality_hist``, ``cm_<i>`` and, with gold, ``calibration``."""
    plt = _pyplot()
    out: dict[str, str] = {}
    st = res.annotator_stats
    show = st.head(25)
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.22 * len(show) + 1)))
    y = np.arange(len(show))
    ax.barh(y, show["annotator_quality"], color="#4c72b0")
    ax.set_yticks(
        y,
        [
            f"{a} (n={n})"
            for a, n in zip(show["annotator"], show["num_examples_labeled"], strict=True)
        ],
    )
    ax.invert_yaxis()
    ax.set_xlabel("annotator quality")
    ax.set_title(f"Annotator quality, worst first ({len(show)} of {len(st)} shown)")
    out["annotators"] = _png(fig)

    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(res.label_quality["consensus_quality_score"], bins=30, color="#55a868")
    ax.set_xlabel("consensus quality score")
    ax.set_ylabel("items")
    ax.set_title("Consensus quality")
    out["quality_hist"] = _png(fig)

    if calibration is not None and len(calibration):
        fig, ax = plt.subplots(figsize=(4, 4))
        ax.plot([0, 1], [0, 1], color="#999", lw=1, ls="--")
        ax.scatter(
            calibration["mean_score"],
            calibration["accuracy"],
            s=20 + 200 * calibration["items"] / calibration["items"].max(),
            color="#c44e52",
        )
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("mean consensus quality score (bin)")
        ax.set_ylabel("accuracy on gold (held out)")
        ax.set_title("Calibration on the gold items")
        out["calibration"] = _png(fig)

    ann = res.annotations
    labels = res.method.labels_
    codes = ann.annotators.get_indexer(st["annotator"].head(n_worst))
    short = [n if len(n) <= 18 else n[:17] + "..." for n in names]
    for pos, a in enumerate(codes):
        cm = confusion_vs_consensus(ann, labels, a)
        side = min(2.2 + 0.3 * len(short), 4.5)
        fig, ax = plt.subplots(figsize=(side, side * 0.9))
        ax.imshow(cm, cmap="Blues")
        for (i, j), v in np.ndenumerate(cm):
            ax.text(j, i, str(v), ha="center", va="center", fontsize=8)
        ax.set_xticks(range(len(short)), short, rotation=45, ha="right", fontsize=7)
        ax.set_yticks(range(len(short)), short, fontsize=7)
        ax.set_xlabel("annotator's label")
        ax.set_ylabel("consensus")
        ax.set_title(str(ann.annotators[a]), fontsize=9)
        out[f"cm_{pos}"] = _png(fig)
    return out
