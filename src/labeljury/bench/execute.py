"""Running one contender's fit: timed, traced for memory, in-process or in a
forked child with a hard time limit, and scored against gold.

Used by :mod:`labeljury.bench.runner` (the suite's loop) and
:mod:`labeljury.bench.protocol`; see the runner's docstring for when a fit is
forked and why.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import signal
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..annotations import Annotations
from ..errors import InputError
from . import metrics as M
from .peers import Contender, MethodOutput

__all__ = ["LIFT_T", "Outcome", "evaluate"]

LIFT_T = (10, 50, 100)


# ------------------------------------------------------------------ evaluation
def evaluate(
    out: MethodOutput, ann: Annotations, gold: np.ndarray, mv_labels: np.ndarray
) -> dict[str, float]:
    """Every quality metric of one fit (see :mod:`labeljury.bench.metrics`).

    ``*_own``: the method's consensus quality score against its own label
    being wrong; ``*_mv``: the method's quality score *of the majority-vote
    label* against the majority-vote label being wrong (the CROWDLAB paper's
    protocol, same target for every method). Only items with a gold label count.
    """
    known = gold >= 0
    g = gold[known]
    labels = out.labels[known]
    wrong_own = labels != g
    q_own = out.quality[known]
    mvq = (
        out.mv_quality
        if out.mv_quality is not None
        else out.probas[np.arange(len(mv_labels)), mv_labels]
    )
    wrong_mv = mv_labels[known] != g
    q_mv = np.asarray(mvq, float)[known]
    row: dict[str, float] = {"accuracy": M.accuracy(out.labels, gold)}
    for tag, target, score in (("own", wrong_own, q_own), ("mv", wrong_mv, q_mv)):
        row[f"auroc_{tag}"] = M.auroc(target, score)
        row[f"auprc_{tag}"] = M.auprc(target, score)
        for t in LIFT_T:
            row[f"lift{t}_{tag}"] = M.lift_at(target, score, t)
    fitted = out.annotations if out.annotations is not None else ann
    full_gold = gold
    if fitted.n_items != len(gold):  # never happens: model-annotator keeps the items
        raise InputError("annotations and gold disagree on the number of items")
    acc = M.annotator_accuracy(
        fitted.item, fitted.annotator, fitted.label, full_gold, fitted.n_annotators
    )
    has = ~np.isnan(acc)
    scores = np.asarray(out.annotator_scores, float)
    row["spearman"] = M.spearman(scores[has], acc[has]) if has.sum() >= 3 else float("nan")
    row["ece"] = M.expected_calibration_error(q_own, ~wrong_own)
    row["ece_floor"] = M.ece_floor(q_own)
    return row


# ------------------------------------------------------------------ measuring
def _timed(fn: Callable[[], MethodOutput]) -> tuple[MethodOutput, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _peak_mb(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def _message(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".replace("\n", " ")


def _fit_scored(
    c: Contender, ann: Annotations, arg: np.ndarray | None, gold: np.ndarray, mv_labels: np.ndarray
) -> tuple[MethodOutput, dict[str, float]]:
    """One timed fit of ``c``, and its metrics (``time_s`` + :func:`evaluate`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, secs = _timed(lambda: c.run(ann, arg))
        return out, {"time_s": secs, **evaluate(out, ann, gold, mv_labels)}


def _traced(c: Contender, ann: Annotations, arg: np.ndarray | None) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _peak_mb(lambda: c.run(ann, arg))


#: what a fit ended as: status ("ok", "failed", "timeout"), values, message
Outcome = tuple[str, dict[str, float], str]


def _run_here(
    c: Contender,
    ann: Annotations,
    arg: np.ndarray | None,
    gold: np.ndarray,
    mv_labels: np.ndarray,
    trace_max: float | None,
    keep: dict[str, tuple[MethodOutput, dict[str, float]]] | None = None,
) -> Outcome:
    """Fit in-process; with ``keep``, also store the output and its measures under ``c.name``."""
    try:
        out, res = _fit_scored(c, ann, arg, gold, mv_labels)
        if trace_max is not None and res["time_s"] <= trace_max:
            res["peak_mb"] = _traced(c, ann, arg)
    except Exception as exc:  # a peer's failure is a result, not a crash
        return "failed", {}, _message(exc)
    if keep is not None:
        keep[c.name] = (out, {k: res[k] for k in ("time_s", "peak_mb") if k in res})
    return "ok", res, ""


def _rescored(
    kept: tuple[MethodOutput, dict[str, float]],
    ann: Annotations,
    gold: np.ndarray,
    mv_labels: np.ndarray,
) -> Outcome:
    out, measures = kept
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", {**measures, **evaluate(out, ann, gold, mv_labels)}, ""
    except Exception as exc:
        return "failed", {}, _message(exc)


def _ended(code: int | None) -> str:
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        why = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"crashed: the fit's process was killed by {name}{why}"
    return f"crashed: the fit's process exited with code {code} without a result"


def _run_forked(
    c: Contender,
    ann: Annotations,
    arg: np.ndarray | None,
    gold: np.ndarray,
    mv_labels: np.ndarray,
    trace_max: float | None,
    timeout: float,
) -> Outcome:
    """:func:`_run_here` in a forked child, killed after ``timeout`` seconds.

    Fork (not spawn): the child inherits the contender (a closure, not
    picklable) and the data without copying; only the row's numbers come back.
    The traced run for peak memory, if any, gets its own ``timeout`` and is
    given up silently (``peak_mb`` left blank) when over it.
    """
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            _, res = _fit_scored(c, ann, arg, gold, mv_labels)
            send.send(("ok", res))
            if trace_max is not None and res["time_s"] <= trace_max:
                send.send(("peak", _traced(c, ann, arg)))
        except BaseException as exc:
            send.send(("failed", _message(exc)))
        finally:
            send.close()

    proc = ctx.Process(target=child, name=f"bench:{c.name}")
    sys.stdout.flush()  # else the child flushes its copy of the buffer too: doubled output
    sys.stderr.flush()
    with warnings.catch_warnings():
        # Python >= 3.12 warns when forking with threads (BLAS/OpenMP workers) running;
        # a child that deadlocks on a lock such a thread held is ended by the timeout
        warnings.simplefilter("ignore", DeprecationWarning)
        proc.start()
    send.close()  # the parent keeps the read end only: EOF once the child is gone
    try:
        if not recv.poll(timeout):
            return (
                "timeout",
                {},
                f"timed out after {timeout:g} s on {ann.n_annotations:,} annotations",
            )
        try:
            kind, payload = recv.recv()
        except EOFError:
            proc.join(10)
            return "failed", {}, _ended(proc.exitcode)
        if kind != "ok":
            return "failed", {}, str(payload)
        res = dict(payload)
        if trace_max is not None and res["time_s"] <= trace_max and recv.poll(timeout):
            with contextlib.suppress(EOFError):
                kind, peak = recv.recv()
                if kind == "peak":
                    res["peak_mb"] = float(peak)
        return "ok", res, ""
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        recv.close()
