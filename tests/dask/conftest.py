"""The Dask engine's tests share one 2-worker LocalCluster per module.

Without the ``dask`` extra the folder is not collected (``make test`` installs it).
"""

from __future__ import annotations

import importlib.util
import logging

import pytest

if importlib.util.find_spec("distributed") is None:
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="module")
def client():
    """Two worker processes (tasks and data are pickled between them, as on a cluster)."""
    from distributed import Client, LocalCluster

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
