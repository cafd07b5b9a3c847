"""Label Studio exports: JSON (tasks with ``annotations[]``), JSON-MIN, CSV and TSV.

JSON is streamed task by task (:func:`~labeljury.io._common.iter_json_array`),
so a large export is never held as one Python list; on Linux a large one is read
by one process per core, with the same result (:mod:`~labeljury.io._ls_columns`).
"""

from __future__ import annotations

import json
import os
import warnings
from array import array
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import EmptyInputError, InputError, InputWarning, user_stacklevel
from ._coded import Coded, ToolTable, coded, finish_coded
from ._common import (
    ReadSummary,
    check_file,
    finish,
    iter_json_array,
    lines_where,
    pick_question,
    records_where,
    to_seconds,
    to_utc,
)
from ._ls_columns import read_columns
from .tables import inner_suffix, read_table

__all__ = ["read_label_studio"]

#: Keys JSON-MIN / CSV add beside the task data and the control-tag answers.
_MIN_KEYS = frozenset(
    {
        "id",
        "annotator",
        "annotation_id",
        "created_at",
        "updated_at",
        "lead_time",
        "agreement",
        "history",
    }
)


def _user(completed_by: Any) -> Any:
    """``completed_by`` is an int user id or an expanded ``{id, email, ...}`` dict."""
    if isinstance(completed_by, dict):
        return completed_by.get("email") or completed_by.get("id")
    return completed_by


def read_label_studio(
    path: str | os.PathLike[str],
    *,
    question: str | None = None,
    keep_skipped: bool = False,
    classes: Sequence[Any] | None = None,
    multi_label: bool = False,
) -> tuple[Annotations, ReadSummary]:
    """Read a Label Studio export: JSON, JSON-MIN, CSV or TSV.

    Parameters
    ----------
    path : path
        ``.json`` (full export or JSON-MIN, told apart by content), ``.csv`` or
        ``.tsv``.
    question : str, optional
        The control tag (``from_name``) holding the class. Default: the only
        one, or the only one whose answers are never multi-choice.
    keep_skipped : bool, default False
        Keep cancelled (skipped) annotations and drafts when they carry a label.
    classes : sequence, optional
        All classes in order.
    multi_label : bool, default False
        Read the ``choices`` of a multi-select question as sets
        (``MultiLabelAnnotations``); the default question is then the only
        multi-valued one.

    Returns
    -------
    (Annotations, ReadSummary)
        Item = task ``id``; annotator = ``completed_by`` email (expanded dict) or
        user id; ``meta["seconds"]`` = ``lead_time``; ``meta["timestamp"]`` =
        ``created_at``; annotations marked ``ground_truth`` also give gold labels.
    """
    path = os.fspath(path)
    check_file(path)
    ext = inner_suffix(path)[0]
    if ext in (".csv", ".tsv", ".tab", ".txt"):
        return _read_table(
            path,
            "\t" if ext in (".tsv", ".tab") else None,
            question,
            keep_skipped,
            classes,
            multi_label,
        )
    tasks = iter_json_array(path)
    first = next(tasks, None)
    if first is None:
        raise EmptyInputError(f"{path}: the export holds no tasks")
    if isinstance(first, dict) and "annotations" not in first and "annotator" in first:
        return _read_min(path, question, keep_skipped, classes, multi_label)
    return _read_json(path, question, keep_skipped, classes, multi_label)


def _read_json(
    path: str,
    question: str | None,
    keep_skipped: bool,
    classes: Sequence[Any] | None,
    multi_label: bool = False,
    _parts: int | None = None,
) -> tuple[Annotations, ReadSummary]:
    # The JSON is streamed task by task, a large file by two or more processes.
    cols = read_columns(path, parts=_parts)
    items = cols.items
    summary = ReadSummary(path, "label_studio")
    if not items:
        raise EmptyInputError(f"{path}: the export holds no annotations")
    labels = cols.labels
    found = list(labels)
    answers = list(cols.answers)
    vocab = np.empty(len(answers), dtype=object)
    vocab[:] = [list(v) for v in answers]
    multi_code = np.fromiter((len(v) > 1 for v in answers), bool, len(answers))
    multi = {q for q, col in labels.items() if multi_code[[c for c in set(col) if c >= 0]].any()}
    summary.questions = tuple(found)
    summary.question = pick_question(found, multi, question, path, multi_label)
    repeated = cols.repeated.get(summary.question, 0)
    if repeated:
        warnings.warn(
            f"{path}: {repeated:,} annotation(s) hold more than one result for question "
            f"{summary.question!r}; the last result of each counts. Fix the export if "
            "that is not the annotator's answer",
            InputWarning,
            stacklevel=user_stacklevel(),
        )
    codes = np.full(len(items), -1, dtype=np.int32)
    col = np.frombuffer(labels[summary.question], dtype=np.int32)
    codes[: len(col)] = col
    # a missing user is code -1, as a missing id is everywhere
    users = list(cols.users)
    remap = np.array([-1 if u is None else k for k, u in enumerate(users)] or [0], np.int32)
    if None in cols.users:  # the later codes move down by one
        remap[remap > users.index(None)] -= 1
    table = ToolTable(
        item=_item_codes(items),
        annotator=Coded(
            remap[np.frombuffer(cols.user, dtype=np.int32)], [u for u in users if u is not None]
        ),
        label=Coded(codes, [list(v) for v in answers]),
        status=np.array([0, 2, 4], np.int8)[np.frombuffer(cols.status, np.int8)],
        seconds=np.frombuffer(cols.seconds, dtype=np.float64),
        timestamp=pd.Series(pd.DatetimeIndex(np.concatenate(cols.stamps)).tz_localize("UTC")),
    )
    is_gold = np.frombuffer(cols.truth, np.int8).astype(bool) & (codes >= 0)
    gold = {
        items[i]: (vocab[codes[i]][0] if len(vocab[codes[i]]) == 1 else None)
        for i in np.flatnonzero(is_gold)
    }
    where = _annotation_where(path, items)
    ann = finish_coded(
        table,
        summary,
        where=where,
        keep_skipped=keep_skipped,
        classes=classes,
        gold=gold,
        multi_label=multi_label,
    )
    return ann, summary


