r"""Jury: labeljury's own model-aware method (hierarchical Dawid-Skene with a model prior).

Generative model. Item :math:`i` has a true class :math:`z_i` whose prior is the
model's calibrated probability, tempered by a learned weight :math:`w \ge 0`:

.. math::

    P(z_i = c) = (1 - \beta)\, \frac{\exp(w \log p_M(c \mid x_i) + b_c)}{Z_i}
    + \frac{\beta}{K} ,

so :math:`w = 0` ignores the model and :math:`w = 1` trusts it as it is (the
default upper bound); the class offsets :math:`b` (``model_bias``, learned with
:math:`w`) recalibrate the model against the crowd, and the floor :math:`\beta`
(``learn_model_floor``, learned with them) keeps a model whose low
probabilities are noise from vetoing labels. Without offsets, or without a
model, :math:`b_c = (1 - w) \log \rho_c` with :math:`\rho` the class prior.
Annotator :math:`a` labels it :math:`l` with
probability :math:`\pi^{(a)}_{z_i l}`: a full, class-dependent confusion
matrix as in Dawid-Skene, but with a hierarchical Dirichlet prior so that an
annotator who labeled little borrows strength from everyone else:

.. math::

    \pi^{(a)}_{c\cdot} \sim \text{Dirichlet}(s\, \mu^{(a)}_{c\cdot}), \qquad
    \mu^{(a)}_{cc} = \alpha_a, \quad
    \mu^{(a)}_{cl} = (1 - \alpha_a)\, \bar\pi_{cl} \;(l \ne c),

where :math:`\bar\pi` is the pooled off-diagonal confusion pattern of all
annotators (which wrong classes people pick for each true class) and
:math:`\alpha_a` is the annotator's own accuracy, itself shrunk toward the
pooled accuracy with :math:`m` pseudo-labels. With few labels an annotator
therefore behaves like a one-coin annotator with their own accuracy and the
crowd's confusion pattern; with many, like a free Dawid-Skene confusion
matrix. With a model the default strength is :math:`s = \infty`: every
annotator is one-coin with the crowd's pattern of mistakes and the model
carries the class structure (``_jury_rows.OneCoinRows``, an exact code path).
Bad annotators are not clipped away: an annotator who is reliably wrong in a
consistent way still informs the posterior. A third annotator model, *spam rows*
(``_jury_spam.SpamRows``: each label known, a crowd-typical mistake, or drawn
from the annotator's own spam strategy), is fitted with ``spam=True``, or with
``spam="auto"`` when held-out gold items prefer it.

Fitting is MAP-EM: the E-step is the usual sparse product
(``one_hot @ log_confusions``) plus the log prior; the M-step updates the
confusions in closed form and the model weight :math:`w` (and offsets) by
maximising the marginal likelihood of the annotations (safeguarded Newton
steps; then the floor, a 1-D search), so a model
that disagrees with reliable annotators, or is over-confident, is tempered
automatically. The two concentrations of the hierarchical prior (how far an
annotator's confusions and accuracy may stray from the crowd's) are learned by
type-II maximum likelihood, and the class prior is anchored on the label
frequencies so that sparse, biased labels cannot collapse it.

The consensus quality score is the posterior probability of the consensus
computed *leave-one-out*: each annotation's likelihood uses confusion
estimates from which that annotation's own contribution was removed. Plain
EM posteriors are over-confident because every annotator's parameters were
fitted to the very labels they are then used to judge; removing that
self-influence makes the score an honest probability. Two temperatures, on the
annotators' log-likelihood and on the log prior, fitted so that each label is
best predicted from the other labels of its item, then correct the
over-confidence that errors correlated within items (and between the crowd and
a model trained on its labels) cause.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..annotations import Annotations
from ..errors import ConvergenceWarning, InputError
from ._em import confusion_counts, em_loop, log_normalize
from ._jury_rows import (
    DirichletRows,
    ItemSubset,
    OneCoinRows,
    one_coin_confusions,
    pooled_accuracy,
    shrunk_accuracy,
    wrong_class_pattern,
)
from ._jury_spam import SpamRows
from .base import Aggregator, argmax_ties
from .dawid_skene import clamp_gold

__all__ = ["Jury"]

#: Jury's three annotator models (docs/jury.md)
Rows = DirichletRows | OneCoinRows | SpamRows

_EPS = 1e-12


#: "auto" starting strength with a model when s is learned (a search needs a finite start)
_ONE_COIN_STRENGTH = 1e4
#: the concentrations are frozen once an iteration moves them by less than this (in log):
#: m creeps toward its fixed point for many iterations, each a 1-D search, while the
#: consensus no longer changes (see ``tol``)
_SETTLED = 0.2
#: Newton steps on the model weight (and offsets) per EM iteration: EM revisits them every
#: iteration, so more steps per visit mostly polish a target that moves. benchmarks/
#: jury_speed.py --weight-steps N, median time ratio to CROWDLAB and accuracy: 3 steps 6.7x,
#: 0.8475; 2 steps 6.5x, 0.8474; 1 step 5.9x, 0.8472 (measured before the searches were
#: sampled, below), but a lone step that was halved moves little, the search is frozen too
#: early, and the tutorial's "15 lowest scores are the least accurate" check failed on a
#: second seed (tests/test_pipeline.py)
_WEIGHT_STEPS = 2
#: the model weight and offsets (K numbers) are fitted on at most this many items, a random
#: sample, whose leave-one-out likelihoods alone are computed; and the two score
#: temperatures on at most this many annotations. The searches were a third of Jury's time
#: at 1e6 annotations and half of it at 15,000. On the benchmark's data sets with a model
#: (3 seeds; benchmarks/jury_speed.py with and without --set _WEIGHT_ITEMS=1000000
#: _TEMPER_ANNOTATIONS=1000000): accuracy 0.8473 against 0.8474, ECE 0.0532 against 0.0531,
#: median time 4.8x CROWDLAB's against 5.9x
_WEIGHT_ITEMS = 2_000
_TEMPER_ANNOTATIONS = 2_000
#: a Newton step on the model weight (and offsets) halved this many times without
#: improving ends that search. A coordinate clipped at its bound (the model weight at 1)
#: leaves the others' step computed as if it had moved, and that step overshoots: without a
#: cap it was halved 10-15 times, every EM iteration, down to no move at all
#: (synth_tutorial); with the cap the fits are the same. Measured during development (the
#: code was not kept): holding clipped coordinates and solving for the others (an active
#: set) converged further but scored worse, accuracy 0.8468 against 0.8474 on the
#: benchmark's data sets with a model, and the tutorial's 20-seed check failed on one seed;
#: the temperatures' search needs more halvings (its first step often overshoots to the
#: bound; capped at 4 too, its ECE rose from 0.0532 to 0.0548)
_MAX_HALVINGS = 4
#: fewest gold items the score temperatures are fitted on (calibrate_on_gold), and how
#: many gold items the held-out labels weigh as beside them
_MIN_GOLD_ITEMS = 20
_GOLD_PRIOR_ITEMS = 100
#: the score temperatures stop when a Newton step moves them by less than this
_TEMPER_TOL = 1e-2
#: whether spam="auto" also chooses the annotator model on gold without pred_probs. Off:
#: on the benchmark's real data sets without features it measured 77.78 / 77.89 ->
#: 77.74 / 77.79 at 5% / 10% gold (benchmarks/jury_spam.py --all --choose-without-model)
_CHOOSE_WITHOUT_MODEL = False
#: the model floor is at most this: a model that half the items find no better than a
#: uniform guess is one the weight w should silence, not the floor
_MAX_MODEL_FLOOR = 0.5


def _lse(a: np.ndarray) -> np.ndarray:
    """Row-wise log-sum-exp, class-major (see :func:`._em.log_normalize` for why)."""
    t = np.array(a.T, dtype=float, order="C")
    m = t.max(axis=0)
    t -= m
    np.exp(t, out=t)
    return m + np.log(t.sum(axis=0))


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        bool(np.isfinite(value)) and value > 0


def _safeguarded_ascent(theta: np.ndarray,
                        evaluate: Callable[[np.ndarray], tuple[Any, ...]],
                        propose: Callable[..., np.ndarray],
                        project: Callable[[np.ndarray], np.ndarray], steps: int = 3,
                        tol: float = 1e-4,
                        first: tuple[Any, ...] | None = None,
                        max_halvings: int = 60) -> np.ndarray:
    """Up to ``steps`` proposed (Newton) steps up ``evaluate``, each halved until it improves.

    ``evaluate(theta)`` returns the objective followed by what ``propose(*rest)``
    turns into a step (the prior and posterior, say); ``project`` keeps ``theta``
    feasible; ``first``, if given, is ``evaluate(theta)`` already computed. The
    objectives here are not concave: bare Newton steps on the model weight
    cycled 1 -> 0 -> 0.8 -> 0.9 -> 1 on the over-confident-model scenario and EM
    never converged. Stops when a step moves ``theta`` by less than ``tol``, or
    when ``max_halvings`` halvings of it found no improvement.
    """
    f, *state = evaluate(theta) if first is None else first
    for _ in range(steps):
        step = propose(*state)
        for _ in range(max_halvings + 1):
            new = project(theta + step)
            if np.max(np.abs(new - theta)) < tol:
                return theta
            f_new, *state_new = evaluate(new)
            if f_new >= f:
                break
            step = step / 2
        else:
            return theta
        theta, f, state = new, f_new, state_new
    return theta


def _saddle_free_step(grad: np.ndarray, hess: np.ndarray) -> np.ndarray:
    """Newton step uphill with the Hessian's eigenvalues made negative (saddle-free Newton).

    The objectives searched here need not be concave; a plain Newton step would
    walk to a saddle or a minimum.
    """
    lam, vec = np.linalg.eigh(hess)
    lam = -np.maximum(np.abs(lam), 1e-6 * max(1.0, float(np.abs(lam).max())))
    return -(vec @ ((vec.T @ grad) / lam))


def _marginal(prior_logits: np.ndarray, loglik: np.ndarray, floor: float = 0.0,
              log_flat: np.ndarray | None = None
              ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray | None]:
    r"""Marginal log-likelihood, prior, posterior and responsibilities, class-major ``(K, n)``.

    ``sum_i logsumexp(a_i + L_i) - logsumexp(a_i)`` for unnormalised prior logits
    ``a``; the objective of the model-weight (and offset) searches.

    With a ``floor`` :math:`\beta > 0` the prior is the mixture
    :math:`(1 - \beta)\,\mathrm{softmax}(a_i) + \beta / K` and the objective is its
    marginal. Prior and posterior are then those of the model's component, and
    ``r`` holds each item's responsibility :math:`r_i` of that component (its
    share of the item's marginal; None without a floor, where it is 1). With
    :math:`G_i` the item's term without a floor and :math:`g_i` its gradient
    (posterior minus prior moments), the item's term with the floor has gradient
    :math:`r_i g_i` and Hessian :math:`r_i \nabla^2 G_i + r_i (1 - r_i) g_i g_i^T`.
    ``log_flat``, if given, is :math:`\log(\beta\, \mathrm{mean}_c\, e^{L_{ci}})`
    (the same at every point of a search).
    """
    pr, po, log_model = _item_marginals(prior_logits, loglik)
    if floor <= 0.0:
        return float(np.sum(log_model)), pr, po, None
    log_model += np.log1p(-floor)
    if log_flat is None:
        log_flat = np.log(floor) + _log_mean_exp(loglik)
    log_z = np.logaddexp(log_model, log_flat)
    return float(np.sum(log_z)), pr, po, np.exp(log_model - log_z)


def _item_marginals(prior_logits: np.ndarray, loglik: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Prior and posterior (class-major ``(K, n)``) and each item's log marginal.

    The last is ``logsumexp(a_i + L_i) - logsumexp(a_i)`` for prior logits ``a``.
    """
    a, b = prior_logits, prior_logits + loglik
    a_top, b_top = a.max(axis=0), b.max(axis=0)
    pr, po = np.exp(a - a_top), np.exp(b - b_top)
    z_pr, z_po = pr.sum(axis=0), po.sum(axis=0)
    pr /= z_pr
    po /= z_po
    return pr, po, np.log(z_po) + b_top - np.log(z_pr) - a_top


