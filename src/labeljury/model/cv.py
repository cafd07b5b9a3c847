"""Cross-validated, out-of-fold probabilities: the loop :func:`labeljury.run` repeats.

:class:`CrossValModel` holds what does not change between rounds of
:func:`labeljury.run`: the featurised, vectorised matrix, the fold split, the
chosen learner and each fold's last fit (a warm start for the next round).
Each call of :meth:`CrossValModel.fit_oof` is then one cross-validated fit on
new (soft) labels. The first call picks the learner by cross-validated log
loss; later calls reuse it.

Why vectorising once leaks nothing: the preprocessors (imputer medians,
scaling, one-hot vocabularies, TF-IDF vocabulary and idf weights) are fitted
on every item's *features* but never on a label. The out-of-fold guarantee is
about labels -- row ``i``'s probabilities come from a classifier that never
saw item ``i``'s label -- and that holds, because only the classifier is fit
per fold. Seeing the held-out rows' features is the transductive setting the
final model is in anyway: every item being scored is in the table.
"""

from __future__ import annotations

import time
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from ..errors import ClassError, InputError, user_stacklevel
from .calibration import expected_calibration_error, fit_temperature, log_loss
from .features import Kind, _as_csr, featurize, preprocessor
from .fitting import (
    SMALL_FIT_ROWS,
    CVInfo,
    FoldCallback,
    _calibrated,
    _check_labels,
    _fit_soft,
    _iterations,
    _predict_full,
    _take,
    _threads,
    idle_cores,
)
from .learners import SoftLogistic, learners

__all__ = ["CVInfo", "CrossValModel", "idle_cores"]


