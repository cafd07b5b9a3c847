r"""CROWDLAB: a classifier's predictions and every annotator's label in one weighted ensemble.

Goh, Tkachenko and Mueller, "CROWDLAB: Supervised learning to infer consensus
labels and quality scores for data with multiple annotators", NeurIPS 2022
Human in the Loop Learning workshop. https://arxiv.org/abs/2210.06812

Model (paper, section 2). Start from a reference consensus :math:`\bar y_i`
(majority vote). Measure, against a baseline that always guesses the most
frequent consensus class (error :math:`\epsilon_0 = 1 - \max_k \text{freq}(k)`):

* annotator ``j``'s agreement :math:`s_j` with the *other* annotators of the
  items they labeled (pooled over those items), giving the weight
  :math:`w_j = 1 - (1 - s_j) / \epsilon_0`;
* model ``m``'s accuracy :math:`a_m` against :math:`\bar y`, giving
  :math:`w_m = (1 - (1 - a_m) / \epsilon_0)\sqrt{\bar n}` with
  :math:`\bar n` the mean number of annotations per item.

Weights are clipped below at ``1e-6``: a source no better than the baseline
gets (almost) no say. Each label :math:`y_{ij}` becomes a probability vector
with :math:`P` on the chosen class and :math:`(1 - P) / (K - 1)` elsewhere,
where :math:`P` is the mean fraction of annotators agreeing with
:math:`\bar y_i` over items with two or more labels. The posterior is the
weighted average

.. math::

    p(k \mid i) = \frac{\sum_m w_m \hat p_m(k \mid x_i)
                  + \sum_{j \in J_i} w_j \, [P \text{ if } y_{ij} = k
                  \text{ else } (1-P)/(K-1)]}{\sum_m w_m + \sum_{j \in J_i} w_j}.

The consensus label is its argmax; the consensus quality score is the
posterior of the consensus label; the quality of one annotation is the
posterior of the label given; an annotator's quality mixes the mean quality of
their labels with their agreement with the consensus (on items with more
than one label), in proportion to the model's share of the total weight.

Everything is a handful of ``np.bincount`` calls on the flat annotation
arrays: O(n_annotations + n_items x K) time and memory, no item x annotator
matrix, no Python loop over items or annotations.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from ..annotations import Annotations, read_annotations
from ..errors import InputError, PredProbsError
from ..validation import check_pred_probs
from ._crowdlab_ensemble import (  # re-exported: callers import these from here
    CLIP,
    _ItemStats,
    agreement_with_consensus,
    ensemble_posterior,
    ensemble_weights,
    model_share,
    quality_scores,
    weight_sums,
    weights_from_sums,
)
from .base import Aggregator, argmax_ties

__all__ = [
    "CLIP",
    "CrowdLab",
    "agreement_with_consensus",
    "check_pred_probs_stack",
    "ensemble_posterior",
    "ensemble_weights",
    "model_share",
    "quality_scores",
    "weight_sums",
    "weights_from_sums",
]


def check_pred_probs_stack(pred_probs: Any, n_items: int, n_classes: int) -> np.ndarray:
    """Validate one model's or several models' pred_probs; return ``(n_models, n_items, K)``.

    Accepts a 2-D array (one model), a 3-D array ``(n_models, n_items, K)`` or
    a list of 2-D arrays. Each model is checked by
    :func:`labeljury.validation.check_pred_probs` (which copies).

    Examples
    --------
    >>> check_pred_probs_stack([[0.3, 0.7]], 1, 2).shape
    (1, 1, 2)
    >>> check_pred_probs_stack([[[0.3, 0.7]], [[0.9, 0.1]]], 1, 2).shape
    (2, 1, 2)
    """
    if pred_probs is None:
        raise PredProbsError(
            "CrowdLab needs pred_probs: a model's out-of-sample class "
            "probabilities (see labeljury.model.out_of_fold_pred_probs)"
        )
    if isinstance(pred_probs, (list, tuple)) and len(pred_probs) and np.ndim(pred_probs[0]) == 2:
        models = list(pred_probs)
    else:
        arr = np.asarray(pred_probs)
        if arr.ndim == 3:
            models = list(arr)
        else:
            models = [arr]
    if not models:
        raise PredProbsError("pred_probs: an empty list of models")
    return np.stack(
        [
            check_pred_probs(
                p,
                n_items,
                n_classes,
                source=f"pred_probs[{m}]" if len(models) > 1 else "pred_probs",
            )
            for m, p in enumerate(models)
        ]
    )


class CrowdLab(Aggregator):
    r"""CROWDLAB consensus, consensus quality, label quality and annotator quality.

    Parameters
    ----------
    quality_method : {"crowdlab", "agreement"}, default "crowdlab"
        How quality scores are computed (the consensus label is CROWDLAB's in
        both cases). ``"crowdlab"``: consensus quality = posterior of the
        consensus label; label quality = posterior of the label given;
        annotator quality = the paper's mix of label quality and agreement.
        ``"agreement"`` (the paper's baseline): consensus quality = fraction of
        the item's annotators who chose the consensus; label quality = 1 if the
        label equals the consensus else 0; annotator quality = agreement with
        the consensus.
    per_annotator_weights : bool, default True
        ``False`` gives every annotator the same weight, computed from the
        pooled agreement of all annotators (the paper's appendix E ablation).

    Attributes
    ----------
    labels_ : ndarray of int, shape (n_items,)
        Consensus class codes; always the argmax of ``probas_`` (ties broken by
        the mean ``pred_probs``, then class frequency, then lowest index).
    probas_ : ndarray, shape (n_items, n_classes)
        The weighted-ensemble posterior.
    consensus_quality_ : ndarray, shape (n_items,)
        Quality score of each consensus label (higher = more likely correct).
    label_quality_scores_ : ndarray, shape (n_annotations,)
        Quality of each annotation, in the order of the annotations.
    annotator_skill_ : ndarray, shape (n_annotators,)
        Annotator quality score in [0, 1]. Annotators who never share an item
        with another annotator have no measured agreement; for them the score
        is the mean quality of their labels alone.
    annotator_agreement_ : ndarray, shape (n_annotators,)
        Fraction of the annotator's labels equal to the consensus, on items
        with more than one annotation (NaN when they have none).
    annotator_weight_ : ndarray, shape (n_annotators,)
        :math:`w_j`. Annotators with no shared item get the mean weight of the
        others.
    model_weight_ : ndarray, shape (n_models,)
        :math:`w_m`, one per model.
    label_likelihood_ : float
        :math:`P`, the probability mass an annotation puts on its own class.
    model_share_ : float
        The model's share of the total weight, used to mix label quality and
        agreement into ``annotator_skill_``.

    Examples
    --------
    >>> import numpy as np
    >>> from labeljury import Annotations
    >>> from labeljury.methods import get_method
    >>> ann = Annotations.from_arrays([0, 0, 0, 1, 1, 2, 2, 2], list("abcabbca"),
    ...                               [0, 0, 1, 1, 1, 1, 1, 0])
    >>> pp = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    >>> m = get_method("crowdlab").fit(ann, pp)
    >>> m.labels_.tolist()
    [0, 1, 1]
    >>> bool(np.all(m.labels_ == m.probas_.argmax(axis=1)))
    True
    """

    uses_pred_probs = True
    summary = "CROWDLAB: model pred_probs and annotators in a weighted ensemble (Goh+ 2022)"

    def describe(self) -> dict[str, Any]:
        """``model_weight``: the summed weight :math:`w_m` of the models (see ``model_weight_``)."""
        return (
            {"model_weight": float(np.sum(self.model_weight_))}
            if hasattr(self, "model_weight_")
            else {}
        )

    def __init__(
        self,
        quality_method: Literal["crowdlab", "agreement"] = "crowdlab",
        per_annotator_weights: bool = True,
    ) -> None:
        self.quality_method = quality_method
        self.per_annotator_weights = per_annotator_weights

    def fit(self, annotations: Any, pred_probs: Any = None) -> CrowdLab:
        """Fit on annotations and one model's (or an ensemble's) pred_probs.

        Parameters
        ----------
        annotations : Annotations, DataFrame, ndarray or path
        pred_probs : array-like, shape (n_items, K) or (n_models, n_items, K)
            Out-of-sample predicted probabilities, rows in the order of
            ``annotations.items``. A 3-D array or a list of 2-D arrays is an
            ensemble: each model gets its own weight.

        Returns
        -------
        self
        """
        if self.quality_method not in ("crowdlab", "agreement"):
            raise InputError(
                f"quality_method must be 'crowdlab' or 'agreement', got {self.quality_method!r}"
            )
        ann = read_annotations(annotations)
        stack = check_pred_probs_stack(pred_probs, ann.n_items, ann.n_classes)
        self.classes_ = ann.classes
        self.n_iter_ = 1
        self._fit(ann, stack)
        return self

    def _fit(self, ann: Annotations, pred_probs: np.ndarray | None) -> None:
        stack = (
            pred_probs
            if pred_probs is not None and np.ndim(pred_probs) == 3
            else check_pred_probs_stack(pred_probs, ann.n_items, ann.n_classes)
        )
        stats = _ItemStats.of(ann)
        mean_pp = stack.mean(axis=0)
        # reference consensus: majority vote; ties by the model, class frequency, index
        reference = argmax_ties(stats.votes, mean_pp, stats.class_totals)
        model_w, annot_w, likelihood = ensemble_weights(
            ann, stack, reference, stats, per_annotator=self.per_annotator_weights
        )
        post = ensemble_posterior(ann, stack, model_w, annot_w, likelihood)
        # The consensus is the argmax of this posterior, and every score below is
        # read from the same posterior: nothing is recomputed against a second
        # reference (see docs/crowdlab.md, "differences from cleanlab").
        labels = argmax_ties(post, mean_pp, stats.class_totals)

        self.probas_ = post
        self.labels_ = labels
        self.model_weight_ = model_w
        self.annotator_weight_ = annot_w
        self.label_likelihood_ = likelihood
        self.annotator_agreement_ = agreement_with_consensus(ann, labels, stats)
        self.model_share_ = model_share(model_w, annot_w, float(stats.n_per_item.mean()))
        self.consensus_quality_, self.label_quality_scores_, self.annotator_skill_ = quality_scores(
            ann,
            post,
            labels,
            self.annotator_agreement_,
            self.model_share_,
            stats,
            method=self.quality_method,
        )
