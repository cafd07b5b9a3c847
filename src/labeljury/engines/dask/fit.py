"""The EM driver: map the E-step over the partitions, reduce the statistics, broadcast.

Per-item state never leaves the workers: an iteration sends each partition the global
parameters (annotators x K x K at most), gets back its summed statistics, and reduces them
in a tree on the cluster, so the client only ever holds one set of statistics. The
posteriors are not carried between iterations at all: each is a function of the broadcast
parameters and the partition's codes, recomputed where the codes are. A worker that dies
loses nothing Dask cannot recompute from the input.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...errors import ConvergenceWarning
from ...methods._em import em_loop
from ...methods.dawid_skene import EARLY_STOP_ITER
from .specs import Spec
from .stash import opened

__all__ = ["Fitted", "fit", "map_reduce", "share", "tree_sum"]

_FAN_IN = 8


def _add(*stats: dict[str, Any]) -> dict[str, Any]:
    """Sum statistics key by key (skipping empty partitions' None)."""
    stats = [s for s in stats if s is not None]
    if not stats:
        return None  # type: ignore[return-value]
    out = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in stats[0].items()}
    for s in stats[1:]:
        for k, v in s.items():
            out[k] = out[k] + v
    return out


def _call(part: Any, method: str, spec: Spec, params: Any = None) -> dict[str, Any] | None:
    args = () if params is None else (params,)
    return getattr(spec, method)(opened(part), *args)


def _same(obj: Any) -> Any:
    return obj


def share(client: Any, obj: Any) -> Any:
    """``obj`` as a future every task can read.

    Not ``client.scatter``: scattered data held only by a worker that dies is lost for
    good, while a task's own argument is in the graph and recomputed elsewhere.
    """
    return client.submit(_same, obj, pure=False)


def tree_sum(client: Any, futures: list) -> dict[str, Any]:
    """Sum the statistics futures in a tree on the cluster; the client gets one set."""
    level = list(futures)
    while len(level) > 1:
        level = [
            client.submit(_add, *level[i : i + _FAN_IN], pure=False)
            for i in range(0, len(level), _FAN_IN)
        ]
    return level[0].result()


def map_reduce(
    client: Any, parts: list, spec: Spec, method: str, params: Any = None
) -> dict[str, Any]:
    """``spec.<method>(part[, params])`` on every partition, summed in a tree on the cluster."""
    return tree_sum(
        client, client.map(_call, parts, method=method, spec=spec, params=params, pure=False)
    )


@dataclass
class Fitted:
    """A fitted spec: the parameters of the final E-step and the loop's record."""

    spec: Spec
    params: dict[str, Any]
    next_params: dict[str, Any]
    n_labels: np.ndarray
    n_iter: int = 1
    history: list[float] = field(default_factory=list)


def fit(client: Any, parts: list, spec: Spec, n_labels: np.ndarray, loop: dict) -> Fitted:
    """Run the method's EM (or its one pass) on the partitions."""
    start = map_reduce(client, parts, spec, "start")
    start["n_labels"] = n_labels
    params = spec.m_step(start)
    if not spec.iterative:
        if hasattr(spec, "refine"):  # a second pass with the first one's totals
            more = map_reduce(client, parts, spec, "refine", share(client, params))
            params = spec.weights(more, params)
        return Fitted(spec, params, params, n_labels)
    used: dict[str, Any] = {}

    def step() -> float:
        nonlocal params
        shared = share(client, params)
        total = map_reduce(client, parts, spec, "iterate", shared)
        total["n_labels"] = n_labels
        used["params"] = params
        params = spec.m_step(total)
        return float(total["ll"])

    with warnings.catch_warnings():
        if spec.name == "dawid_skene" and loop["max_iter"] <= EARLY_STOP_ITER:
            # Dawid-Skene's default stops early by design, as in memory: not a failure
            warnings.simplefilter("ignore", ConvergenceWarning)
        n_iter, history = em_loop(step, name=spec.name, **loop)
    return Fitted(spec, used["params"], params, n_labels, n_iter, history)
