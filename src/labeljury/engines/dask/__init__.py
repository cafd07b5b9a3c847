"""The Dask engine: the in-memory methods' EM mapped over partitions of annotations.

See :func:`aggregate` and docs/dask.md. Requires the ``dask`` extra
(``pip install 'labeljury[dask]'``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["DaskResult", "aggregate", "require_dask"]


def require_dask() -> None:
    """Raise a clear labeljury error when the ``dask`` extra is missing."""
    from ...errors import LabeljuryError

    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise LabeljuryError(
            f"the Dask engine needs the 'dask' extra ({exc.name} is not installed): "
            "pip install 'labeljury[dask]'"
        ) from None


def aggregate(*args: Any, **kwargs: Any) -> Any:
    """See :func:`labeljury.engines.dask.run.aggregate`."""
    require_dask()
    from .run import aggregate as run

    return run(*args, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "DaskResult":
        require_dask()
        from .run import DaskResult

        return DaskResult
    raise AttributeError(name)
