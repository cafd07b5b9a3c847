"""Gold items that measure: honest consensus accuracy, annotator accuracy, calibration.

Items with a known class (``Annotations.gold``) are pinned in the consensus by
the methods that use them, so scoring the consensus against them would measure
nothing (every pinned item is right). :func:`evaluate_gold` estimates instead
how accurate the consensus is on items whose class is *not* known, by k-fold
cross-validation over the gold items: the gold items are split into ``k``
folds; for each fold a fresh copy of the method (same parameters) is fitted
with that fold's classes hidden -- the items stay, with their annotations, but
as unknown -- and the other folds' gold used as the method normally uses gold;
the fold's items are then scored against their hidden classes. Every gold
item is scored exactly once, by a fit that did not see its class.

From the held-out fits:

* consensus accuracy on gold (``accuracy``), and the mean consensus quality
  score (``mean_quality``) beside it: a calibrated score has the two close;
* the expected calibration error of the consensus quality scores (``ece``,
  10 equal-width bins, weighted by the items in each).

From the gold classes directly (nothing to hide: the annotators' labels are
compared with the truth): each annotator's number of labels on gold items
(``n_gold``) and their accuracy there (``gold_accuracy``).

Only the estimator contract is read (``fit``, ``labels_``, ``probas_`` and the
optional ``consensus_quality_``); the copies are fresh instances with the same
parameters (:func:`sklearn.base.clone` for an estimator that is not labeljury's).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from .annotations import Annotations

__all__ = [
    "GoldEvaluation",
    "annotator_gold_accuracy",
    "attach_gold",
    "evaluate_gold",
    "expected_calibration_error",
]


@dataclass
class GoldEvaluation:
    """What the gold items say about a consensus (see :func:`evaluate_gold`).

    Attributes
    ----------
    n_gold : int
        Gold items scored.
    n_folds : int
        Folds the gold items were split into (one refit each).
    items : ndarray of int
        Item codes of the gold items.
    truth : ndarray of int
        Their gold classes.
    labels : ndarray of int
        Their consensus class from the fit that did not see their gold class.
    scores : ndarray of float
        Their consensus quality score from that fit.
    n_gold_per_annotator : ndarray of int, shape (n_annotators,)
        Labels each annotator gave on gold items.
    gold_accuracy_per_annotator : ndarray of float, shape (n_annotators,)
        Share of them equal to the gold class (NaN without any).
    """

    n_gold: int
    n_folds: int
    items: np.ndarray
    truth: np.ndarray
    labels: np.ndarray
    scores: np.ndarray
    n_gold_per_annotator: np.ndarray
    gold_accuracy_per_annotator: np.ndarray

    @property
    def correct(self) -> np.ndarray:
        """Whether each gold item's held-out consensus equals its gold class."""
        return self.labels == self.truth

    @property
    def accuracy(self) -> float:
        """Held-out consensus accuracy on the gold items."""
        return float(np.mean(self.correct))

    @property
    def mean_quality(self) -> float:
        """Mean held-out consensus quality score on the gold items."""
        return float(np.mean(self.scores))

    @property
    def ece(self) -> float:
        """Expected calibration error of the held-out scores (10 equal-width bins)."""
        return expected_calibration_error(self.scores, self.correct)

    def summary(self) -> dict[str, Any]:
        """The headline numbers: ``gold_accuracy``, ``gold_mean_quality``, ``gold_ece``..."""
        return {
            "gold_accuracy": self.accuracy,
            "gold_mean_quality": self.mean_quality,
            "gold_ece": self.ece,
            "gold_folds": self.n_folds,
        }

    def calibration_table(self, n_bins: int = 10) -> pd.DataFrame:
        """Per score bin with items: ``scores``, ``items``, ``mean_score``, ``accuracy``."""
        bins = _bins(self.scores, n_bins)
        n = np.bincount(bins, minlength=n_bins)
        mean = np.bincount(bins, weights=self.scores, minlength=n_bins)
        hits = np.bincount(bins, weights=self.correct, minlength=n_bins)
        keep = n > 0
        edges = np.linspace(0.0, 1.0, n_bins + 1)
        return pd.DataFrame(
            {
                "scores": [f"{lo:.1f}-{hi:.1f}" for lo, hi in pairwise(edges)],
                "items": n,
                "mean_score": mean / np.maximum(n, 1),
                "accuracy": hits / np.maximum(n, 1),
            }
        )[keep].reset_index(drop=True)


def _bins(scores: np.ndarray, n_bins: int) -> np.ndarray:
    return np.clip((np.asarray(scores, float) * n_bins).astype(np.int64), 0, n_bins - 1)


def expected_calibration_error(scores: Any, correct: Any, n_bins: int = 10) -> float:
    """Sum over equal-width score bins of (share of items) x |mean score - accuracy|.

    Examples
    --------
    >>> expected_calibration_error([0.9, 0.9, 0.6, 0.6], [1, 1, 1, 0])
    0.1
    """
    scores = np.asarray(scores, float)
    correct = np.asarray(correct, float)
    if scores.size == 0:
        return float("nan")
    bins = _bins(scores, n_bins)
    gap = np.abs(
        np.bincount(bins, weights=scores, minlength=n_bins)
        - np.bincount(bins, weights=correct, minlength=n_bins)
    )
    return float(round(gap.sum() / scores.size, 12))


