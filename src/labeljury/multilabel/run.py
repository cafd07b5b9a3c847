"""``run`` for multi-label data: a one-vs-rest model with cross-validation, and MultiJury.

Per-class majority vote -> fit a one-vs-rest logistic model on the features
with K-fold cross-validation against the current per-class probabilities (soft
targets) -> out-of-fold per-class probabilities -> MultiJury with them as the
prior -> refit on Jury's probabilities -> ... until no consensus set changes or
``max_rounds``.

The one-vs-rest model is one multi-output logistic regression: all K classes
share the features and are fitted together by L-BFGS on the summed binary
cross-entropy (an (n_features, K) weight matrix), so K = 50 costs one fit, not
50. The features are prepared once (scaling, one-hot, TF-IDF) by the same
preprocessing as single-label ``run``; that step sees no labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import expit

from ..errors import IdMismatchError, InputError, preview
from .data import MultiLabelAnnotations
from .methods import MultiJury, MultiMajorityVote
from .result import MultiLabelResult

__all__ = ["fit_one_vs_rest", "out_of_fold_probas", "run"]


def _prepare(
    features: Any, ann: MultiLabelAnnotations, id_col: Any, text_cols: list[Any] | None
) -> Any:
    """Features aligned to ``ann.items`` and turned into a numeric (sparse) matrix."""
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..model.features import _tabular_pre, featurize

    if isinstance(features, pd.DataFrame):
        if id_col is None:
            id_col = next(
                (
                    c
                    for c in features.columns
                    if str(c).lower() in ("item", "id", "item_id", "task")
                ),
                features.columns[0],
            )
        if id_col not in features.columns:
            raise InputError(f"features have no id column {id_col!r}")
        ids = features[id_col].astype(str)
        if ids.duplicated().any():
            raise IdMismatchError(
                f"features list item(s) twice: {preview(ids[ids.duplicated()].tolist())}"
            )
        absent = ann.items.difference(pd.Index(ids))
        if len(absent):
            raise IdMismatchError(f"features have no row for item(s) {preview(absent.tolist())}")
        features = features.drop(columns=[id_col]).set_index(ids).reindex(ann.items)
        features = features.reset_index(drop=True)
        for col in features.select_dtypes(exclude="number").columns:
            # a table read as text (to keep ids like "007"): number columns back to numbers
            try:
                features[col] = pd.to_numeric(features[col])
            except (ValueError, TypeError):
                continue
    elif len(features) != ann.n_items:
        raise InputError(
            f"features have {len(features)} rows for {ann.n_items} items (one row "
            "per item, in sorted item-id order)"
        )
    f = featurize(features, text_columns=text_cols)
    if f.kind == "embeddings":
        if sp.issparse(f.X):
            return StandardScaler(with_mean=False).fit_transform(f.X).tocsr()
        pre = make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()
        )
        return pre.fit_transform(f.X)
    out = _tabular_pre(f, for_trees=False).fit_transform(f.X)
    return out.tocsr() if sp.issparse(out) else np.asarray(out, dtype=float)


def fit_one_vs_rest(X: Any, targets: np.ndarray, c: float = 1.0) -> np.ndarray:
    """Weights (n_features + 1, K) of K logistic regressions fitted at once to soft targets.

    Minimises ``sum BCE(sigmoid(X W + b), targets) + ||W||^2 / (2 c)`` by L-BFGS.
    """
    d = X.shape[1]
    k = targets.shape[1]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        W = w.reshape(d + 1, k)
        z = X @ W[:d] + W[d]
        # log(1 + e^z) - t z, stable for large |z|
        value = float((np.logaddexp(0, z) - targets * z).sum() + (W[:d] ** 2).sum() / (2 * c))
        r = expit(z) - targets
        grad = np.empty_like(W)
        grad[:d] = X.T @ r + W[:d] / c
        grad[d] = r.sum(axis=0)
        return value, grad.ravel()

    res = minimize(
        loss, np.zeros((d + 1) * k), jac=True, method="L-BFGS-B", options={"maxiter": 500}
    )
    return res.x.reshape(d + 1, k)


def out_of_fold_probas(
    X: Any, targets: np.ndarray, n_splits: int = 5, random_state: int = 0
) -> np.ndarray:
    """Per-class probabilities for each item from a model that never saw its targets."""
    from sklearn.model_selection import KFold

    n = X.shape[0]
    if not 2 <= n_splits <= n:
        raise InputError(f"--folds must be between 2 and the number of items ({n})")
    out = np.empty_like(targets, dtype=float)
    for train, test in KFold(n_splits, shuffle=True, random_state=random_state).split(np.zeros(n)):
        W = fit_one_vs_rest(X[train], targets[train])
        out[test] = expit(X[test] @ W[:-1] + W[-1])
    return out


def run(
    ann: MultiLabelAnnotations,
    features: Any,
    *,
    features_id_col: Any = None,
    text_cols: list[Any] | None = None,
    max_rounds: int = 5,
    n_splits: int = 5,
    random_state: int = 0,
    sep: str = "|",
) -> MultiLabelResult:
    """Iterate one-vs-rest model <-> MultiJury until the consensus sets stop changing.

    Parameters
    ----------
    ann : MultiLabelAnnotations
    features : DataFrame (with an item id column) or array (rows in sorted item-id order)
    features_id_col : column name, optional
    text_cols : list, optional
        Free-text columns (TF-IDF).
    max_rounds, n_splits, random_state : int
    sep : str
        Separator of the classes in the output tables.

    Returns
    -------
    MultiLabelResult
        With two more attributes: ``pred_probs`` (n_items, K), the last
        out-of-fold model probabilities, and ``history`` (one row per round).
    """
    X = _prepare(features, ann, features_id_col, text_cols)
    targets = MultiMajorityVote().fit(ann).probas_
    labels = targets > 0.5
    rows = []
    method: MultiJury | None = None
    pp = targets
    for r in range(1, max_rounds + 1):
        pp = out_of_fold_probas(X, targets, n_splits, random_state)
        method = MultiJury().fit(ann, pred_probs=pp)
        changed = int((method.labels_ != labels).sum())
        rows.append(
            {
                "round": r,
                "changed_item_classes": changed,
                "mean_set_quality": float(method.consensus_quality_.mean()),
                "model_hamming_vs_consensus": float(((pp > 0.5) == method.labels_).mean()),
            }
        )
        labels, targets = method.labels_, method.probas_
        if changed == 0:
            break
    assert method is not None
    res = MultiLabelResult(ann, method, sep=sep)
    res.pred_probs = pp
    res.history = pd.DataFrame(rows)
    return res
