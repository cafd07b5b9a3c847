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
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import _from_tables
from ._cells import (
    DuplicatePolicy,
    UnlabeledPolicy,
    _as_clean_values,
    _integral_to_int,
    _missing_mask,
)
from ._from_tables import read_annotations
from .errors import (
    ClassError,
    DuplicateAnnotationError,
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


class Annotations:
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

    # ---------------------------------------------------------- conversions
    def to_long(
        self, item_col: str = "item", annotator_col: str = "annotator", label_col: str = "label"
    ) -> pd.DataFrame:
        """One row per annotation, with the user's ids and class names.

        Examples
        --------
        >>> ann = Annotations.from_arrays([0, 1], ["w1", "w2"], ["x", "y"])
        >>> ann.to_long()
           item annotator label
        0     0        w1     x
        1     1        w2     y
        """
        return pd.DataFrame(
            {
                item_col: self.items.take(self.item),
                annotator_col: self.annotators.take(self.annotator),
                label_col: self.classes.take(self.label),
            }
        )

    def to_wide(self) -> pd.DataFrame:
        """One row per item and one column per annotator; missing = not labeled.

        This is the layout cleanlab uses. It is dense (items x annotators), so
        only ask for it when that fits in memory. Integer classes come back as
        pandas' nullable ``Int64``; other classes as objects with ``None``.
        """
        if self.has_duplicates():
            raise DuplicateAnnotationError(
                "a wide table holds one label per (item, annotator) and these annotations "
                "have repeats; call .deduplicate('first' or 'last') first"
            )
        check_dense(self.n_items, self.n_annotators, "items x annotators (a wide table)")
        codes = np.full((self.n_items, self.n_annotators), -1, dtype=np.int64)
        codes[self.item, self.annotator] = self.label
        cls = np.asarray(self.classes, dtype=object)
        missing = codes < 0
        values = cls[np.where(missing, 0, codes)]
        values[missing] = None
        df = pd.DataFrame(values, index=self.items.copy(), columns=self.annotators.copy())
        if self.classes.dtype.kind in "iu":
            df = df.astype("Int64")
        return df

    def to_sparse(self) -> sp.csr_matrix:
        """Sparse ``(n_items, n_annotators)`` matrix holding ``class code + 1``.

        Zero means "not labeled", so the codes are shifted by one. Invert with
        :meth:`from_sparse` and the same vocabularies.
        """
        if self.has_duplicates():
            raise DuplicateAnnotationError(
                "a sparse item x annotator matrix holds one label per "
                "pair; call .deduplicate() first"
            )
        return sp.csr_matrix(
            (self.label.astype(np.int64) + 1, (self.item, self.annotator)),
            shape=(self.n_items, self.n_annotators),
        )

    # ---------------------------------------------------------- constructors
    @classmethod
    def from_arrays(
        cls,
        item: Any,
        annotator: Any,
        label: Any,
        *,
        classes: Sequence[Any] | None = None,
        duplicates: DuplicatePolicy = "keep",
    ) -> Annotations:
        """Build from three equal-length arrays of ids and labels (any hashable type).

        Examples
        --------
        >>> Annotations.from_arrays(["q1", "q1"], ["ann", "bob"], [0, 1]).n_items
        1
        """
        for name, x in (("item", item), ("annotator", annotator), ("label", label)):
            if (
                isinstance(x, (str, bytes, dict))
                or not hasattr(x, "__len__")
                or np.ndim(np.asarray(x, dtype=object)) != 1
            ):
                raise ParameterError(
                    f"{name} must be a one-dimensional sequence (one entry per "
                    f"annotation), got {type(x).__name__}"
                )
        lens = {len(np.asarray(x, dtype=object)) for x in (item, annotator, label)}
        if len(lens) > 1:
            raise InputError(
                f"item, annotator and label must have the same length, got {sorted(lens)}"
            )
        df = pd.DataFrame(
            {
                "item": list(item) if not hasattr(item, "dtype") else item,
                "annotator": annotator if hasattr(annotator, "dtype") else list(annotator),
                "label": label if hasattr(label, "dtype") else list(label),
            }
        )
        return cls.from_long(
            df,
            item_col="item",
            annotator_col="annotator",
            label_col="label",
            classes=classes,
            duplicates=duplicates,
        )

    @classmethod
    def from_long(
        cls,
        data: pd.DataFrame | str | os.PathLike[str],
        *,
        item_col: Hashable | None = None,
        annotator_col: Hashable | None = None,
        label_col: Hashable | None = None,
        classes: Sequence[Any] | None = None,
        duplicates: DuplicatePolicy = "keep",
        items: Sequence[Any] | None = None,
        unlabeled: UnlabeledPolicy = "error",
        source: str | None = None,
        meta_cols: Sequence[Hashable] = (),
    ) -> Annotations:
        """Build from a long table: one row per annotation.

        Parameters
        ----------
        data : DataFrame or path
            The table, or a CSV / TSV / Parquet / JSON Lines file.
        item_col, annotator_col, label_col : column names, optional
            Recognised when omitted (item/example/task/id; annotator/worker/user/
            rater; label/class/answer/response, case-insensitive, ``_id`` ignored).
        classes : sequence, optional
            All classes in their order, including classes nobody chose. Inferred
            (sorted) from the labels when omitted.
        duplicates : {"keep", "first", "last", "error"}, default "keep"
            What to do when an annotator labeled an item more than once:
            ``keep`` every label as a separate vote (what crowd-kit does),
            keep only the ``first`` or ``last`` one given, or raise.
        items : sequence, optional
            All item ids, in order; items nobody labeled are then caught by
            ``unlabeled``. Default: the items of the table, in order of first
            appearance.
        unlabeled : {"error", "drop"}, default "error"
            What to do with ids in ``items`` that have no annotation.
        source : str, optional
            Name used in error messages (set automatically for files).
        meta_cols : sequence of column names, optional
            Extra columns to keep per annotation (e.g. ``seconds``), as ``meta``.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"task_id": [7, 7, 8], "rater": ["x", "y", "x"],
        ...                    "answer": [1.0, 0.0, 1.0]})
        >>> Annotations.from_long(df).classes.tolist()
        [0, 1]
        """
        return _from_tables.build_long(
            cls,
            data,
            item_col=item_col,
            annotator_col=annotator_col,
            label_col=label_col,
            classes=classes,
            duplicates=duplicates,
            items=items,
            unlabeled=unlabeled,
            source=source,
            meta_cols=meta_cols,
        )

    @classmethod
    def from_wide(
        cls,
        data: pd.DataFrame | np.ndarray | str | os.PathLike[str],
        *,
        classes: Sequence[Any] | None = None,
        item_col: Hashable | None = None,
        annotators: Sequence[Any] | None = None,
        unlabeled: UnlabeledPolicy = "error",
        source: str | None = None,
    ) -> Annotations:
        """Build from a wide table: one row per item, one column per annotator.

        A missing cell (NaN, None, ``pd.NA``, empty string) means "not labeled".
        Numbers are never read as "missing": ``-1`` is an error, not a gap.

        Parameters
        ----------
        data : DataFrame, 2-D array or path
            Row index = item ids (a default ``RangeIndex`` gives 0..n-1), columns
            = annotator ids. Files: CSV / TSV / Parquet.
        classes : sequence, optional
            All classes in order; inferred (sorted) when omitted.
        item_col : column name, optional
            A column holding item ids instead of the index (files: recognised by
            name, e.g. ``item`` or ``id``).
        annotators : sequence, optional
            Annotator ids for the columns of a numpy array (default 0..m-1).
        unlabeled : {"error", "drop"}, default "error"
            What to do with rows (items) or columns (annotators) with no label.
        source : str, optional
            Name used in error messages.

        Examples
        --------
        >>> import numpy as np
        >>> wide = np.array([[0, np.nan, 1], [1, 1, np.nan]])
        >>> ann = Annotations.from_wide(wide)
        >>> ann.n_annotations, ann.classes.tolist()
        (4, [0, 1])
        """
        return _from_tables.build_wide(
            cls,
            data,
            classes=classes,
            item_col=item_col,
            annotators=annotators,
            unlabeled=unlabeled,
            source=source,
        )

    @classmethod
    def from_sparse(
        cls,
        matrix: sp.spmatrix | sp.sparray,
        *,
        items: Sequence[Any] | None = None,
        annotators: Sequence[Any] | None = None,
        classes: Sequence[Any] | None = None,
    ) -> Annotations:
        """Inverse of :meth:`to_sparse`: stored values are ``class code + 1``.

        Examples
        --------
        >>> ann = Annotations.from_arrays([0, 1, 1], [0, 0, 1], ["a", "b", "a"])
        >>> Annotations.from_sparse(ann.to_sparse(), items=ann.items,
        ...                         annotators=ann.annotators, classes=ann.classes) == ann
        True
        """
        if not (sp.issparse(matrix) or isinstance(matrix, np.ndarray)):
            raise ParameterError(
                f"from_sparse expects a scipy sparse matrix (items x annotators), got "
                f"{type(matrix).__name__}"
            )
        coo = sp.coo_matrix(matrix)
        coo.eliminate_zeros()
        order = np.lexsort((coo.col, coo.row))
        r, c, v = coo.row[order], coo.col[order], coo.data[order].astype(np.int64) - 1
        n_items, n_ann = coo.shape
        k = int(v.max()) + 1 if v.size else 0
        classes = pd.RangeIndex(max(k, 2)) if classes is None else pd.Index(classes)
        items = pd.RangeIndex(n_items) if items is None else pd.Index(items)
        annotators = pd.RangeIndex(n_ann) if annotators is None else pd.Index(annotators)
        return cls(r, c, v, items, annotators, classes)