def _floored_prior(prior_logits: np.ndarray, floor: float) -> np.ndarray:
    r"""The prior :math:`(1 - \beta)\,\mathrm{softmax}(a_i) + \beta / K`, class-major ``(K, n)``.

    From ``(n, K)`` logits, in probability space: the mixture's log would cost a
    log per cell on top of the exps.
    """
    prior = np.array(prior_logits.T, dtype=float, order="C")
    prior -= prior.max(axis=0)
    np.exp(prior, out=prior)
    prior *= (1.0 - floor) / prior.sum(axis=0)
    prior += floor / prior.shape[0]
    return prior


def _floored_posterior(prior_logits: np.ndarray, floor: float, loglik: np.ndarray,
                       ann: Annotations | None = None) -> tuple[np.ndarray, float]:
    r"""E-step with the prior :func:`_floored_prior`, in probability space, class-major.

    Gold items of ``ann`` (if given) are pinned to their class, as
    :func:`.dawid_skene.clamp_gold` does in log space. Returns the ``(n, K)``
    posterior and the log-evidence.
    """
    prior = _floored_prior(prior_logits, floor)
    post = np.array(loglik.T, dtype=float, order="C")
    top = post.max(axis=0)
    post -= top
    np.exp(post, out=post)
    post *= prior
    if ann is not None and ann.gold is not None:
        known = np.flatnonzero(ann.gold >= 0)
        post[:, known] = 0.0
        post[ann.gold[known], known] = 1.0
        top[known] = 0.0
    total = post.sum(axis=0)
    post /= total
    return post.T, float(np.sum(np.log(total)) + np.sum(top))


def _log_mean_exp(loglik: np.ndarray) -> np.ndarray:
    """``log mean_c exp(loglik[c, i])`` per item, class-major input."""
    return _lse(loglik.T) - np.log(loglik.shape[0])


def _fit_floor(log_model: np.ndarray, log_flat: np.ndarray) -> float:
    r"""The :math:`\beta \in [0, \beta_{max}]` maximising
    :math:`\sum_i \log((1 - \beta) s_i + \beta u_i)`.

    ``log_model`` holds :math:`\log s_i`, each item's marginal under the model's
    prior, and ``log_flat`` :math:`\log u_i`, under the uniform one. The
    objective is concave in :math:`\beta`; its derivative
    :math:`\sum_i (t_i - 1) / (1 - \beta + \beta t_i)`, :math:`t_i = u_i / s_i`, is
    solved by Brent's method (0 when the model explains every item at least as
    well as the uniform prior does on balance).
    """
    from scipy.optimize import brentq

    t = np.exp(np.clip(log_flat - log_model, -700.0, 700.0))

    def slope(beta: float) -> float:
        return float(np.sum((t - 1.0) / (1.0 - beta + beta * t)))

    if slope(0.0) <= 0.0:
        return 0.0
    if slope(_MAX_MODEL_FLOOR) >= 0.0:
        return _MAX_MODEL_FLOOR
    return float(brentq(slope, 0.0, _MAX_MODEL_FLOOR, xtol=1e-4))


