"""The fixed sparse structure of multi-label data, and the products every method's fit needs.

Built once per fit from :class:`~labeljury.multilabel.data.MultiLabelAnnotations`: the
(item x annotator) judgement matrix, the (item, class) x (annotator, class) matrix of
chosen pairs, and the counts derived from them. Its methods are the E-step's per-item
sums, the M-step's expected confusion counts and the posterior log-odds, each one or
two sparse products over all classes at once (see :mod:`labeljury.multilabel.methods`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .data import MultiLabelAnnotations

_EPS = 1e-6


class _Design:
    """The fixed sparse structure of the data, built once per fit."""

    def __init__(self, ann: MultiLabelAnnotations):
        n, k = ann.n_judgements, ann.n_classes
        self.n_items, self.n_annotators, self.k = ann.n_items, ann.n_annotators, k
        # The per-step work runs in float32: the (items, K) arrays and sparse products
        # are memory-bound, and log-likelihood sums of a few dozen terms lose nothing
        # that moves a posterior (the small (annotators, K) M-step stays float64).
        # (n_items, n_annotators): one 1 per judgement (pairs are unique)
        self.m = sp.csr_matrix(
            (np.ones(n, np.float32), (ann.item, ann.annotator)),
            shape=(ann.n_items, ann.n_annotators),
        )
        self.mt = self.m.T.tocsr()
        pj = ann.pair_judgement
        self.p_item_key = ann.item[pj] * k + ann.indices
        self.p_ann_key = ann.annotator[pj] * k + ann.indices
        # (item, class) x (annotator, class): one 1 per chosen pair; the E-step's and
        # M-step's sums over chosen pairs are products with it and its transpose
        self.pairs = sp.csr_matrix(
            (np.ones(len(pj), np.float32), (self.p_item_key, self.p_ann_key)),
            shape=(ann.n_items * k, ann.n_annotators * k),
        )
        self.pairs_t = self.pairs.T.tocsr()
        self.seen = np.bincount(ann.annotator, minlength=ann.n_annotators).astype(float)
        # (n_annotators, K): how often each annotator chose each class
        self.chosen = (
            np.bincount(self.p_ann_key, minlength=ann.n_annotators * k)
            .reshape(ann.n_annotators, k)
            .astype(float)
        )
        self.votes = (
            np.bincount(self.p_item_key, minlength=ann.n_items * k)
            .reshape(ann.n_items, k)
            .astype(float)
        )
        self.per_item = np.bincount(ann.item, minlength=ann.n_items).astype(float)

    def item_sum(self, base: np.ndarray, pair_weight: np.ndarray) -> np.ndarray:
        """Per (item, class): sum over the item's judgements of ``base[annotator]``
        plus ``pair_weight[annotator, class]`` for each chosen class (float32)."""
        out = self.m @ base.astype(np.float32)
        out += (self.pairs @ pair_weight.astype(np.float32).ravel()).reshape(out.shape)
        return out

    def counts(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Expected (true pos, false neg, false pos, true neg) per (annotator, class)."""
        q = q.astype(np.float32, copy=False)
        pos = (self.mt @ q).astype(float)  # expected positives each annotator saw
        tp = (self.pairs_t @ q.ravel()).astype(float).reshape(self.n_annotators, self.k)
        fp = self.chosen - tp
        neg = self.seen[:, None] - pos
        return tp, pos - tp, fp, neg - fp

    def log_odds(self, prior_logit: np.ndarray, sens: np.ndarray, spec: np.ndarray) -> np.ndarray:
        """Posterior log-odds of ``z[i, k] = 1`` given each annotator's answers."""
        sens = np.clip(sens, _EPS, 1 - _EPS)
        spec = np.clip(spec, _EPS, 1 - _EPS)
        # not chosen: log (1 - s) / t ; chosen: log s / (1 - t); written as the
        # not-chosen term for every judgement plus the difference on chosen pairs
        w0 = np.log1p(-sens) - np.log(spec)
        w1 = np.log(sens) - np.log1p(-spec)
        out = self.item_sum(w0, w1 - w0)
        out += np.asarray(prior_logit, dtype=np.float32)
        return out
