"""The classic multi-annotator tutorial data (2-D Gaussians, 50 annotators).

300 examples in 3 classes drawn from 2-D Gaussians, labeled by 50 annotators
who each see about 10% of the examples. The first 45 annotators are fairly
good (noise matrix trace ``0.8 * K``), the last 5 poor (trace ``0.35 * K``).
It is the toy data set of the CROWDLAB tutorial, regenerated here from its
description (not from its code), so the numbers differ from the hosted
tutorial's seed but the picture is the same: majority vote is hurt by the
sparse, noisy labels and a model that sees the features helps.

Noise-matrix convention
-----------------------
``noise[l, c] = P(annotator says l | true class c)``: column ``c`` is the
distribution of the label given truth ``c``, so every column sums to one and
the trace is the sum of the per-class accuracies. The diagonal entries are
drawn around ``trace / K`` (they sum to the trace exactly); the rest of each
column, ``1 - noise[c, c]``, is spread over the other classes in random
(flat-Dirichlet) proportions, shrunk towards an even split just enough that in
every column the true class stays the single most likely label (whenever
``trace / K > 1 / K``), so even the poor annotators are better than chance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import InputError

__all__ = ["TutorialData", "make_tutorial_data", "noise_matrix_from_trace"]

MEANS = ((3.0, 2.0), (7.0, 7.0), (0.0, 8.0))
COVS = (((5.0, -1.5), (-1.5, 1.0)), ((1.0, 0.5), (0.5, 4.0)), ((5.0, 1.0), (1.0, 5.0)))
SIZES = (150, 75, 75)


@dataclass(frozen=True)
class TutorialData:
    """What :func:`make_tutorial_data` returns.

    Attributes
    ----------
    annotations : Annotations
        Items are the example indices (ints) that at least one annotator
        labeled; annotators ``"A0001"``..``"A0050"``; classes ``0, 1, 2``.
    features : DataFrame, shape (n_items, 2)
        Columns ``x1``, ``x2``; one row per item, in ``annotations.items`` order
        (the index holds the item ids).
    true_labels : ndarray of int, shape (n_items,)
        True class code of each item, in ``annotations.items`` order.
    noise_matrices : dict
        ``{"good": (K, K), "poor": (K, K)}`` noise matrices used (convention above).
    """

    annotations: Annotations
    features: pd.DataFrame
    true_labels: np.ndarray
    noise_matrices: dict[str, np.ndarray]


def noise_matrix_from_trace(
    n_classes: int,
    trace: float,
    rng: np.random.Generator,
    *,
    jitter: float = 0.1,
    max_tries: int = 1000,
) -> np.ndarray:
    """A random ``(K, K)`` noise matrix with the given trace; columns are distributions.

    ``noise[l, c] = P(label l | true class c)``. Diagonal entries are
    ``trace / K`` times a random factor in ``[1 - jitter, 1 + jitter]``
    (rescaled to sum to ``trace``); off-diagonal mass is split by a flat
    Dirichlet, shrunk towards uniform where needed so the diagonal dominates
    each column (when ``trace > 1``).

    Examples
    --------
    >>> m = noise_matrix_from_trace(3, 2.4, np.random.default_rng(0))
    >>> round(float(np.trace(m)), 6), np.allclose(m.sum(axis=0), 1)
    (2.4, True)
    """
    k = n_classes
    if not 0 < trace <= k:
        raise InputError(f"trace must be in (0, {k}], got {trace}")
    need_dominant = trace / k > 1.0 / k
    best = None
    for _ in range(max_tries):
        diag = trace / k * rng.uniform(1 - jitter, 1 + jitter, k)
        diag = np.clip(diag * trace / diag.sum(), 0.0, 1.0)
        diag *= trace / diag.sum()
        if diag.max() > 1:
            continue
        m = np.zeros((k, k))
        for c in range(k):  # K is tiny; one Dirichlet draw per column
            share = rng.dirichlet(np.ones(k - 1))
            base = 1.0 / (k - 1)
            d = diag[c]
            if need_dominant and share.max() > base and d < 1:
                # shrink towards uniform just enough that no wrong label beats the truth
                room = (d / (1 - d) - base) / (share.max() - base)
                lam = min(1.0, 0.9 * room) if room > 0 else 0.0
                share = base + lam * (share - base)
            m[np.arange(k) != c, c] = share * (1 - d)
            m[c, c] = d
        best = m
        off_max = np.where(np.eye(k, dtype=bool), -np.inf, m).max(axis=0)
        if not need_dominant or np.all(np.diag(m) > off_max):
            return m
    if best is None:
        raise InputError(f"could not draw a noise matrix with trace {trace}")
    return best


def make_tutorial_data(
    random_state: int = 0,
    *,
    n_annotators: int = 50,
    n_poor: int = 5,
    label_fraction: float = 0.1,
    good_trace: float = 0.8,
    poor_trace: float = 0.35,
    jitter: float = 0.25,
    sizes: tuple[int, ...] = SIZES,
) -> TutorialData:
    """Generate the classic 3-class, 50-annotator tutorial data.

    Parameters
    ----------
    random_state : int, default 0
        Seed of the only random generator used.
    n_annotators, n_poor : int, default 50, 5
        Annotators in all; the last ``n_poor`` use the poor noise matrix.
    label_fraction : float, default 0.1
        Probability that a given annotator labels a given example.
    good_trace, poor_trace : float, default 0.8, 0.35
        Noise-matrix traces as a fraction of ``K`` (mean per-class accuracy).
    jitter : float, default 0.25
        Relative spread of the diagonal entries around ``trace / K`` (0.25: the
        good annotators' per-class accuracies lie within about 0.6-1.0).
    sizes : tuple of int, default (150, 75, 75)
        Examples per class.

    Returns
    -------
    TutorialData

    Examples
    --------
    >>> d = make_tutorial_data(0)
    >>> d.annotations.n_annotators, d.annotations.n_classes
    (50, 3)
    >>> list(d.annotations.annotators[[0, -1]])
    ['A0001', 'A0050']
    >>> len(d.features) == d.annotations.n_items == len(d.true_labels)
    True
    """
    rng = np.random.default_rng(random_state)
    k = len(MEANS)
    if len(sizes) != k:
        raise InputError(f"sizes needs {k} entries, got {len(sizes)}")
    x = np.concatenate(
        [rng.multivariate_normal(MEANS[c], COVS[c], size=sizes[c]) for c in range(k)]
    )
    truth = np.repeat(np.arange(k), sizes)
    n = len(truth)

    good = noise_matrix_from_trace(k, good_trace * k, rng, jitter=jitter)
    poor = noise_matrix_from_trace(k, poor_trace * k, rng, jitter=jitter)
    # each annotator labels each example with probability label_fraction
    mask = rng.random((n, n_annotators)) < label_fraction
    item, annotator = np.nonzero(mask)
    noise = np.where((annotator >= n_annotators - n_poor)[:, None, None], poor, good)
    cols = noise[np.arange(len(item)), :, truth[item]]  # P(label | truth) per annotation
    cum = cols.cumsum(axis=1)
    u = rng.random(len(item))[:, None]
    label = np.minimum((u > cum).sum(axis=1), k - 1)

    # examples nobody labeled are dropped; items stay in example order
    items, item_code = np.unique(item, return_inverse=True)
    names = [f"A{j + 1:04d}" for j in range(n_annotators)]
    ann = Annotations(
        item_code, annotator, label, items=items.tolist(), annotators=names, classes=list(range(k))
    )
    features = pd.DataFrame(x[items], columns=["x1", "x2"], index=pd.Index(items, name="item"))
    return TutorialData(
        annotations=ann,
        features=features,
        true_labels=truth[items],
        noise_matrices={"good": good, "poor": poor},
    )
