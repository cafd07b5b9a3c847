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
consensus posterior). Soft labels are used by giving every example one
weighted copy per class (weight = its probability), which the built-in models
and any estimator whose ``fit`` takes ``sample_weight`` accept; other
estimators get the argmax.

Sentence embeddings are not built in: no offline sentence-embedding model is
installed here. Compute embeddings yourself and pass the array.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax
from sklearn.base import BaseEstimator, clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from .errors import ClassError, InputError
from .validation import check_features

__all__ = ["CVInfo", "Featurized", "apply_temperature", "candidate_models", "featurize",
           "fit_temperature",
           "out_of_fold_pred_probs"]

Kind = Literal["auto", "tabular", "text", "embeddings"]

#: probabilities are floored here before taking logs (calibration, log loss)
EPS = 1e-12
#: fits on fewer training rows than this run with one OpenMP thread
SMALL_FIT_ROWS = 20_000


# --------------------------------------------------------------------- features
@dataclass
class Featurized:
    """Features prepared for the built-in models.

    Attributes
    ----------
    kind : {"tabular", "text", "embeddings"}
    X : DataFrame, ndarray or scipy.sparse CSR matrix
        The data as the models take it (a copy; the caller's object is untouched).
    numeric, categorical, text : list
        Column names of each type (column numbers for an array).
    constant : list
        Columns with a single value (no information; kept, but reported).
    """

    kind: str
    X: Any
    numeric: list[Any] = field(default_factory=list)
    categorical: list[Any] = field(default_factory=list)
    text: list[Any] = field(default_factory=list)
    constant: list[Any] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.X.shape[0])  # sparse matrices have no len()


def _is_text(col: pd.Series) -> bool:
    """Free text rather than a category: long strings, mostly distinct, several words."""
    values = col.dropna()
    if values.empty or not all(isinstance(v, str) for v in values.iloc[:200]):
        return False
    s = values.astype(str)
    words = s.str.split().str.len().mean()
    distinct = s.nunique() / len(s)
    return bool(words >= 3 and distinct > 0.5)


def _as_csr(features: Any) -> Any:
    """A scipy sparse matrix or array as CSR, whose rows index by an int array (COO's do not)."""
    if features.ndim != 2:
        raise InputError(f"sparse features must be 2-D (one row per item), got shape "
                         f"{features.shape}")
    return features.tocsr()


def _featurize_sparse(features: Any, kind: Kind) -> Featurized:
    """A sparse matrix: numeric features (kind ``"embeddings"``), kept sparse.

    A sparse matrix already holds numbers, so there is nothing to detect:
    neither a table to encode nor text to vectorise. It is never densified
    (a TF-IDF matrix can be far larger dense than sparse).
    """
    if kind not in ("auto", "embeddings"):
        raise InputError(f"sparse features are numeric, used as they are (kind "
                         f"'embeddings'); kind={kind!r} needs a DataFrame or strings")
    X = _as_csr(features)
    if X.dtype.kind not in "biuf":
        raise InputError(f"sparse features must be numeric, got dtype {X.dtype}")
    X = X.astype(float, copy=True)
    # the dense path imputes NaN with column medians; a sparse matrix's median
    # would count its implicit zeros and the imputer would have to convert it,
    # so missing values must be filled in by whoever built the matrix
    if not np.isfinite(X.data).all():
        raise InputError("sparse features contain NaN or infinite values: fill them in "
                         "before passing the matrix (dense arrays get NaN imputed with "
                         "the column median, sparse ones do not)")
    const = (np.flatnonzero(X.max(axis=0).toarray().ravel() == X.min(axis=0).toarray().ravel())
             if X.shape[0] else np.arange(0))
    return Featurized("embeddings", X, numeric=list(range(X.shape[1])),
                      constant=const.tolist())


