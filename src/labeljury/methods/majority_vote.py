"""Majority vote: the class most annotators chose, optionally weighted by given skills."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import InputError, ParameterError, preview
from .base import Aggregator, argmax_ties

__all__ = [
    "MajorityVote",
    "agreement_with",
    "break_ties",
    "reliability_counts",
    "reliability_evidence",
    "resolve_skills",
    "weighted_votes",
]

TieBreak = Literal["reliability", "first", "frequency", "random"]
MissingSkill = Literal["error", "ignore", "value"]


def weighted_votes(ann: Annotations, weights: np.ndarray | None = None) -> np.ndarray:
    """Sum of annotator weights per item and class, shape ``(n_items, n_classes)``."""
    if weights is None:
        return np.array(ann.vote_counts())
    k = ann.n_classes
    flat = np.bincount(
        ann.item.astype(np.int64) * k + ann.label,
        weights=weights[ann.annotator],
        minlength=ann.n_items * k,
    )
    return flat.reshape(ann.n_items, k)


def agreement_with(ann: Annotations, labels: np.ndarray) -> np.ndarray:
    """Fraction of each annotator's labels that equal ``labels`` of the item."""
    hits = np.bincount(
        ann.annotator, weights=(ann.label == labels[ann.item]), minlength=ann.n_annotators
    )
    return hits / ann.annotations_per_annotator()


def reliability_counts(ann: Annotations) -> tuple[np.ndarray, np.ndarray]:
    """Per annotator: labels equal to the majority of the item's *other* labels, and labels
    whose item has an untied majority among the others.

    Leaving the annotator's own label out matters: with two labels per item an
    untied item is one where both agree, so agreement with the whole vote would
    be 1 for everyone and only count how prolific an annotator is. Computed
    from each item's top two vote counts, without an annotations x classes
    array. Both are plain sums over items, so partitions of the items add up.
    """
    votes = np.asarray(ann.vote_counts(), dtype=float)
    k = votes.shape[1]
    top2 = -np.partition(-votes, min(1, k - 1), axis=1)[:, : min(2, k)]
    first = top2[:, 0]
    second = top2[:, 1] if k > 1 else np.zeros(len(votes))
    n_top = (votes == first[:, None]).sum(axis=1)
    i, lab = ann.item, ann.label
    mine = votes[i, lab]
    at_top, n = mine == first[i], n_top[i]
    # without this label: alone at the top and still ahead of the runner-up -> right;
    # one of two at the top, or below a single top class -> the others chose another class
    right = at_top & (n == 1) & (first[i] - 1 > second[i])
    wrong = (at_top & (n == 2)) | (~at_top & (n == 1))
    hits = np.bincount(ann.annotator, weights=right, minlength=ann.n_annotators)
    seen = np.bincount(ann.annotator, weights=right | wrong, minlength=ann.n_annotators)
    return hits, seen


def reliability_evidence(ann: Annotations, hits: np.ndarray, seen: np.ndarray) -> np.ndarray:
    r"""Per item and class, the one-coin evidence of the annotators who chose it.

    Each label weighs :math:`\log\frac{(K-1)\,q_a}{1-q_a}`, the log-likelihood
    ratio of a one-coin annotator with accuracy :math:`q_a` (errors uniform over
    the other ``K - 1`` classes); :math:`q_a = (\text{hits} + 1) / (\text{seen} + 2)`
    is the agreement with the untied majority of the other labels of the same
    items (:func:`reliability_counts`),
    add-one smoothed so that an annotator seen on no untied item counts as a
    coin at 1/2. Among tied classes this prefers the one chosen by the more
    reliable annotators.
    """
    k = max(ann.n_classes, 2)  # one class: never tied, any finite weight will do
    q = (hits + 1.0) / (seen + 2.0)
    return weighted_votes(ann, np.log((k - 1) * q / (1.0 - q)))


