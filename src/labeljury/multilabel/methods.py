"""Multi-label aggregation: per-class majority vote, per-class Dawid-Skene, and MultiJury.

Every method treats class ``k`` of item ``i`` as a hidden yes/no truth ``z[i, k]``
and each judgement as a yes/no answer per class (chosen or not). They share
one estimator contract:

``probas_`` (n_items, K)
    Probability that each class belongs to each item's set (independent per class).
``labels_`` (n_items, K) bool
    The consensus set: ``probas_ > 0.5``.
``consensus_quality_`` (n_items,)
    Probability that the whole consensus set is right, ``prod_k max(p, 1 - p)``.
``sensitivity_``, ``specificity_`` (n_annotators, K)
    ``P(chosen | z = 1)`` and ``P(not chosen | z = 0)`` per annotator and class.
``annotator_skill_`` (n_annotators,)
    Mean over classes of ``(sensitivity + specificity) / 2`` (balanced accuracy:
    0.5 is a coin, 1 perfect), so a class's prevalence does not hide its errors.

All arrays of shape (n, K) are processed at once: the E-step is a sparse
(item x annotator) product with per-annotator log-likelihood rows plus a
``bincount`` over the chosen (judgement, class) pairs, so the cost is
O(judgements x K / sparse-product speed + chosen pairs), with no loop over
classes or judgements.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
from scipy.special import expit, logit
from sklearn.base import BaseEstimator

from ..errors import ConvergenceWarning, InputError, PredProbsError, user_stacklevel
from ._sparse_design import _Design
from .data import MultiLabelAnnotations

__all__ = [
    "METHODS",
    "MultiDawidSkene",
    "MultiJury",
    "MultiLabelAggregator",
    "MultiMajorityVote",
    "method_class",
]

_CLIP = 12.0  # logit bound of a rate in the EM loop (1 - 6e-6)


def _check_pred_probs(pred_probs: Any, ann: MultiLabelAnnotations) -> np.ndarray:
    try:
        pp = np.asarray(pred_probs, dtype=float)
    except (TypeError, ValueError) as exc:
        raise PredProbsError(f"pred_probs is not a numeric array ({exc})") from exc
    if pp.shape != (ann.n_items, ann.n_classes):
        raise PredProbsError(
            f"pred_probs has shape {pp.shape}; multi-label pred_probs need "
            f"one row per item and one column per class "
            f"({ann.n_items}, {ann.n_classes}), each a probability of its own"
        )
    if not np.isfinite(pp).all() or (pp < 0).any() or (pp > 1).any():
        raise PredProbsError("pred_probs must be probabilities in [0, 1] with no NaN")
    return pp


class MultiLabelAggregator(BaseEstimator):
    """Base class: ``fit(ann, pred_probs=None)`` then read the ``*_`` attributes."""

    uses_pred_probs: ClassVar[bool] = False
    summary: ClassVar[str] = ""

    def fit(self, ann: MultiLabelAnnotations, pred_probs: Any = None) -> MultiLabelAggregator:
        """Fit on multi-label annotations; ``pred_probs`` (n_items, K) where the method uses it."""
        if not isinstance(ann, MultiLabelAnnotations):
            raise InputError(
                f"{type(self).__name__} is a multi-label method and needs "
                f"MultiLabelAnnotations, not {type(ann).__name__}; for one class "
                "per annotation use labeljury.aggregate (without --multi-label)"
            )
        pp = None
        if pred_probs is not None:
            if not self.uses_pred_probs:
                raise InputError(
                    f"{type(self).__name__} does not use pred_probs; use method='jury'"
                )
            pp = _check_pred_probs(pred_probs, ann)
        d = _Design(ann)
        self._fit(d, pp)
        self.labels_ = self.probas_ > 0.5
        self.consensus_quality_ = np.exp(
            np.log(np.maximum(np.where(self.labels_, self.probas_, 1 - self.probas_), 1e-300)).sum(
                axis=1
            )
        )
        self.annotator_skill_ = ((self.sensitivity_ + self.specificity_) / 2).mean(axis=1)
        self.classes_ = ann.classes
        return self

    def fit_predict(self, ann: MultiLabelAnnotations, pred_probs: Any = None) -> np.ndarray:
        """Fit, then return the consensus sets as a boolean (n_items, K) array."""
        return self.fit(ann, pred_probs).labels_

    def describe(self) -> dict[str, Any]:
        """Method-specific statistics for reports."""
        return {"n_iter": int(getattr(self, "n_iter_", 1))}

    def _fit(self, d: _Design, pp: np.ndarray | None) -> None:  # pragma: no cover
        raise NotImplementedError


class MultiMajorityVote(MultiLabelAggregator):
    """Per-class majority vote: a class is in the set when more than half chose it.

    ``probas_`` is the share of the item's annotators who chose each class (a
    tie, exactly half, leaves the class out); sensitivity and specificity are
    each annotator's agreement with that vote, smoothed by one pseudo-count.

    Examples
    --------
    >>> ann = MultiLabelAnnotations.from_sets(["d", "d", "d"], ["a", "b", "c"],
    ...                                       [["x", "y"], ["x"], ["x"]])
    >>> MultiMajorityVote().fit(ann).labels_.tolist()
    [[True, False]]
    """

    summary = "per-class majority vote (binary relevance)"

    def _fit(self, d: _Design, pp: np.ndarray | None) -> None:
        self.probas_ = d.votes / np.maximum(d.per_item, 1)[:, None]
        hard = (self.probas_ > 0.5).astype(float)
        tp, fn, fp, tn = d.counts(hard)
        self.sensitivity_ = (tp + 0.5) / (tp + fn + 1)
        self.specificity_ = (tn + 0.5) / (tn + fp + 1)
        self.n_iter_ = 1


class _EM(MultiLabelAggregator):
    """Shared EM loop: start from the vote shares, alternate M and E steps."""

    max_iter: int
    tol: float

    def _m_step(self, d: _Design, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError  # pragma: no cover

    def _calibrate(self, target: np.ndarray, steps: int = 1) -> np.ndarray:
        """Prior log-odds ``a[k] + b[k] * logit(pred_probs[i, k])`` fitted to ``target``.

        A per-class logistic calibration of the model: one that ignores a class's
        prevalence, is over- or under-confident, or is useless on a class (``b``
        at 0) is corrected rather than trusted as given. ``target`` is the crowd's
        posterior *without* the model (see ``_e_step``), so the prior never
        learns from its own echo.
        """
        x = self._pp_logit
        a, b = self._calib
        # one Newton step on each class's 2 x 2 problem per E-step, warm-started: EM
        # iterates anyway, and each step is a dozen passes over the (items, K) arrays
        for _ in range(steps):
            p = expit(a + b * x)
            w = p * (1 - p) + 1e-9
            r = target - p
            ga, gb = r.sum(axis=0) - 1e-3 * a, (r * x).sum(axis=0) - 1e-3 * (b - 1)
            haa, hab = w.sum(axis=0) + 1e-3, (w * x).sum(axis=0)
            hbb = (w * x * x).sum(axis=0) + 1e-3
            det = haa * hbb - hab * hab
            step_a, step_b = (hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det
            # where the slope would turn negative it stays at 0 and the intercept takes
            # its own 1-D Newton step (the joint step assumed the slope moved)
            flat = b + step_b < 0
            step_a = np.where(flat, ga / haa, step_a)
            step_b = np.where(flat, -b, step_b)
            # damped and bounded: a flat likelihood (a class nobody or everybody has,
            # a model that separates the crowd's answers) makes Newton steps huge
            a = np.clip(a + np.clip(step_a, -1, 1), -8, 8)
            b = np.clip(b + np.clip(step_b, -1, 1), 0, 4)
        self._calib = (a, b)
        return a + b * x

    def _e_step(
        self, d: _Design, q: np.ndarray, pp: np.ndarray | None, sens: np.ndarray, spec: np.ndarray
    ) -> np.ndarray:
        prevalence = logit((q.sum(axis=0) + 1) / (d.n_items + 2))
        if pp is None:
            x = d.log_odds(prevalence, sens, spec)
        else:
            x = d.log_odds(0.0, sens, spec)  # the annotators' evidence alone
            x += self._calibrate(expit(x + prevalence))
        # expit in place via tanh: 2-3x faster than scipy's expit on (n_items, K) arrays
        x *= 0.5
        np.tanh(x, out=x)
        x *= 0.5
        x += 0.5
        return x

    def _fit(self, d: _Design, pp: np.ndarray | None) -> None:
        q = d.votes / np.maximum(d.per_item, 1)[:, None]
        if pp is not None:  # the model breaks the vote's ties and guides single judgements
            q = (q * d.per_item[:, None] + pp) / (d.per_item[:, None] + 1)
        state = {"q": q, "steps": 0}
        if pp is not None:
            # a 0 or 1 from a model is never that sure; the calibration's slope rescales
            self._pp_logit = logit(np.clip(pp, 0.01, 0.99))
            self._calib = (np.zeros(d.k), np.ones(d.k))
            # start from the calibration against the vote shares
            self._calibrate(d.votes / np.maximum(d.per_item, 1)[:, None], steps=5)

        def em(theta: np.ndarray) -> np.ndarray:
            """One E-step and M-step on the rates' logits, shape (2, n_annotators, K)."""
            sens, spec = expit(theta)
            state["q"] = self._e_step(d, state["q"], pp, sens, spec)
            state["steps"] += 1
            return np.clip(logit(np.stack(self._m_step(d, state["q"]))), -_CLIP, _CLIP)

        theta = np.clip(logit(np.stack(self._m_step(d, q))), -_CLIP, _CLIP)
        converged, change = False, np.inf
        # SQUAREM (Varadhan & Roland 2008, doi:10.1111/j.1467-9469.2007.00585.x): two EM
        # steps give the direction, a squared extrapolation jumps along it and one more
        # EM step steadies the result; EM on sparse crowds crawls, this takes 2-4x fewer
        # steps to the same fixed point. Extrapolating logits keeps the rates in (0, 1).
        while state["steps"] + 3 <= self.max_iter:
            t1 = em(theta)
            t2 = em(t1)
            r, v = t1 - theta, t2 - 2 * t1 + theta
            nv = float(np.sqrt((v * v).sum()))
            alpha = min(-float(np.sqrt((r * r).sum())) / nv, -1.0) if nv > 0 else -1.0
            jump = np.clip(theta - 2 * alpha * r + alpha * alpha * v, -_CLIP, _CLIP)
            new = em(jump)
            change = float(np.abs(expit(new) - expit(jump)).max(initial=0))
            theta = new
            if change < self.tol:
                converged = True
                break
        if not converged:
            warnings.warn(
                f"{type(self).__name__} stopped at max_iter={self.max_iter} with a "
                f"change of {change:.2g} > tol={self.tol} in an annotator's rates",
                ConvergenceWarning,
                stacklevel=user_stacklevel(),
            )
        sens, spec = expit(theta)
        self.probas_ = self._e_step(d, state["q"], pp, sens, spec).astype(float)
        self.sensitivity_, self.specificity_ = sens, spec
        self.n_iter_ = state["steps"] + 1


