"""Partitions live on the workers' disks between passes: memory does not hold the data."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask_helpers import assert_same, in_memory

import labeljury.engines.dask.run as run_module
from labeljury.dask import aggregate
from labeljury.engines.dask.stash import Stashed, opened, remove_run, stash

DATA = Path(__file__).resolve().parents[1] / "data" / "zencrowd_us" / "answers.csv"


def test_a_handle_moved_to_another_worker_carries_its_data(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))  # not on a worker: the temp dir
    obj = {"codes": np.arange(1000, dtype=np.int32)}
    handle = stash(obj, "run1", "part", info=(3, ["a"]))
    assert isinstance(handle, Stashed) and os.path.exists(handle.path)
    moved = pickle.loads(pickle.dumps(handle))  # what Dask does sending it elsewhere
    assert moved.path != handle.path  # a copy of its own: the sender may die
    os.remove(handle.path)
    assert np.array_equal(opened(moved)["codes"], obj["codes"]) and moved.info == (3, ["a"])
    remove_run("run1")
    assert not (tmp_path / "labeljury-run1").exists()


def _on_disk(handle: object) -> bool:
    return isinstance(handle, Stashed) and os.path.exists(handle.path)


def _files(run_id: str, dask_worker=None) -> int:
    """The run's files in this worker's local directory."""
    folder = Path(dask_worker.local_directory) / f"labeljury-{run_id}"
    return len(list(folder.glob("*.pkl"))) if folder.exists() else 0


def test_partitions_are_on_disk_and_removed_at_the_end(client, tmp_path, monkeypatch) -> None:
    df = pd.read_csv(DATA)
    ddf = dd.from_pandas(df, npartitions=3)
    monkeypatch.setattr(run_module, "ROWS_PER_PART", 1000)  # bounded partitions by default
    res = aggregate(ddf, method="dawid_skene", client=client)
    assert res.summary["partitions"] == -(-len(df) // 1000)
    # the cluster holds handles only, each with its file on the worker holding it
    assert all(client.gather(client.map(_on_disk, res._parts)))
    assert sum(client.run(_files, res._run_id).values()) == len(res._parts)
    assert_same(res, in_memory(df, "dawid_skene"))
    run_id = res._run_id
    res.close()  # the files go with the result
    assert sum(client.run(_files, run_id).values()) == 0
    out = aggregate(ddf, method="dawid_skene", client=client, out=tmp_path / "out")
    assert out._run_id is None and not out._parts  # written out: nothing left on the workers
