"""The per-annotation columns of a Label Studio JSON export, read by one or several processes.

A large export is cut into byte ranges at task boundaries
(:mod:`~labeljury.io._json_split`); each range is read into :class:`_Columns`
by its own process (the caller reads the first) and the columns are merged, the
user and answer vocabularies recoded in first-appearance order, so the result
is the one a single pass gives. Anything irregular in any range (an error, a
warning, a timestamp that is not text, an id or vocabulary entry whose identity
could change on the way between processes) discards the parallel read and the
file is read again by one process, whose messages are exactly the sequential
reader's.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import time
import warnings
from array import array
from typing import Any

import numpy as np

from ..errors import InputError
from ._common import iter_json_array, to_utc
from ._json_split import iter_json_range, split_array
from .tables import inner_suffix

#: The smallest range one process reads: files under twice this are read by one.
#: `benchmarks/io_speed.py --parallel-threshold`, idle 2-core VM, 2026-12-05 03:24
#: UTC, one process / two: 4.7 MiB 0.047 / 0.039 s, 11.8 MiB 0.118 / 0.080 s,
#: 23.6 MiB 0.230 / 0.135 s, 47.3 MiB 0.451 / 0.252 s; under load (another job on
#: one core) two processes lost up to 11.8 MiB. From 16 MiB the gain is sure.
PARALLEL_BYTES = 8 << 20

_PLAIN_STAMPS = frozenset({str, type(None)})


def read_columns(path: str, *, parts: int | None = None) -> _Columns:
    """The columns of the export in ``path``; in several processes when it is large.

    ``parts`` (tests set it) forces the number of processes, whatever the file's
    size and the cores; it is still 1 where fork is unsafe.
    """
    if parts is None:
        parts = _parts(path, PARALLEL_BYTES)
    elif inner_suffix(path)[1] is not None or not _fork_safe():
        parts = 1
    if parts > 1:
        cols = _read_parallel(path, parts)
        if cols is not None:
            return cols
    cols = _Columns(path)
    cols.read()
    return cols


def _parts(path: str, min_bytes: int) -> int:
    """How many processes should read ``path``: 1 unless it is large and fork is safe."""
    if inner_suffix(path)[1] is not None or not os.path.isfile(path):
        return 1  # compressed: decoded by one stream
    size = os.path.getsize(path)
    if size < 2 * min_bytes or not _fork_safe():
        return 1
    cores = len(os.sched_getaffinity(0))
    return max(1, min(cores, size // min_bytes))


def _fork_safe() -> bool:
    """True on Linux when this is the main thread and no other Python thread runs.

    Workers are started by fork only: forkserver or spawn children import numpy
    and pandas again (0.38 s a worker by spawn, the first by forkserver, against
    5 ms by fork: ``benchmarks/io_speed.py --parallel-threshold``) and
    re-import the caller's ``__main__``, which a script without a ``__main__``
    guard does not survive; so where fork is unsafe the file is read by one
    process. Another Python thread could hold a lock the worker needs (logging,
    a library's own), so any one rules fork out. Native pool threads do not:
    OpenBLAS's (started when numpy, scipy or scikit-learn is imported or used),
    OpenMP's and pyarrow's wait on their own locks, which the worker never
    touches (it runs only json's decoder, pandas' timestamp parser and pickle),
    and the locks it does take are the interpreter's, re-made in the child by
    CPython, and malloc's, which glibc and jemalloc hold across fork themselves.
    Refusing them would leave the command line, which imports those libraries
    before it reads, on one process.
    """
    if not sys.platform.startswith("linux"):
        return False
    import threading

    return threading.current_thread() is threading.main_thread() and threading.active_count() == 1


def _is_task(obj: Any) -> bool:
    # a cut point's element: a task, not one of its annotations or results
    return isinstance(obj, dict) and "id" in obj and ("annotations" in obj or "data" in obj)


def _read_parallel(path: str, parts: int) -> _Columns | None:
    """Read ``path`` in ``parts`` processes (this one reads the first range); None if irregular."""
    import multiprocessing

    cuts = split_array(path, parts, _is_task)
    if cuts is None:
        return None
    ctx = multiprocessing.get_context("fork")
    procs, conns = [], []
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns on fork with any other thread; _fork_safe allowed it
            warnings.simplefilter("ignore", DeprecationWarning)
            for k in range(1, parts):
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(
                    target=_worker,
                    args=(path, cuts[k], cuts[k + 1], k == parts - 1, send),
                    daemon=True,
                )
                procs.append(proc)
                conns.append(recv)
                try:
                    proc.start()
                except Exception:  # a daemonic caller may not have children; no processes left
                    send.close()
                    return None
                send.close()
        t0 = time.perf_counter()
        ranges = [_read_range(path, 0, cuts[1], False)]
        if ranges[0] is None:
            return None
        patience = _patience(time.perf_counter() - t0)
        for conn in conns:
            try:
                # a worker that never answers (stuck, say on a lock a native thread
                # held at the fork) must not hang the read: past a generous wait the
                # file is read in this process instead
                if not conn.poll(max(0.0, patience - (time.perf_counter() - t0))):
                    return None
                ranges.append(conn.recv())
            except Exception:  # the worker died (EOFError) or sent something unreadable
                return None
            if ranges[-1] is None:
                return None
    finally:
        for conn in conns:
            conn.close()
        for proc in procs:
            if proc.pid is None:  # never started
                continue
            if proc.is_alive():
                proc.terminate()
            proc.join()
    cols = _merge(ranges)
    cols.parts = parts
    return cols


def _patience(own_seconds: float) -> float:
    """Seconds to wait, from the start of the read, for the workers' ranges.

    A worker reads as much as this process did in ``own_seconds``; ten times that
    plus half a minute covers a worker sharing its core with other jobs.
    """
    return 10.0 * own_seconds + 30.0


def _worker(path: str, start: int, stop: int, last: bool, conn: Any) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the workers itself
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn.send(_read_range(path, start, stop, last))
    conn.close()


def _read_range(path: str, start: int, stop: int, last: bool) -> _Columns | None:
    """The columns of one range, or None when anything in it is irregular."""
    cols = _Columns(path, (start, stop, last))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cols.read()
    except Exception:  # the sequential read gives the message
        return None
    if caught or cols.odd or not _portable(cols):
        return None
    return cols


def _portable(cols: _Columns) -> bool:
    """True when the range's ids and vocabularies merge as one pass would build them.

    A float NaN compares equal only to itself (json decodes every ``NaN`` to
    one object), and that identity does not survive pickling; ids other than
    integers and text are judged by identity too (``coded``). Such files are
    read by one process.
    """
    if isinstance(cols.items, list) and not all(type(v) in (int, str) for v in cols.items):
        return False
    if any(type(u) is float and u != u for u in cols.users):
        return False
    return not any(type(c) is float and c != c for key in cols.answers for c in key)


def _merge(ranges: list[_Columns]) -> _Columns:
    """One set of columns from consecutive ranges, coded as one pass codes them."""
    out = ranges[0]
    for cols in ranges[1:]:
        n0 = len(out.items)
        if isinstance(out.items, array) and isinstance(cols.items, array):
            out.items += cols.items
        else:
            out.items = [*out.items, *cols.items]
        user_map = _recode(out.users, cols.users)
        out.user += _take(user_map, cols.user)
        answer_map = _recode(out.answers, cols.answers)
        for q, col in cols.labels.items():
            # a column is as long as its last answer (one pass pads it lazily too)
            mine = out.labels.setdefault(q, array("i"))
            if len(mine) < n0:
                mine.extend(array("i", [-1]) * (n0 - len(mine)))
            mine += _take(answer_map, col)
        out.status += cols.status
        out.truth += cols.truth
        out.seconds += cols.seconds
        out.stamps += cols.stamps
        for q, k in cols.repeated.items():
            out.repeated[q] = out.repeated.get(q, 0) + k
    return out


def _recode(vocab: dict[Any, int], more: dict[Any, int]) -> np.ndarray:
    """Add ``more``'s entries to ``vocab`` (new ones last, in order); their codes there."""
    return np.fromiter((vocab.setdefault(v, len(vocab)) for v in more), np.int32, len(more))


def _take(codes: np.ndarray, col: array) -> array:
    """``codes[col]`` with -1 (none) kept, as an ``array("i")``."""
    lut = np.append(codes, np.int32(-1))
    out = array("i")
    out.frombytes(lut[np.frombuffer(col, dtype=np.int32)].tobytes())
    return out


class _Columns:
    """Per-annotation columns of a Label Studio JSON export.

    Only small codes and numbers are kept per annotation (typed arrays); user ids
    and answers are stored once each in a vocabulary, and timestamps are parsed
    a block at a time, so memory grows with the annotations in compact form and
    never with the file's text.
    """

    def __init__(self, path: str, span: tuple[int, int, bool] | None = None) -> None:
        self.path = path
        self.span = span  # (start byte, stop byte, last range) or the whole file
        self.odd = False  # a timestamp that is not text: parsed block by block, one pass only
        self.parts = 1  # processes that read the file
        # task ids: int64 while every id is an integer (no Python object kept per
        # annotation, so the decoder's freed memory is reused), a list otherwise
        self.items: array | list[Any] = array("q")
        self.users: dict[Any, int] = {}
        self.answers: dict[tuple[Any, ...], int] = {}
        self.user = array("i")
        self.status = array("b")
        self.truth = array("b")
        self.seconds = array("d")
        self.labels: dict[str, array] = {}  # question -> answer code per annotation (-1 = none)
        self.stamps: list[np.ndarray] = []
        # question -> annotations holding more than one result for it (the last counts)
        self.repeated: dict[str, int] = {}

    def read(self) -> None:
        """Stream the tasks of the file into the columns."""
        # Decoded JSON holds no reference cycles, so the cyclic garbage collector
        # has nothing to find; left on, it re-walks the live tasks on each pass.
        collect = gc.isenabled()
        gc.disable()
        try:
            self._read()
        finally:
            if collect:
                gc.enable()

    def _read(self) -> None:
        # one pass per annotation with every lookup bound to a local name: this
        # loop and json's C decoder are the whole cost of reading an export
        items, users, answers, labels = self.items, self.users, self.answers, self.labels
        add_item, add_user = items.append, self.user.append
        add_status, add_truth, add_secs = self.status.append, self.truth.append, self.seconds.append
        pending: list[Any] = []
        add_stamp = pending.append
        nan = float("nan")
        if self.span is None:
            tasks = iter_json_array(self.path)
        else:
            start, stop, last = self.span
            tasks = iter_json_range(self.path, start, stop, last=last)
        for t, task in enumerate(tasks):
            if not isinstance(task, dict) or "id" not in task:
                raise InputError(f"{self.path}: task {t} is not a Label Studio task (no 'id')")
            tid = task["id"]
            if type(items) is array and not (type(tid) is int and -(1 << 63) <= tid < 1 << 63):
                items = self.items = list(items)
                add_item = items.append
            for group, kind in ((task.get("annotations"), 0), (task.get("drafts"), 2)):
                if not group:
                    continue
                for a in group:
                    n = len(items)
                    add_item(tid)
                    if "completed_by" in a:
                        who = a["completed_by"]
                    else:
                        who = a.get("user", a.get("created_username"))
                    if type(who) is dict:
                        who = who.get("email") or who.get("id")
                    code = users.get(who)
                    if code is None:
                        code = users[who] = len(users)
                    add_user(code)
                    add_status(1 if kind == 0 and a.get("was_cancelled") else kind)
                    add_truth(1 if a.get("ground_truth") else 0)
                    lead = a.get("lead_time")
                    add_secs(lead if isinstance(lead, (int, float)) else nan)
                    add_stamp(a.get("created_at"))
                    for r in a.get("result") or ():
                        value = r.get("value")
                        if not (isinstance(value, dict) and "choices" in value):
                            continue
                        q = r.get("from_name", "choices")
                        col = labels.get(q)
                        if col is None:
                            col = labels[q] = array("i", [-1]) * n
                        if len(col) < n:
                            col.extend([-1] * (n - len(col)))
                        chosen = value["choices"]
                        try:
                            code = answers.get(tuple(chosen)) if type(chosen) is list else None
                        except TypeError:  # an unhashable choice: refused below
                            code = None
                        if code is None:  # a new answer: checked once
                            code = self._new_answer(chosen, n, a, q)
                        if len(col) == n:
                            col.append(code)
                        else:  # a second result for the same question: the last counts
                            col[n] = code
                            self.repeated[q] = self.repeated.get(q, 0) + 1
            if len(pending) >= 1 << 16:
                self._stamps(pending)
                pending.clear()
        self._stamps(pending)

    def _stamps(self, pending: list[Any]) -> None:
        # pandas leaves reference cycles behind when parsing; with the collector
        # off they would pile up (measured: +140 MiB at 1e6 annotations)
        if self.span is not None and not set(map(type, pending)) <= _PLAIN_STAMPS:
            # text parses one value at a time (ISO 8601); numbers and others are
            # parsed by how the block as a whole looks, and a range's blocks are
            # not one pass's blocks
            self.odd = True
        gc.enable()
        try:
            self.stamps.append(to_utc(pending).to_numpy(dtype="datetime64[ns]"))
        finally:
            gc.disable()

    def _new_answer(self, chosen: Any, n: int, a: dict[str, Any], q: str) -> int:
        if not isinstance(chosen, list) or not all(
            isinstance(c, (str, int, float)) for c in chosen
        ):
            raise InputError(
                f"{self.path}: task {self.items[n]!r} annotation {a.get('id')!r}: "
                f"'choices' of {q!r} is {json.dumps(chosen)[:60]}, not a list of class "
                "names (nested one level too deep?); fix the export"
            )
        return self.answers.setdefault(tuple(chosen), len(self.answers))
