"""The files behind a folder or a glob: a Parquet dataset, or many CSV / TSV / Parquet files.

:func:`table_files` lists what :func:`~labeljury.io.stream.read_long_table` reads
file by file; ``_kind`` names a file's kind by its suffix (compressed too).
"""

from __future__ import annotations

import glob
import os

from ..errors import InputError, preview
from ._decoding import inner_suffix
from .tables import TABLE_KINDS

__all__ = ["table_files"]

_DATA_KINDS = ("csv", "tsv", "parquet")


def table_files(path: str | os.PathLike[str]) -> list[str] | None:
    """The files behind a folder or a glob pattern; ``None`` for a plain file.

    A folder (a Parquet dataset as Spark, Dask or pyarrow write it) gives its
    ``.parquet`` / ``.pq`` / ``.csv`` / ``.tsv`` files (compressed too), in
    sorted order at any depth, leaving out names starting with ``_`` or ``.``
    (``_SUCCESS``, ``_metadata``, ...). A path that does not exist but holds
    ``*``, ``?`` or ``[`` is a glob (``**`` reaches into subfolders).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("b.csv", "a.csv", "_SUCCESS"):
    ...     _ = (d / name).write_text("item,worker,label\\n1,a,x\\n")
    >>> [pathlib.Path(f).name for f in table_files(d)]
    ['a.csv', 'b.csv']
    >>> [pathlib.Path(f).name for f in table_files(d / "b*.csv")]
    ['b.csv']
    """
    p = os.fspath(path)
    if os.path.isdir(p):
        found = []
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")))
            found += [
                os.path.join(root, f)
                for f in files
                if not f.startswith(("_", ".")) and _kind(f) in _DATA_KINDS
            ]
        if not found:
            raise InputError(
                f"{p}: a folder holding no .parquet, .csv or .tsv file; pass a file, a "
                "Parquet dataset folder or a glob such as 'answers/*.csv'"
            )
        return sorted(found)
    if not os.path.exists(p) and any(ch in p for ch in "*?["):
        found = sorted(f for f in glob.glob(p, recursive=True) if os.path.isfile(f))
        if not found:
            raise InputError(f"{p}: no file matches this pattern")
        odd = [f for f in found if _kind(f) not in _DATA_KINDS]
        if odd:
            raise InputError(
                f"{p}: the pattern matches files that are not .parquet, .csv or .tsv "
                f"({preview(odd)}); narrow it"
            )
        return found
    return None


def _kind(path: str) -> str:
    return TABLE_KINDS.get(inner_suffix(path)[0], "other")
