"""Write a table as CSV, byte for byte what ``DataFrame.to_csv(path, index=False)`` writes, faster.

pandas formats every cell with a Python call (``str`` of each int, numpy's
``astype(str)`` of each float) and hands the rows to :mod:`csv`: 17 s of the
29 s ``labeljury aggregate --out`` took at 1e7 annotations (docs/scale.md).
Here a column is formatted once per *distinct* value and the rows are put
together with numpy:

* each column becomes a byte matrix, one row per table row, the field's bytes
  padded with NUL: integers digit by digit (vectorised), floats and strings by
  formatting their distinct values (``pd.factorize``) and gathering;
* the row matrix is the columns side by side with a separator column
  (``,`` or the line end) after each; dropping every NUL byte leaves exactly
  the CSV text, since no field written here contains one.

The header line is pandas' own (``to_csv`` of no rows). The rows equal
pandas' for the column types handled (numpy ints, floats, bools; strings,
object or ``str`` dtype, with missing values); a table with any other column,
or a string holding a NUL, has its rows written by ``to_csv``. Floats: pandas
writes numpy's ``astype(str)``, the shortest repr that round-trips, which for
float64 is Python's ``repr`` (tests/test_csv_fast.py checks both on random bit
patterns and edge values); strings that need quotes go through :mod:`csv`
itself with pandas' dialect.

One process: a forked second one formatting half the rows halved each
process's CPU time (2.6 + 2.6 s against 5.0 s for the 1e7-row table) but gave
no wall-clock gain on the shared 2-core VM, and forking a process that holds
pyarrow's threads is a risk, so it was left out.
"""

from __future__ import annotations

import csv
import io
import os
import re
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

__all__ = ["write_csv"]

#: bytes per block of rows put together at once (the block's matrix and its mask)
_BLOCK_BYTES = 1 << 22  # 4 MiB: 32 MiB cost 70 MiB more peak at 1e6 rows and was no faster
#: distinct floats formatted at once (their Python strings live until packed into bytes)
_CHUNK = 1 << 18


def _may_quote(sep: str) -> re.Pattern[str]:
    """Characters that can make :mod:`csv` quote a field with pandas' dialect (the
    delimiter, the quote character, a line end); such strings are written by csv."""
    return re.compile("[" + re.escape(sep) + '"\r\n]')


def _dialect(sep: str) -> dict[str, Any]:
    """The csv writer settings ``to_csv(sep=sep)`` uses by default."""
    return {
        "delimiter": sep,
        "quotechar": '"',
        "quoting": csv.QUOTE_MINIMAL,
        "doublequote": True,
        "escapechar": None,
        "lineterminator": os.linesep,
    }


def _csv_field(text: str, sep: str) -> str:
    """``text`` as csv writes it in a row of several fields (quoted if it must be)."""
    buf = io.StringIO()
    csv.writer(buf, **_dialect(sep)).writerow([text, "x"])
    return buf.getvalue()[: -len(sep + "x" + os.linesep)]


def _matrix(fields: list[bytes] | np.ndarray) -> np.ndarray:
    """Byte strings, the last one empty (gathered for a missing value, code -1) ->
    ``(len, width)`` uint8 matrix, NUL padded."""
    arr = np.asarray(fields, dtype="S")
    return arr.view(np.uint8).reshape(len(arr), arr.dtype.itemsize)


class _Coded:
    """A column as codes into a matrix of its formatted distinct values."""

    def __init__(self, codes: np.ndarray, fields: list[bytes] | np.ndarray) -> None:
        self.codes = codes
        self.table = _matrix(fields)
        self.width = self.table.shape[1]

    def render(self, lo: int, hi: int, out: np.ndarray) -> None:
        """Rows ``lo:hi`` into ``out`` (``(hi - lo, width)``); code -1 wraps to the empty row."""
        np.take(self.table, self.codes[lo:hi], axis=0, out=out, mode="wrap")


