"""Long annotation tables read chunk by chunk: big CSV / Parquet files, folders and globs.

A long table (one row per annotation) is read a block of rows at a time and
only its item, annotator and label columns are kept, each as small integer
codes into a running vocabulary of the distinct values (in order of first
appearance, so the codes come out as reading the whole table would give them).
The file's text is never held whole, and a Parquet dataset folder or a glob of
Parquet / CSV files is read file by file. The codes then go through
:meth:`Annotations.from_long <labeljury.Annotations.from_long>` as categorical
columns, so every rule of the in-memory reader holds unchanged (ids stay text,
labels read as numbers only when all are, missing values refused by line).

Where a file does something the chunked reader does not follow (a ragged row,
the header repeated inside the data, text that is not UTF-8, a ``sep=`` line
...), that file is read whole by :func:`~labeljury.io.tables.read_table`, whose
errors name the file, line and column.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Hashable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._files import register_input
from ..errors import InputError, MissingColumnError, preview
from ._column_codes import _add_arrow, _codes, _Column
from ._delimited import RAW_CSV, _check_columns, _header_names, suffix_delimiter
from ._table_files import _DATA_KINDS, _kind, table_files

__all__ = ["read_long_table", "table_files"]

#: Rows per block: small enough that a block's text cells are a few MiB.
CHUNK_ROWS = 1 << 16


class _NotStreamable(Exception):
    """This file is read whole instead (the whole-file reader names any problem)."""


class _Prefixed(io.TextIOBase):
    """A text stream that gives ``first`` and then the rest of ``fh``."""

    def __init__(self, first: str, fh: Any) -> None:
        self._first, self._fh = first, fh

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        if self._first:
            out, self._first = self._first, ""
            return out
        return self._fh.read(-1 if size is None else size)

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        if self._first:
            out, self._first = self._first, ""
            return out
        return self._fh.readline(-1 if size is None else size)


def _csv_chunks(path: str, kind: str) -> Iterator[tuple[list[str], pd.DataFrame, int]]:
    """``(header, block, first line number)`` for each block of a CSV / TSV file.

    The cells are text exactly as written; the checks are those of the whole-file
    reader, and anything it would refuse or repair raises :class:`_NotStreamable`.
    """
    from .tables import open_text

    with open_text(path) as fh:
        try:
            first = fh.readline()
        except UnicodeDecodeError as exc:
            raise _NotStreamable from exc
        line = first.rstrip("\r\n")
        if re.fullmatch(r"sep=(.)", line) or "\x00" in line or not line.strip():
            raise _NotStreamable
        sep = suffix_delimiter(line, kind, path)
        if sep is None:  # a delimiter other than the suffix says
            raise _NotStreamable
        try:
            reader = pd.read_csv(_Prefixed(first, fh), sep=sep, chunksize=CHUNK_ROWS, **RAW_CSV)
            header: list[str] | None = None
            head: np.ndarray | None = None
            for raw in reader:
                offset = 1  # file line of raw row r: r + 1 (the header is line 1)
                if header is None:
                    head = raw.iloc[0].to_numpy(dtype=object)
                    header = _header_names(head.tolist())
                    _check_columns(header, path)
                    raw = raw.iloc[1:]
                if len(header) > 1 and len(raw):
                    same = np.ones(len(raw), dtype=bool)
                    for j in range(len(header)):
                        same &= raw.iloc[:, j].to_numpy(dtype=object) == head[j]
                    if same.any():  # the header repeated: the whole-file reader names it
                        raise _NotStreamable
                raw.columns = header
                yield header, raw, int(raw.index[0]) + offset if len(raw) else 0
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise _NotStreamable from exc
        if header is None:
            raise _NotStreamable


def _roles(
    names: list[Hashable],
    source: str,
    item_col: Hashable | None,
    annotator_col: Hashable | None,
    label_col: Hashable | None,
    layout: str,
) -> tuple[Hashable, Hashable, Hashable] | None:
    """The item, annotator and label columns of a long table; None when it is wide."""
    from .._columns import ANNOTATOR_NAMES, ITEM_NAMES, LABEL_NAMES, _find_column, _resolve_column

    if layout == "wide":
        return None
    ann = annotator_col if annotator_col is not None else _find_column(names, ANNOTATOR_NAMES)
    lab = (
        label_col
        if label_col is not None
        else _find_column(names, LABEL_NAMES, exclude=[ann] if ann is not None else ())
    )
    if layout == "auto" and (ann is None or lab is None):
        return None
    given = [c for c in (item_col, annotator_col, label_col) if c is not None]
    if len(set(map(str, given))) < len(given):
        return None  # the whole-file reader says why
    try:
        item = _resolve_column(names, item_col, ITEM_NAMES, "item", source, ())
        ann = _resolve_column(names, annotator_col, ANNOTATOR_NAMES, "annotator", source, (item,))
        lab = _resolve_column(names, label_col, LABEL_NAMES, "label", source, (item, ann))
    except InputError:
        return None
    return item, ann, lab


def _file_roles(
    names: list[str],
    roles: tuple[Hashable, Hashable, Hashable] | None,
    f: str,
    layout: str,
    given: tuple[Hashable | None, Hashable | None, Hashable | None],
) -> tuple[Hashable, Hashable, Hashable] | None:
    """The columns to keep: found in the first file, required in the others."""
    if roles is None:
        return _roles(names, f, *given, layout)
    absent = [r for r in roles if r not in names]
    if absent:
        raise MissingColumnError(
            f"{f}: no column(s) {preview(absent)}, which the first file of the set "
            f"holds; columns are {preview(names, 12)}"
        )
    return roles


def _check_missing(
    f: str, cols: list[_Column], start: list[int], roles: Any, rows: str, first_row: int
) -> None:
    """Missing ids or labels in the blocks of file ``f``, named by that file's lines."""
    from .._cells import _missing_mask
    from ..errors import MissingValueError

    names = ("item id", "annotator id", "label")
    for col, first, name, role in zip(cols, start, names, roles, strict=True):
        vocab_missing = _missing_mask(np.asarray([*col.vocab, None], dtype=object))
        pos = 0
        for coded, part in col.parts[first:]:
            if coded:
                miss = np.flatnonzero(vocab_missing[part])
            else:
                miss = np.flatnonzero(_missing_mask(np.asarray(part)))
            if miss.size:
                at = preview((miss + pos + first_row).tolist())
                where = f"{f} {rows}{'s' if miss.size > 1 else ''} {at}"
                raise MissingValueError(
                    f"{where}: {name} is missing (NaN, None or empty) in column {role!r}"
                )
            pos += len(part)


