"""``aggregate`` and its :class:`Result`: the tables users read and save."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._csv import write_csv
from ._files import atomic_write, check_output_dir, check_output_file
from .annotations import Annotations, read_annotations
from .errors import InputError, ParameterError
from .methods import Aggregator, get_method
from .pred_probs import align_pred_probs
from .quality import annotator_stats, detailed_label_quality, label_quality
from .validation import check_param_names, check_values

__all__ = ["TABLES", "Result", "aggregate", "resolve_method"]

#: table name -> file stem written by :meth:`Result.save`
TABLES = ("label_quality", "detailed_label_quality", "annotator_stats")


@dataclass
class Result:
    """Everything :func:`aggregate` computed, as typed DataFrames.

    Attributes
    ----------
    label_quality : DataFrame
        Per item: ``item``, ``consensus_label``, ``consensus_quality_score``,
        ``annotator_agreement``, ``num_annotations``.
    detailed_label_quality : DataFrame
        Per annotation: ``item``, ``annotator``, ``label``, ``label_quality_score``.
    annotator_stats : DataFrame
        Per annotator, worst first: ``annotator``, ``annotator_quality``,
        ``agreement_with_consensus``, ``num_examples_labeled``, ``worst_class``;
        with a ``seconds`` column in the input, ``median_seconds_per_label``;
        with gold items, ``n_gold`` (their labels on gold items) and
        ``gold_accuracy`` (the share equal to the gold class).
    annotations : Annotations
    method : Aggregator
        The fitted method (its ``probas_``, ``annotator_skill_``...).
    pred_probs : ndarray or None
        The model probabilities used, in ``annotations.items`` order.
    model : object or None
        The classifier trained by :func:`labeljury.run` (refit on all items).
    history : DataFrame or None
        One row per round of :func:`labeljury.run`.
    gold : GoldEvaluation or None
        With gold items: the consensus accuracy and calibration on them,
        estimated by cross-validation over the gold items (each scored by a fit
        that did not see its class; see :mod:`labeljury.gold`).
    model_metrics : dict or None
        From :func:`labeljury.run`: the model (``model``, ``kind``) and its
        cross-validated ``cv_accuracy``, ``cv_log_loss`` and ``cv_ece``
        against the consensus it was trained on, its calibration
        ``temperature``, each candidate's log loss (``candidates_log_loss``)
        and ``trained_on_round`` (0 = majority vote).
    rounds : dict or None
        From :func:`labeljury.run`: ``rounds`` run of ``max_rounds``,
        ``stopped`` (``"converged"``, ``"no held-out gain"`` or
        ``"round limit"``), ``final_change``
        and ``tol``, ``kept_round`` and ``kept_because``,
        ``heldout_annotations``.
    """

    label_quality: pd.DataFrame
    detailed_label_quality: pd.DataFrame
    annotator_stats: pd.DataFrame
    annotations: Annotations
    method: Aggregator
    pred_probs: np.ndarray | None = None
    model: Any = None
    history: pd.DataFrame | None = None
    gold: Any = None
    model_metrics: dict[str, Any] | None = None
    rounds: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def consensus(self) -> pd.Series:
        """Consensus label per item, indexed by item id."""
        return self.label_quality.set_index("item")["consensus_label"]

    @property
    def method_name(self) -> str:
        """Class name of the fitted method."""
        return type(self.method).__name__

    def agreement(self, *, min_shared: int = 10) -> Any:
        """Inter-annotator agreement statistics (see :func:`labeljury.agreement.agreement`)."""
        from .agreement import agreement

        return agreement(self.annotations, min_shared=min_shared)

    def relabel_priority(self, pred_probs_unlabeled: Any = None, **kwargs: Any) -> pd.DataFrame:
        """Which items to send for one more label next, against this result's consensus.

        :func:`labeljury.relabel_priority` with this result's annotations,
        ``pred_probs`` (None after :func:`aggregate` without a model: the
        annotators alone then) and its method's consensus labels. Gold items
        are left out: their class is known.
        """
        from .active import relabel_priority

        queue = relabel_priority(
            self.annotations,
            self.pred_probs,
            pred_probs_unlabeled,
            consensus=self.method.labels_,
            **kwargs,
        )
        gold = self.annotations.gold
        if gold is None or not (gold >= 0).any():
            return queue
        known = self.annotations.items[gold >= 0]
        return queue[~(queue["labeled"] & queue["item"].isin(known))].reset_index(drop=True)

    def pred_probs_table(self) -> pd.DataFrame:
        """The pred_probs as a table: ``item`` plus one column per class."""
        if self.pred_probs is None:
            raise InputError("this result was computed without pred_probs")
        df = pd.DataFrame(self.pred_probs, columns=[str(c) for c in self.annotations.classes])
        df.insert(0, "item", self.annotations.items.copy())
        return df

    def save(
        self,
        directory: str | os.PathLike[str],
        format: Literal["csv", "parquet"] = "csv",
        *,
        with_pred_probs: bool = False,
    ) -> list[Path]:
        """Write the three tables to ``directory`` atomically, one file each.

        Each file is written to a temporary name and renamed into place, so an
        existing output is never left half-written. ``with_pred_probs`` adds
        ``pred_probs.<format>`` (item id + one column per class).

        Returns
        -------
        list of Path
            The files written.
        """
        if format not in ("csv", "parquet"):
            raise InputError(f"format must be 'csv' or 'parquet', got {format!r}")
        if not isinstance(directory, (str, os.PathLike)) or not str(directory):
            raise ParameterError(
                f"save needs a folder (a path), got {type(directory).__name__} {directory!r}"
            )
        directory = Path(directory)
        written = []
        tables = {name: getattr(self, name) for name in TABLES}
        if with_pred_probs:
            tables["pred_probs"] = self.pred_probs_table()
        # every target checked before the first is written: none or all
        check_output_dir(directory)
        for name in tables:
            check_output_file(directory / f"{name}.{format}")
        for name, df in tables.items():
            target = directory / f"{name}.{format}"
            if format == "csv":
                written.append(atomic_write(target, lambda t, df=df: write_csv(df, t)))
            else:
                written.append(atomic_write(target, lambda t, df=df: _to_parquet(df, t)))
        return written

    def report(self, path: str | os.PathLike[str], **kwargs: Any) -> Path:
        """Write a self-contained HTML report (see :func:`labeljury.report.write_report`)."""
        from .report import write_report

        if not isinstance(path, (str, os.PathLike)) or not str(path):
            raise ParameterError(
                f"report needs a file path (report.html), got {type(path).__name__} {path!r}"
            )

        return write_report(self, path, **kwargs)

    def summary(self) -> dict[str, Any]:
        """A few headline numbers (used by the CLI and the report).

        With gold items also ``gold_accuracy`` (consensus accuracy on them,
        cross-validated: each scored by a fit that did not see its class),
        ``gold_mean_quality`` (the mean consensus quality score there; close to
        the accuracy when the scores are calibrated), ``gold_ece`` and
        ``gold_folds``.
        """
        lq = self.label_quality
        run: dict[str, Any] = {}
        if self.rounds is not None:  # labeljury.run: how the rounds ended, and the model
            run = {
                k: self.rounds[k]
                for k in ("rounds", "max_rounds", "stopped", "kept_round")
                if k in self.rounds
            }
        if self.model_metrics is not None:
            run.update(
                {
                    f"model_{k}" if not k.startswith("model") else k: self.model_metrics[k]
                    for k in ("model", "cv_accuracy", "cv_log_loss", "cv_ece")
                    if k in self.model_metrics
                }
            )
        out = {
            "method": self.method_name,
            "items": len(lq),
            "annotations": self.annotations.n_annotations,
            "annotators": self.annotations.n_annotators,
            "classes": self.annotations.n_classes,
            "mean_consensus_quality": float(lq["consensus_quality_score"].mean()),
            "items_below_0.5_quality": int((lq["consensus_quality_score"] < 0.5).sum()),
            "unanimous_items": int((lq["annotator_agreement"] == 1).sum()),
            "gold_items": 0
            if self.annotations.gold is None
            else int((self.annotations.gold >= 0).sum()),
            "gold_pinned": bool(getattr(self.method, "use_gold", False)),
            "scores_calibrated_on_gold": int(
                self.method.describe().get("gold_calibration_items", 0)
            ),
            # method="auto": which method it used and why (None for a method asked by name)
            "chosen_by": self.extra.get("chosen_by"),
        }
        out.update(run)
        if self.gold is not None:
            out.update(self.gold.summary())
        return out


def _to_parquet(df: pd.DataFrame, path: str) -> None:
    out = df  # copied (shallow: only the changed column is new) only when a column changes
    for col in df.columns:  # mixed-type id columns cannot be stored as one Arrow type
        if df[col].dtype == object:
            kinds = {type(v) for v in df[col].head(10_000)}
            if len(kinds) > 1:
                out = df.copy(deep=False) if out is df else out
                out[col] = out[col].astype(str)
    out.to_parquet(path, index=False)


#: what ``method="auto"`` says in the summary. Choosing among Jury, the shrunk
#: Dawid-Skene baseline and majority vote by the likelihood of held-out labels scored
#: below plain Jury on the generalization protocol's data
#: (benchmarks/jury/auto_choice.py, docs/jury.md), so auto is Jury
AUTO_REASON = (
    "jury, labeljury's default (choosing a method by held-out labels measured "
    "no better; docs/jury.md)"
)


def resolve_method(method: str | Aggregator, pred_probs: Any, **params: Any) -> Aggregator:
    """Turn a name (or ``"auto"``) into an unfitted method instance.

    ``"auto"`` is labeljury's own method, :class:`~labeljury.methods.jury.Jury`,
    with or without pred_probs (see :data:`AUTO_REASON`).
    """
    if isinstance(method, Aggregator):
        if params:
            check_param_names(type(method), params)
            method = method.set_params(**params)
        return method
    if not isinstance(method, str):
        raise InputError(f"method must be a name or an Aggregator, got {type(method).__name__}")
    if method == "auto":
        method = "jury"
    return get_method(method, **params)


def aggregate(
    annotations: Any,
    method: str | Aggregator = "auto",
    pred_probs: Any = None,
    *,
    pred_probs_id_col: Any = None,
    include_probas: bool = False,
    gold_folds: int = 5,
    **params: Any,
) -> Result:
    """Infer consensus labels and score items, annotations and annotators.

    Parameters
    ----------
    annotations : Annotations, DataFrame, ndarray or path
        Anything :func:`labeljury.read_annotations` reads (long or wide).
    method : str or Aggregator, default "auto"
        A registered name (see ``labeljury methods``), ``"auto"`` (labeljury's
        own method, ``"jury"``), or an instance.
    pred_probs : ndarray, DataFrame or path, optional
        A model's out-of-sample class probabilities. A numpy array has rows in
        ``annotations.items`` order; a ``.npy`` file rows in sorted item-id
        order; a table an item id column plus one column per class.
    pred_probs_id_col : column name, optional
        The id column of a pred_probs table (recognised by name when omitted).
    include_probas : bool, default False
        Add one ``proba_<class>`` column per class to ``label_quality``.
    gold_folds : int, default 5
        With gold items (``Annotations.gold``), the folds of the
        cross-validation that measures the consensus on them (``Result.gold``;
        one extra fit per fold). 0 skips it.
    **params
        Passed to the method's constructor.

    Returns
    -------
    Result

    Examples
    --------
    >>> import pandas as pd
    >>> import labeljury
    >>> df = pd.DataFrame({"item": [1, 1, 1, 2, 2], "worker": list("abcab"),
    ...                    "label": ["cat", "cat", "dog", "dog", "dog"]})
    >>> res = labeljury.aggregate(df, method="majority_vote")
    >>> res.label_quality[["item", "consensus_label", "annotator_agreement"]]
       item consensus_label  annotator_agreement
    0     1             cat             0.666667
    1     2             dog             1.000000
    """
    check_values("aggregate", {"include_probas": include_probas})
    if gold_folds != 0:  # 0 skips the gold cross-validation; otherwise folds >= 2
        check_values("aggregate", {"n_folds": gold_folds})
    ann = read_annotations(annotations)
    probs = (
        None if pred_probs is None else align_pred_probs(pred_probs, ann, id_col=pred_probs_id_col)
    )
    est = resolve_method(method, probs, **params)
    est.fit(ann, probs)
    res = Result(
        label_quality=label_quality(ann, est, include_probas=include_probas),
        detailed_label_quality=detailed_label_quality(ann, est),
        annotator_stats=annotator_stats(ann, est),
        annotations=ann,
        method=est,
        pred_probs=probs,
        extra={"chosen_by": AUTO_REASON} if isinstance(method, str) and method == "auto" else {},
    )
    if ann.gold is not None and gold_folds:
        from .gold import attach_gold

        attach_gold(res, n_folds=gold_folds)
    return res
