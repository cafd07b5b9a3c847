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
scores come first. An item with many agreeing reliable annotators scores
near one and drops down the queue; an item with one label that the model
doubts rises to the top.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .annotations import Annotations, read_annotations
from .pred_probs import align_pred_probs
from .validation import check_pred_probs

__all__ = ["relabel_priority"]


def relabel_priority(annotations: Any, pred_probs: Any, pred_probs_unlabeled: Any = None, *,
                     unlabeled_ids: Any = None) -> pd.DataFrame:
    """Rank items by how much one more label would help (lowest score first).

    Parameters
    ----------
    annotations : Annotations or anything :func:`labeljury.read_annotations` reads
    pred_probs : array, DataFrame or path
        Out-of-sample class probabilities of the labeled items (see
        :func:`labeljury.aggregate` for the layouts).
    pred_probs_unlabeled : array or DataFrame, optional
        Class probabilities of items nobody labeled yet, one row per item; a
        DataFrame's index gives their ids.
    unlabeled_ids : sequence, optional
        Ids of the unlabeled rows when ``pred_probs_unlabeled`` is an array
        (default ``0..n-1``).

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
    """
    from .methods.crowdlab import CrowdLab

    ann: Annotations = read_annotations(annotations)
    probs = align_pred_probs(pred_probs, ann)
    cl = CrowdLab().fit(ann, probs)
    w_model = float(np.sum(cl.model_weight_))
    w_annot = np.asarray(cl.annotator_weight_, dtype=float)
    y = cl.labels_
    agree = (ann.label == y[ann.item]).astype(float)
    num = np.bincount(ann.item, weights=w_annot[ann.annotator] * agree, minlength=ann.n_items)
    den = np.bincount(ann.item, weights=w_annot[ann.annotator], minlength=ann.n_items)
    score = (w_model * probs[np.arange(ann.n_items), y] + num) / (w_model + den)
    labeled = pd.DataFrame({
        "item": ann.items.to_numpy(dtype=object),
        "priority_score": score,
        "labeled": True,
        "num_annotations": ann.annotations_per_item(),
        "consensus_label": ann.classes.take(y).to_numpy(dtype=object),
    })
    parts = [labeled]
    if pred_probs_unlabeled is not None:
        if isinstance(pred_probs_unlabeled, pd.DataFrame):
            ids = pred_probs_unlabeled.index
            cols = [c for c in ann.classes if c in pred_probs_unlabeled.columns] or None
            values = (pred_probs_unlabeled[cols] if cols else pred_probs_unlabeled).to_numpy()
        else:
            values = np.asarray(pred_probs_unlabeled)
            ids = pd.RangeIndex(len(values)) if unlabeled_ids is None else pd.Index(unlabeled_ids)
        pu = check_pred_probs(values, len(ids), ann.n_classes, source="pred_probs_unlabeled")
        w_bar = float(w_annot.mean())
        s_u = (w_model * pu.max(axis=1) + w_bar / ann.n_classes) / (w_model + w_bar)
        parts.append(pd.DataFrame({
            "item": np.asarray(ids, dtype=object),
            "priority_score": s_u,
            "labeled": False,
            "num_annotations": 0,
            "consensus_label": None,
        }))
    out = pd.concat(parts, ignore_index=True)
    order = np.lexsort((np.arange(len(out)), out["num_annotations"].to_numpy(),
                        out["priority_score"].to_numpy()))
    return out.iloc[order].reset_index(drop=True)
