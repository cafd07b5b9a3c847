r"""The model prior: each item's log prior is the class prior plus the model's evidence,
the log ratio of its probabilities to its own base rate, with weight :math:`w`,

.. math:: \log P(z_i = c) = \log \rho_c + w\,\big(\log p_M(c \mid x_i) - \log \bar p_{M,c}\big)
          - \log Z_i ,
          \qquad \bar p_{M,c} = \frac{1}{n} \sum_i p_M(c \mid x_i).

A classifier's probabilities already hold the class frequencies it was trained on;
dividing them by its base rate :math:`\bar p_M` (Saerens, Latinne and Decaestecker
2002: a posterior over a prior is a likelihood ratio) keeps the model's evidence
about the item and lets :math:`\rho` alone say how common each class is. Adding
:math:`w \log p_M` to :math:`\log \rho` instead counted the class frequencies twice:
with one label per item and a model at chance that leans to the majority class, that
double prior outweighed single labels and EM drifted to one class
(docs/research/jury.md, "The collapse"). With :math:`\bar p_M = \rho` and
:math:`w = 1` the prior is the model's probabilities as they are.

:math:`w = 1` (the default) trusts the model's evidence as it is, :math:`w = 0`
ignores the model. Learning :math:`w` by the marginal likelihood of the labels was
tried and deleted: it scored below the fixed :math:`w = 1` under the generalization
protocol (docs/research/jury.md).

M. Saerens, P. Latinne and C. Decaestecker, "Adjusting the Outputs of a Classifier to
New a Priori Probabilities: A Simple Procedure", Neural Computation 14(1), 2002.
https://doi.org/10.1162/089976602753284446
"""

from __future__ import annotations

import numpy as np

__all__ = ["item_log_prior", "lse"]


def lse(a: np.ndarray) -> np.ndarray:
    """Row-wise log-sum-exp, computed class-major (see :func:`.._em.log_normalize` for why)."""
    t = np.array(a.T, dtype=float, order="C")
    top = t.max(axis=0)
    t -= top
    np.exp(t, out=t)
    return top + np.log(t.sum(axis=0))


def item_log_prior(
    log_rho: np.ndarray, log_p: np.ndarray | None, w: float, log_base: np.ndarray | None = None
) -> np.ndarray:
    """Normalised log prior per item, shape ``(n_items, K)`` (``(1, K)`` without a model).

    ``log_base``: the log of the model's base rate :math:`\\bar p_M` (the mean of its
    probabilities over all items; required with ``log_p``).
    """
    if log_p is None:
        lp = log_rho[None, :]
    else:
        lp = log_rho + w * (log_p - log_base)
    return lp - lse(lp)[:, None]
