"""Partitions of annotations in global codes, built from a Dask DataFrame in one pass.

The classes come first, from the distinct values of the label column (a small reduction),
cleaned and sorted by the in-memory reader's rules. Then the table is shuffled by item (a
hash of the item id), so every item's annotations sit in one partition; each partition is
read into a local :class:`~labeljury.Annotations` by the in-memory reader (the same
cleaning and checks) against those classes; the local annotator ids are reduced into one
sorted vocabulary and every partition is re-coded against it. The partitions stay on the
workers.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..._cells import _sorted_unique
from ...annotations import Annotations
from ...errors import InputError, LabeljuryError, user_stacklevel
from ...validation import check_pred_probs
from .stash import Stashed, stash

__all__ = ["Part", "build_local", "class_vocab", "global_annotators", "to_global"]

_TINY = 1e-300  # log(0) guard, as in the in-memory methods
#: the column holding each annotation's row number in the whole input
ROW = "__labeljury_row"


def number_rows(pdf: pd.DataFrame, offsets: np.ndarray, partition_info: Any = None) -> pd.DataFrame:
    """Add :data:`ROW`: the rows' positions in the whole input (partition offset + position)."""
    start = int(offsets[partition_info["number"]]) if partition_info else 0
    return pdf.assign(**{ROW: np.arange(start, start + len(pdf), dtype=np.int64)})


class Part:
    """One partition: its annotations in global annotator and class codes.

    Attributes
    ----------
    index : int
        Position of the partition (names its output files).
    ann : Annotations
        Local items (codes 0..n-1), global ``annotators`` and ``classes``.
    pred : ndarray or None, shape (n_items, K)
        Model probabilities per local item, when given.
    row : ndarray or None, shape (n_annotations,)
        Each annotation's row number in the whole input (when a method needs the input
        order: Jury's sample of labels).
    """

    __slots__ = ("ann", "index", "pred", "row")

    def __init__(
        self,
        index: int,
        ann: Annotations,
        pred: np.ndarray | None,
        row: np.ndarray | None = None,
    ) -> None:
        self.row = row
        self.index = index
        self.ann = ann
        self.pred = pred

    def __getstate__(self) -> tuple:
        return self.index, self.ann, self.pred, self.row

    def __setstate__(self, state: tuple) -> None:
        self.index, self.ann, self.pred, self.row = state


def build_local(
    pdf: pd.DataFrame,
    index: int,
    columns: dict[str, Any],
    text: bool,
    classes: list[Any] | None,
    pred_cols: list[Any] | None,
    run_id: str,
) -> Stashed | None:
    """Read one partition with the in-memory reader, kept on the worker's disk; None when it
    is empty. The handle's ``info`` holds the rows, the annotator ids and the warnings."""
    local = _read_local(pdf, index, columns, text, classes, pred_cols)
    if local is None:
        return None
    ann, _, said, _ = local
    return stash(local, run_id, "local", (ann.n_annotations, ann.annotators.tolist(), said))


def _read_local(
    pdf: pd.DataFrame,
    index: int,
    columns: dict[str, Any],
    text: bool,
    classes: list[Any] | None,
    pred_cols: list[Any] | None,
) -> tuple | None:
    if len(pdf) == 0:
        return None
    pdf = pdf.reset_index(drop=True)
    if text:  # a delimited-text file read as text: labels follow the same rules in memory
        pdf.attrs["labeljury_text"] = True
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ann = Annotations.from_long(
                pdf,
                item_col=columns["item"],
                annotator_col=columns["annotator"],
                label_col=columns["label"],
                classes=classes,
                duplicates=columns.get("duplicates", "keep"),
            )
    except LabeljuryError as exc:  # rows count within the partition, after the shuffle
        raise type(exc)(f"partition {index} (rows grouped by item): {exc}") from None
    # the reader's warnings go back to the client (a worker's would only reach its log)
    said = [(w.category, f"partition {index}: {w.message}") for w in caught]
    row = pdf[ROW].to_numpy(dtype=np.int64) if ROW in pdf.columns else None
    if not pred_cols:
        return ann, None, said, row
    # rows keep their order through from_long: row j is annotation j, so an item's
    # model probabilities are on its first row
    first = np.empty(ann.n_items, dtype=np.int64)
    first[ann.item[::-1]] = np.arange(ann.n_annotations)[::-1]
    pred = pdf[pred_cols].iloc[first].reset_index(drop=True)
    return ann, pred, said, row


