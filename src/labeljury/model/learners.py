"""The built-in learners: a soft-target logistic regression and gradient-boosted trees.

A consensus is a posterior (one probability per class), not a hard label.
:class:`SoftLogistic` fits it as it is: multinomial logistic regression whose
cross-entropy is taken against the soft targets, so no example is copied once
per class (the expansion that made a 10-class round cost ten fits). Trees
cannot take soft targets; they get the most probable class, weighted by its
probability.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import log_softmax, logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline

from .features import Featurized, preprocessor

__all__ = ["SoftLogistic", "candidate_models", "learners"]


class SoftLogistic(ClassifierMixin, BaseEstimator):
    """Multinomial logistic regression on soft (or hard) targets, L2-regularised.

    Minimises ``C * sum_i w_i * H(y_i, softmax(x_i W + b)) + ||W||^2 / 2`` with
    L-BFGS, where ``H`` is the cross-entropy against the target distribution
    ``y_i`` (one-hot for hard labels) -- scikit-learn's ``LogisticRegression``
    objective with soft targets allowed. The intercept is not penalised.

    Parameters
    ----------
    C : float, default 1.0
        Inverse regularisation strength.
    max_iter : int, default 500
    tol : float, default 1e-5
        Gradient tolerance of L-BFGS.
    warm_start : bool, default False
        Start from the previous fit's coefficients (same number of features
        and classes): a round of :func:`labeljury.run` refits on a consensus
        that moved a little, so this saves most iterations.

    Attributes
    ----------
    coef_ : ndarray, shape (n_classes, n_features)
    intercept_ : ndarray, shape (n_classes,)
    classes_ : ndarray
        ``0..K-1`` for soft targets of width ``K``, the classes seen for hard ones.
    n_iter_ : int

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> soft = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9]])
    >>> m = SoftLogistic().fit(X, soft)
    >>> m.predict(X).tolist()
    [0, 0, 1, 1]
    """

    def __init__(
        self, C: float = 1.0, max_iter: int = 500, tol: float = 1e-5, warm_start: bool = False
    ) -> None:
        self.C = C
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> SoftLogistic:
        """Fit on ``y``: class codes ``(n,)`` or class probabilities ``(n, K)``."""
        y = np.asarray(y)
        if y.ndim == 1:
            classes, codes = np.unique(y, return_inverse=True)
            Y = np.eye(len(classes))[codes]
        else:
            classes, Y = np.arange(y.shape[1]), y.astype(float)
        n, d = X.shape
        k = Y.shape[1]
        w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
        cw = self.C * w
        if not sp.issparse(X):
            X = np.asarray(X, dtype=float)

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            W, b = theta[: d * k].reshape(d, k), theta[d * k :]
            Z = X @ W + b
            lse = logsumexp(Z, axis=1)
            loss = float(cw @ (lse - np.einsum("ik,ik->i", Y, Z))) + 0.5 * float(
                W.ravel() @ W.ravel()
            )
            G = (np.exp(Z - lse[:, None]) - Y) * cw[:, None]
            gW = np.asarray(X.T @ G) + W
            return loss, np.concatenate([gW.ravel(), G.sum(axis=0)])

        theta0 = np.zeros(d * k + k)
        if (
            self.warm_start
            and getattr(self, "coef_", None) is not None
            and self.coef_.shape == (k, d)
        ):
            theta0 = np.concatenate([self.coef_.T.ravel(), self.intercept_])
        res = minimize(
            objective,
            theta0,
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": self.max_iter, "gtol": self.tol},
        )
        self.coef_ = res.x[: d * k].reshape(d, k).T.copy()
        self.intercept_ = res.x[d * k :].copy()
        self.classes_ = classes
        self.n_iter_ = int(res.nit)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """Class logits ``X W + b``."""
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, rows summing to one."""
        return np.exp(log_softmax(self.decision_function(X), axis=1))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class."""
        return self.classes_[self.decision_function(X).argmax(axis=1)]


def _trees(f: Featurized, n_rows: int, random_state: int) -> HistGradientBoostingClassifier:
    """Histogram gradient boosting sized for ``n_rows`` training rows.

    Small data gets small trees, coarse bins and a faster learning rate:
    a few hundred rows cannot fill 31-leaf trees over 255 bins, and early
    stopping on a 10% split of them stops after few iterations anyway.
    """
    small = n_rows < 5_000
    cat_mask = [False] * len(f.numeric) + [True] * len(f.categorical)
    return HistGradientBoostingClassifier(
        learning_rate=0.2 if small else 0.1,
        max_iter=200,
        max_leaf_nodes=15 if small else 31,
        max_bins=63 if small else 255,
        l2_regularization=1.0,
        min_samples_leaf=10,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        categorical_features=cat_mask if any(cat_mask) else None,
        random_state=random_state,
    )


def learners(
    f: Featurized, n_rows: int, random_state: int = 0
) -> dict[str, tuple[bool, BaseEstimator]]:
    """The candidate classifiers for these features, as ``name -> (for_trees, classifier)``.

    ``for_trees`` says which :func:`~labeljury.model.features.preprocessor` the
    classifier expects. Tabular: gradient-boosted trees and a regularised
    logistic regression; text: TF-IDF + logistic regression; embeddings
    (dense or sparse): logistic regression.
    """
    if f.kind == "embeddings":
        return {"logistic": (False, SoftLogistic(C=1.0))}
    if f.kind == "text":
        return {"tfidf_logistic": (False, SoftLogistic(C=4.0))}
    return {
        "hist_gradient_boosting": (True, _trees(f, n_rows, random_state)),
        "logistic": (False, SoftLogistic(C=1.0)),
    }


def candidate_models(f: Featurized, random_state: int = 0) -> dict[str, BaseEstimator]:
    """The built-in candidates as whole pipelines (preprocessing + classifier), unfitted.

    Tabular: ``{"hist_gradient_boosting", "logistic"}``; text: ``{"tfidf_logistic"}``;
    embeddings: ``{"logistic"}`` (for sparse embeddings: scaled, not centred).

    Examples
    --------
    >>> from labeljury.model import featurize
    >>> sorted(candidate_models(featurize(np.zeros((4, 2)))))
    ['logistic']
    """
    return {
        name: Pipeline(
            [
                (
                    "features",
                    preprocessor(f, for_trees=trees, n_bins=getattr(clf, "max_bins", 255)),
                ),
                ("clf", clf),
            ]
        )
        for name, (trees, clf) in learners(f, len(f), random_state).items()
    }