class MultiDawidSkene(_EM):
    """Per-class Dawid-Skene (binary relevance): one independent two-class model per class.

    For each class ``k``, ``z[i, k] ~ Bernoulli(pi[k])`` and annotator ``a``
    chooses ``k`` with probability ``s[a, k]`` when ``z = 1`` (sensitivity) and
    ``1 - t[a, k]`` when ``z = 0`` (specificity ``t``); fitted by EM (Dawid &
    Skene 1979, doi:10.2307/2346806). Nothing is shared between classes or
    annotators: this is the baseline crowd-kit's ``BinaryRelevance(DawidSkene)``
    computes, done for all classes at once.

    Parameters
    ----------
    max_iter : int, default 100
    tol : float, default 1e-4
        Stop when no annotator's sensitivity or specificity moves more than this.
    """

    summary = "per-class Dawid-Skene (binary relevance, the reference baseline)"

    def __init__(self, max_iter: int = 100, tol: float = 1e-4):
        self.max_iter = max_iter
        self.tol = tol

    def _m_step(self, d: _Design, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tp, fn, fp, tn = d.counts(q)
        # a hair of smoothing only keeps logs finite for annotators with no positives
        return (tp + 0.01) / (tp + fn + 0.02), (tn + 0.01) / (tn + fp + 0.02)


class MultiJury(_EM):
    """labeljury's multi-label method: per-class skills shrunk across classes and annotators.

    Each class is a yes/no truth ``z[i, k]`` with prior ``pi[k]`` (or the model's
    ``pred_probs[i, k]`` when given). Annotator ``a`` has a sensitivity
    ``s[a, k]`` and a specificity ``t[a, k]`` per class, each drawn from a Beta
    centred, on the logit scale, on an additive pattern::

        logit E[s[a, k]] = alpha[k] + beta[a]

    ``alpha[k]`` is the crowd's per-class sensitivity (some classes are easy to
    spot, some are missed by everyone) and ``beta[a]`` the annotator's overall
    reliability (shrunk toward 0, the typical annotator, with a normal prior of
    scale ``offset_scale``). The M-step is the posterior mean
    ``(TP + m E[s]) / (TP + FN + m)`` with ``m = strength`` pseudo-judgements:
    an annotator with few items, or few positives of a rare class, borrows the
    estimate of their own other classes and of the crowd on that class, where
    per-class Dawid-Skene would fit a noisy or degenerate rate. Specificity
    works the same way on the negatives. This is the Beta-binomial hierarchy of
    single-label Jury applied per class (cf. Raykar et al. 2010, JMLR 11).

    Parameters
    ----------
    strength : float, default 4.0
        Pseudo-judgements of the shrinkage prior.
    offset_scale : float, default 1.0
        Prior standard deviation of an annotator's logit offset.
    max_iter : int, default 100
    tol : float, default 1e-4
        Stop when no annotator's sensitivity or specificity moves more than this.

    Examples
    --------
    >>> ann = MultiLabelAnnotations.from_sets(["d", "d", "d", "e"], ["a", "b", "c", "a"],
    ...                                       [["x"], ["x", "y"], ["x"], []])
    >>> MultiJury().fit(ann).labels_.astype(int).tolist()
    [[1, 0], [0, 0]]
    """

    uses_pred_probs = True
    summary = (
        "labeljury's multi-label method: per-class sensitivity/specificity shrunk "
        "toward the annotator's reliability and the crowd's class pattern; uses "
        "pred_probs (n_items x K) as prior"
    )

    def __init__(
        self,
        strength: float = 4.0,
        offset_scale: float = 1.0,
        max_iter: int = 100,
        tol: float = 1e-4,
    ):
        self.strength = strength
        self.offset_scale = offset_scale
        self.max_iter = max_iter
        self.tol = tol

    def _shrunk(self, hit: np.ndarray, miss: np.ndarray) -> np.ndarray:
        """Posterior-mean rate ``hit / (hit + miss)`` shrunk to ``alpha[k] + beta[a]``."""
        n = hit + miss
        # the crowd's rate per class, with 4 pseudo-judgements at 0.8: on a handful of
        # judgements a flat start drifts to the all-coins fixed point (every rate 0.5,
        # every posterior 0.5); with real data the pooled counts swamp it
        alpha = logit((hit.sum(axis=0) + 3.2) / (n.sum(axis=0) + 4))
        # beta[a]: MAP of the annotator's offset given all their classes; a few
        # Newton steps on the concave log-posterior (binomial counts + normal prior)
        beta = np.zeros(len(hit))
        prec = 1.0 / self.offset_scale**2
        for _ in range(4):
            p = expit(alpha[None, :] + beta[:, None])
            grad = (hit - n * p).sum(axis=1) - prec * beta
            hess = (n * p * (1 - p)).sum(axis=1) + prec
            beta += grad / hess
        mean = expit(alpha[None, :] + beta[:, None])
        return (hit + self.strength * mean) / (n + self.strength)

    def _m_step(self, d: _Design, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tp, fn, fp, tn = d.counts(q)
        return self._shrunk(tp, fn), self._shrunk(tn, fp)


METHODS: dict[str, type[MultiLabelAggregator]] = {
    "jury": MultiJury,
    "majority_vote": MultiMajorityVote,
    "dawid_skene": MultiDawidSkene,
}


def method_class(name: str) -> type[MultiLabelAggregator]:
    """The multi-label method class registered under ``name`` (``auto`` = ``jury``)."""
    from ..errors import UnknownMethodError

    key = "jury" if name == "auto" else name
    if key not in METHODS:
        raise UnknownMethodError(
            f"{name!r} is not a multi-label method; multi-label methods "
            f"are {', '.join(METHODS)} (the others read one class per "
            "annotation)"
        )
    return METHODS[key]