def featurize(features: Any, *, kind: Kind = "auto", text_columns: list[Any] | None = None
              ) -> Featurized:
    """Decide how to model ``features`` and prepare them.

    Parameters
    ----------
    features : DataFrame, ndarray, scipy sparse matrix, Series or list of str
        One row per item.
    kind : {"auto", "tabular", "text", "embeddings"}, default "auto"
        ``"auto"``: a list/Series/1-D array of strings is text; a numeric
        array is embeddings; a DataFrame is text if it has free-text columns
        (several words, mostly distinct values) and tabular otherwise. A
        scipy sparse matrix is always embeddings, converted to CSR and kept
        sparse; ``"tabular"`` or ``"text"`` with one raises :class:`InputError`,
        as do NaN or infinite values in it (no imputation for sparse input).
    text_columns : list, optional
        Columns to treat as free text (overrides the detection).

    Returns
    -------
    Featurized

    Examples
    --------
    >>> import pandas as pd
    >>> featurize(pd.DataFrame({"age": [31, None], "city": ["Oslo", "Rome"]})).kind
    'tabular'
    >>> featurize(["a long enough review text", "another short review here"]).kind
    'text'
    >>> featurize(np.zeros((3, 4))).kind
    'embeddings'
    >>> import scipy.sparse as sp
    >>> f = featurize(sp.coo_array(np.eye(3)))
    >>> f.kind, f.X.format
    ('embeddings', 'csr')
    """
    if kind not in ("auto", "tabular", "text", "embeddings"):
        raise InputError(f"kind must be 'auto', 'tabular', 'text' or 'embeddings', got {kind!r}")
    features = check_features(features)  # labeljury.validation: inf, empty columns, text numbers
    if sp.issparse(features):
        return _featurize_sparse(features, kind)
    if isinstance(features, pd.Series) or (isinstance(features, (list, tuple)) and features
                                           and isinstance(features[0], str)):
        features = pd.DataFrame({"text": pd.Series(features).reset_index(drop=True)})
        if kind == "auto":
            kind = "text"
            text_columns = ["text"]
    if not isinstance(features, pd.DataFrame):
        arr = np.asarray(features)
        if arr.ndim == 1 and arr.dtype.kind in "OUS":
            return featurize(pd.Series(arr), kind=kind)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise InputError(f"features must be 2-D (one row per item), got shape {arr.shape}")
        if arr.dtype.kind not in "biuf":
            features = pd.DataFrame(arr)
        else:
            arr = arr.astype(float, copy=True)
            if kind in ("auto", "embeddings"):
                const = np.flatnonzero(np.nanmax(arr, axis=0) == np.nanmin(arr, axis=0)) \
                    if len(arr) else np.arange(0)
                return Featurized("embeddings", arr, numeric=list(range(arr.shape[1])),
                                  constant=const.tolist())
            features = pd.DataFrame(arr)
    df = features.copy()
    if df.shape[1] == 0:
        raise InputError("features have no columns")
    if text_columns is None:
        text_columns = [c for c in df.columns if _is_text(df[c])] if kind != "tabular" else []
    missing = [c for c in text_columns if c not in df.columns]
    if missing:
        raise InputError(f"text_columns not in the features: {missing}")
    if kind == "text" and not text_columns:
        text_columns = [c for c in df.columns if df[c].dtype == object
                        or isinstance(df[c].dtype, pd.StringDtype)]
        if not text_columns:
            raise InputError("kind='text' but no column holds strings")
    if kind == "embeddings":
        num = df.apply(pd.to_numeric, errors="coerce").to_numpy(float)
        return featurize(num, kind="embeddings")
    for c in text_columns:
        df[c] = df[c].astype(object).where(df[c].notna(), "").astype(str)
    rest = [c for c in df.columns if c not in text_columns]
    numeric = [c for c in rest if pd.api.types.is_numeric_dtype(df[c])
               and not pd.api.types.is_bool_dtype(df[c])]
    categorical = [c for c in rest if c not in numeric]
    for c in categorical:  # one representation for every category: strings, NaN kept
        df[c] = df[c].astype(object).where(df[c].notna(), np.nan)
        df[c] = df[c].map(lambda v: v if v is np.nan or isinstance(v, str) else str(v))
    for c in numeric:
        df[c] = df[c].astype(float)
    constant = [c for c in df.columns if df[c].nunique(dropna=False) <= 1]
    return Featurized("text" if text_columns else "tabular", df, numeric=numeric,
                      categorical=categorical, text=list(text_columns), constant=constant)


