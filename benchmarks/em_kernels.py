"""The shared EM steps (issue 20): kernel choice, first-call cost, DS fit beside crowd-kit,
and ``aggregate`` at scale with peak memory.

Data: ``make_large(n, n_classes=10, labels_per_item=(5, 5))`` (1,000 annotators at
1e6 annotations, 10,000 at 1e7). Times are medians of ``--repeat`` runs, CPU seconds
(``time.process_time``: on a shared machine wall time includes waiting for a core)
and wall seconds; every ratio is measured in the same run.

1. **kernels**: one E-step with the next M-step's counts at ``--kernel-n``
   annotations, three ways: the numpy/scipy fallback; the shipped kernels (scipy
   sparse product, numba shift, numpy SIMD ``exp``, numba normalise + scatter); and
   an all-numba fused pass (gather, scalar ``exp``, normalise, scatter in one loop,
   defined here only for the comparison).
2. **first call**: a fresh process importing numba and running the kernels once,
   with the on-disk cache warm and cold (compiling).
3. **ds-fit**: ``DawidSkene().fit`` on the numpy path, on the kernels, and
   crowd-kit's ``DawidSkene`` with the same number of iterations (``tol=0``), on
   identical inputs, at ``--fit-sizes``.
4. **aggregate**: ``labeljury.aggregate(ann, method)`` from ``Annotations`` for
   ``--agg-methods`` at ``--agg-sizes``, each in its own subprocess, with peak RSS
   (``resource.getrusage``; includes the data).

Usage::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/em_kernels.py --out bench-out \\
        [--fit-sizes 1e4 1e5 1e6] [--agg-sizes 1e7] [--repeat 3] [--no-crowdkit]

writes ``bench-out/em_kernels.md`` (and prints it).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SRC = str(ROOT / "src")


def _data(n: int):
    from labeljury.synth.generative import make_large

    return make_large(n, n_classes=10, labels_per_item=(5, 5), random_state=0)[0]


def _timed(fn, repeat: int) -> tuple[float, float, Any]:
    """Median CPU and wall seconds of ``repeat`` calls, and the last result."""
    cpu, wall, out = [], [], None
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        out = fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return float(np.median(cpu)), float(np.median(wall)), out


def _force(path: str) -> None:
    from labeljury.methods import _em

    _em.KERNEL_MIN_ANNOTATIONS = 0 if path == "kernel" else 10**18
    _em.KERNEL_LOAD_ANNOTATIONS = 0 if path == "kernel" else 10**18


def _all_numba():
    """An all-numba fused E-step + counts (scalar exp), for the comparison only."""
    import numba as nb

    @nb.njit(cache=False, nogil=True, error_model="numpy")
    def fused(indptr, indices, data, w, log_prior, post, counts):
        n, k = post.shape
        acc = np.empty(k)
        counts[:] = 0.0
        ll = 0.0
        for i in range(n):
            acc[:] = 0.0
            for j in range(indptr[i], indptr[i + 1]):
                for c in range(k):
                    acc[c] += data[j] * w[indices[j], c]
            top = -np.inf
            for c in range(k):
                acc[c] = log_prior[c] + acc[c]
                top = max(top, acc[c])
            total = 0.0
            for c in range(k):
                post[i, c] = np.exp(acc[c] - top)
                total += post[i, c]
            for c in range(k):
                post[i, c] /= total
            ll += np.log(total) + top
            for j in range(indptr[i], indptr[i + 1]):
                for c in range(k):
                    counts[indices[j], c] += data[j] * post[i, c]
        return ll

    @nb.njit(cache=False, nogil=True)
    def gather(indptr, indices, data, w, out):
        n, k = out.shape
        for i in range(n):
            out[i, :] = 0.0
            for j in range(indptr[i], indptr[i + 1]):
                for c in range(k):
                    out[i, c] += data[j] * w[indices[j], c]

    return fused, gather


def bench_kernels(n: int, repeat: int) -> dict[str, Any]:
    from labeljury.methods import DawidSkene, _em

    ann = _data(n)
    x = ann.one_hot()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = DawidSkene(max_iter=3).fit(ann)
    log_conf, log_prior = np.log(fit.confusion_matrices_), np.log(fit.priors_)
    out: dict[str, Any] = {"n": ann.n_annotations}
    res = {}
    for path in ("numpy", "kernel"):
        _force(path)
        _em.e_step(x, log_conf, log_prior, counts=True)  # compile / warm up
        cpu, wall, res[path] = _timed(
            lambda: _em.e_step(x, log_conf, log_prior, counts=True), repeat
        )
        out[path] = {"cpu_ms": cpu * 1e3, "wall_ms": wall * 1e3}
    fused, gather = _all_numba()
    w = _em._weight_table(log_conf)
    # the shipped pass, part by part
    from labeljury.methods import _kernels

    csr = (x.indptr, x.indices, x.data)
    buf, top, cnt = np.empty((ann.n_items, 10)), np.empty(ann.n_items), np.empty((x.shape[1], 10))
    lp2, no_gold = np.atleast_2d(log_prior), np.empty(0, dtype=np.int32)
    parts = {
        "scipy X @ W": lambda: x @ w,
        "numba gather (run-time K)": lambda: gather(*csr, w, buf),
        "prior_shift": lambda: _kernels.prior_shift(buf, lp2, no_gold, top),
        "numpy exp": lambda: np.exp(buf, out=buf),
        "normalize_scatter": lambda: _kernels.normalize_scatter(*csr, buf, top, cnt),
        "normalize only": lambda: _kernels.normalize_scatter(*csr, buf, top, cnt[:0]),
    }
    gather(*csr, w, buf)
    out["parts_cpu_ms"] = {name: _timed(f, repeat)[0] * 1e3 for name, f in parts.items()}
    post, counts = np.empty((ann.n_items, 10)), np.empty((x.shape[1], 10))
    args = (x.indptr, x.indices, x.data, w, log_prior, post, counts)
    fused(*args)
    cpu, wall, _ = _timed(lambda: fused(*args), repeat)
    out["all_numba"] = {"cpu_ms": cpu * 1e3, "wall_ms": wall * 1e3}
    # float32 instead: numpy's exp on the (n_items, K) array, and how far a float32
    # E-step (float32 table, sums and normalisation) lands from the float64 posterior
    logs = np.log(np.clip(res["numpy"][0], 1e-300, None))
    for dtype in ("float64", "float32"):
        arr = logs.astype(dtype)
        buf = np.empty_like(arr)
        cpu, _, _ = _timed(lambda arr=arr, buf=buf: np.exp(arr, out=buf), repeat)
        out[f"exp_{dtype}_ms"] = cpu * 1e3
    w32 = _em._weight_table(log_conf).astype(np.float32)
    ll32 = np.asarray(x.astype(np.float32) @ w32) + log_prior.astype(np.float32)
    ll32 -= ll32.max(axis=1, keepdims=True)
    np.exp(ll32, out=ll32)
    ll32 /= ll32.sum(axis=1, keepdims=True)
    out["max_post_diff_float32"] = float(np.abs(ll32 - res["numpy"][0]).max())
    out["max_post_diff_kernel"] = float(np.abs(res["kernel"][0] - res["numpy"][0]).max())
    out["max_post_diff_all_numba"] = float(np.abs(post - res["numpy"][0]).max())
    return out


FIRST_CALL = """
import time, numpy as np
from labeljury.methods import _em
_em.KERNEL_MIN_ANNOTATIONS = _em.KERNEL_LOAD_ANNOTATIONS = 0
from labeljury.synth.generative import make_large
ann = make_large(2_000, random_state=0)[0]
x = ann.one_hot(); k = ann.n_classes
lc = np.log(np.full((ann.n_annotators, k, k), 1.0 / k))
c, t = time.process_time(), time.perf_counter()
_em.e_step(x, lc, np.zeros(k), counts=True)
_em.log_normalize(np.zeros((10, k)))
print(time.process_time() - c, time.perf_counter() - t)
"""


def bench_first_call() -> dict[str, float]:
    """CPU and wall seconds of the first kernel calls in a fresh process: numba import +
    load (warm cache) or compile (cold)."""
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPATH": SRC, "NUMBA_CACHE_DIR": cache}
        for label in ("cold_cache_compile", "warm_cache_load"):
            r = subprocess.run(
                [sys.executable, "-c", FIRST_CALL], env=env, capture_output=True, text=True
            )
            cpu, wall = r.stdout.split()[-2:] if r.returncode == 0 else ("nan", "nan")
            out[label], out[label + "_wall"] = float(cpu), float(wall)
    return out


def bench_ds_fit(n: int, repeat: int, crowdkit: bool) -> dict[str, Any]:
    from labeljury.methods import DawidSkene

    ann = _data(n)
    ann.one_hot()  # built once, outside the timings (cached on ann)
    row: dict[str, Any] = {"n": ann.n_annotations}
    fits = {}
    for path in ("numpy", "kernel"):
        _force(path)
        DawidSkene(max_iter=2).fit(ann)  # warm-up (numba load)
        # to convergence (max_iter=100, tol 1e-6), the work the targets were set on;
        # the default stops after 2 iterations (docs/methods.md)
        cpu, wall, fits[path] = _timed(lambda: DawidSkene(max_iter=100).fit(ann), repeat)
        row[path] = {"cpu_s": cpu, "wall_s": wall, "iters": fits[path].n_iter_}
    row["same_labels"] = bool(np.array_equal(fits["numpy"].labels_, fits["kernel"].labels_))
    row["max_proba_diff"] = float(np.abs(fits["numpy"].probas_ - fits["kernel"].probas_).max())
    if crowdkit:
        import pandas as pd
        from crowdkit.aggregation import DawidSkene as CkDS

        df = pd.DataFrame({"task": ann.item, "worker": ann.annotator, "label": ann.label})
        iters = fits["kernel"].n_iter_
        reps = max(1, repeat if n <= 200_000 else 1)
        cpu, wall, ck = _timed(lambda: CkDS(n_iter=iters, tol=0.0).fit(df), reps)
        ck_labels = ck.labels_.sort_index().to_numpy()
        row["crowdkit"] = {"cpu_s": cpu, "wall_s": wall, "iters": iters, "repeats": reps}
        row["agree_with_crowdkit"] = float(np.mean(ck_labels == fits["kernel"].labels_))
    return row


AGG_CHILD = """
import json, resource, sys, time
from labeljury.methods import _em
if sys.argv[3] == "numpy":  # "kernel": the library's own choice (numba present -> kernels)
    _em.KERNEL_MIN_ANNOTATIONS = 10**18
