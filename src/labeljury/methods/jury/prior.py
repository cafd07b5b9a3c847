r"""The model prior: each item's log prior interpolates between the class prior and the
model's log-probabilities with weight :math:`w`,

.. math:: \log P(z_i = c) = (1 - w) \log \rho_c + w \log p_M(c \mid x_i) - \log Z_i .

A classifier's probabilities are already a prior for the item, class frequencies
included; at :math:`w = 1` (the default) they are the prior as they are, and
:math:`\rho` (the label frequencies) is the prior only without a model (or at
:math:`w = 0`, which ignores the model). Adding :math:`w \log p_M` to :math:`\log \rho`
instead, as Jury did until 2026-12-05, counted the class frequencies twice: with one
label per item and a model at chance that leans to the majority class, that doubled
prior outweighed single labels and EM drifted toward one class (docs/research/jury.md,
"The collapse"). Dividing the model's probabilities by their mean (Saerens et al.
2002) and keeping :math:`\rho` was measured too and lost 0.66 points on the real sets
with a model (zencrowd: the label frequencies overstate the rare class, the model,
trained on majority vote, does not).

Learning :math:`w` by the marginal likelihood of the labels was tried and deleted: it
scored below the fixed :math:`w = 1` under the generalization protocol
(docs/research/jury.md).
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


def item_log_prior(log_rho: np.ndarray, log_p: np.ndarray | None, w: float) -> np.ndarray:
    """Normalised log prior per item, shape ``(n_items, K)`` (``(1, K)`` without a model)."""
    lp = log_rho[None, :] if log_p is None else (1.0 - w) * log_rho + w * log_p
    return lp - lse(lp)[:, None]
