r"""Draw annotations from the generative models of the aggregation methods.

Each generator returns ``(annotations, truth, params)``: an
:class:`~labeljury.Annotations`, the true class code of every item (int array,
shape ``(n_items,)``) and a dict of the true parameters (confusion matrices,
accuracies, abilities, spam rates...), named like the fitted attributes of the
matching method so that parameter-recovery tests can compare them directly.

All randomness comes from ``np.random.default_rng(random_state)``; the global
generator is never touched. Everything is vectorised: :func:`make_large` draws
ten million annotations in a few seconds.

Shared layout: each item gets between ``labels_per_item[0]`` and
``labels_per_item[1]`` annotations (inclusive) from distinct annotators drawn
at random (see :func:`assign_annotators`); annotators who drew no item are
dropped (codes kept in order) and ``params`` holds only the ones kept.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..annotations import Annotations

__all__ = [
    "assign_annotators",
    "make_dawid_skene",
    "make_glad",
    "make_large",
    "make_mace",
    "make_one_coin",
]

LabelsPerItem = int | tuple[int, int]


def _per_item(
    rng: np.random.Generator, n_items: int, labels_per_item: LabelsPerItem, n_annotators: int
) -> np.ndarray:
    lo, hi = (labels_per_item, labels_per_item) if np.isscalar(labels_per_item) else labels_per_item
    if not 1 <= lo <= hi <= n_annotators:
        raise ValueError(
            f"labels_per_item {labels_per_item!r} must lie in [1, n_annotators={n_annotators}]"
        )
    return rng.integers(lo, hi + 1, n_items)


def assign_annotators(
    rng: np.random.Generator, counts: np.ndarray, n_annotators: int
) -> tuple[np.ndarray, np.ndarray]:
    """Item and annotator code of every annotation; annotators distinct within an item.

    Item ``i`` gets the ``counts[i]`` annotators ``r, r + d, r + 2d, ...`` (modulo
    ``n_annotators``) for a random start ``r`` and a random stride ``d`` in
    ``[1, n_annotators // max(counts)]``; they are distinct because
    ``max(counts) * d <= n_annotators``. Vectorised, no rejection loop.
    """
    n_items = len(counts)
    item = np.repeat(np.arange(n_items, dtype=np.int64), counts)
    offsets = np.arange(len(item)) - np.repeat(np.cumsum(counts) - counts, counts)
    max_step = max(1, n_annotators // int(counts.max()))
    start = rng.integers(0, n_annotators, n_items)
    stride = rng.integers(1, max_step + 1, n_items)
    annotator = (start[item] + offsets * stride[item]) % n_annotators
    return item, annotator


def _build(
    item: np.ndarray,
    annotator: np.ndarray,
    label: np.ndarray,
    n_items: int,
    n_annotators: int,
    n_classes: int,
) -> Annotations:
    # annotators that drew no item are removed, keeping code order
    used = np.bincount(annotator, minlength=n_annotators) > 0
    if not used.all():
        remap = np.cumsum(used) - 1
        annotator = remap[annotator]
        n_annotators = int(used.sum())
    return Annotations(
        item, annotator, label, np.arange(n_items), np.arange(n_annotators), np.arange(n_classes)
    )


def _used(annotator: np.ndarray, n_annotators: int) -> np.ndarray:
    return np.bincount(annotator, minlength=n_annotators) > 0


def _draw_categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of ``probs`` (rows sum to one) by inverse CDF."""
    cdf = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None] * cdf[:, -1:]
    return np.minimum((u > cdf).sum(axis=1), probs.shape[1] - 1)


