"""Pieces every EM-style method shares: log-space normalisation, the E-step
gather and the M-step count accumulation, and the convergence loop.

All work happens on the sparse one-hot matrix ``X`` of shape
``(n_items, n_annotators * n_classes)`` from :meth:`Annotations.one_hot`:

* E-step: ``log p(z_i = c | labels) = log prior_c + (X @ W)[i, c]`` where
  ``W[a * K + l, c] = log P(annotator a says l | true class c)``;
* M-step: ``(X.T @ T)[a * K + l, c]`` is the expected number of times annotator
  ``a`` said ``l`` when the truth was ``c``, with ``T`` the posterior.

Both are one sparse-dense product, O(n_annotations * K), no Python loop.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from ..errors import ConvergenceWarning

__all__ = [
    "confusion_counts",
    "em_loop",
    "item_label_index",
    "log_likelihoods",
    "log_normalize",
    "one_coin_log_likelihoods",
]


def log_normalize(log_unnorm: np.ndarray) -> tuple[np.ndarray, float]:
    """Rows of ``exp(log_unnorm)`` normalised to sum to one, and the total log-evidence.

    Subtracting each row's log-sum-exp before exponentiating keeps every value in
    [0, 1] even when the unnormalised log-probabilities are -10,000 (1,000
    annotations of one item), where a direct product would underflow to 0/0.

    Examples
    --------
    >>> p, ll = log_normalize(np.array([[-1000.0, -1001.0]]))
    >>> p.round(3).tolist()
    [[0.731, 0.269]]
    """
    # Hand-rolled log-sum-exp: scipy.special.logsumexp's generality (complex
    # input, weights, array-API dispatch) made it 75% of a Dawid-Skene iteration
    # at 1e6 annotations. Work class-major: numpy's row-wise max/sum over a few
    # columns of a (n, K) array is strided and 5-20x slower than the same
    # reduction over the rows of its (K, n) transpose, which costs one copy.
    # The result is returned as a Fortran-ordered (n, K) view of that copy.
    probs = np.array(log_unnorm.T, dtype=float, order="C")
    top = probs.max(axis=0)
    top[~np.isfinite(top)] = 0.0  # an all -inf row stays 0/0 -> caught below
    probs -= top
    np.exp(probs, out=probs)
    total = probs.sum(axis=0)
    probs /= total
    with np.errstate(divide="ignore"):
        ll = float(np.sum(np.log(total)) + np.sum(top))
    return probs.T, ll


def log_likelihoods(one_hot, log_conf: np.ndarray) -> np.ndarray:
    """Per item and true class, the sum of the log-likelihoods of its labels.

    Parameters
    ----------
    one_hot : sparse matrix, shape (n_items, n_annotators * K)
    log_conf : ndarray, shape (n_annotators, K_true, K_observed)
        ``log P(label = l | truth = c)`` per annotator.
    """
    n_ann, k, _ = log_conf.shape
    w = log_conf.transpose(0, 2, 1).reshape(n_ann * k, k)  # row a*K+l, column c
    return np.asarray(one_hot @ w)


def confusion_counts(one_hot, posterior: np.ndarray) -> np.ndarray:
    """Expected counts ``[a, c, l]``: annotator ``a`` said ``l`` when the truth was ``c``."""
    k = posterior.shape[1]
    flat = np.asarray(one_hot.T @ posterior)  # (A*K, K): row a*K+l, column c
    return flat.reshape(-1, k, k).transpose(0, 2, 1)


def em_loop(
    step: Callable[[], float], *, max_iter: int, tol: float, name: str
) -> tuple[int, list[float]]:
    """Run ``step`` (one E+M pass returning the log-likelihood) until it stops improving.

    Stops when the relative change of the objective is below ``tol``; unlike a
    test on ``old - new < tol`` alone, a *decrease* does not count as
    convergence. Warns with :class:`ConvergenceWarning` at ``max_iter``.
    """
    history: list[float] = []
    for it in range(1, max_iter + 1):
        ll = step()
        history.append(ll)
        if it > 1:
            prev = history[-2]
            if abs(ll - prev) <= tol * max(1.0, abs(prev)):
                return it, history
    if max_iter > 1:
        warnings.warn(
            f"{name} did not converge in max_iter={max_iter} iterations (last change "
            f"{abs(history[-1] - history[-2]) if len(history) > 1 else float('nan'):.3g}"
            f"); raise max_iter or loosen tol",
            ConvergenceWarning,
            stacklevel=3,
        )
    return max_iter, history


def one_coin_log_likelihoods(ann, log_right: np.ndarray, log_wrong: np.ndarray) -> np.ndarray:
    """Per item and true class, the summed log-likelihood under a "one coin" label model.

    In one-coin models (one-coin Dawid-Skene, GLAD, MACE) annotation ``j`` has
    one log-probability ``log_right[j]`` if the true class equals its label and
    ``log_wrong[j]`` otherwise. Then

    .. math:: \\ell_{ic} = \\sum_{j \\in i} \\text{wrong}_j
              + \\sum_{j \\in i,\\, l_j = c} (\\text{right}_j - \\text{wrong}_j),

    two ``np.bincount`` passes, O(n_annotations) whatever the number of classes.

    Parameters
    ----------
    ann : Annotations
    log_right, log_wrong : ndarray, shape (n_annotations,)

    Returns
    -------
    ndarray, shape (n_items, n_classes)
    """
    k = ann.n_classes
    base = np.bincount(ann.item, weights=log_wrong, minlength=ann.n_items)
    bonus = np.bincount(
        item_label_index(ann), weights=log_right - log_wrong, minlength=ann.n_items * k
    ).reshape(ann.n_items, k)
    bonus += base[:, None]
    return bonus


def item_label_index(ann) -> np.ndarray:
    """Flat index ``item * n_classes + label`` of every annotation (cached on ``ann``)."""
    cache = ann._cache
    if "item_label" not in cache:
        idx = ann.item.astype(np.int64) * ann.n_classes + ann.label
        idx.setflags(write=False)
        cache["item_label"] = idx
    return cache["item_label"]
