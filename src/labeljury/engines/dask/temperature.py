"""Jury's score temperature on Dask: fitted on the very labels the in-memory Jury uses.

In memory, the temperature is fitted on every annotation of an item with two labels or
more, or on a random sample of :data:`~labeljury.methods.jury.scores.SAMPLE` of them drawn
over the annotations in input order. Here the partitions carry each annotation's input row,
the same positions are drawn, and a histogram of the eligible rows over buckets of the input
finds the drawn rows without collecting all of them; the sampled labels' terms are then
gathered (SAMPLE x K numbers) and the temperature fitted by the in-memory function.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .fit import share, tree_sum
from .specs import Spec
from .stash import opened

__all__ = ["temperature"]


def _eligible_rows(part: Any, spec: Spec) -> np.ndarray:
    return part.row[spec.eligible(part)]


def map_reduce_fn(client: Any, func: Any, parts: list, *args: Any) -> dict[str, Any]:
    """``func(part, *args)`` on every partition, summed in a tree on the cluster."""
    return tree_sum(client, [client.submit(func, p, *args, pure=False) for p in parts])


def _count(part: Any, spec: Spec) -> int:
    part = opened(part)
    return int(spec.eligible(part).size)


def _histogram(part: Any, spec: Spec, n_rows: int, n_buckets: int) -> dict[str, Any]:
    part = opened(part)
    buckets = _eligible_rows(part, spec) * n_buckets // n_rows
    return {"h": np.bincount(buckets, minlength=n_buckets)}


def _rows_in(part: Any, spec: Spec, n_rows: int, n_buckets: int, wanted: np.ndarray) -> Any:
    part = opened(part)
    rows = _eligible_rows(part, spec)
    return rows[np.isin(rows * n_buckets // n_rows, wanted)]


def _terms(part: Any, spec: Spec, params: dict, chosen: np.ndarray | None) -> Any:
    part = opened(part)
    picks = (
        np.arange(spec.eligible(part).size)
        if chosen is None
        else np.flatnonzero(np.isin(_eligible_rows(part, spec), chosen))
    )
    return spec.temperature_terms(part, params, picks) if picks.size else None


def _sampled_rows(client: Any, parts: list, spec: Spec, total: int, n_rows: int) -> np.ndarray:
    """The input rows of the labels the in-memory Jury samples: positions drawn, as there,
    among the eligible annotations in input order, found without collecting them all.

    A histogram of the eligible rows over buckets of the input gives each drawn position's
    bucket and rank in it; only the rows of those buckets are then collected.
    """
    from ...methods.jury.scores import SAMPLE

    rng = np.random.default_rng(spec.params["random_state"])
    drawn = np.sort(rng.choice(total, SAMPLE, replace=False))
    n_buckets = min(1 << 16, n_rows)
    hist = map_reduce_fn(client, _histogram, parts, spec, n_rows, n_buckets)["h"]
    ends = np.cumsum(hist)
    bucket = np.searchsorted(ends, drawn, side="right")
    rank = drawn - (ends - hist)[bucket]
    wanted = np.unique(bucket)
    got = client.gather(
        client.map(
            _rows_in,
            parts,
            spec=spec,
            n_rows=n_rows,
            n_buckets=n_buckets,
            wanted=wanted,
            pure=False,
        )
    )
    rows = np.sort(np.concatenate(got))
    first = np.searchsorted(rows * n_buckets // n_rows, bucket, side="left")
    return rows[first + rank]


def temperature(client: Any, parts: list, spec: Spec, params: dict, n_rows: int) -> float:
    """Jury's score temperature, fitted on the labels the in-memory Jury fits it on."""
    from ...methods.jury.scores import SAMPLE, label_temperature

    total = int(sum(client.gather(client.map(_count, parts, spec=spec, pure=False))))
    if total == 0:
        return 1.0
    chosen = _sampled_rows(client, parts, spec, total, n_rows) if total > SAMPLE else None
    shared = share(client, params)
    got = client.gather(
        client.map(_terms, parts, spec=spec, params=shared, chosen=chosen, pure=False)
    )
    got = [g for g in got if g is not None]
    ell = np.concatenate([g[0] for g in got])
    rest = np.concatenate([g[1] for g in got])
    return label_temperature(ell, rest)
