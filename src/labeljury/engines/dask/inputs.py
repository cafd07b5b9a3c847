"""The Dask engine's inputs: columns, model probabilities, the client."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..._columns import ANNOTATOR_NAMES, ITEM_NAMES, LABEL_NAMES, _find_column, _resolve_column
from ...errors import InputError, ParameterError

__all__ = ["get_client", "pred_columns", "pred_order", "resolve_columns"]


def resolve_columns(ddf: Any, item_col: Any, annotator_col: Any, label_col: Any) -> dict[str, Any]:
    cols = list(ddf.columns)
    item = _resolve_column(cols, item_col, ITEM_NAMES, "item", "dataset", ())
    annotator = _resolve_column(
        cols, annotator_col, ANNOTATOR_NAMES, "annotator", "dataset", (item,)
    )
    label = _resolve_column(cols, label_col, LABEL_NAMES, "label", "dataset", (item, annotator))
    return {"item": item, "annotator": annotator, "label": label}


def pred_columns(ddf: Any, pred_probs: Any, item: Any, pred_item_col: Any) -> tuple[Any, list, Any]:
    """The model-probability columns on ``ddf`` (joined by item from a second frame)."""
    import dask.dataframe as dd

    if pred_probs is None:
        return ddf, [], None
    if isinstance(pred_probs, dd.DataFrame):
        cols = list(pred_probs.columns)
        key = pred_item_col if pred_item_col is not None else _find_column(cols, ITEM_NAMES)
        if key is None or key not in cols:
            raise InputError(
                f"pred_probs: no item id column among {cols[:8]}; name it with pred_probs_item_col"
            )
        names = [c for c in cols if c != key]
        renamed = {c: f"__pred_{i}" for i, c in enumerate(names)}
        right = pred_probs.rename(columns={**renamed, key: item})
        return ddf.merge(right, on=item, how="left"), list(renamed.values()), names
    if isinstance(pred_probs, dict):
        names, cols = list(pred_probs), list(pred_probs.values())
    elif isinstance(pred_probs, (list, tuple)):
        names, cols = None, list(pred_probs)
    else:
        raise ParameterError(
            "pred_probs on Dask: a list of column names (one per class, in class order), "
            "a mapping class -> column, or a Dask DataFrame with the item id and one column "
            "per class"
        )
    missing = [c for c in cols if c not in ddf.columns]
    if missing:
        raise InputError(f"pred_probs: no column(s) {missing} in the dataset")
    return ddf, cols, names


def pred_order(names: list | None, n_cols: int, classes: pd.Index) -> list[int] | None:
    if not n_cols:
        return None
    if names is None:
        if n_cols != len(classes):
            raise InputError(
                f"pred_probs: {n_cols} columns for {len(classes)} classes {classes.tolist()}"
            )
        return list(range(n_cols))
    text = [str(n) for n in names]
    order = []
    for c in classes:
        if str(c) not in text:
            raise InputError(f"pred_probs: no column for class {c!r} (columns: {names})")
        order.append(text.index(str(c)))
    return order


def get_client(
    client: Any, workers: int | None, memory: str | int | None = None
) -> tuple[Any, Any]:
    """The given client, the current default one, or a new LocalCluster's (owned)."""
    if client is not None:
        return client, None
    from distributed import Client, LocalCluster, default_client

    try:
        return default_client(), None
    except ValueError:
        pass
    import logging

    import dask

    # the P2P shuffle by item buffers up to 1 GiB of outgoing shards a worker by default,
    # more than a small worker holds; 64 MiB keeps the shuffle's memory flat in the data
    with dask.config.set({"distributed.p2p.comm.buffer": "64MiB"}):
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            memory_limit="auto" if memory is None else memory,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,  # a failed task is our error message, not a log
        )
    return Client(cluster), cluster
