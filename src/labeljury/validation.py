"""Input checks shared by every method and entry point (checked once, trusted after)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import PredProbsError, preview

__all__ = ["check_pred_probs"]


def check_pred_probs(pred_probs: Any, n_items: int, n_classes: int, *, atol: float = 1e-3,
                     source: str = "pred_probs") -> np.ndarray:
    """Validate predicted probabilities and return a float64 copy.

    Raises :class:`~labeljury.errors.PredProbsError` naming the rows when the
    shape is wrong, or any value is NaN / infinite / negative, or a row does not
    sum to one (within ``atol``). Rows within tolerance are renormalised; the
    caller's array is never modified.

    Examples
    --------
    >>> check_pred_probs([[0.2, 0.8], [1.0, 0.0]], 2, 2).tolist()
    [[0.2, 0.8], [1.0, 0.0]]
    """
    try:
        arr = np.array(pred_probs, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise PredProbsError(f"{source}: cannot read as a numeric array ({exc})") from exc
    if arr.ndim != 2 or arr.shape != (n_items, n_classes):
        raise PredProbsError(f"{source} has shape {arr.shape}; expected ({n_items}, {n_classes}) "
                             "= (number of items, number of classes), rows in item order")
    bad = ~np.isfinite(arr)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        raise PredProbsError(f"{source}: NaN or infinite values in rows {preview(rows)}")
    if (arr < 0).any():
        rows = np.flatnonzero((arr < 0).any(axis=1))
        raise PredProbsError(f"{source}: negative probabilities in rows {preview(rows)}")
    sums = arr.sum(axis=1)
    off = np.abs(sums - 1.0) > atol
    if off.any():
        rows = np.flatnonzero(off)
        raise PredProbsError(f"{source}: rows {preview(rows)} do not sum to 1 (e.g. row "
                             f"{rows[0]} sums to {sums[rows[0]]:.4g}); pass probabilities, not "
                             "logits or scores (apply a softmax first)")
    arr /= sums[:, None]
    return arr
