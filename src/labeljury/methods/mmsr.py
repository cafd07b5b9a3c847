r"""M-MSR: annotator skills by robust rank-one completion of their agreement matrix.

Model ("one coin"): annotator ``a`` gives the true class with probability
:math:`p_a` and each wrong class with probability :math:`(1-p_a)/(K-1)`.
Write :math:`s_a = \frac{K p_a - 1}{K - 1}` (0 = guessing, 1 = perfect,
negative = worse than chance). For two annotators who labeled the same item,
the probability that they agree is :math:`\frac{1 + (K-1) s_a s_b}{K}`, so the
matrix

.. math:: C_{ab} = \frac{K \cdot \text{agree}_{ab} - 1}{K - 1}, \qquad
          \text{agree}_{ab} = \frac{\#\{\text{common items where } a, b
          \text{ agree}\}}{\#\{\text{common items}\}},

has expectation :math:`s s^T` off the diagonal: estimating the skills is a
rank-one matrix completion problem (only pairs with common items are
observed). M-MSR solves it robustly: each update of :math:`s_a` averages the
estimates :math:`C_{ab}/s_b` offered by its neighbours *after discarding the most
extreme ones* (the "mean-subsequence-reduced" trimming of resilient consensus),
so a few colluding or adversarial annotators cannot drag the skills. For
:math:`K = 2` this is the paper's setting; for :math:`K > 2` the reduction above
is exact under the one-coin model.

Q. Ma and A. Olshevsky, "Adversarial Crowdsourcing Through Robust Rank-One
Matrix Completion", NeurIPS 33, 2020. https://doi.org/10.48550/arXiv.2010.12181
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..annotations import Annotations
from ._em import log_normalize, one_coin_log_likelihoods
from .base import Aggregator

__all__ = ["MMSR", "agreement_matrix"]


def agreement_matrix(ann: Annotations) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Observed pairs of annotators: ``(row, col, C, n_common)`` without the diagonal.

    Two sparse products, ``X X^T`` (agreements; ``X`` = annotator x (item, class)
    indicator) and ``B B^T`` (common items; ``B`` = annotator x item indicator).
    """
    k, n_a = ann.n_classes, ann.n_annotators
    ones = np.ones(ann.n_annotations)
    x = sp.csr_matrix(
        (ones, (ann.annotator, ann.item.astype(np.int64) * k + ann.label)),
        shape=(n_a, ann.n_items * k),
    )
    b = sp.csr_matrix((ones, (ann.annotator, ann.item)), shape=(n_a, ann.n_items))
    x.data[:] = 1.0  # repeated labels of one item count once
    b.data[:] = 1.0
    common = (b @ b.T).tocoo()
    agree = (x @ x.T).tocsr()
    keep = common.row != common.col
    row, col, n_common = common.row[keep], common.col[keep], common.data[keep]
    hits = np.asarray(agree[row, col]).ravel()
    frac = np.clip(hits / n_common, 0.0, 1.0)
    return row, col, (k * frac - 1.0) / (k - 1.0), n_common


