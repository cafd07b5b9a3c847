"""Inter-annotator agreement: Krippendorff's alpha, Fleiss' kappa, Cohen's kappa, percent agreement.

All statistics start from the item x class vote counts ``n[i, k]`` (how many
annotators gave item ``i`` class ``k``; :meth:`Annotations.vote_counts`), so
memory is O(items x classes), never O(items x annotators).

* Krippendorff's alpha (nominal), from the ``krippendorff`` package fed the
  vote counts (``value_counts=``): ``alpha = 1 - D_o / D_e``, observed over
  expected disagreement among pairable values (items with two labels or more).
  Krippendorff, K. (2011). *Computing Krippendorff's Alpha-Reliability*.
  https://repository.upenn.edu/asc_papers/43
* Fleiss' kappa, only when every item has the same number of labels ``m``:
  ``P_i = (sum_k n_ik^2 - m) / (m (m - 1))``, ``p_k = sum_i n_ik / (N m)``,
  ``kappa = (mean P_i - sum_k p_k^2) / (1 - sum_k p_k^2)``; per class
  ``kappa_k = 1 - sum_i n_ik (m - n_ik) / (N m (m - 1) p_k (1 - p_k))``.
  Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
  *Psychological Bulletin* 76(5), 378-382. https://doi.org/10.1037/h0031619
  (Neither scikit-learn nor ``krippendorff`` has it; it is these few lines.)
* Cohen's kappa between two annotators on the items both labeled,
  scikit-learn's :func:`~sklearn.metrics.cohen_kappa_score`.
* Percent agreement: the share of agreeing pairs of labels on an item, averaged
  over items with two labels or more; per class, the *specific agreement*
  ``sum_i n_ik (n_ik - 1) / sum_i n_ik (n_i - 1)`` (of the pairs holding one
  label ``k``, the share whose other label is ``k`` too).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .annotations import Annotations

__all__ = ["AgreementReport", "agreement", "fleiss_kappa", "krippendorff_alpha"]


def _krippendorff() -> Any:
    try:
        import krippendorff
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Krippendorff's alpha needs the 'krippendorff' package: "
            "pip install 'labeljury[agreement]'"
        ) from exc
    return krippendorff


def krippendorff_alpha(counts: np.ndarray) -> float:
    """Nominal Krippendorff's alpha from an ``(n_items, n_classes)`` count matrix.

    Items with fewer than two labels are not pairable and do not count. NaN
    when no item has two labels or all pairable labels are one class.

    Examples
    --------
    >>> round(krippendorff_alpha(np.array([[2, 0], [0, 2], [1, 1]])), 3)
    0.444
    """
    counts = np.asarray(counts, dtype=float)
    pairable = counts[counts.sum(axis=1) >= 2]
    if len(pairable) == 0 or np.count_nonzero(pairable.sum(axis=0)) < 2:
        return float("nan")
    alpha = _krippendorff().alpha(value_counts=pairable, level_of_measurement="nominal")
    return float(alpha)


def fleiss_kappa(counts: np.ndarray) -> tuple[float, np.ndarray]:
    """Fleiss' kappa and per-class kappas from an ``(n_items, n_classes)`` count matrix.

    Every row must sum to the same number of labels ``m >= 2``. Classes nobody
    chose get a NaN per-class kappa.

    Examples
    --------
    >>> k, per_class = fleiss_kappa(np.array([[2, 0], [0, 2], [1, 1]]))
    >>> round(k, 3)
    0.333
    """
    counts = np.asarray(counts, dtype=float)
    m = counts.sum(axis=1)
    if len(m) == 0 or m.min() != m.max() or m[0] < 2:
        raise ValueError("Fleiss' kappa needs the same number (>= 2) of labels on every item")
    n_items, m = counts.shape[0], float(m[0])
    p_item = ((counts**2).sum(axis=1) - m) / (m * (m - 1))
    p_class = counts.sum(axis=0) / (n_items * m)
    p_bar, p_e = p_item.mean(), float((p_class**2).sum())
    kappa = (p_bar - p_e) / (1 - p_e) if p_e < 1 else float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        disagree = (counts * (m - counts)).sum(axis=0)
        per_class = 1 - disagree / (n_items * m * (m - 1) * p_class * (1 - p_class))
    return float(kappa), per_class


@dataclass
class AgreementReport:
    """Agreement statistics of one set of annotations.

    Attributes
    ----------
    krippendorff_alpha : float
        Nominal alpha over all items with two labels or more (NaN if none).
    fleiss_kappa : float or None
        Fleiss' kappa, or None when items have different numbers of labels.
    fleiss_kappa_reason : str or None
        Why ``fleiss_kappa`` is None.
    percent_agreement : float
        Mean share of agreeing label pairs per item (items with >= 2 labels).
    per_class : DataFrame
        One row per class: ``class``, ``n_labels``, ``share`` of all labels,
        ``specific_agreement``, ``krippendorff_alpha`` (the class against
        the rest), ``fleiss_kappa`` (NaN where not defined).
    pairwise : DataFrame
        One row per annotator pair sharing at least ``min_shared`` items:
        ``annotator_a``, ``annotator_b``, ``n_shared``, ``percent_agreement``,
        ``cohen_kappa`` (NaN when undefined, e.g. both always chose one class).
    n_items, n_annotations, n_annotators : int
        Sizes of the input.
    n_items_pairable : int
        Items with two labels or more (the ones agreement is measured on).
    min_shared : int
        The threshold used for ``pairwise``.
    """

    krippendorff_alpha: float
    fleiss_kappa: float | None
    fleiss_kappa_reason: str | None
    percent_agreement: float
    per_class: pd.DataFrame
    pairwise: pd.DataFrame
    n_items: int
    n_annotations: int
    n_annotators: int
    n_items_pairable: int
    min_shared: int
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The headline numbers as a plain dict (for JSON or the HTML report)."""
        return {
            "krippendorff_alpha": self.krippendorff_alpha,
            "fleiss_kappa": self.fleiss_kappa,
            "fleiss_kappa_reason": self.fleiss_kappa_reason,
            "percent_agreement": self.percent_agreement,
            "mean_pairwise_cohen_kappa": (
                float(self.pairwise["cohen_kappa"].mean()) if len(self.pairwise) else None
            ),
            "n_pairs": len(self.pairwise),
            "n_items": self.n_items,
            "n_items_pairable": self.n_items_pairable,
            "n_annotations": self.n_annotations,
            "n_annotators": self.n_annotators,
        }

    def __rich__(self) -> Any:
        """Rich tables: headline numbers, per class, the lowest-kappa pairs."""
        from rich.console import Group
        from rich.table import Table

        head = Table(title="Agreement", show_header=False)
        for k, v in self.summary().items():
            if k == "fleiss_kappa_reason" or (v is None and k != "fleiss_kappa"):
                continue
            if k == "fleiss_kappa" and v is None:
                v = f"n/a ({self.fleiss_kappa_reason})"
            head.add_row(k.replace("_", " "), f"{v:.3f}" if isinstance(v, float) else str(v))
        per = Table(title="Per class")
        for c in self.per_class.columns:
            per.add_column(str(c), justify="left" if c == "class" else "right")
        for row in self.per_class.itertuples(index=False):
            per.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row])
        parts: list[Any] = [head, per]
        if len(self.pairwise):
            pairs = Table(
                title=f"Annotator pairs (>= {self.min_shared} shared items), "
                "lowest Cohen's kappa first"
            )
            for c in self.pairwise.columns:
                pairs.add_column(str(c), justify="right")
            for row in self.pairwise.head(20).itertuples(index=False):
                pairs.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row])
            parts.append(pairs)
        return Group(*parts)


