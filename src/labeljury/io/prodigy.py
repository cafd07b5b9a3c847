"""Prodigy ``db-out`` JSON Lines: ``choice`` and binary ``classification`` answers."""

from __future__ import annotations

import os
from array import array
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import EmptyInputError
from ._coded import CodeBook, Coded, finish_coded
from ._common import STATUSES, ReadSummary, lines_where, pick_question, read_jsonl
from ._records import Records

__all__ = ["read_prodigy"]

_STATUS = {"accept": "ok", "ignore": "skipped", "reject": "rejected"}


def _strip_dataset(ids: list[Any]) -> list[Any]:
    """Drop the ``<dataset>-`` prefix named sessions carry, when every id shares it."""
    strs = [i for i in ids if isinstance(i, str)]
    if not strs or len(strs) != len(ids):
        return ids
    prefix = min(strs)
    last = max(strs)
    n = next((k for k, (a, b) in enumerate(zip(prefix, last, strict=False)) if a != b), len(prefix))
    prefix = prefix[:n]
    cut = prefix.rfind("-") + 1
    if cut <= 0 or any(len(s) <= cut for s in strs):
        return ids
    return [s[cut:] for s in strs]


def _stamps(values: list[Any]) -> pd.Series:
    """Prodigy's ``_timestamp`` (seconds since 1970) as UTC times."""
    return pd.to_datetime(pd.Series(values, dtype=float), unit="s", utc=True)


def read_prodigy(
    path: str | os.PathLike[str],
    *,
    question: str | None = None,
    keep_skipped: bool = False,
    classes: Sequence[Any] | None = None,
    multi_label: bool = False,
) -> tuple[Annotations, ReadSummary]:
    """Read a Prodigy ``db-out`` JSONL file.

    Parameters
    ----------
    path : path
        The JSONL file.
    question : str, optional
        ``"choice"`` for the ``choice`` interface (class = the accepted option
        id), or a label of the binary ``classification`` interface (classes
        ``"accept"`` / ``"reject"``: did the annotator accept that label).
        Default: the only one, or the only single-choice one.
    keep_skipped : bool, default False
        Keep ``ignore`` answers and ``reject`` answers of the choice interface
        (they carry no class, so in practice they stay out) .
    classes : sequence, optional
        All classes in order.
    multi_label : bool, default False
        Read multi-select answers as sets (``MultiLabelAnnotations``).

    Returns
    -------
    (Annotations, ReadSummary)
        Item = ``_input_hash``; annotator = ``_annotator_id`` (else
        ``_session_id``) without the ``<dataset>-`` prefix when all share it;
        ``meta["timestamp"]`` = ``_timestamp`` (Prodigy stores no durations).
    """
    path = os.fspath(path)
    recs = Records(stamps=_stamps)
    qs = CodeBook()  # each record's question (one per record)
    q_of = array("i")
    multi: set[str] = set()
    for n, rec in read_jsonl(path):
        answer = rec.get("answer")
        binary = rec.get("_view_id") == "classification" or (
            "label" in rec and "options" not in rec
        )
        if binary:
            q = str(rec.get("label"))
            lab: Any = answer if answer in ("accept", "reject") else None
            st = "skipped" if answer == "ignore" else "ok"
        else:
            q = "choice"
            lab = list(rec.get("accept") or []) if answer == "accept" else None
            st = _STATUS.get(answer, "ok")
        if isinstance(lab, list) and len(lab) > 1:
            multi.add(q)
        q_of.append(qs.code(q))
        recs.add(
            rec.get("_input_hash", rec.get("_task_hash")),
            rec.get("_annotator_id", rec.get("_session_id")),
            {"": lab},
            status=STATUSES.index(st),
            pos=n - 1,
            stamp=rec.get("_timestamp"),
        )
    if not len(recs):
        raise EmptyInputError(f"{path}: no answers")
    found = qs.values
    summary = ReadSummary(path, "prodigy", questions=tuple(found))
    summary.question = pick_question(found, multi, question, path, multi_label)
    sel = np.flatnonzero(np.frombuffer(q_of, dtype=np.int32) == qs.index[summary.question])
    table = recs.table("", sel)
    # the dataset prefix, judged on the annotators of this question (each name once)
    users = table.annotator.values
    used = np.flatnonzero(np.bincount(table.annotator.codes, minlength=len(users)))
    stripped = _strip_dataset([users[k] for k in used])
    names = list(users)
    for k, name in zip(used, stripped, strict=True):
        names[k] = name
    table.annotator = Coded(table.annotator.codes, names)
    ann = finish_coded(
        table,
        summary,
        where=lines_where(path, 1),
        keep_skipped=keep_skipped,
        classes=classes,
        multi_label=multi_label,
    )
    return ann, summary
