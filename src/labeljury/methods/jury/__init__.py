r"""Jury: Dawid-Skene with shrunk confusion rows, the model as prior, and honest scores.

Generative model. Item :math:`i` has a true class :math:`z_i` with prior
:math:`P(z_i = c) \propto \rho_c\, p_M(c \mid x_i)^{w}` (:mod:`.prior`: the class
prior times the model's out-of-fold probabilities, weighted by :math:`w`; without a
model, :math:`\rho`). Annotator :math:`a` labels it :math:`l` with probability
:math:`\pi^{(a)}_{z_i l}`, a Dawid-Skene confusion row shrunk with :math:`s`
pseudo-labels toward a one-coin row (the annotator's accuracy, the crowd's pattern of
mistakes; :mod:`.rows`); :math:`\rho` is the
label frequencies. EM from majority vote alternates the posterior over :math:`z_i`
with the rows. The quality scores are leave-one-out posteriors with a fitted
temperature (:mod:`.scores`). Why each part is there, and what was tried and
deleted: docs/jury.md and docs/research/jury.md.

A. P. Dawid and A. M. Skene, "Maximum Likelihood Estimation of Observer
Error-Rates Using the EM Algorithm", JRSS C 28(1), 1979.
https://doi.org/10.2307/2346806
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...annotations import Annotations
from ...errors import InputError
from .._em import em_loop, log_normalize
from ..base import Aggregator, argmax_ties
from ..dawid_skene import clamp_gold
from .prior import item_log_prior
from .rows import Rows
from .scores import fit_temperature

__all__ = ["Jury"]

#: model probabilities are floored here before the log: a model's 0 must not veto labels
_P_FLOOR = 1e-6


class Jury(Aggregator):
    r"""Shrunk Dawid-Skene with the model as prior and honest scores (labeljury's own method).

    Parameters
    ----------
    strength : float, default 16.0
        Pseudo-labels :math:`s` pulling every confusion row toward the
        annotator's one-coin row (own accuracy, the crowd's pattern of mistakes),
        and each annotator's accuracy toward the crowd's (0: plain Dawid-Skene rows).
    model_weight : float, default 1.0
        Weight :math:`w` of the model's log-probabilities in the log prior (1:
        the model's probabilities as they are; 0: ignore the model). Unused
        without ``pred_probs``.
    calibrate : bool, default True
        Fit the temperature of the honest scores (on 20 or more gold items if
        the annotations carry them, else on held-out labels). False: the raw
        leave-one-out posterior.
    use_gold : bool, default True
        Pin items with a known gold class (``Annotations.gold``) to it.
    max_iter : int, default 100
        Maximum number of EM iterations; ``0`` returns the majority-vote start.
    tol : float, default 1e-4
        Stop when the relative change of the log-likelihood is below ``tol``.
    random_state : int, default 0
        Seeds the sample of annotations the score temperature is fitted on (more
        than 2,000 annotations): same inputs, same outputs.

    Attributes
    ----------
    probas_ : ndarray, shape (n_items, n_classes)
        EM posterior of the true class; ``labels_`` is its argmax.
    confusion_matrices_ : ndarray, shape (n_annotators, n_classes, n_classes)
        ``[a, c, l]`` = P(annotator ``a`` says ``l`` | true class ``c``).
    annotator_skill_ : ndarray, shape (n_annotators,)
        Expected accuracy on a random item, :math:`\sum_c \rho_c \pi^{(a)}_{cc}`.
    priors_ : ndarray, shape (n_classes,)
        Class prior :math:`\rho`.
    consensus_quality_ : ndarray, shape (n_items,)
        Honest (leave-one-out, tempered) probability that the consensus is right.
    label_quality_scores_ : ndarray, shape (n_annotations,)
        Honest probability that each annotation's label is right.

    Examples
    --------
    >>> import numpy as np
    >>> from labeljury import Annotations
    >>> from labeljury.methods import Jury
    >>> ann = Annotations.from_arrays([0, 0, 0, 1, 1, 1], list("abcabc"), [1, 1, 0, 0, 0, 1])
    >>> Jury().fit(ann, np.array([[0.2, 0.8], [0.7, 0.3]])).labels_.tolist()
    [1, 0]
    """

    uses_pred_probs = True
    summary = (
        "labeljury's own: Dawid-Skene with shrunk confusions, the model as prior, "
        "honest calibrated scores"
    )

    def __init__(
        self,
        strength: float = 16.0,
        model_weight: float = 1.0,
        calibrate: bool = True,
        use_gold: bool = True,
        max_iter: int = 100,
        tol: float = 1e-4,
        random_state: int = 0,
    ) -> None:
        self.strength = strength
        self.model_weight = model_weight
        self.calibrate = calibrate
        self.use_gold = use_gold
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _check_params(self) -> None:
        def number(v: Any) -> bool:
            return isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v)

        for name in ("strength", "model_weight"):
            value = getattr(self, name)
            if not (number(value) and value >= 0):
                raise InputError(f"Jury: {name} must be a number >= 0, got {value!r}")
        if not (isinstance(self.max_iter, int) and self.max_iter >= 0):
            raise InputError(f"Jury: max_iter must be an integer >= 0, got {self.max_iter!r}")
        if not (number(self.tol) and self.tol > 0):
            raise InputError(f"Jury: tol must be a positive number, got {self.tol!r}")

    def _fit(self, ann: Annotations, pred_probs: np.ndarray | None) -> None:
        self._check_params()
        x = ann.one_hot()
        # the class prior is the label frequencies, not re-estimated by EM: with few labels
        # per item EM explains them by a prior that drifts to one class
        log_rho = np.log(
            (np.bincount(ann.label, minlength=ann.n_classes) + 1.0)
            / (ann.n_annotations + ann.n_classes)
        )
        log_p = None if pred_probs is None else np.log(np.clip(pred_probs, _P_FLOOR, 1.0))
        lp = item_log_prior(log_rho, log_p, float(self.model_weight))
        votes = ann.vote_counts()
        post = votes / votes.sum(axis=1, keepdims=True)  # majority-vote start
        fit: dict[str, Rows] = {}

        def step() -> float:  # one M-step (the rows), then one E-step
            nonlocal post
            fit["rows"] = rows = Rows(x, post, float(self.strength))
            log_post = lp + rows.loglik(x)
            if self.use_gold:
                clamp_gold(ann, log_post)
            post, ll = log_normalize(log_post)
            return ll

        self.n_iter_, self.loss_history_ = em_loop(
            step, max_iter=self.max_iter, tol=self.tol, name="Jury"
        )
        # max_iter=0 returns the majority-vote start (as every EM method does), scored by
        # the rows fitted to it
        rows = fit["rows"] if fit else Rows(x, post, float(self.strength))
        self.probas_ = post
        self.model_weight_ = float(self.model_weight) if log_p is not None else 0.0
        self.confusion_matrices_ = rows.confusions
        self.priors_ = np.exp(log_rho)
        self.annotator_skill_ = rows.expected_accuracy(self.priors_)
        tiebreak = [] if pred_probs is None else [pred_probs]
        self.labels_ = argmax_ties(post, *tiebreak, votes.sum(axis=0))
        self._honest_scores(ann, rows, lp)

    def _honest_scores(self, ann: Annotations, rows: Rows, lp: np.ndarray) -> None:
        """Leave-one-out posterior, tempered (see :mod:`.scores`)."""
        post = self.probas_
        log_hon = lp + rows.loo_loglik(ann, post)
        self.temperature_, self.gold_calibration_items_ = 1.0, 0
        if self.calibrate:
            rng = np.random.default_rng(self.random_state)
            self.temperature_, self.gold_calibration_items_ = fit_temperature(
                ann, log_hon, lambda idx: rows.loo_terms(ann, post, idx), rng
            )
        log_hon = self.temperature_ * log_hon
        if self.use_gold:
            clamp_gold(ann, log_hon)
        honest = log_normalize(log_hon)[0]
        self.consensus_quality_ = honest[np.arange(ann.n_items), self.labels_]
        self.label_quality_scores_ = honest[ann.item, ann.label]

    def describe(self) -> dict[str, Any]:
        """Fitted statistics worth reporting (see :meth:`Aggregator.describe`)."""
        return {
            "model_weight": self.model_weight_,
            "strength": float(self.strength),
            "score_temperature": self.temperature_,
            "gold_calibration_items": self.gold_calibration_items_,
        }
