"""Quality tables of a multi-label fit, and ``aggregate`` that builds them.

The tables read only the multi-label estimator contract (``probas_``,
``labels_``, ``consensus_quality_``, ``sensitivity_``, ``specificity_``,
``annotator_skill_``), never a method's private attributes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .data import MultiLabelAnnotations, join_sets
from .methods import MultiLabelAggregator, method_class

__all__ = ["MultiLabelResult", "aggregate"]

_TINY = 1e-12


class MultiLabelResult:
    """Consensus sets and quality tables of a fitted multi-label method.

    Attributes
    ----------
    label_quality : DataFrame
        One row per item: ``item``, ``consensus_label`` (the set, classes in
        class order joined by ``sep``; empty for none), ``consensus_quality_score``
        (probability that the whole set is right), ``annotator_agreement``
        (share of the item's annotators who chose exactly that set),
        ``num_annotations``.
    class_quality : DataFrame
        One row per item: ``item`` and one column per class holding the
        probability that the class belongs to the item's set (the same layout as
        a ``--pred-probs`` table).
    detailed_label_quality : DataFrame
        One row per (item, annotator): ``label`` (their set), ``label_quality_score``
        (probability their whole set is right) and ``hamming_quality`` (expected
        share of the classes they got right).
    annotator_stats : DataFrame
        One row per annotator, worst first: ``annotator_quality`` (mean balanced
        accuracy over classes), ``agreement_with_consensus`` (mean share of
        classes on which they agree with the consensus set), ``num_examples_labeled``,
        ``worst_class``, then ``sensitivity:<class>`` and ``specificity:<class>``.
    """

    def __init__(
        self, annotations: MultiLabelAnnotations, method: MultiLabelAggregator, sep: str = "|"
    ):
        self.annotations = annotations
        self.method = method
        self.sep = sep
        ann, m = annotations, method
        k = ann.n_classes
        labels = np.asarray(m.labels_, dtype=bool)
        pj = ann.pair_judgement
        p_item_key = ann.item[pj] * k + ann.indices
        # |chosen set  intersect  consensus set| per judgement, from the chosen pairs only
        inter = np.bincount(pj, weights=labels.ravel().take(p_item_key), minlength=ann.n_judgements)
        mismatch = ann.set_sizes + labels.sum(axis=1)[ann.item] - 2 * inter
        exact = mismatch == 0
        csr_labels = _bool_to_csr(labels)
        self.label_quality = pd.DataFrame(
            {
                "item": ann.items,
                "consensus_label": join_sets(*csr_labels, ann.classes, sep),
                "consensus_quality_score": np.asarray(m.consensus_quality_, dtype=float),
                "annotator_agreement": np.bincount(ann.item, weights=exact, minlength=ann.n_items)
                / np.maximum(ann.judgements_per_item(), 1),
                "num_annotations": ann.judgements_per_item(),
            }
        )
        self.class_quality = pd.concat(
            [
                pd.DataFrame({"item": ann.items}),
                pd.DataFrame(np.asarray(m.probas_, dtype=float), columns=list(ann.classes)),
            ],
            axis=1,
        )
        q = np.clip(np.asarray(m.probas_, dtype=float), _TINY, 1 - _TINY)
        # P(a judgement's set is right) = prod over classes of P(z = its answer): every
        # class counted as 'not chosen', then the chosen pairs corrected
        log_no = np.log1p(-q)
        log_set = log_no.sum(axis=1)[ann.item] + np.bincount(
            pj, weights=(np.log(q) - log_no).ravel().take(p_item_key), minlength=ann.n_judgements
        )
        hamming = (1 - q).sum(axis=1)[ann.item] + np.bincount(
            pj, weights=(2 * q - 1).ravel().take(p_item_key), minlength=ann.n_judgements
        )
        self.detailed_label_quality = pd.DataFrame(
            {
                "item": ann.items.take(ann.item),
                "annotator": ann.annotators.take(ann.annotator),
                "label": ann.set_strings(sep),
                "label_quality_score": np.exp(log_set),
                "hamming_quality": hamming / k,
            }
        )
        sens, spec = np.asarray(m.sensitivity_), np.asarray(m.specificity_)
        balanced = (sens + spec) / 2
        agree = 1 - mismatch / k
        stats = pd.DataFrame(
            {
                "annotator": ann.annotators,
                "annotator_quality": np.asarray(m.annotator_skill_, dtype=float),
                "agreement_with_consensus": np.bincount(
                    ann.annotator, weights=agree, minlength=ann.n_annotators
                )
                / np.maximum(ann.judgements_per_annotator(), 1),
                "num_examples_labeled": ann.judgements_per_annotator(),
                "worst_class": ann.classes.take(np.argmin(balanced, axis=1)),
            }
        )
        rates = pd.DataFrame(
            np.concatenate([sens, spec], axis=1),
            columns=[f"sensitivity:{c}" for c in ann.classes]
            + [f"specificity:{c}" for c in ann.classes],
        )
        self.annotator_stats = pd.concat([stats, rates], axis=1).sort_values(
            "annotator_quality", kind="stable", ignore_index=True
        )

    def summary(self) -> dict[str, Any]:
        """Headline numbers: sizes, mean set quality, items below 0.5, unanimous items."""
        ann, lq = self.annotations, self.label_quality
        score = lq["consensus_quality_score"].to_numpy()
        return {
            "method": type(self.method).__name__,
            "items": ann.n_items,
            "annotations": ann.n_judgements,
            "annotators": ann.n_annotators,
            "classes": ann.n_classes,
            "mean_set_size": float(np.asarray(self.method.labels_).sum(axis=1).mean()),
            "mean_consensus_quality": float(score.mean()),
            "items_below_0.5_quality": int((score < 0.5).sum()),
            "unanimous_items": int((lq["annotator_agreement"].to_numpy() == 1).sum()),
        }

    def report(self, path: str | os.PathLike[str], **kwargs: Any) -> Path:
        """Write the HTML report: :func:`~labeljury.report.multilabel.write_multilabel_report`."""
        from ..report.multilabel import write_multilabel_report

        return write_multilabel_report(self, path, **kwargs)

    def save(self, out: str | os.PathLike[str], format: str = "csv") -> list[Path]:
        """Write the four tables to folder ``out`` (``csv`` or ``parquet``), atomically.

        Returns
        -------
        list of Path
            ``label_quality``, ``class_quality``, ``detailed_label_quality`` and
            ``annotator_stats`` files.
        """
        from .._csv import write_csv
        from .._files import atomic_write
        from ..io.writers import write_table

        if format not in ("csv", "parquet"):
            raise InputError(f"output format must be 'csv' or 'parquet', not {format!r}")
        out = Path(out)
        if out.exists() and not out.is_dir():
            raise InputError(f"{out}: exists and is not a folder; give an output folder")
        files = [write_table(self.label_quality, out / f"label_quality.{format}")]
        for name in ("class_quality", "detailed_label_quality", "annotator_stats"):
            df = getattr(self, name)
            path = out / f"{name}.{format}"
            if format == "csv":
                files.append(atomic_write(path, lambda t, df=df: write_csv(df, t)))
            else:
                files.append(atomic_write(path, lambda t, df=df: df.to_parquet(t, index=False)))
        return files


def _bool_to_csr(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(indptr, indices) of the True cells of a boolean (n, K) array."""
    rows, cols = np.nonzero(labels)
    indptr = np.zeros(len(labels) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(labels)), out=indptr[1:])
    return indptr, cols


