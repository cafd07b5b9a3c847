r"""Jury's usual annotator models: free Dirichlet confusion rows and one-coin rows.

Both (and the spam rows of ``_jury_spam``) answer the three questions Jury's EM asks of
an annotator model, given the current expected counts:

* ``loglik()``: per item and true class, :math:`\sum_{j \in i} \log \pi^{(a_j)}_{c\, l_j}`
  (the E-step);
* ``loo_loglik()``: the same with every annotation judged by parameters from
  which its own expected contribution was removed (the model-weight search and
  the honest scores);
* ``loo_terms(idx)``: those leave-one-out terms per annotation (the
  temperature fit).

:class:`DirichletRows` are Dawid-Skene rows shrunk toward a prior mean with
finite strength :math:`s`. :class:`OneCoinRows` is their :math:`s \to \infty`
limit: annotator :math:`a` is right with probability :math:`\alpha_a` and, when
wrong, picks class :math:`l` for truth :math:`c` with the crowd's pooled
pattern :math:`\bar\pi_{cl}`. In that limit a label's own influence sits in
:math:`\alpha_a` (the pseudo-counts of a nearly infinite prior hide it in the
rows), so the leave-one-out accuracy removes it there. Its M-step is two
``bincount`` passes, with no ``K x K`` parameters per annotator; its E-step is
the same sparse product as the free rows', on a table built from the
accuracies and the pattern.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from ..annotations import Annotations
from ._em import item_label_index, log_likelihoods, one_coin_log_likelihoods

__all__ = ["DirichletRows", "ItemSubset", "OneCoinRows", "one_coin_confusions",
           "pooled_accuracy", "shrunk_accuracy", "wrong_class_pattern"]

_EPS = 1e-12
#: accuracies are kept in [_ACC_CLIP, 1 - _ACC_CLIP] so no label is impossible
_ACC_CLIP = 1e-3


def pooled_accuracy(pooled: np.ndarray) -> float:
    """Share of the expected labels ``pooled[c, l]`` that are right; 0.7 with no evidence.

    With every item labeled once and no model nothing says how good the crowd
    is; a moderately reliable crowd is a safer assumption than a perfect one.
    """
    total = float(pooled.sum())
    return float(np.trace(pooled)) / total if total > 0 else 0.7


def shrunk_accuracy(right: np.ndarray, total: np.ndarray, m: float, a0: float) -> np.ndarray:
    """``(right + m a0) / (total + m)``: accuracies shrunk toward ``a0`` with ``m`` labels.

    Kept in [_ACC_CLIP, 1 - _ACC_CLIP] so that no label is impossible.
    """
    return np.clip((right + m * a0) / (total + m), _ACC_CLIP, 1 - _ACC_CLIP)


def one_coin_confusions(accuracy: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """``[a, c, l]``: ``accuracy[a]`` on the diagonal, ``(1 - accuracy[a]) pattern[c, l]`` off it.

    ``pattern`` has a zero diagonal (:func:`wrong_class_pattern`).
    """
    k = pattern.shape[0]
    conf = (1.0 - accuracy)[:, None, None] * pattern[None, :, :]
    conf[:, np.arange(k), np.arange(k)] = accuracy[:, None]
    return conf


def wrong_class_pattern(pooled: np.ndarray) -> np.ndarray:
    """Row-normalised off-diagonal of the pooled counts ``[c, l]`` (zero diagonal).

    A small floor keeps every wrong class possible.
    """
    k = pooled.shape[0]
    eye = np.eye(k, dtype=bool)
    off = np.where(eye, 0.0, pooled) + 1e-3 * ~eye
    return off / off.sum(axis=1, keepdims=True)


class ItemSubset:
    """Some items and their annotations, for leave-one-out likelihoods of those items only.

    The model-weight search needs the leave-one-out likelihood of the items it
    fits on, not of every item; on a subsample of a large data set that pass
    costs a fraction of a full one.

    Parameters
    ----------
    ann : Annotations
    items : ndarray of int
        Sorted, distinct item indices.
    """

    def __init__(self, ann: Annotations, items: np.ndarray) -> None:
        self.items = np.asarray(items, dtype=np.int64)
        position = np.full(ann.n_items, -1, dtype=np.int64)
        position[self.items] = np.arange(self.items.size)
        #: the annotations of those items, and each one's row in the result
        self.annotations = np.flatnonzero(position[ann.item] >= 0)
        self.rows = position[ann.item[self.annotations]]

    def sum_terms(self, terms: np.ndarray) -> np.ndarray:
        """``(len(items), K)`` sums of per-annotation terms ``(len(annotations), K)``."""
        out = np.zeros((self.items.size, terms.shape[1]))
        _scatter_add(out, self.rows, terms)
        return out


class DirichletRows:
    """Free confusion rows: MAP rows of expected counts plus Dirichlet pseudo-counts.

    Parameters
    ----------
    ann : Annotations
    share : ndarray, shape (n_items, K)
        The posterior weighted by how much each item informs the annotators.
    counts, pseudo : ndarray, shape (n_annotators, K, K)
        Expected counts ``[a, c, l]`` and the prior's pseudo-counts.
    """

    def __init__(self, ann: Annotations, share: np.ndarray, counts: np.ndarray,
                 pseudo: np.ndarray) -> None:
        self.ann, self.share, self.pseudo = ann, share, pseudo
        self.num = counts + pseudo
        self.confusions = self.num / self.num.sum(axis=2, keepdims=True)

    def loglik(self) -> np.ndarray:
        return log_likelihoods(self.ann.one_hot(), np.log(self.confusions))

    def loo_loglik(self, subset: ItemSubset | None = None, chunk: int = 262_144) -> np.ndarray:
        """The sum over each item's annotations of :meth:`loo_terms`, in chunks.

        Only the items of ``subset`` (in its order) when given. Memory stays
        O(chunk * K). float32 halves the memory traffic of this pass (the
        costliest of an iteration); its ~1e-7 relative error is far below what
        the scores can resolve.
        """
        ann = self.ann
        if subset is not None:
            return subset.sum_terms(self.loo_terms(subset.annotations))
        tables = self._tables(np.float32)
        out = np.zeros((ann.n_items, ann.n_classes))
        for start in range(0, ann.n_annotations, chunk):
            sl = slice(start, start + chunk)
            _scatter_add(out, ann.item[sl], self._terms(tables, sl))
        return out

    def loo_terms(self, idx: np.ndarray) -> np.ndarray:
        """Leave-one-out log-likelihood terms ``[j, c]`` of the annotations ``idx``.

        Each annotation's own expected contribution ``share[i, c]`` is removed from
        cell ``(c, l)`` of its annotator and from row ``c``'s total before it is
        scored.
        """
        return self._terms(self._tables(np.float64), idx)

    def _tables(self, dtype: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows ``[a*K + l, c]`` of the counts, their row totals ``[a, c]``, the share."""
        k = self.num.shape[1]
        rows = self.num.transpose(0, 2, 1).reshape(-1, k).astype(dtype)
        return rows, self.num.sum(axis=2).astype(dtype), self.share.astype(dtype, copy=False)

    def _terms(self, tables: tuple[np.ndarray, np.ndarray, np.ndarray],
               idx: np.ndarray | slice) -> np.ndarray:
        ann = self.ann
        rows, den, share = tables
        a = ann.annotator[idx]
        t = share.take(ann.item[idx], axis=0)
        ratio = rows.take(a.astype(np.int64) * ann.n_classes + ann.label[idx], axis=0)
        ratio -= t
        ratio /= den.take(a, axis=0) - t
        np.maximum(ratio, _EPS, out=ratio)
        return np.log(ratio)


