"""The review app's data: an output folder loaded once into flat arrays.

``aggregate`` and ``run`` write ``label_quality``, ``detailed_label_quality``,
``annotator_stats`` (and ``run`` also ``pred_probs``) as CSV or Parquet. The app
loads them once into numpy arrays indexed by item position, precomputes the two
queue orders (consensus quality, relabel priority) and their ranks, and groups
the annotations by item and by annotator (CSR offsets). A queue page is then a
few boolean masks and one slice, whatever the number of items: nothing is
sorted or grouped per request.

Item ids and class names are text throughout (as they appear in the files).
This module loads the arrays and records the decisions; what each screen shows
from them is in :mod:`~labeljury.review.pages` (the base class).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from .pages import ScreenViews
from .queue import QueueQuery
from .reviews import ACTIONS, DECISION_CODES, append_review, read_reviews
from .tables import (
    IMAGE_NAMES,
    TEXT_NAMES,
    _class_order,
    _codes,
    _csr,
    _floats,
    _need,
    _objects,
    _read,
    _text,
    relabel_scores,
)

__all__ = ["DECISION_CODES", "QueueQuery", "ReviewData", "relabel_scores"]


class ReviewData(ScreenViews):
    """An output folder's tables as arrays, plus the review decisions made so far.

    :meth:`load` gives a :class:`~labeljury.review.multilabel.MultiLabelReviewData`
    for a multi-label folder (one with ``class_quality``).

    Parameters
    ----------
    label_quality, detailed_label_quality, annotator_stats : DataFrame
        The tables ``Result.save`` writes.
    pred_probs : DataFrame, optional
        ``item`` plus one column per class.
    items : DataFrame, optional
        Item content: an id column plus a text column and/or an image column.
    items_base : path, optional
        The folder relative image paths are resolved in (and confined to).
    reviews_path : path, optional
        Where decisions are appended; existing decisions are loaded.
    reviewer : str
    """

    #: True for a multi-label folder (consensus and labels are sets)
    multi_label = False

    def __init__(
        self,
        label_quality: pd.DataFrame,
        detailed_label_quality: pd.DataFrame,
        annotator_stats: pd.DataFrame,
        pred_probs: pd.DataFrame | None = None,
        items: pd.DataFrame | None = None,
        *,
        items_base: str | os.PathLike[str] | None = None,
        reviews_path: str | os.PathLike[str] | None = None,
        reviewer: str = "reviewer",
        out_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        lq, dlq, st = label_quality, detailed_label_quality, annotator_stats
        _need(lq, ("item", "consensus_label", "consensus_quality_score"), "label_quality")
        _need(dlq, ("item", "annotator", "label"), "detailed_label_quality")
        _need(st, ("annotator", "annotator_quality"), "annotator_stats")
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.reviewer = reviewer
        self._ids = _text(lq["item"])
        self.ids = _objects(self._ids)
        self.n = len(self.ids)
        if pc.count_distinct(self._ids).as_py() != self.n:
            raise InputError("label_quality lists an item twice")
        pp_cols = (
            None if pred_probs is None else [str(c) for c in pred_probs.columns if str(c) != "item"]
        )
        cons_text = _text(lq["consensus_label"])
        ann_label_text = _text(dlq["label"])
        found = pc.unique(pa.concat_arrays([pc.unique(cons_text), pc.unique(ann_label_text)]))
        self.classes = _class_order(np.asarray(found.to_pylist(), dtype=object), pp_cols)
        cls_vocab = pa.array(self.classes, type=pa.large_string())
        self.consensus = _codes(cons_text, cls_vocab)
        self.quality = _floats(lq["consensus_quality_score"])
        self.agreement = (
            _floats(lq["annotator_agreement"])
            if "annotator_agreement" in lq
            else np.full(self.n, np.nan)
        )

        # annotators: the stats table's order (worst first) gives their codes
        self.stats = st.reset_index(drop=True)
        annotators = _text(st["annotator"])
        self.annotators = _objects(annotators)
        self.annotator_quality = _floats(st["annotator_quality"])
        a_code = _codes(_text(dlq["annotator"]), annotators)
        i_code = _codes(_text(dlq["item"]), self._ids)
        if (i_code < 0).any() or (a_code < 0).any():
            raise InputError(
                "detailed_label_quality names items or annotators that "
                "label_quality / annotator_stats do not list; were the tables "
                "written by the same run?"
            )
        l_code = _codes(ann_label_text, cls_vocab)
        lqs = (
            _floats(dlq["label_quality_score"])
            if "label_quality_score" in dlq
            else np.full(len(dlq), np.nan)
        )
        self.n_annotations = np.bincount(i_code, minlength=self.n)
        by_item, self.item_ptr = _csr(i_code, self.n)
        self.ann_item = i_code[by_item]
        self.ann_annotator = a_code[by_item]
        self.ann_label = l_code[by_item]
        self.ann_score = lqs[by_item]
        self.by_annotator, self.annotator_ptr = _csr(self.ann_annotator, len(self.annotators))

        self.pred_probs = None
        if pred_probs is not None and pp_cols:
            pos = _codes(self._ids, _text(pred_probs["item"]))
            probs = pred_probs[pp_cols].apply(pd.to_numeric, errors="coerce").to_numpy(float)
            self.pred_probs = np.where((pos >= 0)[:, None], probs[np.maximum(pos, 0)], np.nan)
        model_prob = (
            None
            if self.pred_probs is None
            else np.nan_to_num(self.pred_probs[np.arange(self.n), self.consensus])
        )
        self.priority = relabel_scores(
            self.consensus,
            self.ann_item,
            self.ann_label,
            self.annotator_quality[self.ann_annotator],
            model_prob,
        )

        self._finish(items, items_base, reviews_path)

    def _finish(self, items: pd.DataFrame | None, items_base: Any, reviews_path: Any) -> None:
        """Queue orders and ranks, item content, the decisions so far (after the tables)."""
        # queue orders, lowest first; ties keep the table order
        self.order = {
            "quality": np.argsort(np.nan_to_num(self.quality, nan=-1.0), kind="stable"),
            "priority": np.argsort(self.priority, kind="stable"),
        }
        self.rank = {}
        for name, order in self.order.items():
            rank = np.empty(self.n, dtype=np.int64)
            rank[order] = np.arange(self.n)
            self.rank[name] = rank

        self._load_items(items, items_base)
        self.decision = np.zeros(self.n, dtype=np.int8)
        self.decision_label = np.full(self.n, -1, dtype=np.int64)
        self.history: dict[int, list[dict[str, str]]] = {}
        self.reviews_path = None if reviews_path is None else Path(reviews_path)
        if self.reviews_path is not None:
            reviews = read_reviews(self.reviews_path)
            where = _codes(_text(reviews["item"]), self._ids)
            for pos, row in zip(where, reviews.to_dict("records"), strict=True):
                if pos >= 0:  # decisions on items this output does not have are kept, not shown
                    self._apply(int(pos), row)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(
        cls,
        out_dir: str | os.PathLike[str],
        data: str | os.PathLike[str] | None = None,
        *,
        reviewer: str = "reviewer",
    ) -> ReviewData:
        """Load an output folder (CSV or Parquet tables) and optionally an items file."""
        out = Path(out_dir)
        if not out.is_dir():
            raise InputError(
                f"{out}: no such folder; give the folder that `labeljury aggregate "
                "--out` or `labeljury run --out` wrote"
            )
        items = base = None
        if data is not None:
            from .._columns import _read_table

            items = _read_table(data)
            base = Path(data).resolve().parent
        tables = [
            _read(out, "label_quality"),
            _read(out, "detailed_label_quality"),
            _read(out, "annotator_stats"),
        ]
        # only `aggregate --multi-label` writes class_quality: its folder holds sets
        class_quality = _read(out, "class_quality", required=False)
        make: Any = cls
        if class_quality is not None:
            from .multilabel import MultiLabelReviewData

            make, tables = MultiLabelReviewData, [*tables, class_quality]
        return make(
            *tables,
            _read(out, "pred_probs", required=False),
            items,
            items_base=base,
            reviews_path=out / "reviews.csv",
            reviewer=reviewer,
            out_dir=out,
        )

    def _load_items(self, items: pd.DataFrame | None, base: Any) -> None:
        self.texts = self.images = self._texts = None
        self.items_base = None if base is None else Path(base).resolve()
        self.text_col = self.image_col = None
        if items is None:
            return
        from .._columns import ITEM_NAMES, _find_column

        cols = list(items.columns)
        id_col = _find_column(cols, ("item", "item_id", "id", *ITEM_NAMES[1:])) or cols[0]
        rest = [c for c in cols if c != id_col]
        self.image_col = _find_column(rest, IMAGE_NAMES)
        self.text_col = _find_column([c for c in rest if c != self.image_col], TEXT_NAMES)
        if self.text_col is None and self.image_col is None:
            text_like = [c for c in rest if items[c].dtype == object]
            self.text_col = text_like[0] if text_like else None
        if self.text_col is None and self.image_col is None:
            raise InputError(
                f"the items file needs a text column ({', '.join(TEXT_NAMES)}) "
                f"or an image path/URL column ({', '.join(IMAGE_NAMES)}); "
                f"found {cols}"
            )
        pos = _codes(self._ids, _text(items[id_col]))
        for col, attr in ((self.text_col, "texts"), (self.image_col, "images")):
            if col is not None:
                values = items[col].where(items[col].notna(), "").astype(str).to_numpy(object)
                setattr(self, attr, np.where(pos >= 0, values[np.maximum(pos, 0)], ""))
        self._texts = None if self.texts is None else _text(self.texts)

    # ---------------------------------------------------------------- decisions
    def _apply(self, pos: int, row: dict[str, Any]) -> None:
        action = str(row["action"])
        self.decision[pos] = DECISION_CODES[action]
        label = str(row.get("label") or "")
        self.decision_label[pos] = self.classes.index(label) if label in self.classes else -1
        self.history.setdefault(int(pos), []).append(
            {k: str(row.get(k) or "") for k in ("action", "label", "reviewer", "time")}
        )

    def decide(self, item: str, action: str, label: str | None = None) -> dict[str, str]:
        """Record a decision: appended to the reviews file at once, then applied.

        ``accept`` records the consensus label; ``correct`` needs one of the classes
        (a correction to the consensus label itself is recorded as ``accept``).
        """
        pos = self.position(item)
        if action not in ACTIONS:
            raise InputError(f"unknown action {action!r}; use {', '.join(ACTIONS)}")
        consensus = self.classes[self.consensus[pos]]
        if action == "correct":
            if label not in self.classes:
                raise InputError(f"unknown class {label!r}")
            if label == consensus:
                action = "accept"
        if action == "accept":
            label = consensus
        elif action == "relabel":
            label = None
        return self._record(pos, action, label)

    def _record(self, pos: int, action: str, label: str | None) -> dict[str, str]:
        """Append one decision to reviews.csv (or only to memory) and apply it."""
        row = {
            "item": self.ids[pos],
            "action": action,
            "label": label or "",
            "reviewer": self.reviewer,
        }
        if self.reviews_path is not None:
            row = append_review(self.reviews_path, self.ids[pos], action, label, self.reviewer)
        else:
            from datetime import datetime, timezone

            row["time"] = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        self._apply(pos, row)
        return row

    def position(self, item: str) -> int:
        """The position of an item id; an unknown id is a ``KeyError``."""
        pos = pc.index(self._ids, str(item)).as_py()  # one scan: ms at 1e6 items
        if pos < 0:
            raise KeyError(item)
        return int(pos)
