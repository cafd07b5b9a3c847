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
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .errors import (
    ClassError,
    DuplicateAnnotationError,
    EmptyInputError,
    InputError,
    InputWarning,
    MissingColumnError,
    MissingValueError,
    ParameterError,
    preview,
    show,
)
from .validation import (
    _text_key,
    check_dense,
    check_ids,
    factorize_scalars,
    labels_from_text,
    normalise_labels,
    same_kind_ids,
)

__all__ = ["Annotations", "read_annotations"]

DuplicatePolicy = Literal["keep", "first", "last", "error"]
UnlabeledPolicy = Literal["error", "drop"]

# Column names recognised when the caller does not name the columns. Exact names
# first; matching ignores case, spaces, dashes and a trailing "_id"/"id".
ITEM_NAMES = ("item", "example", "task", "id", "question", "sample", "object", "image", "text")
ANNOTATOR_NAMES = (
    "annotator",
    "worker",
    "user",
    "rater",
    "labeler",
    "labeller",
    "performer",
    "judge",
    "coder",
    "completed_by",
)
LABEL_NAMES = (
    "label",
    "class",
    "answer",
    "response",
    "annotation",
    "category",
    "choice",
    "output",
    "value",
)

_MISSING_STRINGS = frozenset({"", "nan", "none", "null", "na", "n/a", "<na>", "missing", "?"})


def _norm(name: object) -> str:
    s = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    for suffix in ("_id", "id", "_ids", "_name"):
        if s.endswith(suffix) and len(s) > len(suffix):
            s = s[: -len(suffix)]
            break
    return s.rstrip("_")


def _find_column(
    columns: Sequence[Hashable], candidates: Sequence[str], exclude: Iterable[Hashable] = ()
) -> Hashable | None:
    exclude = set(exclude)
    cols = [c for c in columns if c not in exclude]
    lowered = {str(c).strip().lower(): c for c in cols}
    for cand in candidates:  # exact (case-insensitive) names win
        if cand in lowered:
            return lowered[cand]
    normed = {}
    for c in cols:
        normed.setdefault(_norm(c), c)
    for cand in candidates:
        if cand in normed:
            return normed[cand]
    return None


def _where(source: str | None, rows: np.ndarray, header: bool = True) -> str:
    """'answers.csv line 7, 9' for files (header is line 1), 'rows 5, 7' otherwise."""
    rows = np.asarray(rows)
    if source is not None:
        return f"{source} line{'s' if len(rows) > 1 else ''} {preview(rows + 1 + int(header))}"
    return f"row{'s' if len(rows) > 1 else ''} {preview(rows)}"


def _as_clean_values(values: Any) -> np.ndarray:
    """Turn a label/id column into a numpy array; integral floats become ints.

    Wide tables hold integer labels as floats (NaN forces it); treating ``1.0``
    and ``1`` as the same class avoids the reference bug of counting float labels
    under the wrong class.
    """
    if isinstance(values, (pd.Series, pd.Index)) and (
        isinstance(values.dtype, (pd.StringDtype, pd.CategoricalDtype)) and len(values) > 1000
    ):
        # text columns (pandas' str or categorical): one Python string per distinct
        # value, shared by its cells, instead of one per cell (memory: ~70 B a cell)
        codes, uniq = pd.factorize(values, use_na_sentinel=True)
        arr = np.append(np.asarray(uniq, dtype=object), np.nan)[codes]
        return _as_clean_values(arr)
    arr = values.to_numpy() if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values)
    if arr.dtype.kind == "f":
        finite = arr[np.isfinite(arr)]
        if finite.size and np.all(finite == np.round(finite)):
            return arr  # caller casts after removing missing values
    if arr.dtype.kind == "O" or arr.dtype.kind in "US" or isinstance(arr.dtype, pd.StringDtype):
        arr = np.asarray(arr, dtype=object)
    return arr


