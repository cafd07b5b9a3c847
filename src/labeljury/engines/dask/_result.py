"""What :func:`labeljury.engines.dask.run.aggregate` returns: :class:`DaskResult`.

Its per-item and per-annotation tables are built lazily from the partitions left on the
workers (or read back from the output folder), and :meth:`DaskResult.close` removes those
partitions; a finished output folder of the same run is read back here without a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ...errors import InputError
from ...quality import detailed_label_quality, label_quality
from .output import Output
from .specs import Spec
from .stash import opened, remove_run

__all__ = ["DaskResult"]


def _tables(part: Any, spec: Spec, params: dict) -> dict[str, pd.DataFrame]:
    part = opened(part)
    view = spec.view(part, params)
    return {
        "label_quality": label_quality(part.ann, view),
        "detailed_label_quality": detailed_label_quality(part.ann, view),
    }


@dataclass
class DaskResult:
    """What :func:`aggregate` computed on the cluster.

    Attributes
    ----------
    method : str
        The method's name.
    annotator_stats : DataFrame
        Per annotator, worst first (the in-memory ``annotator_stats`` columns).
    summary : dict
        Headline numbers (items, annotations, mean consensus quality, iterations ...).
    params : dict
        The fitted global parameters (``conf`` confusion matrices ``[a, true, observed]``,
        ``prior``, one-coin ``acc`` ...), annotators and classes in the order of
        :attr:`annotators` and :attr:`classes`.
    n_iter_ : int
    loss_history_ : list of float
    annotators, classes : Index
    out : Path or None
        The output folder, when written.
    """

    method: str
    annotator_stats: pd.DataFrame
    summary: dict[str, Any]
    params: dict[str, Any]
    n_iter_: int
    loss_history_: list[float]
    annotators: pd.Index
    classes: pd.Index
    out: Path | None = None
    _parts: list = field(default_factory=list, repr=False)
    _spec: Spec | None = field(default=None, repr=False)
    _owned: Any = field(default=None, repr=False)
    _client: Any = field(default=None, repr=False)
    _run_id: str | None = field(default=None, repr=False)

    def close(self) -> None:
        """Remove the partitions from the workers' disks and close the local cluster
        :func:`aggregate` started for this result, if any."""
        if self._run_id is not None and self._client is not None:
            _remove(self._client, self._run_id)
            self._run_id = None
        if self._owned is not None:
            client, cluster = self._owned
            client.close()
            cluster.close()
            self._owned = None
        self._parts = []

    def _table(self, name: str) -> Any:
        import dask.dataframe as dd

        import dask

        if self.out is not None:
            return dd.read_parquet(str(self.out / name))
        if not self._parts:
            raise InputError(f"{name}: this result holds no partitions; write it with out=DIR")
        build = dask.delayed(_tables, pure=True)
        frames = [
            dask.delayed(lambda t, n=name: t[n])(build(p, self._spec, self.params))
            for p in self._parts
        ]
        return dd.from_delayed(frames, verify_meta=False)

    @property
    def label_quality(self) -> Any:
        """Per item (a Dask DataFrame): the in-memory ``label_quality`` columns."""
        return self._table("label_quality")

    @property
    def detailed_label_quality(self) -> Any:
        """Per annotation (a Dask DataFrame): the in-memory ``detailed_label_quality`` columns."""
        return self._table("detailed_label_quality")


def _remove(client: Any, run_id: str, kind: str | None = None) -> None:
    """Remove the run's partition files on every worker (a lost cluster keeps nothing)."""
    try:
        client.run(remove_run, run_id, kind)
    except Exception:  # a closed cluster: its directories went with it
        pass


def _read_done(output: Output, spec: Spec) -> DaskResult:
    """A complete output folder of this very run: read back, nothing recomputed."""
    import json

    summary = json.loads((output.dir / "_SUCCESS").read_text())
    summary["files_written"] = 0
    fit_ = output.load_fit() or {"params": {}, "n_iter": 0, "history": []}
    stats = pd.read_parquet(output.part_path("annotator_stats", 0))
    return DaskResult(
        spec.name,
        stats,
        summary,
        fit_["params"],
        fit_["n_iter"],
        fit_["history"],
        pd.Index(stats["annotator"]),
        pd.Index([]),
        out=output.dir,
    )
