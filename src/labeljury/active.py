r"""Active relabeling: which items to send for one more label next.

The idea of ActiveLab (Goh & Mueller, "ActiveLab: Active Learning with
Re-Labeling by Multiple Annotators", arXiv 2301.11856): the item most worth
another label is the one whose consensus is least likely right, *after*
accounting for how many annotators already labeled it and how reliable they
are. With the CROWDLAB weights (model weight :math:`w_M`, annotator weights
:math:`w_j`) and consensus :math:`\hat y_i`, labeljury scores

.. math::

    s_i = \frac{w_M\,p_M(\hat y_i \mid x_i) + \sum_{j \in J_i} w_j\,[y_{ij} = \hat y_i]}
               {w_M + \sum_{j \in J_i} w_j}

for a labeled item (annotators :math:`J_i`), and for an item nobody labeled yet

.. math::

    s_i = \frac{w_M \max_k p_M(k \mid x_i) + \bar w / K}{w_M + \bar w}

i.e. as if one average annotator had given an uninformative vote. Lower
scores come first.

Without a model (``pred_probs=None``, e.g. after :func:`labeljury.aggregate`
on annotations alone) the model's term is replaced by that uninformative
average vote, for every item:

.. math::

    s_i = \frac{\bar w / K + \sum_{j \in J_i} w_j\,[y_{ij} = \hat y_i]}
               {\bar w + \sum_{j \in J_i} w_j}

so an item with one label (however sure) ranks above an item where several
reliable annotators agree. The consensus is the annotator-weighted vote, the
weights CROWDLAB's (agreement with the other annotators, above the
most-frequent-class baseline). An item with many agreeing reliable annotators scores
near one and drops down the queue; an item with one label that the model
doubts rises to the top.

With an ensemble (``pred_probs`` of shape ``(n_models, n_items, K)``, as in
cleanlab's ``get_active_learning_scores_ensemble``) each model ``m`` has its
own CROWDLAB weight and :math:`w_M p_M` becomes :math:`\sum_m w_m p_m`
(and :math:`w_M` the sum of the weights), so a useless member counts for little.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .annotations import Annotations, read_annotations
from .errors import InputError, PredProbsError, preview
from .pred_probs import align_pred_probs
from .validation import check_pred_probs

__all__ = ["check_labels", "relabel_priority"]


def relabel_priority(
    annotations: Any,
    pred_probs: Any = None,
    pred_probs_unlabeled: Any = None,
    *,
    unlabeled_ids: Any = None,
    consensus: Any = None,
) -> pd.DataFrame:
    """Rank items by how much one more label would help (lowest score first).

    Parameters
    ----------
    annotations : Annotations or anything :func:`labeljury.read_annotations` reads
    pred_probs : array, DataFrame or path, optional
        Out-of-sample class probabilities of the labeled items (see
        :func:`labeljury.aggregate` for the layouts), or an ensemble's: an
        array of shape ``(n_models, n_items, n_classes)``. Without them the
        priority uses the annotators alone (see above).
    pred_probs_unlabeled : array or DataFrame, optional
        Class probabilities of items nobody labeled yet, one row per item
        (``(n_models, n_unlabeled, n_classes)`` with an ensemble); a
        DataFrame's index gives their ids.
    unlabeled_ids : sequence, optional
        Ids of the unlabeled rows when ``pred_probs_unlabeled`` is an array
        (default ``0..n-1``).
    consensus : array of int, optional
        Consensus class codes (``annotations.classes`` order) to score against,
        e.g. a fitted method's ``labels_`` (what
        :meth:`labeljury.Result.relabel_priority` passes); default: CROWDLAB's
        consensus, or the weighted vote without a model.

    Returns
    -------
    DataFrame
        ``item``, ``priority_score`` (lower = label first), ``labeled``,
        ``num_annotations``, ``consensus_label`` (None for unlabeled items),
        sorted by ``priority_score`` (ties: fewer annotations first, then input
        order).

    Examples
    --------
    >>> import numpy as np
    >>> from labeljury import Annotations
    >>> ann = Annotations.from_arrays([0, 0, 0, 1, 2, 2], list("abcaab"), [0, 0, 0, 1, 1, 0])
    >>> probs = np.array([[0.9, 0.1], [0.4, 0.6], [0.5, 0.5]])
    >>> relabel_priority(ann, probs)["item"].tolist()
    [2, 1, 0]
    >>> relabel_priority(ann)["item"].tolist()  # no model: the split vote, then one label
    [2, 1, 0]
    """
    ann: Annotations = read_annotations(annotations)
    if pred_probs is None and pred_probs_unlabeled is not None:
        raise InputError(
            "pred_probs_unlabeled needs pred_probs for the labeled items too: the "
            "model's weight is measured on them"
        )
    if pred_probs is None:
        probs = None
        w_model, w_annot, y = _annotators_only(ann)
    else:
        from .methods.crowdlab import CrowdLab, check_pred_probs_stack

        if isinstance(pred_probs, np.ndarray) and pred_probs.ndim == 3:  # an ensemble
            stack = check_pred_probs_stack(pred_probs, ann.n_items, ann.n_classes)
        else:
            stack = align_pred_probs(pred_probs, ann)[None]
        cl = CrowdLab().fit(ann, stack if len(stack) > 1 else stack[0])
        weights = np.asarray(cl.model_weight_, dtype=float).reshape(-1)
        w_model = float(np.sum(weights))
        # sum_m w_m p_m / w_M: the weighted ensemble's probabilities (the model itself for one)
        probs = np.tensordot(weights / w_model, stack, axes=1) if w_model > 0 else stack.mean(0)
        w_annot = np.asarray(cl.annotator_weight_, dtype=float)
        y = cl.labels_
    if consensus is not None:
        y = check_labels(consensus, ann.n_items, ann.n_classes)
    agree = (ann.label == y[ann.item]).astype(float)
    num = np.bincount(ann.item, weights=w_annot[ann.annotator] * agree, minlength=ann.n_items)
    den = np.bincount(ann.item, weights=w_annot[ann.annotator], minlength=ann.n_items)
    if probs is None:
        w_bar = float(w_annot.mean())
        score = (w_bar / ann.n_classes + num) / (w_bar + den)
    else:
        score = (w_model * probs[np.arange(ann.n_items), y] + num) / (w_model + den)
    labeled = pd.DataFrame(
        {
            "item": ann.items.to_numpy(dtype=object),
            "priority_score": score,
            "labeled": True,
            "num_annotations": ann.annotations_per_item(),
            "consensus_label": ann.classes.take(y).to_numpy(dtype=object),
        }
    )
    parts = [labeled]
    if pred_probs_unlabeled is not None:
        if isinstance(pred_probs_unlabeled, pd.DataFrame):
            ids = pred_probs_unlabeled.index
            cols = [c for c in ann.classes if c in pred_probs_unlabeled.columns] or None
            values = (pred_probs_unlabeled[cols] if cols else pred_probs_unlabeled).to_numpy()
        else:
            values = np.asarray(pred_probs_unlabeled)
            if values.ndim == 3:
                if len(values) != len(weights) or len(weights) == 1:
                    raise PredProbsError(
                        f"pred_probs_unlabeled holds {len(values)} models' probabilities; it "
                        "needs one per model of pred_probs (a 3-D array of the same models)"
                    )
                values = np.stack(
                    [
                        check_pred_probs(
                            v, v.shape[0], ann.n_classes, source="pred_probs_unlabeled"
                        )
                        for v in values
                    ]
                )
                values = (
                    np.tensordot(weights / w_model, values, axes=1)
                    if w_model > 0
                    else values.mean(0)
                )
            ids = pd.RangeIndex(len(values)) if unlabeled_ids is None else pd.Index(unlabeled_ids)
        if not isinstance(ids, pd.RangeIndex):  # the default 0..n-1: told apart by `labeled`
            _check_unlabeled_ids(ids, len(values), ann)
        pu = check_pred_probs(values, len(ids), ann.n_classes, source="pred_probs_unlabeled")
        w_bar = float(w_annot.mean())
        s_u = (w_model * pu.max(axis=1) + w_bar / ann.n_classes) / (w_model + w_bar)
        parts.append(
            pd.DataFrame(
                {
                    "item": np.asarray(ids, dtype=object),
                    "priority_score": s_u,
                    "labeled": False,
                    "num_annotations": 0,
                    "consensus_label": None,
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    order = np.lexsort(
        (np.arange(len(out)), out["num_annotations"].to_numpy(), out["priority_score"].to_numpy())
    )
    return out.iloc[order].reset_index(drop=True)


def _check_unlabeled_ids(ids: pd.Index, n_rows: int, ann: Annotations) -> None:
    """One id per unlabeled row, none repeated, none shared with a labeled item.

    Ids the caller names for unlabeled items must not be labeled items' ids: an
    item listed as both is a mix-up, and the output could not be joined back.
    """
    if len(ids) != n_rows:
        raise InputError(
            f"unlabeled_ids has {len(ids)} ids for {n_rows} rows of pred_probs_unlabeled; "
            "give one id per row"
        )
    if not ids.is_unique:
        raise InputError(
            f"unlabeled_ids repeat: {preview(ids[ids.duplicated()].unique().tolist())}"
        )
    shared = pd.Index(ids.map(str)).intersection(pd.Index(ann.items.map(str)))
    if len(shared):
        raise InputError(
            f"unlabeled ids {preview(shared.tolist())} are also ids of labeled items, so "
            "the output could not tell them apart; pass unlabeled_ids=[...] naming the "
            "unlabeled items (or a DataFrame indexed by them)"
        )


def check_labels(labels: Any, n_items: int, n_classes: int) -> np.ndarray:
    """Consensus codes as an int array of length ``n_items`` within ``[0, n_classes)``."""
    arr = np.asarray(labels)
    if (
        arr.shape != (n_items,)
        or arr.dtype.kind not in "iu"
        or (arr.size and (arr.min() < 0 or arr.max() >= n_classes))
    ):
        raise InputError(
            f"consensus: needs {n_items} class codes in [0, {n_classes}), one per "
            f"item in annotations.items order; got shape {arr.shape}, dtype "
            f"{arr.dtype}"
        )
    return arr.astype(np.int64)


def _annotators_only(ann: Annotations) -> tuple[float, np.ndarray, np.ndarray]:
    """No model: zero model weight, CROWDLAB's annotator weights, the weighted vote."""
    from .methods.base import argmax_ties
    from .methods.crowdlab import ensemble_weights

    votes = ann.vote_counts()
    reference = argmax_ties(votes, votes.sum(axis=0))
    # the annotator weights do not depend on the model; a uniform one stands in for it
    uniform = np.full((1, ann.n_items, ann.n_classes), 1.0 / ann.n_classes)
    _, w_annot, _ = ensemble_weights(ann, uniform, reference)
    w_annot = np.asarray(w_annot, dtype=float)
    key = ann.item.astype(np.int64) * ann.n_classes + ann.label
    weighted = np.bincount(
        key, weights=w_annot[ann.annotator], minlength=ann.n_items * ann.n_classes
    ).reshape(ann.n_items, -1)
    return 0.0, w_annot, argmax_ties(weighted, votes, votes.sum(axis=0))
