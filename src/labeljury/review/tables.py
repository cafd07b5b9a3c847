"""Reading the tables of an output folder into flat arrays (the review app's loading helpers).

Ids and class names are matched as text with Arrow's hash joins, so a
million-item folder loads without a Python object per annotation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError, MissingColumnError

__all__ = ["relabel_scores", "weighted_support"]

TEXT_NAMES = ("text", "content", "sentence", "review", "body", "tweet", "document", "title")
IMAGE_NAMES = ("image", "image_path", "image_url", "img", "path", "file", "filename", "url")


#: columns read as text whatever they look like (ids, class names)
TEXT_COLUMNS = {"item", "annotator", "label", "consensus_label", "worst_class", "spam_answer"}


def _read(out_dir: Path, stem: str, required: bool = True) -> pd.DataFrame | None:
    for ext in ("csv", "parquet"):
        path = out_dir / f"{stem}.{ext}"
        if path.exists():
            try:
                if ext == "parquet":
                    return pd.read_parquet(path)
                # everything as text first ("NA" stays an id), then the number columns
                df = pd.read_csv(path, dtype=str, keep_default_na=False)
                for col in df.columns:
                    if col not in TEXT_COLUMNS and (stem != "pred_probs" or col != "item"):
                        num = pd.to_numeric(df[col].replace("", np.nan), errors="coerce")
                        if num.notna().sum() == (df[col] != "").sum():
                            df[col] = num
                return df
            except (ValueError, OSError, pd.errors.ParserError) as exc:
                raise InputError(f"{path}: cannot read ({exc})") from exc
    if required:
        raise InputError(
            f"{out_dir}: no {stem}.csv or {stem}.parquet; give the folder that "
            "`labeljury aggregate --out` or `labeljury run --out` wrote"
        )
    return None


def _need(df: pd.DataFrame, cols: tuple[str, ...], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise MissingColumnError(
            f"{what} has no column(s) {missing}; columns are {list(df.columns)}"
        )


def _text(values: Any) -> pa.Array:
    """Ids and class names as one Arrow text array.

    Arrow's hash joins (``index_in``) match millions of text ids without
    making a Python object per id, which is what keeps a 1e6-item folder's
    load in seconds.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    try:
        arr = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: their text
        arr = pa.array(series.astype(str).to_numpy(dtype=object))
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.large_string())
    return pc.fill_null(arr, "")


def _codes(values: pa.Array, vocabulary: pa.Array) -> np.ndarray:
    """Position of each value in ``vocabulary`` (first occurrence), -1 when absent."""
    found = pc.index_in(values, value_set=vocabulary)
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _objects(arr: pa.Array) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False).astype(object)


def _floats(values: Any) -> np.ndarray:
    return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)


def _class_order(labels: np.ndarray, preferred: list[str] | None) -> list[str]:
    """Class names: a pred_probs table's column order, else sorted (numerically if numbers)."""
    found = pd.unique(labels).tolist()
    if preferred:
        return list(preferred) + [c for c in sorted(found) if c not in set(preferred)]
    try:
        return sorted(found, key=float)
    except ValueError:
        return sorted(found)


def _csr(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Stable order of rows grouped by ``keys`` and the group offsets (length n + 1)."""
    order = np.argsort(keys, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return order, ptr


def relabel_scores(
    consensus: np.ndarray,
    ann_item: np.ndarray,
    ann_label: np.ndarray,
    ann_weight: np.ndarray,
    model_prob: np.ndarray | None,
) -> np.ndarray:
    r"""ActiveLab-style relabel priority from the saved tables (lower = relabel first).

    :func:`labeljury.active.relabel_priority` with the weights the output
    folder holds: each annotation weighs its annotator's quality (clipped to
    [0, 1]) and the model, when ``pred_probs`` was saved, weighs the mean
    annotator weight:

    .. math:: s_i = \frac{w_M p_M(\hat y_i) + \sum_j w_j [y_{ij} = \hat y_i]}{w_M + \sum_j w_j}

    Examples
    --------
    >>> relabel_scores(np.array([0, 1]), np.array([0, 0, 1]), np.array([0, 1, 1]),
    ...                np.array([1.0, 0.5, 1.0]), None).round(3).tolist()
    [0.667, 1.0]
    """
    return weighted_support(
        ann_label == consensus[ann_item], ann_item, ann_weight, model_prob, len(consensus)
    )


def weighted_support(
    agree: np.ndarray,
    ann_item: np.ndarray,
    ann_weight: np.ndarray,
    model_prob: np.ndarray | None,
    n: int,
) -> np.ndarray:
    """The formula of :func:`relabel_scores` given each annotation's agreement in [0, 1]

    (1/0 for a class; for a set, the share of classes on which it agrees with the consensus).
    """
    w = np.clip(np.nan_to_num(ann_weight, nan=0.0), 0.0, 1.0)
    num = np.bincount(ann_item, weights=w * agree, minlength=n)
    den = np.bincount(ann_item, weights=w, minlength=n)
    if model_prob is not None:
        w_m = float(w.mean()) if len(w) else 1.0
        num = num + w_m * model_prob
        den = den + w_m
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, 0.0)