def make_dawid_skene(
    n_items: int = 1000,
    n_annotators: int = 20,
    n_classes: int = 3,
    labels_per_item: LabelsPerItem = 5,
    accuracy: tuple[float, float] = (0.6, 0.95),
    concentration: float = 1.0,
    class_prior: Any = None,
    random_state: int | None = None,
) -> tuple[Annotations, np.ndarray, dict[str, np.ndarray]]:
    """Annotations from the Dawid-Skene model: one confusion matrix per annotator.

    Row ``c`` of annotator ``a``'s confusion matrix puts mass ``acc`` (drawn
    uniformly in ``accuracy`` per annotator and class) on ``c`` and spreads the
    rest over the other classes by a ``Dirichlet(concentration)`` draw, so errors
    are class-dependent, unlike the one-coin model.

    Returns
    -------
    annotations : Annotations
    truth : ndarray of int, shape (n_items,)
    params : dict
        ``confusion_matrices`` (n_annotators, K, K) with ``[a, c, l] = P(l | c)``
        and ``priors`` (K,).

    Examples
    --------
    >>> ann, truth, params = make_dawid_skene(200, 10, 3, random_state=0)
    >>> ann.n_items, params["confusion_matrices"].shape
    (200, (10, 3, 3))
    """
    rng = np.random.default_rng(random_state)
    k = n_classes
    prior = np.full(k, 1.0 / k) if class_prior is None else np.asarray(class_prior, float)
    prior = prior / prior.sum()
    acc = rng.uniform(*accuracy, size=(n_annotators, k))
    off = rng.dirichlet(np.full(k - 1, concentration), size=(n_annotators, k))
    conf = np.empty((n_annotators, k, k))
    for c in range(k):  # loop over classes only
        others = [x for x in range(k) if x != c]
        conf[:, c, c] = acc[:, c]
        conf[:, c, others] = (1 - acc[:, c])[:, None] * off[:, c]
    truth = rng.choice(k, size=n_items, p=prior)
    item, annotator = assign_annotators(
        rng, _per_item(rng, n_items, labels_per_item, n_annotators), n_annotators
    )
    label = _draw_categorical(rng, conf[annotator, truth[item]])
    used = _used(annotator, n_annotators)
    return (
        _build(item, annotator, label, n_items, n_annotators, k),
        truth,
        {"confusion_matrices": conf[used], "priors": prior},
    )


def make_one_coin(
    n_items: int = 1000,
    n_annotators: int = 20,
    n_classes: int = 3,
    labels_per_item: LabelsPerItem = 5,
    accuracy: tuple[float, float] = (0.5, 0.95),
    random_state: int | None = None,
) -> tuple[Annotations, np.ndarray, dict[str, np.ndarray]]:
    """Annotations from the one-coin model: accuracy ``q_a``, errors uniform over K-1.

    Returns ``params = {"accuracies": (n_annotators,), "priors": (K,)}`` (uniform prior).

    Examples
    --------
    >>> ann, truth, params = make_one_coin(100, 8, 4, random_state=1)
    >>> params["accuracies"].shape
    (8,)
    """
    rng = np.random.default_rng(random_state)
    k = n_classes
    acc = rng.uniform(*accuracy, n_annotators)
    truth = rng.integers(0, k, n_items)
    item, annotator = assign_annotators(
        rng, _per_item(rng, n_items, labels_per_item, n_annotators), n_annotators
    )
    t = truth[item]
    right = rng.random(len(item)) < acc[annotator]
    wrong = (t + rng.integers(1, k, len(item))) % k  # uniform over the other K-1 classes
    label = np.where(right, t, wrong)
    used = _used(annotator, n_annotators)
    return (
        _build(item, annotator, label, n_items, n_annotators, k),
        truth,
        {"accuracies": acc[used], "priors": np.full(k, 1.0 / k)},
    )


