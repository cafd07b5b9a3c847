"""Amazon SageMaker Ground Truth: worker responses and consolidation requests.

The output manifest holds only the consolidated label, so per-worker labels
come from ``annotations/worker-response/iteration-<n>/<object index>/*.json``
(every answer of every file in an object's folder) or, failing that, from the
post-annotation Lambda payloads in ``consolidation-request/``.
"""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..annotations import Annotations
from ..errors import EmptyInputError, InputError
from ._coded import finish_coded
from ._common import (
    ReadSummary,
    check_file,
    crowd_answers,
    iter_json_array,
    pick_question,
    read_json,
    to_seconds,
    to_utc,
)
from ._records import Records
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


def _request_objects(f: Path) -> Iterator[Any]:
    """The objects of a consolidation request (a JSON list), decoded one at a time."""
    try:
        with open_text(str(f)) as fh:
            head = fh.read(4096).lstrip(" \t\r\n\ufeff")
    except (UnicodeDecodeError, OSError, EOFError):
        head = ""  # read_json below names the problem
    if head.startswith("["):
        yield from iter_json_array(str(f))
        return
    doc = read_json(str(f))  # not a list: says what it is (or that it is not JSON)
    if not isinstance(doc, list):
        raise InputError(f"{f}: not a consolidation request (expected a JSON list)")
    yield from doc


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
    recs = Records(seconds=to_seconds, stamps=to_utc)
    # where each annotation is: (file, object or -1, answer number), shown on demand
    names: list[str] = []
    oids: list[str] = []
    file_of, obj_of, k_of = array("i"), array("i"), array("i")
    files = [] if (root.is_file() and _is_request(root)) else _response_files(root)
    if files:
        for f in files:
            doc = read_json(str(f))
            answers = doc.get("answers") if isinstance(doc, dict) else None
            if answers is None:
                raise InputError(f"{f}: not a worker-response file (no 'answers')")
            obj = f.parent.name if not root.is_file() or f.parent.name.isdigit() else f.stem
            item: Any = int(obj) if obj.isdigit() else obj
            names.append(str(f))
            for k, a in enumerate(answers):
                recs.add(
                    item,
                    a.get("workerId"),
                    crowd_answers(a.get("answerContent")),
                    pos=len(recs),
                    seconds=a.get("timeSpentInSeconds"),
                    stamp=a.get("submissionTime"),
                )
                file_of.append(len(names) - 1)
                obj_of.append(-1)
                k_of.append(k)
    else:
        for f in _request_files(root):
            names.append(str(f))
            for o in _request_objects(f):
                oid = str(o.get("datasetObjectId"))
                item = int(oid) if oid.isdigit() else oid
                oids.append(oid)
                for k, a in enumerate(o.get("annotations") or ()):
                    content = (a.get("annotationData") or {}).get("content")
                    try:
                        ans = json.loads(content) if isinstance(content, str) else content
                    except json.JSONDecodeError as exc:
                        raise InputError(
                            f"{f}: object {oid} annotation {k}: content is not JSON ({exc})"
                        ) from exc
                    recs.add(item, a.get("workerId"), crowd_answers(ans), pos=len(recs))
                    file_of.append(len(names) - 1)
                    obj_of.append(len(oids) - 1)
                    k_of.append(k)
    if not len(recs):
        raise EmptyInputError(
            f"{path}: no worker responses or consolidation requests found "
            "(expected annotations/worker-response/iteration-*/<index>/*.json)"
        )
    found = list(recs.labels)
    multi = {
        k
        for k, col in recs.labels.items()
        if any(isinstance(v, list) and len(v) > 1 for v in _used(recs.answers.values, col))
    }
    summary = ReadSummary(path, "sagemaker", questions=tuple(found))
    q = summary.question = pick_question(found, multi, question, path, multi_label)
    table = recs.table(q)
    if table.seconds is not None and np.isnan(table.seconds).all():
        table.seconds = table.timestamp = None

    def where(pos: np.ndarray) -> str:
        more = f" (and {len(pos) - 5} more)" if len(pos) > 5 else ""
        shown = []
        for p in pos[:5]:
            f, o, k = names[file_of[int(p)]], obj_of[int(p)], k_of[int(p)]
            shown.append(f"{f} answer {k}" if o < 0 else f"{f} object {oids[o]} annotation {k}")
        return "; ".join(shown) + more

    ann = finish_coded(
        table,
        summary,
        where=where,
        keep_skipped=keep_skipped,
        classes=classes,
        multi_label=multi_label,
    )
    return ann, summary


def _used(values: list[Any], codes: Any) -> list[Any]:
    """The distinct answers a question's codes point at."""
    arr = np.frombuffer(codes, dtype=np.int32)
    return [values[k] for k in np.flatnonzero(np.bincount(arr[arr >= 0], minlength=len(values)))]


def _is_request(path: Path) -> bool:
    with open_text(path) as fh:  # compressed or UTF-16 files too
        head = fh.read(4096)
    return "datasetObjectId" in head
