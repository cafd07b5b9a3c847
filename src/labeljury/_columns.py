"""Columns of an annotation table: which one holds the item, the annotator and
the label (recognised names, or the names given), the item column of a wide
table, a table read from a file, and the checks on a table as a whole.

The rules for the cells inside the columns (missing values, numbers, classes)
are in :mod:`labeljury._cells`, which re-exports the names its importers used
before this split.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import pandas as pd

from .errors import InputError, MissingColumnError, preview

__all__ = ["ANNOTATOR_NAMES", "ITEM_NAMES", "LABEL_NAMES"]

# Column names recognised when the caller does not name the columns. Exact names
# first; matching ignores case, spaces, dashes and a trailing "_id"/"id".
ITEM_NAMES = ("item", "example", "task", "id", "question", "sample", "object", "image", "text")
ANNOTATOR_NAMES = (
    "annotator",
    "worker",
    "user",
    "rater",
    "labeler",
    "labeller",
    "performer",
    "judge",
    "coder",
    "completed_by",
)
LABEL_NAMES = (
    "label",
    "class",
    "answer",
    "response",
    "annotation",
    "category",
    "choice",
    "output",
    "value",
)


def _norm(name: object) -> str:
    s = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    for suffix in ("_id", "id", "_ids", "_name"):
        if s.endswith(suffix) and len(s) > len(suffix):
            s = s[: -len(suffix)]
            break
    return s.rstrip("_")


def _find_column(
    columns: Sequence[Hashable], candidates: Sequence[str], exclude: Iterable[Hashable] = ()
) -> Hashable | None:
    exclude = set(exclude)
    cols = [c for c in columns if c not in exclude]
    lowered = {str(c).strip().lower(): c for c in cols}
    for cand in candidates:  # exact (case-insensitive) names win
        if cand in lowered:
            return lowered[cand]
    normed = {}
    for c in cols:
        normed.setdefault(_norm(c), c)
    for cand in candidates:
        if cand in normed:
            return normed[cand]
    return None


def _resolve_column(
    cols: list[Hashable],
    given: Hashable | None,
    candidates: Sequence[str],
    role: str,
    source: str | None,
    exclude: Iterable[Hashable],
) -> Hashable:
    where = source or "table"
    if given is not None:
        if given not in cols:
            raise MissingColumnError(
                f"{where}: no {role} column {given!r}; columns are {preview(cols, 12)}"
            )
        return given
    found = _find_column(cols, candidates, exclude)
    if found is None:
        raise MissingColumnError(
            f"{where}: cannot tell which column holds the {role}; columns are "
            f"{preview(cols, 12)}. Name it with {role}_col=... (CLI: --{role}-col), or use a "
            f"recognised name such as {', '.join(candidates[:4])}"
        )
    return found


def _read_table(path: str | os.PathLike[str], *, numbers: bool = True) -> pd.DataFrame:
    """Read a CSV / TSV / Parquet / JSON Lines table (see :func:`labeljury.io.tables.read_table`).

    ``numbers=False`` keeps every delimited-text cell as text (annotations: ids
    stay as written, labels follow :func:`labeljury.validation.labels_from_text`).
    """
    from .io.tables import read_table

    return read_table(path, numbers=numbers)


def _wide_item_column(data: pd.DataFrame, source: str) -> Hashable | None:
    """The item id column of a wide table read from a file, or None (row numbers).

    Named like an id, or a nameless first column (pandas writes its index so). A
    first column that is none of those but looks like ids (every value distinct,
    none of them a label in the other columns) is refused rather than read as an
    annotator whose labels are item names.
    """
    cols = list(data.columns)
    found = _find_column(cols, ITEM_NAMES)
    if found is not None or not cols:
        return found
    if str(cols[0]).startswith("Unnamed: 0"):
        return cols[0]
    first = data.iloc[:, 0].dropna()
    if len(cols) > 1 and len(first) >= 3 and first.is_unique:
        others = pd.unique(data.iloc[:, 1:].to_numpy(dtype=object).ravel())
        if not set(first.tolist()) & set(others.tolist()):
            raise MissingColumnError(
                f"{source}: read as a wide table (one column per annotator), but its first "
                f"column {cols[0]!r} looks like item ids (every value distinct, none of them a "
                "label elsewhere). Name the id column with item_col=... (CLI: --item-col), or "
                "name the annotator and label columns if the table is long"
            )
    return None


def _is_text(data: pd.DataFrame) -> bool:
    """Whether the frame is a delimited-text file read cell by cell as text."""
    return bool(data.attrs.get("labeljury_text", False))


def _check_frame(data: Any, source: str | None) -> None:
    if not isinstance(data, pd.DataFrame):
        return
    cols = pd.Index(data.columns)
    if not cols.is_unique:
        raise InputError(
            f"{source or 'table'}: column names repeat: "
            f"{preview(cols[cols.duplicated()].unique().tolist())}; rename them "
            "(labeljury never guesses which one is meant)"
        )
