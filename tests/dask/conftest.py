"""The Dask engine's tests share one 2-worker LocalCluster per module and one comparison."""

from __future__ import annotations

import logging

import pytest

pytest.importorskip("distributed")

from distributed import Client, LocalCluster


@pytest.fixture(scope="module")
def client():
    """Two worker processes (tasks and data are pickled between them, as on a cluster)."""
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c
