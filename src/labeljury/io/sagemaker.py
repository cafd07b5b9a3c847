"""Amazon SageMaker Ground Truth: worker responses and consolidation requests.

The output manifest holds only the consolidated label, so per-worker labels
come from ``annotations/worker-response/iteration-<n>/<object index>/*.json``
(every answer of every file in an object's folder) or, failing that, from the
post-annotation Lambda payloads in ``consolidation-request/``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import EmptyInputError, InputError
from ._common import (
    ReadSummary,
    check_file,
    crowd_answers,
    finish,
    listed_where,
    pick_question,
    read_json,
    to_seconds,
    to_utc,
)
from .tables import open_text

__all__ = ["read_sagemaker"]


def _response_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    if (
        root.name == "worker-response"
        or root.name.startswith("iteration-")
        or root.parent.name.startswith("iteration-")
    ):
        base = root
    else:
        base = root / "annotations" / "worker-response"
        if not base.is_dir():
            return []
    return sorted(p for p in base.rglob("*.json") if p.is_file())


def _request_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    hits = sorted(
        p for p in root.rglob("*.json") if "consolidation-request" in p.parts and p.is_file()
    )
    return hits


def read_sagemaker(
    path: str | os.PathLike[str],
    *,
    question: str | None = None,
    keep_skipped: bool = False,
    classes: Sequence[Any] | None = None,
    multi_label: bool = False,
) -> tuple[Annotations, ReadSummary]:
    """Read SageMaker Ground Truth per-worker annotations.

    Parameters
    ----------
    path : path
        The job folder (holding ``annotations/``), its ``worker-response``
        folder or one iteration of it, a single worker-response file, or a
        consolidation-request file or folder.
    question : str, optional
        The crowd element ``name`` holding the class (e.g. ``crowd-classifier``).
    keep_skipped : bool
        Accepted for a uniform signature; Ground Truth exports hold no skipped
        answers (expired objects never reach the files).
    classes : sequence, optional
        All classes in order.
    multi_label : bool, default False
        Read multi-select answers as sets (``MultiLabelAnnotations``).

    Returns
    -------
    (Annotations, ReadSummary)
        Item = dataset object index (the input manifest's line number, from 0);
        annotator = ``workerId``; ``meta["seconds"]`` = ``timeSpentInSeconds``;
        ``meta["timestamp"]`` = ``submissionTime``.
    """
    path = os.fspath(path)
    check_file(path)
    root = Path(path)
    rows: list[tuple[Any, Any, dict[str, Any], Any, Any]] = []
    where_of: list[str] = []
    files = [] if (root.is_file() and _is_request(root)) else _response_files(root)
    if files:
        for f in files:
            doc = read_json(str(f))
            answers = doc.get("answers") if isinstance(doc, dict) else None
            if answers is None:
                raise InputError(f"{f}: not a worker-response file (no 'answers')")
            obj = f.parent.name if not root.is_file() or f.parent.name.isdigit() else f.stem
            item: Any = int(obj) if obj.isdigit() else obj
            for k, a in enumerate(answers):
                rows.append(
                    (
                        item,
                        a.get("workerId"),
                        crowd_answers(a.get("answerContent")),
                        a.get("timeSpentInSeconds"),
                        a.get("submissionTime"),
                    )
                )
                where_of.append(f"{f} answer {k}")
    else:
        for f in _request_files(root):
            doc = read_json(str(f))
            if not isinstance(doc, list):
                raise InputError(f"{f}: not a consolidation request (expected a JSON list)")
            for o in doc:
                oid = str(o.get("datasetObjectId"))
                item = int(oid) if oid.isdigit() else oid
                for k, a in enumerate(o.get("annotations") or ()):
                    content = (a.get("annotationData") or {}).get("content")
                    try:
                        ans = json.loads(content) if isinstance(content, str) else content
                    except json.JSONDecodeError as exc:
                        raise InputError(
                            f"{f}: object {oid} annotation {k}: content is not JSON ({exc})"
                        ) from exc
                    rows.append((item, a.get("workerId"), crowd_answers(ans), None, None))
                    where_of.append(f"{f} object {oid} annotation {k}")
    if not rows:
        raise EmptyInputError(
            f"{path}: no worker responses or consolidation requests found "
            "(expected annotations/worker-response/iteration-*/<index>/*.json)"
        )
    found: list[str] = []
    multi: set[str] = set()
    for r in rows:
        found.extend(k for k in r[2] if k not in found)
        multi.update(k for k, v in r[2].items() if isinstance(v, list) and len(v) > 1)
    summary = ReadSummary(path, "sagemaker", questions=tuple(found))
    q = summary.question = pick_question(found, multi, question, path, multi_label)
    df = pd.DataFrame(
        {
            "item": [r[0] for r in rows],
            "annotator": [r[1] for r in rows],
            "label": pd.Series([r[2].get(q) for r in rows], dtype=object),
            "status": "ok",
            "pos": np.arange(len(rows)),
            "seconds": to_seconds([r[3] for r in rows]),
            "timestamp": to_utc([r[4] for r in rows]),
        }
    )
    if df["seconds"].isna().all():
        df = df.drop(columns=["seconds", "timestamp"])
    ann = finish(
        df,
        summary,
        where=listed_where(where_of),
        keep_skipped=keep_skipped,
        classes=classes,
        multi_label=multi_label,
    )
    return ann, summary


def _is_request(path: Path) -> bool:
    with open_text(path) as fh:  # compressed or UTF-16 files too
        head = fh.read(4096)
    return "datasetObjectId" in head
