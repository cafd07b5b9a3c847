"""The steps of the CROWDLAB ensemble, as pure functions of the flat annotation arrays.

The model is written out in :mod:`labeljury.methods.crowdlab`, whose :class:`CrowdLab`
calls these steps in order and re-exports them: the weights (from sums over items, so
that the Dask engine can reduce them over partitions), the weighted posterior, and the
quality scores read from it. Relabel priorities (:mod:`labeljury.active`) and the Dask
engine call the same functions, so the three share one implementation of the math.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..annotations import Annotations

__all__ = [
    "CLIP",
    "agreement_with_consensus",
    "ensemble_posterior",
    "ensemble_weights",
    "model_share",
    "quality_scores",
    "weight_sums",
    "weights_from_sums",
]

#: lower bound on every weight and on the baseline error (the paper's clipping)
CLIP = 1e-6


class _ItemStats:
    """Per-item counts shared by every step (computed once per fit)."""

    __slots__ = ("class_totals", "multi", "n_per_item", "shared", "votes")

    def __init__(self, votes: np.ndarray, ann: Annotations) -> None:
        self.votes = votes
        self.n_per_item = votes.sum(axis=1)
        self.class_totals = votes.sum(axis=0)
        self.multi = self.n_per_item > 1  # items with two or more labels
        self.shared = self.multi[ann.item]  # annotations on such items

    @classmethod
    def of(cls, ann: Annotations) -> _ItemStats:
        return cls(ann.vote_counts(), ann)


def ensemble_weights(
    ann: Annotations,
    stack: np.ndarray,
    reference: np.ndarray,
    stats: _ItemStats | None = None,
    *,
    per_annotator: bool = True,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Model weights, annotator weights and the label likelihood ``P``.

    Parameters
    ----------
    ann : Annotations
    stack : ndarray, shape (n_models, n_items, K)
    reference : ndarray of int, shape (n_items,)
        The consensus the weights are measured against (majority vote).
    per_annotator : bool
        ``False``: one weight for all annotators, from their pooled agreement.

    Returns
    -------
    model_weight : ndarray, shape (n_models,)
    annotator_weight : ndarray, shape (n_annotators,)
    likelihood : float
    """
    stats = stats or _ItemStats.of(ann)
    return weights_from_sums(weight_sums(ann, stack, reference, stats), per_annotator)


def weight_sums(
    ann: Annotations, stack: np.ndarray, reference: np.ndarray, stats: _ItemStats
) -> dict[str, Any]:
    """The sums over items the weights are made of; sums over any split of the items add up
    (the Dask engine reduces them over partitions). ``all_*`` are the same sums over every
    item, used when no item has two labels."""
    k = ann.n_classes
    votes, n_per_item, multi, shared = stats.votes, stats.n_per_item, stats.multi, stats.shared
    # annotator j's agreement with the others: pooled over the items j labeled,
    # sum of (others who chose j's label) / sum of (others)
    agree_others = np.where(shared, votes[ann.item, ann.label] - 1.0, 0.0)
    others = np.where(shared, n_per_item[ann.item] - 1.0, 0.0)
    hits = stack.argmax(axis=2) == reference  # (n_models, n_items)
    frac = votes[np.arange(ann.n_items), reference] / n_per_item
    return {
        "num": np.bincount(ann.annotator, weights=agree_others, minlength=ann.n_annotators),
        "den": np.bincount(ann.annotator, weights=others, minlength=ann.n_annotators),
        "ref_counts": np.bincount(reference[multi], minlength=k),
        "all_ref_counts": np.bincount(reference, minlength=k),
        "model_hits": hits[:, multi].sum(axis=1),
        "all_model_hits": hits.sum(axis=1),
        "n_multi": int(multi.sum()),
        "n_items": ann.n_items,
        "n_annotations": ann.n_annotations,
        "frac_sum": float(frac[multi].sum()),
    }


def weights_from_sums(
    sums: dict[str, Any], per_annotator: bool = True
) -> tuple[np.ndarray, np.ndarray, float]:
    """:func:`ensemble_weights` from :func:`weight_sums` (summed over all items)."""
    # Agreement is only measurable on items with two or more labels, so the
    # baseline (always guess the most frequent consensus class) and the models'
    # accuracies are measured on those items too.
    scoped = sums["n_multi"] > 0
    ref_counts = sums["ref_counts"] if scoped else sums["all_ref_counts"]
    n_scope = sums["n_multi"] if scoped else sums["n_items"]
    model_hits = sums["model_hits"] if scoped else sums["all_model_hits"]
    baseline_err = max(1.0 - ref_counts.max() / n_scope, CLIP)

    num, den = sums["num"], sums["den"]
    if not per_annotator:
        num = np.full(len(num), num.sum())
        den = np.full(len(den), den.sum())
    measured = den > 0
    agreement = num / np.where(measured, den, 1.0)
    annotator_weight = np.maximum(1.0 - (1.0 - agreement) / baseline_err, CLIP)
    if not measured.any():
        annotator_weight[:] = 1.0  # nobody shares an item: all annotators alike
    elif not measured.all():
        # no overlap, no evidence: the average annotator's weight
        annotator_weight[~measured] = annotator_weight[measured].mean()

    model_acc = model_hits / n_scope
    # sqrt(mean labels per item): the model counts for more when items have
    # many labels, since its weight competes with their sum
    model_weight = np.maximum(1.0 - (1.0 - model_acc) / baseline_err, CLIP) * np.sqrt(
        sums["n_annotations"] / sums["n_items"]
    )
    likelihood = sums["frac_sum"] / sums["n_multi"] if scoped else 1.0
    return model_weight, annotator_weight, float(likelihood)


