"""Majority vote: the class most annotators chose, optionally weighted by given skills."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import InputError, ParameterError, preview
from .base import Aggregator, argmax_ties

__all__ = ["MajorityVote", "agreement_with", "break_ties", "resolve_skills", "weighted_votes"]

TieBreak = Literal["first", "frequency", "random"]
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


def break_ties(
    scores: np.ndarray,
    rule: str,
    counts: np.ndarray,
    random_state: int | np.random.Generator | None,
    pred_probs: np.ndarray | None = None,
) -> np.ndarray:
    """Row-wise argmax of ``scores``; ties by ``pred_probs`` (when given), then by ``rule``.

    ``rule`` is ``"first"`` (lowest class code), ``"frequency"`` (the class
    with the largest total in ``counts``, shape ``(K,)``, then the lowest code)
    or ``"random"`` (uniform among the tied classes, drawn with ``random_state``).
    """
    tiebreak = [pred_probs] if pred_probs is not None else []
    if rule == "frequency":
        tiebreak.append(counts)
    elif rule == "random":
        tiebreak.append(np.random.default_rng(random_state).random(scores.shape))
    elif rule != "first":
        raise ParameterError(f"tie_break={rule!r}: choose 'first', 'frequency' or 'random'")
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
    classes (when given), then by ``tie_break``. The default, ``"first"`` (the
    lowest class code, i.e. the first class in sorted order unless ``classes``
    was given), was chosen by measurement (``benchmarks/mv_ties.py``, see
    docs/methods.md): it had the highest mean accuracy over the 17 real data
    sets, whole and thinned to 2-4 labels per item; ``"frequency"`` was best on
    simulated crowds with skewed class priors. ``"first"`` is also what
    crowd-kit does, so results match it label for label.

    Parameters
    ----------
    skills : mapping, Series or array, optional
        Weight per annotator (id -> weight, or one per annotator in code order).
    on_missing_skill : {"error", "ignore", "value"}, default "error"
        Annotators ``skills`` leaves out: refuse, ignore their labels, or weigh
        them ``default_skill``.
    default_skill : float, optional
        Weight of annotators without a skill when ``on_missing_skill="value"``.
    tie_break : {"first", "frequency", "random"}, default "first"
        Lowest class code; the class chosen most often over the data set; or
        uniformly at random with ``random_state``.
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
        tie_break: TieBreak = "first",
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
        self.labels_ = break_ties(
            votes,
            self.tie_break,
            np.asarray(ann.vote_counts()).sum(0),
            self.random_state,
            pred_probs,
        )
        self.annotator_skill_ = agreement_with(ann, self.labels_)