import labeljury
from labeljury.synth.generative import make_large
ann = make_large(int(float(sys.argv[1])), n_classes=10, labels_per_item=(5, 5), random_state=0)[0]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
c, w = time.process_time(), time.perf_counter()
method, _, params = sys.argv[2].partition(":")  # "dawid_skene:max_iter=100"
kw = {k: json.loads(v) for k, v in (p.split("=") for p in params.split(",") if p)}
res = labeljury.aggregate(ann, method=method, **kw)
print(json.dumps({"cpu_s": time.process_time() - c, "wall_s": time.perf_counter() - w,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "data_mb": before,
    "n": ann.n_annotations}))
"""


def bench_aggregate(n: int, method: str, path: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": SRC}
    r = subprocess.run(
        [sys.executable, "-c", AGG_CHILD, str(n), method, path],
        env=env,
        capture_output=True,
        text=True,
    )
    if r.returncode:
        return {"error": r.stderr.strip().splitlines()[-1]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("bench-out"))
    ap.add_argument("--kernel-n", type=float, default=1e6)
    ap.add_argument("--fit-sizes", type=float, nargs="*", default=[1e4, 1e5, 1e6])
    ap.add_argument("--agg-sizes", type=float, nargs="*", default=[1e7])
    ap.add_argument(
        "--agg-methods",
        nargs="*",
        default=["dawid_skene", "dawid_skene:max_iter=100", "jury"],
        help="method names; NAME:param=value,... passes parameters",
    )
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-crowdkit", action="store_true")
    ap.add_argument(
        "--parts", nargs="*", default=["kernels", "first", "fit", "aggregate"], help="a subset"
    )
    args = ap.parse_args(argv)
    import numba
    import scipy

    started = _dt.datetime.now(_dt.timezone.utc)
    load = [os.getloadavg()]
    report: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.system()}, {os.cpu_count()} CPUs",
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "numba": numba.__version__,
        },
    }
    if "kernels" in args.parts:
        report["kernels"] = bench_kernels(int(args.kernel_n), max(args.repeat, 5))
    if "first" in args.parts:
        report["first_call"] = bench_first_call()
    load.append(os.getloadavg())
    if "fit" in args.parts:
        report["ds_fit"] = [
            bench_ds_fit(int(n), args.repeat, not args.no_crowdkit) for n in args.fit_sizes
        ]
    load.append(os.getloadavg())
    if "aggregate" in args.parts:
        report["aggregate"] = [
            {"method": m, "path": p, **bench_aggregate(int(n), m, p)}
            for n in args.agg_sizes
            for m in args.agg_methods
            for p in ("numpy", "kernel")
        ]
    load.append(os.getloadavg())
    report["load_1min"] = [round(x[0], 2) for x in load]
    report["minutes"] = round((_dt.datetime.now(_dt.timezone.utc) - started).seconds / 60, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "em_kernels.json").write_text(json.dumps(report, indent=1))
    text = render(report)
    (args.out / "em_kernels.md").write_text(text)
    print(text)


def render(r: dict[str, Any]) -> str:
    lines = [
        f"Run {r['started']} ({r['minutes']} min), {r['machine']}, load (1-min) at the start "
        f"and after each part: {r['load_1min']}; {r['versions']}.",
        "",
    ]
    if "kernels" in r:
        lines += _render_kernels(r["kernels"])
    if "first_call" in r:
        lines += [
            f"First kernel call in a fresh process (numba import + kernels), CPU (wall) s: "
            f"warm cache {r['first_call']['warm_cache_load']:.2f} "
            f"({r['first_call']['warm_cache_load_wall']:.2f}), cold cache (compiling) "
            f"{r['first_call']['cold_cache_compile']:.2f} "
            f"({r['first_call']['cold_cache_compile_wall']:.2f}).",
            "",
        ]
    if "ds_fit" in r:
        lines += _render_fit(r["ds_fit"])
    if "aggregate" in r:
        lines += _render_aggregate(r["aggregate"])
    return "\n".join(lines) + "\n"


def _render_kernels(k: dict[str, Any]) -> list[str]:
    return [
        f"One E-step + next M-step counts, {k['n']:,} annotations, K=10 (median ms):",
        "",
        "| implementation | CPU ms | wall ms | max posterior diff vs numpy |",
        "|---|---:|---:|---:|",
        f"| numpy/scipy (fallback) | {k['numpy']['cpu_ms']:.1f} "
        f"| {k['numpy']['wall_ms']:.1f} | - |",
        f"| shipped kernels | {k['kernel']['cpu_ms']:.1f} | {k['kernel']['wall_ms']:.1f} "
        f"| {k['max_post_diff_kernel']:.1e} |",
        f"| all-numba fused (scalar exp) | {k['all_numba']['cpu_ms']:.1f} "
        f"| {k['all_numba']['wall_ms']:.1f} | {k['max_post_diff_all_numba']:.1e} |",
        "",
        "Parts (CPU ms): "
        + ", ".join(f"{name} {ms:.1f}" for name, ms in k["parts_cpu_ms"].items())
        + ".",
        "",
        f"float32 instead of float64: numpy's exp on the posterior-sized array "
        f"{k['exp_float32_ms']:.1f} ms CPU against {k['exp_float64_ms']:.1f} ms; one float32 "
        f"E-step's posterior is up to {k['max_post_diff_float32']:.1e} from the float64 one.",
        "",
    ]


def _render_fit(fits: list[dict[str, Any]]) -> list[str]:
    lines = [
        "DawidSkene().fit (tol 1e-6), crowd-kit DawidSkene with the same iterations (tol=0):",
        "",
        "| annotations | iters | numpy CPU s | kernels CPU s | kernels wall s "
        "| crowd-kit CPU s | crowd-kit wall s | crowd-kit / kernels (CPU) | same labels |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for f in fits:
        ck = f.get("crowdkit")
        ratio = f"{ck['cpu_s'] / f['kernel']['cpu_s']:.0f}x" if ck else "-"
        lines.append(
            f"| {f['n']:,} | {f['kernel']['iters']} | {f['numpy']['cpu_s']:.3f} "
            f"| {f['kernel']['cpu_s']:.3f} | {f['kernel']['wall_s']:.3f} "
            f"| {ck['cpu_s']:.2f} | {ck['wall_s']:.2f} | {ratio} | "
            if ck
            else f"| {f['n']:,} | {f['kernel']['iters']} | {f['numpy']['cpu_s']:.3f} "
            f"| {f['kernel']['cpu_s']:.3f} | {f['kernel']['wall_s']:.3f} | - | - | - | "
        )
        lines[-1] += f"{'yes' if f['same_labels'] else 'NO'} (max diff {f['max_proba_diff']:.0e}) |"
    return [*lines, ""]


def _render_aggregate(aggs: list[dict[str, Any]]) -> list[str]:
    lines = [
        "`aggregate(ann, method)` from Annotations (one subprocess each; peak RSS includes data):",
        "",
        "| annotations | method | path | CPU s | wall s | peak RSS MB | data MB |",
        "|---:|---|---|---:|---:|---:|---:|",
    ]
    for a in aggs:
        if "error" in a:
            lines.append(f"| | {a['method']} | {a['path']} | error: {a['error']} | | | |")
            continue
        lines.append(
            f"| {a['n']:,} | {a['method']} | {a['path']} | {a['cpu_s']:.1f} | {a['wall_s']:.1f} "
            f"| {a['peak_mb']:,.0f} | {a['data_mb']:,.0f} |"
        )
    return lines


if __name__ == "__main__":
    main()