def _pairwise(ann: Annotations, min_shared: int) -> pd.DataFrame:
    from sklearn.metrics import cohen_kappa_score

    cols = ["annotator_a", "annotator_b", "n_shared", "percent_agreement", "cohen_kappa"]
    dedup = ann.deduplicate("first") if ann.has_duplicates() else ann
    lab = dedup.to_sparse().tocsc()  # item x annotator, class code + 1
    present = lab.copy()
    present.data = np.ones_like(present.data)
    shared = sp.triu(present.T @ present, k=1).tocoo()
    keep = shared.data >= min_shared
    rows = []
    labels = np.arange(ann.n_classes)
    for a, b, n in zip(shared.row[keep], shared.col[keep], shared.data[keep], strict=True):
        ia, ib = (
            lab.indices[lab.indptr[a] : lab.indptr[a + 1]],
            lab.indices[lab.indptr[b] : lab.indptr[b + 1]],
        )
        _, pa, pb = np.intersect1d(ia, ib, assume_unique=True, return_indices=True)
        la = lab.data[lab.indptr[a] : lab.indptr[a + 1]][pa] - 1
        lb = lab.data[lab.indptr[b] : lab.indptr[b + 1]][pb] - 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # undefined kappa (one class only) -> NaN
            kappa = float(cohen_kappa_score(la, lb, labels=labels))
        rows.append((ann.annotators[a], ann.annotators[b], int(n), float(np.mean(la == lb)), kappa))
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values("cohen_kappa", kind="stable", na_position="last").reset_index(drop=True)


