"""Reading annotations from anything: :func:`read_annotations` tells a long table
from a wide one, and a path is read in blocks where the block reader applies
(:mod:`labeljury.io.stream`) or whole otherwise, with a warning when a delimited
file looks cut short. The tables themselves become :class:`Annotations` in
:mod:`labeljury._from_tables`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ._cells import DuplicatePolicy, UnlabeledPolicy
from ._columns import (
    ANNOTATOR_NAMES,
    LABEL_NAMES,
    _check_frame,
    _find_column,
    _read_table,
    _wide_item_column,
)
from .errors import InputWarning, MissingColumnError, ParameterError, preview, show, user_stacklevel

if TYPE_CHECKING:
    from .annotations import Annotations

__all__ = ["read_annotations"]


def read_annotations(
    data: pd.DataFrame | np.ndarray | str | os.PathLike[str],
    *,
    layout: Literal["auto", "long", "wide"] = "auto",
    item_col: Hashable | None = None,
    annotator_col: Hashable | None = None,
    label_col: Hashable | None = None,
    classes: Sequence[Any] | None = None,
    duplicates: DuplicatePolicy = "keep",
    unlabeled: UnlabeledPolicy = "error",
) -> Annotations:
    """Read annotations from a file, DataFrame or array, long or wide.

    With ``layout="auto"`` a table whose columns include an annotator column
    and a label column (given or recognised by name) is long; anything else is
    wide (one column per annotator). A numpy array is always wide.

    Examples
    --------
    >>> import pandas as pd
    >>> from labeljury import read_annotations
    >>> long = pd.DataFrame({"item": [1, 1], "worker": ["a", "b"], "label": [0, 1]})
    >>> read_annotations(long).n_annotators
    2
    >>> wide = pd.DataFrame({"a": [0, None], "b": [1, 1]})
    >>> read_annotations(wide).n_annotations
    3
    """
    from .annotations import Annotations  # here: annotations.py imports this module

    if isinstance(data, Annotations):
        return data
    if layout not in ("auto", "long", "wide"):
        raise ParameterError(f"layout must be 'auto', 'long' or 'wide', got {layout!r}")
    if getattr(data, "multi_label", False):
        data.label  # noqa: B018 - MultiLabelAnnotations.label raises the clear InputError
    source = None
    if isinstance(data, (str, os.PathLike)):
        source = os.fspath(data)
        data = _read_path(
            source,
            layout,
            stream=True,
            item_col=item_col,
            annotator_col=annotator_col,
            label_col=label_col,
            classes=classes,
            duplicates=duplicates,
            unlabeled=unlabeled,
        )
        if not isinstance(data, pd.DataFrame):  # read in blocks, built and checked
            return data
    if isinstance(data, np.ndarray):
        return Annotations.from_wide(data, classes=classes, unlabeled=unlabeled, source=source)
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(
            f"annotations must be an Annotations object, a DataFrame (long or wide), a 2-D "
            f"numpy array or a path to a table, got {type(data).__name__}"
            + (f" {data!r}" if data is None or isinstance(data, (int, float)) else "")
        )
    _check_frame(data, source)
    if layout == "auto":
        cols = list(data.columns)
        ann_found = (
            annotator_col if annotator_col is not None else _find_column(cols, ANNOTATOR_NAMES)
        )
        lab_found = (
            label_col
            if label_col is not None
            else _find_column(
                cols, LABEL_NAMES, exclude=[ann_found] if ann_found is not None else ()
            )
        )
        if ann_found is not None and lab_found is not None:
            layout = "long"
        elif ann_found is not None or lab_found is not None:
            found, missing = (
                ("an annotator", "label") if ann_found is not None else ("a label", "annotator")
            )
            seen = ann_found if ann_found is not None else lab_found
            raise MissingColumnError(
                f"{source or 'table'}: column {seen!r} "
                f"looks like {found} column of a long table, but no {missing} column is "
                f"recognised among {preview(cols, 12)}. Name it with {missing}_col=... (CLI: "
                f"--{missing}-col), or say the table is wide (layout='wide', CLI: --format wide)"
            )
        else:
            layout = "wide"
    if layout == "long":
        ann = Annotations.from_long(
            data,
            item_col=item_col,
            annotator_col=annotator_col,
            label_col=label_col,
            classes=classes,
            duplicates=duplicates,
            unlabeled=unlabeled,
            source=source,
        )
        if source is not None:  # a file read whole (the block reader did not apply)
            _warn_if_cut(source, ann)
        return ann
    if item_col is None and source is not None:
        item_col = _wide_item_column(data, source)
    return Annotations.from_wide(
        data, classes=classes, item_col=item_col, unlabeled=unlabeled, source=source
    )


def _warn_if_cut(path: str, ann: Annotations) -> None:
    """Warn when a delimited file looks cut inside its last row.

    A download cut short ends without a line break, in the middle of a row; when
    the cut falls inside the label, that row's label (``ca`` for ``cat``) is a
    class found nowhere else. Both together are worth a word; each alone is common.
    """
    from .io.tables import TABLE_KINDS, _ends_with_newline, inner_suffix

    ext, _ = inner_suffix(path)
    if TABLE_KINDS.get(ext, "csv") not in ("csv", "tsv") or not os.path.isfile(path):
        return
    if ann.n_annotations < 2 or _ends_with_newline(path):
        return
    last = ann.label[-1]
    if np.count_nonzero(ann.label == last) == 1:
        warnings.warn(
            f"{path}: the file does not end with a line break and the label of its last "
            f"row, {show(ann.classes[last])}, appears nowhere else: if the file was cut "
            "short, that label is cut too; check the last line",
            InputWarning,
            stacklevel=user_stacklevel(),
        )


def _read_path(
    path: str | os.PathLike[str], layout: str, *, stream: bool, **options: Any
) -> Annotations | pd.DataFrame:
    """A path's annotations read in blocks (long CSV / Parquet file, folder or glob), or,
    where the block reader does not apply (``stream=False``, a wide table, a file it
    does not follow), the whole table as text cells for the caller to build from.
    """
    if stream:
        from .io.stream import read_long_table

        streamed = read_long_table(path, layout=layout, **options)
        if streamed is not None:
            _warn_if_cut(os.fspath(path), streamed)
            return streamed
    return _read_table(path, numbers=False)