def _tabular_pre(f: Featurized, *, for_trees: bool) -> ColumnTransformer:
    parts: list[tuple[str, Any, Any]] = []
    if for_trees:
        if f.numeric:
            parts.append(("num", "passthrough", f.numeric))
        if f.categorical:
            parts.append(("cat", OrdinalEncoder(handle_unknown="use_encoded_value",
                                                unknown_value=np.nan, encoded_missing_value=np.nan,
                                                max_categories=250), f.categorical))
    else:
        if f.numeric:
            parts.append(("num", make_pipeline(SimpleImputer(strategy="median",
                                                             add_indicator=True,
                                                             keep_empty_features=True),
                                               StandardScaler()), f.numeric))
        if f.categorical:
            parts.append(("cat", make_pipeline(
                SimpleImputer(strategy="constant", fill_value="(missing)"),
                OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=2)),
                f.categorical))
        for c in f.text:
            parts.append((f"text_{c}", TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2),
                                                       max_features=50_000), c))
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0.3 if for_trees else 1.0)


def candidate_models(f: Featurized, random_state: int = 0) -> dict[str, BaseEstimator]:
    """The built-in candidate models for these features (unfitted).

    Tabular: ``{"hist_gradient_boosting", "logistic"}``; text: ``{"tfidf_logistic"}``;
    embeddings: ``{"logistic"}`` (for sparse embeddings: scaled, not centred).

    Examples
    --------
    >>> sorted(candidate_models(featurize(np.zeros((4, 2)))))
    ['logistic']
    """
    if f.kind == "embeddings":
        clf = LogisticRegression(C=1.0, max_iter=2000)
        if sp.issparse(f.X):
            # centring would densify the matrix. With the intercept unpenalised (lbfgs)
            # centring only shifts the intercept, so scaling alone fits the same model
            # as the dense path up to the solver's tolerance; no imputer, as
            # _featurize_sparse rejects non-finite values
            return {"logistic": make_pipeline(StandardScaler(with_mean=False), clf)}
        return {"logistic": make_pipeline(SimpleImputer(strategy="median",
                                                        keep_empty_features=True),
                                          StandardScaler(), clf)}
    if f.kind == "text":
        return {"tfidf_logistic": Pipeline([("features", _tabular_pre(f, for_trees=False)),
                                            ("clf", LogisticRegression(C=4.0, max_iter=2000))])}
    n_num = len(f.numeric)
    cat_mask = [False] * n_num + [True] * len(f.categorical)
    # early stopping on a seeded 10% split keeps small data sets fast and regularised
    hgb = HistGradientBoostingClassifier(
        learning_rate=0.1, max_iter=200, l2_regularization=1.0, min_samples_leaf=10,
        early_stopping=True, validation_fraction=0.1, n_iter_no_change=10,
        categorical_features=cat_mask if any(cat_mask) else None, random_state=random_state)
    return {
        "hist_gradient_boosting": Pipeline([("features", _tabular_pre(f, for_trees=True)),
                                            ("clf", hgb)]),
        "logistic": Pipeline([("features", _tabular_pre(f, for_trees=False)),
                              ("clf", LogisticRegression(C=1.0, max_iter=2000))]),
    }


# ------------------------------------------------------------------- labels
def _check_labels(labels: Any, n: int, n_classes: int) -> np.ndarray:
    """Return soft labels ``(n, K)`` (one-hot for hard labels), rows summing to one."""
    arr = np.asarray(labels)
    if arr.ndim == 1:
        if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and np.all(
                np.isfinite(arr)) and np.all(arr == np.round(arr))):
            raise InputError("hard labels must be integer class codes 0..n_classes-1; "
                             "encode class names first (e.g. with Annotations.classes)")
        arr = arr.astype(np.int64)
        if len(arr) != n:
            raise InputError(f"{len(arr)} labels for {n} rows of features")
        if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
            raise ClassError(f"labels must lie in [0, {n_classes}), got values from "
                             f"{arr.min()} to {arr.max()}")
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


def _fit_soft(estimator: Any, X: Any, soft: np.ndarray) -> Any:
    """Fit on soft labels: one weighted copy of each row per class with mass > 0."""
    hard = soft.max(axis=1) >= 1.0 - 1e-12
    if hard.all() or not _accepts_sample_weight(estimator):
        return estimator.fit(X, soft.argmax(axis=1))
    rows, cls = np.nonzero(soft > 1e-6)
    weight = soft[rows, cls]
    kw = {"sample_weight": weight}
    if isinstance(estimator, Pipeline):
        kw = {f"{estimator.steps[-1][0]}__sample_weight": weight}
    return estimator.fit(_take(X, rows), cls, **kw)


