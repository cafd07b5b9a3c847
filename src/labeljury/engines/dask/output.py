"""Writing the Dask engine's tables: one Parquet file per partition, atomically, resumable.

Layout of ``--out DIR``::

    _labeljury.json                 what run this is (input fingerprint, method, partitions)
    _fit.npz                        the fitted parameters (written when the fit ends)
    label_quality/part-00000.parquet ...           one row per item
    detailed_label_quality/part-00000.parquet ...  one row per annotation
    annotator_stats/part-00000.parquet             one row per annotator
    _SUCCESS                        written last: a JSON summary

Every file is written under a temporary name and renamed into place
(:func:`labeljury._files.atomic_write`), so a file under its final name is complete. A rerun
on the same input, method and partitioning after a crash reuses the fitted parameters
(no EM again) and skips every partition file already there with the right number of rows.
A folder holding another run's output is refused rather than mixed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..._files import atomic_write, check_output_dir
from ...errors import OutputError

__all__ = ["Output"]

MANIFEST = "_labeljury.json"
FIT = "_fit.npz"
SUCCESS = "_SUCCESS"
ITEM_TABLES = ("label_quality", "detailed_label_quality")


def _to_parquet(df: pd.DataFrame, path: str) -> None:
    from ...result import _to_parquet as write

    write(df, path)


def _rows(path: Path) -> int | None:
    """Rows of a complete Parquet file, None when it is missing or unreadable."""
    import pyarrow.parquet as pq

    try:
        return pq.read_metadata(path).num_rows
    except Exception:  # missing, truncated or not Parquet: written again
        return None


class Output:
    """One output folder of the Dask engine.

    Parameters
    ----------
    directory : path
    fingerprint : dict
        What identifies the run (input, columns, method and parameters, partitions);
        a folder written by another run is refused.
    inputs : sequence of paths
        The input files, which the output must never replace or sit among.
    """

    def __init__(
        self, directory: str | os.PathLike[str], fingerprint: dict[str, Any], inputs: Any = ()
    ) -> None:
        self.dir = check_output_dir(directory)
        self.fingerprint = fingerprint
        real = Path(os.path.realpath(self.dir))
        for f in inputs:
            parent = Path(os.path.realpath(f)).parent
            if parent == real or real in parent.parents:
                raise OutputError(
                    f"{self.dir}: the input {f} lies in this folder; write the outputs "
                    "elsewhere (--out), or a later read of the input would read them too"
                )

    def part_path(self, table: str, index: int) -> Path:
        return self.dir / table / f"part-{index:05d}.parquet"

    # ---------------------------------------------------------------- state
    def state(self) -> str:
        """``"new"``, ``"resume"`` (this run, unfinished) or ``"done"`` (this run, complete)."""
        manifest = self.dir / MANIFEST
        if not manifest.exists():
            if any(self.part_path(t, 0).parent.exists() for t in ITEM_TABLES):
                raise OutputError(
                    f"{self.dir} holds label_quality/ or detailed_label_quality/ without "
                    f"{MANIFEST}: not a labeljury Dask output; remove them or choose "
                    "another --out"
                )
            return "new"
        try:
            old = json.loads(manifest.read_text())
        except (OSError, ValueError) as exc:
            raise OutputError(f"{manifest}: unreadable ({exc}); remove the folder") from exc
        if old.get("fingerprint") != self.fingerprint:
            raise OutputError(
                f"{self.dir} holds the output of another run (a different input, method, "
                "parameters or partitioning); remove it or choose another --out"
            )
        return "done" if (self.dir / SUCCESS).exists() else "resume"

    def start(self) -> None:
        """Record which run writes here (before any table)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"fingerprint": self.fingerprint}, indent=1, default=str)
        atomic_write(self.dir / MANIFEST, lambda t: Path(t).write_text(text))

    # ---------------------------------------------------------------- the fit
    def save_fit(self, fitted: Any) -> None:
        arrays = {f"p.{k}": np.asarray(v) for k, v in fitted.params.items()}
        arrays.update({f"n.{k}": np.asarray(v) for k, v in fitted.next_params.items()})
        arrays["n_iter"] = np.asarray(fitted.n_iter)
        arrays["history"] = np.asarray(fitted.history, dtype=float)

        def write(tmp: str) -> None:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)

        atomic_write(self.dir / FIT, write)

    def load_fit(self) -> dict[str, Any] | None:
        path = self.dir / FIT
        if not path.exists():
            return None
        with np.load(path) as z:
            return {
                "params": {k[2:]: z[k] for k in z.files if k.startswith("p.")},
                "next_params": {k[2:]: z[k] for k in z.files if k.startswith("n.")},
                "n_iter": int(z["n_iter"]),
                "history": z["history"].tolist(),
            }

    # ---------------------------------------------------------------- tables
    def write_part(self, index: int, tables: dict[str, pd.DataFrame]) -> int:
        """Write one partition's tables unless complete already; returns files written."""
        written = 0
        for name, df in tables.items():
            path = self.part_path(name, index)
            if _rows(path) == len(df):
                continue  # a resumed run: this file is complete
            atomic_write(path, lambda t, df=df: _to_parquet(df, t))
            written += 1
        return written

    def finish(self, annotator_stats: pd.DataFrame, summary: dict[str, Any]) -> list[Path]:
        path = self.part_path("annotator_stats", 0)
        atomic_write(path, lambda t: _to_parquet(annotator_stats, t))
        text = json.dumps(summary, indent=1, default=str)
        atomic_write(self.dir / SUCCESS, lambda t: Path(t).write_text(text))
        return [self.dir / t for t in (*ITEM_TABLES, "annotator_stats")]