def _missing_mask(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == object and len(arr) > 1000:
        # whether a cell is missing depends only on its value: decide once per
        # distinct value (ids and labels repeat), not once per annotation
        try:
            codes, uniq = pd.factorize(arr, use_na_sentinel=True)
        except TypeError:  # unhashable cells (lists): judged one by one below
            pass
        else:
            if len(uniq) < len(arr):
                return (codes < 0) | _missing_mask(np.asarray(uniq, dtype=object))[codes]
    mask = np.asarray(pd.isna(arr), dtype=bool)
    if arr.dtype == object and len(arr):
        # blank / "NA"-like strings count as missing; non-strings give NaN under .str
        # and so compare False (one vectorised pass, no per-value Python loop)
        try:
            text = pd.Series(arr, copy=False).str.strip().str.lower()
        except (AttributeError, TypeError):  # no string (or bytes) values: nothing more
            return mask
        mask |= text.isin(_MISSING_STRINGS).to_numpy()
    return mask


def _id_missing_mask(arr: np.ndarray) -> np.ndarray:
    """Missing ids: only NaN / None / ``pd.NA`` and empty or blank text.

    Ids are text: an item or annotator called ``NA``, ``null`` or ``?`` is that
    id (a row numbered ``NA`` in a tool export is data), unlike a label cell,
    where those words mean "not labeled" (see :func:`_missing_mask`).
    """
    mask = np.asarray(pd.isna(arr), dtype=bool)
    if arr.dtype == object and len(arr):
        try:
            text = pd.Series(arr, copy=False).str.strip()
        except (AttributeError, TypeError):  # no string (or bytes) values: nothing more
            return mask
        mask |= (text == "").to_numpy()
    return mask


def _integral_to_int(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind == "f" and arr.size and np.all(arr == np.round(arr)):
        return arr.astype(np.int64)
    if arr.dtype == object and arr.size:
        # object columns of python ints/floats mixed (e.g. from JSON): unify integral numbers
        if all(
            isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
            for v in arr[: min(len(arr), 1000)]
        ):
            try:
                num = arr.astype(float)
            except (TypeError, ValueError):
                return arr
            if np.all(num == np.round(num)):
                return num.astype(np.int64)
            return num
    return arr


def _sorted_unique(values: np.ndarray) -> list[Any]:
    uniq = pd.unique(values)
    try:
        return sorted(uniq.tolist())
    except TypeError:  # mixed types: order by type name, then value text
        return sorted(uniq.tolist(), key=lambda v: (type(v).__name__, str(v)))


def _check_sentinels(
    labels: np.ndarray, classes_given: bool, source: str | None, label_col: Hashable
) -> None:
    if classes_given or labels.dtype.kind not in "iuf":
        return
    bad = np.flatnonzero(labels < 0)
    if bad.size:
        val = labels[bad[0]]
        raise ClassError(
            f"{_where(source, bad)}: label {show(val)} in column {label_col!r} looks like a "
            "'missing' sentinel. labeljury never reads a number as 'not labeled': leave the "
            "cell empty (NaN / None) in a wide table, or drop the row in a long table. If "
            f"{show(val)} really is a class, pass it in classes=[...] explicitly."
        )


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
            key = self.item.astype(np.int64) * self.n_annotators + self.annotator
            self._cache["dups"] = bool(pd.Index(key).has_duplicates)
        return self._cache["dups"]

    # ------------------------------------------------------------ transforms
    def take(self, rows: Any, *, drop_unused: bool = True) -> Annotations:
        """A new object with only the given annotations (indices or boolean mask).

        Items and annotators left without annotations are dropped when
        ``drop_unused`` (their relative order kept); classes are always kept.
        """
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
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
        s = pd.Series(gold) if not isinstance(gold, pd.Series) else gold
        s = s.set_axis(same_kind_ids(pd.Index(s.index), self.items))
        blank = _missing_mask(_as_clean_values(s))
        if blank.any():  # an empty gold class says nothing: the item stays unknown
            warnings.warn(
                f"gold: {int(blank.sum())} item(s) with an empty class left out "
                f"({preview(s.index[blank].tolist())})",
                InputWarning,
                stacklevel=2,
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
        if isinstance(data, (str, os.PathLike)):
            path, source = data, source or os.fspath(data)
            if items is None and not meta_cols:
                from .io.stream import read_long_table

                # a CSV / Parquet file, folder or glob: read in blocks, never whole
                streamed = read_long_table(
                    path,
                    layout="long",
                    item_col=item_col,
                    annotator_col=annotator_col,
                    label_col=label_col,
                    classes=classes,
                    duplicates=duplicates,
                    unlabeled=unlabeled,
                )
                if streamed is not None:
                    return streamed
            data = _read_table(path, numbers=False)
        if not isinstance(data, pd.DataFrame):
            raise ParameterError(
                f"from_long expects a DataFrame or a path, got {type(data).__name__}"
            )
        _check_frame(data, source)
        if data.shape[0] == 0:
            raise EmptyInputError(f"{source or 'table'}: no rows (no annotations)")
        cols = list(data.columns)
        given = [c for c in (item_col, annotator_col, label_col) if c is not None]
        if len(set(map(str, given))) < len(given):
            raise InputError(
                f"{source or 'table'}: the item, annotator and label columns must "
                f"be different columns, got {preview(given)}"
            )
        item_col = _resolve_column(cols, item_col, ITEM_NAMES, "item", source, ())
        annotator_col = _resolve_column(
            cols, annotator_col, ANNOTATOR_NAMES, "annotator", source, (item_col,)
        )
        label_col = _resolve_column(
            cols, label_col, LABEL_NAMES, "label", source, (item_col, annotator_col)
        )

        item_vals = _as_clean_values(data[item_col])
        ann_vals = _as_clean_values(data[annotator_col])
        lab_vals = _as_clean_values(data[label_col])
        for name, col, vals in (
            ("item id", item_col, item_vals),
            ("annotator id", annotator_col, ann_vals),
            ("label", label_col, lab_vals),
        ):
            if name == "label":
                missing = _missing_mask(vals)
                if classes is not None and missing.any():  # "N/A" given as a class is one
                    named = {str(c).strip() for c in classes}
                    missing &= ~pd.Series(vals, dtype=object).astype(str).str.strip().isin(
                        named
                    ).to_numpy() | pd.isna(vals)
            else:
                missing = _id_missing_mask(vals)
            miss = np.flatnonzero(missing)
            if miss.size:
                words = "NaN, None, empty"
                hint = ""
                if name == "label":
                    words += " or a word for missing: NA, N/A, null, ?"
                    hint = (
                        " (a long table has one row per annotation: drop rows that hold no "
                        "label; if such a word is a class, pass classes=[...] naming it)"
                    )
                raise MissingValueError(
                    f"{_where(source, miss)}: {name} is missing ({words}) in column {col!r}{hint}"
                )
        item_vals = _integral_to_int(item_vals)
        ann_vals = _integral_to_int(ann_vals)
        lab_vals = _integral_to_int(_labels(lab_vals, _is_text(data), classes, source, label_col))
        _check_sentinels(lab_vals, classes is not None, source, label_col)

        if items is not None:
            item_index = pd.Index(items)
            item_codes = item_index.get_indexer(item_vals)
            if (item_codes < 0).any():
                bad = np.flatnonzero(item_codes < 0)
                raise InputError(
                    f"{_where(source, bad)}: item ids not in items=[...]: "
                    f"{preview(pd.unique(item_vals[bad]).tolist())}"
                )
        else:
            item_codes, item_index = factorize_scalars(
                item_vals, f"{source or 'table'}: item column {item_col!r}"
            )
            item_index = pd.Index(item_index)
        ann_codes, ann_index = factorize_scalars(
            ann_vals, f"{source or 'table'}: annotator column {annotator_col!r}"
        )
        check_ids(item_index, "item", source)
        check_ids(ann_index, "annotator", source)
        class_index, label_codes = _encode_labels(lab_vals, classes, source, label_col)

        missing_meta = [c for c in meta_cols if c not in data.columns]
        if missing_meta:
            raise MissingColumnError(f"{source or 'table'}: no column(s) {preview(missing_meta)}")
        meta = data[list(meta_cols)].reset_index(drop=True) if meta_cols else None
        ann = cls(
            item_codes,
            ann_codes,
            label_codes,
            item_index,
            pd.Index(ann_index),
            class_index,
            meta=meta,
            validate=False,
        )
        ann = _apply_duplicates(ann, duplicates, source)
        return _finish(ann, unlabeled)

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
        if isinstance(data, (str, os.PathLike)):
            source = source or os.fspath(data)
            data = _read_table(data, numbers=False)
            if item_col is None:
                item_col = _wide_item_column(data, source)
        _check_frame(data, source)
        if isinstance(data, np.ndarray):
            if data.ndim != 2:
                raise InputError(
                    f"a wide array must be 2-D (items x annotators), got shape {data.shape}"
                )
            return cls._from_wide_array(data, classes, annotators, unlabeled, source)
        if not isinstance(data, pd.DataFrame):
            raise InputError(
                f"from_wide expects a DataFrame, 2-D array or path, got {type(data).__name__}"
            )
        if item_col is not None:
            if item_col not in data.columns:
                raise MissingColumnError(
                    f"{source or 'table'}: no column {item_col!r}; columns "
                    f"are {preview(list(data.columns), 10)}"
                )
            ids = _as_clean_values(data[item_col])
            miss = np.flatnonzero(_id_missing_mask(ids))
            if miss.size:
                raise MissingValueError(
                    f"{_where(source, miss)}: item id is missing in column {item_col!r}"
                )
            index = pd.Index(_integral_to_int(ids))
            check_ids(index, "item", source)
            text = _is_text(data)
            data = data.drop(columns=[item_col])
            data.attrs["labeljury_text"] = text
        else:
            index = data.index
        if data.shape[0] == 0 or data.shape[1] == 0:
            raise EmptyInputError(f"{source or 'wide table'}: no rows or no annotator columns")
        if not pd.Index(index).is_unique:
            dup = pd.Index(index)[pd.Index(index).duplicated()].unique().tolist()
            raise InputError(f"{source or 'wide table'}: item ids repeat: {preview(dup)}")

        rows_parts, cols_parts, vals_parts = [], [], []
        for j in range(data.shape[1]):
            vals = _as_clean_values(data.iloc[:, j])
            present = ~_missing_mask(vals)
            r = np.flatnonzero(present)
            if r.size:
                rows_parts.append(r)
                cols_parts.append(np.full(r.size, j, dtype=np.int64))
                vals_parts.append(vals[r])
        if not rows_parts:
            raise EmptyInputError(f"{source or 'wide table'}: every cell is empty (no annotations)")
        rows = np.concatenate(rows_parts)
        cols = np.concatenate(cols_parts)
        vals = _integral_to_int(
            _labels(_concat_values(vals_parts), _is_text(data), classes, source, "cells")
        )
        check_ids(pd.Index(data.columns), "annotator", source)
        return cls._from_cells(
            rows,
            cols,
            vals,
            pd.Index(index),
            pd.Index(data.columns),
            classes,
            unlabeled,
            source,
            column_names=list(data.columns),
        )

    @classmethod
    def _from_wide_array(
        cls,
        arr: np.ndarray,
        classes: Sequence[Any] | None,
        annotators: Sequence[Any] | None,
        unlabeled: UnlabeledPolicy,
        source: str | None,
    ) -> Annotations:
        if arr.size == 0:
            raise EmptyInputError("wide array is empty")
        if arr.dtype.kind == "f":
            present = ~np.isnan(arr)
        elif arr.dtype.kind in "iub":
            present = np.ones(arr.shape, dtype=bool)
        else:
            obj = arr.astype(object)
            present = ~_missing_mask(obj.ravel()).reshape(arr.shape)
            arr = obj
        rows, cols = np.nonzero(present)  # row-major: annotations come item by item
        vals = _integral_to_int(normalise_labels(arr[rows, cols], source, "cells"))
        ann_index = pd.RangeIndex(arr.shape[1]) if annotators is None else pd.Index(annotators)
        if len(ann_index) != arr.shape[1]:
            raise InputError(f"{len(ann_index)} annotator ids for {arr.shape[1]} columns")
        return cls._from_cells(
            rows,
            cols,
            vals,
            pd.RangeIndex(arr.shape[0]),
            ann_index,
            classes,
            unlabeled,
            source,
            column_names=list(ann_index),
        )

    @classmethod
    def _from_cells(
        cls,
        rows: np.ndarray,
        cols: np.ndarray,
        vals: np.ndarray,
        items: pd.Index,
        annotators: pd.Index,
        classes: Sequence[Any] | None,
        unlabeled: UnlabeledPolicy,
        source: str | None,
        column_names: list[Any],
    ) -> Annotations:
        if classes is None and vals.dtype.kind in "iuf":
            bad = np.flatnonzero(vals < 0)
            if bad.size:
                r, c = rows[bad[0]], column_names[cols[bad[0]]]
                raise ClassError(
                    f"{source or 'wide table'}: row {r}, annotator column {c!r} holds "
                    f"{show(vals[bad[0]])}, which looks like a 'missing' sentinel. Leave cells "
                    "that nobody labeled empty (NaN / None / pd.NA) instead; if it really is a "
                    "class, pass classes=[...] explicitly."
                )
        class_index, codes = _encode_labels(
            vals,
            classes,
            source,
            "cell",
            where=lambda i: f"row {rows[i]}, annotator column {column_names[cols[i]]!r}",
        )
        # stable sort by item so annotations read item by item, as the rows do
        order = np.argsort(rows, kind="stable")
        ann = cls(
            rows[order], cols[order], codes[order], items, annotators, class_index, validate=False
        )
        return _finish(ann, unlabeled)

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


# ------------------------------------------------------------------ helpers
def _concat_values(parts: list[np.ndarray]) -> np.ndarray:
    if all(p.dtype.kind in "iuf" for p in parts):
        return _integral_to_int(np.concatenate(parts))
    return _integral_to_int(np.concatenate([p.astype(object) for p in parts]))


def _encode_labels(
    vals: np.ndarray,
    classes: Sequence[Any] | None,
    source: str | None,
    label_col: Hashable,
    where: Any = None,
) -> tuple[pd.Index, np.ndarray]:
    if classes is None:
        class_index = pd.Index(_sorted_unique(vals))
    else:
        if (
            isinstance(classes, (str, bytes))
            or not hasattr(classes, "__iter__")
            or any(isinstance(c, (list, tuple, dict, set, np.ndarray)) for c in classes)
        ):
            raise ParameterError(f"classes must be a list of class names, got {show(classes)[:80]}")
        given = _as_clean_values(pd.Index(list(classes)))
        if given.dtype == object:  # the same spaces / Unicode rule as the labels
            given = np.asarray(
                [_text_key(c) if isinstance(c, str) else c for c in given], dtype=object
            )
        class_index = pd.Index(_integral_to_int(given))
        # only a blank name is empty: "N/A" named in classes is a class (a tool choice)
        empty = _id_missing_mask(np.asarray(class_index, dtype=object))
        if empty.any():
            raise ClassError(
                f"classes include an empty or missing name "
                f"({preview(list(class_index[empty]))}); every class needs a name"
            )
        if not class_index.is_unique:
            raise ClassError(f"classes repeat: {preview(class_index[class_index.duplicated()])}")
    if vals.dtype == object and len(vals) > 1000:
        # looked up once per distinct label: get_indexer on the cells would copy
        # every text cell into a new pandas string array first
        local, uniq = pd.factorize(vals, use_na_sentinel=True)
        lut = np.append(class_index.get_indexer(np.asarray(uniq, dtype=object)), -1)
        codes = lut[local]
    else:
        codes = class_index.get_indexer(vals) if len(vals) else np.zeros(0, np.int64)
    if (codes < 0).any():
        bad = np.flatnonzero(codes < 0)
        bad_vals = pd.unique(vals[bad]).tolist()
        loc = where(bad[0]) if where is not None else _where(source, bad)
        hint = ""
        if any(isinstance(v, (int, float, np.integer, np.floating)) and v < 0 for v in bad_vals):
            hint = (
                " A negative number looks like a 'missing' sentinel: leave such cells empty "
                "or drop the rows instead."
            )
        raise ClassError(
            f"{source + ': ' if source and where else ''}{loc}: label(s) "
            f"{preview(bad_vals)} in {label_col!r} are not among the classes "
            f"{preview(list(class_index), 10)}.{hint}"
        )
    return class_index, codes


def _resolve_column(
    cols: list[Hashable],
    given: Hashable | None,
    candidates: Sequence[str],
    role: str,
    source: str | None,
    exclude: Iterable[Hashable],
) -> Hashable:
    where = source or "table"
    if given is not None:
        if given not in cols:
            raise MissingColumnError(
                f"{where}: no {role} column {given!r}; columns are {preview(cols, 12)}"
            )
        return given
    found = _find_column(cols, candidates, exclude)
    if found is None:
        raise MissingColumnError(
            f"{where}: cannot tell which column holds the {role}; columns are "
            f"{preview(cols, 12)}. Name it with {role}_col=... (CLI: --{role}-col), or use a "
            f"recognised name such as {', '.join(candidates[:4])}"
        )
    return found


def _apply_duplicates(ann: Annotations, policy: DuplicatePolicy, source: str | None) -> Annotations:
    if policy not in ("keep", "first", "last", "error"):
        raise InputError(f"duplicates must be 'keep', 'first', 'last' or 'error', got {policy!r}")
    if not ann.has_duplicates():
        return ann
    if policy == "keep":
        key = ann.item.astype(np.int64) * ann.n_annotators + ann.annotator
        extra = int(pd.Index(key).duplicated().sum())
        pairs = int(pd.Index(key[pd.Index(key).duplicated(keep=False)]).nunique())
        warnings.warn(
            f"{source or 'annotations'}: {pairs:,} (item, annotator) pair(s) labeled "
            f"more than once ({extra:,} extra annotation(s)); each label counts as a "
            "vote. Pass duplicates='first' or 'last' (CLI: --duplicates) to keep one, "
            "or 'error' to refuse",
            InputWarning,
            stacklevel=4,
        )
        return ann
    if policy == "error":
        key = ann.item.astype(np.int64) * ann.n_annotators + ann.annotator
        dup = np.flatnonzero(pd.Index(key).duplicated(keep=False))
        first = dup[0]
        raise DuplicateAnnotationError(
            f"{_where(source, dup)}: annotator {show(ann.annotators[ann.annotator[first]])} "
            f"labeled item {show(ann.items[ann.item[first]])} more than once ({len(dup)} rows "
            "are repeats). "
            "Pass duplicates='keep' (each label a vote), 'first' or 'last'."
        )
    return ann.deduplicate(keep=policy)


def _finish(ann: Annotations, unlabeled: UnlabeledPolicy) -> Annotations:
    if unlabeled not in ("error", "drop"):
        raise InputError(f"unlabeled must be 'error' or 'drop', got {unlabeled!r}")
    if unlabeled == "drop":
        ann = ann.take(np.arange(ann.n_annotations), drop_unused=True)
    ann._validate()
    return ann


def _read_table(path: str | os.PathLike[str], *, numbers: bool = True) -> pd.DataFrame:
    """Read a CSV / TSV / Parquet / JSON Lines table (see :func:`labeljury.io.tables.read_table`).

    ``numbers=False`` keeps every delimited-text cell as text (annotations: ids
    stay as written, labels follow :func:`labeljury.validation.labels_from_text`).
    """
    from .io.tables import read_table

    return read_table(path, numbers=numbers)


def _wide_item_column(data: pd.DataFrame, source: str) -> Hashable | None:
    """The item id column of a wide table read from a file, or None (row numbers).

    Named like an id, or a nameless first column (pandas writes its index so). A
    first column that is none of those but looks like ids (every value distinct,
    none of them a label in the other columns) is refused rather than read as an
    annotator whose labels are item names.
    """
    cols = list(data.columns)
    found = _find_column(cols, ITEM_NAMES)
    if found is not None or not cols:
        return found
    if str(cols[0]).startswith("Unnamed: 0"):
        return cols[0]
    first = data.iloc[:, 0].dropna()
    if len(cols) > 1 and len(first) >= 3 and first.is_unique:
        others = pd.unique(data.iloc[:, 1:].to_numpy(dtype=object).ravel())
        if not set(first.tolist()) & set(others.tolist()):
            raise MissingColumnError(
                f"{source}: read as a wide table (one column per annotator), but its first "
                f"column {cols[0]!r} looks like item ids (every value distinct, none of them a "
                "label elsewhere). Name the id column with item_col=... (CLI: --item-col), or "
                "name the annotator and label columns if the table is long"
            )
    return None


def _is_text(data: pd.DataFrame) -> bool:
    """Whether the frame is a delimited-text file read cell by cell as text."""
    return bool(data.attrs.get("labeljury_text", False))


def _labels(
    vals: np.ndarray,
    text: bool,
    classes: Sequence[Any] | None,
    source: str | None,
    label_col: Hashable,
) -> np.ndarray:
    """Labels as classes: text from a file becomes numbers when every label is one."""
    if text and not (classes is not None and all(isinstance(c, str) for c in classes)):
        return labels_from_text(vals, source, label_col)
    return normalise_labels(vals, source, label_col)


def _check_frame(data: Any, source: str | None) -> None:
    if not isinstance(data, pd.DataFrame):
        return
    cols = pd.Index(data.columns)
    if not cols.is_unique:
        raise InputError(
            f"{source or 'table'}: column names repeat: "
            f"{preview(cols[cols.duplicated()].unique().tolist())}; rename them "
            "(labeljury never guesses which one is meant)"
        )


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
    if isinstance(data, Annotations):
        return data
    if layout not in ("auto", "long", "wide"):
        raise ParameterError(f"layout must be 'auto', 'long' or 'wide', got {layout!r}")
    if getattr(data, "multi_label", False):
        data.label  # noqa: B018 - MultiLabelAnnotations.label raises the clear InputError
    source = None
    if isinstance(data, (str, os.PathLike)):
        source = os.fspath(data)
        from .io.stream import read_long_table

        # a long CSV / Parquet file, folder or glob: read in blocks, never whole
        streamed = read_long_table(
            source,
            layout=layout,
            item_col=item_col,
            annotator_col=annotator_col,
            label_col=label_col,
            classes=classes,
            duplicates=duplicates,
            unlabeled=unlabeled,
        )
        if streamed is not None:
            return streamed
        data = _read_table(source, numbers=False)
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
        return Annotations.from_long(
            data,
            item_col=item_col,
            annotator_col=annotator_col,
            label_col=label_col,
            classes=classes,
            duplicates=duplicates,
            unlabeled=unlabeled,
            source=source,
        )
    if item_col is None and source is not None:
        item_col = _wide_item_column(data, source)
    return Annotations.from_wide(
        data, classes=classes, item_col=item_col, unlabeled=unlabeled, source=source
    )
