"""The benchmark's unit: one data set with its gold labels and how its model is made.

Apart from :mod:`labeljury.bench.datasets` (which re-exports it) because both the
real folders there and the synthetic scenarios in :mod:`labeljury.bench._scenarios`
build it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..annotations import Annotations

__all__ = ["BenchData"]


@dataclass
class BenchData:
    """One benchmark data set.

    Attributes
    ----------
    name : str
    annotations : Annotations
        Answers only (no gold).
    gold : ndarray of int, shape (n_items,)
        True class code per item in ``annotations.items`` order, ``-1`` = unknown.
    kind : {"real", "synthetic"}
    features : DataFrame or ndarray, optional
        One row per item (``annotations.items`` order), for out-of-fold
        ``pred_probs`` trained on the majority vote.
    pred_probs : ndarray, shape (n_items, n_classes), optional
        Precomputed (simulated) model probabilities.
    model : str
        How ``pred_probs`` are obtained, shown in the results ("oof:text",
        "simulated acc=0.90", "none").
    path : Path, optional
    """

    name: str
    annotations: Annotations
    gold: np.ndarray
    kind: str = "real"
    features: Any = None
    pred_probs: np.ndarray | None = None
    model: str = "none"
    path: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def has_model(self) -> bool:
        """Whether model-aware methods can run (features or simulated pred_probs)."""
        return self.features is not None or self.pred_probs is not None
