"""Simulated multi-label crowds with known true sets, for tests and benchmarks.

Examples
--------
>>> crowd = make_multilabel_crowd(n_items=50, n_classes=5, random_state=0)
>>> crowd.truth.shape, crowd.annotations.n_classes
((50, 5), 5)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from .data import MultiLabelAnnotations

__all__ = ["MultiLabelCrowd", "make_multilabel_crowd"]


@dataclass
class MultiLabelCrowd:
    """A simulated crowd: its annotations, the true sets and the annotators' real rates."""

    annotations: MultiLabelAnnotations
    truth: np.ndarray  # (n_items, K) bool
    sensitivity: np.ndarray  # (n_annotators, K)
    specificity: np.ndarray  # (n_annotators, K)
    spammer: np.ndarray  # (n_annotators,) bool
    features: np.ndarray  # (n_items, n_features): noisy views of the truth


def make_multilabel_crowd(
    n_items: int = 1000,
    n_classes: int = 10,
    n_annotators: int = 50,
    per_item: float = 3.0,
    *,
    spammer_share: float = 0.1,
    correlation: float = 0.5,
    skill_spread: float = 1.0,
    activity_skew: float = 1.0,
    random_state: int | None = None,
) -> MultiLabelCrowd:
    """Draw a multi-label crowd.

    Parameters
    ----------
    n_items, n_classes, n_annotators : int
    per_item : float, default 3
        Mean number of annotators per item (at least 1 each).
    spammer_share : float, default 0.1
        Share of annotators who choose each class at a rate of their own,
        whatever the truth.
    correlation : float, default 0.5
        Weight of two shared latent factors in the true sets (0: independent
        classes; near 1: classes come in groups).
    skill_spread : float, default 1.0
        Spread, on the logit scale, of the annotators' overall reliability and
        of their per-class deviations.
    activity_skew : float, default 1.0
        Exponent of a Zipf-like activity: a few annotators judge many items, many
        judge few (0: all alike).
    random_state : int, optional
    """
    rng = np.random.default_rng(random_state)
    k = n_classes
    # true sets: per-class prevalence 3-35%, classes tied through two latent factors
    prevalence = rng.uniform(0.03, 0.35, k)
    load = rng.normal(0, 1, (k, 2))
    f = rng.normal(0, 1, (n_items, 2))
    latent = np.sqrt(correlation) * (f @ load.T) / np.sqrt((load**2).sum(1) + 1e-9)
    latent += np.sqrt(1 - correlation) * rng.normal(0, 1, (n_items, k))
    rank = np.minimum((n_items * (1 - prevalence)).astype(int), n_items - 1)
    thresholds = np.sort(latent, axis=0)[rank, np.arange(k)]
    truth = latent > thresholds
    # skills: crowd per-class pattern + annotator reliability + per-class deviation
    class_sens = rng.normal(1.2, 0.7, k)
    class_spec = rng.normal(2.8, 0.5, k)
    rel = rng.normal(0, skill_spread, n_annotators)
    sens = expit(
        class_sens[None] + rel[:, None] + rng.normal(0, 0.5 * skill_spread, (n_annotators, k))
    )
    spec = expit(
        class_spec[None] + 0.7 * rel[:, None] + rng.normal(0, 0.4 * skill_spread, (n_annotators, k))
    )
    spammer = rng.random(n_annotators) < spammer_share
    rate = rng.uniform(0.05, 0.5, (n_annotators, k))
    sens[spammer], spec[spammer] = rate[spammer], 1 - rate[spammer]
    # who judges what: each item gets >= 1 annotators, drawn by Zipf-like activity
    weight = 1.0 / np.arange(1, n_annotators + 1) ** activity_skew
    weight = rng.permutation(weight / weight.sum())
    counts = np.clip(rng.poisson(per_item - 1, n_items) + 1, 1, n_annotators)
    item = np.repeat(np.arange(n_items), counts)
    # distinct annotators per item: Gumbel top-k on log weights, vectorised by padding
    top = int(counts.max())
    step = max(1, 2_000_000 // n_annotators)  # chunks of items keep the key matrix small
    parts = []
    for lo in range(0, n_items, step):
        c = counts[lo : lo + step]
        keys = np.log(weight)[None, :] + rng.gumbel(size=(len(c), n_annotators))
        order = (
            np.argpartition(-keys, top - 1, axis=1)[:, :top]
            if top < n_annotators
            else np.argsort(-keys, axis=1)
        )
        order = np.take_along_axis(
            order, np.argsort(-np.take_along_axis(keys, order, axis=1), axis=1), axis=1
        )
        parts.append(order[np.arange(top)[None, :] < c[:, None]])
    annotator = np.concatenate(parts)
    z = truth[item]
    u = rng.random(z.shape)
    chosen = np.where(z, u < sens[annotator], u > spec[annotator])
    ann = MultiLabelAnnotations.from_dense(
        item,
        annotator,
        chosen,
        items=[f"i{i:06d}" for i in range(n_items)],
        annotators=[f"w{a:04d}" for a in range(n_annotators)],
        classes=[f"c{c:02d}" for c in range(k)],
    )
    features = truth + rng.normal(0, 1.2, truth.shape)
    return MultiLabelCrowd(ann, truth, sens, spec, spammer, features)
