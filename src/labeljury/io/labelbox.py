"""Labelbox Export v2 NDJSON: one data row per line, each labeler's label in ``labels[]``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from ..annotations import Annotations
from ..errors import EmptyInputError
from ._coded import finish_coded
from ._common import ReadSummary, lines_where, pick_question, read_jsonl, to_seconds, to_utc
from ._records import Records

__all__ = ["read_labelbox"]


def _answer(c: dict[str, Any]) -> Any:
    """Value of one global classification: radio -> str, checklist -> list, text -> str."""
    if isinstance(c.get("radio_answer"), dict):
        a = c["radio_answer"]
        return a.get("value", a.get("name"))
    if "checklist_answers" in c:
        return [a.get("value", a.get("name")) for a in c["checklist_answers"] or ()]
    if "text_answer" in c:
        t = c["text_answer"]
        return t.get("content") if isinstance(t, dict) else t
    return None


def read_labelbox(
    path: str | os.PathLike[str],
    *,
    question: str | None = None,
    keep_skipped: bool = False,
    classes: Sequence[Any] | None = None,
) -> tuple[Annotations, ReadSummary]:
    """Read a Labelbox Export v2 NDJSON file (global classifications).

    Parameters
    ----------
    path : path
        The ``.ndjson`` export.
    question : str, optional
        The classification (its ``value``, e.g. ``sentiment``, or its display
        ``name``) holding the class. Checklists are multi-choice, so the
        default is the only radio / text classification.
    keep_skipped : bool
        Accepted for a uniform signature; labels without an answer to the
        question are counted and left out.
    classes : sequence, optional
        All classes in order.

    Returns
    -------
    (Annotations, ReadSummary)
        Item = ``data_row.global_key`` (else ``external_id``, else ``id``);
        annotator = ``label_details.created_by``; class = the answer's
        ``value``; ``meta["seconds"]`` = ``performance_details.seconds_to_create``;
        ``meta["timestamp"]`` = ``label_details.created_at``. Labels from every
        project in the file are read.
    """
    path = os.fspath(path)
    recs = Records(seconds=to_seconds, stamps=to_utc)
    names: dict[str, str] = {}
    multi: set[str] = set()
    n_projects: set[str] = set()
    for n, rec in read_jsonl(path):
        dr = rec.get("data_row") or {}
        item = dr.get("global_key") or dr.get("external_id") or dr.get("id")
        for pid, proj in (rec.get("projects") or {}).items():
            n_projects.add(pid)
            for lab in proj.get("labels") or ():
                details = lab.get("label_details") or {}
                perf = lab.get("performance_details") or {}
                answers: dict[str, Any] = {}
                for c in (lab.get("annotations") or {}).get("classifications") or ():
                    key = c.get("value") or c.get("name")
                    names[c.get("name") or key] = key
                    answers[key] = _answer(c)
                    if "checklist_answers" in c:
                        multi.add(key)
                recs.add(
                    item,
                    details.get("created_by"),
                    answers,
                    pos=n - 1,
                    seconds=perf.get("seconds_to_create"),
                    stamp=details.get("created_at"),
                )
    if not len(recs):
        raise EmptyInputError(f"{path}: no labels in the export")
    found = list(recs.labels)
    if question is not None and question not in found and question in names:
        question = names[question]  # display name -> value
    summary = ReadSummary(path, "labelbox", questions=tuple(found))
    q = summary.question = pick_question(found, multi, question, path)
    if len(n_projects) > 1:
        summary.notes.append(f"labels from {len(n_projects)} projects read together")
    ann = finish_coded(
        recs.table(q),
        summary,
        where=lines_where(path, 1),
        keep_skipped=keep_skipped,
        classes=classes,
    )
    return ann, summary
