"""Column work once per distinct value: :func:`per_distinct`.

Toloka and CrowdFlower readers turn status words, timestamps, flags and numeric
ids into values column by column; their columns repeat a few distinct texts over
many rows, so each elementwise step runs on the distinct values and is spread
back by codes (no per-row Python strings or timestamps are made).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["distinct_codes", "per_distinct"]


def distinct_codes(col: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """``(codes, values)``: int32 codes (-1: missing) into the distinct values, first seen first.

    A categorical column (a streamed export) gives its own codes: its
    categories are already its distinct cells in order of first appearance.

    Examples
    --------
    >>> codes, values = distinct_codes(pd.Series(["b", None, "a", "b"]))
    >>> codes.tolist(), values
    ([0, -1, 1, 0], ['b', 'a'])
    """
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy().astype(np.int32), list(col.cat.categories)
    codes, uniq = pd.factorize(col, use_na_sentinel=True)
    return codes.astype(np.int32), list(np.asarray(uniq, dtype=object))


def per_distinct(col: pd.Series, fn: Callable[[pd.Series], Any]) -> pd.Series:
    """``fn(col)`` for an elementwise ``fn``, computed once per distinct value.

    Examples
    --------
    >>> per_distinct(pd.Series(["a", None, "a"]), lambda s: s.str.upper()).tolist()
    ['A', nan, 'A']
    """
    codes, vals = distinct_codes(col)
    if (codes < 0).any():  # an empty cell: its own entry (NaN)
        vals.append(np.nan)
        codes = np.where(codes < 0, len(vals) - 1, codes)
    out = pd.Series(fn(pd.Series(vals, dtype=object))).take(codes)  # keeps the dtype
    out.index = col.index
    return out