def local_vocab(local: Stashed | None) -> tuple[int, list[Any], list[tuple[type, str]]]:
    """Rows, annotator ids and reader warnings of one local partition (small)."""
    return (0, [], []) if local is None else local.info


def rewarn(vocabs: list[tuple[int, list[Any], list[tuple[type, str]]]]) -> None:
    """The partitions' reader warnings, once per kind, on the client."""
    by_kind: dict[type, list[str]] = {}
    for v in vocabs:
        for category, message in v[2]:
            by_kind.setdefault(category, []).append(message)
    for category, messages in by_kind.items():
        more = f" (and {len(messages) - 1} more such warning(s))" if len(messages) > 1 else ""
        warnings.warn(messages[0] + more, category, stacklevel=user_stacklevel())


def class_vocab(raw: np.ndarray, text: bool, classes: list[Any] | None, label_col: Any) -> pd.Index:
    """The classes, as the in-memory reader finds them, from the label column's distinct values.

    Reading the distinct raw labels alone gives the same classes as reading every row:
    the cleaning rules (numbers written as text, integral floats, spaces and Unicode
    forms) decide on the set of values, not on their counts. A partition holding one
    class only then still codes its labels against all of them.
    """
    from ..._cells import _as_clean_values, _missing_mask

    vals = _as_clean_values(pd.Index(raw))
    vals = vals[~_missing_mask(vals)]
    tiny = pd.DataFrame({"item": np.arange(len(vals)), "annotator": 0, "label": vals})
    if text:
        tiny.attrs["labeljury_text"] = True
    try:
        with warnings.catch_warnings():  # the partitions' reading says it, once (rewarn)
            warnings.simplefilter("ignore")
            ann = Annotations.from_long(
                tiny,
                item_col="item",
                annotator_col="annotator",
                label_col="label",
                classes=classes,
                source=f"label column {label_col!r}",
            )
    except LabeljuryError as exc:
        raise type(exc)(str(exc)) from None
    return ann.classes


def global_annotators(vocabs: list[tuple[int, list[Any], list[Any]]]) -> pd.Index:
    """Annotator ids over all partitions, sorted (codes then do not depend on the partitioning;
    they change no result)."""
    annotators = _sorted_unique(np.array([a for v in vocabs for a in v[1]], dtype=object))
    if not annotators:
        raise InputError("the dataset holds no annotations")
    return pd.Index(annotators)


def to_global(
    local: Stashed | None,
    index: int,
    annotators: pd.Index,
    classes: pd.Index,
    pred_order: list[int] | None = None,
) -> Stashed | None:
    """Re-code one local partition against the global vocabularies, kept on the worker's
    disk with its one-hot matrix (every pass reads it)."""
    if local is None:
        return None
    ann, pred_df, _, row = local.load()
    a_map = annotators.get_indexer(ann.annotators)
    c_map = classes.get_indexer(ann.classes)
    glob = Annotations(
        ann.item,
        a_map[ann.annotator],
        c_map[ann.label],
        ann.items,
        annotators,
        classes,
        validate=False,
    )
    pred = None
    if pred_df is not None:
        pred = check_pred_probs(
            pred_df.iloc[:, pred_order].to_numpy(),
            glob.n_items,
            glob.n_classes,
            source=f"partition {index}: the model probability columns",
        )
    glob.one_hot()  # cached on the object, so written with it
    return stash(Part(index, glob, pred, row), local.run_id, "part")


def log_pred(part: Part) -> np.ndarray | float:
    """Per-item log model prior (0 without a model), floored as the in-memory methods do."""
    return 0.0 if part.pred is None else np.log(np.maximum(part.pred, _TINY))
