r"""GLAD: annotator ability and item difficulty (Whitehill et al. 2009).

Generative model: item ``i`` has a true class :math:`z_i \sim \text{Categorical}(p)`
and an inverse difficulty :math:`\beta_i = e^{b_i} > 0`; annotator ``a`` has an
ability :math:`\alpha_a \in \mathbb{R}` (negative = adversarial). The label is
correct with probability :math:`\sigma(\alpha_a \beta_i)` and otherwise uniform
over the :math:`K-1` wrong classes:

.. math::
    P(l_{ia} = c \mid z_i = c) = \sigma(\alpha_a\beta_i), \qquad
    P(l_{ia} = l \ne c \mid z_i = c) = \frac{1 - \sigma(\alpha_a\beta_i)}{K-1}.

EM: the E-step is the exact posterior over :math:`z_i`; the M-step maximises the
expected complete-data log-likelihood plus Gaussian log-priors
:math:`\alpha_a \sim N(\mu_\alpha, \sigma^2_\alpha)`,
:math:`b_i \sim N(\mu_b, \sigma^2_b)` by a few L-BFGS steps (as in the paper,
which uses gradient ascent).

J. Whitehill, P. Ruvolo, T. Wu, J. Bergsma and J. Movellan, "Whose Vote Should
Count More: Optimal Integration of Labels from Labelers of Unknown Expertise",
NeurIPS 22, 2009. https://dl.acm.org/doi/10.5555/2984093.2984321
"""

from __future__ import annotations

import numpy as np

from ..annotations import Annotations
from ._em import class_totals, em_loop, log_normalize, one_coin_log_likelihoods
from .base import Aggregator
from .dawid_skene import clamp_gold, initial_posterior

__all__ = ["GLAD"]


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    # log(1 / (1 + e^-x)) without overflow for large |x|
    return -np.logaddexp(0.0, -x)


