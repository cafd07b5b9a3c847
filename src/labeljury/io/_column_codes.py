"""A column read in blocks, as small integer codes into a running vocabulary.

Each block's distinct values are looked up once and appended in order of first
appearance, so the codes come out as reading the whole column would give them
(:func:`pandas.factorize` order). The block readers of long tables
(:mod:`labeljury.io.stream`) and of MTurk batches keep their columns this way:
memory follows the number of rows in 4-byte codes, each distinct text stored once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._coded import CodeBook


class _Column:
    """One column's values so far: codes into a running vocabulary, or plain numbers."""

    def __init__(self) -> None:
        self.book = CodeBook()  # the distinct values in order of first appearance
        self.parts: list[tuple[bool, np.ndarray]] = []  # (coded?, array)

    @property
    def vocab(self) -> list[Any]:
        """The distinct values so far, in order of first appearance."""
        return self.book.values

    def add_coded(self, local: np.ndarray, uniques: Sequence[Any]) -> None:
        """Add a block as local codes (-1 = missing) into its own distinct ``uniques``."""
        lut = np.append(self.book.lut(uniques), np.int32(-1))  # 4-byte codes
        self.parts.append((True, lut[local]))

    def add_text(self, values: np.ndarray) -> None:
        """Add a block of text cells (empty cells and NaN are missing)."""
        local, uniq = pd.factorize(values, use_na_sentinel=True)
        uniq = np.asarray(uniq, dtype=object)
        blank = np.flatnonzero(uniq == "")
        if blank.size:  # an empty cell is a missing one, as in the whole-file reader
            local = np.where(np.isin(local, blank), -1, local)
        self.add_coded(local, uniq.tolist())

    def add_values(self, values: np.ndarray) -> None:
        """Add a block of numbers (or other non-text values) as they are."""
        self.parts.append((False, values))

    def result(self) -> Any:
        """The whole column: a Categorical of the codes, or an array of values."""
        if all(coded for coded, _ in self.parts):
            codes = np.concatenate([p for _, p in self.parts]) if self.parts else np.zeros(0)
            return pd.Categorical.from_codes(
                codes.astype(np.int32), categories=pd.Index(self.vocab, dtype=object)
            )
        if not any(coded for coded, _ in self.parts):
            return np.concatenate([p for _, p in self.parts])
        # files of one glob disagree on the type: the values side by side, as written
        cats = np.append(np.asarray(self.vocab, dtype=object), np.nan)
        return np.concatenate([cats[p] if coded else p.astype(object) for coded, p in self.parts])


def _codes(col: _Column) -> np.ndarray:
    return np.concatenate([p for _, p in col.parts]) if col.parts else np.zeros(0, np.int32)


def _add_arrow(col: _Column, arr: Any) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        enc = pc.dictionary_encode(arr)
        local = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)
        col.add_coded(local, enc.dictionary.to_pylist())
    else:  # numbers, booleans: what to_pandas() gives the whole-file reader
        col.add_values(arr.to_pandas().to_numpy())
