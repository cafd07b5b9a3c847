"""The queue of a 1e6-item output answers a page in under 200 ms (server-side paging)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from labeljury.review.app import create_app
from labeljury.review.data import ReviewData

from .conftest import client_for

pytestmark = pytest.mark.slow

N_ITEMS, PER_ITEM, N_ANNOTATORS = 1_000_000, 3, 2_000
CLASSES = ["neg", "neu", "pos"]


def big_output() -> tuple[pd.DataFrame, ...]:
    """A 1e6-item, 3e6-annotation output as `aggregate` writes it, with pred_probs and texts."""
    rng = np.random.default_rng(0)
    ids = np.char.add("item-", np.arange(N_ITEMS).astype(str)).astype(object)
    cons = rng.integers(0, 3, N_ITEMS)
    labels = np.where(
        rng.random((N_ITEMS, PER_ITEM)) < 0.8,
        cons[:, None],
        rng.integers(0, 3, (N_ITEMS, PER_ITEM)),
    )
    agree = (labels == cons[:, None]).mean(axis=1)
    cls = np.array(CLASSES, dtype=object)
    lq = pd.DataFrame(
        {
            "item": ids,
            "consensus_label": cls[cons],
            "consensus_quality_score": rng.random(N_ITEMS),
            "annotator_agreement": agree,
            "num_annotations": PER_ITEM,
        }
    )
    dlq = pd.DataFrame(
        {
            "item": np.repeat(ids, PER_ITEM),
            "annotator": np.char.add(
                "w", rng.integers(0, N_ANNOTATORS, N_ITEMS * PER_ITEM).astype(str)
            ).astype(object),
            "label": cls[labels.ravel()],
            "label_quality_score": rng.random(N_ITEMS * PER_ITEM),
        }
    )
    names = np.char.add("w", np.arange(N_ANNOTATORS).astype(str)).astype(object)
    st = pd.DataFrame({"annotator": names, "annotator_quality": rng.random(N_ANNOTATORS)})
    probs = rng.dirichlet(np.ones(3), N_ITEMS)
    pp = pd.DataFrame(probs, columns=CLASSES)
    pp.insert(0, "item", ids)
    items = pd.DataFrame({"item": ids, "text": np.char.add("some text ", ids.astype(str))})
    return lq, dlq, st, pp, items


def test_queue_page_under_200ms_at_1e6_items() -> None:
    frames = big_output()
    t0 = time.perf_counter()
    data = ReviewData(*frames)
    load = time.perf_counter() - t0
    c = client_for(create_app(data, token="t", csrf="c"))
    c.get("/queue?token=t")
    views = [
        "/api/queue",
        "/api/queue?sort=priority&page=5000",
        "/api/queue?cls=neu&disagree=1&page=100",
        "/api/queue?reviewed=no&sort=priority",
        "/api/queue?annotator=w17",
        "/queue?cls=pos&page=20000",
        "/item?id=item-123456&cls=neg",
    ]
    worst = {}
    for v in views:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            r = c.get(v)
            times.append(time.perf_counter() - t)
            assert r.status_code == 200, v
        worst[v] = max(times)
    print(
        f"load {load:.1f} s; seconds per page (worst of 3): "
        + ", ".join(f"{v} {s * 1000:.0f} ms" for v, s in worst.items())
    )
    t = time.perf_counter()
    found = c.get("/api/queue?q=text item-99999").json()["total"]  # a substring of 1e6 texts
    search = time.perf_counter() - t
    print(f"search {search * 1000:.0f} ms")
    assert found == 11  # item-99999 and item-999990..999999
    assert c.get("/api/queue").json()["total"] == N_ITEMS
    assert max(worst.values()) < 0.2, worst