def _predict_full(estimator: Any, X: Any, n_classes: int) -> np.ndarray:
    """predict_proba mapped onto all K classes (classes unseen in training get 0)."""
    proba = np.asarray(estimator.predict_proba(X), dtype=float)
    classes = np.asarray(estimator.classes_, dtype=np.int64)
    out = np.zeros((proba.shape[0], n_classes))
    out[:, classes] = proba
    return out


def _log_loss(probs: np.ndarray, soft: np.ndarray) -> float:
    return float(-(soft * np.log(np.clip(probs, EPS, 1.0))).sum(axis=1).mean())


def fit_temperature(probs: np.ndarray, soft_labels: np.ndarray) -> float:
    """One temperature ``T`` minimising the cross-entropy of ``softmax(log p / T)``.

    Searched over ``log T`` in ``[log 0.05, log 20]`` with a bounded scalar
    minimiser (the objective is smooth and one-dimensional).

    Examples
    --------
    >>> p = np.array([[0.99, 0.01], [0.99, 0.01], [0.01, 0.99], [0.99, 0.01]])
    >>> y = np.eye(2)[[0, 0, 1, 1]]
    >>> fit_temperature(p, y) > 1   # over-confident: softened
    True
    """
    logp = np.log(np.clip(probs, EPS, 1.0))

    def loss(log_t: float) -> float:
        return float(-(soft_labels * log_softmax(logp / np.exp(log_t), axis=1)).sum(axis=1)
                     .mean())

    res = minimize_scalar(loss, bounds=(np.log(0.05), np.log(20.0)), method="bounded",
                          options={"xatol": 1e-4})
    return float(np.exp(res.x)) if loss(res.x) < loss(0.0) else 1.0


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """``softmax(log p / T)``, rows summing to one."""
    return np.exp(log_softmax(np.log(np.clip(probs, EPS, 1.0)) / temperature, axis=1))


# ------------------------------------------------------------------ the CV loop
@dataclass
class CVInfo:
    """What :func:`out_of_fold_pred_probs` learned besides the probabilities.

    Attributes
    ----------
    model_name : str
        The chosen model (``"custom"`` for a user's estimator).
    kind : str
        ``"tabular"``, ``"text"``, ``"embeddings"`` or ``"custom"``.
    fold_scores : DataFrame
        One row per candidate model and fold: ``model``, ``fold``, ``n_train``,
        ``n_test``, ``log_loss`` and ``accuracy`` (against the argmax of the labels)
        of the uncalibrated out-of-fold predictions.
    cv_log_loss : dict
        Mean out-of-fold log loss of each candidate (the selection criterion).
    temperature : float
        Calibration temperature (1.0 when ``calibrate=False``).
    final_model : estimator or None
        The chosen model refit on all the data, for predicting new items (its
        probabilities are *not* temperature-scaled; use
        :func:`apply_temperature`).
    warnings : list of str
        Problems handled along the way (rare classes, constant features).
    """

    model_name: str
    kind: str
    fold_scores: pd.DataFrame
    cv_log_loss: dict[str, float]
    temperature: float
    final_model: Any = None
    warnings: list[str] = field(default_factory=list)


def _threads_for(n_rows: int) -> Any:
    """One OpenMP thread for small fits.

    Gradient boosting's OpenMP threads cost more than they save on a few
    thousand rows, and on a busy machine their spin-waiting can make a
    sub-second fit take minutes; large fits keep every thread.
    """
    if n_rows < SMALL_FIT_ROWS:
        return threadpool_limits(limits=1, user_api="openmp")
    return contextlib.nullcontext()


def _cross_val(estimator: Any, X: Any, soft: np.ndarray, folds: list[tuple[np.ndarray,
               np.ndarray]], n_classes: int, name: str, progress: bool
               ) -> tuple[np.ndarray, list[dict[str, Any]]]:
    oof = np.zeros((len(soft), n_classes))
    rows = []
    hard = soft.argmax(axis=1)
    for f, (tr, te) in enumerate(folds):
        t0 = time.perf_counter()
        if np.unique(hard[tr]).size < 2 and soft[tr].max(axis=1).min() >= 1 - 1e-12:
            # a fold with one class: the only honest prediction is that class
            oof[te] = soft[tr].mean(axis=0)
        else:
            with _threads_for(len(tr)):
                model = _fit_soft(clone(estimator), _take(X, tr), soft[tr])
                oof[te] = _predict_full(model, _take(X, te), n_classes)
        rows.append({"model": name, "fold": f, "n_train": len(tr), "n_test": len(te),
                     "log_loss": _log_loss(oof[te], soft[te]),
                     "accuracy": float((oof[te].argmax(axis=1) == hard[te]).mean())})
        if progress:
            print(f"[labeljury.model] {name} fold {f + 1}/{len(folds)}: log loss "
                  f"{rows[-1]['log_loss']:.4f} ({time.perf_counter() - t0:.1f}s)",
                  file=sys.stderr)
    return oof, rows


