"""A tool reader's annotations as integer codes, built in chunks and finished without copies.

A reader that streams its export fills a :class:`ToolTable`: per annotation only
small integer codes (item, annotator, answer, status) and optional numbers
(seconds, timestamps); every distinct id and answer is stored once, in a
vocabulary that grows chunk by chunk (:class:`CodeBook`). Memory then follows the
number of annotations in a few bytes each, never the size of the file.

:func:`finish_coded` applies the shared reading policy of
:func:`~labeljury.io._common.finish` and the checks of
:meth:`Annotations.from_long <labeljury.Annotations.from_long>` to the
*vocabularies* (once per distinct value) instead of to one Python object per
annotation. It takes that shortcut only where the answer is certain to be the
same: ids all text or all integers, labels all text or all non-negative
integers, nothing missing or refused. Anything else (a multi-choice answer, a
missing id, a label written ``"N/A"``, mixed types, a label outside
``classes=``, multi-label reading) goes through the per-row path, which names
the rows; so results, warnings and errors are those of the whole-table reader.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import LabeljuryError
from ._common import STATUSES, ReadSummary, attach_gold, finish

__all__ = ["CodeBook", "Coded", "ToolTable", "coded", "finish_coded", "table_from_frame"]

Where = Callable[[np.ndarray], str]

#: Largest integer id or label a float64 holds exactly (the per-row path goes
#: through floats for Python ints; above this the two could differ).
_EXACT = 1 << 53
_SAME = object()


class CodeBook:
    """Distinct values in order of first appearance, and each chunk's codes into them.

    Examples
    --------
    >>> book = CodeBook()
    >>> book.add(["b", "a", "b"]).tolist(), book.add(["a", "c"]).tolist()
    ([0, 1, 0], [1, 2])
    >>> book.values
    ['b', 'a', 'c']
    """

    def __init__(self) -> None:
        self.index: dict[Hashable, int] = {}
        self.values: list[Any] = []

    def code(self, value: Hashable, original: Any = _SAME) -> int:
        """The code of ``value``; for a new one, ``original`` is stored (default: ``value``)."""
        c = self.index.get(value)
        if c is None:
            c = self.index[value] = len(self.values)
            self.values.append(value if original is _SAME else original)
        return c

    def add(self, values: Sequence[Any]) -> np.ndarray:
        """Codes of a chunk of hashable values (missing values too: ``None`` is a value).

        The chunk is factorised first, so each distinct value is looked up once.
        """
        local, uniq = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
        return self.lut(uniq)[local]

    def lut(self, uniq: Sequence[Any]) -> np.ndarray:
        """Global codes of a chunk's distinct values (one dictionary lookup each)."""
        code = self.code
        return np.fromiter((code(u) for u in uniq), np.int32, len(uniq))


class Coded(NamedTuple):
    """A column as codes into its distinct values (``-1``: missing)."""

    codes: np.ndarray
    values: list[Any]


def coded(values: Any) -> Coded:
    """A column as :class:`Coded`: a categorical's own codes, else one entry per row.

    Examples
    --------
    >>> coded(pd.Series(["a", "b", "a"], dtype="category"))
    Coded(codes=array([0, 1, 0], dtype=int32), values=['a', 'b'])
    """
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        cat = pd.Series(values).cat
        return Coded(cat.codes.to_numpy().astype(np.int32), cat.categories.tolist())
    if getattr(values, "dtype", np.dtype(object)).kind in "iu":  # integers: each once
        codes, uniq = pd.factorize(np.asarray(values))
        return Coded(codes.astype(np.int32), uniq.tolist())
    arr = np.asarray(values, dtype=object)
    text = pd.Series(arr, dtype=object)
    if len(arr) and text.map(type).isin([str, float]).all():
        # text cells, NaN where empty (a table read as text): each distinct text once
        codes, uniq = pd.factorize(arr, use_na_sentinel=True)
        if all(type(u) is str for u in uniq):
            return Coded(codes.astype(np.int32), list(uniq))
    return Coded(np.arange(len(arr), dtype=np.int32), arr.tolist())  # as they are, per row


def table_from_frame(df: pd.DataFrame) -> ToolTable:
    """A reader's long table (the columns :func:`finish` reads) as a :class:`ToolTable`."""
    status = pd.Categorical(df["status"], categories=STATUSES).codes
    table = ToolTable(
        item=coded(df["item"]),
        annotator=coded(df["annotator"]),
        label=coded(df["label"]),
        status=np.asarray(status, dtype=np.int8),
        pos=df["pos"].to_numpy(),
    )
    if "seconds" in df:
        table.seconds = df["seconds"].to_numpy(dtype=float)
    if "timestamp" in df:
        table.timestamp = df["timestamp"].reset_index(drop=True)
    return table


@dataclass
class ToolTable:
    """A reader's annotations, one entry per record, as codes.

    Attributes
    ----------
    item, annotator : Coded
        Ids; the values are distinct.
    label : Coded
        Answers (values may repeat): a class, or a list of classes (a
        multi-select answer, unwrapped when it holds one).
    status : ndarray of int8
        Codes into :data:`~labeljury.io._common.STATUSES`.
    pos : ndarray of int, optional
        Each record's position for messages (default: ``0, 1, ...``).
    seconds : ndarray of float, optional
    timestamp : Series of datetime64 UTC, optional
    """

    item: Coded
    annotator: Coded
    label: Coded
    status: np.ndarray
    pos: np.ndarray | None = None
    seconds: np.ndarray | None = None
    timestamp: pd.Series | None = None

    def __len__(self) -> int:
        return len(self.status)

    def positions(self) -> np.ndarray:
        """Each record's position (``pos``, or its index)."""
        return np.arange(len(self)) if self.pos is None else self.pos

    def to_frame(self) -> pd.DataFrame:
        """The long table :func:`~labeljury.io._common.finish` reads (one object per row)."""
        df = pd.DataFrame(
            {
                "item": _column(*self.item),
                "annotator": _column(*self.annotator),
                "label": pd.Series(_dense(*self.label), dtype=object),
                "status": pd.Categorical.from_codes(self.status, STATUSES),
                "pos": self.positions(),
            }
        )
        if self.seconds is not None:
            df["seconds"] = self.seconds
        if self.timestamp is not None:
            df["timestamp"] = pd.Series(self.timestamp).reset_index(drop=True)
        return df


