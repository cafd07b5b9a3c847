"""The benchmark suite: labeljury's methods against the peers, on real and synthetic data.

Run it with ``labeljury bench --out DIR`` or :func:`run_benchmark`. Pieces:
:mod:`~labeljury.bench.datasets` (folders and synthetic scenarios),
:mod:`~labeljury.bench.metrics`, :mod:`~labeljury.bench.peers` (adapters),
:mod:`~labeljury.bench.config` (what a run is asked to do),
:mod:`~labeljury.bench.runner` (the loop; one data set in
:mod:`~labeljury.bench.dataset_run`, one fit in :mod:`~labeljury.bench.execute`,
the models in :mod:`~labeljury.bench.models`),
:mod:`~labeljury.bench.plots`,
:mod:`~labeljury.bench.tables`, :mod:`~labeljury.bench.report`,
:mod:`~labeljury.bench.cli`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BenchConfig", "default_contenders", "evaluate", "run_benchmark", "run_suite"]


def __getattr__(name: str) -> Any:
    # the runner imports scipy.stats and sklearn.metrics; `labeljury --help` imports
    # this package (for the `bench` parser) and must not pay for them
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import runner

    return getattr(runner, name)
