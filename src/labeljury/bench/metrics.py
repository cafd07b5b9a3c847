"""Benchmark metrics, as defined by the CROWDLAB paper where it defines them.

All functions take flat numpy arrays and are vectorised. Definitions:

* :func:`accuracy` -- mean of ``labels == gold`` over items with a gold label
  (``gold >= 0``).
* :func:`auroc` -- ``sklearn.metrics.roc_auc_score(target, -score)``: how well a
  *low* quality score finds the items whose label is wrong (``target = 1``).
* :func:`auprc` -- ``sklearn.metrics.auc(recall, precision)`` of the
  precision-recall curve of ``-score`` (trapezoidal area, as the paper; *not*
  ``average_precision_score``).
* :func:`lift_at` -- error rate among the ``T`` lowest-scored items divided by the
  overall error rate (ties ordered by ``np.argsort``, stable).
* :func:`spearman` -- Spearman rank correlation; NaNs in either input are
  replaced by 0 first, as in the paper.
* :func:`expected_calibration_error` -- equal-width bins over [0, 1]
  (``n_bins = 10`` by default; a score of exactly 1 falls in the last bin):
  ``sum_b (n_b / n) * |mean(correct in b) - mean(score in b)|``.
* :func:`ece_floor` -- the ECE a *perfectly calibrated* score with exactly these
  values would still show on this many items, from sampling noise alone: the
  mean over Monte-Carlo draws (fixed seed) of the ECE, with the same bins,
  against ``correct ~ Bernoulli(score)``.

Each returns NaN where it is undefined (no errors, or all errors; too few items).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import auc, precision_recall_curve, roc_auc_score

__all__ = [
    "accuracy",
    "annotator_accuracy",
    "auprc",
    "auroc",
    "ece_floor",
    "expected_calibration_error",
    "lift_at",
    "spearman",
]

#: random numbers drawn per block in :func:`ece_floor` (bounds its memory to ~40 MB)
_FLOOR_BLOCK = 5_000_000


def accuracy(labels: np.ndarray, gold: np.ndarray) -> float:
    """Accuracy of ``labels`` on the items with ``gold >= 0``.

    Examples
    --------
    >>> accuracy(np.array([0, 1, 1, 2]), np.array([0, 1, 0, -1]))
    0.6666666666666666
    """
    known = np.asarray(gold) >= 0
    if not known.any():
        return float("nan")
    return float(np.mean(np.asarray(labels)[known] == np.asarray(gold)[known]))


def _binary(target: np.ndarray) -> bool:
    t = np.asarray(target, bool)
    return bool(t.size and t.any() and not t.all())


def auroc(target: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve of ``-score`` for finding ``target == 1`` (label wrong).

    Examples
    --------
    >>> auroc(np.array([1, 0, 0, 1]), np.array([0.1, 0.9, 0.8, 0.2]))
    1.0
    """
    if not _binary(target):
        return float("nan")
    return float(roc_auc_score(np.asarray(target, int), -np.asarray(score, float)))


def auprc(target: np.ndarray, score: np.ndarray) -> float:
    """Trapezoidal area under the precision-recall curve of ``-score`` (the paper's AUPRC).

    Examples
    --------
    >>> auprc(np.array([1, 0, 0, 1]), np.array([0.1, 0.9, 0.8, 0.2]))
    1.0
    """
    if not _binary(target):
        return float("nan")
    precision, recall, _ = precision_recall_curve(
        np.asarray(target, int), -np.asarray(score, float)
    )
    return float(auc(recall, precision))


