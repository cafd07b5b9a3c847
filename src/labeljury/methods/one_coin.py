r"""One-coin Dawid-Skene: one accuracy per annotator, errors spread uniformly.

Generative model: item ``i`` has a true class :math:`z_i \sim \text{Categorical}(p)`;
annotator ``a`` gives the true class with probability :math:`q_a` and each of the
other :math:`K-1` classes with probability :math:`(1-q_a)/(K-1)`. It is the
Dawid-Skene model with the confusion matrix constrained to
:math:`\pi^{(a)} = q_a I + \frac{1-q_a}{K-1}(\mathbf{1}\mathbf{1}^T - I)`: one
parameter per annotator instead of :math:`K(K-1)`, so it needs far fewer labels
per annotator to estimate.

Fitted by EM (Dawid & Skene 1979; the one-coin restriction as in e.g. Y. Zhang,
X. Chen, D. Zhou, M. I. Jordan, "Spectral Methods Meet EM", JMLR 17, 2016).
A. P. Dawid and A. M. Skene, JRSS C 28(1), 1979. https://doi.org/10.2307/2346806
"""

from __future__ import annotations

import numpy as np

from ..annotations import Annotations
from ._em import class_totals, em_loop, log_normalize, one_coin_log_likelihoods
from .base import Aggregator
from .dawid_skene import clamp_gold, initial_posterior

__all__ = ["OneCoinDawidSkene", "expected_hits", "m_step"]


def expected_hits(ann: Annotations, post: np.ndarray) -> np.ndarray:
    """Per annotator, the posterior probability of their labels summed (expected right answers)."""
    right = post[ann.item, ann.label]
    return np.bincount(ann.annotator, weights=right, minlength=ann.n_annotators)


def m_step(
    hits: np.ndarray, n_labels: np.ndarray, totals: np.ndarray, smoothing: float
) -> tuple[np.ndarray, np.ndarray]:
    """One-coin M-step from its sufficient statistics (both engines call it).

    ``hits`` from :func:`expected_hits`, ``n_labels`` the labels per annotator,
    ``totals`` the posterior summed over items. Returns the accuracies
    ``(n_annotators,)`` and the class prior ``(K,)``.
    """
    acc = (hits + smoothing) / (n_labels + 2 * smoothing)
    prior = totals + smoothing
    return acc, prior / prior.sum()


class OneCoinDawidSkene(Aggregator):
    r"""Dawid-Skene with one accuracy per annotator ("one coin"), fitted by EM.

    .. math::
        P(l_j = l \mid z_i = c) =
        \begin{cases} q_a & l = c \\ \frac{1 - q_a}{K - 1} & l \neq c \end{cases}

    E-step: :math:`\log P(z_i = c \mid \cdot) = \log p_c + \sum_{j \in i}
    \log P(l_j \mid z_i = c) + \text{const}` (log space, two ``bincount``).
    M-step: :math:`q_a = \frac{\sum_{j \in J_a} T_{i_j, l_j} + \lambda}{|J_a| + 2\lambda}`
    and :math:`p_c \propto \sum_i T_{ic} + \lambda`, with :math:`T` the posterior
    and :math:`\lambda` the ``smoothing`` pseudo-count. Starts from the
    majority-vote shares.

    Parameters
    ----------
    max_iter : int, default 100
    tol : float, default 1e-6
        Stop when the relative change of the log-likelihood is below ``tol``.
    smoothing : float, default 0.01
        Beta pseudo-count on every accuracy (keeps :math:`q_a` off 0 and 1, where
        one annotator's label would veto a class outright) and Dirichlet
        pseudo-count on the class prior.
    use_gold : bool, default True
        Pin items with a known gold label to it.

    Attributes
    ----------
    annotator_skill_ : ndarray, shape (n_annotators,)
        Estimated accuracy :math:`q_a`, the probability the annotator gives the
        true class.
    priors_ : ndarray, shape (n_classes,)
    log_likelihood_ : float
    loss_history_ : list of float

    Examples
    --------
    >>> from labeljury import Annotations
    >>> from labeljury.methods import OneCoinDawidSkene
    >>> ann = Annotations.from_arrays([0, 0, 0, 1, 1, 1], list("abcabc"), [1, 1, 0, 0, 0, 1])
    >>> OneCoinDawidSkene().fit_predict(ann).tolist()
    [1, 0]
    """

    summary = "Dawid-Skene with one accuracy per annotator, errors uniform (EM)"

    def __init__(
        self, max_iter: int = 100, tol: float = 1e-6, smoothing: float = 0.01, use_gold: bool = True
    ) -> None:
        self.max_iter = max_iter
        self.tol = tol
        self.smoothing = smoothing
        self.use_gold = use_gold

    def _m_step(self, ann: Annotations, post: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return m_step(
            expected_hits(ann, post),
            ann.annotations_per_annotator(),
            class_totals(post),
            self.smoothing,
        )

    def _fit(self, ann: Annotations, pred_probs: np.ndarray | None) -> None:
        k = ann.n_classes
        post = initial_posterior(ann, self.use_gold)  # majority-vote initialisation
        acc, prior = self._m_step(ann, post)  # the initialisation's parameters
        state: dict[str, np.ndarray] = {"acc": acc, "prior": prior}

        def step() -> float:
            nonlocal post
            acc, prior = self._m_step(ann, post)
            q = acc[ann.annotator]
            log_post = np.log(prior) + one_coin_log_likelihoods(
                ann, np.log(q), np.log1p(-q) - np.log(k - 1)
            )
            if self.use_gold:
                clamp_gold(ann, log_post)
            post, ll = log_normalize(log_post)
            state.update(acc=acc, prior=prior)
            return ll

        self.n_iter_, self.loss_history_ = em_loop(
            step, max_iter=self.max_iter, tol=self.tol, name="OneCoinDawidSkene"
        )
        self.probas_ = post
        self.annotator_skill_ = state["acc"]
        self.priors_ = state["prior"]
        self.log_likelihood_ = self.loss_history_[-1] if self.loss_history_ else np.nan