def ensemble_posterior(
    ann: Annotations,
    stack: np.ndarray,
    model_weight: np.ndarray,
    annotator_weight: np.ndarray,
    likelihood: float,
) -> np.ndarray:
    """The weighted average of the models' pred_probs and the annotators' label vectors.

    Each label is the vector with ``likelihood`` on the chosen class and
    ``(1 - likelihood) / (K - 1)`` elsewhere, so the annotators' part of row
    ``i`` is ``P * V_i + off * (W_i - V_i)`` with ``V_i`` the weighted votes and
    ``W_i`` the item's total annotator weight: one ``bincount`` each.
    """
    n_items, k = ann.n_items, ann.n_classes
    w_ann = annotator_weight[ann.annotator]
    wvotes = np.bincount(
        ann.item.astype(np.int64) * k + ann.label, weights=w_ann, minlength=n_items * k
    ).reshape(n_items, k)
    w_total = np.bincount(ann.item, weights=w_ann, minlength=n_items)
    off = (1.0 - likelihood) / (k - 1)
    post = np.tensordot(model_weight, stack, axes=1)
    post += likelihood * wvotes + off * (w_total[:, None] - wvotes)
    post /= post.sum(axis=1, keepdims=True)  # = dividing by the total weight, exactly
    return post


def agreement_with_consensus(
    ann: Annotations, labels: np.ndarray, stats: _ItemStats | None = None
) -> np.ndarray:
    """Per annotator: fraction of their labels equal to ``labels``, on items with 2+ labels.

    NaN for annotators who never labeled such an item.
    """
    stats = stats or _ItemStats.of(ann)
    m = ann.n_annotators
    hit = (ann.label == labels[ann.item]) & stats.shared
    agree = np.bincount(ann.annotator, weights=hit, minlength=m)
    n = np.bincount(ann.annotator, weights=stats.shared, minlength=m)
    out = np.full(m, np.nan)
    np.divide(agree, n, out=out, where=n > 0)
    return out


def model_share(
    model_weight: np.ndarray, annotator_weight: np.ndarray, mean_labels_per_item: float
) -> float:
    """The models' share of an average item's total weight.

    An average item has ``mean(n_per_item)`` labels, from annotators of average
    weight: its annotator weight is ``sum(w_j) * mean(n_per_item) / n_annotators``.
    """
    w_m = float(model_weight.sum())
    w_a = float(annotator_weight.sum()) * mean_labels_per_item / len(annotator_weight)
    return w_m / (w_m + w_a)


def quality_scores(
    ann: Annotations,
    post: np.ndarray,
    labels: np.ndarray,
    agreement: np.ndarray,
    share: float,
    stats: _ItemStats | None = None,
    *,
    method: str = "crowdlab",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Consensus quality (n_items,), label quality (n_annotations,), annotator quality.

    ``method="crowdlab"``: posterior of the consensus label; posterior of each
    given label; ``share * mean label quality + (1 - share) * agreement``
    (mean label quality alone where the agreement is NaN).
    ``method="agreement"``: fraction of the item's labels equal to the
    consensus; 1/0 whether the label equals the consensus; agreement with the
    consensus (over all the annotator's labels where the agreement is NaN).
    """
    stats = stats or _ItemStats.of(ann)
    rows = np.arange(ann.n_items)
    m = ann.n_annotators
    per_annotator = ann.annotations_per_annotator()
    if method == "agreement":
        consensus_q = stats.votes[rows, labels] / stats.n_per_item
        label_q = (ann.label == labels[ann.item]).astype(float)
        mean_lq = np.bincount(ann.annotator, weights=label_q, minlength=m) / per_annotator
        return consensus_q, label_q, np.where(np.isnan(agreement), mean_lq, agreement)
    consensus_q = post[rows, labels]
    label_q = post[ann.item, ann.label]
    mean_lq = np.bincount(ann.annotator, weights=label_q, minlength=m) / per_annotator
    skill = np.where(np.isnan(agreement), mean_lq, share * mean_lq + (1.0 - share) * agreement)
    return consensus_q, label_q, skill
