"""Argilla 2.x records: nested dicts (``to_list()``, ``to_json``) and flattened rows.

Nested: ``responses: {question: [{value, user_id, status?}, ...]}``.
Flattened (``to_list(flatten=True)``, ``to_datasets()``, Hub parquet):
``<q>.responses``, ``<q>.responses.users``, ``<q>.responses.status`` lists.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..annotations import Annotations
from ..errors import EmptyInputError, InputError
from ._coded import CodeBook, finish_coded
from ._common import (
    STATUSES,
    ReadSummary,
    check_file,
    iter_json_array,
    pick_question,
    read_jsonl,
    records_where,
)
from ._records import Records, value_key
from .tables import inner_suffix, read_table

__all__ = ["read_argilla"]

_STATUS = {"submitted": "ok", "draft": "draft", "discarded": "skipped", None: "ok"}


def _records(path: str) -> Iterator[dict[str, Any]]:
    ext = inner_suffix(path)[0]
    if ext == ".parquet":
        for rec in read_table(path).to_dict("records"):
            yield {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in rec.items()}
    elif ext in (".jsonl", ".ndjson"):
        for _, rec in read_jsonl(path):
            yield rec
    else:
        for rec in iter_json_array(path):
            if isinstance(rec, list):  # a file holding one list of records
                yield from rec
            else:
                yield rec


def _responses(rec: dict[str, Any], where: str = "") -> Iterator[tuple[str, Any, Any, Any]]:
    """(question, value, user, status) for every response of one record."""
    nested = rec.get("responses")
    if isinstance(nested, dict):
        for q, resps in nested.items():
            for r in resps or ():
                yield q, r.get("value"), r.get("user_id"), r.get("status")
        return
    for key, values in rec.items():
        if not key.endswith(".responses") or values is None:
            continue
        q = key[: -len(".responses")]
        users = rec.get(f"{q}.responses.users") or [None] * len(values)
        stats = rec.get(f"{q}.responses.status") or [None] * len(values)
        if not (len(values) == len(users) == len(stats)):
            # parallel lists of different lengths: zip would drop answers silently
            raise InputError(
                f"{where}record {rec.get('id')!r}: {q}.responses has {len(values)} answers but "
                f"{len(users)} users and {len(stats)} statuses; the export is damaged"
            )
        yield from zip([q] * len(values), values, users, stats, strict=True)


def _known(status: Any) -> bool:
    try:
        return status in _STATUS
    except TypeError:  # unhashable: not a status
        return False


class _RecordIds:
    """Record ``n``'s id, looked up from codes (only for the records a message shows)."""

    def __init__(self, codes: np.ndarray, values: list[Any]) -> None:
        self.codes, self.values = codes, values

    def __getitem__(self, n: int) -> Any:
        return self.values[self.codes[n]]


def read_argilla(
    path: str | os.PathLike[str],
    *,
    question: str | None = None,
    keep_skipped: bool = False,
    classes: Sequence[Any] | None = None,
    multi_label: bool = False,
) -> tuple[Annotations, ReadSummary]:
    """Read Argilla 2.x records, nested or flattened.

    Parameters
    ----------
    path : path
        ``.json`` (a list of records), ``.jsonl`` or ``.parquet``.
    question : str, optional
        The question whose responses are the classes. Default: the only one,
        or the only ``LabelQuestion`` (single value).
    keep_skipped : bool, default False
        Keep ``draft`` and ``discarded`` responses. The nested export of some
        SDK versions drops the response status; those responses are all kept.
    classes : sequence, optional
        All classes in order.
    multi_label : bool, default False
        Read multi-select answers as sets (``MultiLabelAnnotations``).

    Returns
    -------
    (Annotations, ReadSummary)
        Item = record ``id``; annotator = response ``user_id``. Suggestions
        (model predictions) are not annotations and are left out; Argilla
        exports hold no timestamps.
    """
    path = os.fspath(path)
    check_file(path)
    recs = Records()
    qs, stats = CodeBook(), CodeBook()  # each response's question and raw status
    q_of, stat_of = array("i"), array("i")
    rec_item = array("i")  # each record's id (its code), to name records in messages
    multi: set[str] = set()
    for n, rec in enumerate(_records(path)):
        if not isinstance(rec, dict):
            raise InputError(f"{path}: record {n} is not an object")
        rid = rec.get("id", rec.get("_server_id"))
        rec_item.append(recs.items.code(value_key(rid), rid))
        for q, v, u, st in _responses(rec, f"{path}: "):
            recs.add(rid, u, {"": v}, pos=n)
            q_of.append(qs.code(q))
            stat_of.append(stats.code(value_key(st), st))
            if isinstance(v, list):
                multi.add(q)
    if not len(recs):
        raise EmptyInputError(f"{path}: no responses in the records")
    found = qs.values
    summary = ReadSummary(path, "argilla", questions=tuple(found))
    q = summary.question = pick_question(found, multi, question, path, multi_label)
    sel = np.flatnonzero(np.frombuffer(q_of, dtype=np.int32) == qs.index[q])
    codes = np.frombuffer(stat_of, dtype=np.int32)[sel]
    seen = [stats.values[k] for k in np.flatnonzero(np.bincount(codes))]
    if all(st is None for st in seen):
        summary.notes.append(
            "no response status in this export: drafts and discarded "
            "responses cannot be told apart and are all kept"
        )
    bad = {st for st in seen if not _known(st)}
    if bad:
        raise InputError(f"{path}: unknown response status {sorted(map(str, bad))}")
    table = recs.table("", sel)
    lut = [STATUSES.index(_STATUS[st]) if _known(st) else 0 for st in stats.values]
    table.status = np.asarray(lut, dtype=np.int8)[codes]
    ids = _RecordIds(np.frombuffer(rec_item, dtype=np.int32), recs.items.values)
    ann = finish_coded(
        table,
        summary,
        where=records_where(path, ids),
        keep_skipped=keep_skipped,
        classes=classes,
        multi_label=multi_label,
    )
    return ann, summary