def _read_file(
    f: str,
    kind: str,
    cols: list[_Column],
    roles: tuple[Hashable, Hashable, Hashable] | None,
    layout: str,
    given: tuple[Hashable | None, Hashable | None, Hashable | None],
) -> tuple[Hashable, Hashable, Hashable] | None:
    """Add file ``f``'s blocks to ``cols``; the columns read (None: not a long table)."""
    if kind == "parquet":
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(f)
            names = list(pf.schema_arrow.names)
        except Exception as exc:  # pyarrow's own error kinds: read whole, which names them
            raise _NotStreamable from exc
        _check_columns(names, f)
        roles = _file_roles(names, roles, f, layout, given)
        if roles is None:
            return None
        keep = [str(r) for r in roles]
        try:
            for batch in pf.iter_batches(batch_size=CHUNK_ROWS, columns=keep):
                for col, name in zip(cols, keep, strict=True):
                    _add_arrow(col, batch.column(name))
        except (OSError, ValueError) as exc:  # a damaged file: read whole, which names it
            raise _NotStreamable from exc
        return roles
    for header, raw, _line in _csv_chunks(f, kind):
        roles = _file_roles(header, roles, f, layout, given)
        if roles is None:
            return None
        for col, name in zip(cols, roles, strict=True):
            col.add_text(raw[name].to_numpy(dtype=object))
    return roles


