r"""The model prior: each item's log prior is the class prior plus the model's log-probabilities
with weight :math:`w`,

.. math:: \log P(z_i = c) = \log \rho_c + w \log p_M(c \mid x_i) - \log Z_i .

:math:`w = 1` (the default) trusts the model's probabilities as they are, :math:`w = 0`
ignores the model. Learning :math:`w` by the marginal likelihood of the labels was
tried and deleted: it scored below the fixed :math:`w = 1` under the generalization
protocol (docs/research/jury.md).
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
    lp = log_rho[None, :] if log_p is None else log_rho + w * log_p
    return lp - lse(lp)[:, None]