def aggregate(
    annotations: MultiLabelAnnotations,
    method: str | MultiLabelAggregator = "auto",
    *,
    pred_probs: Any = None,
    sep: str = "|",
) -> MultiLabelResult:
    """Fit a multi-label method and build the quality tables.

    Parameters
    ----------
    annotations : MultiLabelAnnotations
    method : str or estimator, default "auto"
        ``jury`` (= ``auto``), ``majority_vote``, ``dawid_skene``, or a fitted-able
        multi-label estimator.
    pred_probs : array (n_items, K), optional
        A model's per-class probabilities (rows in ``annotations.items`` order),
        used by ``jury`` as its prior.
    sep : str, default "|"
        Separator of the classes in the ``consensus_label`` and ``label`` cells.

    Examples
    --------
    >>> ann = MultiLabelAnnotations.from_sets(["d", "d", "d"], ["a", "b", "c"],
    ...                                       [["x", "y"], ["x"], ["x"]])
    >>> aggregate(ann, "majority_vote").label_quality["consensus_label"].tolist()
    ['x']
    """
    if not isinstance(annotations, MultiLabelAnnotations):
        raise InputError(
            f"multi-label aggregate needs MultiLabelAnnotations, not "
            f"{type(annotations).__name__}; for one class per annotation use "
            "labeljury.aggregate"
        )
    est = method_class(method)() if isinstance(method, str) else method
    est.fit(annotations, pred_probs=pred_probs)
    return MultiLabelResult(annotations, est, sep=sep)