def _read_whole(
    f: str,
    cols: list[_Column],
    roles: tuple[Hashable, Hashable, Hashable] | None,
    layout: str,
    given: tuple[Hashable | None, Hashable | None, Hashable | None],
) -> tuple[Hashable, Hashable, Hashable] | None:
    """Add file ``f`` read whole (the reader that names what is wrong with it)."""
    from .tables import read_table

    df = read_table(f, numbers=False)
    roles = _file_roles([str(c) for c in df.columns], roles, f, layout, given)
    if roles is None:
        return None
    for col, name in zip(cols, roles, strict=True):
        values = df[name]
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            col.add_text(values.to_numpy(dtype=object))
        else:
            col.add_values(values.to_numpy())
    return roles


def read_long_table(
    path: str | os.PathLike[str],
    *,
    layout: str = "auto",
    item_col: Hashable | None = None,
    annotator_col: Hashable | None = None,
    label_col: Hashable | None = None,
    classes: Sequence[Any] | None = None,
    duplicates: str = "keep",
    unlabeled: str = "error",
) -> Any:
    """Annotations from a long CSV / TSV / Parquet file, folder or glob, read in blocks.

    Returns ``None`` for a single file that is not a long CSV / TSV / Parquet table
    (a wide table, JSON ...): the whole-file reader reads those. A folder or a glob
    must hold long tables with the same columns.

    Returns
    -------
    Annotations or None
        The same annotations, codes and vocabularies as reading the whole table
        with :func:`labeljury.read_annotations`.
    """
    from ..annotations import Annotations

    source = os.fspath(path)
    files = table_files(source)
    many = files is not None
    if files is None:
        files = [source]
        if _kind(source) not in _DATA_KINDS:
            return None
    cols = [_Column(), _Column(), _Column()]
    roles: tuple[Hashable, Hashable, Hashable] | None = None
    text = False  # any CSV in the set
    caught: list[warnings.WarningMessage] = []
    given = (item_col, annotator_col, label_col)
    for f in files:
        kind = _kind(f)
        if not os.path.isfile(f):
            return None
        register_input(f)
        start = [len(c.parts) for c in cols]
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                roles = _read_file(f, kind, cols, roles, layout, given)
            except _NotStreamable:
                if not many:
                    return None  # the whole-file reader reads it (or says what is wrong)
                for c, n in zip(cols, start, strict=True):
                    del c.parts[n:]  # codes only; unused vocabulary entries do no harm
                roles = _read_whole(f, cols, roles, layout, given)
        caught += w
        if roles is None:
            if many:
                raise MissingColumnError(
                    f"{f}: no annotator and label columns recognised; a folder or glob "
                    "is read as long tables (item, annotator, label): name the columns "
                    "with item_col=, annotator_col=, label_col= (CLI: --item-col ...)"
                )
            return None
        if many:  # the file's own lines, not the set's rows
            if kind == "parquet":
                _check_missing(f, cols, start, roles, "row", 0)
            else:  # the header is line 1
                _check_missing(f, cols, start, roles, "line", 2)
        text = text or kind != "parquet"
    for m in caught:  # repairs the readers made, said once the read is kept
        warnings.warn_explicit(m.message, m.category, m.filename, m.lineno)
    assert roles is not None
    if all(coded for c in cols for coded, _ in c.parts):  # every column as codes
        from ._coded import Coded
        from ._from_codes import from_codes

        ann = from_codes(
            *(Coded(_codes(c), list(c.vocab)) for c in cols),
            source=source,
            text=text,
            classes=classes,
            duplicates=duplicates,
            unlabeled=unlabeled,
        )
        if ann is not None:
            return ann
    frame = pd.DataFrame({role: c.result() for role, c in zip(roles, cols, strict=True)})
    if text:  # labels written as text: numbers only when every label is one
        frame.attrs["labeljury_text"] = True
    item, ann, lab = roles
    return Annotations.from_long(
        frame,
        item_col=item,
        annotator_col=ann,
        label_col=lab,
        classes=classes,
        duplicates=duplicates,  # type: ignore[arg-type]
        unlabeled=unlabeled,  # type: ignore[arg-type]
        source=source,
    )
