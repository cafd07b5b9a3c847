"""A tool export's delimited text read in blocks: only the columns a reader uses, as codes.

Toloka (TSV) and CrowdFlower (CSV) exports hold many columns a reader never
looks at (task text, links, IP addresses ...). :func:`read_text_columns` parses
the file with pyarrow's streaming CSV reader a block at a time and keeps, for
the columns the reader names, one small integer code per record into a running
vocabulary of the distinct cells (each stored once, in order of first
appearance). Memory then follows the number of records, not the file's size.

pyarrow counts the fields of every record, so a cut or ragged record stops the
block reader (pandas' chunked reader pads a short record with empty cells,
which cannot be told from empty answers). On that, and on anything else the
block reader does not follow exactly as :func:`~labeljury.io.tables.read_table`
does (a file that is compressed, not UTF-8, holds a NUL byte, starts with a
``sep=`` line, repeats its header, has a quoted or nameless header cell ...),
the file is read whole by ``read_table(path, numbers=False)``, so the result,
warnings and errors (naming file and line) are exactly those of the whole-file
reader. Both paths give cells as text exactly as written, empty cells missing.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ._decoding import inner_suffix
from ._delimited import _check_columns, suffix_delimiter
from .tables import TABLE_KINDS, read_table

__all__ = ["read_text_columns"]

#: Bytes pyarrow parses per block: a block's cells, never the file's, are in memory.
BLOCK_BYTES = 1 << 19


class _NotStreamable(Exception):
    """Read this file whole instead (the whole-file reader names any problem)."""


class _Checked(io.RawIOBase):
    """A binary file as pyarrow reads it, refusing what the whole-file reader treats apart.

    Text that is not UTF-8 and NUL bytes raise :class:`_NotStreamable` (the
    whole-file reader names their line); ASCII blocks, the usual case, skip the
    decoder.
    """

    def __init__(self, fh: Any) -> None:
        self._fh = fh
        self._utf8 = codecs.getincrementaldecoder("utf-8")()

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        n = self._fh.readinto(buf)
        if n:
            chunk = bytes(memoryview(buf)[:n])
            if b"\x00" in chunk:
                raise _NotStreamable
            if not chunk.isascii():
                try:
                    self._utf8.decode(chunk)
                except UnicodeDecodeError as exc:
                    raise _NotStreamable from exc
        elif n == 0:
            try:
                self._utf8.decode(b"", final=True)  # a character cut at the end
            except UnicodeDecodeError as exc:
                raise _NotStreamable from exc
        return n


def _header(path: str, kind: str) -> tuple[list[str], str, int]:
    """The header's names, the delimiter and the bytes to skip (a UTF-8 BOM).

    Anything the whole-file reader reads differently from a plain first line of
    unquoted names raises :class:`_NotStreamable`.
    """
    with open(path, "rb") as fh:
        head = fh.readline(1 << 20)
    skip = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or b"\x00" in head:
        raise _NotStreamable  # UTF-16/32: decoded whole
    if not head.endswith(b"\n"):
        raise _NotStreamable  # header only, or a first line longer than read here
    try:
        line = head[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _NotStreamable from exc
    line = line[:-1]
    if line.endswith("\r"):
        line = line[:-1]
    if not line.strip() or line.startswith("sep=") or "\r" in line:
        raise _NotStreamable
    sep = suffix_delimiter(line, kind, path)
    if sep is None:  # a delimiter other than the suffix says
        raise _NotStreamable
    if '"' not in line:
        names = line.split(sep)
    else:  # only names quoted whole, without quotes inside ("a","b"): as read_table reads them
        field = f'(?:"[^"]*"|[^"{re.escape(sep)}]*)'
        if not re.fullmatch(f"{field}(?:{re.escape(sep)}{field})*", line):
            raise _NotStreamable
        names = next(csv.reader([line], delimiter=sep))
    if len(names) < 2 or any(not n.strip() for n in names):
        raise _NotStreamable  # one column (blank lines differ), nameless columns
    try:
        _check_columns(names, path)
    except Exception as exc:  # repeated names: the whole-file reader says so
        raise _NotStreamable from exc
    return names, sep, skip


def _give_back_freed_memory() -> None:
    """Return the heap's free pages to the system (glibc's ``malloc_trim``; elsewhere nothing).

    glibc keeps the memory the blocks were parsed in, scattered between what is
    kept (about 70 MiB for 1e6 Toloka records, measured); handing it back now
    keeps it out of the reader's peak. Dask's workers do the same.
    """
    import ctypes

    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError, TypeError):  # not glibc (musl, macOS, Windows)
        pass


def _categorical(chunks: list[Any], name: str, pool: Any) -> pd.Categorical:
    """One column's blocks (dictionary arrays) as a Categorical of first appearance.

    pyarrow merges the blocks' dictionaries, in order, into one (each block's is
    in order of first appearance, so the merged one is too) and renumbers the
    blocks' codes; the distinct cells become Python strings once, here. A cell
    equal to ``name`` raises :class:`_NotStreamable`.
    """
    import pyarrow as pa

    merged = pa.chunked_array(chunks, type=pa.dictionary(pa.int32(), pa.string()))
    merged = merged.unify_dictionaries(memory_pool=pool)
    del chunks[:]  # the blocks' own codes: let them go
    codes = np.concatenate(
        [np.zeros(0, np.int32)] + [c.indices.to_numpy(zero_copy_only=False) for c in merged.chunks]
    )
    values = merged.chunk(0).dictionary.to_pylist() if merged.num_chunks else []
    del merged
    if name in values:
        raise _NotStreamable  # the header repeated? the whole-file reader decides
    if "" in values:  # an empty cell is a missing one, as in the whole-file reader
        k = values.index("")
        lut = np.arange(len(values), dtype=np.int32)
        lut[k + 1 :] -= 1  # the codes after it shift down
        lut[k] = -1
        del values[k]
        codes = lut[codes]
    return pd.Categorical.from_codes(codes, categories=pd.Index(values, dtype=object))


def _stream(path: str, kind: str, wanted: Callable[[list[str]], list[str]]) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    # each block's cells as codes into that block's distinct cells
    as_codes = pa.dictionary(pa.int32(), pa.string())
    names, sep, skip = _header(path, kind)
    keep = [c for c in names if c in set(wanted(names))] or names[:1]
    cols: dict[str, list[Any]] = {c: [] for c in keep}
    # pyarrow allocates from malloc, whose freed pages _give_back_freed_memory returns
    # every few blocks (pyarrow's default pool keeps its own: 325 MiB at the peak
    # instead of 245 MiB for 1e6 Toloka records, measured)
    pool = pa.system_memory_pool()
    with open(path, "rb") as raw:
        raw.seek(skip)
        reader = pacsv.open_csv(
            io.BufferedReader(_Checked(raw), 1 << 20),
            read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES, use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                include_columns=keep,
                column_types={c: as_codes for c in keep},
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
            memory_pool=pool,
        )
        if reader.schema.names != keep:
            raise _NotStreamable
        for n, batch in enumerate(reader, 1):
            for c in keep:
                cols[c].append(batch.column(c))
            del batch
            if n % 16 == 0:
                _give_back_freed_memory()
    columns = {}
    for c in keep:
        columns[c] = _categorical(cols.pop(c), c, pool)
        _give_back_freed_memory()  # that column's blocks, before the next one's strings
    frame = pd.DataFrame(columns, copy=False)
    del columns
    if not len(frame):
        raise _NotStreamable  # header only: the whole-file reader decides
    return names, frame


def read_text_columns(
    path: str, wanted: Callable[[list[str]], list[str]]
) -> tuple[list[str], pd.DataFrame]:
    """The header and the ``wanted(header)`` columns of a CSV / TSV export, as text.

    Parameters
    ----------
    path : str
        The file (checked to exist and not be empty).
    wanted : callable
        Given the header's names, the names of the columns to keep (names not
        in the header are ignored). It must not raise: the caller checks the
        header afterwards, so that a damaged file is named first, as the
        whole-file reader does.

    Returns
    -------
    (list of str, DataFrame)
        All column names, and a frame holding at least the wanted columns
        present: categorical columns of the cells as written (streamed), or
        every column as ``read_table(path, numbers=False)`` gives it (read
        whole); an empty cell is missing either way.
    """
    ext, comp = inner_suffix(path)
    kind = TABLE_KINDS.get(ext, "csv")
    if comp is None and kind in ("csv", "tsv"):
        try:
            return _stream(path, kind, wanted)
        except Exception:  # anything irregular (pyarrow's own kinds too): read whole
            pass
    raw = read_table(path, numbers=False)
    return [str(c) for c in raw.columns], raw