class CrossValModel:
    """Featurise once, then cross-validated fits on changing labels.

    Parameters
    ----------
    features : DataFrame, ndarray, scipy sparse matrix, Series or list of str
        One row per item; see :func:`~labeljury.model.featurize`.
    n_classes : int
    model : "auto", str or scikit-learn classifier, default "auto"
        ``"auto"``: every built-in candidate for the features' kind is tried in
        the first :meth:`fit_oof` and the lowest cross-validated log loss is
        kept for every later call; a name picks one candidate; an estimator is
        cloned per fold and used on the features as given.
    n_splits : int, default 5
    random_state : int, default 0
        Seeds the fold split and the models.
    calibrate : bool, default True
        Temperature-scale the out-of-fold probabilities.
    kind : {"auto", "tabular", "text", "embeddings"}
    n_jobs : int, default 1
        Folds fitted side by side (threads) when the fits are small; large
        fits (20,000 rows or more) run one after another with ``n_jobs``
        BLAS/OpenMP threads each.

    Attributes
    ----------
    chosen_ : str or None
        The model kept after the first :meth:`fit_oof`.
    n_selections_ : int
        How many fits compared candidates (1 after any number of calls).
    """

    def __init__(
        self,
        features: Any,
        *,
        n_classes: int,
        model: str | BaseEstimator = "auto",
        n_splits: int = 5,
        random_state: int = 0,
        calibrate: bool = True,
        kind: Kind = "auto",
        n_jobs: int = 1,
    ) -> None:
        if sp.issparse(features):
            features = _as_csr(features)
        self.n = features.shape[0] if sp.issparse(features) else len(features)
        if n_classes < 2:
            raise ClassError(f"need at least two classes, got n_classes={n_classes}")
        if not 2 <= n_splits <= self.n:
            raise InputError(
                f"n_splits must be between 2 and the number of rows ({self.n}), got {n_splits}"
            )
        self.n_classes, self.n_splits, self.random_state = n_classes, n_splits, random_state
        self.calibrate, self.n_jobs = calibrate, max(1, int(n_jobs))
        self.notes: list[str] = []
        self.chosen_: str | None = None
        self.n_selections_ = 0
        self._folds: list[tuple[np.ndarray, np.ndarray]] | None = None
        self._last: dict[str, list[Any]] = {}  # name -> each fold's last fitted classifier
        self._labels: np.ndarray | None = None
        self._first_iters: dict[tuple[str, int], int] = {}  # boosting rounds of the first fit
        if isinstance(model, str):
            feats = featurize(features, kind=kind)
            if feats.constant and len(feats.constant) == feats.X.shape[1]:
                self.notes.append(
                    "every feature is constant: the model can only learn the class frequencies"
                )
                warnings.warn(self.notes[-1], UserWarning, stacklevel=user_stacklevel())
            cands = learners(feats, self.n * (n_splits - 1) // n_splits, random_state)
            if model != "auto":
                if model not in cands:
                    what = "sparse (embeddings)" if sp.issparse(feats.X) else feats.kind
                    raise InputError(
                        f"model {model!r} is not a candidate for {what} features; "
                        f"choose one of {sorted(cands)} or pass an estimator"
                    )
                cands = {model: cands[model]}
            self.kind = feats.kind
            self._cands = {name: clf for name, (_, clf) in cands.items()}
            # vectorise once per preprocessing family (see the module docstring)
            self._pre: dict[str, Any] = {}
            self._X: dict[str, Any] = {}
            with warnings.catch_warnings():
                warnings.filterwarnings(
                    "ignore", category=UserWarning, message=".*(unknown categories|infrequent).*"
                )
                for name, (trees, _) in cands.items():
                    pre = preprocessor(
                        feats, for_trees=trees, n_bins=getattr(cands[name][1], "max_bins", 255)
                    )
                    Xt = pre.fit_transform(feats.X)
                    self._pre[name] = pre
                    self._X[name] = Xt.tocsr() if sp.issparse(Xt) else np.asarray(Xt, float)
        else:
            if not hasattr(model, "fit") or not hasattr(model, "predict_proba"):
                raise InputError(
                    "model must be 'auto', a candidate name, or a scikit-learn "
                    "classifier with fit and predict_proba"
                )
            if isinstance(features, pd.DataFrame):
                X = features.copy()
            elif sp.issparse(features):
                X = features  # CSR rows per fold; np.asarray would wrap it in a 0-d array
            else:
                X = np.asarray(features)
            self.kind = "custom"
            self._cands = {"custom": model}
            self._pre = {"custom": None}
            self._X = {"custom": X}

    @property
    def candidates(self) -> list[str]:
        """The models tried by the first :meth:`fit_oof`, in order."""
        return list(self._cands)

    # ------------------------------------------------------------------ folds
    def _split(self, hard: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        if self._folds is None:  # the same folds every round: rounds stay comparable
            with warnings.catch_warnings():
                warnings.filterwarnings(
                    "ignore", message="The least populated class", category=UserWarning
                )
                splitter = StratifiedKFold(
                    n_splits=self.n_splits, shuffle=True, random_state=self.random_state
                )
                self._folds = list(splitter.split(np.zeros(self.n), hard))
        return self._folds

    def _one_fold(
        self, name: str, f: int, tr: np.ndarray, te: np.ndarray, soft: np.ndarray
    ) -> tuple[np.ndarray, Any, float]:
        t0 = time.perf_counter()
        X = self._X[name]
        hard = soft.argmax(axis=1)
        if np.unique(hard[tr]).size < 2 and soft[tr].max(axis=1).min() >= 1 - 1e-12:
            # a fold with one class: the only honest prediction is that class
            return np.tile(soft[tr].mean(axis=0), (len(te), 1)), None, time.perf_counter() - t0
        prev = self._last.get(name, [None] * self.n_splits)[f]
        if isinstance(prev, SoftLogistic):
            clf = prev.set_params(warm_start=True)  # last round's solution as the start
        else:
            clf = clone(self._cands[name])
            first = self._first_iters.get((name, f))
            if first is not None:
                # boosting on a cleaner consensus early-stops later and later; its length
                # is held to the first fit's (which round 1 paid for beside the other
                # candidates), so that no round costs much more than the first: with 1.5x,
                # later tutorial rounds measured up to 1.6x round 1's CPU time
                clf.set_params(max_iter=max(10, first))
        clf = _fit_soft(clf, _take(X, tr), soft[tr])
        probs = _predict_full(clf, _take(X, te), self.n_classes)
        return probs, clf, time.perf_counter() - t0

    def _one_fold_in_worker(self, *args: Any) -> tuple[np.ndarray, Any, float]:
        # OpenMP's thread count is per thread: a worker thread sets its own to one
        with threadpool_limits(limits=1, user_api="openmp"):
            return self._one_fold(*args)

    def _cross_val(
        self, name: str, soft: np.ndarray, on_fold: FoldCallback | None
    ) -> tuple[np.ndarray, list[dict[str, Any]]]:
        folds = self._split(soft.argmax(axis=1))
        oof = np.zeros((self.n, self.n_classes))
        fitted: list[Any] = [None] * len(folds)
        seconds = [0.0] * len(folds)
        small = self.n < SMALL_FIT_ROWS
        # the warnings filter is process-wide: set once here, not in the fold threads
        with _threads(self.n, self.n_jobs), warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", category=UserWarning, message=".*(unknown categories|infrequent).*"
            )
            if small and self.n_jobs > 1:
                with ThreadPoolExecutor(max_workers=min(self.n_jobs, len(folds))) as pool:
                    jobs = {
                        pool.submit(self._one_fold_in_worker, name, f, tr, te, soft): f
                        for f, (tr, te) in enumerate(folds)
                    }
                    for done, job in enumerate(as_completed(jobs)):
                        f = jobs[job]
                        oof[folds[f][1]], fitted[f], seconds[f] = job.result()
                        if on_fold:
                            on_fold(name, done, len(folds), seconds[f])
            else:
                for f, (tr, te) in enumerate(folds):
                    oof[te], fitted[f], seconds[f] = self._one_fold(name, f, tr, te, soft)
                    if on_fold:
                        on_fold(name, f, len(folds), seconds[f])
        self._last[name] = fitted
        for f, clf in enumerate(fitted):
            if isinstance(clf, HistGradientBoostingClassifier):
                self._first_iters.setdefault((name, f), int(clf.n_iter_))
        hard = soft.argmax(axis=1)
        rows = [
            {
                "model": name,
                "fold": f,
                "n_train": len(tr),
                "n_test": len(te),
                "seconds": seconds[f],
                "n_iter": _iterations(fitted[f]),
                "log_loss": log_loss(oof[te], soft[te]),
                "accuracy": float((oof[te].argmax(axis=1) == hard[te]).mean()),
            }
            for f, (tr, te) in enumerate(folds)
        ]
        return oof, rows

    # ------------------------------------------------------------------ public
    def fit_oof(
        self, labels: Any, *, on_fold: FoldCallback | None = None
    ) -> tuple[np.ndarray, CVInfo]:
        """One cross-validated fit on ``labels``: out-of-fold probabilities and what it learned.

        Parameters
        ----------
        labels : array-like, shape (n,) of int or (n, n_classes) of float
        on_fold : callable, optional
            ``on_fold(model_name, fold, n_folds, seconds)`` after each fold.

        Returns
        -------
        pred_probs : ndarray, shape (n, n_classes)
        info : CVInfo (``final_model`` is None; see :meth:`refit`)
        """
        soft = _check_labels(labels, self.n, self.n_classes)
        hard = soft.argmax(axis=1)
        present = np.bincount(hard, minlength=self.n_classes)
        if (present > 0).sum() < 2:
            raise ClassError(
                f"every label is class {int(hard[0])}: a classifier needs "
                "examples of at least two classes to learn anything"
            )
        notes = list(self.notes)
        rare = np.flatnonzero((present > 0) & (present < self.n_splits))
        if rare.size:
            notes.append(
                f"classes {rare.tolist()} have fewer than n_splits={self.n_splits} "
                "examples; some folds train without them, and those folds predict "
                "them with probability 0 before calibration"
            )
            warnings.warn(notes[-1], UserWarning, stacklevel=user_stacklevel())
        names = [self.chosen_] if self.chosen_ is not None else list(self._cands)
        results, rows = {}, []
        for name in names:
            results[name], r = self._cross_val(name, soft, on_fold)
            rows += r
        temps = {
            name: fit_temperature(p, soft) if self.calibrate else 1.0 for name, p in results.items()
        }
        # compared as they will be used: each candidate after its own temperature
        calibrated = {name: _calibrated(p, temps[name]) for name, p in results.items()}
        cv_loss = {name: log_loss(p, soft) for name, p in calibrated.items()}
        if self.chosen_ is None:
            self.chosen_ = min(cv_loss, key=lambda k: (cv_loss[k], k))
            self.n_selections_ += 1
            self._last = {self.chosen_: self._last[self.chosen_]}  # free the others' fits
        probs, temperature = calibrated[self.chosen_], temps[self.chosen_]
        self._labels = soft
        metrics = {
            "cv_accuracy": float((probs.argmax(axis=1) == hard).mean()),
            "cv_log_loss": log_loss(probs, soft),
            "cv_ece": expected_calibration_error(probs, soft),
        }
        return probs, CVInfo(
            model_name=self.chosen_,
            kind=self.kind,
            fold_scores=pd.DataFrame(rows),
            cv_log_loss=cv_loss,
            temperature=temperature,
            warnings=notes,
            metrics=metrics,
        )

    def refit(self, labels: Any = None) -> Any:
        """The chosen model fit on every row, preprocessing in front.

        ``labels`` default to those of the last :meth:`fit_oof`.
        """
        if self._labels is None or self.chosen_ is None:
            raise InputError("call fit_oof before refit")
        soft = self._labels if labels is None else _check_labels(labels, self.n, self.n_classes)
        name = self.chosen_
        with _threads(self.n, self.n_jobs), warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", category=UserWarning, message=".*(unknown categories|infrequent).*"
            )
            clf = _fit_soft(clone(self._cands[name]), self._X[name], soft)
        pre = self._pre[name]
        return clf if pre is None else Pipeline([("features", pre), ("clf", clf)])
