r"""Honest scores: leave-one-out posteriors, tempered so that they are calibrated.

EM posteriors are over-confident: every annotator's row was fitted to the very
labels it then judges. The honest posterior judges each label by its annotator's
row refitted without it (:meth:`Rows.loo_terms`). Labels whose errors are
correlated within an item (hard items) still make it over-confident; one
temperature :math:`\tau \le 1` on the log posterior,

.. math:: s_i = \mathrm{softmax}\big(\tau (\lambda_i + L^{loo}_i)\big),

is fitted so that each label is best predicted from the other labels of its item
(no gold needed), or, given 20 or more gold items, so that the gold classes are best
predicted (the labels cannot show a mistake the whole crowd shares; gold can).
Weighing the held-out labels as much as the gold in that fit measured the same
(benchmarks/jury/calibration.py) and was deleted.
"""

from __future__ import annotations

import numpy as np

from ._search import bounded_max
from .prior import lse

__all__ = ["MIN_GOLD_ITEMS", "SAMPLE", "fit_temperature", "label_temperature"]

#: fewest gold items the temperature is fitted on; below, on the held-out labels
MIN_GOLD_ITEMS = 20
#: at most this many annotations (a random sample) fit the label temperature
SAMPLE = 2_000


def fit_temperature(
    ann, log_post: np.ndarray, terms_fn, rng: np.random.Generator
) -> tuple[float, int]:
    """The temperature and the number of gold items it was fitted on (0: on the labels).

    Parameters
    ----------
    ann : Annotations
    log_post : ndarray, shape (n_items, K)
        Unpinned honest log posterior :math:`\\lambda_i + L^{loo}_i` (unnormalised).
    terms_fn : callable
        ``terms_fn(idx)``: leave-one-out log-likelihood terms of annotations ``idx``.
    rng : numpy Generator
        Draws the sample of annotations on large data.
    """
    gold = ann.gold
    known = np.flatnonzero(gold >= 0) if gold is not None else np.empty(0, int)
    if known.size >= MIN_GOLD_ITEMS:
        lp, g = log_post[known], gold[known]

        def gold_ll(tau: float) -> float:  # log-probability of the gold classes
            z = tau * lp
            return float(np.sum(z[np.arange(len(g)), g] - lse(z)))

        return bounded_max(gold_ll, 0.02, 1.0), int(known.size)
    idx = np.flatnonzero(ann.annotations_per_item()[ann.item] >= 2)
    if idx.size == 0:
        return 1.0, 0
    if idx.size > SAMPLE:
        idx = np.sort(rng.choice(idx, SAMPLE, replace=False))
    ell = terms_fn(idx)
    return label_temperature(ell, log_post[ann.item[idx]] - ell), 0


def label_temperature(ell: np.ndarray, rest: np.ndarray) -> float:
    """The temperature that best predicts each sampled label from the other labels of its item.

    ``ell``: the labels' leave-one-out log-likelihood terms ``(n, K)``; ``rest``: their
    item's honest log posterior without them (the other labels and the prior).
    """
    lik = np.exp(ell)

    def label_ll(tau: float) -> float:  # log-probability of each label given the others
        z = tau * rest
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return float(np.sum(np.log((p * lik).sum(axis=1) / p.sum(axis=1))))

    return bounded_max(label_ll, 0.02, 1.0)
