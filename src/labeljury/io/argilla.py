"""Argilla 2.x records: nested dicts (``to_list()``, ``to_json``) and flattened rows.

Nested: ``responses: {question: [{value, user_id, status?}, ...]}``.
Flattened (``to_list(flatten=True)``, ``to_datasets()``, Hub parquet):
``<q>.responses``, ``<q>.responses.users``, ``<q>.responses.status`` lists.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import EmptyInputError, InputError
from ._common import (
    ReadSummary,
    check_file,
    finish,
    iter_json_array,
    pick_question,
    read_jsonl,
    records_where,
)
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
    rows: list[tuple[Any, str, Any, Any, Any, int]] = []
    for n, rec in enumerate(_records(path)):
        if not isinstance(rec, dict):
            raise InputError(f"{path}: record {n} is not an object")
        rid = rec.get("id", rec.get("_server_id"))
        rows.extend((rid, q, v, u, s, n) for q, v, u, s in _responses(rec, f"{path}: "))
    if not rows:
        raise EmptyInputError(f"{path}: no responses in the records")
    qs = [r[1] for r in rows]
    found = list(dict.fromkeys(qs))
    multi = {r[1] for r in rows if isinstance(r[2], list)}
    summary = ReadSummary(path, "argilla", questions=tuple(found))
    q = summary.question = pick_question(found, multi, question, path, multi_label)
    sel = [r for r in rows if r[1] == q]
    if all(r[4] is None for r in sel):
        summary.notes.append(
            "no response status in this export: drafts and discarded "
            "responses cannot be told apart and are all kept"
        )
    bad = {r[4] for r in sel} - set(_STATUS)
    if bad:
        raise InputError(f"{path}: unknown response status {sorted(map(str, bad))}")
    df = pd.DataFrame(
        {
            "item": [r[0] for r in sel],
            "annotator": [r[3] for r in sel],
            "label": pd.Series([r[2] for r in sel], dtype=object),
            "status": [_STATUS[r[4]] for r in sel],
            "pos": [r[5] for r in sel],
        }
    )
    ids = [None] * (max(r[5] for r in rows) + 1)
    for r in rows:
        ids[r[5]] = r[0]
    ann = finish(
        df,
        summary,
        where=records_where(path, ids),
        keep_skipped=keep_skipped,
        classes=classes,
        multi_label=multi_label,
    )
    return ann, summary
