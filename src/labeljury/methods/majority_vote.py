"""Majority vote: the class most annotators chose."""

from __future__ import annotations

import numpy as np

from ..annotations import Annotations
from .base import Aggregator, argmax_ties

__all__ = ["MajorityVote", "agreement_with", "weighted_votes"]


def weighted_votes(ann: Annotations, weights: np.ndarray | None = None) -> np.ndarray:
    """Sum of annotator weights per item and class, shape ``(n_items, n_classes)``."""
    if weights is None:
        return np.array(ann.vote_counts())
    k = ann.n_classes
    flat = np.bincount(ann.item.astype(np.int64) * k + ann.label, weights=weights[ann.annotator],
                       minlength=ann.n_items * k)
    return flat.reshape(ann.n_items, k)


def agreement_with(ann: Annotations, labels: np.ndarray) -> np.ndarray:
    """Fraction of each annotator's labels that equal ``labels`` of the item."""
    hits = np.bincount(ann.annotator, weights=(ann.label == labels[ann.item]),
                       minlength=ann.n_annotators)
    return hits / ann.annotations_per_annotator()


class MajorityVote(Aggregator):
    """Each item's consensus is the class with the most votes.

    ``probas_`` are the vote fractions. Ties are broken, in order, by the
    highest ``pred_probs`` among the tied classes (when given), then by how
    often each class was chosen over the whole data set, then by the lowest
    class index — never at random.

    Attributes
    ----------
    annotator_skill_ : ndarray, shape (n_annotators,)
        Fraction of the annotator's labels that agree with the consensus.

    Examples
    --------
    >>> from labeljury import Annotations
    >>> from labeljury.methods import MajorityVote
    >>> ann = Annotations.from_arrays([0, 0, 0, 1, 1], list("abcab"), [1, 1, 0, 0, 1])
    >>> MajorityVote().fit_predict(ann).tolist()
    [1, 1]
    """

    summary = "the most-voted class; ties by pred_probs, then class frequency, then index"

    def _fit(self, ann: Annotations, pred_probs: np.ndarray | None) -> None:
        votes = weighted_votes(ann)
        self.probas_ = votes / votes.sum(axis=1, keepdims=True)
        tiebreak = [pred_probs] if pred_probs is not None else []
        self.labels_ = argmax_ties(votes, *tiebreak, votes.sum(axis=0))
        self.annotator_skill_ = agreement_with(ann, self.labels_)
