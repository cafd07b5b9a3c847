"""The review app over a multi-label output folder: sets instead of one class per item.

``labeljury aggregate --multi-label`` writes ``label_quality`` (the consensus set
in ``consensus_label``, classes joined by a separator), ``class_quality`` (one
probability column per class), ``detailed_label_quality`` (each annotator's set
in ``label``) and ``annotator_stats``. A folder with ``class_quality`` is read by
:class:`MultiLabelReviewData`: sets are boolean (n, K) arrays, a queue filter
by class means "class in the consensus set", a correction is a set, and
``reviews.csv`` holds it joined by the same separator.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from .data import DECISION_CODES, ReviewData
from .pages import _num
from .reviews import ACTIONS
from .tables import _codes, _csr, _floats, _need, _objects, _text, weighted_support

__all__ = ["MultiLabelReviewData", "find_separator"]

#: separators tried, in order, when reading the sets back from the tables
SEPARATORS = ("|", ";", ",", "+", "/", " ")


def find_separator(cells: Sequence[str], classes: Sequence[str]) -> str:
    """The separator under which every non-empty cell splits into known classes.

    Examples
    --------
    >>> find_separator(["a;b", "b", ""], ["a", "b"])
    ';'
    """
    known = set(classes)
    full = [c for c in cells if c]
    for sep in SEPARATORS:
        if all(c in known or set(c.split(sep)) <= known for c in full):
            return sep
    bad = next(c for c in full if c not in known)
    raise InputError(
        f"label cell {bad!r} is not a set of the classes {list(classes)[:10]} joined by "
        f"any of {' '.join(SEPARATORS)}; were the tables written by `aggregate --multi-label`?"
    )


def _sets(cells: pa.Array, classes: list[str], sep: str) -> np.ndarray:
    """Boolean (len(cells), K): each distinct cell is split once, then gathered."""
    uniq = pc.unique(cells)
    index = {c: k for k, c in enumerate(classes)}
    table = np.zeros((len(uniq), len(classes)), dtype=bool)
    for u, cell in enumerate(uniq.to_pylist()):
        if cell:
            table[u, [index[c] for c in (cell.split(sep) if cell not in index else [cell])]] = True
    return table[_codes(cells, uniq)]


class MultiLabelReviewData(ReviewData):
    """A multi-label output folder's tables as arrays, plus the review decisions.

    Parameters
    ----------
    label_quality, detailed_label_quality, annotator_stats, class_quality : DataFrame
        The tables ``MultiLabelResult.save`` writes.
    pred_probs : DataFrame, optional
        A model's per-class probabilities (``run --multi-label``).
    items, items_base, reviews_path, reviewer, out_dir
        As for :class:`ReviewData`.
    """

    multi_label = True

    def __init__(
        self,
        label_quality: pd.DataFrame,
        detailed_label_quality: pd.DataFrame,
        annotator_stats: pd.DataFrame,
        class_quality: pd.DataFrame,
        pred_probs: pd.DataFrame | None = None,
        items: pd.DataFrame | None = None,
        *,
        items_base: Any = None,
        reviews_path: Any = None,
        reviewer: str = "reviewer",
        out_dir: Any = None,
    ) -> None:
        from pathlib import Path

        lq, dlq, st = label_quality, detailed_label_quality, annotator_stats
        _need(lq, ("item", "consensus_label", "consensus_quality_score"), "label_quality")
        _need(dlq, ("item", "annotator", "label"), "detailed_label_quality")
        _need(st, ("annotator", "annotator_quality"), "annotator_stats")
        _need(class_quality, ("item",), "class_quality")
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.reviewer = reviewer
        self._ids = _text(lq["item"])
        self.ids = _objects(self._ids)
        self.n = len(self.ids)
        if pc.count_distinct(self._ids).as_py() != self.n:
            raise InputError("label_quality lists an item twice")
        self.classes = [str(c) for c in class_quality.columns if str(c) != "item"]
        cons_text, ann_text = _text(lq["consensus_label"]), _text(dlq["label"])
        cells = pc.unique(pa.concat_arrays([pc.unique(cons_text), pc.unique(ann_text)]))
        self.sep = find_separator(cells.to_pylist(), self.classes)
        self.consensus_sets = _sets(cons_text, self.classes, self.sep)
        self.consensus = np.full(self.n, -1, dtype=np.int64)  # no single class
        self.quality = _floats(lq["consensus_quality_score"])
        self.agreement = (
            _floats(lq["annotator_agreement"])
            if "annotator_agreement" in lq
            else np.full(self.n, np.nan)
        )
        pos = _codes(self._ids, _text(class_quality["item"]))
        probs = class_quality[self.classes].apply(pd.to_numeric, errors="coerce").to_numpy(float)
        self.class_probs = np.where((pos >= 0)[:, None], probs[np.maximum(pos, 0)], np.nan)

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
        ann_sets = _sets(ann_text, self.classes, self.sep)
        lqs = (
            _floats(dlq["label_quality_score"])
            if "label_quality_score" in dlq
            else np.full(len(dlq), np.nan)
        )
        self.n_annotations = np.bincount(i_code, minlength=self.n)
        by_item, self.item_ptr = _csr(i_code, self.n)
        self.ann_item = i_code[by_item]
        self.ann_annotator = a_code[by_item]
        self.ann_sets = ann_sets[by_item]
        self.ann_label = np.full(len(by_item), -1, dtype=np.int64)
        self.ann_score = lqs[by_item]
        self.by_annotator, self.annotator_ptr = _csr(self.ann_annotator, len(self.annotators))

        self.pred_probs = None
        model_prob = None
        if pred_probs is not None and set(self.classes) <= {str(c) for c in pred_probs.columns}:
            pos = _codes(self._ids, _text(pred_probs["item"]))
            pp = pred_probs[self.classes].apply(pd.to_numeric, errors="coerce").to_numpy(float)
            self.pred_probs = np.where((pos >= 0)[:, None], pp[np.maximum(pos, 0)], np.nan)
            # the model's support of the consensus set: its mean per-class agreement
            agree = np.where(self.consensus_sets, self.pred_probs, 1 - self.pred_probs)
            model_prob = np.nan_to_num(agree.mean(axis=1))
        # an annotation backs the consensus by the share of classes it agrees on
        share = (self.ann_sets == self.consensus_sets[self.ann_item]).mean(axis=1)
        self.priority = weighted_support(
            share, self.ann_item, self.annotator_quality[self.ann_annotator], model_prob, self.n
        )
        self.decision_sets: dict[int, np.ndarray] = {}
        self._finish(items, items_base, reviews_path)

    # --------------------------------------------------------------- sets
    def _names(self, chosen: np.ndarray) -> list[str]:
        return [self.classes[k] for k in np.flatnonzero(chosen)]

    def _parse(self, label: Any) -> np.ndarray:
        """A set given as a list of classes or as text joined by the separator."""
        if label is None:
            names: list[str] = []
        elif isinstance(label, (list, tuple)):
            names = [str(c) for c in label]
        else:
            text = str(label)
            names = [] if not text else [text] if text in self.classes else text.split(self.sep)
        unknown = [c for c in names if c not in self.classes]
        if unknown:
            raise InputError(f"unknown class(es) {unknown[:5]}")
        out = np.zeros(len(self.classes), dtype=bool)
        out[[self.classes.index(c) for c in names]] = True
        return out

    def consensus_text(self, i: int) -> str:
        """Item ``i``'s consensus set, classes joined by the separator."""
        return self.sep.join(self._names(self.consensus_sets[i]))

    def _class_mask(self, name: str) -> np.ndarray:
        """The items whose consensus set holds class ``name``."""
        if name not in self.classes:
            return np.zeros(self.n, dtype=bool)
        return self.consensus_sets[:, self.classes.index(name)]

    def _per_class(self, mask: np.ndarray) -> list[int]:
        return self.consensus_sets[mask].sum(axis=0).astype(int).tolist()

    def confusion(self, a: int) -> np.ndarray:
        """Co-occurrence of annotator ``a``'s chosen classes (columns) and the consensus (rows)."""
        rows = self.by_annotator[self.annotator_ptr[a] : self.annotator_ptr[a + 1]]
        cons = self.consensus_sets[self.ann_item[rows]].astype(np.int64)
        return cons.T @ self.ann_sets[rows].astype(np.int64)

    # ----------------------------------------------------------- decisions
    def _apply(self, pos: int, row: dict[str, Any]) -> None:
        action = str(row["action"])
        self.decision[pos] = DECISION_CODES[action]
        label = str(row.get("label") or "")
        if action == "relabel":
            self.decision_sets.pop(pos, None)
        else:
            try:
                self.decision_sets[pos] = self._parse(label)
            except InputError:  # a class this output does not have: kept in the file
                self.decision_sets.pop(pos, None)
        self.history.setdefault(int(pos), []).append(
            {k: str(row.get(k) or "") for k in ("action", "label", "reviewer", "time")}
        )

    def decide(self, item: str, action: str, label: Any = None) -> dict[str, str]:
        """Record a decision; ``correct`` takes a set (a list, or text joined by the separator).

        A correction to the consensus set itself is recorded as ``accept``.
        """
        pos = self.position(item)
        if action not in ACTIONS:
            raise InputError(f"unknown action {action!r}; use {', '.join(ACTIONS)}")
        text: str | None = None
        if action == "correct":
            chosen = self._parse(label)
            if (chosen == self.consensus_sets[pos]).all():
                action = "accept"
            text = self.sep.join(self._names(chosen))
        if action == "accept":
            text = self.consensus_text(pos)
        return self._record(pos, action, text)

    # ------------------------------------------------------------ screens
    def row(self, i: int) -> dict[str, Any]:
        """An item's queue row; ``consensus_set`` / ``decision_set`` list the classes."""
        out = super().row(i)
        decided = self.decision_sets.get(i)
        out.update(
            {
                "consensus_label": self.consensus_text(i),
                "consensus_set": self._names(self.consensus_sets[i]),
                "decision_label": "" if decided is None else self.sep.join(self._names(decided)),
                "decision_set": None if decided is None else self._names(decided),
            }
        )
        return out

    def item(self, i: int) -> dict[str, Any]:
        """Everything the item screen shows: each annotator's set, the per-class probabilities."""
        rows = slice(self.item_ptr[i], self.item_ptr[i + 1])
        labels = [
            {
                "annotator": self.annotators[a],
                "label": self.sep.join(self._names(s)),
                "set": self._names(s),
                "label_quality_score": _num(q),
                "annotator_quality": _num(self.annotator_quality[a]),
            }
            for a, s, q in zip(
                self.ann_annotator[rows], self.ann_sets[rows], self.ann_score[rows], strict=True
            )
        ]
        out = self.row(i)
        decided = self.decision_sets.get(i)
        start = self.consensus_sets[i] if decided is None else decided
        out.update(
            {
                "text": "" if self.texts is None else self.texts[i],
                "image": "" if self.images is None else self.images[i],
                "labels": labels,
                "class_probs": [
                    {"class": c, "p": _num(p), "in_consensus": bool(s), "checked": bool(e)}
                    for c, p, s, e in zip(
                        self.classes,
                        self.class_probs[i],
                        self.consensus_sets[i],
                        start,
                        strict=True,
                    )
                ],
                "pred_probs": None
                if self.pred_probs is None
                else [
                    {"class": c, "p": _num(p)}
                    for c, p in zip(self.classes, self.pred_probs[i], strict=True)
                ],
                "history": self.history.get(i, []),
            }
        )
        return out
