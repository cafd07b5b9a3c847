"""A streaming reader's columns, appended one record at a time as small codes.

JSON Lines exports (Prodigy, Labelbox, doccano, Argilla, SageMaker manifests)
are decoded a line at a time; :class:`Records` keeps, per annotation, only
integer codes into vocabularies of the distinct ids and answers (each stored
once), the record's position and optional seconds and timestamps (parsed a block
at a time). Memory follows the number of annotations at a few bytes each, not
the file's size; :meth:`Records.table` hands the columns to
:func:`~labeljury.io._coded.finish_coded`.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._coded import CodeBook, Coded, ToolTable

__all__ = ["Records", "value_key"]

#: Timestamps parsed per block of this many records (a block's text, not the file's).
_BLOCK = 1 << 16


def value_key(value: Any) -> Hashable:
    """A dictionary key that keeps apart values Python calls equal (1, 1.0, True).

    Lists (multi-select answers) key by their elements; an unhashable value gets
    a key of its own, so it is kept as it is, one entry per record.

    Examples
    --------
    >>> value_key(1) == value_key(True), value_key("a") == value_key("a")
    (False, True)
    """
    if type(value) is str:
        return value
    try:
        if type(value) is list:
            return (list, tuple(value_key(v) for v in value))
        hash(value)
    except TypeError:
        return object()
    return (type(value), value)


class Records:
    """Per-annotation codes of a streamed export.

    Parameters
    ----------
    seconds, stamps : callable, optional
        Parse a block of raw durations into float seconds, of raw timestamps
        into a datetime Series (UTC); given, that value is kept per annotation.
    """

    def __init__(
        self,
        *,
        seconds: Callable[[list[Any]], pd.Series] | None = None,
        stamps: Callable[[list[Any]], pd.Series] | None = None,
    ) -> None:
        self.items, self.users, self.answers = CodeBook(), CodeBook(), CodeBook()
        self.item, self.user = array("i"), array("i")
        self.status, self.pos = array("b"), array("q")
        self.labels: dict[str, array] = {}  # question -> answer code per annotation
        # raw values wait in a block, parsed together (vectorised, as the whole list was)
        self._parse = {"seconds": seconds, "timestamp": stamps}
        self._pending: dict[str, list[Any]] = {k: [] for k, f in self._parse.items() if f}
        self._done: dict[str, list[pd.Series]] = {k: [] for k in self._pending}

    def __len__(self) -> int:
        return len(self.item)

    def add(
        self,
        item: Any,
        user: Any,
        answers: Mapping[str, Any],
        *,
        status: int = 0,
        pos: int = 0,
        seconds: Any = None,
        stamp: Any = None,
    ) -> None:
        """Append one annotation: ids, its answer to each question, status, position."""
        n = len(self.item)
        self.item.append(self.items.code(value_key(item), item))
        self.user.append(self.users.code(value_key(user), user))
        self.status.append(status)
        self.pos.append(pos)
        for q, value in answers.items():
            col = self.labels.get(q)
            if col is None:
                col = self.labels[q] = array("i", [-1]) * n
            elif len(col) < n:
                col.extend([-1] * (n - len(col)))
            col.append(self.answers.code(value_key(value), value))
        pending = self._pending
        if pending:
            if "seconds" in pending:
                pending["seconds"].append(seconds)
            if "timestamp" in pending:
                pending["timestamp"].append(stamp)
            if len(self.item) % _BLOCK == 0:
                self._flush()

    def _flush(self) -> None:
        for key, raw in self._pending.items():
            if raw:
                self._done[key].append(self._parse[key](raw).reset_index(drop=True))  # type: ignore[misc]
                self._pending[key] = []

    def _column(self, key: str) -> pd.Series | None:
        if key not in self._pending:
            return None
        self._flush()
        done = self._done[key] or [self._parse[key]([])]  # type: ignore[misc]
        return pd.concat(done, ignore_index=True) if len(done) > 1 else done[0]

    def table(self, question: str | None, rows: np.ndarray | None = None) -> ToolTable:
        """The columns for ``question`` (its answers as labels), at ``rows`` (default all)."""
        n = len(self.item)
        label = np.full(n, -1, dtype=np.int32)
        if question in self.labels:
            col = np.frombuffer(self.labels[question], dtype=np.int32)
            label[: len(col)] = col
        take = (lambda a: a) if rows is None else (lambda a: a[rows])
        seconds, timestamp = self._column("seconds"), self._column("timestamp")
        if seconds is not None:
            seconds = take(seconds.to_numpy(dtype=float))
        if timestamp is not None and rows is not None:
            timestamp = timestamp.take(rows).reset_index(drop=True)
        return ToolTable(
            item=Coded(take(np.frombuffer(self.item, dtype=np.int32)), self.items.values),
            annotator=Coded(take(np.frombuffer(self.user, dtype=np.int32)), self.users.values),
            label=Coded(take(label), self.answers.values),
            status=take(np.frombuffer(self.status, dtype=np.int8)),
            pos=take(np.frombuffer(self.pos, dtype=np.int64)),
            seconds=seconds,
            timestamp=timestamp,
        )
