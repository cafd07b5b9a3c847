"""Toloka pool results TSV (``INPUT:`` / ``OUTPUT:`` / ``GOLDEN:`` / ``ASSIGNMENT:`` columns)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import InputError
from ._coded import ToolTable, coded, finish_coded
from ._common import (
    STATUSES,
    ReadSummary,
    check_file,
    id_column,
    lines_where,
    pick_question,
    to_utc,
)
from ._text_columns import distinct_codes, per_distinct
from ._text_stream import read_text_columns

__all__ = ["read_toloka"]

# Download filter words and API words for the same states.
_STATUS = {
    "APPROVED": "ok",
    "SUBMITTED": "ok",
    "ACCEPTED": "ok",
    "ACTIVE": "draft",
    "REJECTED": "rejected",
    "SKIPPED": "skipped",
    "EXPIRED": "skipped",
}


_FIELDS = frozenset(
    f"ASSIGNMENT:{f}"
    for f in ("task_id", "worker_id", "status", "started", "submitted", "assignment_id")
)


def _wanted(header: list[str]) -> list[str]:
    """The columns read: answers, gold, the assignment fields used, inputs named like ids."""
    return [
        c
        for c in header
        if c in _FIELDS
        or c.startswith(("OUTPUT:", "GOLDEN:"))
        or (c.startswith("INPUT:") and c.lower().endswith("id"))
    ]


def read_toloka(
    path: str | os.PathLike[str],
    *,
    question: str | None = None,
    keep_skipped: bool = False,
    classes: Sequence[Any] | None = None,
) -> tuple[Annotations, ReadSummary]:
    """Read a Toloka pool results TSV.

    Parameters
    ----------
    path : path
        The TSV downloaded from the pool (or ``get_assignments_df`` saved as TSV).
    question : str, optional
        The output field (``OUTPUT:<name>``) holding the class.
    keep_skipped : bool, default False
        Keep ``REJECTED`` (rejected), ``SKIPPED``/``EXPIRED`` (skipped) and
        ``ACTIVE`` (draft) assignments that carry an answer.
    classes : sequence, optional
        All classes in order.

    Returns
    -------
    (Annotations, ReadSummary)
        Item = an ``INPUT:*id`` field when it maps one-to-one to
        ``ASSIGNMENT:task_id``, else the task id; annotator =
        ``ASSIGNMENT:worker_id``; ``GOLDEN:<question>`` gives gold labels
        (control tasks); ``meta["seconds"]`` = assignment time
        (``submitted - started``) shared equally by the tasks of the suite;
        ``meta["timestamp"]`` = ``submitted``.
    """
    path = os.fspath(path)
    check_file(path)
    # streamed: only the columns used, as codes (a damaged file is read whole,
    # which names what is wrong)
    header, raw = read_text_columns(path, _wanted)
    for need in ("ASSIGNMENT:task_id", "ASSIGNMENT:worker_id"):
        if need not in header:
            raise InputError(f"{path}: no {need!r} column; is this a Toloka results TSV?")
    found = [c[len("OUTPUT:") :] for c in header if c.startswith("OUTPUT:")]
    summary = ReadSummary(path, "toloka", questions=tuple(found))
    q = summary.question = pick_question(found, set(), question, path)
    status = np.zeros(len(raw), dtype=np.int8)  # no status column: all approved
    if "ASSIGNMENT:status" in header:  # each distinct status word judged once
        codes, words = distinct_codes(raw.pop("ASSIGNMENT:status"))
        vals = pd.Series([*words, np.nan], dtype=object)  # the last: an empty cell
        mapped = vals.fillna("APPROVED").str.upper().map(_STATUS)
        if mapped.isna().any():
            unknown = sorted(pd.unique(np.asarray(vals[mapped.isna()], dtype=object)))
            raise InputError(f"{path}: unknown ASSIGNMENT:status {unknown}")
        lut = pd.Categorical(mapped, categories=STATUSES).codes.astype(np.int8)
        status = lut[codes]  # code -1 takes the last entry
        del codes
    inputs = [c for c in header if c.startswith("INPUT:")]
    item_col = id_column(raw, inputs, "ASSIGNMENT:task_id")
    used = {item_col, "ASSIGNMENT:worker_id", f"OUTPUT:{q}", f"GOLDEN:{q}"}
    used |= {f"ASSIGNMENT:{f}" for f in ("started", "submitted", "assignment_id")}
    raw = raw[[c for c in raw.columns if c in used]]  # let the other id columns go
    seconds = timestamp = None
    if {"ASSIGNMENT:started", "ASSIGNMENT:submitted"} <= set(header):
        start = per_distinct(raw.pop("ASSIGNMENT:started"), to_utc)
        timestamp = per_distinct(raw.pop("ASSIGNMENT:submitted"), to_utc)
        per_suite = np.ones(len(raw))  # tasks in the assignment's suite
        if "ASSIGNMENT:assignment_id" in header:
            codes = distinct_codes(raw.pop("ASSIGNMENT:assignment_id"))[0]
            counts = np.append(np.bincount(codes[codes >= 0]), np.nan)
            per_suite = counts[codes]
            del codes
        seconds = ((timestamp - start).dt.total_seconds() / per_suite).to_numpy(dtype=float)
        del start, per_suite
    gold = None
    if f"GOLDEN:{q}" in header:
        g = raw[[item_col, f"GOLDEN:{q}"]].dropna().drop_duplicates(item_col).astype(object)
        gold = dict(zip(g[item_col], g[f"GOLDEN:{q}"], strict=True))
    if item_col != "ASSIGNMENT:task_id":
        summary.notes.append(f"item ids from {item_col} (one per task_id)")
    table = ToolTable(
        item=coded(raw[item_col]),
        annotator=coded(raw["ASSIGNMENT:worker_id"]),
        label=coded(raw[f"OUTPUT:{q}"]),
        status=status,
        seconds=seconds,
        timestamp=None if timestamp is None else timestamp.reset_index(drop=True),
    )
    del raw, status, seconds, timestamp  # the table holds what is needed
    ann = finish_coded(
        table,
        summary,
        where=lines_where(path, 2),
        keep_skipped=keep_skipped,
        classes=classes,
        gold=gold,
        lists=False,
    )
    return ann, summary
