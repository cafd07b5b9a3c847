"""One cross-validated fit's pieces: label checks, soft-label fits, threads, :class:`CVInfo`.

The helpers :class:`~labeljury.model.cv.CrossValModel` calls once per fold:
turning hard or soft labels into checked soft labels, fitting any estimator on
soft labels without copying rows, mapping ``predict_proba`` onto all classes,
and choosing how many BLAS/OpenMP threads a fit gets. :class:`CVInfo` (what a
fit learned besides the probabilities) lives here too; both are re-exported by
:mod:`labeljury.model.cv` and :mod:`labeljury.model`.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from ..errors import ClassError, InputError
from .calibration import apply_temperature
from .learners import SoftLogistic

__all__ = ["SMALL_FIT_ROWS", "CVInfo", "FoldCallback", "idle_cores"]


#: fits on fewer training rows than this run one thread each (folds may run side by side)
SMALL_FIT_ROWS = 20_000

#: ``on_fold(model_name, fold, n_folds, seconds)``, called after each fold
FoldCallback = Callable[[str, int, int, float], None]


def _check_labels(labels: Any, n: int, n_classes: int) -> np.ndarray:
    """Return soft labels ``(n, K)`` (one-hot for hard labels), rows summing to one."""
    arr = np.asarray(labels)
    if arr.ndim == 1:
        if arr.dtype.kind not in "iu" and not (
            arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))
        ):
            raise InputError(
                "hard labels must be integer class codes 0..n_classes-1; "
                "encode class names first (e.g. with Annotations.classes)"
            )
        arr = arr.astype(np.int64)
        if len(arr) != n:
            raise InputError(f"{len(arr)} labels for {n} rows of features")
        if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
            raise ClassError(
                f"labels must lie in [0, {n_classes}), got values from {arr.min()} to {arr.max()}"
            )
        soft = np.zeros((n, n_classes))
        soft[np.arange(n), arr] = 1.0
        return soft
    if arr.ndim != 2 or arr.shape != (n, n_classes):
        raise InputError(f"soft labels must have shape ({n}, {n_classes}), got {arr.shape}")
    soft = np.array(arr, dtype=float, copy=True)
    if not np.all(np.isfinite(soft)) or (soft < 0).any():
        raise InputError("soft labels must be finite and non-negative")
    sums = soft.sum(axis=1)
    if np.any(np.abs(sums - 1) > 1e-3):
        raise InputError("soft label rows must sum to one")
    return soft / sums[:, None]


def _accepts_sample_weight(estimator: Any) -> bool:
    fit = getattr(estimator, "fit", None)
    if fit is None:
        return False
    if isinstance(estimator, Pipeline):
        return _accepts_sample_weight(estimator.steps[-1][1])
    return "sample_weight" in inspect.signature(fit).parameters


def _take(X: Any, rows: np.ndarray) -> Any:
    """Rows of a DataFrame, an array or a CSR matrix (all index by an int array)."""
    return X.iloc[rows] if isinstance(X, pd.DataFrame) else X[rows]


def _early_stopping_fits(estimator: Any, hard: np.ndarray) -> Any:
    """Gradient boosting without early stopping when its held-out split cannot be drawn.

    scikit-learn's early stopping holds out a stratified ``validation_fraction``
    of the training rows: it fails (a ValueError) when that split is smaller
    than the number of classes, or a class has one row. Small folds and rare
    classes hit it; the same trees without early stopping are then fitted.
    """
    if not isinstance(estimator, HistGradientBoostingClassifier) or not estimator.early_stopping:
        return estimator
    counts = np.bincount(hard)
    counts = counts[counts > 0]
    n_val = int(np.ceil(estimator.validation_fraction * len(hard)))
    if counts.min() >= 2 and len(counts) <= n_val <= len(hard) - len(counts):
        return estimator
    return estimator.set_params(early_stopping=False)


def _fit_soft(estimator: Any, X: Any, soft: np.ndarray) -> Any:
    """Fit on soft labels without copying rows.

    :class:`SoftLogistic` takes them as they are. Any other estimator gets
    the most probable class, weighted by its probability when its ``fit``
    takes ``sample_weight`` (an item the consensus doubts counts less), and
    plain otherwise.
    """
    if isinstance(estimator, SoftLogistic):
        return estimator.fit(X, soft)
    hard = soft.argmax(axis=1)
    estimator = _early_stopping_fits(estimator, hard)
    if soft.max(axis=1).min() >= 1.0 - 1e-12 or not _accepts_sample_weight(estimator):
        return estimator.fit(X, hard)
    weight = soft.max(axis=1)
    kw = {"sample_weight": weight}
    if isinstance(estimator, Pipeline):
        kw = {f"{estimator.steps[-1][0]}__sample_weight": weight}
    return estimator.fit(X, hard, **kw)


def _iterations(estimator: Any) -> float:
    """The optimiser's iterations of a fitted fold model, NaN when it does not say.

    A fold's cost is its iterations times the cost of one; reported so that a
    round that costs more than the first can be told apart from a slow machine.
    """
    if isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    n = getattr(estimator, "n_iter_", None)
    if n is None:
        return float("nan")
    return float(np.max(n))


def _predict_full(estimator: Any, X: Any, n_classes: int) -> np.ndarray:
    """predict_proba mapped onto all K classes (classes unseen in training get 0)."""
    proba = np.asarray(estimator.predict_proba(X), dtype=float)
    classes = np.asarray(estimator.classes_, dtype=np.int64)
    out = np.zeros((proba.shape[0], n_classes))
    out[:, classes] = proba
    return out


def idle_cores() -> int:
    """CPU cores not busy now: the core count less the 1-minute load average, at least 1."""
    n = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on every platform
        return 1
    return max(1, min(n, int(n - load + 0.5)))


def _threads(n_rows: int, n_jobs: int) -> Any:
    """BLAS/OpenMP threads of a fit: one for small fits, ``n_jobs`` for large ones.

    Gradient boosting's OpenMP threads cost more than they save on a few
    thousand rows, and on a busy machine their spin-waiting can make a
    sub-second fit take minutes; small fits run one thread each (and the folds
    side by side when ``n_jobs > 1``), large fits one after another with
    ``n_jobs`` threads -- no more, since threads beyond the idle cores spin
    against the machine's other jobs.
    """
    return threadpool_limits(limits=1 if n_rows < SMALL_FIT_ROWS else n_jobs)


@dataclass
class CVInfo:
    """What one cross-validated fit learned besides the probabilities.

    Attributes
    ----------
    model_name : str
        The chosen model (``"custom"`` for a user's estimator).
    kind : str
        ``"tabular"``, ``"text"``, ``"embeddings"`` or ``"custom"``.
    fold_scores : DataFrame
        One row per candidate model and fold: ``model``, ``fold``, ``n_train``,
        ``n_test``, ``seconds``, ``n_iter`` (the fold model's optimiser
        iterations, NaN when it does not report them), ``log_loss`` and
        ``accuracy`` (against the
        argmax of the labels) of the uncalibrated out-of-fold predictions.
    cv_log_loss : dict
        Mean out-of-fold log loss of each candidate tried in this fit, after
        its own temperature scaling when calibrating (the selection
        criterion: candidates are compared as they will be used); only the
        chosen model after the first fit of a :class:`CrossValModel`.
    temperature : float
        Calibration temperature (1.0 when ``calibrate=False``).
    final_model : estimator or None
        The chosen model refit on all the data, preprocessing included, for
        predicting new items (its probabilities are *not* temperature-scaled;
        use :func:`apply_temperature`).
    warnings : list of str
        Problems handled along the way (rare classes, constant features).
    metrics : dict
        The returned (calibrated) probabilities scored against the labels:
        ``cv_accuracy`` (argmax agreement with the labels' argmax),
        ``cv_log_loss`` (cross-entropy against the soft labels, nats) and
        ``cv_ece`` (top-label expected calibration error, 10 bins).
    """

    model_name: str
    kind: str
    fold_scores: pd.DataFrame
    cv_log_loss: dict[str, float]
    temperature: float
    final_model: Any = None
    warnings: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)


def _calibrated(probs: np.ndarray, temperature: float) -> np.ndarray:
    if temperature != 1.0:
        return apply_temperature(probs, temperature)
    return np.clip(probs, 0.0, None) / probs.sum(axis=1, keepdims=True)