def _item_codes(items: Any) -> Coded:
    """Task ids as codes into their distinct values (each task id once)."""
    if isinstance(items, array):  # all integers
        codes, uniq = pd.factorize(np.frombuffer(items, dtype=np.int64))
        return Coded(codes.astype(np.int32), uniq.tolist())
    if all(type(v) is str for v in items):
        codes, uniq = pd.factorize(np.asarray(items, dtype=object))
        return Coded(codes.astype(np.int32), list(uniq))
    # mixed or odd ids (1 and "1", lists ...): one entry each, judged row by row
    return coded(items)


def _annotation_where(path: str, items: Any) -> Any:
    # Annotation ids are needed only to name bad records, so they are not kept per
    # annotation: the file is streamed again to find the few that are shown.
    def where(pos: np.ndarray) -> str:
        wanted = [int(p) for p in pos[:5]]
        ids: dict[int, Any] = {}
        n = 0
        for task in iter_json_array(path):
            for key in ("annotations", "drafts"):
                for a in task.get(key) or ():
                    if n in wanted:
                        ids[n] = a.get("id")
                    n += 1
            if n > max(wanted):
                break
        shown = [f"task {items[p]!r} annotation {ids.get(p)!r}" for p in wanted]
        extra = f" (and {len(pos) - 5} more)" if len(pos) > 5 else ""
        return f"{path}: {', '.join(shown)}{extra}"

    return where


def _choices(value: Any) -> Any:
    """JSON-MIN / CSV answer cell: a plain choice, or ``{"choices": [...]}`` when several."""
    if isinstance(value, dict):
        return list(value.get("choices", []))
    if isinstance(value, str) and value.startswith('{"choices"'):
        try:
            return list(json.loads(value).get("choices", []))
        except json.JSONDecodeError:
            return value
    return value


def _read_min(
    path: str,
    question: str | None,
    keep_skipped: bool,
    classes: Sequence[Any] | None,
    multi_label: bool = False,
) -> tuple[Annotations, ReadSummary]:
    records = list(iter_json_array(path))
    # The converter writes task data keys, then "id", then one key per control tag,
    # then "annotator", ... so the keys between "id" and "annotator" are the answers.
    found: list[str] = []
    for rec in records:
        keys = list(rec)
        if "id" in keys and "annotator" in keys:
            found.extend(
                k
                for k in keys[keys.index("id") + 1 : keys.index("annotator")]
                if k not in _MIN_KEYS
            )
    found = list(dict.fromkeys(found))
    multi = {k for rec in records for k in found if isinstance(rec.get(k), dict)}
    summary = ReadSummary(path, "label_studio", questions=tuple(found))
    summary.question = pick_question(found, multi, question, path, multi_label)
    df = pd.DataFrame(
        {
            "item": [r.get("id") for r in records],
            "annotator": [r.get("annotator") for r in records],
            "label": [_choices(r.get(summary.question)) for r in records],
            "status": "ok",
            "pos": np.arange(len(records)),
            "seconds": to_seconds([r.get("lead_time") for r in records]),
            "timestamp": to_utc([r.get("created_at") for r in records]),
        }
    )
    ids = [r.get("annotation_id") for r in records]
    ann = finish(
        df,
        summary,
        where=records_where(path, ids),
        keep_skipped=keep_skipped,
        classes=classes,
        multi_label=multi_label,
    )
    return ann, summary


def _read_table(
    path: str,
    sep: str | None,
    question: str | None,
    keep_skipped: bool,
    classes: Sequence[Any] | None,
    multi_label: bool = False,
) -> tuple[Annotations, ReadSummary]:
    try:
        raw = read_table(path, numbers=False)
    except EmptyInputError:
        raise
    for col in ("id", "annotator"):
        if col not in raw.columns:
            raise InputError(
                f"{path}: no {col!r} column; is this a Label Studio CSV export? "
                f"Columns are {list(raw.columns)[:12]}"
            )
    summary = ReadSummary(path, "label_studio")
    cand = [c for c in raw.columns if c not in _MIN_KEYS]
    if question is None and len(raw):
        # Columns are sorted, so task data and answers mix: task data is constant
        # within a task, an answer column differs between annotators somewhere.
        varying = raw.groupby("id")[cand].nunique(dropna=False).max() > 1
        cand = [c for c in cand if varying[c]] or cand
    multi = {
        c
        for c in cand
        if raw[c].dtype.kind not in "iufb" and raw[c].astype(str).str.startswith('{"choices"').any()
    }
    summary.questions = tuple(cand)
    summary.question = pick_question(cand, multi, question, path, multi_label)
    lab = raw[summary.question]
    if summary.question in multi:
        lab = lab.map(_choices)
    df = pd.DataFrame(
        {
            "item": raw["id"],
            "annotator": raw["annotator"],
            "label": lab,
            "status": "ok",
            "pos": np.arange(len(raw)),
        }
    )
    if "lead_time" in raw:
        df["seconds"] = to_seconds(raw["lead_time"])
    if "created_at" in raw:
        df["timestamp"] = to_utc(raw["created_at"])
    ann = finish(
        df,
        summary,
        where=lines_where(path, 2),
        keep_skipped=keep_skipped,
        classes=classes,
        lists=summary.question in multi,
        multi_label=multi_label,
    )
    return ann, summary
