"""Pieces every EM-style method shares: log-space normalisation, the E-step
gather and the M-step count accumulation, and the convergence loop.

All work happens on the sparse one-hot matrix ``X`` of shape
``(n_items, n_annotators * n_classes)`` from :meth:`Annotations.one_hot`:

* E-step: ``log p(z_i = c | labels) = log prior_c + (X @ W)[i, c]`` where
  ``W[a * K + l, c] = log P(annotator a says l | true class c)``;
* M-step: ``(X.T @ T)[a * K + l, c]`` is the expected number of times annotator
  ``a`` said ``l`` when the truth was ``c``, with ``T`` the posterior.

Both are one sparse-dense product, O(n_annotations * K), no Python loop.

With numba installed (the ``fast`` extra) and a large input (see
:data:`KERNEL_MIN_ANNOTATIONS`, :data:`KERNEL_LOAD_ANNOTATIONS`), the same sums run as compiled
kernels over the CSR arrays of ``X`` (:mod:`._kernels`): :func:`e_step` fuses
the E-step, the normalisation and the next M-step's counts into one pass over
the annotations, with no ``(n_items, K)`` temporary. The numpy/scipy path is
the fallback and gives the same numbers (tested); the choice is automatic.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from ..errors import ConvergenceWarning, user_stacklevel

__all__ = [
    "KERNEL_LOAD_ANNOTATIONS",
    "KERNEL_MIN_ANNOTATIONS",
    "class_totals",
    "confusion_counts",
    "e_step",
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
    kern = _kernels_for(log_unnorm.size)  # its work is per cell, as an annotation's
    if kern is not None and log_unnorm.ndim == 2:
        # the kernels shift and divide each row in one pass; numpy's SIMD exp between.
        # The result has the numpy path's layout (an F-ordered view of a (K, n) array):
        # callers that go on class-major (Jury's leave-one-out) then copy nothing.
        log_unnorm = np.ascontiguousarray(log_unnorm, dtype=float)
        n, k = log_unnorm.shape
        probs, top = np.empty((k, n)).T, np.empty(n)
        kern.shift_rows(log_unnorm, probs, top)
        np.exp(probs, out=probs)
        no_counts = np.empty((0, k))
        ll = kern.normalize_scatter(_NO_INT, _NO_INT, _NO_FLOAT, probs, top, no_counts)
        return probs, float(ll)
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
    return np.asarray(one_hot @ _weight_table(log_conf))


def confusion_counts(one_hot, posterior: np.ndarray) -> np.ndarray:
    """Expected counts ``[a, c, l]``: annotator ``a`` said ``l`` when the truth was ``c``."""
    k = posterior.shape[1]
    # a C-ordered posterior: scipy would copy an F-ordered one (the numpy E-step's) first
    flat = np.asarray(one_hot.T @ np.ascontiguousarray(posterior))  # row a*K+l, column c
    return flat.reshape(-1, k, k).transpose(0, 2, 1)


def e_step(
    one_hot,
    log_conf: np.ndarray,
    log_prior: np.ndarray,
    gold: np.ndarray | None = None,
    *,
    counts: bool = False,
) -> tuple[Any, ...]:
    """The posterior over every item's true class, its log-evidence and (optionally)
    the expected counts the next M-step needs, in one call.

    The same as ``log_normalize(log_prior + log_likelihoods(one_hot, log_conf))``
    with gold items pinned, followed by ``confusion_counts(one_hot, posterior)``;
    the compiled path does it in one pass over the annotations.

    Parameters
    ----------
    one_hot : sparse matrix, shape (n_items, n_annotators * K)
    log_conf : ndarray, shape (n_annotators, K_true, K_observed)
    log_prior : ndarray, shape (K,) or (n_items, K)
        Log prior of the true class, one for all items or one row per item.
    gold : ndarray of int, shape (n_items,), optional
        Known true classes (-1 where unknown): those items get a one-hot
        posterior and add nothing to the log-evidence.
    counts : bool, default False
        Also return :func:`confusion_counts` of the new posterior.

    Returns
    -------
    post : ndarray, shape (n_items, K)
    log_evidence : float
    counts : ndarray, shape (n_annotators, K, K), only with ``counts=True``
    """
    kern = _kernels_for(one_hot.nnz, one_hot)
    if kern is None:
        log_post = log_prior + log_likelihoods(one_hot, log_conf)
        if gold is not None:
            known = np.flatnonzero(gold >= 0)
            if known.size:
                log_post[known] = -np.inf
                log_post[known, gold[known]] = 0.0
        post, ll = log_normalize(log_post)
        return (post, ll, confusion_counts(one_hot, post)) if counts else (post, ll)
    k = log_conf.shape[1]
    post = log_likelihoods(one_hot, log_conf)  # becomes the posterior, in place
    top = np.empty(post.shape[0])
    kern.prior_shift(
        post,
        np.ascontiguousarray(np.atleast_2d(log_prior), dtype=float),
        _NO_INT if gold is None else np.ascontiguousarray(gold),
        top,
    )
    # numpy's exp is SIMD-vectorised; numba's scalar exp was 5x slower per value
    np.exp(post, out=post)
    flat = np.empty((one_hot.shape[1] if counts else 0, k))
    csr = (one_hot.indptr, one_hot.indices, one_hot.data)
    ll = kern.normalize_scatter(*csr, post, top, flat)
    if not counts:
        return post, float(ll)
    return post, float(ll), flat.reshape(-1, k, k).transpose(0, 2, 1)


# "none" for the kernels' optional arrays (no gold; no CSR when only normalising)
_NO_INT, _NO_FLOAT = np.empty(0, dtype=np.int32), np.empty(0)

#: With numba installed, the compiled kernels run on inputs of at least this many
#: annotations (cells, for :func:`log_normalize`) once they are loaded: from 1e4 on
#: they beat the numpy path per call (docs/benchmarks-core.md, issue 20).
KERNEL_MIN_ANNOTATIONS = 10_000

#: ... but they are loaded (numba imported, the cached machine code read) only for an
#: input this large: the load costs about half a CPU second once per process, which a
#: single fit repays from about 1e6 annotations (each fit saves about 0.4 us per
#: annotation). Smaller one-off fits, such as the CLI on a typical file, stay on numpy.
KERNEL_LOAD_ANNOTATIONS = 1_000_000


@functools.cache
def _load_kernels() -> ModuleType | None:
    try:
        from . import _kernels
    except ImportError:  # numba is the optional `fast` extra
        return None
    return _kernels


def _kernels_for(n_annotations: int, one_hot: Any = None) -> ModuleType | None:
    """The compiled kernels when they pay for this input (and it is a CSR matrix)."""
    if n_annotations < KERNEL_MIN_ANNOTATIONS:
        return None
    if one_hot is not None and getattr(one_hot, "format", None) != "csr":
        return None
    if n_annotations < KERNEL_LOAD_ANNOTATIONS and not _load_kernels.cache_info().currsize:
        return None  # not loaded yet, and this input would not repay loading them
    return _load_kernels()


def _weight_table(log_conf: np.ndarray) -> np.ndarray:
    """``log_conf[a, c, l]`` as a C-ordered ``(A * K, K)`` table, row ``a * K + l``."""
    n_ann, k, _ = log_conf.shape
    return np.ascontiguousarray(log_conf.transpose(0, 2, 1).reshape(n_ann * k, k), dtype=float)


def class_totals(post: np.ndarray) -> np.ndarray:
    """``post.sum(axis=0)``: the expected number of items of each class.

    A matrix-vector product: numpy's column sums over a C-ordered ``(n, K)``
    array with K = 10 took 5 ms at 250,000 items, the product 1.4 ms.
    """
    return np.ones(post.shape[0]) @ post


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
            stacklevel=user_stacklevel(),
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
