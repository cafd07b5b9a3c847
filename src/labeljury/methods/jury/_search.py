"""A bounded 1-D maximiser (golden section), deterministic and dependency-light."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["bounded_max"]

_GOLDEN = 0.6180339887498949


def bounded_max(f: Callable[[float], float], lo: float, hi: float, tol: float = 0.01) -> float:
    """The maximiser of a unimodal ``f`` on ``[lo, hi]`` to within ``tol`` (golden section);
    an end point when ``f`` is highest there."""
    a, b = lo, hi
    x1, x2 = b - _GOLDEN * (b - a), a + _GOLDEN * (b - a)
    f1, f2 = f(x1), f(x2)
    while b - a > tol:
        if f1 >= f2:
            b, x2, f2 = x2, x1, f1
            x1 = b - _GOLDEN * (b - a)
            f1 = f(x1)
        else:
            a, x1, f1 = x1, x2, f2
            x2 = a + _GOLDEN * (b - a)
            f2 = f(x2)
    best = max((f(lo), lo), (f1, x1), (f2, x2), (f(hi), hi))
    return float(best[1])
