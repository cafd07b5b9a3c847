"""A worker killed in the middle of a fit: Dask recomputes what it held, the answer is unchanged."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import dask.dataframe as dd
import pandas as pd
import pytest
from dask_helpers import assert_same, in_memory

import labeljury.engines.dask.fit as fit_module
from labeljury.dask import aggregate

DATA = Path(__file__).resolve().parents[1] / "data" / "zencrowd_us" / "answers.csv"


@pytest.mark.parametrize("method", ["dawid_skene", "shrunk_dawid_skene"])
def test_a_killed_worker_changes_nothing(client, tmp_path: Path, monkeypatch, method) -> None:
    df = pd.read_csv(DATA)
    n = len(df)
    for i in range(4):
        df.iloc[i * n // 4 : (i + 1) * n // 4].to_parquet(tmp_path / f"p{i}.parquet")
    killed: list[int] = []
    real_loop = fit_module.em_loop

    def loop_with_a_crash(step, **kw):
        calls = 0

        def crashing_step() -> float:
            nonlocal calls
            calls += 1
            if calls == 3:  # after two iterations: kill the worker process holding the most
                pids = client.run(os.getpid)
                held = client.has_what()
                victim = max(held, key=lambda w: len(held[w]))
                os.kill(pids[victim], signal.SIGKILL)
                killed.append(pids[victim])
            return step()

        return real_loop(crashing_step, **kw)

    monkeypatch.setattr(fit_module, "em_loop", loop_with_a_crash)
    ddf = dd.read_parquet(str(tmp_path))
    # enough iterations for a crash after the second (Dawid-Skene's default stops at 2)
    kw = {"max_iter": 100}
    res = aggregate(ddf, method=method, npartitions=6, client=client, out=tmp_path / "out", **kw)
    assert killed, "no worker was killed"
    assert_same(res, in_memory(df, method, **kw))
    # the nanny started a new worker process; the cluster is whole again for the next test
    deadline = time.time() + 30
    while len(client.scheduler_info()["workers"]) < 2 and time.time() < deadline:
        time.sleep(0.2)
    assert killed[0] not in client.run(os.getpid).values()
