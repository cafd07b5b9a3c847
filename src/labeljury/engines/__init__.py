"""Engines: where the aggregation runs.

* in memory (the default): :func:`labeljury.aggregate` on one :class:`~labeljury.Annotations`;
* :mod:`labeljury.engines.dask`: the same E- and M-step kernels mapped over the partitions of
  a Dask DataFrame (annotations partitioned by item), for data larger than one machine's
  memory; public as :func:`labeljury.dask.aggregate`.

Both engines call the same code: the shared kernels in :mod:`labeljury.methods._em`, each
method's M-step from its sufficient statistics (``m_step`` in the method's module) and the
table builders in :mod:`labeljury.quality`. Only the Dask engine's driver is its own.
"""
