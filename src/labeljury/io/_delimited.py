"""Delimited text (CSV / TSV) read whole, refusing what is ambiguous, naming file and line.

Cells are read as text exactly as written (an empty cell is missing). The
delimiter is sniffed from the header line; two columns with the same name, the
header repeated inside the data, ragged or short records (a truncated file, a
lost delimiter) are refused. :func:`check_records` holds the same checks for a
tool export streamed in chunks.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EmptyInputError, InputError, InputWarning, preview, user_stacklevel
from ._decoding import inner_suffix, read_bytes

__all__ = ["check_records"]

_DELIMS = (",", "\t", ";", "|")
_DELIM_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}


def _sniff_delimiter(header: str, expected: str | None, source: str) -> str:
    """The delimiter of a header line: the expected one if present, else the one found."""
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {d: unquoted.count(d) for d in _DELIMS}
    if expected is not None and counts[expected]:
        return expected
    found = max(_DELIMS, key=lambda d: counts[d])
    if not counts[found]:
        return expected or ","  # one column
    if expected is not None:
        warnings.warn(
            f"{source}: the header line holds no {_DELIM_NAMES[expected]} but "
            f"{counts[found]} {_DELIM_NAMES[found]}(s); reading it as "
            f"{_DELIM_NAMES[found]}-separated",
            InputWarning,
            stacklevel=user_stacklevel(),
        )
    return found


#: pandas' options for delimited text read as it stands (every cell text, none
#: missing): the whole-file reader and the block reader of long tables share them
#: so that both read a file the same way
RAW_CSV: dict[str, Any] = {
    "header": None,
    "dtype": object,
    "keep_default_na": False,
    "na_filter": False,
    "skip_blank_lines": True,
    "engine": "c",
}


def suffix_delimiter(header: str, kind: str, source: str) -> str | None:
    """The delimiter a ``.tsv``/``.csv`` suffix promises, or None when the header has another.

    The block readers take a file only as its suffix says; a header that needs
    :func:`_sniff_delimiter`'s warning is left to the whole-file reader, which
    gives it.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return _sniff_delimiter(header, "\t" if kind == "tsv" else ",", source)
        except Warning:
            return None


def _header_names(raw: list[Any]) -> list[str]:
    names = []
    for i, name in enumerate(raw):
        name = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name)
        names.append(name if name.strip() else f"Unnamed: {i}")
    return names


def _check_columns(columns: list[Any], source: str) -> None:
    seen: dict[str, int] = {}
    for i, c in enumerate(columns):
        key = str(c).strip()
        if key in seen:
            raise InputError(
                f"{source}: columns {seen[key] + 1} and {i + 1} are both named "
                f"{str(c)!r}; rename one (labeljury never guesses which is meant)"
            )
        seen[key] = i


def _fields_per_row(text: str, sep: str) -> np.ndarray:
    """Fields on each non-blank record of delimited text (the header first), vectorised.

    Delimiters and line ends inside double quotes do not count: a character is
    quoted when an odd number of quotes precede it (an escaped ``""`` adds two).
    """
    b = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    quotes = np.flatnonzero(b == 34)
    ends = np.flatnonzero(b == 10)
    seps = np.flatnonzero(b == ord(sep))
    if quotes.size:
        ends = ends[np.searchsorted(quotes, ends) % 2 == 0]
        seps = seps[np.searchsorted(quotes, seps) % 2 == 0]
    starts = np.concatenate([[0], ends + 1])
    stops = np.concatenate([ends, [len(b)]])
    width = stops - starts
    blank = (width == 0) | ((width == 1) & (b[np.minimum(starts, len(b) - 1)] == 13))
    fields = np.diff(np.searchsorted(seps, np.concatenate([starts, [len(b)]]))) + 1
    return fields[~blank]


def _refuse_short_rows(text: str, sep: str, body: pd.DataFrame, source: str) -> None:
    """Refuse records with fewer fields than the header (a truncated file, a lost
    delimiter): pandas pads them with empty cells, which would read as "no answer".
    """
    if len(sep) != 1 or not sep.isascii() or not len(body):
        return
    fields = _fields_per_row(text, sep)
    if len(fields) != len(body) + 1:
        return  # records the count cannot align (a stray quote inside a value): pandas decides
    short = np.flatnonzero(fields[1:] < fields[0])
    if not short.size:
        return
    # confirm on the parsed rows: a padded record ends in empty cells
    r = int(short[0])
    if any(str(v) != "" for v in body.iloc[r, int(fields[r + 1]) :].tolist()):
        return
    raise InputError(
        f"{source}: record {r + 1} (line {r + 2} if no value spans lines) has "
        f"{fields[r + 1]} field(s) where the header has {fields[0]}"
        f"{f' ({short.size} such records)' if short.size > 1 else ''}; the file is "
        "truncated or a delimiter is missing: fix or drop the row"
    )


