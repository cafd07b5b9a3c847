"""Peak memory of each process of a Dask run against the number of annotations (docs/dask.md).

Runs ``labeljury aggregate DATA --engine dask --workers 2 --worker-memory LIMIT`` on the
Parquet datasets of ``benchmarks/scale.py`` (generated once into ``--dir`` and reused) and
samples the resident memory (RSS) of the client and of every worker process every 0.2 s with
psutil: the peak of each process and the peak of their sum. Dawid-Skene, 50 iterations with
tolerance 0, as in docs/scale.md::

    python benchmarks/dask_memory.py --sizes 1e6 1e7 3e7 1e8 --worker-memory 2GB --dir /tmp/dm

``--api`` runs the same through the Python API (``labeljury.dask.aggregate`` on the CLI's
reader, with the CLI's local cluster) instead of the CLI. Prints one JSON line per size.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale  # the benchmark's own data generator

API = """
import glob
import labeljury.dask
from labeljury.engines.dask.cli import read_dataset
from labeljury.engines.dask.inputs import get_client

if __name__ == "__main__":
    client, cluster = get_client(None, 2, "{mem}")
    data = read_dataset(sorted(glob.glob("{data}/*.parquet")), "parquet")
    labeljury.dask.aggregate(
        data, "dawid_skene", client=client, out="{out}", max_iter=50, tol=0.0
    )
    client.close()
    cluster.close()
"""


def sample(cmd: list[str]) -> dict[str, object]:
    """Run ``cmd``; the peak RSS (MiB) of its root process, of each child, and of their sum."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    peak: dict[int, int] = {}
    peak_sum = 0
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            break
        total = 0
        for p in tree:
            try:
                rss = p.memory_info().rss
            except psutil.Error:
                continue
            total += rss
            peak[p.pid] = max(peak.get(p.pid, 0), rss)
        peak_sum = max(peak_sum, total)
        time.sleep(0.2)
    err = proc.communicate()[1]
    workers = sorted((v >> 20 for k, v in peak.items() if k != proc.pid and v > 64 << 20))
    return {
        "rc": proc.returncode,
        "seconds": round(time.perf_counter() - start, 1),
        "client_mib": peak.get(proc.pid, 0) >> 20,
        "worker_mib": workers[::-1],  # every worker process that ran (restarts included)
        "sum_mib": peak_sum >> 20,
        "error": err.strip().splitlines()[-1][:200] if proc.returncode else "",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["1e6", "1e7"])
    ap.add_argument("--worker-memory", default="2GB")
    ap.add_argument("--api", action="store_true", help="the Python API instead of the CLI")
    ap.add_argument("--dir", default=None, help="where the datasets are kept (default: temp)")
    args = ap.parse_args()
    base = Path(args.dir or tempfile.mkdtemp(prefix="dask-memory-"))
    for size in args.sizes:
        n = int(float(size))
        data = base / f"data-{size}"
        if not data.exists():
            scale.make_dataset(data, n)
        out = Path(tempfile.mkdtemp(prefix="dask-memory-out-")) / "out"
        cmd = [
            sys.executable,
            "-m",
            "labeljury.cli",
            "aggregate",
            str(data),
            "--engine",
            "dask",
            "--workers",
            "2",
            "--worker-memory",
            args.worker_memory,
            "--method",
            "dawid_skene",
            *scale.SAME_WORK,
            "--out",
            str(out),
            "--quiet",
        ]
        if args.api:
            cmd = [
                sys.executable,
                "-c",
                API.format(data=str(data), out=str(out), mem=args.worker_memory),
            ]
        row = {"annotations": size, "worker_memory": args.worker_memory, **sample(cmd)}
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