def make_glad(
    n_items: int = 1000,
    n_annotators: int = 20,
    n_classes: int = 2,
    labels_per_item: LabelsPerItem = 5,
    alpha: tuple[float, float] = (0.5, 3.0),
    log_beta_std: float = 0.5,
    random_state: int | None = None,
) -> tuple[Annotations, np.ndarray, dict[str, np.ndarray]]:
    r"""Annotations from GLAD: P(correct) = sigmoid(alpha_a * beta_i), wrong labels uniform.

    ``alpha`` is drawn uniformly in the given range; :math:`\log\beta_i \sim N(0,
    \text{log\_beta\_std}^2)`. Returns ``params = {"alphas", "betas"}``.

    Examples
    --------
    >>> ann, truth, params = make_glad(100, 8, random_state=2)
    >>> params["betas"].shape
    (100,)
    """
    rng = np.random.default_rng(random_state)
    k = n_classes
    alphas = rng.uniform(*alpha, n_annotators)
    betas = np.exp(rng.normal(0.0, log_beta_std, n_items))
    truth = rng.integers(0, k, n_items)
    item, annotator = assign_annotators(
        rng, _per_item(rng, n_items, labels_per_item, n_annotators), n_annotators
    )
    t = truth[item]
    p_right = 1.0 / (1.0 + np.exp(-alphas[annotator] * betas[item]))
    right = rng.random(len(item)) < p_right
    label = np.where(right, t, (t + rng.integers(1, k, len(item))) % k)
    used = _used(annotator, n_annotators)
    return (
        _build(item, annotator, label, n_items, n_annotators, k),
        truth,
        {"alphas": alphas[used], "betas": betas},
    )


def make_mace(
    n_items: int = 1000,
    n_annotators: int = 20,
    n_classes: int = 3,
    labels_per_item: LabelsPerItem = 5,
    competence: tuple[float, float] = (0.3, 0.95),
    strategy_concentration: float = 0.5,
    random_state: int | None = None,
) -> tuple[Annotations, np.ndarray, dict[str, np.ndarray]]:
    r"""Annotations from MACE: right with prob. :math:`\theta_a`, else a draw from :math:`\xi_a`.

    Returns ``params = {"competences": theta (n_annotators,), "spam_rates": 1 - theta,
    "strategies": xi (n_annotators, K)}``; true classes are uniform.

    Examples
    --------
    >>> ann, truth, params = make_mace(100, 8, random_state=3)
    >>> params["strategies"].shape
    (8, 3)
    """
    rng = np.random.default_rng(random_state)
    k = n_classes
    theta = rng.uniform(*competence, n_annotators)
    xi = rng.dirichlet(np.full(k, strategy_concentration), n_annotators)
    truth = rng.integers(0, k, n_items)
    item, annotator = assign_annotators(
        rng, _per_item(rng, n_items, labels_per_item, n_annotators), n_annotators
    )
    knows = rng.random(len(item)) < theta[annotator]
    spam = _draw_categorical(rng, xi[annotator])
    label = np.where(knows, truth[item], spam)
    used = _used(annotator, n_annotators)
    return (
        _build(item, annotator, label, n_items, n_annotators, k),
        truth,
        {"competences": theta[used], "spam_rates": 1 - theta[used], "strategies": xi[used]},
    )


def make_large(
    n_annotations: int = 1_000_000,
    n_classes: int = 10,
    n_annotators: int | None = None,
    labels_per_item: tuple[int, int] = (3, 5),
    accuracy: tuple[float, float] = (0.55, 0.95),
    random_state: int | None = None,
) -> tuple[Annotations, np.ndarray, dict[str, np.ndarray]]:
    """A large one-coin data set with about ``n_annotations`` annotations, fast.

    ``n_annotators`` defaults to ``clip(n_annotations // 1000, 100, 10000)``
    (1,000 annotators at 1e6 annotations, 10,000 at 1e7). Items get 3 to 5
    labels, so there are about ``n_annotations / 4`` items. Fully vectorised:
    1e7 annotations take a few seconds and about 1 GB.

    Examples
    --------
    >>> ann, truth, _ = make_large(10_000, random_state=0)
    >>> 9_000 < ann.n_annotations < 11_000 and ann.n_classes == 10
    True
    """
    if n_annotators is None:
        n_annotators = int(np.clip(n_annotations // 1000, 100, 10_000))
    mean = (labels_per_item[0] + labels_per_item[1]) / 2
    n_items = max(1, round(n_annotations / mean))
    return make_one_coin(n_items, n_annotators, n_classes, labels_per_item, accuracy, random_state)