def break_ties(
    scores: np.ndarray,
    rule: str,
    counts: np.ndarray,
    random_state: int | np.random.Generator | None,
    pred_probs: np.ndarray | None = None,
    evidence: np.ndarray | None = None,
) -> np.ndarray:
    """Row-wise argmax of ``scores``; ties by ``pred_probs`` (when given), then by ``rule``.

    ``rule`` is ``"reliability"`` (the tied class with the largest
    ``evidence``, shape ``(n, K)``, from :func:`reliability_evidence`),
    ``"first"`` (lowest class code), ``"frequency"`` (the class with the
    largest total in ``counts``, shape ``(K,)``) or ``"random"`` (uniform
    among the tied classes, drawn with ``random_state``); classes still tied
    after the rule go to the lowest code.
    """
    tiebreak = [pred_probs] if pred_probs is not None else []
    if rule == "reliability":
        if evidence is None:
            raise ValueError("tie_break='reliability' needs the evidence array")
        tiebreak.append(evidence)
    elif rule == "frequency":
        tiebreak.append(counts)
    elif rule == "random":
        tiebreak.append(np.random.default_rng(random_state).random(scores.shape))
    elif rule != "first":
        raise ParameterError(
            f"tie_break={rule!r}: choose 'reliability', 'first', 'frequency' or 'random'"
        )
    return argmax_ties(scores, *tiebreak)


def resolve_skills(
    ann: Annotations, skills: Any, on_missing_skill: str, default_skill: float | None
) -> np.ndarray:
    """Weight per annotator code from user skills; NaN marks an annotator to ignore.

    Parameters
    ----------
    skills : mapping, Series or array
        Annotator id -> weight (a mapping or Series), or an array with one
        weight per annotator in code order.
    on_missing_skill : {"error", "ignore", "value"}
        What to do with annotators ``skills`` does not cover: refuse, drop their
        labels, or give them ``default_skill``.
    """
    if on_missing_skill not in ("error", "ignore", "value"):
        raise ParameterError(
            f"on_missing_skill={on_missing_skill!r}: choose 'error', 'ignore' or 'value'"
        )
    if (default_skill is not None) != (on_missing_skill == "value"):
        raise ParameterError(
            "default_skill goes with on_missing_skill='value' (and only with it): "
            f"got on_missing_skill={on_missing_skill!r}, "
            f"default_skill={default_skill!r}"
        )
    if isinstance(skills, (pd.Series, dict)):
        s = pd.Series(skills, dtype=object)
        pos = ann.annotators.get_indexer(s.index)
        w = np.full(ann.n_annotators, np.nan)
        w[pos[pos >= 0]] = pd.to_numeric(s[pos >= 0], errors="coerce").to_numpy(dtype=float)
    else:
        w = np.asarray(skills, dtype=float) if np.ndim(skills) else np.array([])
        if w.shape != (ann.n_annotators,):
            raise ParameterError(
                f"skills must map annotator ids to weights or hold one weight per "
                f"annotator ({ann.n_annotators}); got shape {w.shape}"
            )
        w = w.copy()
    if np.any(w[np.isfinite(w)] < 0) or np.any(np.isinf(w)):
        raise ParameterError("skills must be finite and non-negative")
    missing = np.isnan(w)
    if missing.any():
        names = preview(ann.annotators[missing].tolist())
        if on_missing_skill == "error":
            raise InputError(
                f"{int(missing.sum())} annotator(s) have no skill: {names}. Give "
                "them one, or pass on_missing_skill='ignore' (drop their labels) "
                "or on_missing_skill='value' with default_skill=..."
            )
        if on_missing_skill == "value":
            w[missing] = float(default_skill)  # type: ignore[arg-type]
    return w


