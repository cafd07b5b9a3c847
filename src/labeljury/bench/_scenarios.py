"""Synthetic benchmark scenarios and the simulated model, as :class:`BenchData`.

The scenarios are described in :mod:`labeljury.bench.datasets`, which re-exports
everything public here; they live apart from the real folders because they
share nothing with them but the :class:`BenchData` they return.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..annotations import Annotations
from ..errors import InputError
from ._bench_data import BenchData

__all__ = [
    "HARDEST_PROFILE",
    "SCENARIOS",
    "make_scenario",
    "scenario_confusions",
    "scenario_hardest",
    "scenario_large",
    "scenario_spammers",
    "scenario_tutorial",
    "simulate_pred_probs",
]


# --------------------------------------------------------------- simulation
def simulate_pred_probs(
    true_labels: np.ndarray,
    n_classes: int,
    accuracy: float,
    *,
    confidence: float | None = None,
    random_state: int = 0,
) -> np.ndarray:
    """A simulated classifier's probabilities: right with probability ``accuracy``.

    For each item the predicted class is the truth with probability
    ``accuracy``, else a uniformly drawn other class. The probability put on
    the predicted class is ``confidence`` (default: drawn around ``accuracy``
    so the model is roughly calibrated; pass e.g. 0.99 for an over-confident
    model); the rest is spread over the other classes by a flat Dirichlet.

    Examples
    --------
    >>> y = np.arange(1000) % 3
    >>> p = simulate_pred_probs(y, 3, 0.8, random_state=0)
    >>> p.shape, bool(np.allclose(p.sum(axis=1), 1))
    ((1000, 3), True)
    >>> round(float((p.argmax(axis=1) == y).mean()), 1)
    0.8
    """
    rng = np.random.default_rng(random_state)
    y = np.asarray(true_labels)
    n, k = len(y), n_classes
    wrong = rng.random(n) >= accuracy
    pred = y.copy()
    shift = rng.integers(1, k, size=n)
    pred[wrong] = (y[wrong] + shift[wrong]) % k
    if confidence is None:
        top = np.clip(rng.beta(8 * accuracy, 8 * (1 - accuracy), size=n), 1.0 / k + 1e-3, 0.999)
    else:
        top = np.full(n, float(confidence))
    rest = rng.dirichlet(np.ones(k - 1), size=n) * (1 - top)[:, None]
    # shrink toward an even split where another class would outgrow the predicted one
    even = ((1 - top) / (k - 1))[:, None]
    peak = rest.max(axis=1, keepdims=True)
    lam = np.clip((top[:, None] - 1e-6 - even) / np.maximum(peak - even, 1e-12), 0.0, 1.0)
    rest = even + lam * (rest - even)
    out = np.empty((n, k))
    others = (pred[:, None] + np.arange(1, k)[None, :]) % k
    out[np.arange(n)[:, None], others] = rest
    out[np.arange(n), pred] = top
    return out


def _draw(
    true: np.ndarray, annotator: np.ndarray, confusion: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Labels from per-annotator confusion ``confusion[a, true, label]`` (vectorised)."""
    probs = confusion[annotator, true]  # (n, K)
    u = rng.random(len(true))[:, None]
    return np.minimum((probs.cumsum(axis=1) < u).sum(axis=1), confusion.shape[2] - 1)


def _assemble(
    name: str,
    items: np.ndarray,
    annotator: np.ndarray,
    labels: np.ndarray,
    truth: np.ndarray,
    n_classes: int,
    notes: Sequence[str] = (),
) -> BenchData:
    # keep only items/annotators that got labels (all do, by construction)
    ann = Annotations.from_arrays(items, annotator, labels, classes=list(range(n_classes)))
    gold = truth[np.asarray(ann.items, dtype=np.int64)]
    return BenchData(name, ann, gold.astype(np.int64), "synthetic", notes=list(notes))


def _one_coin_confusion(acc: np.ndarray, k: int) -> np.ndarray:
    conf = np.repeat(((1 - acc) / (k - 1))[:, None, None], k, axis=1).repeat(k, axis=2)
    idx = np.arange(k)
    conf[:, idx, idx] = acc[:, None]
    return conf