class OneCoinRows:
    r"""One-coin rows with the crowd's wrong-class pattern (the :math:`s \to \infty` limit).

    :math:`\pi^{(a)}_{cc} = \alpha_a`, :math:`\pi^{(a)}_{cl} = (1 - \alpha_a) \bar\pi_{cl}`,
    with :math:`\alpha_a = (r_a + m \alpha_0) / (t_a + m)` from the annotator's
    expected right labels :math:`r_a` out of :math:`t_a`, shrunk toward the
    pooled accuracy :math:`\alpha_0` with :math:`m` pseudo-labels.

    Parameters
    ----------
    ann : Annotations
    share : ndarray, shape (n_items, K)
        The posterior weighted by how much each item informs the annotators.
    weight : ndarray, shape (n_items,)
        That weight (each row of ``share`` sums to it).
    m : float
        Pseudo-labels pulling each accuracy toward the pooled one.
    stats : tuple, optional
        :meth:`statistics` of ``(ann, share, weight)``, if already computed.
    """

    def __init__(self, ann: Annotations, share: np.ndarray, weight: np.ndarray, m: float,
                 stats: tuple[np.ndarray, ...] | None = None) -> None:
        self.ann, self.weight, self.m = ann, weight, m
        at_label, right, total, pooled = stats if stats is not None else \
            self.statistics(ann, share, weight)
        self.at_label, self.right, self.total = at_label, right, total
        self.alpha0 = float(np.clip(pooled_accuracy(pooled), _ACC_CLIP, 1 - _ACC_CLIP))
        self.accuracy = shrunk_accuracy(right, total, m, self.alpha0)
        self.pattern = wrong_class_pattern(pooled)
        # log of the pattern with a zero diagonal: V @ log_off.T sums log pattern[c, l]
        # over an item's labels l != c (a label equal to c adds log 1 = 0)
        self._log_off = np.log(self.pattern + np.eye(len(pooled)))

    @staticmethod
    def statistics(ann: Annotations, share: np.ndarray, weight: np.ndarray,
                   total: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        """``share[item_j, label_j]`` per annotation, expected right labels and labels per
        annotator, and pooled counts ``[c, l]``.

        ``total`` (the labels per annotator, weighted) depends on ``weight`` only;
        pass it to skip recomputing it every EM iteration.
        """
        a = ann.n_annotators
        at_label = share.reshape(-1).take(item_label_index(ann))
        right = np.bincount(ann.annotator, weights=at_label, minlength=a)
        if total is None:
            total = np.bincount(ann.annotator, weights=weight[ann.item], minlength=a)
        pooled = share.T @ ann.vote_counts()
        return at_label, right, total, pooled

    @property
    def confusions(self) -> np.ndarray:
        """``[a, c, l]``: built on demand (``A * K * K`` floats)."""
        return one_coin_confusions(self.accuracy, self.pattern)

    def log_density(self) -> float:
        """Log Beta(m alpha0, m (1 - alpha0)) density of the accuracies, up to a constant."""
        a0, m = self.alpha0, self.m
        return float(np.sum(m * a0 * np.log(self.accuracy)
                            + m * (1 - a0) * np.log1p(-self.accuracy)))

    def loglik(self) -> np.ndarray:
        # one sparse product with the (A*K, K) table of log confusions: 10x faster at
        # 1e6 annotations than gathering per-annotation logs into two bincounts
        k = self.pattern.shape[0]
        table = np.log1p(-self.accuracy)[:, None, None] + self._log_off.T[None, :, :]
        table[:, np.arange(k), np.arange(k)] = np.log(self.accuracy)[:, None]
        return np.asarray(self.ann.one_hot() @ table.reshape(-1, k))

    @cached_property
    def _off(self) -> np.ndarray:
        """Per item and class, the sum of log pattern[c, l] over its labels l != c.

        Only the full leave-one-out pass needs it (the E-step's table holds the
        pattern), so it is built on first use, not every EM iteration.
        """
        return np.asarray(self.ann.vote_counts() @ self._log_off.T)

    def loo_loglik(self, subset: ItemSubset | None = None) -> np.ndarray:
        """Leave-one-out log-likelihoods of every item (or of ``subset``'s items)."""
        if subset is None:
            acc = self._loo_accuracy(slice(None))
            return one_coin_log_likelihoods(self.ann, np.log(acc), np.log1p(-acc)) + self._off
        return subset.sum_terms(self.loo_terms(subset.annotations))

    def loo_terms(self, idx: np.ndarray) -> np.ndarray:
        """Leave-one-out log-likelihood terms ``[j, c]`` of the annotations ``idx``."""
        acc = self._loo_accuracy(idx)
        label = self.ann.label[idx]
        terms = np.log1p(-acc)[:, None] + self._log_off[:, label].T
        terms[np.arange(label.size), label] = np.log(acc)
        return terms

    def _loo_accuracy(self, idx: np.ndarray | slice) -> np.ndarray:
        """Each annotation's annotator accuracy without that annotation's expected count."""
        ann = self.ann
        a = ann.annotator[idx]
        right = np.maximum(self.right[a] - self.at_label[idx], 0.0)
        total = np.maximum(self.total[a] - self.weight[ann.item[idx]], 0.0)
        return shrunk_accuracy(right, total, self.m, self.alpha0)


def _scatter_add(out: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    """``out[rows] += values`` with repeated rows summed (bincount per column: fast)."""
    n, k = out.shape
    for c in range(k):  # loop over classes only; each column is one bincount
        out[:, c] += np.bincount(rows, weights=values[:, c], minlength=n)
