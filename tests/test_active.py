"""Relabel priority: the model's weight is not biased by the queue's own choices."""

from __future__ import annotations

import numpy as np

from labeljury import Annotations, relabel_priority
from labeljury.methods.crowdlab import CLIP, CrowdLab


def _queue_state() -> tuple[Annotations, np.ndarray]:
    """A crowd as the queue leaves it: items 36-39 got a second label *because* the
    model doubted their first, and the model was wrong there; elsewhere it is right.

    Items 0-35: one label each (a, b or e), the truth ``i % 2``; the model agrees
    with every one except item 0. Items 36-39: a and b agree on the truth, the model
    says the other class. Item 40: c and d split, the model undecided.
    """
    item, who, label = [], [], []
    for i in range(36):
        item.append(i)
        who.append("abe"[i % 3])
        label.append(i % 2)
    for i in range(36, 40):
        item += [i, i]
        who += ["a", "b"]
        label += [i % 2, i % 2]
    item += [40, 40]
    who += ["c", "d"]
    label += [0, 1]
    ann = Annotations.from_arrays(item, who, label)
    truth = np.array([i % 2 for i in range(40)] + [0])
    probs = np.where(np.arange(2) == truth[:, None], 0.8, 0.2)
    probs[0] = [0.1, 0.9]  # item 0's label is 0; the model says 1
    probs[36:40] = probs[36:40, ::-1]  # the model was wrong where the queue sent it
    probs[40] = [0.5, 0.5]
    return ann, probs


def test_model_weight_measured_on_all_labels_not_the_queued_items() -> None:
    """CROWDLAB's weight reads the model's accuracy on the two-label items only; the
    priority measures its probabilities on every label (docs/active.md)."""
    ann, probs = _queue_state()
    # CROWDLAB's own weight: accuracy on the two-label items only, where the queue put
    # exactly the items the model got wrong: no better than the baseline, clipped
    assert float(np.ravel(CrowdLab().fit(ann, probs).model_weight_)[0]) <= 10 * CLIP
    pr = relabel_priority(ann, probs).set_index("item")
    # the skill of its probabilities on all 46 labels (right on 36): its doubt about item 0
    # counts
    assert pr.loc[0, "priority_score"] < 0.9
    agreed = [i for i in range(1, 36) if "abe"[i % 3] == "a"]
    assert (pr.loc[agreed, "priority_score"] > pr.loc[0, "priority_score"] + 0.05).all()
    # the split vote is still near the top, the doubted single label next to it
    order = pr.index.tolist()
    assert order.index(0) < 5 and order.index(40) < 5
