"""Compiled (numba) E- and M-step kernels over the item-major one-hot matrix.

Imported only by :mod:`._em`, and only when numba is installed and the data is
large enough to repay loading it (see ``_em.KERNEL_MIN_ANNOTATIONS``). Every
kernel walks the CSR arrays of :meth:`Annotations.one_hot` (``indptr`` per
item, ``indices`` = ``annotator * K + label``, ``data`` = how many times) once,
item by item, in the same order as scipy's sparse products, so the sums are
the same as the numpy path's up to the last bits of ``exp``.

Why compiled: the numpy path makes an ``(n_items, K)`` temporary for each of
the shifted values, their exponentials and a class-major copy, ten passes over
the posterior's memory per iteration; here an E-step is scipy's sparse product
(its C loop keeps the K sums in registers and beat a numba gather 2x), one
kernel pass adding the prior and shifting each row by its maximum, numpy's
SIMD ``exp`` in place, and one pass that normalises each row and scatters it
into the next M-step's counts. Measured in ``docs/benchmarks-core.md`` (issue 20).
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["normalize_scatter", "prior_shift", "shift_rows"]

# error_model="numpy": 0/0 gives nan (an all -inf row, as on the numpy path)
# instead of raising; cache=True: compiled once per machine, not once per process
_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}


@nb.njit(**_JIT)
def shift_rows(log_unnorm, out, top):  # pragma: no cover - compiled
    """``out[i] = log_unnorm[i] - top[i]`` with ``top[i]`` the row maximum.

    A non-finite maximum (an all -inf row) is treated as 0, so that row ends as
    0/0 = nan with log-evidence -inf, exactly as the numpy path does.
    """
    n, k = out.shape
    for i in range(n):
        t = log_unnorm[i, 0]
        for c in range(1, k):
            v = log_unnorm[i, c]
            if v > t or v != v:
                t = v
        if not np.isfinite(t):
            t = 0.0
        top[i] = t
        for c in range(k):
            out[i, c] = log_unnorm[i, c] - t


@nb.njit(**_JIT)
def prior_shift(log_lik, log_prior, gold, top):  # pragma: no cover - compiled
    """In place: ``log_lik[i] = log_prior[i or 0] + log_lik[i] - top[i]``, the E-step's
    log-posterior shifted by its row maximum ``top[i]`` (written out).

    Items with ``gold[i] >= 0`` (when ``gold`` is not empty) are pinned: 0 at
    their class, -inf elsewhere, so they normalise to one-hot with log-evidence 0.
    A non-finite maximum is treated as 0, as in :func:`shift_rows`.
    """
    n, k = log_lik.shape
    per_item = log_prior.shape[0] > 1
    pinned = gold.shape[0] > 0
    for i in range(n):
        row = log_lik[i]
        if pinned and gold[i] >= 0:
            for c in range(k):
                row[c] = -np.inf
            row[gold[i]] = 0.0
            top[i] = 0.0
            continue
        p = i if per_item else 0
        t = -np.inf
        for c in range(k):
            v = log_prior[p, c] + row[c]
            row[c] = v
            if v > t or v != v:
                t = v
        if not np.isfinite(t):
            t = 0.0
        top[i] = t
        for c in range(k):
            row[c] -= t


@nb.njit(**_JIT)
def normalize_scatter(indptr, indices, data, probs, top, counts):  # pragma: no cover
    """Rows of ``probs`` (already ``exp`` of the shifted values) divided by their sum,
    in place; returns the total log-evidence ``sum_i log(sum_c probs[i, c]) + top[i]``.

    When ``counts`` has rows, also accumulates the next M-step's expected counts
    ``counts[indices[j], c] += data[j] * probs[i, c]`` in the same pass.
    """
    n, k = probs.shape
    want_counts = counts.shape[0] > 0
    if want_counts:
        counts[:] = 0.0
    ll = 0.0
    for i in range(n):
        total = 0.0
        for c in range(k):
            total += probs[i, c]
        for c in range(k):
            probs[i, c] /= total
        ll += np.log(total) + top[i]
        if want_counts:
            for j in range(indptr[i], indptr[i + 1]):
                col = indices[j]
                d = data[j]
                for c in range(k):
                    counts[col, c] += d * probs[i, c]
    return ll
