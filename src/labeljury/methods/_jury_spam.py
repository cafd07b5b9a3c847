r"""Jury's spam rows: each label is known, a crowd-typical mistake, or spam.

Annotator :math:`a` gives each label in one of three ways: they know the
answer (probability :math:`\theta_a`) and give the true class; they make the
kind of mistake the crowd makes (:math:`\mu_a`), picking :math:`l` for truth
:math:`c` with the crowd's pattern :math:`\bar P_{cl}` (zero diagonal); or
they spam (:math:`\sigma_a`), drawing the label from their own strategy
:math:`\xi_a` whatever the truth:

.. math::

    \pi^{(a)}_{cl} = \theta_a [l = c] + \mu_a \bar P_{cl} + \sigma_a \xi_{a,l},
    \qquad \theta_a + \mu_a + \sigma_a = 1 .

With :math:`\sigma_a = 0` these are Jury's one-coin rows; with
:math:`\mu_a = 0`, MACE's annotators (Hovy et al. 2013, "Learning Whom to Trust
with MACE"). A spammer's labels are not all equally informative: an annotator
who clicks "yes" whenever they do not know gives "yes" labels that say little
and "no" labels that say a lot, which one-coin rows cannot express. The shares
:math:`(\theta, \mu, \sigma)_a` are shrunk toward the crowd's with :math:`m`
pseudo-labels and the strategy :math:`\xi_a` toward the crowd's spam strategy
with :math:`g`, so that an annotator with few labels behaves like the crowd.

Fitting is EM on two latent variables, the true class and the way each label
was given. For label :math:`j = (i, a, l)` with posterior :math:`q_i` and the
previous parameters, the expected shares are

.. math::

    E[\text{knew}_j] = q_{il} \frac{\theta_a}{\theta_a + \sigma_a \xi_{a,l}}, \quad
    E[\text{mistake}_j] = \sum_{c \ne l} q_{ic}
        \frac{\mu_a \bar P_{cl}}{\mu_a \bar P_{cl} + \sigma_a \xi_{a,l}},

and spam the rest. Both splits depend on the annotator, the label and the true class
only, so the M-step needs just Dawid-Skene's expected counts ``[a, c, l]`` (one
sparse product); the per-label shares are computed only for the labels whose
leave-one-out likelihood is asked for.
The leave-one-out likelihood removes each label's own expected shares from
its annotator's counts (the pooled pattern and strategy keep it: one label
among all the crowd's moves them by nothing measurable).
"""

from __future__ import annotations

import numpy as np

from ..annotations import Annotations
from ._em import confusion_counts
from ._jury_rows import ItemSubset, _scatter_add

__all__ = ["SpamRows"]

#: shares assumed before the first M-step (know, mistake, spam), and with no evidence
_START = np.array([0.7, 0.15, 0.15])
#: no class is impossible for the pooled spam strategy or the pattern of mistakes: a
#: floor, relative to the evidence behind them
_FLOOR = 1e-3