class MMSR(Aggregator):
    r"""Matrix Mean-Subsequence-Reduced: robust rank-one completion of annotator agreement.

    .. math::
        E[C] = s s^T, \qquad
        s_a \leftarrow \operatorname{sign}(v_a)\sqrt{|v_a|\,|s_a|}, \quad
        v_a = \frac{\sum_{b \in N'_a} C_{ab} s_b}{\sum_{b \in N'_a} s_b^2},

    where :math:`N'_a` is :math:`a`'s neighbours minus the ``trim`` fraction with
    the largest and the smallest ratios :math:`C_{ab}/s_b`. :math:`v_a` is the
    (:math:`s_b^2`-weighted) trimmed mean of those ratios; the geometric step
    stops the scale from oscillating between :math:`c\,s` and :math:`s/c`, the
    fixed-point iteration's one degenerate direction. The sign is fixed so that
    the skills sum to a positive number (most annotators beat chance). Then
    :math:`p_a = ((K-1)s_a + 1)/K` and the consensus is the one-coin posterior

    .. math:: P(z_i = c) \propto \exp\sum_{j \in i}\Bigl([l_j = c]\log p_{a_j}
              + [l_j \ne c]\log\tfrac{1 - p_{a_j}}{K-1}\Bigr),

    i.e. a weighted vote with weights :math:`\log\frac{(K-1)p_a}{1-p_a}`.

    Parameters
    ----------
    max_iter : int, default 500
    tol : float, default 1e-8
        Stop when no skill moves by more than ``tol``.
    trim : float, default 0.1
        Fraction of each annotator's neighbours discarded at each end (the
        paper's :math:`F`, as a fraction of the degree).
    min_skill : float, default 0.05
        Skills are kept at least this far from 0 in the divisions and in the
        geometric step (annotators near chance otherwise make :math:`C_{ab}/s_b`
        explode, or stay stuck at 0); :math:`p_a` is kept in
        :math:`[10^{-3}, 1 - 10^{-3}]`. The iteration starts from the leading
        eigenvector of the observed :math:`C`.

    Attributes
    ----------
    skills_ : ndarray, shape (n_annotators,)
        :math:`s_a`, in [-1, 1]; annotators sharing no item with anyone get the median.
    annotator_skill_ : ndarray, shape (n_annotators,)
        Estimated accuracy :math:`p_a = ((K-1)s_a + 1)/K`.
    n_iter_ : int

    Examples
    --------
    >>> from labeljury import Annotations
    >>> from labeljury.methods import MMSR
    >>> ann = Annotations.from_arrays([0, 0, 0, 1, 1, 1], list("abcabc"), [1, 1, 0, 0, 0, 1])
    >>> MMSR().fit_predict(ann).tolist()
    [1, 0]
    """

    summary = "M-MSR: skills by robust rank-one completion of pairwise agreement (2020)"

    def __init__(
        self, max_iter: int = 500, tol: float = 1e-8, trim: float = 0.1, min_skill: float = 0.05
    ) -> None:
        self.max_iter = max_iter
        self.tol = tol
        self.trim = trim
        self.min_skill = min_skill

    def _skills(self, ann: Annotations) -> tuple[np.ndarray, int]:
        n_a = ann.n_annotators
        row, col, c, _ = agreement_matrix(ann)
        if len(row) == 0:  # no two annotators share an item: skills are unidentifiable,
            return np.ones(n_a), 1  # so every annotator counts the same (majority vote)
        c = np.asarray(c, dtype=float)
        deg = np.bincount(row, minlength=n_a)
        order = np.argsort(row, kind="stable")
        row, col, c = row[order], col[order], c[order]
        start = np.concatenate([[0], np.cumsum(deg)])[:-1]
        n_trim = np.floor(self.trim * deg).astype(np.int64)
        s = self._spectral_init(row, col, c, n_a)
        it = 0
        for it in range(1, self.max_iter + 1):  # noqa: B007 - reported as n_iter_
            sb = s[col]
            sb = np.where(np.abs(sb) < self.min_skill, np.copysign(self.min_skill, sb), sb)
            ratio = c / sb
            # rank of each ratio inside its annotator's row: sort by (row, ratio)
            by = np.lexsort((ratio, row))
            rank = np.empty_like(by)
            rank[by] = np.arange(len(by)) - start[row[by]]
            kept = (rank >= n_trim[row]) & (rank < deg[row] - n_trim[row])
            num = np.bincount(row, weights=kept * c * sb, minlength=n_a)
            den = np.bincount(row, weights=kept * sb * sb, minlength=n_a)
            v = np.divide(num, den, out=np.zeros(n_a), where=den > 0)
            new = np.clip(
                np.sign(v) * np.sqrt(np.abs(v) * np.maximum(np.abs(s), self.min_skill)), -1.0, 1.0
            )
            new[deg == 0] = s[deg == 0]
            done = np.abs(new - s).max() <= self.tol
            s = new
            if done:
                break
        if s[deg > 0].sum() < 0:  # s and -s fit equally well; most annotators beat chance
            s = -s
        if (deg == 0).any():
            s[deg == 0] = np.median(s[deg > 0]) if (deg > 0).any() else 0.5
        return s, max(it, 1)

    @staticmethod
    def _spectral_init(row: np.ndarray, col: np.ndarray, c: np.ndarray, n_a: int) -> np.ndarray:
        """Leading eigenvector of the zero-filled ``C`` by power iteration, scaled to [-1, 1].

        Starting the trimmed iteration from all-ones can stall at 0 when an
        annotator's neighbours cancel out; the leading eigenvector of the observed
        part of :math:`s s^T` points the right way from the start. The matrix is
        shifted by its largest absolute row sum so the iteration finds the largest
        *algebraic* eigenvalue and cannot oscillate.
        """
        cm = sp.csr_matrix((c, (row, col)), shape=(n_a, n_a))
        shift = float(np.abs(cm).sum(axis=1).max()) if cm.nnz else 0.0
        u = np.ones(n_a)
        for _ in range(100):
            w = cm @ u + shift * u
            norm = np.linalg.norm(w)
            if norm == 0:
                return np.ones(n_a)
            w /= norm
            if np.abs(w - u).max() < 1e-9:
                u = w
                break
            u = w
        top = np.abs(u).max()
        return u / top if top > 0 else np.ones(n_a)

    def _fit(self, ann: Annotations, pred_probs: np.ndarray | None) -> None:
        k = ann.n_classes
        self.skills_, self.n_iter_ = self._skills(ann)
        p = np.clip(((k - 1) * self.skills_ + 1) / k, 1e-3, 1 - 1e-3)
        self.annotator_skill_ = p
        q = p[ann.annotator]
        log_post = one_coin_log_likelihoods(ann, np.log(q), np.log1p(-q) - np.log(k - 1))
        self.probas_, _ = log_normalize(log_post)
