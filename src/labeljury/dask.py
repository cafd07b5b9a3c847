"""The Dask engine's public entry point: ``labeljury.dask.aggregate(ddf, method=...)``.

A thin module over :mod:`labeljury.engines.dask`; importing it does not import Dask
(only calling :func:`aggregate` does, with a clear error when the ``dask`` extra is
missing). See docs/dask.md.
"""

from __future__ import annotations

from .engines.dask import aggregate

__all__ = ["aggregate"]
