"""1,000 annotations of one item: every method's posterior stays finite (log space)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from labeljury import Annotations
from labeljury.methods import METHODS, get_method

# gold_majority_vote needs gold labels, which this data set has none of
NAMES = sorted(n for n in METHODS if n not in ("crowdlab", "gold_majority_vote"))


def _one_heavy_item(n_classes: int) -> Annotations:
    rng = np.random.default_rng(0)
    n = 1000
    # item 0: 1,000 annotators, 70% say class 1; items 1..20 keep the model identifiable
    item = np.concatenate([np.zeros(n, int), np.repeat(np.arange(1, 21), 5)])
    annot = np.concatenate([np.arange(n), rng.integers(0, n, 100)])
    label = np.concatenate(
        [
            np.where(rng.random(n) < 0.7, 1, rng.integers(0, n_classes, n)),
            rng.integers(0, n_classes, 100),
        ]
    )
    return Annotations.from_arrays(
        item, annot, label, classes=list(range(n_classes)), duplicates="first"
    )


@pytest.mark.parametrize("name", NAMES)
def test_thousand_labels_one_item(name: str) -> None:
    ann = _one_heavy_item(2 if name == "kos" else 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = get_method(name).fit(ann)
    assert np.all(np.isfinite(m.probas_))
    np.testing.assert_allclose(m.probas_.sum(axis=1), 1.0, atol=1e-9)
    assert np.all(np.isfinite(m.annotator_skill_))
    assert m.labels_[0] == 1
