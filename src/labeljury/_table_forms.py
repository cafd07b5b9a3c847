"""The table forms of :class:`~labeljury.annotations.Annotations`, in and out.

Long (one row per annotation), wide (one column per annotator, the layout
cleanlab uses) and sparse (item x annotator) tables, and plain arrays of ids:
the ``to_*`` views and the ``from_*`` constructors. They live in a base class
here so that ``annotations.py`` holds the type itself (its arrays, the
invariants checked once, the derived counts and the transforms); the rules for
reading table cells are in :mod:`labeljury._from_tables` and
:mod:`labeljury._cells`.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import _from_tables
from ._cells import DuplicatePolicy, UnlabeledPolicy
from .errors import DuplicateAnnotationError, InputError, ParameterError
from .validation import check_dense

if TYPE_CHECKING:
    from .annotations import Annotations

__all__ = ["TableForms"]


class TableForms:
    """The long, wide and sparse views and constructors of :class:`Annotations`.

    A base class of :class:`~labeljury.annotations.Annotations` only: every
    method reads the attributes that class defines (``item``, ``classes``, ...).
    """

    __slots__ = ()

    def to_long(
        self: Annotations,
        item_col: str = "item",
        annotator_col: str = "annotator",
        label_col: str = "label",
    ) -> pd.DataFrame:
        """One row per annotation, with the user's ids and class names.

        Examples
        --------
        >>> from labeljury import Annotations
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

    def to_wide(self: Annotations) -> pd.DataFrame:
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

    def to_sparse(self: Annotations) -> sp.csr_matrix:
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
        cls: type[Annotations],
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
        >>> from labeljury import Annotations
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
        cls: type[Annotations],
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
        >>> from labeljury import Annotations
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
        cls: type[Annotations],
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
        >>> from labeljury import Annotations
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
        cls: type[Annotations],
        matrix: sp.spmatrix | sp.sparray,
        *,
        items: Sequence[Any] | None = None,
        annotators: Sequence[Any] | None = None,
        classes: Sequence[Any] | None = None,
    ) -> Annotations:
        """Inverse of :meth:`to_sparse`: stored values are ``class code + 1``.

        Examples
        --------
        >>> from labeljury import Annotations
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
