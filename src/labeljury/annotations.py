"""The one in-memory form of multi-annotator data: :class:`Annotations`.

Annotations are three equal-length integer arrays, ``item``, ``annotator`` and
``label`` (one entry per annotation), plus the vocabularies that map the codes
back to the user's ids and class names: ``items``, ``annotators``, ``classes``.
Everything after reading speaks this type. It is validated once, when built,
and is immutable afterwards, so methods can trust it and cache derived
matrices on it.

Memory is O(number of annotations): no per-annotation Python objects and no
dense item x annotator matrix (only :meth:`Annotations.to_wide`, which the user
asks for explicitly, builds one).

The table forms (``to_long``/``to_wide``/``to_sparse`` and the ``from_*``
constructors) come from the base class in :mod:`labeljury._table_forms`; this
module holds the type itself: its arrays, the invariants checked once, the
derived counts and the transforms.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._cells import _as_clean_values, _integral_to_int, _missing_mask
from ._read_annotations import read_annotations
from ._table_forms import TableForms
from .errors import (
    ClassError,
    EmptyInputError,
    InputError,
    InputWarning,
    ParameterError,
    preview,
    user_stacklevel,
)
from .validation import (
    check_dense,
    labels_from_text,
    normalise_labels,
    same_kind_ids,
)

__all__ = ["Annotations", "read_annotations"]


class Annotations(TableForms):
    """Annotations of items by annotators, as flat integer arrays.

    Build one with :meth:`from_long`, :meth:`from_wide`, :meth:`from_arrays`,
    :meth:`from_sparse` or :func:`read_annotations`; the constructor itself
    takes already-encoded arrays and is mostly for internal use.

    Parameters
    ----------
    item, annotator, label : array-like of int, shape (n_annotations,)
        Codes into ``items``, ``annotators`` and ``classes``.
    items, annotators, classes : sequence
        The user's item ids, annotator ids and class names, in code order.
    gold : array-like of int, shape (n_items,), optional
        Known true class code per item, ``-1`` where unknown.
    meta : DataFrame, optional
        Extra per-annotation columns (one row per annotation, same order), e.g.
        ``seconds`` spent or a ``timestamp``; carried along by :meth:`take`.
    validate : bool, default True
        Check ranges, emptiness and that every item and annotator has a label.

    Attributes
    ----------
    item, annotator, label : ndarray of int32
        Read-only code arrays, in the order the user gave the annotations.
    items, annotators, classes : pandas.Index
        Vocabularies. ``items`` keeps the input's order (first appearance for a
        long table, row order for a wide one); ``classes`` is sorted unless given.
    gold : ndarray of int32 or None
        Known true class per item (``-1`` = unknown), if any was given.
    meta : DataFrame or None
        Extra per-annotation columns, if any were kept.

    Examples
    --------
    >>> import pandas as pd
    >>> from labeljury import Annotations
    >>> df = pd.DataFrame({"item": ["a", "a", "b"], "worker": [1, 2, 1],
    ...                    "label": ["cat", "dog", "cat"]})
    >>> ann = Annotations.from_long(df)
    >>> ann
    Annotations(n_annotations=3, n_items=2, n_annotators=2, classes=['cat', 'dog'])
    >>> ann.label.tolist()
    [0, 1, 0]
    """

    __slots__ = (
        "_cache",
        "annotator",
        "annotators",
        "classes",
        "gold",
        "item",
        "items",
        "label",
        "meta",
    )

    def __init__(
        self,
        item: Any,
        annotator: Any,
        label: Any,
        items: Sequence[Any],
        annotators: Sequence[Any],
        classes: Sequence[Any],
        gold: Any = None,
        meta: pd.DataFrame | None = None,
        *,
        validate: bool = True,
    ) -> None:
        self.items = pd.Index(items)
        self.annotators = pd.Index(annotators)
        self.classes = pd.Index(classes)
        self.item = self._code_array(item, "item")
        self.annotator = self._code_array(annotator, "annotator")
        self.label = self._code_array(label, "label")
        self.gold = None if gold is None else self._code_array(gold, "gold")
        if meta is not None:
            meta = pd.DataFrame(meta).reset_index(drop=True)
            if len(meta) != len(self.item):
                raise InputError(f"meta has {len(meta)} rows for {len(self.item)} annotations")
        self.meta = meta
        self._cache: dict[str, Any] = {}
        if validate:
            self._validate()

    @staticmethod
    def _code_array(values: Any, name: str) -> np.ndarray:
        arr = np.asarray(values)
        if arr.ndim != 1:
            raise InputError(f"{name} codes must be one-dimensional, got shape {arr.shape}")
        if arr.size and arr.dtype.kind not in "iu":
            raise InputError(f"{name} codes must be integers, got dtype {arr.dtype}")
        out = arr.astype(np.int32, copy=True)
        out.setflags(write=False)
        return out

    def _validate(self) -> None:
        n = len(self.item)
        if n == 0:
            raise EmptyInputError(
                "no annotations: the input holds no labeled (item, annotator) pair"
            )
        if len(self.annotator) != n or len(self.label) != n:
            raise InputError(
                "item, annotator and label arrays must have the same length, got "
                f"{n}, {len(self.annotator)}, {len(self.label)}"
            )
        for name, codes, vocab in (
            ("item", self.item, self.items),
            ("annotator", self.annotator, self.annotators),
            ("label", self.label, self.classes),
        ):
            if codes.min() < 0 or codes.max() >= len(vocab):
                bad = np.flatnonzero((codes < 0) | (codes >= len(vocab)))
                raise InputError(
                    f"{name} codes out of range [0, {len(vocab)}) at rows {preview(bad)}"
                )
        for name, vocab in (
            ("item", self.items),
            ("annotator", self.annotators),
            ("class", self.classes),
        ):
            if not vocab.is_unique:
                raise InputError(
                    f"duplicate {name} ids: {preview(vocab[vocab.duplicated()].unique().tolist())}"
                )
        check_dense(len(self.items), len(self.classes), "items x classes")
        # per-annotator confusion matrices (Dawid-Skene and kin)
        check_dense(len(self.annotators), len(self.classes) ** 2, "annotators x classes x classes")
        if len(self.classes) < 2:
            raise ClassError(
                f"need at least two classes, got {list(self.classes)}; pass "
                "classes=[...] to name classes nobody chose"
            )
        for name, codes, vocab in (
            ("item", self.item, self.items),
            ("annotator", self.annotator, self.annotators),
        ):
            seen = np.bincount(codes, minlength=len(vocab))
            if not seen.all():
                empty = vocab[seen == 0].tolist()
                raise InputError(
                    f"{len(empty)} {name}(s) have no labels: {preview(empty)}. "
                    f"Drop them, or build with unlabeled='drop'"
                )
        if self.gold is not None:
            if len(self.gold) != len(self.items):
                raise InputError(f"gold has {len(self.gold)} entries for {len(self.items)} items")
            if self.gold.size and (self.gold.min() < -1 or self.gold.max() >= len(self.classes)):
                raise InputError("gold codes must be -1 (unknown) or a class code")

    # ------------------------------------------------------------------ sizes
    @property
    def n_annotations(self) -> int:
        """Number of annotations (rows of the long table)."""
        return len(self.item)

    @property
    def n_items(self) -> int:
        """Number of distinct items."""
        return len(self.items)

    @property
    def n_annotators(self) -> int:
        """Number of distinct annotators."""
        return len(self.annotators)

    @property
    def n_classes(self) -> int:
        """Number of classes, including classes nobody chose."""
        return len(self.classes)

    def __len__(self) -> int:
        return self.n_annotations

    def __repr__(self) -> str:
        cls = list(self.classes[:10]) + (["..."] if self.n_classes > 10 else [])
        return (
            f"Annotations(n_annotations={self.n_annotations}, n_items={self.n_items}, "
            f"n_annotators={self.n_annotators}, classes={cls})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Annotations):
            return NotImplemented
        return (
            self.items.equals(other.items)
            and self.annotators.equals(other.annotators)
            and self.classes.equals(other.classes)
            and np.array_equal(self.item, other.item)
            and np.array_equal(self.annotator, other.annotator)
            and np.array_equal(self.label, other.label)
        )

    __hash__ = None  # type: ignore[assignment]

    # ----------------------------------------------------------- derived data
    def vote_counts(self) -> np.ndarray:
        """Number of votes per item and class, shape ``(n_items, n_classes)``.

        Examples
        --------
        >>> ann = Annotations.from_arrays([0, 0, 1], [0, 1, 0], [1, 1, 0])
        >>> ann.vote_counts().tolist()
        [[0.0, 2.0], [1.0, 0.0]]
        """
        if "votes" not in self._cache:
            k = self.n_classes
            flat = np.bincount(
                self.item.astype(np.int64) * k + self.label, minlength=self.n_items * k
            )
            votes = flat.reshape(self.n_items, k).astype(float)
            votes.setflags(write=False)
            self._cache["votes"] = votes
        return self._cache["votes"]

    def annotations_per_item(self) -> np.ndarray:
        """Number of annotations of each item, shape ``(n_items,)``."""
        return np.bincount(self.item, minlength=self.n_items)

    def annotations_per_annotator(self) -> np.ndarray:
        """Number of annotations by each annotator, shape ``(n_annotators,)``."""
        return np.bincount(self.annotator, minlength=self.n_annotators)

    def one_hot(self) -> sp.csr_matrix:
        """Sparse ``(n_items, n_annotators * n_classes)`` indicator of annotations.

        Column ``a * n_classes + k`` is 1 where annotator ``a`` said class ``k``
        (2 if they said it twice). The EM methods' E-step is ``one_hot() @ W``
        and their M-step ``one_hot().T @ posterior``, so they share this matrix.
        """
        if "one_hot" not in self._cache:
            k = self.n_classes
            cols = self.annotator.astype(np.int64) * k + self.label
            data = np.ones(self.n_annotations, dtype=float)
            m = sp.csr_matrix(
                (data, (self.item, cols)), shape=(self.n_items, self.n_annotators * k)
            )
            m.sum_duplicates()
            self._cache["one_hot"] = m
        return self._cache["one_hot"]

    def has_duplicates(self) -> bool:
        """Whether some annotator labeled some item more than once."""
        if "dups" not in self._cache:
            # a sort, not a hash table: 8 bytes an annotation instead of ~40
            key = self.item.astype(np.int64) * self.n_annotators + self.annotator
            key.sort()
            self._cache["dups"] = bool((key[1:] == key[:-1]).any())
        return self._cache["dups"]

    # ------------------------------------------------------------ transforms
    def take(self, rows: Any, *, drop_unused: bool = True) -> Annotations:
        """A new object with only the given annotations (indices or boolean mask).

        Items and annotators left without annotations are dropped when
        ``drop_unused`` (their relative order kept); classes are always kept.
        """
        rows = np.asarray(rows)
        if rows.dtype == bool:
            if rows.shape != (self.n_annotations,):
                raise ParameterError(
                    f"take: a boolean mask needs one entry per annotation "
                    f"({self.n_annotations}), got shape {rows.shape}"
                )
            rows = np.flatnonzero(rows)
        if rows.dtype.kind not in "iu" and rows.size:
            raise ParameterError(f"take: rows must be integer indices or a mask, got {rows.dtype}")
        rows = rows.astype(np.int64, copy=False).ravel()
        if rows.size and (rows.min() < -self.n_annotations or rows.max() >= self.n_annotations):
            raise ParameterError(
                f"take: row indices must be in [0, {self.n_annotations}), got "
                f"{int(rows.min())}..{int(rows.max())}"
            )
        item, annotator, label = self.item[rows], self.annotator[rows], self.label[rows]
        items, annotators, gold = self.items, self.annotators, self.gold
        if drop_unused:
            used_i = np.bincount(item, minlength=self.n_items) > 0
            used_a = np.bincount(annotator, minlength=self.n_annotators) > 0
            remap_i = np.cumsum(used_i) - 1
            remap_a = np.cumsum(used_a) - 1
            item, annotator = remap_i[item], remap_a[annotator]
            items, annotators = items[used_i], annotators[used_a]
            gold = None if gold is None else gold[used_i]
        meta = None if self.meta is None else self.meta.iloc[rows].reset_index(drop=True)
        return Annotations(item, annotator, label, items, annotators, self.classes, gold, meta)

    def deduplicate(self, keep: Literal["first", "last"] = "last") -> Annotations:
        """Keep one label per (item, annotator) pair: the first or the last given."""
        if keep not in ("first", "last"):
            raise ParameterError(f"keep must be 'first' or 'last', got {keep!r}")
        key = self.item.astype(np.int64) * self.n_annotators + self.annotator
        dup = pd.Index(key).duplicated(keep=keep)
        return self if not dup.any() else self.take(~dup, drop_unused=False)

    def with_gold(self, gold: Mapping[Any, Any] | pd.Series) -> Annotations:
        """Return a copy carrying known true labels for some items.

        Parameters
        ----------
        gold : mapping or Series
            Item id -> class name. Unknown item ids or classes are errors.
        """
        if not isinstance(gold, (Mapping, pd.Series)):
            raise ParameterError(
                f"gold must be a mapping or Series item id -> class, got {type(gold).__name__}"
            )
        s = pd.Series(gold) if not isinstance(gold, pd.Series) else gold
        s = s.set_axis(same_kind_ids(pd.Index(s.index), self.items))
        blank = _missing_mask(_as_clean_values(s))
        if blank.any():  # an empty gold class says nothing: the item stays unknown
            warnings.warn(
                f"gold: {int(blank.sum())} item(s) with an empty class left out "
                f"({preview(s.index[blank].tolist())})",
                InputWarning,
                stacklevel=user_stacklevel(),
            )
            s = s[~blank]
        pos = self.items.get_indexer(s.index)
        if (pos < 0).any():
            raise InputError(f"gold labels for unknown items: {preview(s.index[pos < 0].tolist())}")
        vals = _integral_to_int(normalise_labels(_as_clean_values(s), "gold", "class"))
        if self.classes.dtype.kind in "iu" and vals.dtype == object:
            # gold read from text ("1") for integer classes
            vals = _integral_to_int(labels_from_text(vals, "gold", "class"))
        if not s.index.is_unique:
            pairs = pd.DataFrame({"pos": pos, "val": vals}).drop_duplicates()
            clash = pairs["pos"].duplicated(keep=False).to_numpy()
            if clash.any():
                raise InputError(
                    f"gold: items with two different gold classes: "
                    f"{preview(pd.unique(self.items[pairs['pos'][clash]]).tolist())}"
                )
        cls = self.classes.get_indexer(vals)
        if (cls < 0).any():
            raise ClassError(
                f"gold labels outside the classes {list(self.classes)}: "
                f"{preview(pd.unique(vals[cls < 0]).tolist())}"
            )
        codes = np.full(self.n_items, -1, dtype=np.int64)
        codes[pos] = cls
        return Annotations(
            self.item,
            self.annotator,
            self.label,
            self.items,
            self.annotators,
            self.classes,
            codes,
            self.meta,
            validate=False,
        )