def skill_votes(ann: Annotations, w: np.ndarray) -> np.ndarray:
    """Per item and class, the summed weights (``w`` NaN = ignored annotator).

    Items left without any weighted label are an error; items whose weights
    are all zero fall back to their plain vote counts, so every row of the
    result can be normalised.
    """
    known = ~np.isnan(w)
    votes = weighted_votes(ann, np.where(known, w, 0.0))
    counted = np.bincount(ann.item, weights=known[ann.annotator], minlength=ann.n_items)
    if (counted == 0).any():
        lost = ann.items[counted == 0]
        raise InputError(
            f"{len(lost)} item(s) have labels only from annotators without a "
            f"skill: {preview(lost.tolist())}; give those annotators a skill or "
            "use on_missing_skill='value'"
        )
    zero = votes.sum(axis=1) <= 0
    if zero.any():
        plain = weighted_votes(ann, known.astype(float))
        votes[zero] = plain[zero]
    return votes


class MajorityVote(Aggregator):
    """Each item's consensus is the class with the most votes (or the most skill).

    ``probas_`` are the vote fractions. With ``skills`` each label counts with
    its annotator's weight (crowd-kit's ``MajorityVote.fit(data, skills)``).

    Ties are broken, in order, by the highest ``pred_probs`` among the tied
    classes (when given), then by ``tie_break``. The default,
    ``"reliability"``, gives a tie to the class chosen by the more reliable
    annotators: each label weighs the one-coin log-odds of its annotator's
    agreement with the other annotators of the same items (:func:`reliability_evidence`).
    It was chosen by leave-one-data-set-out on the accuracy of tied items
    (``benchmarks/mv_ties.py``, docs/methods.md): the rule chosen on the other
    sets for every one of the 17 real data sets and every simulated family,
    5 points more tied items right than the lowest class code on the real
    sets, 8 on the simulated ones. It depends neither on the row order nor on
    the class order (unless the evidence ties too; then the lowest class code).

    Parameters
    ----------
    skills : mapping, Series or array, optional
        Weight per annotator (id -> weight, or one per annotator in code order).
    on_missing_skill : {"error", "ignore", "value"}, default "error"
        Annotators ``skills`` leaves out: refuse, ignore their labels, or weigh
        them ``default_skill``.
    default_skill : float, optional
        Weight of annotators without a skill when ``on_missing_skill="value"``.
    tie_break : {"reliability", "first", "frequency", "random"}, default "reliability"
        The class of the more reliable annotators; the lowest class code
        (crowd-kit's rule when its classes come sorted); the class chosen most
        often over the data set; or uniformly at random with ``random_state``.
    random_state : int or None, default 0
        Seed for ``tie_break="random"``.

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
    [1, 0]
    >>> MajorityVote(skills={"a": 3.0, "b": 1.0, "c": 1.0}).fit_predict(ann).tolist()
    [1, 0]
    """

    summary = "the most-voted class (optionally skill-weighted); ties by pred_probs, then rule"

    def __init__(
        self,
        skills: Any = None,
        on_missing_skill: MissingSkill = "error",
        default_skill: float | None = None,
        tie_break: TieBreak = "reliability",
        random_state: int | None = 0,
    ) -> None:
        self.skills = skills
        self.on_missing_skill = on_missing_skill
        self.default_skill = default_skill
        self.tie_break = tie_break
        self.random_state = random_state

    def _fit(self, ann: Annotations, pred_probs: np.ndarray | None) -> None:
        if self.skills is None:
            votes = weighted_votes(ann)
        else:
            w = resolve_skills(ann, self.skills, self.on_missing_skill, self.default_skill)
            votes = skill_votes(ann, w)
        self.probas_ = votes / votes.sum(axis=1, keepdims=True)
        self.labels_ = self._break_ties(ann, votes, pred_probs)
        self.annotator_skill_ = agreement_with(ann, self.labels_)

    def _break_ties(
        self, ann: Annotations, votes: np.ndarray, pred_probs: np.ndarray | None
    ) -> np.ndarray:
        evidence = None
        if self.tie_break == "reliability":
            evidence = reliability_evidence(ann, *reliability_counts(ann))
        return break_ties(
            votes,
            self.tie_break,
            np.asarray(ann.vote_counts()).sum(0),
            self.random_state,
            pred_probs,
            evidence,
        )
