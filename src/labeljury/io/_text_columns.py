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

__all__ = ["per_distinct"]


def per_distinct(col: pd.Series, fn: Callable[[pd.Series], Any]) -> pd.Series:
    """``fn(col)`` for an elementwise ``fn``, computed once per distinct value.

    Examples
    --------
    >>> per_distinct(pd.Series(["a", None, "a"]), lambda s: s.str.upper()).tolist()
    ['A', nan, 'A']
    """
    codes, uniq = pd.factorize(col, use_na_sentinel=True)
    vals = list(np.asarray(uniq, dtype=object))
    if (codes < 0).any():  # an empty cell: its own entry (NaN)
        vals.append(np.nan)
        codes = np.where(codes < 0, len(vals) - 1, codes)
    out = pd.Series(fn(pd.Series(vals, dtype=object))).take(codes)  # keeps the dtype
    out.index = col.index
    return out