def _random_design(
    n_items: int,
    n_annotators: int,
    per_item: np.ndarray,
    rng: np.random.Generator,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Items repeated ``per_item`` times, each with distinct random annotators."""
    items = np.repeat(np.arange(n_items), per_item)
    p = np.ones(n_annotators) / n_annotators if weights is None else weights / weights.sum()
    # Gumbel top-k: distinct annotators per item without a Python loop over items
    m = int(per_item.max())
    g = np.log(p)[None, :] + rng.gumbel(size=(n_items, n_annotators))
    top = np.argpartition(-g, m - 1, axis=1)[:, :m] if m < n_annotators else np.argsort(-g, axis=1)
    rank = np.arange(len(items)) - np.repeat(np.cumsum(per_item) - per_item, per_item)
    return items, top[items, rank]


def scenario_confusions(
    seed: int = 0, n_items: int = 1000, n_annotators: int = 40, per_item: int = 5
) -> BenchData:
    """4 classes; annotators confuse class ``k`` with ``k + 1`` at their own rate."""
    rng = np.random.default_rng(seed)
    k = 4
    truth = rng.integers(0, k, n_items)
    conf = np.zeros((n_annotators, k, k))
    acc = rng.uniform(0.55, 0.95, n_annotators)
    slip = rng.uniform(0.5, 0.9, n_annotators)  # share of errors going to the next class
    for c in range(k):
        conf[:, c, :] = ((1 - acc) * (1 - slip) / (k - 2))[:, None]
        conf[:, c, c] = acc
        conf[:, c, (c + 1) % k] = (1 - acc) * slip
    items, annotator = _random_design(n_items, n_annotators, np.full(n_items, per_item), rng)
    labels = _draw(truth[items], annotator, conf, rng)
    return _assemble("synth_confusions", items, annotator, labels, truth, k)


def scenario_spammers(
    seed: int = 0, n_items: int = 1000, n_annotators: int = 50, per_item: int = 7
) -> BenchData:
    """Binary; 30% spammers (random answers), 10% adversaries, the rest 0.7-0.9 right."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, n_items)
    n_spam, n_adv = int(0.3 * n_annotators), int(0.1 * n_annotators)
    acc = rng.uniform(0.7, 0.9, n_annotators)
    acc[:n_spam] = 0.5
    acc[n_spam : n_spam + n_adv] = 0.2
    rng.shuffle(acc)
    items, annotator = _random_design(n_items, n_annotators, np.full(n_items, per_item), rng)
    labels = _draw(truth[items], annotator, _one_coin_confusion(acc, 2), rng)
    return _assemble("synth_spammers", items, annotator, labels, truth, 2)


#: the CROWDLAB "hardest" profile: images with 1..12 labels (counts out of 10,000)
HARDEST_PROFILE = {
    1: 1716,
    2: 2929,
    3: 2431,
    4: 1614,
    5: 830,
    6: 307,
    7: 127,
    8: 34,
    9: 9,
    10: 2,
    12: 1,
}


def scenario_hardest(seed: int = 0, n_items: int = 5000, n_annotators: int = 300) -> BenchData:
    """10 classes, 1-12 labels per item in the proportions of CROWDLAB's "hardest" set.

    Annotator accuracies are drawn from Beta(6, 2) (mean 0.75), with the
    worst annotators labeling more often, as in the paper's construction.
    """
    rng = np.random.default_rng(seed)
    k = 10
    truth = rng.integers(0, k, n_items)
    sizes = np.array(list(HARDEST_PROFILE))
    probs = np.array(list(HARDEST_PROFILE.values()), float)
    per_item = rng.choice(sizes, size=n_items, p=probs / probs.sum())
    acc = np.sort(rng.beta(6, 2, n_annotators))
    weights = np.linspace(3.0, 1.0, n_annotators)  # the worse, the busier
    items, annotator = _random_design(n_items, n_annotators, per_item, rng, weights)
    conf = np.empty((n_annotators, k, k))
    for c in range(k):  # confusions concentrated on two "look-alike" classes
        off = np.full(k, 0.2 / (k - 3))
        off[[(c + 1) % k, (c + 3) % k]] = 0.4
        off[c] = 0.0
        conf[:, c, :] = (1 - acc)[:, None] * off[None, :]
        conf[:, c, c] = acc
    labels = _draw(truth[items], annotator, conf, rng)
    return _assemble("synth_hardest", items, annotator, labels, truth, k)


def scenario_large(
    seed: int = 0,
    n_annotations: int = 1_000_000,
    per_item: int = 5,
    n_annotators: int = 2000,
    n_classes: int = 5,
) -> BenchData:
    """Scale test: ``n_annotations`` one-coin annotations, accuracies U(0.5, 0.95)."""
    rng = np.random.default_rng(seed)
    n_items = n_annotations // per_item
    truth = rng.integers(0, n_classes, n_items)
    acc = rng.uniform(0.5, 0.95, n_annotators)
    items = np.repeat(np.arange(n_items), per_item)
    # distinct annotators per item: a random start and stride-free offsets
    start = rng.integers(0, n_annotators, n_items)
    annotator = (
        np.repeat(start, per_item) + np.tile(np.arange(per_item) * 7, n_items)
    ) % n_annotators
    labels = _draw(truth[items], annotator, _one_coin_confusion(acc, n_classes), rng)
    name = "synth_large" if n_annotations == 1_000_000 else f"synth_large_{n_annotations}"
    return _assemble(name, items, annotator, labels, truth, n_classes)


def scenario_tutorial(seed: int = 0) -> BenchData:
    """The classic tutorial data, with its 2-d features for out-of-fold pred_probs."""
    from ..synth import make_tutorial_data

    d = make_tutorial_data(seed)
    return BenchData(
        "synth_tutorial",
        d.annotations,
        np.asarray(d.true_labels, np.int64),
        "synthetic",
        d.features.reset_index(drop=True),
        None,
        "oof:tabular",
    )


def _with_model(
    data: BenchData, accuracy: float, confidence: float | None, suffix: str, seed: int
) -> BenchData:
    pp = simulate_pred_probs(
        data.gold,
        data.annotations.n_classes,
        accuracy,
        confidence=confidence,
        random_state=seed + 1,
    )
    label = f"simulated acc={accuracy:.2f}" + (
        "" if confidence is None else f", conf={confidence:.2f}"
    )
    return BenchData(
        data.name + suffix,
        data.annotations,
        data.gold,
        data.kind,
        None,
        pp,
        label,
        data.path,
        list(data.notes),
    )


def _hardest_variants(seed: int) -> list[BenchData]:
    base = scenario_hardest(seed)
    return [
        _with_model(base, 0.9, None, "", seed),
        _with_model(base, 0.6, None, "_weak_model", seed),
        _with_model(base, 0.8, 0.99, "_overconfident_model", seed),
    ]


#: scenario name -> function(seed) -> list of BenchData
SCENARIOS: dict[str, Callable[[int], list[BenchData]]] = {
    "synth_tutorial": lambda s: [scenario_tutorial(s)],
    "synth_confusions": lambda s: [_with_model(scenario_confusions(s), 0.85, None, "", s)],
    "synth_spammers": lambda s: [_with_model(scenario_spammers(s), 0.85, None, "", s)],
    "synth_hardest": _hardest_variants,
    "synth_large": lambda s: [_with_model(scenario_large(s), 0.85, None, "", s)],
}


def make_scenario(name: str, seed: int = 0) -> list[BenchData]:
    """Build the data sets of one scenario of :data:`SCENARIOS`.

    Examples
    --------
    >>> [d.name for d in make_scenario("synth_spammers")]
    ['synth_spammers']
    """
    if name not in SCENARIOS:
        raise InputError(f"no scenario {name!r}; choose from {', '.join(SCENARIOS)}")
    return SCENARIOS[name](seed)