def _ends_with_newline(path: str) -> bool:
    """Whether the (decompressed) file ends with a line break, as every export writes."""
    if inner_suffix(path)[1] is None:
        with open(path, "rb") as fh:
            fh.seek(max(os.path.getsize(path) - 4, 0))
            tail = fh.read()
    else:
        tail = read_bytes(path)[-4:]
    return tail.rstrip(b"\x00").endswith((b"\n", b"\r"))


def check_records(raw: pd.DataFrame, path: str, ids: Sequence[str]) -> None:
    """Refuse the records a streamed tool-export reader must not read as data.

    A header line repeated inside the data (files concatenated), a record
    without one of the ``ids`` columns (a ragged or cut row), and a last record
    cut short: no line break at the end of the file and empty cells in columns
    that every other record fills (a truncated download).
    """
    first = raw[ids[0]].astype(object).to_numpy()
    again = np.flatnonzero(first == ids[0])
    if again.size:
        raise InputError(
            f"{path} line {int(again[0]) + 2}: the header row repeated inside the data "
            "(files concatenated?); remove those lines"
        )
    for col in ids:
        miss = np.flatnonzero(raw[col].isna().to_numpy())
        if miss.size:
            raise InputError(
                f"{path} line {int(miss[0]) + 2}: no {col} ({miss.size} record(s)); a "
                "ragged or truncated row: fix or drop it"
            )
    if len(raw) > 1 and not _ends_with_newline(path):
        last = raw.iloc[-1].isna().to_numpy()
        filled = raw.iloc[:-1].notna().all().to_numpy()
        if (last & filled).any():
            cut = [c for c, m in zip(raw.columns, last & filled, strict=True) if m]
            raise InputError(
                f"{path}: the last record (line {len(raw) + 1}) has no {preview(cut, 3)} "
                "and the file does not end with a line break: it looks truncated; "
                "download it again (or drop the last line)"
            )


def _read_delimited(text: str, kind: str, source: str) -> pd.DataFrame:
    first = text.split("\n", 1)[0]
    excel = re.fullmatch(r"sep=(.)\r?", first)
    if excel:  # Excel's "sep=;" first line names the delimiter
        text = text.split("\n", 1)[1] if "\n" in text else ""
        first = text.split("\n", 1)[0]
        kind = {",": "csv", "\t": "tsv"}.get(excel.group(1), excel.group(1))
    if kind in ("csv", "tsv"):
        sep = _sniff_delimiter(first, "\t" if kind == "tsv" else ",", source)
    else:
        sep = kind if len(kind) == 1 else _sniff_delimiter(first, None, source)
    try:
        raw = pd.read_csv(io.StringIO(text), sep=sep, **RAW_CSV)
    except pd.errors.EmptyDataError as exc:
        raise EmptyInputError(f"{source}: the file is empty") from exc
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            raise InputError(
                f"{source} line {m.group(2)}: {m.group(3)} fields where the header "
                f"has {m.group(1)}; fix the ragged row (a delimiter inside an "
                "unquoted value?)"
            ) from exc
        raise InputError(f"{source}: cannot parse as {kind.upper()} ({exc})") from exc
    if raw.shape[0] == 0:
        raise EmptyInputError(f"{source}: the file is empty")
    header = _header_names(raw.iloc[0].tolist())
    _check_columns(header, source)
    body = raw.iloc[1:].reset_index(drop=True)
    body.columns = header
    _refuse_short_rows(text, sep, body, source)
    if len(body):
        # a header row repeated inside the data: two files concatenated (maybe with a BOM)
        head = raw.iloc[0].to_numpy(dtype=object)
        same = np.ones(len(body), dtype=bool)
        for j in range(1, len(header)):  # column by column: no row-wide object copy
            same &= body.iloc[:, j].to_numpy(dtype=object) == head[j]
        rows = np.flatnonzero(same)
        key = str(head[0]).strip().lstrip("\ufeff")
        rep = (
            rows[[str(body.iat[r, 0]).strip().lstrip("\ufeff") == key for r in rows]]
            if rows.size
            else rows
        )
        if rep.size and len(header) > 1:
            raise InputError(
                f"{source} line{'s' if rep.size > 1 else ''} "
                f"{preview((rep + 2).tolist())}: the header row repeated inside "
                "the data (files concatenated?); remove those lines"
            )
    # empty cells are missing; everything else is the text as written
    body = body.replace("", np.nan).astype(object)
    # a trailing delimiter on every line adds a nameless, empty column: nothing to read
    blank = [c for i, c in enumerate(body.columns) if c == f"Unnamed: {i}" and body[c].isna().all()]
    return body.drop(columns=blank) if blank else body