class SpamRows:
    r"""Know / crowd-typical mistake / spam rows with hierarchical shrinkage.

    See the module docstring for the model.

    Parameters
    ----------
    ann : Annotations
    share : ndarray, shape (n_items, K)
        The posterior weighted by how much each item informs the annotators.
    weight : ndarray, shape (n_items,)
        That weight (each row of ``share`` sums to it).
    m : float
        Pseudo-labels pulling each annotator's shares toward the crowd's.
    g : float
        Pseudo-labels pulling each spam strategy toward the crowd's.
    previous : SpamRows or None
        The last iteration's rows, whose parameters split each label into its
        three ways (the first iteration assumes shares 0.7 / 0.15 / 0.15, a
        uniform strategy and a uniform pattern of mistakes).

    Attributes
    ----------
    shares : ndarray, shape (n_annotators, 3)
        :math:`(\theta_a, \mu_a, \sigma_a)`.
    strategy : ndarray, shape (n_annotators, K)
        :math:`\xi_a`.
    pattern : ndarray, shape (K, K)
        :math:`\bar P` (zero diagonal, rows sum to one).
    """

    def __init__(self, ann: Annotations, share: np.ndarray, weight: np.ndarray, m: float,
                 g: float, previous: SpamRows | None = None) -> None:
        self.ann, self.share, self.weight, self.m, self.g = ann, share, weight, m, g
        k = ann.n_classes
        self._k = k
        self._split = self._splitting(previous)
        counts, spam, mistakes = self._statistics()
        self.counts, self.total = counts, counts.sum(axis=1)
        seen = float(self.total.sum())
        crowd = counts.sum(axis=0) / seen if seen > 0 else _START
        crowd = np.maximum(crowd, _FLOOR)
        self.crowd_shares = crowd / crowd.sum()
        self.shares = (counts + m * self.crowd_shares) / (self.total + m)[:, None]
        self.spam, self.spam_total = spam, spam.sum(axis=1)
        pooled = spam.sum(axis=0) + _FLOOR * max(float(spam.sum()), 1.0)
        self.crowd_strategy = pooled / pooled.sum()
        self.strategy = (spam + g * self.crowd_strategy) / (self.spam_total + g)[:, None]
        off = ~np.eye(k, dtype=bool)
        if k > 1:
            mistakes = np.where(off, mistakes + _FLOOR * max(float(mistakes.sum()), 1.0), 0.0)
            self.pattern = mistakes / mistakes.sum(axis=1, keepdims=True)
        else:
            self.pattern = np.zeros((1, 1))

    def _splitting(self, previous: SpamRows | None) -> tuple[np.ndarray, np.ndarray]:
        """At the previous parameters, the share of a label ``l`` by annotator ``a`` that was
        known when the truth is ``l`` (``[a, l]``) and that was a crowd-typical mistake when
        the truth is ``c`` (``[a, c, l]``, zero at ``c = l``); the rest is spam."""
        k, n_ann = self._k, self.ann.n_annotators
        if previous is None:
            shares = np.broadcast_to(_START, (n_ann, 3))
            spam_at = np.full((n_ann, k), _START[2] / k)
            pattern = (1.0 - np.eye(k)) / max(k - 1, 1)
        else:
            shares = previous.shares
            spam_at = shares[:, 2:3] * previous.strategy
            pattern = previous.pattern
        knew = shares[:, 0:1] / (shares[:, 0:1] + spam_at)
        odds = shares[:, 1, None, None] * pattern[None]
        mistake = odds / (odds + spam_at[:, None, :])
        return knew, mistake

    def _statistics(self) -> tuple[np.ndarray, ...]:
        """Expected (knew, mistake, spam) labels per annotator, spam labels ``[a, l]`` and
        crowd-typical mistakes ``[c, l]``, from the expected counts ``[a, c, l]`` of
        Dawid-Skene (one sparse product): every split depends on ``(a, c, l)`` only."""
        k = self._k
        knew_at, mistake_at = self._split
        joint = confusion_counts(self.ann.one_hot(), self.share)  # [a, c, l]
        given = joint.sum(axis=1)  # [a, l]
        knew = joint[:, np.arange(k), np.arange(k)] * knew_at
        mistake = joint * mistake_at
        slips = mistake.sum(axis=1)
        spam = np.maximum(given - knew - slips, 0.0)
        counts = np.stack([knew.sum(axis=1), slips.sum(axis=1), spam.sum(axis=1)], axis=1)
        return counts, spam, mistake.sum(axis=0)

    def _parts(self, idx: np.ndarray | slice) -> np.ndarray:
        """Expected (knew, mistake, spam) shares of the labels ``idx``, ``(len, 3)``."""
        ann = self.ann
        a, lab = ann.annotator[idx], ann.label[idx]
        q = self.share.take(ann.item[idx], axis=0)
        knew_at, mistake_at = self._split
        cell = a.astype(np.int64) * self._k + lab  # row a*K + l of the (A*K, K) tables
        knew = q[np.arange(q.shape[0]), lab] * knew_at.reshape(-1).take(cell)
        # contiguous row gathers: indexing [a, :, l] directly was a third of the honest pass
        table = np.ascontiguousarray(mistake_at.transpose(0, 2, 1)).reshape(-1, self._k)
        slips = np.einsum("jc,jc->j", q, table.take(cell, axis=0))
        spam = np.maximum(self.weight[ann.item[idx]] - knew - slips, 0.0)
        return np.stack([knew, slips, spam], axis=1)

    @property
    def confusions(self) -> np.ndarray:
        """``[a, c, l]``: built on demand (``A * K * K`` floats)."""
        k = self._k
        know, slip, spam = self.shares.T
        conf = slip[:, None, None] * self.pattern[None] + \
            (spam[:, None] * self.strategy)[:, None, :]
        conf[:, np.arange(k), np.arange(k)] += know[:, None]
        return conf

    def log_density(self) -> float:
        """Log Dirichlet densities of the shares and strategies, up to a constant."""
        return float(np.sum(self.m * self.crowd_shares * np.log(self.shares))
                     + np.sum(self.g * self.crowd_strategy * np.log(self.strategy)))

    def loglik(self) -> np.ndarray:
        # one sparse product with the (A*K, K) table of log confusions [a*K + l, c]
        table = np.log(self.confusions).transpose(0, 2, 1).reshape(-1, self._k)
        return np.asarray(self.ann.one_hot() @ table)

    def loo_terms(self, idx: np.ndarray | slice) -> np.ndarray:
        """Leave-one-out log-likelihood terms ``[j, c]`` of the annotations ``idx``."""
        ann = self.ann
        a, lab = ann.annotator[idx], ann.label[idx]
        parts = self._parts(idx)
        given = self.weight[ann.item[idx]]
        own = np.maximum(self.counts[a] - parts, 0.0)
        shares = (own + self.m * self.crowd_shares) / \
            (np.maximum(self.total[a] - given, 0.0) + self.m)[:, None]
        spam = parts[:, 2]
        strategy = (np.maximum(self.spam[a, lab] - spam, 0.0) + self.g * self.crowd_strategy[lab]) \
            / (np.maximum(self.spam_total[a] - spam, 0.0) + self.g)
        spam_at_label = shares[:, 2] * strategy
        terms = self.pattern.T.take(lab, axis=0)  # [j, c] = pattern[c, l_j], contiguous
        terms *= shares[:, 1:2]
        terms += spam_at_label[:, None]
        terms[np.arange(terms.shape[0]), lab] = shares[:, 0] + spam_at_label
        return np.log(terms, out=terms)

    def loo_loglik(self, subset: ItemSubset | None = None, chunk: int = 262_144
                   ) -> np.ndarray:
        """Leave-one-out log-likelihoods of every item (or of ``subset``'s items).

        The full pass runs over the annotations in chunks, as the free rows' does:
        its per-label arrays are ``(n, K)`` and, in one piece, doubled Jury's peak
        memory at 1e6 annotations.
        """
        if subset is not None:
            return subset.sum_terms(self.loo_terms(subset.annotations))
        ann = self.ann
        out = np.zeros((ann.n_items, self._k))
        for start in range(0, ann.n_annotations, chunk):
            sl = slice(start, start + chunk)
            _scatter_add(out, ann.item[sl], self.loo_terms(sl))
        return out
