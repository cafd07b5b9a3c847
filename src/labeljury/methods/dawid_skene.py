r"""Dawid-Skene: one full confusion matrix per annotator, fitted by EM.

Generative model (Dawid & Skene 1979): each item ``i`` has a true class
:math:`z_i \sim \text{Categorical}(p)`; annotator ``a`` labels it ``l`` with
probability :math:`\pi^{(a)}_{z_i, l}`, independently of the other annotators.
EM alternates the posterior over :math:`z_i` (E-step) with the maximum (a
posteriori, with Dirichlet smoothing) estimates of ``p`` and every
:math:`\pi^{(a)}` (M-step).

A. P. Dawid and A. M. Skene, "Maximum Likelihood Estimation of Observer
Error-Rates Using the EM Algorithm", Journal of the Royal Statistical Society C
28(1), 1979. https://doi.org/10.2307/2346806
"""

from __future__ import annotations

import numpy as np

from ..annotations import Annotations
from ._em import confusion_counts, em_loop, log_likelihoods, log_normalize
from .base import Aggregator

__all__ = ["DawidSkene"]


def clamp_gold(ann: Annotations, log_post: np.ndarray) -> None:
    """Pin items with known gold labels to their class (in place, log space)."""
    if ann.gold is None:
        return
    known = np.flatnonzero(ann.gold >= 0)
    if known.size:
        log_post[known] = -np.inf
        log_post[known, ann.gold[known]] = 0.0


class DawidSkene(Aggregator):
    r"""Dawid-Skene EM with full per-annotator confusion matrices.

    Parameters
    ----------
    max_iter : int, default 100
        Maximum number of EM iterations.
    tol : float, default 1e-6
        Stop when the relative change of the log-likelihood is below ``tol``.
    smoothing : float, default 0.01
        Dirichlet pseudo-count added to every confusion-matrix cell (and to the
        class prior), so a label an annotator never gave keeps a small non-zero
        probability instead of vetoing a class outright.
    use_gold : bool, default True
        Pin items whose true class is known (``Annotations.gold``) to it; the
        known items then calibrate the confusion matrices.

    Attributes
    ----------
    confusion_matrices_ : ndarray, shape (n_annotators, n_classes, n_classes)
        ``[a, c, l]`` = P(annotator ``a`` says ``l`` | true class ``c``); rows sum to 1.
    priors_ : ndarray, shape (n_classes,)
        Estimated class prior ``p``.
    annotator_skill_ : ndarray, shape (n_annotators,)
        Expected accuracy of the annotator on the items they labeled: the
        posterior probability that their label is the true class, averaged over
        their labels.
    log_likelihood_ : float
        Final log marginal likelihood of the labels.
    loss_history_ : list of float
        Log-likelihood after each iteration.

    Examples
    --------
    >>> from labeljury import Annotations
    >>> from labeljury.methods import DawidSkene
    >>> ann = Annotations.from_arrays([0, 0, 0, 1, 1, 1], list("abcabc"), [1, 1, 0, 0, 0, 1])
    >>> DawidSkene().fit_predict(ann).tolist()
    [1, 0]
    """

    summary = "Dawid-Skene EM: a full confusion matrix per annotator (1979)"

    def __init__(self, max_iter: int = 100, tol: float = 1e-6, smoothing: float = 0.01,
                 use_gold: bool = True) -> None:
        self.max_iter = max_iter
        self.tol = tol
        self.smoothing = smoothing
        self.use_gold = use_gold

    def _m_step(self, x, post: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        counts = confusion_counts(x, post) + self.smoothing
        conf = counts / counts.sum(axis=2, keepdims=True)
        prior = post.sum(axis=0) + self.smoothing
        return conf, prior / prior.sum()

    def _fit(self, ann: Annotations, pred_probs: np.ndarray | None) -> None:
        x = ann.one_hot()
        votes = ann.vote_counts()
        post = votes / votes.sum(axis=1, keepdims=True)  # majority-vote initialisation
        state: dict[str, np.ndarray] = {}

        def step() -> float:
            nonlocal post
            conf, prior = self._m_step(x, post)
            log_post = np.log(prior) + log_likelihoods(x, np.log(conf))
            if self.use_gold:
                clamp_gold(ann, log_post)
            post, ll = log_normalize(log_post)
            state.update(conf=conf, prior=prior)
            return ll

        self.n_iter_, self.loss_history_ = em_loop(step, max_iter=self.max_iter, tol=self.tol,
                                                   name="DawidSkene")
        self.probas_ = post
        self.confusion_matrices_ = state["conf"]
        self.priors_ = state["prior"]
        self.log_likelihood_ = self.loss_history_[-1]
        self.annotator_skill_ = annotator_accuracy(ann, post)


def annotator_accuracy(ann: Annotations, post: np.ndarray) -> np.ndarray:
    """Posterior probability that each annotator's label is right, averaged over their labels."""
    right = post[ann.item, ann.label]
    return np.bincount(ann.annotator, weights=right, minlength=ann.n_annotators) / \
        ann.annotations_per_annotator()
