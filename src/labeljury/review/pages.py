"""What each screen of the review app shows, read from :class:`ReviewData`'s arrays.

The queue (filters, order, one page, the neighbours of an item), the item
screen, an annotator's confusion against the consensus, the overview numbers
and the items flagged for relabeling. A base class of
:class:`~labeljury.review.data.ReviewData`, which loads the arrays and records
the decisions; :class:`~labeljury.review.multilabel.MultiLabelReviewData`
overrides the per-class pieces for sets of labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc

from .queue import QueueQuery
from .reviews import ACTIONS, DECISION_CODES

__all__ = ["ScreenViews"]


class ScreenViews:
    """The read side of :class:`~labeljury.review.data.ReviewData`: queue, item,
    annotator and overview screens. Every method reads the arrays that class
    builds (``consensus``, ``order``, ``rank``, ``item_ptr``, ``decision``...).
    """

    # the arrays ReviewData sets (annotations for the type checker only)
    n: int
    ids: np.ndarray
    classes: list[str]
    consensus: np.ndarray
    quality: np.ndarray
    priority: np.ndarray
    agreement: np.ndarray
    n_annotations: np.ndarray
    annotators: np.ndarray
    annotator_quality: np.ndarray
    ann_item: np.ndarray
    ann_annotator: np.ndarray
    ann_label: np.ndarray
    ann_score: np.ndarray
    item_ptr: np.ndarray
    by_annotator: np.ndarray
    annotator_ptr: np.ndarray
    pred_probs: np.ndarray | None
    order: dict[str, np.ndarray]
    rank: dict[str, np.ndarray]
    decision: np.ndarray
    decision_label: np.ndarray
    history: dict[int, list[dict[str, str]]]
    texts: np.ndarray | None
    images: np.ndarray | None
    items_base: Path | None
    _ids: Any
    _texts: Any

    # -------------------------------------------------------------------- queue
    def select(self, q: QueueQuery) -> np.ndarray:
        """Item positions in queue order after the filters (no copy when unfiltered)."""
        mask: np.ndarray | None = None

        def both(m: np.ndarray) -> None:
            nonlocal mask
            mask = m if mask is None else mask & m

        if q.cls:
            both(self._class_mask(q.cls))
        if q.disagree:
            both(self.agreement < 1)
        if q.reviewed:
            both(self.decision > 0 if q.reviewed == "yes" else self.decision == 0)
        if q.annotator:
            m = np.zeros(self.n, dtype=bool)
            a = np.flatnonzero(self.annotators == q.annotator)
            if len(a):
                rows = self.by_annotator[self.annotator_ptr[a[0]] : self.annotator_ptr[a[0] + 1]]
                m[self.ann_item[rows]] = True
            both(m)
        if q.q:
            both(self._search(q.q))
        order = self.order[q.sort]
        return order if mask is None else order[mask[order]]

    def _class_mask(self, name: str) -> np.ndarray:
        """The items whose consensus is class ``name``."""
        return self.consensus == (self.classes.index(name) if name in self.classes else -2)

    def _per_class(self, mask: np.ndarray) -> list[int]:
        """Per class, how many items of ``mask`` have it as their consensus."""
        return np.bincount(self.consensus[mask], minlength=len(self.classes)).tolist()

    def consensus_text(self, i: int) -> str:
        """Item ``i``'s consensus label as written in the tables."""
        return self.classes[self.consensus[i]]

    def _search(self, text: str) -> np.ndarray:
        m = np.zeros(self.n, dtype=bool)
        pos = pc.index(self._ids, text).as_py()
        if pos >= 0:  # an exact id is what was meant
            m[pos] = True
            return m
        for arr in (self._ids, self._texts):
            if arr is not None:
                hit = pc.match_substring(arr, text, ignore_case=True)
                m |= hit.to_numpy(zero_copy_only=False)
        return m

    def page(self, q: QueueQuery) -> dict[str, Any]:
        """One queue page: the total after filters and ``per_page`` rows."""
        sel = self.select(q)
        pages = max(1, -(-len(sel) // q.per_page))
        page = min(q.page, pages)
        rows = sel[(page - 1) * q.per_page : page * q.per_page]
        return {
            "total": len(sel),
            "page": page,
            "pages": pages,
            "per_page": q.per_page,
            "rows": [self.row(int(i)) for i in rows],
        }

    def row(self, i: int) -> dict[str, Any]:
        """An item's queue row."""
        text = "" if self.texts is None else self.texts[i]
        return {
            "item": self.ids[i],
            "consensus_label": self.classes[self.consensus[i]],
            "consensus_quality_score": _num(self.quality[i]),
            "relabel_priority": _num(self.priority[i]),
            "annotator_agreement": _num(self.agreement[i]),
            "num_annotations": int(self.n_annotations[i]),
            "decision": self.decision_name(i),
            "decision_label": (
                self.classes[self.decision_label[i]] if self.decision_label[i] >= 0 else ""
            ),
            "text": text[:160] + ("…" if len(text) > 160 else ""),
        }

    def decision_name(self, i: int) -> str:
        """``accept``/``correct``/``relabel`` or ``""`` (not reviewed)."""
        return "" if self.decision[i] == 0 else ACTIONS[self.decision[i] - 1]

    def neighbours(self, i: int, q: QueueQuery) -> tuple[int | None, int | None]:
        """The previous and next items of the queue around position ``i``.

        Works when ``i`` itself has left the filtered queue (reviewed under
        ``reviewed=no``): its rank in the full order says where it was.
        """
        sel = self.select(q)
        ranks = self.rank[q.sort][sel]  # increasing
        r = self.rank[q.sort][i]
        lo = int(np.searchsorted(ranks, r, side="left"))
        hi = int(np.searchsorted(ranks, r, side="right"))
        prev = int(sel[lo - 1]) if lo > 0 else None
        nxt = int(sel[hi]) if hi < len(sel) else None
        return prev, nxt

    # --------------------------------------------------------------------- item
    def item(self, i: int) -> dict[str, Any]:
        """Everything the item screen shows."""
        rows = slice(self.item_ptr[i], self.item_ptr[i + 1])
        labels = []
        for a, lab, s in zip(
            self.ann_annotator[rows], self.ann_label[rows], self.ann_score[rows], strict=True
        ):
            labels.append(
                {
                    "annotator": self.annotators[a],
                    "label": self.classes[lab],
                    "label_quality_score": _num(s),
                    "annotator_quality": _num(self.annotator_quality[a]),
                }
            )
        probs = (
            None
            if self.pred_probs is None
            else [
                {"class": c, "p": _num(p)}
                for c, p in zip(self.classes, self.pred_probs[i], strict=False)
            ]
        )
        out = self.row(i)
        out.update(
            {
                "text": "" if self.texts is None else self.texts[i],
                "image": "" if self.images is None else self.images[i],
                "labels": labels,
                "pred_probs": probs,
                "history": self.history.get(i, []),
            }
        )
        return out

    def image_file(self, i: int) -> Path | None:
        """The image file of item ``i``, or None if it has none or it lies outside its folder."""
        if self.images is None or self.items_base is None or not self.images[i]:
            return None
        raw = str(self.images[i])
        if "://" in raw or raw.startswith("data:"):
            return None
        path = (self.items_base / raw).resolve()
        if not path.is_relative_to(self.items_base) or not path.is_file():
            return None
        return path

    # --------------------------------------------------------------- annotators
    def confusion(self, a: int) -> np.ndarray:
        """Annotator ``a``'s labels (columns) against the consensus (rows), counts."""
        k = len(self.classes)
        rows = self.by_annotator[self.annotator_ptr[a] : self.annotator_ptr[a + 1]]
        key = self.consensus[self.ann_item[rows]] * k + self.ann_label[rows]
        return np.bincount(key, minlength=k * k).reshape(k, k)

    def overview(self) -> dict[str, Any]:
        """Headline numbers and histograms, including the reviews so far."""
        q = np.nan_to_num(self.quality, nan=0.0)
        counts = np.bincount(self.decision, minlength=len(ACTIONS) + 1)
        hist, edges = np.histogram(np.clip(q, 0, 1), bins=20, range=(0, 1))
        aq = np.clip(np.nan_to_num(self.annotator_quality, nan=0.0), 0, 1)
        ahist, _ = np.histogram(aq, bins=20, range=(0, 1))
        corrected = self.decision == DECISION_CODES["correct"]
        return {
            "items": self.n,
            "annotations": len(self.ann_item),
            "annotators": len(self.annotators),
            "classes": len(self.classes),
            "mean_consensus_quality": _num(float(np.mean(q)) if self.n else float("nan")),
            "items_below_0.5_quality": int((q < 0.5).sum()),
            "unanimous_items": int((self.agreement == 1).sum()),
            "reviewed": int((self.decision > 0).sum()),
            "decisions": {a: int(counts[k + 1]) for k, a in enumerate(ACTIONS)},
            "quality_histogram": {"edges": edges.round(3).tolist(), "counts": hist.tolist()},
            "annotator_quality_histogram": {
                "edges": edges.round(3).tolist(),
                "counts": ahist.tolist(),
            },
            "consensus_per_class": dict(
                zip(self.classes, self._per_class(np.ones(self.n, dtype=bool)), strict=True)
            ),
            "corrected_per_class": dict(zip(self.classes, self._per_class(corrected), strict=True)),
        }

    def flagged(self) -> np.ndarray:
        """Positions of the items whose latest decision is ``relabel``, in queue order."""
        order = self.order["priority"]
        return order[self.decision[order] == DECISION_CODES["relabel"]]


def _num(x: Any) -> float | None:
    """A float for JSON (NaN -> None)."""
    x = float(x)
    return None if not np.isfinite(x) else x