class _Digits:
    """An integer column written digit by digit: ``str(int)`` for every value."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        if values.dtype.kind == "i":
            neg = values < 0
            self.signed = bool(neg.any())
            top = int(values.max()) if len(values) else 0
            bottom = int(values.min()) if len(values) else 0
            biggest = max(top, -bottom)
        else:
            self.signed = False
            biggest = int(values.max()) if len(values) else 0
        self.ndigits = len(str(biggest))
        self.small = biggest < 2**32
        self.width = self.ndigits + self.signed

    def render(self, lo: int, hi: int, out: np.ndarray) -> None:
        """Rows ``lo:hi`` into ``out`` (``(hi - lo, width)``)."""
        v = self.values[lo:hi]
        if self.signed:
            neg = v < 0
            # -(v + 1) + 1 in unsigned: the magnitude of the smallest int64 too
            mag = np.where(neg, (-(v + 1)).astype(np.uint64) + 1, v.astype(np.uint64))
            out[:, 0] = np.where(neg, ord("-"), 0)  # NULs between sign and digits are dropped
        else:
            mag = v.astype(np.uint64)
        x = mag.astype(np.uint32) if self.small else mag
        ten = x.dtype.type(10)
        for j in range(self.width - 1, self.width - self.ndigits - 1, -1):
            digit = (x % ten).astype(np.uint8) + ord("0")
            # a leading zero is padding (NUL), the units digit always written
            out[:, j] = digit if j == self.width - 1 else np.where(x > 0, digit, 0)
            x = x // ten


def _float_column(values: np.ndarray) -> _Coded:
    # distinct values by bit pattern: -0.0 stays apart from 0.0 (factorize on the
    # floats would merge them and write one for both)
    bits = values.view({8: np.int64, 4: np.int32, 2: np.int16}[values.dtype.itemsize])
    codes, uniq = pd.factorize(bits)
    floats = np.asarray(uniq).view(values.dtype)
    if values.dtype == np.float64:  # numpy's str of a float64 is its repr, 2x cheaper
        # in chunks: a list of millions of Python strings would cost ~60 bytes each at once
        chunks = [
            np.array([*map(repr, floats[i : i + _CHUNK].tolist())], dtype="S")
            for i in range(0, len(floats), _CHUNK)
        ]
        text = np.concatenate([*chunks, np.array([b""], dtype="S")])
    else:
        text = np.append(floats.astype("S"), np.array([b""], dtype="S"))
    text[:-1][np.isnan(floats)] = b""  # missing: na_rep ""
    return _Coded(codes, text)


def _string_column(series: pd.Series, sep: str) -> _Coded | None:
    """Strings (object or ``str`` dtype), missing values allowed; None if not all strings."""
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) not in (
        "string",
        "empty",
    ):
        return None
    codes, uniq = pd.factorize(series)  # missing values: code -1 -> the empty last row
    quote = _may_quote(sep)
    fields = []
    for s in uniq.tolist():
        if "\0" in s:
            return None
        fields.append((_csv_field(s, sep) if quote.search(s) else s).encode("utf-8"))
    return _Coded(np.asarray(codes), [*fields, b""])


def _column(series: pd.Series, sep: str = ",") -> _Coded | _Digits | None:
    """The column's renderer, or None where only pandas writes it exactly."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype):
        if dtype.kind in "iu":
            return _Digits(series.to_numpy())
        if dtype.kind == "f":
            return _float_column(series.to_numpy())
        if dtype.kind == "b":
            return _Coded(series.to_numpy().view(np.uint8), [b"False", b"True", b""])
        if dtype.kind == "O":
            return _string_column(series, sep)
        return None
    if isinstance(dtype, pd.StringDtype):
        return _string_column(series, sep)
    return None


def _write_rows(df: pd.DataFrame, f: BinaryIO, sep: str) -> None:
    """The rows of ``df`` (no header) to the binary file ``f``."""
    cols = [_column(df.iloc[:, j], sep) for j in range(df.shape[1])]
    if any(c is None for c in cols):  # formatted value by value, exactly
        df.to_csv(f, index=False, header=False, sep=sep)
        return
    delim = sep.encode()
    end = os.linesep.encode()
    width = sum(c.width + 1 for c in cols) - 1 + len(end)
    step = max(1, _BLOCK_BYTES // width)
    block = np.empty((min(step, len(df)), width), np.uint8)
    for lo in range(0, len(df), step):
        hi = min(len(df), lo + step)
        rows = block[: hi - lo]
        at = 0
        for j, c in enumerate(cols):
            c.render(lo, hi, rows[:, at : at + c.width])
            at += c.width
            after = delim if j < len(cols) - 1 else end
            rows[:, at : at + len(after)] = np.frombuffer(after, np.uint8)
            at += len(after)
        f.write(rows[rows != 0])


def write_csv(df: pd.DataFrame, path: str | os.PathLike[str], sep: str = ",") -> None:
    """Write ``df`` to ``path`` exactly as ``df.to_csv(path, index=False, sep=sep)`` would.

    Parameters
    ----------
    df : DataFrame
        Any table; the columns handled here (numpy numbers and bools, strings)
        are formatted vectorised, any other table is written by pandas.
    path : path
        The file to write (created or truncated).
    sep : str, default ","
        The delimiter, one character (``"\t"`` for TSV).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_csv(pd.DataFrame({"a": [1, -2], "b": [0.1, float("nan")], "c": ["x,y", "z"]}), p)
    >>> print(p.read_text(), end="")
    a,b,c
    1,0.1,"x,y"
    -2,,z
    """
    if df.shape[1] < 2:  # one column: csv quotes an empty field when it is the whole row
        df.to_csv(path, index=False, sep=sep)
        return
    df.iloc[:0].to_csv(path, index=False, sep=sep)  # the header line, as pandas writes it
    with open(path, "ab") as f:
        _write_rows(df, f, sep)
