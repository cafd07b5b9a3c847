"""Some columns of a CSV / TSV export, read in blocks, as the whole-file table reader gives them.

Toloka and CrowdFlower exports are delimited text with many columns a reader
never looks at (task text, IP addresses, links). :func:`read_text_columns` parses
the file 64k rows at a time (:func:`labeljury.io.stream._csv_chunks`, the block
reader of long tables) and keeps only the columns asked for, each distinct text
stored once, so memory follows the number of rows, not the file's text. The
cells come out as :func:`~labeljury.io.tables.read_table` with ``numbers=False``
gives them (text as written, NaN for an empty cell), as categorical columns; the
readers work on them once per distinct value (:func:`per_distinct`). Where the block reader does
not follow the file (a ragged row, the header repeated, text that is not UTF-8,
a ``sep=`` line ...) it returns ``None`` and the caller reads the file whole,
whose reader names the file, line and column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["per_distinct", "read_text_columns"]


def read_text_columns(
    path: str, keep: Callable[[list[str]], list[str]]
) -> tuple[list[str], pd.DataFrame] | None:
    """``(header, the columns keep(header))`` of a CSV / TSV file, or None: read it whole."""
    from .stream import _Column, _csv_chunks, _kind, _NotStreamable

    kind = _kind(path)
    if kind not in ("csv", "tsv"):
        return None
    header: list[str] | None = None
    cols: dict[str, _Column] = {}
    try:
        for names, raw, _line in _csv_chunks(path, kind):
            if header is None:
                header = list(names)
                cols = {c: _Column() for c in keep(header)}
            for c, col in cols.items():
                col.add_text(raw[c].to_numpy(dtype=object))
    except _NotStreamable:
        return None
    if header is None:
        return None
    out = {}
    for c, col in cols.items():
        parts = [p for _, p in col.parts]
        codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
        out[c] = pd.Categorical.from_codes(codes, pd.Index(list(col.vocab), dtype=object))
    df = pd.DataFrame(out, columns=list(cols))
    df.attrs["labeljury_text"] = True
    return header, df


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