def lift_at(target: np.ndarray, score: np.ndarray, t: int) -> float:
    """Lift@T: error rate among the ``t`` lowest scores over the overall error rate.

    NaN when there are fewer than ``t`` items or no error at all.

    Examples
    --------
    >>> target = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    >>> score = np.array([0.1, 0.2, 0.9, 0.9, 0.3, 0.9, 0.9, 0.9, 0.9, 0.9])
    >>> lift_at(target, score, 2)  # 1 error in the 2 lowest (0.5) / 0.2 overall
    2.5
    """
    target = np.asarray(target, float)
    base = target.mean() if target.size else 0.0
    if target.size < t or base == 0:
        return float("nan")
    lowest = np.argsort(np.asarray(score, float), kind="stable")[:t]
    return float(target[lowest].mean() / base)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman correlation (average ranks for ties), NaNs replaced by 0 first.

    Examples
    --------
    >>> spearman(np.array([1.0, 2.0, 3.0, 4.0]), np.array([10.0, 30.0, 20.0, 40.0]))
    0.8
    >>> spearman(np.array([1.0, np.nan, 3.0]), np.array([2.0, 3.0, 1.0]))  # NaN -> 0
    -1.0
    """
    x = np.nan_to_num(np.asarray(x, float), nan=0.0)
    y = np.nan_to_num(np.asarray(y, float), nan=0.0)
    if x.size < 3:
        return float("nan")
    rx, ry = rankdata(x) - (x.size + 1) / 2, rankdata(y) - (y.size + 1) / 2
    denom = np.sqrt((rx * rx).sum() * (ry * ry).sum())
    return float((rx * ry).sum() / denom) if denom > 0 else float("nan")


def expected_calibration_error(score: np.ndarray, correct: np.ndarray, n_bins: int = 10) -> float:
    """ECE of a confidence ``score`` in [0, 1] against 0/1 ``correct``; equal-width bins.

    Examples
    --------
    >>> expected_calibration_error(np.array([0.95, 0.95, 0.55, 0.55]),
    ...                            np.array([1, 1, 1, 0]))
    0.05
    """
    s = np.clip(np.asarray(score, float), 0.0, 1.0)
    c = np.asarray(correct, float)
    if s.size == 0:
        return float("nan")
    b = np.minimum((s * n_bins).astype(int), n_bins - 1)
    n_b = np.bincount(b, minlength=n_bins)
    gap = np.abs(
        np.bincount(b, weights=c, minlength=n_bins) - np.bincount(b, weights=s, minlength=n_bins)
    )
    return float(round(gap.sum() / s.size, 12)) if n_b.sum() else float("nan")


def ece_floor(
    score: np.ndarray, n_bins: int = 10, n_draws: int = 200, random_state: int = 0
) -> float:
    """Expected ECE of a perfectly calibrated score with exactly these values.

    Each draw sets ``correct_i ~ Bernoulli(score_i)`` -- a score that is
    calibrated by construction -- and measures its ECE with the binning of
    :func:`expected_calibration_error`; the floor is the mean over draws. An
    ECE near its floor is as small as this many items can show; the excess
    over the floor is the miscalibration the data can see.

    Parameters
    ----------
    score : ndarray, shape (n,)
        Confidence scores in [0, 1] (clipped), one per evaluated item.
    n_bins : int, default 10
    n_draws : int, default 200
    random_state : int, default 0
        Seeds the draws: the same scores give the same floor.

    Returns
    -------
    float
        NaN for no items.

    Examples
    --------
    >>> ece_floor(np.array([1.0, 0.0, 1.0]))  # certain scores: no noise
    0.0
    >>> small, large = ece_floor(np.full(100, 0.8)), ece_floor(np.full(10_000, 0.8))
    >>> bool(0.02 < small < 0.05 and large < 0.005)
    True
    """
    s = np.clip(np.asarray(score, float).ravel(), 0.0, 1.0)
    n = s.size
    if n == 0:
        return float("nan")
    b = np.minimum((s * n_bins).astype(int), n_bins - 1)
    order = np.argsort(b, kind="stable")
    s, b = s[order], b[order]
    # items sorted by bin: per-bin sums of each draw are one reduceat over the rows
    starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
    expected = np.add.reduceat(s, starts)
    rng = np.random.default_rng(random_state)
    block = max(1, _FLOOR_BLOCK // n)
    total = 0.0
    for done in range(0, n_draws, block):
        draws = min(block, n_draws - done)
        correct = rng.random((draws, n)) < s
        hits = np.add.reduceat(correct, starts, axis=1, dtype=np.float64)
        total += float(np.abs(hits - expected).sum())
    return float(round(total / (n_draws * n), 12))


def annotator_accuracy(
    item: np.ndarray, annotator: np.ndarray, label: np.ndarray, gold: np.ndarray, n_annotators: int
) -> np.ndarray:
    """Each annotator's accuracy on the gold-labeled items they labeled (NaN if none).

    Examples
    --------
    >>> annotator_accuracy(np.array([0, 1, 1]), np.array([0, 0, 1]), np.array([1, 0, 1]),
    ...                    np.array([1, 1]), 2).tolist()
    [0.5, 1.0]
    """
    g = np.asarray(gold)[item]
    known = g >= 0
    n = np.bincount(annotator[known], minlength=n_annotators).astype(float)
    right = np.bincount(
        annotator[known], weights=(label[known] == g[known]), minlength=n_annotators
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, right / np.maximum(n, 1), np.nan)