class GLAD(Aggregator):
    r"""GLAD: labeler ability :math:`\alpha_a` times item easiness :math:`\beta_i`.

    .. math::
        P(\text{correct}) = \sigma(\alpha_a \beta_i), \quad \beta_i = e^{b_i},
        \quad \text{wrong labels uniform over } K - 1.

    M-step objective (maximised over :math:`\alpha, b` with L-BFGS), with
    :math:`T_j = P(z_{i_j} = l_j)` the posterior that annotation ``j`` is right and
    :math:`x_j = \alpha_{a_j}\beta_{i_j}`:

    .. math::
        Q = \sum_j T_j \log\sigma(x_j) + (1 - T_j)\log\frac{1-\sigma(x_j)}{K-1}
            - \sum_a \frac{(\alpha_a - \mu_\alpha)^2}{2\sigma^2_\alpha}
            - \sum_i \frac{(b_i - \mu_b)^2}{2\sigma^2_b},

    whose gradients :math:`\partial Q/\partial\alpha_a = \sum_{j\in J_a}
    (T_j - \sigma(x_j))\beta_{i_j} - \ldots` are two ``np.bincount`` calls.

    Parameters
    ----------
    max_iter : int, default 100
        Maximum number of EM iterations.
    tol : float, default 1e-5
        Stop when the relative change of the MAP objective is below ``tol``.
    m_step_max_iter : int, default 25
        L-BFGS iterations per M-step.
    alpha_prior_mean, alpha_prior_std : float, default 1.0, 1.0
        Gaussian prior on abilities (mean 1: annotators are assumed better than chance).
    log_beta_prior_mean, log_beta_prior_std : float, default 0.0, 1.0
        Gaussian prior on :math:`b_i = \log\beta_i` (mean 0: :math:`\beta = 1`).
    fit_prior : bool, default False
        Estimate the class prior :math:`p` in the M-step. The paper keeps it
        fixed (uniform here): with a free prior and a free difficulty per item,
        EM can explain the data by "almost every item is class 0, the others are
        hard", which happens on e.g. the bluebirds data (accuracy 0.58 vs 0.72).
    smoothing : float, default 0.01
        Dirichlet pseudo-count on the estimated class prior (``fit_prior=True``).
    use_gold : bool, default True
        Pin items with a known gold label to it.

    Attributes
    ----------
    annotator_skill_ : ndarray, shape (n_annotators,)
        The model's probability that the annotator's label is right, averaged
        over the items they labeled: :math:`\frac{1}{|J_a|}\sum_{i \in J_a}
        \sigma(\alpha_a\beta_i)`, in [0, 1] (the raw ability is ``alphas_``).
    alphas_ : ndarray, shape (n_annotators,)
        Ability :math:`\alpha_a` (unbounded; negative = adversarial).
    betas_ : ndarray, shape (n_items,)
        Inverse difficulty :math:`\beta_i > 0` (large = easy).
    priors_ : ndarray, shape (n_classes,)
        Class prior used (uniform unless ``fit_prior``).
    log_likelihood_ : float
        Final MAP objective (log marginal likelihood plus log-priors).
    loss_history_ : list of float

    Examples
    --------
    >>> from labeljury import Annotations
    >>> from labeljury.methods import GLAD
    >>> ann = Annotations.from_arrays([0, 0, 0, 1, 1, 1], list("abcabc"), [1, 1, 0, 0, 0, 1])
    >>> GLAD().fit_predict(ann).tolist()
    [1, 0]
    """

    summary = "GLAD: annotator ability x item difficulty, EM with gradient M-step (2009)"

    def __init__(
        self,
        max_iter: int = 100,
        tol: float = 1e-5,
        m_step_max_iter: int = 25,
        alpha_prior_mean: float = 1.0,
        alpha_prior_std: float = 1.0,
        log_beta_prior_mean: float = 0.0,
        log_beta_prior_std: float = 1.0,
        fit_prior: bool = False,
        smoothing: float = 0.01,
        use_gold: bool = True,
    ) -> None:
        self.max_iter = max_iter
        self.tol = tol
        self.m_step_max_iter = m_step_max_iter
        self.alpha_prior_mean = alpha_prior_mean
        self.alpha_prior_std = alpha_prior_std
        self.log_beta_prior_mean = log_beta_prior_mean
        self.log_beta_prior_std = log_beta_prior_std
        self.fit_prior = fit_prior
        self.smoothing = smoothing
        self.use_gold = use_gold

    def _log_prior(self, alpha: np.ndarray, b: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        da = (alpha - self.alpha_prior_mean) / self.alpha_prior_std**2
        db = (b - self.log_beta_prior_mean) / self.log_beta_prior_std**2
        val = -0.5 * (
            float(da @ (alpha - self.alpha_prior_mean)) + float(db @ (b - self.log_beta_prior_mean))
        )
        return val, -da, -db

    def _m_step(
        self, ann: Annotations, post: np.ndarray, alpha: np.ndarray, b: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        # scipy.optimize costs half a second to import: only GLAD's fits pay it
        from scipy.optimize import minimize
        from scipy.special import expit

        n_a = ann.n_annotators
        t = post[ann.item, ann.label]  # probability that each annotation is right
        log_k1 = np.log(ann.n_classes - 1)
        a_idx, i_idx = ann.annotator, ann.item

        def neg_q(theta: np.ndarray) -> tuple[float, np.ndarray]:
            al, bb = theta[:n_a], theta[n_a:]
            beta = np.exp(bb)
            x = al[a_idx] * beta[i_idx]
            val = t @ _log_sigmoid(x) + (1 - t) @ (_log_sigmoid(-x) - log_k1)
            g = t - expit(x)  # dQ/dx
            lp, ga, gb = self._log_prior(al, bb)
            grad_a = np.bincount(a_idx, weights=g * beta[i_idx], minlength=n_a) + ga
            grad_b = np.bincount(i_idx, weights=g * x, minlength=len(bb)) + gb
            return -(val + lp), -np.concatenate([grad_a, grad_b])

        res = minimize(
            neg_q,
            np.concatenate([alpha, b]),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": self.m_step_max_iter},
        )
        # b = log beta is kept in a range where exp() neither overflows nor hits 0
        return res.x[:n_a], np.clip(res.x[n_a:], -30.0, 30.0)

    def _fit(self, ann: Annotations, pred_probs: np.ndarray | None) -> None:
        from threadpoolctl import threadpool_limits

        k = ann.n_classes
        post = initial_posterior(ann, self.use_gold)  # majority-vote initialisation
        alpha = np.full(ann.n_annotators, float(self.alpha_prior_mean))
        b = np.full(ann.n_items, float(self.log_beta_prior_mean))
        state: dict[str, np.ndarray] = {"prior": np.full(k, 1.0 / k)}

        def step() -> float:
            nonlocal post, alpha, b
            alpha, b = self._m_step(ann, post, alpha, b)
            if self.fit_prior:
                prior = class_totals(post) + self.smoothing
                prior /= prior.sum()
            else:
                prior = np.full(k, 1.0 / k)
            x = alpha[ann.annotator] * np.exp(b)[ann.item]
            log_post = np.log(prior) + one_coin_log_likelihoods(
                ann, _log_sigmoid(x), _log_sigmoid(-x) - np.log(k - 1)
            )
            if self.use_gold:
                clamp_gold(ann, log_post)
            post, ll = log_normalize(log_post)
            state.update(prior=prior)
            return ll + self._log_prior(alpha, b)[0]

        # The M-step's vector products and L-BFGS's own BLAS calls are tiny; with
        # threaded OpenBLAS on a busy machine they spin-wait, measured 25x slower
        # (8.4 s vs 0.3 s on 15,000 labels), so BLAS runs single-threaded here.
        with threadpool_limits(limits=1, user_api="blas"):
            self.n_iter_, self.loss_history_ = em_loop(
                step, max_iter=self.max_iter, tol=self.tol, name="GLAD"
            )
        self.probas_ = post
        self.alphas_ = alpha
        self.betas_ = np.exp(b)
        p_right = np.exp(_log_sigmoid(alpha[ann.annotator] * self.betas_[ann.item]))
        self.annotator_skill_ = (
            np.bincount(ann.annotator, weights=p_right, minlength=ann.n_annotators)
            / ann.annotations_per_annotator()
        )
        self.priors_ = state["prior"]
        self.log_likelihood_ = self.loss_history_[-1] if self.loss_history_ else np.nan
