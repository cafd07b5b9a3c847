"""Time every aggregation method (and crowd-kit's where it finishes) on synthetic data.

Each case runs in its own subprocess so peak memory is that case's alone:
the child draws ``make_large(n, n_classes=10, labels_per_item=(3, 5))``
(1,000 annotators at 1e6 annotations, 10,000 at 1e7), then times ``fit``.
Reported per case: wall seconds, CPU seconds of the fit (on a shared machine
wall time includes waiting for a core; CPU time does not), peak RSS of the
child (``resource.getrusage``, includes the data) and the RSS before the fit.
EM methods run a fixed 50 iterations (``max_iter=50, tol=0``; crowd-kit
``n_iter=50, tol=0``) so the two libraries do the same work.

Usage::

    .venv/bin/python benchmarks/speed.py --out bench-out [--sizes 1e5 1e6 1e7]
        [--methods dawid_skene glad ...] [--cap 600] [--no-crowdkit]

writes ``bench-out/speed.md`` and ``bench-out/speed.csv``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: our method -> (fit parameters, crowd-kit class, crowd-kit parameters)
CASES: dict[str, tuple[dict[str, Any], str | None, dict[str, Any]]] = {
    "majority_vote": ({}, "MajorityVote", {}),
    "wawa": ({}, "Wawa", {}),
    "zero_based_skill": ({}, "ZeroBasedSkill", {}),
    "dawid_skene": ({"max_iter": 50, "tol": 0.0}, "DawidSkene", {"n_iter": 50, "tol": 0.0}),
    "one_coin_dawid_skene": (
        {"max_iter": 50, "tol": 0.0},
        "OneCoinDawidSkene",
        {"n_iter": 50, "tol": 0.0},
    ),
    "glad": ({"max_iter": 50, "tol": 0.0}, "GLAD", {"n_iter": 50, "tol": 0.0}),
    "mace": ({}, "MACE", {}),
    "mmsr": ({}, "MMSR", {}),
    "kos": ({}, None, {}),  # K=10 data: KOS is binary only
}


def _rss_mb() -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS
    scale = 1.0 if sys.platform == "darwin" else 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def child(method: str, n: int, impl: str) -> dict[str, Any]:
    """Run one case in this process and return its measurements."""
    import numpy as np

    sys.path.insert(0, str(ROOT / "src"))
    from labeljury.methods import get_method
    from labeljury.synth import make_large

    warnings.simplefilter("ignore")
    # KOS is binary only: it gets the same layout with two classes
    ann, truth, _ = make_large(n, n_classes=2 if method == "kos" else 10, random_state=0)
    params, ck_name, ck_params = CASES[method]
    if impl == "crowdkit":
        import crowdkit.aggregation as agg
        import pandas as pd

        df = pd.DataFrame({"task": ann.item, "worker": ann.annotator, "label": ann.label})
        del ann
        rss_before = _rss_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        labels = getattr(agg, ck_name)(**ck_params).fit_predict(df)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        pred = labels.reindex(np.arange(len(truth))).to_numpy()
    else:
        rss_before = _rss_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        pred = get_method(method, **params).fit_predict(ann)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mb": _rss_mb(),
        "rss_before_fit_mb": rss_before,
        "accuracy": float(np.mean(pred == truth)),
    }


def run_case(method: str, n: int, impl: str, cap: float) -> dict[str, Any]:
    """One case in a fresh subprocess, killed after ``cap`` seconds."""
    cmd = [sys.executable, __file__, "--child", method, str(n), impl]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=cap, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"over the {cap:.0f} s cap"}
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1][:200]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def versions() -> dict[str, str]:
    """Versions of the libraries involved."""
    import numpy
    import scipy

    v = {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
    }
    try:
        import crowdkit

        v["crowd-kit"] = crowdkit.__version__
    except ImportError:
        pass
    return v


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run the cases, write the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, default=Path("bench-out"))
    ap.add_argument("--sizes", nargs="*", default=["1e5", "1e6", "1e7"])
    ap.add_argument("--methods", nargs="*", default=list(CASES))
    ap.add_argument("--cap", type=float, default=600.0, help="seconds per case (default 600)")
    ap.add_argument("--no-crowdkit", action="store_true")
    ap.add_argument("--from-csv", type=Path, help="only re-render speed.md from a speed.csv")
    args = ap.parse_args(argv)
    if args.child:
        method, n, impl = args.child
        print(json.dumps(child(method, int(n), impl)))
        return

    if args.from_csv:
        with open(args.from_csv) as f:
            rows = list(csv.DictReader(f))
        for r in rows:
            r["n_annotations"] = int(r["n_annotations"])
        write_markdown(args.out / "speed.md", rows, args.cap)
        return
    rows = []
    for size in args.sizes:
        n = int(float(size))
        for method in args.methods:
            impls = ["labeljury"]
            if not args.no_crowdkit and CASES[method][1]:
                impls.append("crowdkit")
            for impl in impls:
                res = run_case(method, n, impl, args.cap)
                rows.append({"n_annotations": n, "method": method, "impl": impl, **res})
                print(
                    f"{n:>10,d} {method:22s} {impl:9s} {res.get('wall_s', res.get('error'))}",
                    flush=True,
                )
    args.out.mkdir(parents=True, exist_ok=True)
    fields = [
        "n_annotations",
        "method",
        "impl",
        "wall_s",
        "cpu_s",
        "peak_rss_mb",
        "rss_before_fit_mb",
        "accuracy",
        "error",
    ]
    with open(args.out / "speed.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    write_markdown(args.out / "speed.md", rows, args.cap)


def write_markdown(path: Path, rows: list[dict[str, Any]], cap: float) -> None:
    """One line per (size, method): ours, crowd-kit's, and the ratio."""

    def fmt(r: dict[str, Any] | None, key: str, spec: str) -> str:
        if r is None:
            return "-"
        if r.get(key) not in (None, ""):
            return format(float(r[key]), spec)
        err = r.get("error") or "-"
        if key != "wall_s":
            return "-"
        return "fails: no `__sklearn_tags__`" if "__sklearn_tags__" in err else err[:40]

    lines = [
        "# labeljury speed benchmark",
        "",
        f"- date: {_dt.date.today().isoformat()}",
        f"- machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} logical CPUs",
        f"- versions: {', '.join(f'{k} {v}' for k, v in versions().items())}",
        "- data: `make_large(n, n_classes=10, labels_per_item=(3, 5))` (KOS: 2 classes); "
        f"cap {cap:.0f} s per case",
        "- EM methods: 50 iterations, tol 0 (both libraries)",
        "",
        "| annotations | method | wall s | CPU s | peak RSS MB | crowd-kit wall s | "
        "crowd-kit CPU s | crowd-kit peak MB | speed-up (CPU) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ours = {(r["n_annotations"], r["method"]): r for r in rows if r["impl"] == "labeljury"}
    theirs = {(r["n_annotations"], r["method"]): r for r in rows if r["impl"] == "crowdkit"}
    for key, r in ours.items():
        c = theirs.get(key)
        ok = c and c.get("cpu_s") not in (None, "") and r.get("cpu_s") not in (None, "")
        ratio = f"{float(c['cpu_s']) / float(r['cpu_s']):.0f}x" if ok else "-"
        lines.append(
            f"| {key[0]:,} | {key[1]} | {fmt(r, 'wall_s', '.2f')} | "
            f"{fmt(r, 'cpu_s', '.2f')} | {fmt(r, 'peak_rss_mb', '.0f')} | "
            f"{fmt(c, 'wall_s', '.2f')} | {fmt(c, 'cpu_s', '.2f')} | "
            f"{fmt(c, 'peak_rss_mb', '.0f')} | {ratio} |"
        )
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
