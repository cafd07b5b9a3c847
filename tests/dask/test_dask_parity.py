"""The Dask engine gives the in-memory engine's answers, whatever the partitioning."""

from __future__ import annotations

import logging
from pathlib import Path

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from dask_helpers import assert_same, in_memory
from distributed import Client, LocalCluster

from labeljury.dask import aggregate
from labeljury.synth import make_dawid_skene, make_one_coin

METHODS = ["majority_vote", "dawid_skene", "one_coin_dawid_skene", "shrunk_dawid_skene", "jury"]
LOCAL = Path(__file__).resolve().parents[1] / "data"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "datasets"


def _synth(seed: int = 0, **kw) -> pd.DataFrame:
    ann, _, _ = make_dawid_skene(
        n_items=kw.pop("n_items", 300), n_annotators=15, n_classes=3, random_state=seed, **kw
    )
    df = ann.to_long()
    df["item"] = "q" + df["item"].astype(str)  # text ids, as most exports have
    df["annotator"] = "w" + df["annotator"].astype(str)
    return df


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("parts", [(1, 1), (3, 2), (2, 7)])
def test_generated_data_any_partitioning(client, method: str, parts: tuple[int, int]) -> None:
    df = _synth(seed=parts[1])
    ddf = dd.from_pandas(df, npartitions=parts[0])
    res = aggregate(ddf, method=method, npartitions=parts[1], client=client)
    assert res.summary["partitions"] <= parts[1]
    assert_same(res, in_memory(df, method))


def test_one_coin_data_and_loop_parameters(client) -> None:
    ann, _, _ = make_one_coin(n_items=200, n_annotators=10, n_classes=4, random_state=3)
    df = ann.to_long()
    ddf = dd.from_pandas(df, npartitions=3)
    for method, params in [
        ("dawid_skene", {"smoothing": 0.5, "tol": 1e-9, "max_iter": 7}),
        ("shrunk_dawid_skene", {"strength": 0.0}),
        ("majority_vote", {"tie_break": "frequency"}),
        ("jury", {"strength": 0.5, "model_weight": 0.0, "calibrate": False}),
    ]:
        res = aggregate(ddf, method=method, npartitions=4, client=client, **params)
        assert_same(res, in_memory(df, method, **params))


@pytest.mark.parametrize("workers", [1, 4])
def test_one_and_four_workers(workers: int) -> None:
    df = _synth(seed=5, n_items=150)
    ddf = dd.from_pandas(df, npartitions=4)
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=False,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as c,
    ):
        for method in ("dawid_skene", "jury"):
            res = aggregate(ddf, method=method, npartitions=5, client=c)
            assert_same(res, in_memory(df, method))


def test_model_probabilities_as_columns_and_as_a_second_dataset(client) -> None:
    df = _synth(seed=9, n_items=120)
    items = pd.unique(df["item"])
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3), size=len(items))
    table = pd.DataFrame(probs, columns=["p0", "p1", "p2"])
    table.insert(0, "item", items)
    named = table.rename(columns={"p0": "0", "p1": "1", "p2": "2"})
    with_cols = df.merge(table, on="item")
    for method in ("shrunk_dawid_skene", "jury", "dawid_skene", "crowdlab"):
        mem = in_memory(df, method, pred_probs=named)
        res = aggregate(
            dd.from_pandas(with_cols, npartitions=3),
            method=method,
            pred_probs=["p0", "p1", "p2"],
            npartitions=4,
            client=client,
        )
        assert_same(res, mem)
        res = aggregate(
            dd.from_pandas(df, npartitions=2),
            method=method,
            pred_probs=dd.from_pandas(named, npartitions=2),
            npartitions=3,
            client=client,
        )
        assert_same(res, mem)


@pytest.mark.parametrize("name", ["rte", "zencrowd_us"])
def test_real_data_in_the_repository(client, name: str) -> None:
    df = pd.read_csv(LOCAL / name / "answers.csv")
    ddf = dd.from_pandas(df, npartitions=2)
    for method in METHODS:
        assert_same(
            aggregate(ddf, method=method, npartitions=3, client=client), in_memory(df, method)
        )


SHARED_SETS = (
    sorted(p.name for p in SHARED.iterdir() if (p / "answers.csv").is_file())
    if SHARED.is_dir()
    else []
)


# every method on 17 data sets: 2 to 6 minutes on the 2-core machine (by its load), mostly Dask's
# per-iteration scheduling (up to 100 EM iterations each), hence slow
@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared data sets not found at {SHARED}")
@pytest.mark.parametrize("name", SHARED_SETS)
def test_every_shared_data_set(client, name: str) -> None:
    df = pd.read_csv(SHARED / name / "answers.csv")
    ddf = dd.from_pandas(df, npartitions=2)
    for method in METHODS:
        assert_same(
            aggregate(ddf, method=method, npartitions=4, client=client), in_memory(df, method)
        )


def test_crowdlab_on_real_data_with_a_noisy_model(client) -> None:
    df = pd.read_csv(LOCAL / "rte" / "answers.csv")
    mem_ann = in_memory(df, "majority_vote")
    items = mem_ann.label_quality["item"].to_numpy()
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(2), size=len(items))
    table = pd.DataFrame({"item": items, "0": probs[:, 0], "1": probs[:, 1]})
    for params in ({}, {"per_annotator_weights": False}):
        mem = in_memory(df, "crowdlab", pred_probs=table, **params)
        res = aggregate(
            dd.from_pandas(df, npartitions=2),
            method="crowdlab",
            pred_probs=dd.from_pandas(table, npartitions=1),
            npartitions=3,
            client=client,
            **params,
        )
        assert_same(res, mem)
