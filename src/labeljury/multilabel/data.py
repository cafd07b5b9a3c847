"""``MultiLabelAnnotations``: who chose which classes for which item.

A *judgement* is one annotator looking at one item and choosing a set of
classes, possibly empty. Judgements are flat integer arrays (``item``,
``annotator``), and the chosen classes are a CSR-like pair of arrays
(``indptr``, ``indices``): judgement ``j`` chose classes
``indices[indptr[j]:indptr[j + 1]]``. An annotator who saw an item and chose
nothing has a judgement with no classes; one who never saw it has no
judgement. Memory is O(judgements + chosen classes), never O(items x annotators).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import (
    ClassError,
    DuplicateAnnotationError,
    EmptyInputError,
    InputError,
    ParameterError,
    preview,
)

__all__ = ["MultiLabelAnnotations"]


def _text_index(values: Sequence[Any], name: str) -> pd.Index:
    from .._cells import class_list

    idx = pd.Index([str(v) for v in class_list(values)], dtype=object)
    if idx.has_duplicates:
        raise InputError(f"{name} holds duplicates: {preview(idx[idx.duplicated()].tolist())}")
    return idx


class MultiLabelAnnotations:
    """Validated, immutable multi-label annotations.

    Parameters
    ----------
    item, annotator : array of int, shape (n_judgements,)
        Codes into ``items`` and ``annotators``.
    indptr : array of int, shape (n_judgements + 1,)
    indices : array of int, shape (n_choices,)
        Class codes chosen by each judgement (CSR layout, sorted within a judgement).
    items, annotators, classes : sequence
        Vocabularies; ids and class names are kept as text.

    Examples
    --------
    >>> ann = MultiLabelAnnotations.from_sets(["d1", "d1", "d2"], ["a", "b", "a"],
    ...                                       [["sport", "news"], ["news"], []])
    >>> ann.n_judgements, ann.n_choices, list(ann.classes)
    (3, 3, ['news', 'sport'])
    >>> ann.chosen().astype(int).tolist()
    [[1, 1], [1, 0], [0, 0]]
    """

    #: read by single-label entry points to refuse these with a clear message
    multi_label = True

    def __init__(
        self,
        item: Any,
        annotator: Any,
        indptr: Any,
        indices: Any,
        items: Sequence[Any],
        annotators: Sequence[Any],
        classes: Sequence[Any],
    ):
        self.items = _text_index(items, "items")
        self.annotators = _text_index(annotators, "annotators")
        self.classes = _text_index(classes, "classes")
        self.item = np.ascontiguousarray(item, dtype=np.int64)
        self.annotator = np.ascontiguousarray(annotator, dtype=np.int64)
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        self.indices = np.ascontiguousarray(indices, dtype=np.int64)
        self._validate()
        for arr in (self.item, self.annotator, self.indptr, self.indices):
            arr.setflags(write=False)

    def _validate(self) -> None:
        n = len(self.item)
        if n == 0:
            raise EmptyInputError(
                "no judgements: multi-label annotations need at least one (item, annotator) row"
            )
        if len(self.annotator) != n or len(self.indptr) != n + 1:
            raise InputError(
                f"item ({n}), annotator ({len(self.annotator)}) and indptr "
                f"({len(self.indptr)}, needs {n + 1}) lengths differ"
            )
        if (
            self.indptr[0] != 0
            or self.indptr[-1] != len(self.indices)
            or (np.diff(self.indptr) < 0).any()
        ):
            raise InputError("indptr must start at 0, never decrease and end at len(indices)")
        if self.n_classes == 0:
            raise ClassError("no classes: list them with classes=[...] (--classes)")
        for arr, vocab, name in (
            (self.item, self.items, "item"),
            (self.annotator, self.annotators, "annotator"),
            (self.indices, self.classes, "class"),
        ):
            if len(arr) and (arr.min() < 0 or arr.max() >= len(vocab)):
                raise InputError(f"{name} codes outside 0..{len(vocab) - 1}")
        key = self.item * self.n_annotators + self.annotator
        if len(np.unique(key)) != n:
            uniq, counts = np.unique(key, return_counts=True)
            dup = uniq[counts > 1]
            pairs = [
                f"({self.items[k // self.n_annotators]!r}, "
                f"{self.annotators[k % self.n_annotators]!r})"
                for k in dup[:5]
            ]
            raise DuplicateAnnotationError(
                f"{len(dup)} (item, annotator) pair(s) have two sets, e.g. {', '.join(pairs)}; "
                "keep one set per annotator and item"
            )
        # classes sorted and unique within each judgement: (judgement, class) keys increase
        pair_key = self.pair_judgement * self.n_classes + self.indices
        if len(pair_key) > 1 and (np.diff(pair_key) <= 0).any():
            raise InputError("indices must be sorted and unique within each judgement")

    # sizes ---------------------------------------------------------------
    @property
    def n_judgements(self) -> int:
        """Number of (item, annotator) judgements, empty sets included."""
        return len(self.item)

    @property
    def n_choices(self) -> int:
        """Number of (judgement, chosen class) pairs."""
        return len(self.indices)

    @property
    def n_items(self) -> int:
        """Number of items."""
        return len(self.items)

    @property
    def n_annotators(self) -> int:
        """Number of annotators."""
        return len(self.annotators)

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return len(self.classes)

    def __len__(self) -> int:
        return self.n_judgements

    def __repr__(self) -> str:
        return (
            f"MultiLabelAnnotations({self.n_judgements} judgements, {self.n_choices} chosen "
            f"classes, {self.n_items} items, {self.n_annotators} annotators, "
            f"{self.n_classes} classes)"
        )

    @property
    def label(self) -> np.ndarray:
        """Not defined: a single-label method was given multi-label data."""
        raise InputError(
            "these are multi-label annotations (a set of classes per annotator "
            "and item); single-label methods cannot use them. Use a multi-label "
            "method: labeljury.multilabel.aggregate(ann, method='jury' | "
            "'majority_vote' | 'dawid_skene'), or `labeljury aggregate "
            "--multi-label` on the command line"
        )

    # derived arrays ------------------------------------------------------
    @property
    def pair_judgement(self) -> np.ndarray:
        """Judgement index of each chosen class, shape (n_choices,)."""
        return np.repeat(np.arange(self.n_judgements), np.diff(self.indptr))

    @property
    def set_sizes(self) -> np.ndarray:
        """Number of classes each judgement chose, shape (n_judgements,)."""
        return np.diff(self.indptr)

    def chosen_matrix(self) -> sp.csr_matrix:
        """The chosen classes as a sparse (n_judgements, n_classes) 0/1 matrix."""
        data = np.ones(self.n_choices, dtype=np.float64)
        return sp.csr_matrix(
            (data, self.indices, self.indptr), shape=(self.n_judgements, self.n_classes)
        )

    def chosen(self) -> np.ndarray:
        """The chosen classes as a dense boolean (n_judgements, n_classes) array."""
        out = np.zeros((self.n_judgements, self.n_classes), dtype=bool)
        out[self.pair_judgement, self.indices] = True
        return out

    def item_annotator_matrix(self) -> sp.csr_matrix:
        """Sparse (n_items, n_judgements) indicator: row i marks the judgements of item i."""
        n = self.n_judgements
        return sp.csr_matrix((np.ones(n), (self.item, np.arange(n))), shape=(self.n_items, n))

    def judgements_per_item(self) -> np.ndarray:
        """Number of annotators who judged each item."""
        return np.bincount(self.item, minlength=self.n_items)

    def judgements_per_annotator(self) -> np.ndarray:
        """Number of items each annotator judged."""
        return np.bincount(self.annotator, minlength=self.n_annotators)

    def votes(self) -> np.ndarray:
        """(n_items, n_classes) counts of annotators who chose each class."""
        key = self.item[self.pair_judgement] * self.n_classes + self.indices
        counts = np.bincount(key, minlength=self.n_items * self.n_classes)
        return counts.reshape(self.n_items, self.n_classes)

    def set_strings(self, sep: str = "|") -> np.ndarray:
        """Each judgement's set as text: class names in class order joined by ``sep``."""
        return join_sets(self.indptr, self.indices, self.classes, sep)

    def to_long(self, sep: str = "|") -> pd.DataFrame:
        """One row per judgement: ``item``, ``annotator``, ``label`` (the set joined by ``sep``)."""
        return pd.DataFrame(
            {
                "item": self.items.take(self.item),
                "annotator": self.annotators.take(self.annotator),
                "label": self.set_strings(sep),
            }
        )

    # constructors --------------------------------------------------------
    @classmethod
    def from_sets(
        cls,
        item: Sequence[Any],
        annotator: Sequence[Any],
        sets: Iterable[Iterable[Any]],
        *,
        classes: Sequence[Any] | None = None,
    ) -> MultiLabelAnnotations:
        """Build from parallel ids and one iterable of chosen class names per judgement.

        Classes are text; ``classes`` (all classes in order) lists those nobody
        chose, and a chosen class outside it is an error.
        """
        sets = list(sets)
        text = next((r for r, s in enumerate(sets) if isinstance(s, (str, bytes))), None)
        if text is not None:
            raise ParameterError(
                f"sets: judgement {text} is the text {sets[text]!r}, not a set of class "
                "names (its letters would be read as classes); wrap it: [name]"
            )
        sets = [[str(c) for c in s] for s in sets]
        sizes = np.fromiter((len(s) for s in sets), np.int64, len(sets))
        tokens = np.array([c for s in sets for c in s], dtype=object)
        rows = np.repeat(np.arange(len(sets)), sizes)
        return cls.from_pairs(item, annotator, rows, tokens, classes=classes)

    @classmethod
    def from_pairs(
        cls,
        item: Sequence[Any],
        annotator: Sequence[Any],
        rows: np.ndarray,
        tokens: np.ndarray,
        *,
        classes: Sequence[Any] | None = None,
        where: Any = None,
        merge: bool = False,
    ) -> MultiLabelAnnotations:
        """Build from one id pair per row plus (row, class name) pairs of chosen classes.

        Parameters
        ----------
        item, annotator : sequence, shape (n_rows,)
            Ids of each row (text or anything ``str`` turns into the user's id).
        rows : array of int, shape (n_pairs,)
            Row of each chosen class.
        tokens : array, shape (n_pairs,)
            Class name of each chosen class.
        classes : sequence, optional
            All classes in order; default the sorted names chosen.
        where : callable, optional
            Turns row numbers into a location for messages.
        merge : bool, default False
            Rows with the same (item, annotator) are one judgement (the long table
            with one row per chosen class); otherwise such rows are an error.
        """
        from ._from_pairs import build_from_pairs  # here, not on top: it imports this module

        return build_from_pairs(
            cls, item, annotator, rows, tokens, classes=classes, where=where, merge=merge
        )

    @classmethod
    def from_dense(
        cls,
        item: Any,
        annotator: Any,
        chosen: np.ndarray,
        *,
        items: Sequence[Any] | None = None,
        annotators: Sequence[Any] | None = None,
        classes: Sequence[Any] | None = None,
    ) -> MultiLabelAnnotations:
        """Build from integer codes and a boolean (n_judgements, n_classes) array.

        Examples
        --------
        >>> ann = MultiLabelAnnotations.from_dense([0, 1], [0, 0], np.array([[1, 0], [0, 0]]))
        >>> ann.n_choices, list(ann.items), list(ann.classes)
        (1, ['0', '1'], ['0', '1'])
        """
        item = np.asarray(item, dtype=np.int64)
        annotator = np.asarray(annotator, dtype=np.int64)
        chosen = np.asarray(chosen).astype(bool)
        if chosen.ndim != 2 or len(chosen) != len(item):
            raise InputError(
                f"chosen has shape {chosen.shape}; it needs one row per judgement "
                f"({len(item)}) and one column per class"
            )
        order = np.lexsort((annotator, item))
        item, annotator, chosen = item[order], annotator[order], chosen[order]
        csr = sp.csr_matrix(chosen)
        csr.sort_indices()
        n_items = int(item.max()) + 1 if len(item) else 0
        n_ann = int(annotator.max()) + 1 if len(annotator) else 0
        return cls(
            item,
            annotator,
            csr.indptr,
            csr.indices,
            items if items is not None else range(n_items),
            annotators if annotators is not None else range(n_ann),
            classes if classes is not None else range(chosen.shape[1]),
        )


def join_sets(indptr: np.ndarray, indices: np.ndarray, classes: pd.Index, sep: str) -> np.ndarray:
    """Class names of each CSR row joined by ``sep`` (empty string for an empty row)."""
    names = classes.to_numpy(dtype=object)
    n = len(indptr) - 1
    out = np.full(n, "", dtype=object)
    sizes = np.diff(indptr)
    # rows of one class need no join: most sets are small, so this covers the bulk fast
    one = sizes == 1
    out[one] = names[indices[indptr[:-1][one]]]
    many = np.flatnonzero(sizes > 1)
    if many.size:
        tok = names[indices]
        out[many] = [sep.join(tok[indptr[r] : indptr[r + 1]]) for r in many]
    return out