def annotator_gold_accuracy(ann: Annotations) -> tuple[np.ndarray, np.ndarray]:
    """Per annotator: labels on gold items, and the share equal to the gold class.

    Examples
    --------
    >>> ann = Annotations.from_arrays([0, 0, 1], ["a", "b", "a"], ["x", "y", "y"])
    >>> n, acc = annotator_gold_accuracy(ann.with_gold({0: "x"}))
    >>> n.tolist(), acc.tolist()
    ([1, 1], [1.0, 0.0])
    """
    if ann.gold is None:
        return np.zeros(ann.n_annotators, np.int64), np.full(ann.n_annotators, np.nan)
    truth = ann.gold[ann.item]
    on_gold = truth >= 0
    n = np.bincount(ann.annotator[on_gold], minlength=ann.n_annotators)
    hits = np.bincount(
        ann.annotator[on_gold],
        weights=ann.label[on_gold] == truth[on_gold],
        minlength=ann.n_annotators,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.where(n > 0, hits / np.maximum(n, 1), np.nan)
    return n.astype(np.int64), acc


def _quality(method: Any) -> np.ndarray:
    q = getattr(method, "consensus_quality_", None)
    if q is None:
        q = method.probas_[np.arange(len(method.labels_)), method.labels_]
    return np.asarray(q, dtype=float)


def _unfitted(method: Any) -> Any:
    """A fresh copy of ``method`` with its parameters.

    labeljury's methods copy themselves without scikit-learn, whose import
    (about a second with scipy.stats) would dominate ``labeljury aggregate``
    on a small export with gold; any other estimator goes through
    :func:`sklearn.base.clone`.
    """
    from .methods.base import Params

    if isinstance(method, Params):
        return type(method)(**method.get_params())
    from sklearn.base import clone

    return clone(method)


def evaluate_gold(
    ann: Annotations,
    method: Any,
    pred_probs: np.ndarray | None = None,
    *,
    n_folds: int = 5,
    random_state: int = 0,
) -> GoldEvaluation | None:
    """Cross-validate ``method``'s consensus over the gold items of ``ann``.

    Parameters
    ----------
    ann : Annotations
        With ``gold`` (codes, -1 = unknown).
    method : Aggregator
        Fitted or not; only its parameters are used (a fresh copy is fitted).
    pred_probs : ndarray, optional
        The model probabilities the method is fitted with, if any.
    n_folds : int, default 5
        Folds over the gold items (fewer when there are fewer gold items).
    random_state : int, default 0
        Seeds the split of the gold items into folds.

    Returns
    -------
    GoldEvaluation or None
        None when ``ann`` has no gold item.

    Examples
    --------
    >>> from labeljury.methods import MajorityVote
    >>> ann = Annotations.from_arrays([0, 0, 1, 1], list("abab"), [0, 0, 1, 0])  # 1: a tie
    >>> ev = evaluate_gold(ann.with_gold({0: 0, 1: 1}), MajorityVote())
    >>> ev.n_gold, ev.accuracy
    (2, 0.5)
    """
    if ann.gold is None or not (ann.gold >= 0).any():
        return None
    known = np.flatnonzero(ann.gold >= 0)
    rng = np.random.default_rng(random_state)
    folds = np.array_split(rng.permutation(known), min(n_folds, len(known)))
    labels = np.empty(ann.n_items, dtype=np.int64)
    scores = np.empty(ann.n_items, dtype=float)
    for fold in folds:
        gold = ann.gold.astype(np.int64)
        gold[fold] = -1  # hidden, not removed: the items keep their annotations
        hidden = Annotations(
            ann.item,
            ann.annotator,
            ann.label,
            ann.items,
            ann.annotators,
            ann.classes,
            gold,
            ann.meta,
            validate=False,
        )
        est = _unfitted(method).fit(hidden, pred_probs)
        labels[fold] = est.labels_[fold]
        scores[fold] = _quality(est)[fold]
    n_per, acc_per = annotator_gold_accuracy(ann)
    return GoldEvaluation(
        n_gold=len(known),
        n_folds=len(folds),
        items=known,
        truth=ann.gold[known].astype(np.int64),
        labels=labels[known],
        scores=scores[known],
        n_gold_per_annotator=n_per,
        gold_accuracy_per_annotator=acc_per,
    )


def attach_gold(result: Any, *, n_folds: int = 5, random_state: int = 0) -> Any:
    """Evaluate ``result``'s method on its gold items and add what that says, in place.

    Sets ``result.gold`` (a :class:`GoldEvaluation`, or None without gold) and
    adds the columns ``n_gold`` and ``gold_accuracy`` to
    ``result.annotator_stats``. Used by :func:`labeljury.aggregate` and
    :func:`labeljury.run`; the final labels (gold pinned) are left as they are.

    Returns
    -------
    Result
        The same object.
    """
    ev = evaluate_gold(
        result.annotations,
        result.method,
        result.pred_probs,
        n_folds=n_folds,
        random_state=random_state,
    )
    result.gold = ev
    if ev is not None:
        ann = result.annotations
        st = result.annotator_stats
        codes = ann.annotators.get_indexer(st["annotator"])
        st["n_gold"] = ev.n_gold_per_annotator[codes]
        st["gold_accuracy"] = ev.gold_accuracy_per_annotator[codes]
    return result