def out_of_fold_pred_probs(features: Any, labels: Any, *, n_classes: int | None = None,
                           model: str | BaseEstimator = "auto", n_splits: int = 5,
                           random_state: int = 0, calibrate: bool = True,
                           kind: Kind = "auto", refit: bool = True, progress: bool = False
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
    if sp.issparse(features):
        features = _as_csr(features)
    n = features.shape[0] if sp.issparse(features) else len(features)  # no len() on sparse
    if n_classes is None:
        arr = np.asarray(labels)
        n_classes = arr.shape[1] if arr.ndim == 2 else int(arr.max()) + 1
    if n_classes < 2:
        raise ClassError(f"need at least two classes, got n_classes={n_classes}")
    soft = _check_labels(labels, n, n_classes)
    hard = soft.argmax(axis=1)
    present = np.bincount(hard, minlength=n_classes)
    if (present > 0).sum() < 2:
        raise ClassError(f"every label is class {int(hard[0])}: a classifier needs examples "
                         "of at least two classes to learn anything")
    if not 2 <= n_splits <= n:
        raise InputError(f"n_splits must be between 2 and the number of rows ({n}), "
                         f"got {n_splits}")
    notes: list[str] = []
    rare = np.flatnonzero((present > 0) & (present < n_splits))
    if rare.size:
        notes.append(f"classes {rare.tolist()} have fewer than n_splits={n_splits} examples; "
                     "some folds train without them, and those folds predict them with "
                     "probability 0 before calibration")
        warnings.warn(notes[-1], UserWarning, stacklevel=2)

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class",
                                category=UserWarning)
        splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
        folds = list(splitter.split(np.zeros(n), hard))

    if isinstance(model, str):
        feats = featurize(features, kind=kind)
        if feats.constant and len(feats.constant) == feats.X.shape[1]:
            notes.append("every feature is constant: the model can only learn the class "
                         "frequencies")
            warnings.warn(notes[-1], UserWarning, stacklevel=2)
        cands = candidate_models(feats, random_state=random_state)
        if model != "auto":
            if model not in cands:
                what = "sparse (embeddings)" if sp.issparse(feats.X) else feats.kind
                raise InputError(f"model {model!r} is not a candidate for {what} "
                                 f"features; choose one of {sorted(cands)} or pass an estimator")
            cands = {model: cands[model]}
        X, kind_name = feats.X, feats.kind
    else:
        if not hasattr(model, "fit") or not hasattr(model, "predict_proba"):
            raise InputError("model must be 'auto', a candidate name, or a scikit-learn "
                             "classifier with fit and predict_proba")
        if isinstance(features, pd.DataFrame):
            X = features.copy()
        elif sp.issparse(features):
            X = features  # CSR rows per fold; np.asarray would wrap it in a 0-d object array
        else:
            X = np.asarray(features)
        cands, kind_name = {"custom": model}, "custom"

    results: dict[str, np.ndarray] = {}
    rows: list[dict[str, Any]] = []
    for name, est in cands.items():
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning,
                                    message=".*(unknown categories|infrequent).*")
            oof, r = _cross_val(est, X, soft, folds, n_classes, name, progress)
        results[name] = oof
        rows += r
    cv_loss = {name: _log_loss(p, soft) for name, p in results.items()}
    best = min(cv_loss, key=lambda k: (cv_loss[k], k))
    probs = results[best]
    temperature = fit_temperature(probs, soft) if calibrate else 1.0
    probs = apply_temperature(probs, temperature) if temperature != 1.0 else \
        np.clip(probs, 0.0, None) / probs.sum(axis=1, keepdims=True)
    final = None
    if refit:
        with _threads_for(n):
            final = _fit_soft(clone(cands[best]), X, soft)
    info = CVInfo(model_name=best, kind=kind_name, fold_scores=pd.DataFrame(rows),
                  cv_log_loss=cv_loss, temperature=temperature, final_model=final,
                  warnings=notes)
    return probs, info
