"""Gold-weighted majority vote: each annotator counts with their accuracy on known items."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import InputError
from .majority_vote import (
    MajorityVote,
    MissingSkill,
    TieBreak,
    agreement_with,
    resolve_skills,
    skill_votes,
)

__all__ = ["GoldMajorityVote", "gold_accuracy"]


def gold_accuracy(ann: Annotations) -> np.ndarray:
    """Each annotator's accuracy on the items with a gold label (NaN: none labeled)."""
    if ann.gold is None or not (ann.gold >= 0).any():
        raise InputError(
            "gold-weighted majority vote needs known true labels for some items: "
            "build the annotations with gold (Annotations.with_gold({item: class}) "
            "or a gold file)"
        )
    truth = ann.gold[ann.item]
    on_gold = truth >= 0
    seen = np.bincount(ann.annotator, weights=on_gold, minlength=ann.n_annotators)
    right = np.bincount(
        ann.annotator, weights=on_gold & (ann.label == truth), minlength=ann.n_annotators
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(seen > 0, right / np.maximum(seen, 1), np.nan)


class GoldMajorityVote(MajorityVote):
    r"""Majority vote weighted by each annotator's accuracy on gold (known-answer) items.

    .. math:: \hat z_i = \arg\max_c \sum_{a \in \partial i} s_a [l_{ia} = c], \qquad
              s_a = \frac{\#\{\text{gold items } a \text{ labeled right}\}}
                         {\#\{\text{gold items } a \text{ labeled}\}}

    crowd-kit's ``GoldMajorityVote`` with labeljury's conventions: the gold
    labels travel with the annotations (:meth:`Annotations.with_gold`), and
    ``fit`` both learns the skills and aggregates. Gold items are aggregated
    like the others (their gold label is not copied into the consensus). An item
    whose annotators all have skill 0 falls back to its plain vote counts.

    Parameters
    ----------
    on_missing_skill : {"error", "ignore", "value"}, default "error"
        Annotators who labeled no gold item: refuse, ignore their labels, or
        weigh them ``default_skill``.
    default_skill : float, optional
    tie_break, random_state
        As in :class:`MajorityVote`.

    Attributes
    ----------
    skills_ : pandas.Series
        Gold accuracy per annotator id (NaN for annotators without gold items).
    annotator_skill_ : ndarray, shape (n_annotators,)
        Gold accuracy where known, else agreement with the consensus.

    Examples
    --------
    >>> from labeljury import Annotations
    >>> from labeljury.methods import GoldMajorityVote
    >>> ann = Annotations.from_arrays([0, 0, 0, 1, 1, 1], list("abcabc"),
    ...                               [1, 1, 0, 0, 0, 1]).with_gold({1: 1})
    >>> GoldMajorityVote().fit_predict(ann).tolist()
    [0, 1]
    """

    summary = "majority vote weighted by each annotator's accuracy on gold items"
    needs_gold = True

    def __init__(
        self,
        on_missing_skill: MissingSkill = "error",
        default_skill: float | None = None,
        tie_break: TieBreak = "first",
        random_state: int | None = 0,
    ) -> None:
        super().__init__(None, on_missing_skill, default_skill, tie_break, random_state)

    def _fit(self, ann: Annotations, pred_probs: np.ndarray | None) -> None:
        acc = gold_accuracy(ann)
        self.skills_ = pd.Series(acc, index=ann.annotators.copy(), name="skill")
        w = resolve_skills(ann, acc, self.on_missing_skill, self.default_skill)
        votes = skill_votes(ann, w)
        self.probas_ = votes / votes.sum(axis=1, keepdims=True)
        self.labels_ = self._break_ties(ann, votes, pred_probs)
        self.annotator_skill_ = np.where(np.isnan(acc), agreement_with(ann, self.labels_), acc)
