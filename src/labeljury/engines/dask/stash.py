"""Partitions kept on their worker's local disk between passes, so memory stays flat in N.

The EM passes over every partition once an iteration. Holding the partitions in worker
memory makes a worker's memory grow with the data (about 25 bytes an annotation: the codes
and the one-hot matrix), and Dask's spilling, when the memory limit forces it, rewrites each
partition to disk every time it is read back. A partition is written once instead, when it
is built, to a file in the worker's local directory; the task that needs it reads it, and
its memory is freed when the task ends. What the cluster holds in memory is a small
:class:`Stashed` handle per partition, so the memory of a worker is that of the partitions
being processed (one per worker thread), whatever the size of the data.

A handle sent to another worker (Dask moves a task's inputs where the task runs) carries the
file's bytes, and the receiving worker writes them to its own folder: a handle is valid on
any worker of any cluster. A worker that dies loses its handles and Dask recomputes them from
the input, as for any result.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
import uuid
from typing import Any

__all__ = ["Stashed", "new_run_id", "opened", "remove_run", "stash"]


def new_run_id() -> str:
    """A name for one run's folder on every worker."""
    return uuid.uuid4().hex[:12]


def _run_dir(run_id: str, worker: Any = None) -> str:
    base = None if worker is None else worker.local_directory
    if base is None:
        try:
            from distributed import get_worker

            base = get_worker().local_directory
        except (ImportError, ValueError):  # not in a task (a test calling one directly)
            base = tempfile.gettempdir()
    path = os.path.join(base, f"labeljury-{run_id}")
    os.makedirs(path, exist_ok=True)
    return path


def _write(data: bytes, run_id: str, kind: str) -> str:
    # a fresh name for every write: a task that Dask reruns never meets a half-written file
    path = os.path.join(_run_dir(run_id), f"{kind}-{uuid.uuid4().hex}.pkl")
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return path


class Stashed:
    """A handle to a pickled object in a worker's local directory.

    Attributes
    ----------
    path : str
        The file, on the worker holding the handle.
    run_id : str
        The run whose folder holds the file (removed by :func:`remove_run`).
    info : Any
        Small facts about the object that the client may read without loading it.
    """

    __slots__ = ("info", "path", "run_id")

    def __init__(self, path: str, run_id: str, info: Any = None) -> None:
        self.path = path
        self.run_id = run_id
        self.info = info

    def load(self) -> Any:
        """The object, read from disk (freed when the caller drops it)."""
        with open(self.path, "rb") as f:
            return pickle.load(f)

    def __reduce__(self) -> tuple:
        # sent to another worker (or spilled): the bytes travel with the handle
        with open(self.path, "rb") as f:
            data = f.read()
        return _arrive, (self.path, self.run_id, self.info, data)

    def __sizeof__(self) -> int:
        # what it holds in memory; Dask's memory accounting reads this
        return 256


def _arrive(path: str, run_id: str, info: Any, data: bytes) -> Stashed:
    # always a copy in this worker's own folder, even on the same host: the sender's
    # folder goes when the sender dies (a new worker purges it)
    kind = os.path.basename(path).split("-", 1)[0]
    return Stashed(_write(data, run_id, kind), run_id, info)


def stash(obj: Any, run_id: str, kind: str, info: Any = None) -> Stashed:
    """Write ``obj`` to this worker's disk and return its handle."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return Stashed(_write(data, run_id, kind), run_id, info)


def opened(obj: Any) -> Any:
    """The object behind a handle (anything else as it is)."""
    return obj.load() if isinstance(obj, Stashed) else obj


def remove_run(run_id: str, kind: str | None = None, dask_worker: Any = None) -> None:
    """Remove the run's files on this worker (only those of ``kind`` when given); run by
    ``client.run``, which passes the worker as ``dask_worker``."""
    path = _run_dir(run_id, dask_worker)
    if kind is None:
        shutil.rmtree(path, ignore_errors=True)
        return
    for name in os.listdir(path):
        if name.startswith(kind + "-"):
            try:
                os.remove(os.path.join(path, name))
            except OSError:
                pass
