"""Out-of-fold predicted probabilities from features, for the model-aware methods.

CROWDLAB (and labeljury's other model-aware methods) need, for every item, a
classifier's class probabilities computed *without* having seen that item's
label: :func:`out_of_fold_pred_probs` trains on ``n_splits - 1`` folds and
predicts the held-out fold, for a stratified K-fold split, then calibrates
the probabilities with one temperature.

What it can train on (see :func:`featurize`, which decides automatically):

* a table (DataFrame) of numeric and categorical columns, with missing values:
  histogram gradient-boosted trees and a regularised logistic regression,
  the better picked by cross-validated log loss;
* one or more free-text columns (or a list of strings): TF-IDF (word 1-2
  grams) and logistic regression;
* a numeric array, e.g. precomputed embeddings: logistic regression on
  standardised features;
* a scipy sparse matrix, e.g. a precomputed TF-IDF matrix: numeric features
  like an array, kept sparse (CSR) -- logistic regression on features scaled
  to unit variance but not centred, since centring would densify them;
* any scikit-learn classifier passed as ``model``.

Labels may be hard (class codes) or soft (a ``(n, K)`` array such as a
consensus posterior). The built-in logistic regression (:class:`SoftLogistic`)
fits soft labels as they are; the trees and any estimator whose ``fit`` takes
``sample_weight`` get the most probable class weighted by its probability;
other estimators get the argmax. No row is ever copied once per class.

:class:`CrossValModel` is the same loop kept between calls: features
vectorised once, the model chosen once, each fold warm-started from its last
fit. :func:`labeljury.run` uses it for its rounds.

Modules: :mod:`~labeljury.model.features` (featurize, preprocessors),
:mod:`~labeljury.model.learners` (the candidates),
:mod:`~labeljury.model.calibration` (temperature, ECE),
:mod:`~labeljury.model.cv` (the cross-validation loop),
:mod:`~labeljury.model.fitting` (one fold's fit on soft labels, threads, :class:`CVInfo`).

Sentence embeddings are not built in: no offline sentence-embedding model is
installed here. Compute embeddings yourself and pass the array.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from .calibration import apply_temperature, expected_calibration_error, fit_temperature, log_loss
from .cv import CrossValModel, CVInfo, idle_cores
from .features import Featurized, Kind, featurize, preprocessor
from .learners import SoftLogistic, candidate_models

__all__ = [
    "CVInfo",
    "CrossValModel",
    "Featurized",
    "SoftLogistic",
    "apply_temperature",
    "candidate_models",
    "expected_calibration_error",
    "featurize",
    "fit_temperature",
    "idle_cores",
    "log_loss",
    "out_of_fold_pred_probs",
    "preprocessor",
]


def out_of_fold_pred_probs(
    features: Any,
    labels: Any,
    *,
    n_classes: int | None = None,
    model: str | BaseEstimator = "auto",
    n_splits: int = 5,
    random_state: int = 0,
    calibrate: bool = True,
    kind: Kind = "auto",
    refit: bool = True,
    progress: bool = False,
    n_jobs: int = 1,
) -> tuple[np.ndarray, CVInfo]:
    """Out-of-fold predicted probabilities by stratified K-fold cross-validation.

    Parameters
    ----------
    features : DataFrame, ndarray, scipy sparse matrix, Series or list of str
        One row per item (in the order of the labels); see :func:`featurize`.
        A sparse matrix (any scipy.sparse format, converted to CSR, never
        densified) is numeric features: with a string ``model`` the
        ``"logistic"`` candidate on features scaled but not centred (the
        tree model takes no sparse input, and kind ``"tabular"``/``"text"``
        raises :class:`InputError`); with an estimator, the CSR rows of each
        fold, so the estimator must accept sparse input.
    labels : array-like, shape (n,) of int or (n, n_classes) of float
        Hard class codes, or soft labels (e.g. a method's ``probas_``).
    n_classes : int, optional
        Number of classes (default: from soft labels' width, or ``max + 1``).
    model : "auto", str or scikit-learn classifier, default "auto"
        ``"auto"`` tries the built-in candidates for the features' kind and keeps
        the one with the lowest cross-validated log loss; a name picks one
        candidate (see :func:`candidate_models`); an estimator is cloned and used
        on the features as given (no featurizing).
    n_splits : int, default 5
    random_state : int, default 0
        Seeds the fold split and the models: same inputs, same outputs.
    calibrate : bool, default True
        Temperature-scale the out-of-fold probabilities (one scalar fitted
        against the labels).
    kind : {"auto", "tabular", "text", "embeddings"}
        Passed to :func:`featurize`.
    refit : bool, default True
        Refit the chosen model on all the data (``info.final_model``).
    progress : bool, default False
        Print one line per fold to stderr.
    n_jobs : int, default 1
        Folds fitted side by side when the fits are small (see :class:`CrossValModel`).

    Returns
    -------
    pred_probs : ndarray, shape (n, n_classes)
        Row ``i`` comes from a model that never saw item ``i``'s label.
    info : CVInfo

    Raises
    ------
    ClassError
        Fewer than two classes, or every label is the same class.
    InputError
        Shapes disagree, ``n_splits`` is not in ``[2, n]``, or sparse features
        are not 2-D, have NaN (string ``model``) or go with kind
        ``"tabular"``/``"text"``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 3)); y = (X[:, 0] > 0).astype(int)
    >>> pp, info = out_of_fold_pred_probs(X, y, n_classes=2)
    >>> pp.shape, info.model_name
    ((60, 2), 'logistic')
    >>> float((pp.argmax(axis=1) == y).mean()) > 0.8
    True

    A sparse matrix goes in as it is, here with a custom estimator:

    >>> import scipy.sparse as sp
    >>> from sklearn.linear_model import LogisticRegression
    >>> pp_sp, _ = out_of_fold_pred_probs(sp.csr_array(X), y, model=LogisticRegression())
    >>> pp_dense, _ = out_of_fold_pred_probs(X, y, model=LogisticRegression())
    >>> bool(np.allclose(pp_sp, pp_dense))
    True
    """
    if n_classes is None:
        arr = np.asarray(labels)
        n_classes = arr.shape[1] if arr.ndim == 2 else int(arr.max()) + 1

    def say(name: str, fold: int, n_folds: int, seconds: float) -> None:
        print(
            f"[labeljury.model] {name} fold {fold + 1}/{n_folds} ({seconds:.1f}s)", file=sys.stderr
        )

    cvm = CrossValModel(
        features,
        n_classes=n_classes,
        model=model,
        n_splits=n_splits,
        random_state=random_state,
        calibrate=calibrate,
        kind=kind,
        n_jobs=n_jobs,
    )
    probs, info = cvm.fit_oof(labels, on_fold=say if progress else None)
    if refit:
        info.final_model = cvm.refit()
    return probs, info
