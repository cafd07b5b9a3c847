r"""Dawid-Skene with confusion rows shrunk toward the pooled confusion matrix.

Generative model (Dawid & Skene 1979, with a hierarchical prior): each item
``i`` has a true class :math:`z_i`; annotator ``a`` labels it ``l`` with
probability :math:`\pi^{(a)}_{z_i, l}`, independently of the other annotators.
When a model's out-of-sample probabilities :math:`m_{ic}` are given, they act
as a per-item prior with weight one:

.. math:: P(z_i = c) \propto p_c \, m_{ic}.

Each annotator's confusion row :math:`\pi^{(a)}_{c,\cdot}` has a Dirichlet prior
centred on the *pooled* row, the class-normalised sum of every annotator's
expected counts, with ``strength`` pseudo-labels:

.. math:: \pi^{(a)}_{c,l} = \frac{n^{(a)}_{c,l} + s\,\bar\pi_{c,l}}{\sum_{l'} n^{(a)}_{c,l'} + s},
          \qquad \bar\pi_{c,l} = \frac{\sum_a n^{(a)}_{c,l}}{\sum_{a,l'} n^{(a)}_{c,l'}},

where :math:`n^{(a)}_{c,l} = \sum_{j \in a,\, l_j = l} T_{i_j c}` are the
expected counts under the posterior ``T``. An annotator with a few labels thus
borrows the crowd's confusion pattern instead of a uniform one, while one with
many labels keeps their own. EM starts from majority vote; the class prior is
:math:`p_c \propto \sum_i T_{ic}` as in Dawid-Skene. With ``strength -> 0`` it is
plain Dawid-Skene.

A. P. Dawid and A. M. Skene, "Maximum Likelihood Estimation of Observer
Error-Rates Using the EM Algorithm", Journal of the Royal Statistical Society C
28(1), 1979. https://doi.org/10.2307/2346806
"""

from __future__ import annotations

import numpy as np

from ..annotations import Annotations
from ..errors import InputError
from ._em import class_totals, confusion_counts, e_step, em_loop
from .base import Aggregator
from .dawid_skene import annotator_accuracy, initial_posterior

__all__ = ["ShrunkDawidSkene", "m_step"]

# log(0) guard only: a probability this small vetoes a class as surely as 0 does
# but keeps the E-step free of -inf - -inf = nan
_TINY = 1e-300


def m_step(
    counts: np.ndarray, totals: np.ndarray, strength: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The shrunk M-step from its sufficient statistics (both engines call it).

    ``counts`` are the expected counts ``[a, true, observed]``, ``totals``
    the posterior summed over items. Returns the confusion matrices, the class
    prior and the pooled confusion matrix.
    """
    pooled = counts.sum(axis=0)
    row = pooled.sum(axis=1, keepdims=True)
    k = pooled.shape[1]
    # a class no item is believed to have gets a uniform pooled row, not 0/0
    pooled = np.divide(pooled, row, out=np.full_like(pooled, 1.0 / k), where=row > 0)
    shrunk = counts + strength * pooled
    total = shrunk.sum(axis=2, keepdims=True)
    conf = np.divide(shrunk, total, out=np.full_like(shrunk, 1.0 / k), where=total > 0)
    return conf, totals / totals.sum(), pooled


class ShrunkDawidSkene(Aggregator):
    r"""Dawid-Skene whose confusion rows are shrunk toward the pooled confusion matrix.

    Parameters
    ----------
    strength : float, default 2.0
        Pseudo-labels per confusion row: the weight of the pooled row in each
        annotator's row. ``0`` gives plain (unsmoothed) Dawid-Skene.
    max_iter : int, default 100
        Maximum number of EM iterations; ``0`` returns the majority-vote start.
    tol : float, default 1e-6
        Stop when the relative change of the log-likelihood is below ``tol``.
    use_gold : bool, default True
        Pin items whose true class is known (``Annotations.gold``) to it.

    Attributes
    ----------
    confusion_matrices_ : ndarray, shape (n_annotators, n_classes, n_classes)
        ``[a, c, l]`` = P(annotator ``a`` says ``l`` | true class ``c``); rows sum to 1.
    pooled_confusion_ : ndarray, shape (n_classes, n_classes)
        The pooled (all-annotator) confusion matrix the rows are shrunk toward.
    priors_ : ndarray, shape (n_classes,)
        Estimated class prior ``p``.
    annotator_skill_ : ndarray, shape (n_annotators,)
        Expected accuracy on the items labeled: the posterior probability that
        the annotator's label is the true class, averaged over their labels.
    log_likelihood_ : float
        Final log marginal likelihood of the labels (given the model prior);
        nan when ``max_iter=0``.
    loss_history_ : list of float
        Log-likelihood after each iteration.

    Examples
    --------
    >>> from labeljury import Annotations
    >>> from labeljury.methods.shrunk_dawid_skene import ShrunkDawidSkene
    >>> ann = Annotations.from_arrays([0, 0, 0, 1, 1, 1], list("abcabc"), [1, 1, 0, 0, 0, 1])
    >>> ShrunkDawidSkene().fit_predict(ann).tolist()
    [1, 0]
    """

    summary = "Dawid-Skene, rows shrunk toward the pooled confusion; model log-probs as prior"
    uses_pred_probs = True

    def __init__(
        self, strength: float = 2.0, max_iter: int = 100, tol: float = 1e-6, use_gold: bool = True
    ) -> None:
        self.strength = strength
        self.max_iter = max_iter
        self.tol = tol
        self.use_gold = use_gold

    def _m_step(
        self, counts: np.ndarray, post: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Shrunk confusions, prior and pooled confusion from the expected ``counts``
        ``(A, K, K)`` of ``post``."""
        return m_step(counts, class_totals(post), self.strength)

    def _fit(self, ann: Annotations, pred_probs: np.ndarray | None) -> None:
        if self.strength < 0:
            raise InputError(
                f"ShrunkDawidSkene: strength={self.strength!r} must be >= 0 "
                f"(pseudo-labels per confusion row)"
            )
        x = ann.one_hot()
        post = initial_posterior(ann, use_gold=False)  # majority-vote start
        item_prior = 0.0 if pred_probs is None else np.log(np.maximum(pred_probs, _TINY))
        names = ("conf", "prior", "pooled")
        state = dict(zip(names, self._m_step(confusion_counts(x, post), post), strict=True))
        gold = ann.gold if self.use_gold else None

        def step() -> float:
            nonlocal post
            post, ll, counts = e_step(
                x,
                np.log(np.maximum(state["conf"], _TINY)),
                np.log(np.maximum(state["prior"], _TINY)) + item_prior,
                gold,
                counts=True,
            )
            state.update(zip(names, self._m_step(counts, post), strict=True))
            return ll

        self.n_iter_, self.loss_history_ = em_loop(
            step, max_iter=self.max_iter, tol=self.tol, name="ShrunkDawidSkene"
        )
        self.probas_ = np.ascontiguousarray(post)
        self.confusion_matrices_ = state["conf"]
        self.pooled_confusion_ = state["pooled"]
        self.priors_ = state["prior"]
        self.log_likelihood_ = self.loss_history_[-1] if self.loss_history_ else float("nan")
        self.annotator_skill_ = annotator_accuracy(ann, self.probas_)
