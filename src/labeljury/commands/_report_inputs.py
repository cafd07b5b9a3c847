"""What the HTML report shows beside the numbers: item text and class names.

From ``--items FILE`` and ``--class-names FILE`` when given, else from the
files a data set folder carries beside ANSWERS (``items.csv``; ``meta.json``
with a ``classes`` mapping, as in labeljury's data set layout).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["class_names", "item_table"]


def _beside(args: argparse.Namespace, name: str) -> Path | None:
    path = Path(args.answers)
    cand = (path if path.is_dir() else path.parent) / name
    return cand if cand.is_file() else None


def item_table(args: argparse.Namespace, features: Any = None, id_col: Any = None) -> Any:
    """One row per item, indexed by item id: ``--items``, else ``features`` (a table whose
    id column is ``id_col``), else items.csv beside ANSWERS."""
    import pandas as pd

    from .._columns import ITEM_NAMES, _find_column, _read_table

    source = getattr(args, "items", None) or (
        None if isinstance(features, pd.DataFrame) else _beside(args, "items.csv")
    )
    if source is None:
        df = features if isinstance(features, pd.DataFrame) else None
    else:
        df, id_col = _read_table(source), None
    if df is None:
        return None
    col = id_col or _find_column(list(df.columns), ITEM_NAMES) or df.columns[0]
    return df.drop_duplicates(subset=[col]).set_index(col)


def class_names(args: argparse.Namespace) -> dict[str, str] | None:
    """Class -> name: ``--class-names`` (JSON or a two-column table), else meta.json."""
    path = getattr(args, "class_names", None)
    if path is None:
        meta = _beside(args, "meta.json")
        if meta is None:
            return None
        try:
            classes = json.loads(meta.read_text()).get("classes")
        except (OSError, ValueError, AttributeError):
            return None  # not ours to validate: the report simply shows the codes
        return {str(k): str(v) for k, v in classes.items()} if isinstance(classes, dict) else None
    if str(path).lower().endswith(".json"):
        try:
            doc = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise InputError(f"{path}: cannot read class names as JSON ({exc})") from exc
        doc = doc.get("classes", doc) if isinstance(doc, dict) else doc
        if not isinstance(doc, dict):
            raise InputError(
                f"{path}: class names need an object {{class: name}} (or a "
                "'classes' key holding one)"
            )
        return {str(k): str(v) for k, v in doc.items()}
    from .._columns import _read_table

    df = _read_table(path)
    if df.shape[1] < 2:
        raise InputError(f"{path}: class names need two columns: class, name")
    return {str(k): str(v) for k, v in zip(df.iloc[:, 0], df.iloc[:, 1], strict=True)}
