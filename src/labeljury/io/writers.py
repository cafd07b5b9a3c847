"""Write consensus labels and quality scores back out, atomically.

Every writer takes the ``label_quality`` table of a result (one row per item:
``item``, ``consensus_label``, ``consensus_quality_score``, ...) and writes it
through :func:`atomic_write`: a temporary file beside the target, then
``os.replace``, so an existing file is replaced whole or not at all.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._csv import write_csv
from .._files import atomic_write
from ..errors import InputError, MissingColumnError, ParameterError, preview

__all__ = ["atomic_write", "write_jsonl", "write_label_studio_predictions", "write_table"]

_NEED = ("item", "consensus_label")


def _check(label_quality: pd.DataFrame, need: Sequence[str] = _NEED) -> None:
    if not isinstance(label_quality, pd.DataFrame):
        raise InputError(
            f"expected the label_quality DataFrame, got {type(label_quality).__name__}"
        )
    missing = [c for c in need if c not in label_quality.columns]
    if missing:
        raise MissingColumnError(
            f"label_quality has no column(s) {preview(missing)}; columns are "
            f"{preview(list(label_quality.columns), 10)}"
        )


def _plain(value: Any) -> Any:
    """numpy scalars -> Python scalars for json; NaN -> None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def write_table(label_quality: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the table as CSV (``.csv``, ``.tsv``) or Parquet (``.parquet``), by extension.

    Parameters
    ----------
    label_quality : DataFrame
        The consensus table (any columns; ``item`` and ``consensus_label`` needed).
    path : path
        Target file; its folder is created.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> lq = pd.DataFrame({"item": ["r-1"], "consensus_label": ["pos"],
    ...                    "consensus_quality_score": [0.9]})
    >>> p = write_table(lq, pathlib.Path(tempfile.mkdtemp()) / "consensus.csv")
    >>> p.read_text().splitlines()[0]
    'item,consensus_label,consensus_quality_score'
    """
    _check(label_quality)
    ext = Path(path).suffix.lower()
    if ext in (".parquet", ".pq"):

        def write(tmp: str) -> None:
            df = label_quality.copy()
            df.columns = [str(c) for c in df.columns]
            df.to_parquet(tmp, index=False)
    elif ext in (".csv", ".tsv", ".txt"):

        def write(tmp: str) -> None:
            write_csv(label_quality, tmp, sep="\t" if ext == ".tsv" else ",")
    else:
        raise InputError(
            f"{path}: write_table writes .csv, .tsv or .parquet, not {ext or 'no '}extension"
        )
    return atomic_write(path, write)


def write_jsonl(label_quality: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write one JSON object per item, keeping the user's original item ids as they were.

    Ids keep their JSON type (``501`` stays a number, ``"r-101"`` a string) and
    every column of the table becomes a key.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> lq = pd.DataFrame({"item": [501, "r-2"], "consensus_label": ["pos", "neg"]})
    >>> p = write_jsonl(lq, pathlib.Path(tempfile.mkdtemp()) / "consensus.jsonl")
    >>> p.read_text().splitlines()[0]
    '{"item": 501, "consensus_label": "pos"}'
    """
    _check(label_quality)
    cols = [str(c) for c in label_quality.columns]
    values = label_quality.astype(object).to_numpy()

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            for row in values:
                rec = dict(zip(cols, (_plain(v) for v in row), strict=True))
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

    return atomic_write(path, write)


def write_label_studio_predictions(
    label_quality: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    from_name: str,
    to_name: str,
    original: str | os.PathLike[str] | None = None,
    model_version: str = "labeljury",
) -> Path:
    """Write Label Studio tasks with the consensus as an importable prediction.

    Each task gets ``predictions: [{"model_version", "score", "result": [{"from_name",
    "to_name", "type": "choices", "value": {"choices": [consensus]}}]}]`` with
    the consensus quality as ``score``: import the file into the project to
    review the consensus as pre-annotations, lowest score first.

    Parameters
    ----------
    label_quality : DataFrame
        Needs ``item`` (the Label Studio task id) and ``consensus_label``;
        ``consensus_quality_score`` becomes the prediction's score.
    path : path
        Target ``.json`` file.
    from_name, to_name : str
        The ``Choices`` control tag name and the object tag it labels (from
        the labeling config, e.g. ``sentiment`` and ``review``).
    original : path, optional
        The original Label Studio JSON export: its tasks are copied (``id``,
        ``data``) with the prediction added, so the import updates the same
        tasks. Without it, tasks are ``{"id": item, "data": {}}``.
    model_version : str, default "labeljury"
        Written as the prediction's ``model_version``.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib, json
    >>> lq = pd.DataFrame({"item": [501], "consensus_label": ["neutral"],
    ...                    "consensus_quality_score": [0.62]})
    >>> p = write_label_studio_predictions(lq, pathlib.Path(tempfile.mkdtemp()) / "p.json",
    ...                                    from_name="sentiment", to_name="review")
    >>> json.loads(p.read_text())[0]["predictions"][0]["score"]
    0.62
    """
    _check(label_quality)
    for name, value in (("from_name", from_name), ("to_name", to_name)):
        if not isinstance(value, str) or not value.strip():
            raise ParameterError(
                f"{name} must be the name of a tag in the Label Studio labeling config, "
                f"got {value!r}"
            )
    score = (
        label_quality["consensus_quality_score"]
        if "consensus_quality_score" in label_quality
        else None
    )
    preds: dict[Any, dict[str, Any]] = {}
    pairs = zip(label_quality["item"], label_quality["consensus_label"], strict=True)
    for k, (item, label) in enumerate(pairs):
        pred: dict[str, Any] = {
            "model_version": model_version,
            "result": [
                {
                    "from_name": from_name,
                    "to_name": to_name,
                    "type": "choices",
                    "value": {"choices": [_plain(label)]},
                }
            ],
        }
        if score is not None:
            pred["score"] = _plain(score.iloc[k])
        preds[_plain(item)] = pred
    if original is not None:
        from ._common import iter_json_array

        tasks = []
        for t in iter_json_array(os.fspath(original)):
            if t.get("id") in preds:
                tasks.append(
                    {"id": t["id"], "data": t.get("data", {}), "predictions": [preds.pop(t["id"])]}
                )
        if preds:
            raise InputError(
                f"{original}: no task with id(s) {preview(list(preds))} from "
                "label_quality; is it the export these labels came from?"
            )
    else:
        tasks = [{"id": item, "data": {}, "predictions": [p]} for item, p in preds.items()]

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(tasks, fh, ensure_ascii=False, indent=1)

    return atomic_write(path, write)
