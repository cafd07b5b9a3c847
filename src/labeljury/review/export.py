"""Export the items a reviewer sent for relabeling as a labeling tool's tasks.

Label Studio imports a JSON list of tasks, each ``{"data": {...}}`` whose keys
the labeling config refers to (``$text``, ``$image``). Each exported task
carries the item's content under the items file's own column names, the item
id under ``labeljury_item``, and the review context in ``meta`` (consensus,
its quality, who flagged it and when), so the new annotations can be matched
back by id and read with ``labeljury aggregate`` together with the old ones.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .._files import atomic_write
from ..errors import InputError
from .data import ReviewData

__all__ = ["export_relabel", "label_studio_tasks"]


def label_studio_tasks(data: ReviewData) -> list[dict[str, Any]]:
    """One Label Studio task per item whose latest decision is ``relabel``, highest priority first.

    Examples
    --------
    >>> import pandas as pd
    >>> lq = pd.DataFrame({"item": ["a", "b"], "consensus_label": ["x", "y"],
    ...                    "consensus_quality_score": [0.4, 0.9]})
    >>> dlq = pd.DataFrame({"item": ["a", "b"], "annotator": ["w", "w"], "label": ["x", "y"]})
    >>> st = pd.DataFrame({"annotator": ["w"], "annotator_quality": [0.8]})
    >>> d = ReviewData(lq, dlq, st)
    >>> _ = d.decide("a", "relabel")
    >>> [t["data"]["labeljury_item"] for t in label_studio_tasks(d)]
    ['a']
    """
    tasks = []
    for i in data.flagged():
        i = int(i)
        task_data: dict[str, Any] = {"labeljury_item": data.ids[i]}
        if data.texts is not None:
            task_data[str(data.text_col)] = data.texts[i]
        if data.images is not None:
            task_data[str(data.image_col)] = data.images[i]
        last = (data.history.get(i) or [{}])[-1]
        tasks.append(
            {
                "data": task_data,
                "meta": {
                    "labeljury_item": data.ids[i],
                    "consensus_label": data.consensus_text(i),
                    "consensus_quality_score": _num(data.quality[i]),
                    "relabel_priority": _num(data.priority[i]),
                    "num_annotations": int(data.n_annotations[i]),
                    "flagged_by": last.get("reviewer", ""),
                    "flagged_at": last.get("time", ""),
                },
            }
        )
    return tasks


def _num(x: float) -> float | None:
    return None if x != x else float(x)


def export_relabel(
    out_dir: str | os.PathLike[str],
    *,
    data: str | None = None,
    out: str | os.PathLike[str] | None = None,
    format: str = "label_studio",
) -> tuple[Path, int]:
    """Write the flagged items of ``out_dir`` as tasks; returns the file and the task count."""
    if format != "label_studio":
        raise InputError(f"export format {format!r} is not supported; use label_studio")
    review = ReviewData.load(out_dir, data)
    if not review.reviews_path or not review.reviews_path.exists():
        raise InputError(
            f"{out_dir}: no reviews.csv yet; flag items with `labeljury review "
            f"{out_dir}` (R on an item) first"
        )
    tasks = label_studio_tasks(review)
    target = Path(out) if out is not None else Path(out_dir) / "relabel_label_studio.json"

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(tasks, fh, ensure_ascii=False, indent=1)

    return atomic_write(target, write), len(tasks)
