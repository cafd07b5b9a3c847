"""The benchmark suite: labeljury's methods against the peers, on real and synthetic data.

Run it with ``labeljury bench --out DIR`` or :func:`run_benchmark`. Pieces:
:mod:`~labeljury.bench.datasets` (folders and synthetic scenarios),
:mod:`~labeljury.bench.metrics`, :mod:`~labeljury.bench.peers` (adapters),
:mod:`~labeljury.bench.runner`, :mod:`~labeljury.bench.plots`,
:mod:`~labeljury.bench.report`, :mod:`~labeljury.bench.cli`.
"""

from __future__ import annotations

from .runner import BenchConfig, default_contenders, evaluate, run_benchmark, run_suite

__all__ = ["BenchConfig", "default_contenders", "evaluate", "run_benchmark", "run_suite"]