def agreement(ann: Annotations, *, min_shared: int = 10) -> AgreementReport:
    """Agreement statistics of a set of annotations.

    Parameters
    ----------
    ann : Annotations
        The annotations (repeated labels by one annotator on one item count as
        separate labels, except in the pairwise table, which keeps the first).
    min_shared : int, default 10
        Pairs of annotators who labeled fewer items in common are left out of
        the pairwise Cohen's kappa table.

    Returns
    -------
    AgreementReport

    Examples
    --------
    >>> from labeljury import Annotations
    >>> ann = Annotations.from_arrays([0, 0, 1, 1, 2, 2], list("ababab"), list("xxyyxy"))
    >>> rep = agreement(ann, min_shared=2)
    >>> round(rep.percent_agreement, 3), rep.fleiss_kappa is not None
    (0.667, True)
    >>> rep.pairwise[["annotator_a", "annotator_b", "n_shared"]].values.tolist()
    [['a', 'b', 3]]
    """
    from .annotations import read_annotations
    from .validation import check_values

    check_values("agreement", {"min_shared": min_shared})
    ann = read_annotations(ann)
    counts = ann.vote_counts()
    per_item = counts.sum(axis=1)
    pairable = per_item >= 2
    notes: list[str] = []
    alpha = krippendorff_alpha(counts)
    if not pairable.any():
        notes.append("no item has two labels: agreement is undefined")
    c = counts[pairable]
    m = per_item[pairable]
    pairs_agree = (c * (c - 1)).sum(axis=1)
    pct = float(np.mean(pairs_agree / (m * (m - 1)))) if len(c) else float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        specific = (c * (c - 1)).sum(axis=0) / (c * (m[:, None] - 1)).sum(axis=0)
    fk: float | None = None
    reason: str | None = None
    fk_class = np.full(ann.n_classes, np.nan)
    lo, hi = (int(per_item.min()), int(per_item.max()))
    if lo != hi:
        reason = f"items have between {lo} and {hi} labels; Fleiss' kappa needs the same number"
    elif lo < 2:
        reason = "every item has a single label"
    else:
        fk, fk_class = fleiss_kappa(counts)
    alpha_class = np.array(
        [
            krippendorff_alpha(np.column_stack([counts[:, k], per_item - counts[:, k]]))
            for k in range(ann.n_classes)
        ]
    )
    total = counts.sum(axis=0)
    per_class = pd.DataFrame(
        {
            "class": ann.classes.copy(),
            "n_labels": total.astype(np.int64),
            "share": total / max(total.sum(), 1),
            "specific_agreement": specific,
            "krippendorff_alpha": alpha_class,
            "fleiss_kappa": fk_class,
        }
    )
    return AgreementReport(
        krippendorff_alpha=alpha,
        fleiss_kappa=fk,
        fleiss_kappa_reason=reason,
        percent_agreement=pct,
        per_class=per_class,
        pairwise=_pairwise(ann, min_shared),
        n_items=ann.n_items,
        n_annotations=ann.n_annotations,
        n_annotators=ann.n_annotators,
        n_items_pairable=int(pairable.sum()),
        min_shared=min_shared,
        notes=notes,
    )