def _dense(codes: np.ndarray, values: list[Any]) -> np.ndarray:
    vocab = np.empty(len(values) + 1, dtype=object)
    vocab[: len(values)] = values
    vocab[-1] = None
    return vocab[codes]


def _all_ints(values: Sequence[Any]) -> bool:
    return all(type(v) is int and -_EXACT < v < _EXACT for v in values)


def _column(codes: np.ndarray, values: list[Any]) -> Any:
    """Integer ids as int64 (as the readers gave them), any other ids categorical."""
    if len(values) and (codes >= 0).all() and _all_ints(values):
        return np.asarray(values, dtype=np.int64)[codes]
    cats = [v for v in values if v is not None and not (isinstance(v, float) and v != v)]
    if len(cats) == len(values) and len(set(map(type, cats))) <= 1:
        try:
            if pd.Index(cats).is_unique:
                return pd.Categorical.from_codes(codes, categories=pd.Index(cats, dtype=object))
        except TypeError:
            pass
    return _dense(codes, values)


def finish_coded(
    table: ToolTable,
    summary: ReadSummary,
    *,
    where: Where,
    keep_skipped: bool = False,
    classes: Sequence[Any] | None = None,
    gold: Mapping[Any, Any] | None = None,
    lists: bool = True,
    multi_label: bool = False,
) -> Annotations:
    """:func:`~labeljury.io._common.finish` for a :class:`ToolTable`; the same result.

    Parameters are those of :func:`~labeljury.io._common.finish`.
    """
    if classes is not None and not isinstance(classes, (str, bytes, set, frozenset)):
        if hasattr(classes, "__iter__"):
            classes = list(classes)  # a generator: read once, for either path
    ann = None
    if not multi_label and len(table):
        try:
            ann = _fast(table, summary, keep_skipped, classes, lists)
        except LabeljuryError:  # the per-row path raises it again, naming the rows
            ann = None
    if ann is None:
        return finish(
            table.to_frame(),
            summary,
            where=where,
            keep_skipped=keep_skipped,
            classes=classes,
            gold=gold,
            lists=lists,
            multi_label=multi_label,
        )
    return attach_gold(ann, gold, summary)


def _fast(
    t: ToolTable,
    summary: ReadSummary,
    keep_skipped: bool,
    classes: Sequence[Any] | None,
    lists: bool,
) -> Annotations | None:
    """The policy of ``finish`` + ``from_long`` on the codes; None where it does not apply."""
    from .._cells import class_list
    from .._from_tables import _apply_duplicates, _finish
    from ._from_codes import _ids, _labels

    classes = class_list(classes)  # a generator read once; refused here as in from_long
    source = summary.source
    status = np.asarray(t.status)
    rows = np.flatnonzero(status == 0) if not keep_skipped else np.arange(len(t))
    if len(t) < 2**31:
        rows = rows.astype(np.int32)  # half the memory of every gather below
    # each distinct answer unwrapped once: [x] -> x, [] -> no answer; a longer list
    # (or any list where none is expected) is refused by the per-row path, by row
    n_vals = len(t.label.values)
    multi = np.zeros(n_vals + 1, dtype=bool)
    gone = np.ones(n_vals + 1, dtype=bool)  # code -1 (the last entry): no answer
    shown: list[Any] = []
    for k, v in enumerate(t.label.values):
        if isinstance(v, list):
            multi[k] = len(v) > 1 or not lists
            v = v[0] if len(v) == 1 else None
        shown.append(v)
        gone[k] = v is None or (isinstance(v, float) and v != v) or (type(v) is str and v == "")
    lab = np.asarray(t.label.codes)[rows]
    if multi[lab].any():
        return None
    has = ~gone[lab]
    rows, lab = rows[has], lab[has]
    no_label = len(has) - len(rows)
    if not len(rows):
        return None  # nothing left: refused with the counts
    item = _ids(np.asarray(t.item.codes)[rows], t.item.values, "item", source)
    who = _ids(np.asarray(t.annotator.codes)[rows], t.annotator.values, "annotator", source)
    label = _labels(lab, shown, classes, source) if item and who else None
    if label is None or item is None or who is None:
        return None
    meta = {}
    if t.seconds is not None:
        meta["seconds"] = np.asarray(t.seconds, dtype=float)[rows]
    if t.timestamp is not None:
        meta["timestamp"] = pd.Series(t.timestamp).take(rows).reset_index(drop=True)
    del rows, lab
    ann = Annotations(
        item[0],
        who[0],
        label[0],
        item[1],
        who[1],
        label[1],
        meta=pd.DataFrame(meta) if meta else None,
        validate=False,
    )
    del item, who, label, meta  # Annotations holds its own copies
    ann = _finish(_apply_duplicates(ann, "keep", source), "error")
    counts = np.bincount(status, minlength=len(STATUSES))
    summary.kept_excluded = keep_skipped
    for k, name in enumerate(STATUSES[1:], 1):
        setattr(summary, name, int(counts[k]))
    summary.no_label = no_label
    summary.kept = ann.n_annotations
    return ann
