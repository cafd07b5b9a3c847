r"""Wawa: a vote weighted by each annotator's agreement with the majority.

Two passes: the majority vote :math:`\hat z^{MV}_i`; then annotator ``a``'s weight
is their agreement with it, :math:`w_a = \frac{1}{|J_a|}\sum_{j \in J_a}
[l_j = \hat z^{MV}_{i_j}]`, and the consensus is the weighted vote
:math:`\hat z_i = \arg\max_c \sum_{j \in i} w_{a_j} [l_j = c]`.

"Worker agreement with aggregate" (Wawa) is an industry heuristic, described
in Appen's (CrowdFlower's) documentation and used as a baseline in D. Ustalov,
N. Pavlichenko and B. Tseitlin, "Learning from Crowds with Crowd-Kit", Journal
of Open Source Software 9(96), 2024. https://doi.org/10.21105/joss.06227
"""

from __future__ import annotations

import numpy as np

from ..annotations import Annotations
from .base import Aggregator, argmax_ties
from .majority_vote import agreement_with, weighted_votes

__all__ = ["Wawa", "normalized_votes"]


def normalized_votes(ann: Annotations, weights: np.ndarray) -> np.ndarray:
    """Weighted vote shares per item; items whose weights are all zero fall back to plain votes.

    Without the fallback an item labeled only by annotators of weight 0 would
    get the row 0/0 = NaN.
    """
    votes = weighted_votes(ann, weights)
    total = votes.sum(axis=1, keepdims=True)
    empty = total[:, 0] <= 0
    if empty.any():
        plain = ann.vote_counts()[empty]
        votes[empty] = plain
        total[empty] = plain.sum(axis=1, keepdims=True)
    return votes / total


class Wawa(Aggregator):
    r"""Worker Agreement With Aggregate: a vote weighted by agreement with the majority.

    .. math::
        w_a = \text{mean}_{j \in J_a} [l_j = \hat z^{MV}_{i_j}], \qquad
        P(z_i = c) \propto \sum_{j \in i} w_{a_j} [l_j = c]

    Majority-vote ties of the first pass are broken by ``pred_probs``, then
    the overall class frequency, then the lowest index.

    Attributes
    ----------
    probas_ : ndarray, shape (n_items, n_classes)
        Weighted vote shares (a score, not a calibrated probability).
    annotator_skill_ : ndarray, shape (n_annotators,)
        Fraction of the annotator's labels that agree with the majority vote,
        in [0, 1]; it is the weight used in the second pass.
    majority_labels_ : ndarray, shape (n_items,)
        The first-pass majority vote.

    References
    ----------
    D. Ustalov, N. Pavlichenko, B. Tseitlin, "Learning from Crowds with
    Crowd-Kit", JOSS 9(96), 2024. https://doi.org/10.21105/joss.06227

    Examples
    --------
    >>> from labeljury import Annotations
    >>> from labeljury.methods import Wawa
    >>> ann = Annotations.from_arrays([0, 0, 0, 1, 1, 1], list("abcabc"), [1, 1, 0, 0, 0, 1])
    >>> Wawa().fit_predict(ann).tolist()
    [1, 0]
    """

    summary = "votes weighted by each annotator's agreement with the majority vote"

    def _fit(self, ann: Annotations, pred_probs: np.ndarray | None) -> None:
        votes = ann.vote_counts()
        tiebreak = [pred_probs] if pred_probs is not None else []
        self.majority_labels_ = argmax_ties(votes, *tiebreak, votes.sum(axis=0))
        self.annotator_skill_ = agreement_with(ann, self.majority_labels_)
        self.probas_ = normalized_votes(ann, self.annotator_skill_)
