r"""Annotator rows: Dawid-Skene confusion rows shrunk toward the annotator's one-coin row.

Given the expected counts :math:`n_{acl}` (annotator :math:`a` said :math:`l` when
the truth was :math:`c`), the pooled confusion
:math:`\bar\pi_{cl} = \sum_a n_{acl} / \sum_{a,l} n_{acl}` and the annotator's
accuracy, shrunk toward the crowd's :math:`\bar\alpha` with the same :math:`s`,

.. math:: \alpha_a = \frac{\sum_c n_{acc} + s\,\bar\alpha}{n_a + s},

each row is the posterior mean under a Dirichlet prior of strength :math:`s`
centred on a *one-coin* row: the annotator's own accuracy on the diagonal and the
crowd's pattern of mistakes off it,

.. math:: \mu^{(a)}_{cc} = \alpha_a, \quad
          \mu^{(a)}_{cl} = (1 - \alpha_a)\,\frac{\bar\pi_{cl}}{1 - \bar\pi_{cc}}\ (l \ne c),
          \qquad
          \pi^{(a)}_{cl} = \frac{n_{acl} + s\,\mu^{(a)}_{cl}}{n_{ac\cdot} + s}.

An annotator with a few labels per class is a one-coin annotator with their own
accuracy (what GLAD and weighted votes model); one with many labels per class keeps a
free Dawid-Skene row. Centring on the crowd's pooled row instead (the baseline) gave
every sparse annotator the crowd's accuracy and let class-dependent rows drift on few
labels per item (docs/research/jury.md).

The leave-one-out version of a label's log-likelihood removes that label's own
expected contribution :math:`T_{ic}` from its annotator's counts, so a label is judged
by parameters it did not help fit (the honest scores).
"""

from __future__ import annotations

import numpy as np

from .._em import confusion_counts, log_likelihoods

__all__ = ["Rows"]

_EPS = 1e-12


class Rows:
    """Confusion rows shrunk toward one-coin rows, fitted to one posterior.

    Parameters
    ----------
    one_hot : sparse matrix, shape (n_items, n_annotators * K)
        :meth:`Annotations.one_hot`.
    post : ndarray, shape (n_items, K)
        Current posterior over the true class.
    strength : float
        Pseudo-labels :math:`s` per row pulling it toward the annotator's one-coin row
        (and per annotator pulling the accuracy toward the crowd's).
    """

    def __init__(self, one_hot, post: np.ndarray, strength: float) -> None:
        self._fit(confusion_counts(one_hot, post), strength)

    @classmethod
    def from_counts(cls, counts: np.ndarray, strength: float) -> Rows:
        """The rows fitted to expected counts ``[a, c, l]`` summed elsewhere (the Dask engine)."""
        rows = cls.__new__(cls)
        rows._fit(counts, strength)
        return rows

    def _fit(self, counts: np.ndarray, strength: float) -> None:
        self.counts = counts  # [a, c, l]
        pooled = self.counts.sum(axis=0) + _EPS
        self.pooled = pooled / pooled.sum(axis=1, keepdims=True)
        self.strength = float(strength)
        self.totals = self.counts.sum(axis=2)  # [a, c]
        k = self.pooled.shape[0]
        n_a = self.totals.sum(axis=1)
        right = np.einsum("acc->a", self.counts)
        alpha_bar = right.sum() / max(n_a.sum(), _EPS)
        alpha = (right + self.strength * alpha_bar) / (n_a + self.strength)
        eye = np.eye(k)
        mistakes = self.pooled * (1.0 - eye)  # the crowd's pattern of mistakes, rows sum to 1
        mistakes /= np.maximum(mistakes.sum(axis=1, keepdims=True), _EPS)
        #: [a, c, l] the one-coin row each annotator's row is shrunk toward
        self.center = alpha[:, None, None] * eye + (1.0 - alpha)[:, None, None] * mistakes
        self.confusions = (self.counts + self.strength * self.center) / (
            self.totals + self.strength
        )[:, :, None]
        np.clip(self.confusions, _EPS, None, out=self.confusions)

    def loglik(self, one_hot) -> np.ndarray:
        """Per item and true class, the summed log-probability of its labels."""
        return log_likelihoods(one_hot, np.log(self.confusions))

    def loo_terms(self, ann, post: np.ndarray, idx: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Per annotation (rows ``idx``) and true class, its log-probability under its
        annotator's row refitted without it, shape ``(n, K)``."""
        return np.stack([t.copy() for t in self._loo_by_class(ann, post, idx)], axis=1)

    def loo_loglik(self, ann, post: np.ndarray) -> np.ndarray:
        """:meth:`loglik` with every label judged by its leave-one-out row."""
        out = np.empty((ann.n_items, post.shape[1]))
        for c, terms in enumerate(self._loo_by_class(ann, post, slice(None))):
            out[:, c] = np.bincount(ann.item, weights=terms, minlength=ann.n_items)
        return out

    def _loo_by_class(self, ann, post: np.ndarray, idx: np.ndarray | slice):
        """The leave-one-out terms one true class at a time: flat gathers of length n
        into reused buffers (gathering (n, K) rows was 5x slower at 1e6 annotations)."""
        k = post.shape[1]
        a, lab, item = ann.annotator[idx], ann.label[idx], ann.item[idx]
        cell = a.astype(np.int64) * k + lab
        # [c, a * K + l]: the numerator n[a, c, l] + s * center[a, c, l]; the label stays in
        # alpha_a, where its weight is 1 / (n_a + s), negligible next to its own count
        num_table = (self.counts + self.strength * self.center).transpose(1, 0, 2).reshape(k, -1)
        den_table = (self.totals + self.strength).T  # [c, a]
        post_t = np.ascontiguousarray(post.T)  # [c, i]
        num, den, own = (np.empty(cell.size) for _ in range(3))
        for c in range(k):
            np.take(post_t[c], item, out=own)  # the label's own expected count
            np.take(num_table[c], cell, out=num)
            np.take(den_table[c], a, out=den)
            num -= own
            den -= own
            np.maximum(num, _EPS, out=num)
            np.maximum(den, _EPS, out=den)
            num /= den
            yield np.log(num, out=den)

    def expected_accuracy(self, rho: np.ndarray) -> np.ndarray:
        r"""Per annotator :math:`\sum_c \rho_c \pi^{(a)}_{cc}`."""
        return np.einsum("acc,c->a", self.confusions, rho)
