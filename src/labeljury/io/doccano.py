"""doccano text-classification export: one ``<username>.jsonl`` per annotator.

With "Share annotations across all users" off, the export zip holds one JSONL
file per user (plus ``unknown.jsonl`` for documents nobody labeled). With it
on, ``all.jsonl`` concatenates every user's labels and loses who gave them,
which is useless for per-annotator work, so it is refused with a clear message.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..annotations import Annotations
from ..errors import EmptyInputError, InputError
from ._coded import finish_coded
from ._common import (
    MultiChoiceError,
    ReadSummary,
    check_file,
    pick_question,
    read_jsonl,
)
from ._records import Records

__all__ = ["read_doccano"]


def _files(path: Path) -> Iterator[tuple[str, Iterator[tuple[int, Any]]]]:
    """(name, records) for every JSONL file of a folder, zip or single file."""
    if path.is_dir():
        for f in sorted(path.glob("*.jsonl")):
            yield f.name, read_jsonl(str(f))
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for name in sorted(n for n in zf.namelist() if n.endswith(".jsonl")):
                text = io.TextIOWrapper(zf.open(name), encoding="utf-8")
                recs = [(k, json.loads(line)) for k, line in enumerate(text, 1) if line.strip()]
                yield f"{path}:{name}", iter(recs)
    else:
        yield path.name, read_jsonl(str(path))


def _where(files: list[str], file_of: array, line_of: array) -> Any:
    """Locations as ``<file> line <n>``, looked up only for the records shown."""

    def where(pos: np.ndarray) -> str:
        more = f" (and {len(pos) - 5} more)" if len(pos) > 5 else ""
        shown = (f"{files[file_of[int(p)]]} line {line_of[int(p)]}" for p in pos[:5])
        return "; ".join(shown) + more

    return where


def read_doccano(
    path: str | os.PathLike[str],
    *,
    question: str | None = None,
    keep_skipped: bool = False,
    classes: Sequence[Any] | None = None,
    multi_label: bool = False,
) -> tuple[Annotations, ReadSummary]:
    """Read a doccano text-classification export.

    Parameters
    ----------
    path : path
        The export zip, the folder it was unpacked into, or one
        ``<username>.jsonl`` file.
    question : str, optional
        Only ``"label"`` exists in doccano exports.
    keep_skipped : bool
        Accepted for a uniform signature; doccano marks nothing as skipped.
    classes : sequence, optional
        All classes in order.

    multi_label : bool, default False
        Read a multi-label project: each document's labels by one user are a set.
    Returns
    -------
    (Annotations, ReadSummary)
        Item = document ``id``; annotator = the file name without ``.jsonl``
        (the username) or, in the older 1.x form
        ``annotations: [{"label", "user"}]``, the ``user`` id. ``unknown.jsonl``
        (unlabeled documents) is left out; doccano exports no timestamps.
    """
    path = os.fspath(path)
    check_file(path)
    recs = Records()
    files: list[str] = []  # where each annotation is: a file, a line
    file_of, line_of = array("i"), array("q")
    summary = ReadSummary(path, "doccano", questions=("label",))
    for name, records in _files(Path(path)):
        base = os.path.basename(name.split(":")[-1])
        user = base[: -len(".jsonl")] if base.endswith(".jsonl") else base
        if user == "unknown":
            n = sum(1 for _ in records)
            summary.notes.append(f"{name}: {n} unlabeled document(s) left out")
            continue
        if user == "all":
            raise InputError(
                f"{name}: an export with 'Share annotations across all users' on "
                "holds every label without saying who gave it; export again with "
                "that option off (one <username>.jsonl per annotator)"
            )
        files.append(name)
        for line, rec in records:
            if "annotations" in rec and "label" not in rec:  # doccano 1.x
                for a in rec["annotations"] or ():
                    recs.add(rec.get("id"), a.get("user"), {"label": a.get("label")}, pos=len(recs))
                    file_of.append(len(files) - 1)
                    line_of.append(line)
                continue
            label = rec.get("label", rec.get("labels"))
            recs.add(rec.get("id"), user, {"label": label}, pos=len(recs))
            file_of.append(len(files) - 1)
            line_of.append(line)
    if not len(recs):
        raise EmptyInputError(f"{path}: no labeled documents")
    summary.question = pick_question(["label"], set(), question, path)
    try:
        ann = finish_coded(
            recs.table("label"),
            summary,
            where=_where(files, file_of, line_of),
            keep_skipped=keep_skipped,
            classes=classes,
            multi_label=multi_label,
        )
    except MultiChoiceError as exc:
        raise MultiChoiceError(
            f"{exc}. A doccano file with several labels per document is a "
            "multi-label project (read it with multi_label=True, CLI "
            "--multi-label), or an export with 'Share annotations "
            "across all users' on (all.jsonl), which loses who gave each "
            "label; export with that option off"
        ) from exc
    return ann, summary