class Jury(Aggregator):
    r"""Hierarchical Dawid-Skene with a learned-weight model prior (labeljury's own method).

    Parameters
    ----------
    strength : float or "auto", default "auto"
        Dirichlet strength :math:`s` (in pseudo-labels per true class) pulling
        each annotator's confusion rows toward their prior mean; the starting
        value when ``learn_strength``. ``np.inf`` pins every row to its mean:
        each annotator is one-coin (own accuracy) with the crowd's pattern of
        wrong classes, fitted by an exact code path (an M-step of bincounts, no
        ``K x K`` parameters per annotator) whose leave-one-out scores remove each
        label from its annotator's accuracy. ``"auto"``: ``inf`` with
        ``pred_probs`` (the model carries the class structure) and 4 without
        (:math:`10^4` with a model when ``s`` is learned). With a model, free
        confusions absorbed part of what the model should explain (zencrowd_in:
        6.5 points below CROWDLAB instead of 1.3 above) and one-coin rows
        measured better on average (``benchmarks/jury_ablations.py``).
    accuracy_strength : float, default 2.0
        Pseudo-labels :math:`m` pulling each annotator's accuracy toward the
        pooled accuracy; the starting value when ``learn_strength``.
    learn_strength : bool or {"s", "m"}, default "m"
        Learn :math:`m` (``"m"``), :math:`s` (``"s"``) or both (True) by type-II
        maximum likelihood (empirical Bayes: the beta-binomial and
        Dirichlet-multinomial marginal likelihoods of the expected counts). A
        large learned :math:`s` means the crowd looks one-coin; a small one,
        class-dependent. Learning :math:`s` too gained 1.7-3.8 points on the
        hardest synthetic scenarios with free confusions, but with the default
        strengths it gives 35 against 20 data set x level rows more than 0.3
        points below the best of majority vote, Dawid-Skene and GLAD
        (``benchmarks/jury_ablations.py``).
    model_bias : bool, default True
        Recalibrate the model against the crowd by vector scaling: the prior is
        :math:`w \log p_{ic} + b_c` with class offsets :math:`b` learned with
        :math:`w` (from items with two or more labels), instead of
        :math:`w \log p_{ic} + (1 - w) \log \rho_c`. It removes a class bias the
        model learned from tie-broken majority-vote labels (sentiment_polarity at
        two labels per item: accuracy 0.817 -> 0.868). The marginal likelihood
        cannot always tell a model's bias from the crowd's: with free confusions
        (``strength=4``) on zencrowd_in, where the crowd over-reports class 1
        and the model has the base rate right, the offsets followed the crowd
        and cost 6-12 points; with the default one-coin rows they gain there
        too (``benchmarks/jury_ablations.py``, docs/jury.md). Used only with
        ``pred_probs``.
    class_prior_strength : float, default 2.0
        Anchor of the class prior :math:`\rho` on the label frequencies, in
        units of the number of items with two or more labels. With sparse labels
        and biased annotators, MAP-EM otherwise explains the labels with a
        degenerate prior (bluebirds at two labels per item: accuracy 0.556
        without the anchor, 0.642 with it, 3 seeds).
    temper : bool or "likelihood", default True
        Scale the annotators' log-likelihood and the log prior in the *scores*
        by temperatures :math:`\tau` and :math:`\tau_0` fitted so that each
        annotation is best predicted from the other labels of its item;
        :math:`\tau < 1` corrects the over-confidence that correlated errors
        (hard items) cause, :math:`\tau_0 < 1` a prior that agrees with the
        crowd for shared reasons (a model trained on its labels). Labels are
        unaffected. ``"likelihood"``: :math:`\tau` only (the first release;
        ECE 0.052 against 0.049 with both, ``benchmarks/jury_ablations.py``).
    max_temperature : float, default 1.0
        Upper bound of :math:`\tau` (:math:`\tau_0` is always at most 1: a prior
        is tempered, never sharpened). At two labels per item correlated errors
        raise agreement and look like accuracy, and an unbounded :math:`\tau`
        reached 1.2-1.8 on real data sets; see docs/jury.md for the ablation.
    calibrate_on_gold : bool, default True
        When the annotations carry gold classes (``Annotations.gold``) for at
        least 20 items (and some item has two labels), fit the two score
        temperatures to predict those classes as well as the held-out labels,
        which weigh as 100 gold items together (needs ``temper`` and
        ``use_gold``; same bounds). Labels cannot show a mistake the whole crowd
        shares on an item, and on real data sets the label-fitted scores stay
        over-confident. Mean ECE of the non-gold items on the benchmark's data
        sets with a model, without / with 5% / 10% of items gold (the annotator
        model chosen on them too, see ``spam``): real 0.074 / 0.041 / 0.040,
        synthetic 0.027 / 0.029 / 0.024 (``benchmarks/jury_calibration.py``).
        Gold items themselves are pinned to their class (``use_gold``).
    learn_model_weight : bool, default True
        Learn :math:`w` by marginal likelihood; else keep ``model_weight``.
    learn_model_floor : bool, default True
        With ``pred_probs`` and ``learn_model_weight``, mix the recalibrated model
        with the uniform prior, :math:`(1 - \beta)\,\mathrm{softmax}(w \log p_i + b)
        + \beta / K`, with :math:`\beta \in [0, 0.5]` learned with :math:`w` and
        :math:`b` by the same marginal likelihood. :math:`w` tempers all of a
        model's probabilities at once; the floor keeps a model whose *low*
        probabilities are noise (a confident top class, the rest spread at random)
        from vetoing labels with them. It stays at 0 for a model calibrated in
        every class (tested) and at most 0.02 on average on the benchmark's real
        data sets, whose accuracy it leaves as it was; on its simulated models
        (weak and over-confident ones included) it is 0.06-0.22 at full density
        and gains accuracy and calibration
        (``benchmarks/jury_ablations.py``, docs/jury.md).
    spam : bool or "auto", default "auto"
        Annotator model. True: *spam rows* (``_jury_spam.SpamRows``): each label
        is known (:math:`\theta_a`), a crowd-typical mistake (:math:`\mu_a`, the
        crowd's pattern of wrong classes) or spam (:math:`\sigma_a`, drawn from
        the annotator's own strategy :math:`\xi_a` whatever the truth), the shares
        shrunk toward the crowd's with ``accuracy_strength`` pseudo-labels (not
        learned) and the strategy with ``spam_strength``; ``strength`` is then
        unused. They describe annotators who click a favourite answer when they
        do not know, whose other answers are then telling: on rte (Mechanical
        Turk) at two and three labels per item they gain 2.6 and 3.4 points,
        but on zencrowd at five or more labels per item they lose 2-9
        (``benchmarks/jury_spam.py``), and the labels alone cannot tell which
        case they are in. False: the rows ``strength`` picks.
        "auto": False, unless there are ``pred_probs`` and the annotations carry
        20 or more gold items; then the rows whose posterior predicts held-out
        gold items better (two folds, see docs/jury.md). With 5% / 10% of items
        gold, mean accuracy on the other items of the benchmark's real data sets
        with a model rose from 80.51 / 80.54 to 80.81 / 81.01 and ECE fell from
        0.043 to 0.041 / 0.040; on the synthetic ones accuracy moved by less than
        0.05 points. Without a model (the usual rows are then free confusion
        matrices) the same choice measured 77.78 / 77.89 -> 77.74 / 77.79
        (``jury_spam.py --all --choose-without-model``), so it is not made.
    spam_strength : float, default 0.5
        Pseudo-labels :math:`g` pulling each annotator's spam strategy toward the
        crowd's (spam rows only). Small: a spammer's favourite answer is their own.
    model_weight : float, default 1.0
        Initial (or fixed) weight :math:`w` of the model prior.
    max_model_weight : float, default 1.0
        Upper bound of the search for :math:`w`. Values above 1 let EM sharpen a
        model beyond its own calibrated probabilities; that helped on synthetic
        data with a strong model but, where items carry a single label, the
        marginal likelihood cannot tell annotator error from model error and
        pushed ``w`` to 2-3, letting the model overrule every lone label (rte at
        one label per item: 0.68 accuracy at bound 4, 0.725 at bound 1).
    max_iter : int, default 100
    tol : float, default 1e-4
        Relative change of the MAP objective at which EM stops. The labels settle
        long before the objective does: with 1e-6 (and the concentrations frozen
        at 5% instead of 20%) Jury took 11.1 iterations on average instead of 5.9
        for the same accuracy (0.8475 against 0.8474) and ECE on the benchmark's
        data sets with a model (``benchmarks/jury_speed.py``).
    honest_scores : bool, default True
        Leave-one-out posterior for the quality scores (see module docstring).
    use_gold : bool, default True
        Pin items with known gold labels (``Annotations.gold``).
    cross_fit : bool, default False
        Use leave-one-out likelihoods in every E-step too, not only for the
        model weight and the final scores (slower; measured no more accurate).

    Attributes
    ----------
    labels_ : ndarray, shape (n_items,)
        Argmax of ``probas_`` (ties: pred_probs, class frequency, lowest index).
    probas_ : ndarray, shape (n_items, n_classes)
        Posterior of the true class.
    confusion_matrices_ : ndarray, shape (n_annotators, n_classes, n_classes)
        ``[a, c, l]`` = P(annotator ``a`` says ``l`` | true class ``c``).
    annotator_skill_ : ndarray, shape (n_annotators,)
        The annotator's expected accuracy on a random item,
        :math:`\sum_c \rho_c \pi^{(a)}_{cc}`, under the fitted model.
    model_weight_ : float
        The learned weight :math:`w` of the model prior (0 when no pred_probs).
    model_offset_ : ndarray of shape (n_classes,) or None
        The learned class offsets :math:`b` (``b[0] = 0``); None when not used.
    model_floor_ : float
        The learned model floor :math:`\beta` (0 when not learned or no pred_probs).
    spam_ : bool
        Whether spam rows were fitted (see ``spam``).
    spam_shares_ : ndarray of shape (n_annotators, 3) or None
        With spam rows, each annotator's shares of labels given knowingly, as a
        crowd-typical mistake and as spam :math:`(\theta_a, \mu_a, \sigma_a)`
        (``annotator_stats`` reports the last as ``spam_share``); else None.
    spam_strategies_ : ndarray of shape (n_annotators, n_classes) or None
        With spam rows, each annotator's spam strategy :math:`\xi_a`
        (``annotator_stats`` reports its most likely class as ``spam_answer``).
    family_gold_loglik_ : dict or None
        With ``spam="auto"`` and enough gold items, the held-out gold
        log-probability of the usual rows (``"default"``) and of spam rows
        (``"spam"``); None when no choice was made.
    strength_, accuracy_strength_ : float
        The concentrations :math:`s` (``inf``: one-coin rows) and :math:`m` used
        (learned or given).
    priors_ : ndarray, shape (n_classes,)
        The class prior :math:`\rho`.
    temperature_ : float
        The likelihood temperature :math:`\tau` of the scores (1 without ``temper``).
    prior_temperature_ : float
        The prior temperature :math:`\tau_0` of the scores (1 unless ``temper=True``).
    gold_calibration_items_ : int
        Number of gold items the score temperatures were fitted on (0: fitted on
        the held-out labels).
    heldout_loglik_ : float
        Mean log-probability of each annotation predicted from the other labels of
        its item (and the model prior), at :math:`\tau = 1`: a label-only
        goodness of fit for comparing settings (NaN if no item has two labels).
    consensus_quality_ : ndarray, shape (n_items,)
        Honest posterior probability that the consensus is right.
    label_quality_scores_ : ndarray, shape (n_annotations,)
        Honest posterior probability that each annotation's label is right.

    Examples
    --------
    >>> import numpy as np
    >>> from labeljury import Annotations
    >>> from labeljury.methods import get_method
    >>> ann = Annotations.from_arrays([0, 0, 0, 1, 1, 1], list("abcabc"), [1, 1, 0, 0, 0, 1])
    >>> jury = get_method("jury").fit(ann, np.array([[0.2, 0.8], [0.7, 0.3]]))
    >>> jury.labels_.tolist()
    [1, 0]
    """

    uses_pred_probs = True
    summary = ("labeljury's own: hierarchical Dawid-Skene (shrunk confusions) with a "
               "learned-weight model prior")

    def __init__(self, strength: float | str = "auto", accuracy_strength: float = 2.0,
                 learn_model_weight: bool = True, model_weight: float = 1.0,
                 max_model_weight: float = 1.0, max_iter: int = 100, tol: float = 1e-4,
                 honest_scores: bool = True, use_gold: bool = True,
                 cross_fit: bool = False, class_prior_strength: float = 2.0,
                 temper: bool = True, learn_strength: bool | str = "m",
                 model_bias: bool = True, max_temperature: float = 1.0,
                 calibrate_on_gold: bool = True, learn_model_floor: bool = True,
                 spam: bool | str = "auto", spam_strength: float = 0.5) -> None:
        self.strength = strength
        self.accuracy_strength = accuracy_strength
        self.learn_model_weight = learn_model_weight
        self.model_weight = model_weight
        self.max_model_weight = max_model_weight
        self.max_iter = max_iter
        self.tol = tol
        self.honest_scores = honest_scores
        self.use_gold = use_gold
        self.cross_fit = cross_fit
        self.class_prior_strength = class_prior_strength
        self.temper = temper
        self.learn_strength = learn_strength
        self.model_bias = model_bias
        self.max_temperature = max_temperature
        self.calibrate_on_gold = calibrate_on_gold
        self.learn_model_floor = learn_model_floor
        self.spam = spam
        self.spam_strength = spam_strength

    def _check_params(self, has_model: bool) -> float:
        """The strength ``s`` to start from; clear errors for settings that make no sense."""
        if self.learn_strength not in (True, False, "s", "m"):
            raise InputError(f"Jury: learn_strength must be True, False, 's' or 'm', got "
                             f"{self.learn_strength!r}")
        if self.strength != "auto" and not (_positive(self.strength) or
                                            self.strength == np.inf):
            raise InputError(f"Jury: strength must be 'auto', a positive number or inf, got "
                             f"{self.strength!r}")
        if self.strength == np.inf and self.learn_strength in (True, "s"):
            raise InputError("Jury: strength=inf (one-coin rows) cannot be learned; give a "
                             "finite starting strength or learn_strength='m'")
        if self.temper not in (True, False, "likelihood"):
            raise InputError(f"Jury: temper must be True, False or 'likelihood', got "
                             f"{self.temper!r}")
        if not (_positive(self.max_temperature) and self.max_temperature >= 0.02):
            raise InputError(f"Jury: max_temperature must be a number >= 0.02, got "
                             f"{self.max_temperature!r}")
        for name in ("learn_model_weight", "learn_model_floor", "model_bias",
                     "calibrate_on_gold", "use_gold", "honest_scores", "cross_fit"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise InputError(f"Jury: {name} must be True or False, got "
                                 f"{getattr(self, name)!r}")
        if not (self.spam == "auto" or isinstance(self.spam, bool | np.bool_)):
            raise InputError(f"Jury: spam must be True, False or 'auto', got {self.spam!r}")
        if not _positive(self.spam_strength):
            raise InputError(f"Jury: spam_strength must be a positive number, got "
                             f"{self.spam_strength!r}")
        if not _positive(self.accuracy_strength):
            raise InputError(f"Jury: accuracy_strength must be a positive number, got "
                             f"{self.accuracy_strength!r}")
        if self.strength == "auto":
            if not has_model:
                return 4.0
            # learning s needs a finite start; otherwise the exact one-coin limit
            return _ONE_COIN_STRENGTH if self.learn_strength in (True, "s") else np.inf
        return float(self.strength)

    # ----------------------------------------------------------------- M-step
    def _prior_mean(self, counts: np.ndarray, m: float | None = None) -> np.ndarray:
        """Per-annotator Dirichlet means: own (shrunk) accuracy, pooled confusion pattern."""
        pooled = counts.sum(axis=0)
        m = self._strengths[1] if m is None else m
        acc = shrunk_accuracy(np.einsum("acc->a", counts), counts.sum(axis=(1, 2)), m,
                              pooled_accuracy(pooled))
        return one_coin_confusions(acc, wrong_class_pattern(pooled))

    def _pseudo_counts(self, counts: np.ndarray) -> np.ndarray:
        """Dirichlet pseudo-counts ``s * mu`` added to the expected counts (MAP rows)."""
        return self._strengths[0] * self._prior_mean(counts)

    @staticmethod
    def _learn_m(right: np.ndarray, total: np.ndarray, a0: float,
                 start: float | None = None) -> float | None:
        r"""Type-II maximum likelihood of ``m`` (empirical Bayes).

        The beta-binomial marginal likelihood of each annotator's expected right /
        wrong counts around the pooled accuracy ``a0``, maximised over
        :math:`u = \log m \in [\log 0.25, \log 10^4]` by Newton steps on its
        derivative (sums of digammas), from ``start`` (EM's last ``m``),
        kept inside a bracket of the derivative's sign change and bisected when
        they leave it. None when no annotator has informative labels.

        It replaces a bounded Brent search on the likelihood itself (scipy's
        ``minimize_scalar``: 7-8 likelihood evaluations each EM iteration, where
        EM's last ``m`` needs 3-4 derivatives). tests/test_jury.py checks it
        against a fine grid.
        """
        from scipy.special import digamma

        seen = total > 1e-9
        if not seen.any():
            return None
        right, wrong = right[seen], np.maximum(total[seen] - right[seen], 0.0)
        tot = right + wrong
        n = right.size
        a0 = float(np.clip(a0, 1e-3, 1 - 1e-3))
        b0 = 1.0 - a0
        coef = np.array([a0, b0, -1.0])
        lo, hi = np.log(0.25), np.log(1e4)

        def grad(u: float) -> float:
            # d/du of sum_a betaln(r + m a0, w + m b0) - betaln(m a0, m b0), m = e^u
            m = float(np.exp(u))
            inner = digamma(np.stack([right + m * a0, wrong + m * b0, tot + m])).sum(axis=1)
            return m * float(coef @ (inner - n * digamma(np.array([m * a0, m * b0, m]))))

        u = float(np.clip(np.log(start) if start else np.log(2.0), lo, hi))
        below, above = lo, hi  # the maximum lies in [below, above]
        for _ in range(60):
            g = grad(u)
            if g > 0:
                below = u
            else:
                above = u
            if (g > 0 and u >= hi) or (g <= 0 and u <= lo):
                break
            # the second derivative by a forward difference: scipy's trigamma costs
            # 20 digammas (a secant through the last point, tried, ended at another
            # stationary point on a random case)
            h = (grad(u + 1e-4) - g) / 1e-4
            new = u - g / h if h < 0 else u + np.sign(g)
            if not below < new < above:
                new = (below + above) / 2
            done = abs(new - u) < 0.05
            u = new
            if done:
                break
        return float(np.exp(u))

    def _update_strengths(self, counts: np.ndarray) -> None:
        """Type-II maximum likelihood of the two concentrations (empirical Bayes).

        ``m``: see :meth:`_learn_m`. ``s``: Dirichlet-multinomial marginal
        likelihood of each confusion row's expected counts around its prior mean,
        a bounded 1-D search on a log scale.
        """
        from scipy.optimize import minimize_scalar
        from scipy.special import gammaln

        s, m = self._strengths
        if self.learn_strength != "s":
            learned = self._learn_m(np.einsum("acc->a", counts), counts.sum(axis=(1, 2)),
                                    pooled_accuracy(counts.sum(axis=0)), m)
            if learned is None:
                return
            m = learned
        if self.learn_strength == "m":
            self._strengths = (s, m)
            return
        mu = self._prior_mean(counts, m)
        rows = counts.sum(axis=2) > 1e-9
        if not rows.any():
            return
        n, mu = counts[rows], mu[rows]
        n_tot = n.sum(axis=1)

        def neg_s(log_s: float) -> float:
            s = np.exp(log_s)
            return -float(np.sum(gammaln(s) - gammaln(s + n_tot))
                          + np.sum(gammaln(s * mu + n) - gammaln(s * mu)))

        s = float(np.exp(minimize_scalar(neg_s, bounds=(np.log(0.25), np.log(1e4)),
                                         method="bounded", options={"xatol": 0.1}).x))
        self._strengths = (s, m)

    @staticmethod
    def _informative(ann: Annotations) -> np.ndarray:
        """Which items inform the confusion estimates (weight 1) and which do not (0).

        An item labeled once says nothing about its labeler's errors: without a
        model its label is its own majority, and letting it into the M-step lets
        the class prior pull such labels toward frequent classes (EM drifts away
        from the only sensible answer, the label itself). With a model, a lone
        label that disagrees with the model cannot tell a bad annotator from a
        bad model; letting such items estimate the annotators makes the crowd
        look worse the more the posterior follows the model, and the model weight
        runs away (measured: rte at one label per item fell to 0.50 accuracy
        against 0.73 for the labels themselves). So annotator confusions and the
        class prior are learned from items with at least two labels; lone labels
        still inform the posterior and the model weight.
        """
        return (ann.annotations_per_item() >= 2).astype(float)

    # ---------------------------------------------------------- model weight
    @staticmethod
    def _prior_logits(log_p: np.ndarray, log_rho: np.ndarray, w: float,
                      offset: np.ndarray | None) -> np.ndarray:
        """``w log p + b`` (or ``+ (1 - w) log rho`` without offsets), ``(n, K)``."""
        return w * log_p + ((1.0 - w) * log_rho if offset is None else offset)

    def _log_prior(self, log_p: np.ndarray | None, log_rho: np.ndarray, w: float,
                   offset: np.ndarray | None = None, floor: float = 0.0) -> np.ndarray:
        if log_p is None:
            return np.broadcast_to(log_rho, (1, log_rho.size))
        lp = self._prior_logits(log_p, log_rho, w, offset)
        if floor <= 0.0:
            return lp - _lse(lp)[:, None]
        return np.log(_floored_prior(lp, floor)).T

    def _update_weight_and_bias(self, w: float, b: np.ndarray, log_p: np.ndarray,
                                loglik: np.ndarray, floor: float = 0.0
                                ) -> tuple[float, np.ndarray, float]:
        """Joint safeguarded Newton steps on ``w`` and the class offsets ``b``.

        The prior is :math:`w \\log p_{ic} + b_c` (``b_0 = 0`` fixes the gauge): the
        model is recalibrated against the crowd by vector scaling. The gradient
        and Hessian of the marginal log-likelihood are differences of posterior
        and prior moments of the features :math:`(\\log p_{ic}, e_c)`. Then the
        model floor at the new ``(w, b)`` (unchanged unless ``learn_model_floor``).
        """
        k = log_p.shape[1]
        lp = np.ascontiguousarray(log_p.T)
        lik = np.ascontiguousarray(loglik.T)
        log_mean, log_flat = self._floor_terms(lik, floor)

        def logits(theta: np.ndarray) -> np.ndarray:
            a = theta[0] * lp
            a[1:] += theta[1:, None]
            return a

        def evaluate(theta: np.ndarray) -> tuple[Any, ...]:
            return _marginal(logits(theta), lik, floor, log_flat)

        def moments(q: np.ndarray, r: np.ndarray | None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            # sums over items of r_i times the mean and covariance of the features
            q_lp = q * lp
            e_lp = q_lp.sum(axis=0)
            qr, qr_lp, re_lp = (q, q_lp, e_lp) if r is None else (q * r, q_lp * r, e_lp * r)
            per_class = qr_lp.sum(axis=1)
            mass = qr[1:].sum(axis=1)
            g = np.empty(k)
            g[0] = per_class.sum()
            g[1:] = mass
            h = np.empty((k, k))
            h[0, 0] = float(np.vdot(qr_lp, lp) - re_lp @ e_lp)
            h[0, 1:] = h[1:, 0] = per_class[1:] - qr[1:] @ e_lp
            h[1:, 1:] = np.diag(mass) - qr[1:] @ q[1:].T
            return g, h, e_lp

        def propose(pr: np.ndarray, po: np.ndarray, r: np.ndarray | None) -> np.ndarray:
            g_po, h_po, e_po = moments(po, r)
            g_pr, h_pr, e_pr = moments(pr, r)
            hess = h_po - h_pr
            if r is not None:
                # the responsibilities move with the parameters too
                per_item = np.concatenate([(e_po - e_pr)[None, :], po[1:] - pr[1:]])
                hess += (per_item * (r * (1.0 - r))) @ per_item.T
            return _saddle_free_step(g_po - g_pr, hess)

        theta = _safeguarded_ascent(np.concatenate([[w], b[1:] - b[0]]), evaluate, propose,
                                    self._clip_weight, steps=_WEIGHT_STEPS,
                                    max_halvings=_MAX_HALVINGS)
        return (float(theta[0]), np.concatenate([[0.0], theta[1:]]),
                self._refit_floor(logits(theta), lik, log_mean, floor))

    def _update_weight(self, w: float, log_p: np.ndarray, log_rho: np.ndarray,
                       loglik: np.ndarray, floor: float = 0.0) -> tuple[float, float]:
        """Newton steps on the marginal log-likelihood of the annotations in ``w``.

        With :math:`d_{ic} = \\log p_{ic} - \\log \\rho_c`, the derivative is
        :math:`\\sum_i E_{post}[d_i] - E_{prior}[d_i]` and the second derivative
        :math:`\\sum_i Var_{post}[d_i] - Var_{prior}[d_i]`; a few steps per EM
        iteration suffice because EM revisits ``w`` every iteration. Then the
        model floor at the new ``w``, as in :meth:`_update_weight_and_bias`.
        """
        # class-major (K, n) arrays: every reduction below is over classes, and
        # numpy reduces the rows of a (K, n) array far faster than the columns of (n, K)
        d = np.ascontiguousarray((log_p - log_rho).T)
        lik = np.ascontiguousarray(loglik.T)
        log_rho_col = log_rho[:, None]
        log_mean, log_flat = self._floor_terms(lik, floor)

        def evaluate(theta: np.ndarray) -> tuple[Any, ...]:
            return _marginal(log_rho_col + theta[0] * d, lik, floor, log_flat)

        def propose(pr: np.ndarray, po: np.ndarray, r: np.ndarray | None) -> np.ndarray:
            e_pr, e_po = (pr * d).sum(axis=0), (po * d).sum(axis=0)
            per_item = (po * d * d).sum(axis=0) - e_po**2 - (pr * d * d).sum(axis=0) + e_pr**2
            if r is None:
                grad, hess = float(np.sum(e_po - e_pr)), float(np.sum(per_item))
            else:
                # see _marginal: r_i g_i and r_i h_i + r_i (1 - r_i) g_i^2
                g_i = e_po - e_pr
                grad = float(r @ g_i)
                hess = float(r @ per_item + (r * (1.0 - r)) @ (g_i * g_i))
            return np.array([-grad / hess if hess < -1e-9 else np.sign(grad) * 0.1])

        w = float(_safeguarded_ascent(np.array([w]), evaluate, propose, self._clip_weight,
                                      steps=_WEIGHT_STEPS, max_halvings=_MAX_HALVINGS)[0])
        return w, self._refit_floor(log_rho_col + w * d, lik, log_mean, floor)

    def _floor_terms(self, lik: np.ndarray, floor: float
                     ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """What a weight search needs of the floor, fixed while it runs (class-major ``lik``).

        ``log mean_c exp(lik)`` per item (None unless ``learn_model_floor``) and
        ``log(floor)`` plus it (None without a floor; see :func:`_marginal`).
        """
        if not self.learn_model_floor:
            return None, None
        log_mean = _log_mean_exp(lik)
        return log_mean, (np.log(floor) + log_mean if floor > 0.0 else None)

    @staticmethod
    def _refit_floor(prior_logits: np.ndarray, lik: np.ndarray, log_mean: np.ndarray | None,
                     floor: float) -> float:
        """The floor at the searched prior logits (``floor`` itself when it is not learned)."""
        if log_mean is None:
            return floor
        return _fit_floor(_item_marginals(prior_logits, lik)[2], log_mean)

    def _clip_weight(self, theta: np.ndarray) -> np.ndarray:
        """Keep the model weight ``theta[0]`` in [0, max_model_weight]."""
        theta[0] = min(max(float(theta[0]), 0.0), self.max_model_weight)
        return theta

    # ------------------------------------------------------- annotator model
    def _choose_spam(self, ann: Annotations, pred_probs: np.ndarray | None) -> bool:
        """Whether to fit spam rows: ``spam``, or with "auto" what the gold items prefer.

        With ``spam="auto"``, ``pred_probs``, ``use_gold`` and at least
        ``_MIN_GOLD_ITEMS`` gold items, the gold items are split in two halves;
        Jury is fitted with each half pinned (no honest pass), once with its
        usual rows and once with spam rows, and the other half judges each fit
        by the total log-probability its posterior gives their gold classes
        (``family_gold_loglik_``, summed over both halves). The rows that score
        higher are kept. The labels alone cannot choose: on every one of the
        benchmark's 47 data set x level rows with two or more labels per item the
        held-out labels are better predicted with spam rows, which lose accuracy
        on 19 of them (``benchmarks/jury_spam.py``).
        """
        self.family_gold_loglik_: dict[str, float] | None = None
        if self.spam != "auto":
            return bool(self.spam)
        gold = ann.gold
        # without a model the usual rows are free confusion matrices (s = 4), which can
        # describe a spammer's lopsided errors already: there the choice gained nothing
        if not self.use_gold or gold is None or (pred_probs is None and
                                                 not _CHOOSE_WITHOUT_MODEL):
            return False
        known = np.flatnonzero(gold >= 0)
        if known.size < _MIN_GOLD_ITEMS:
            return False
        # two folds of the gold items: each half pinned while the other half judges, as
        # the final fit pins all of them
        fold = np.random.default_rng(0).permutation(known.size) % 2
        scores = {"default": 0.0, "spam": 0.0}
        for half in (0, 1):
            pinned, judged = known[fold == half], known[fold != half]
            gold_half = np.full(ann.n_items, -1, dtype=np.int64)
            gold_half[pinned] = gold[pinned]
            part = Annotations(ann.item, ann.annotator, ann.label, ann.items, ann.annotators,
                               ann.classes, gold_half, ann.meta, validate=False)
            for spam in (False, True):
                trial = type(self)(**{**self.get_params(), "spam": spam,
                                      "honest_scores": False})
                with warnings.catch_warnings():
                    # a trial that did not settle is still a fair comparison; the
                    # final fit warns if it does not converge
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    trial.fit(part, pred_probs)
                scores["spam" if spam else "default"] += float(np.sum(np.log(np.clip(
                    trial.probas_[judged, gold[judged]], 1e-6, 1.0))))
        self.family_gold_loglik_ = scores
        return scores["spam"] > scores["default"]

    # ------------------------------------------------------------------- fit
    def _fit(self, ann: Annotations, pred_probs: np.ndarray | None) -> None:
        x = ann.one_hot()
        log_p = None if pred_probs is None else np.log(np.clip(pred_probs, _EPS, 1.0))
        votes = ann.vote_counts()
        # start from the votes plus the model as one extra vote
        init = votes + (pred_probs if pred_probs is not None else 0.0)
        post = init / init.sum(axis=1, keepdims=True)
        w = float(self.model_weight) if pred_probs is not None else 0.0
        informative = self._informative(ann)
        strength = self._check_params(pred_probs is not None)
        self._strengths = (strength, float(self.accuracy_strength))
        # anchor of the class prior: the label frequencies on informative items. A
        # Dirichlet prior worth class_prior_strength times those items: with sparse
        # labels and biased annotators, a skewed prior plus "everyone is biased"
        # explains the labels as well as the truth does, and plain EM drifts there
        label_freq = informative @ votes
        label_freq = label_freq / max(label_freq.sum(), 1e-12)
        rho_pseudo = 1.0 + self.class_prior_strength * informative.sum() * label_freq
        weight_settled = strengths_settled = False
        # the class offsets are learned from items with two or more labels only: with
        # lone labels alone, a class offset and annotator bias explain the labels
        # equally well (rte at one label per item: the offset pushed 88% of items to
        # one class and accuracy fell from 0.74 to 0.57)
        use_bias = self.model_bias and log_p is not None and informative.any()
        # the items the model weight (and offsets) are fitted on: a random sample of at
        # most _WEIGHT_ITEMS of them, whose leave-one-out likelihoods alone are computed
        fit_items = np.flatnonzero(informative) if use_bias else np.arange(ann.n_items)
        subset = None
        if fit_items.size > _WEIGHT_ITEMS:
            fit_items = np.sort(np.random.default_rng(0).choice(fit_items, _WEIGHT_ITEMS,
                                                                replace=False))
            subset = ItemSubset(ann, fit_items)
        offset: np.ndarray | None = None
        floor = 0.0
        state: dict[str, Any] = {}

        one_coin = strength == np.inf
        self.spam_ = self._choose_spam(ann, pred_probs)
        last: dict[str, SpamRows] = {}
        labels_per_annotator = np.bincount(ann.annotator, weights=informative[ann.item],
                                           minlength=ann.n_annotators)

        def rows_model(share: np.ndarray, learn: bool = True) -> Rows:
            """The annotator model at the current posterior (M-step of the confusions)."""
            nonlocal strengths_settled
            if self.spam_:
                # m stays as given: learned, it went to its bound (everyone the crowd's
                # shares) on rte and the spam rows lost what they gain there
                last["rows"] = SpamRows(ann, share, informative, self._strengths[1],
                                        float(self.spam_strength), last.get("rows"))
                return last["rows"]
            learn = learn and bool(self.learn_strength) and not strengths_settled
            before = self._strengths
            if one_coin:
                stats = OneCoinRows.statistics(ann, share, informative, labels_per_annotator)
                if learn:
                    _, right, total, pooled = stats
                    m = self._learn_m(right, total, pooled_accuracy(pooled),
                                      self._strengths[1])
                    if m is not None:
                        self._strengths = (strength, m)
            else:
                counts = confusion_counts(x, share)
                if learn:
                    self._update_strengths(counts)
            if learn:
                # like w, the concentrations are left alone once they stop moving:
                # their 1-D searches are the costliest part of an iteration with
                # many annotators
                strengths_settled = all(new == old or abs(np.log(new / old)) < _SETTLED
                                        for new, old in zip(self._strengths, before, strict=True))
            if one_coin:
                return OneCoinRows(ann, share, informative, self._strengths[1], stats)
            return DirichletRows(ann, share, counts, self._pseudo_counts(counts))

        def step() -> float:
            nonlocal post, w, weight_settled, offset, floor
            share = post * informative[:, None]
            rows = rows_model(share)
            # class prior from the informative items only, for the same reason
            rho = informative @ post + rho_pseudo
            rho = rho / rho.sum()
            log_rho = np.log(rho)
            loglik = rows.loo_loglik() if self.cross_fit else rows.loglik()
            if log_p is not None and self.learn_model_weight and not weight_settled:
                # judge the model against annotations scored without their own influence;
                # once w stops moving it is left alone for the remaining iterations (the
                # leave-one-out pass is the costliest part of an iteration)
                if self.cross_fit:
                    loo = loglik[fit_items]
                elif subset is not None:
                    loo = rows.loo_loglik(subset)
                else:
                    loo = rows.loo_loglik()[fit_items]
                if use_bias:
                    b = (1.0 - w) * log_rho if offset is None else offset
                    w_new, b_new, floor_new = self._update_weight_and_bias(
                        w, b, log_p[fit_items], loo, floor)
                    weight_settled = abs(w_new - w) < 1e-2 and \
                        float(np.max(np.abs((b_new - b_new[0]) - (b - b[0])))) < 1e-2
                    offset = b_new
                else:
                    w_new, floor_new = self._update_weight(w, log_p[fit_items], log_rho, loo,
                                                           floor)
                    weight_settled = abs(w_new - w) < 1e-2
                weight_settled = weight_settled and abs(floor_new - floor) < 1e-2
                w, floor = w_new, floor_new
            if floor > 0.0:
                post, evidence = _floored_posterior(
                    self._prior_logits(log_p, log_rho, w, offset), floor, loglik,
                    ann if self.use_gold else None)
            else:
                log_post = self._log_prior(log_p, log_rho, w, offset) + loglik
                if self.use_gold:
                    clamp_gold(ann, log_post)
                post, evidence = log_normalize(log_post)
            # MAP objective: evidence + log prior density of the annotator parameters
            objective = evidence + _log_density(rows)
            state.update(rows=rows, rho=rho, log_rho=log_rho, offset=offset, floor=floor)
            return objective

        self.n_iter_, self.loss_history_ = em_loop(step, max_iter=self.max_iter, tol=self.tol,
                                                   name="Jury")
        rho = state["rho"]
        # the annotator model at the final posterior (the scores judge with it)
        rows = rows_model(post * informative[:, None], learn=False)
        conf = rows.confusions
        self.probas_ = post
        self.confusion_matrices_ = conf
        self.priors_ = rho
        self.model_weight_ = w
        self.strength_, self.accuracy_strength_ = self._strengths
        self.annotator_skill_ = np.einsum("c,acc->a", rho, conf)
        spam_rows = isinstance(rows, SpamRows)
        self.spam_shares_ = rows.shares if spam_rows else None
        self.spam_strategies_ = rows.strategy if spam_rows else None
        tiebreak = [pred_probs] if pred_probs is not None else []
        self.labels_ = argmax_ties(post, *tiebreak, votes.sum(axis=0))
        self.model_offset_ = state["offset"]
        # set by the honest pass
        self.temperature_, self.prior_temperature_, self.heldout_loglik_ = 1.0, 1.0, float("nan")
        self.gold_calibration_items_ = 0
        self.model_floor_ = state["floor"]
        honest = self._honest_posterior(ann, rows, log_p, state["log_rho"], w,
                                        state["offset"], state["floor"]) \
            if self.honest_scores else post
        self.honest_probas_ = honest
        self.consensus_quality_ = honest[np.arange(ann.n_items), self.labels_]
        self.label_quality_scores_ = honest[ann.item, ann.label]

    def _honest_posterior(self, ann: Annotations, rows: Rows,
                          log_p: np.ndarray | None, log_rho: np.ndarray, w: float,
                          offset: np.ndarray | None = None, floor: float = 0.0) -> np.ndarray:
        """Posterior with each annotation judged by annotator parameters fitted without it."""
        loglik = rows.loo_loglik()
        lp = self._log_prior(log_p, log_rho, w, offset, floor)
        lp = np.broadcast_to(lp, loglik.shape)
        use_gold = bool(self.temper and self.use_gold and self.calibrate_on_gold)
        (self.temperature_, self.prior_temperature_), self.heldout_loglik_, \
            self.gold_calibration_items_ = \
            _fit_temperature(ann, lp, loglik, rows, fit=bool(self.temper),
                             tempered_prior=self.temper is True,
                             max_tau=float(self.max_temperature), gold=use_gold)
        log_post = self.prior_temperature_ * lp + self.temperature_ * loglik
        if self.use_gold:
            clamp_gold(ann, log_post)
        return log_normalize(log_post)[0]


def _log_density(rows: Rows) -> float:
    """Log prior density of the annotator parameters (the MAP objective's second term)."""
    if isinstance(rows, OneCoinRows | SpamRows):
        return rows.log_density()
    # the pseudo-counts are the Dirichlet's alpha - 1
    return float(np.sum(rows.pseudo * np.log(rows.confusions)))


def _fit_temperature(ann: Annotations, lp: np.ndarray, loglik: np.ndarray,
                     rows: Rows, max_annotations: int | None = None,
                     fit: bool = True, tempered_prior: bool = True, max_tau: float = 1.0,
                     gold: bool = False) -> tuple[tuple[float, float], float, int]:
    r"""Temperatures of the likelihood and the prior that best predict each label from the others.

    For annotation :math:`j` on item :math:`i` with leave-one-out log-likelihood
    terms :math:`\ell_{jc}`, item total :math:`L_{ic}` and log prior
    :math:`\lambda_{ic}`, the prediction is
    :math:`q_j = \sum_c \mathrm{softmax}_c(\tau_0 \lambda_{ic} + \tau (L_{ic} - \ell_{jc}))
    \, e^{\ell_{jc}}`; :math:`(\tau, \tau_0)` maximise :math:`\sum_j \log q_j` over
    :math:`[0.02, \text{max\_tau}] \times [0.02, 1]` on at most ``max_annotations``
    annotations of items with two or more labels. Under the model's own
    independence assumptions both are about 1; labels whose errors are
    correlated within items make the other labels over-confident predictors and
    :math:`\tau < 1`; a prior that shares
    the crowd's mistakes (a model trained on its labels) gives :math:`\tau_0 < 1`.

    With features :math:`r_{jc} = L_{ic} - \ell_{jc}` and :math:`\lambda_{ic}`, the
    gradient of :math:`\sum_j \log q_j` is :math:`\sum_j E_f - E_\pi` of the
    features and its Hessian :math:`\sum_j Cov_f - Cov_\pi`, where :math:`\pi` is
    the softmax and :math:`f \propto \pi e^{\ell_j}` the same after seeing label
    :math:`j`: safeguarded (saddle-free) Newton steps from :math:`(1, 1)`, a few
    evaluations where a bounded Brent search on :math:`\tau` alone needed more.

    With ``gold`` and at least ``_MIN_GOLD_ITEMS`` gold items (and some item
    with two labels), each gold item :math:`i` adds the term
    :math:`\log \mathrm{softmax}(\tau_0 \lambda_i + \tau L_i)_{g_i}`: the same form,
    with the item's whole likelihood and the gold class's indicator in place of
    a held-out label. The held-out label terms are weighted to count as
    ``_GOLD_PRIOR_ITEMS`` gold items together, a prior that keeps a few gold
    items from sending the temperatures anywhere in their box.

    Returns
    -------
    (tau, tau0) : tuple of float
        (1.0, 1.0) when ``fit`` is False or no item has two labels; ``tau0`` is
        1.0 unless ``tempered_prior``.
    heldout : float
        Mean :math:`\log q_j` at :math:`\tau = \tau_0 = 1` (held-out labels only).
    gold_items : int
        Number of gold items fitted on (0 without).
    """
    per_item = ann.annotations_per_item()
    idx = np.flatnonzero(per_item[ann.item] >= 2)
    known = np.flatnonzero(ann.gold >= 0) if gold and ann.gold is not None else idx[:0]
    if known.size < _MIN_GOLD_ITEMS or idx.size == 0:
        # (without held-out labels to lean on, 20 gold items sent the temperatures
        # anywhere in their box and made synth_spammers' scores at one label per item
        # worse than the default temperatures)
        known = known[:0]
    if idx.size == 0:
        return (1.0, 1.0), float("nan"), 0
    max_annotations = _TEMPER_ANNOTATIONS if max_annotations is None else max_annotations
    if idx.size > max_annotations:
        idx = np.sort(np.random.default_rng(0).choice(idx, max_annotations, replace=False))
    ell = rows.loo_terms(idx)
    i = ann.item[idx]
    # class-major (K, m) copies: the reductions below are over classes
    rest = np.ascontiguousarray((loglik[i] - ell).T)
    base = np.ascontiguousarray(lp[i].T)
    lik = np.exp(ell.T)
    start = np.array([1.0, 1.0])
    weights = None
    at_one = None
    if known.size:
        # the gold columns change the objective: the held-out figure is the labels' alone
        at_one = _temperature_search(rest, base, lik, start, fit=False)[1] / idx.size
        # gold columns: the item's whole likelihood, and the gold class as the "label";
        # the held-out labels weigh as _GOLD_PRIOR_ITEMS gold items together
        onehot = np.zeros((lp.shape[1], known.size))
        onehot[ann.gold[known], np.arange(known.size)] = 1.0
        weights = np.concatenate([np.full(idx.size, _GOLD_PRIOR_ITEMS / idx.size),
                                  np.ones(known.size)])
        rest = np.concatenate([rest, loglik[known].T], axis=1)
        base = np.concatenate([base, lp[known].T], axis=1)
        lik = np.concatenate([lik, onehot], axis=1)
    theta, at_start = _temperature_search(rest, base, lik, start, fit=fit,
                                          tempered_prior=tempered_prior, max_tau=max_tau,
                                          weights=weights)
    if at_one is None:
        at_one = at_start / idx.size
    return (float(theta[0]), float(theta[1])), at_one, int(known.size)


def _temperature_search(rest: np.ndarray, base: np.ndarray, lik: np.ndarray,
                        start: np.ndarray, fit: bool = True, tempered_prior: bool = True,
                        max_tau: float = 1.0, weights: np.ndarray | None = None
                        ) -> tuple[np.ndarray, float]:
    """Maximise ``sum_j v_j log sum_c softmax_c(tau0 base + tau rest)[c, j] lik[c, j]``.

    Over (tau, tau0) in the box; arrays class-major ``(K, m)``, ``weights`` ``v``
    (default 1). Returns the maximiser and the objective at ``start``.
    """
    v = np.ones(rest.shape[1]) if weights is None else weights
    # the products of the two features, once (weighted): every Newton step needs their
    # moments
    squares = (rest * rest * v, rest * base * v, base * base * v)

    def evaluate(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        a = theta[1] * base + theta[0] * rest
        a -= a.max(axis=0)
        prior = np.exp(a)
        prior /= prior.sum(axis=0)
        after = prior * lik
        q = after.sum(axis=0)
        after /= np.maximum(q, 1e-300)
        return float(v @ np.log(np.maximum(q, 1e-300))), prior, after

    def moments(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        e_rest, e_base = (q * rest).sum(axis=0), (q * base).sum(axis=0)
        ve_rest, ve_base = v * e_rest, v * e_base
        g = np.array([ve_rest.sum(), ve_base.sum()])
        rr, rb, bb = (float(np.vdot(q, f)) for f in squares)
        h = np.array([[rr - ve_rest @ e_rest, rb - ve_rest @ e_base],
                      [rb - ve_rest @ e_base, bb - ve_base @ e_base]])
        return g, h

    def propose(before: np.ndarray, after: np.ndarray) -> np.ndarray:
        g_af, h_af = moments(after)
        g_pr, h_pr = moments(before)
        grad, hess = g_af - g_pr, h_af - h_pr
        if not tempered_prior:
            grad[1] = 0.0
            hess[0, 1] = hess[1, 0] = 0.0
            hess[1, 1] = -1.0
        return _saddle_free_step(grad, hess)

    def project(theta: np.ndarray) -> np.ndarray:
        # tempered, never sharpened. The prior: held-out labels cannot tell a sharp,
        # good model from one that saw these very labels (in-sample pred_probs sent
        # an unbounded tau0 to its bound and made the scores worse than tau alone;
        # tests/test_jury.py); max_model_weight = 1 bounds w for the same reason.
        # The likelihood: see Jury's max_temperature. The gold fit too: uncapped during
        # development, a few gold items that agreed with a confident consensus sharpened
        # the synthetic scenarios' scores past their calibration
        return np.clip(theta, 0.02, [max_tau, 1.0])

    first = evaluate(start)
    if not fit:
        return start, first[0]
    theta = _safeguarded_ascent(start, evaluate, propose, project, steps=8, tol=_TEMPER_TOL,
                                first=first)
    return theta, first[0]
