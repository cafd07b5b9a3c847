"""Reading the command line's inputs: ANSWERS (table or tool export) and ``--gold``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from ..errors import InputError, user_stacklevel
from . import console

__all__ = ["read_answers", "read_answers_with_gold", "read_gold"]


def _parse_classes(values: Sequence[str] | None) -> list[Any] | None:
    """CLI classes arrive as text; numbers that are all integers become ints."""
    if not values:
        return None
    try:
        return [int(v) for v in values]
    except ValueError:
        return list(values)


def read_answers(args: argparse.Namespace) -> Any:
    """Read ANSWERS: a plain long/wide table, or a labeling tool's export (sniffed)."""
    from .. import io as lj_io
    from ..annotations import read_annotations

    fmt = getattr(args, "format", None) or "auto"
    if fmt == "auto":
        fmt = lj_io.sniff(args.answers)
    if fmt in ("table", "long", "wide"):
        return read_annotations(
            args.answers,
            layout=fmt if fmt != "table" else "auto",
            item_col=args.item_col,
            annotator_col=args.annotator_col,
            label_col=args.label_col,
            classes=_parse_classes(args.classes),
            duplicates=args.duplicates,
        )
    ann, summary = lj_io.read(
        args.answers,
        format=fmt,
        question=args.question,
        keep_skipped=args.keep_skipped,
        classes=_parse_classes(args.classes),
        return_summary=True,
    )
    if not getattr(args, "quiet", False):
        console().print(summary)
    return ann


def read_answers_with_gold(args: argparse.Namespace) -> Any:
    """:func:`read_answers`, then the ``--gold`` file's classes attached, if given."""
    ann = read_answers(args)
    return ann if not getattr(args, "gold", None) else read_gold(args.gold, ann)


def read_gold(path: str, ann: Any) -> Any:
    """Attach the known classes of a gold file to ``ann`` (``Annotations.with_gold``).

    The file is a table with an item id column (named like one, else the first
    column) and a class column (``gold``, ``truth``, ``true_label`` or a label-like
    name, else the other column). Rows with an empty class are ignored; an item
    listed twice with different classes, an unknown item or an unknown class is
    an error naming them.

    Examples
    --------
    >>> import os, tempfile
    >>> from labeljury import Annotations
    >>> ann = Annotations.from_arrays(["q1", "q1", "q2"], ["a", "b", "a"], ["cat", "dog", "dog"])
    >>> path = os.path.join(tempfile.mkdtemp(), "gold.csv")
    >>> _ = open(path, "w").write("item,gold\\nq1,cat\\n")
    >>> read_gold(path, ann).gold.tolist()
    [0, -1]
    """
    import pandas as pd

    from .._columns import ITEM_NAMES, LABEL_NAMES, _find_column, _read_table
    from ..errors import preview
    from ..review.reviews import as_gold_table

    df = as_gold_table(_read_table(path))  # a review app's reviews.csv: its decisions
    cols = list(df.columns)
    if len(cols) < 2:
        raise InputError(
            f"{path}: a gold file needs an item id column and a class column; found {cols}"
        )
    item_col = _find_column(cols, ITEM_NAMES) or cols[0]
    label_col = _find_column(
        cols, ("gold", "truth", "true_label", "gold_label", *LABEL_NAMES), exclude=[item_col]
    ) or next(c for c in cols if c != item_col)
    blank = df[label_col].isna() | df[label_col].astype(str).str.strip().isin(["", "nan", "NaN"])
    if blank.any():
        import warnings

        import numpy as np

        from ..errors import InputWarning

        warnings.warn(
            f"{path}: {int(blank.sum())} gold row(s) with an empty class left out "
            f"(lines {preview((np.flatnonzero(blank.to_numpy()) + 2).tolist())})",
            InputWarning,
            stacklevel=user_stacklevel(),
        )
    df = df[[item_col, label_col]][~blank.to_numpy()]
    if df.empty:
        raise InputError(f"{path}: no gold classes in column {label_col!r}")
    clash = df.groupby(item_col)[label_col].nunique()
    if (clash > 1).any():
        raise InputError(
            f"{path}: items with two different gold classes: "
            f"{preview(clash.index[clash > 1].tolist())}"
        )
    df = df.drop_duplicates(subset=[item_col])
    gold = pd.Series(df[label_col].to_numpy(), index=pd.Index(df[item_col].to_numpy()))
    try:
        return ann.with_gold(gold)
    except InputError as exc:
        raise type(exc)(f"{path}: {exc}") from exc
