"""Scale benchmark: time and peak memory from 1e5 to 1e7 annotations in memory, 1e6 to 1e8 on Dask.

One command writes ``docs/scale.md`` and the log-log plot ``docs/img/scale.png``::

    python benchmarks/scale.py            # the full run (hours; the machine to itself)
    python benchmarks/scale.py --quick    # tiny sizes, under 2 minutes (used by a test)

Data: a Parquet dataset folder per size in a temporary folder (``--dir`` to keep
it), K = 10 classes, 5 labels per item from distinct annotators out of 100,
each annotator right with a probability drawn in [0.5, 0.95]; a noisy model's
probabilities (``.npy``, rows in item order) for CROWDLAB.

Every case runs in its own process, one at a time, with a 10-minute limit; peak
memory is that process's ``ru_maxrss`` (for the CLI and Dask cases the largest
process under it, read from ``RUSAGE_CHILDREN``). A reference (crowd-kit,
cleanlab) that exceeds the limit is not run at the larger sizes. Ratios compare
times measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
K, PER_ITEM, N_ANNOTATORS = 10, 5, 100
LIMIT_S = 600
PART_ROWS = 5_000_000  # rows per Parquet file of a dataset
DENSE_CELLS = 5e7  # cleanlab needs an items x annotators float table: skipped above this
ITERS = 50  # Dawid-Skene iterations in every DS row: CLI, API, Dask and crowd-kit (same work)
# each Dask worker's memory limit: the 1e8 annotations as read (3 int64 columns, 2.4 GB) do not
# fit in one worker, nor what a worker holding its half of the partitions would need (docs/dask.md)
DASK_WORKER_MEMORY = "2GB"
SAME_WORK = ["--param", f"max_iter={ITERS}", "--param", "tol=0"]
#: where the section of benchmarks/cli_overhead.py starts in docs/scale.md
OVERHEAD_MARK = "<!-- cli_overhead.py -->"


# ----------------------------------------------------------------------------- data
def make_dataset(folder: Path, n: int, seed: int = 0) -> int:
    """Write ``n`` annotations (n / 5 items) as a Parquet dataset; the number of items."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    n_items = max(1, n // PER_ITEM)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    acc = rng.uniform(0.5, 0.95, N_ANNOTATORS)
    per_part = max(1, PART_ROWS // PER_ITEM)
    for part, lo in enumerate(range(0, n_items, per_part)):
        hi = min(n_items, lo + per_part)
        m = hi - lo
        truth = (np.arange(lo, hi) * 7919 + seed) % K
        start = rng.integers(0, N_ANNOTATORS, m)
        step = rng.integers(1, N_ANNOTATORS // PER_ITEM, m)
        who = (start[:, None] + step[:, None] * np.arange(PER_ITEM)) % N_ANNOTATORS
        item = np.repeat(np.arange(lo, hi), PER_ITEM)
        annotator = who.ravel()
        right = rng.random(item.size) < acc[annotator]
        wrong = (np.repeat(truth, PER_ITEM) + rng.integers(1, K, item.size)) % K
        label = np.where(right, np.repeat(truth, PER_ITEM), wrong)
        table = pa.table(
            {
                "item": item.astype(np.int64),
                "annotator": annotator.astype(np.int64),
                "label": label.astype(np.int64),
            }
        )
        pq.write_table(table, folder / f"part-{part:05d}.parquet")
    return n_items


def make_pred_probs(path: Path, n_items: int, seed: int = 1) -> None:
    """A noisy model's probabilities, one row per item (item order = sorted ids)."""
    rng = np.random.default_rng(seed)
    truth = (np.arange(n_items) * 7919) % K
    logits = rng.normal(size=(n_items, K)).astype(np.float32)
    logits[np.arange(n_items), truth] += 2.0
    pp = np.exp(logits)
    pp /= pp.sum(axis=1, keepdims=True)
    np.save(path, pp.astype(np.float64))


# ---------------------------------------------------------------------------- cases
CLI = [sys.executable, "-m", "labeljury.cli"]


def _run_cli(args: list[str]) -> dict[str, object]:
    t = time.perf_counter()
    proc = subprocess.run(CLI + args, capture_output=True, text=True)
    secs = time.perf_counter() - t
    err = (proc.stderr or proc.stdout).strip().splitlines()
    if proc.returncode != 0:
        text = " ".join(err[-3:])
        if "--engine" in text and ("unrecognized" in text or "invalid choice" in text):
            return {"status": "engine not available"}
        return {"status": f"failed: {text[-160:]}"}
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": secs, "rss_mib": peak}


def case(name: str, data: str, pp: str, out: str) -> dict[str, object]:
    """Run one case in this process; seconds exclude imports for the Python rows."""
    if name == "cli_ds":
        return _run_cli(
            ["aggregate", data, "--method", "dawid_skene", *SAME_WORK, "--out", out, "--quiet"]
        )
    if name == "cli_ds_parquet":  # used by cli_overhead.py
        return _run_cli(
            ["aggregate", data, "--method", "dawid_skene", *SAME_WORK, "--out", out, "--quiet",
             "--output-format", "parquet"]
        )  # fmt: skip
    if name == "cli_jury":
        return _run_cli(["aggregate", data, "--method", "jury", "--out", out, "--quiet"])
    if name == "dask_ds":
        return _run_cli(
            [
                "aggregate",
                data,
                "--engine",
                "dask",
                "--workers",
                "2",
                "--worker-memory",
                DASK_WORKER_MEMORY,
                "--method",
                "dawid_skene",
                *SAME_WORK,
                "--out",
                out,
                "--quiet",
            ]
        )
    import pyarrow.parquet  # noqa: F401 - imported before the clock starts

    if name.startswith("api_"):
        import labeljury
        import labeljury.io.stream

        method = {"api_ds": "dawid_skene", "api_jury": "jury", "api_crowdlab": "crowdlab"}[name]
        tiny = labeljury.Annotations.from_arrays([0, 0, 1, 1], [0, 1, 0, 1], [0, 1, 1, 1])
        warm = np.full((2, 2), 0.5) if method == "crowdlab" else None
        labeljury.aggregate(tiny, method, pred_probs=warm)  # the imports, not timed
        t = time.perf_counter()
        ann = labeljury.read_annotations(data)
        if name == "api_ds":
            labeljury.aggregate(ann, "dawid_skene", max_iter=ITERS, tol=0.0)
        elif name == "api_jury":
            labeljury.aggregate(ann, "jury")
        else:  # api_crowdlab
            labeljury.aggregate(ann, "crowdlab", pred_probs=np.load(pp))
        secs = time.perf_counter() - t
    elif name == "crowdkit_ds":
        import pandas as pd
        from crowdkit.aggregation import DawidSkene

        t = time.perf_counter()
        df = pd.read_parquet(data).rename(columns={"item": "task", "annotator": "worker"})
        DawidSkene(n_iter=ITERS, tol=0.0).fit_predict(df)
        secs = time.perf_counter() - t
    elif name == "cleanlab_crowdlab":
        import pandas as pd
        from cleanlab.multiannotator import get_label_quality_multiannotator

        t = time.perf_counter()
        df = pd.read_parquet(data)
        wide = df.pivot_table(index="item", columns="annotator", values="label", aggfunc="last")
        get_label_quality_multiannotator(wide, np.load(pp), verbose=False)
        secs = time.perf_counter() - t
    else:
        raise SystemExit(f"unknown case {name}")
    return {"seconds": secs, "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_case(
    name: str, data: Path, pp: Path, limit: float, src: Path | None = None
) -> dict[str, object]:
    """``case`` in a fresh interpreter with a time limit (the whole process group is ended).

    ``src``: the labeljury source folder to import (default: this checkout's).
    """
    out = tempfile.mkdtemp(prefix="scale-out-")
    env = dict(os.environ, PYTHONPATH=str(src or ROOT / "src"))
    cmd = [sys.executable, __file__, "--case", name, "--data", str(data), "--pp", str(pp)]
    proc = subprocess.Popen(
        [*cmd, "--case-out", out],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"status": f"over {limit:.0f} s"}
    finally:
        shutil.rmtree(out, ignore_errors=True)
    lines = [ln for ln in stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        if "No module named" in stderr:
            return {"status": "not installed"}
        tail = " ".join(stderr.strip().splitlines()[-2:])
        return {"status": f"failed: {tail[-160:]}"}
    return json.loads(lines[-1])


# ---------------------------------------------------------------------------- report
ROWS = {  # case -> (tool, interface, engine)
    "cli_ds": ("labeljury Dawid-Skene", "CLI `aggregate`", "in memory"),
    "api_ds": ("labeljury Dawid-Skene", "Python API", "in memory"),
    "crowdkit_ds": ("crowd-kit DawidSkene", "Python", "in memory"),
    "cli_jury": ("labeljury Jury", "CLI `aggregate`", "in memory"),
    "api_jury": ("labeljury Jury", "Python API", "in memory"),
    "api_crowdlab": ("labeljury CROWDLAB", "Python API", "in memory"),
    "cleanlab_crowdlab": ("cleanlab CROWDLAB", "Python", "in memory"),
    "dask_ds": (
        "labeljury Dawid-Skene",
        "CLI `aggregate --engine dask`",
        f"Dask, 2 workers of {DASK_WORKER_MEMORY}",
    ),
}
RATIO = {"api_ds": "crowdkit_ds", "api_crowdlab": "cleanlab_crowdlab"}


def _fmt_n(n: int) -> str:
    e = round(math.log10(n))
    return f"1e{e}" if 10**e == n else f"{n:,}"


def write_report(
    results: list[dict[str, object]], out: Path, img: Path | None, meta: dict[str, str]
) -> None:
    """The markdown page: the table, the plot and the 1e10 estimate."""
    by = {(r["case"], r["n"]): r for r in results}
    lines = [
        "# Scale: time and memory against the number of annotations",
        "",
        f"Sizes in this run: {meta['sizes']}. The full run (`python benchmarks/scale.py`, "
        "no `--quick`) covers 1e5 to 1e7 annotations in memory and 1e6 to 1e8 on Dask; "
        "`--quick` runs tiny sizes only (a smoke test, not a measurement of scale).",
        "",
        f"Measured {meta['date']} on {meta['machine']} (load average {meta['load']} at the start) "
        f"with `{meta['command']}` ({meta['wall']}). Data: a Parquet dataset folder per size, "
        f"K = {K}, {PER_ITEM} labels per item from {N_ANNOTATORS} annotators. Each case runs "
        f"alone in a fresh process with a {LIMIT_S // 60}-minute limit.",
        "",
        "- **time**: CLI rows: the whole `labeljury aggregate` process (start-up, reading the "
        "dataset, fitting, writing the three tables); Python rows: reading the dataset and "
        "fitting, imports excluded.",
        f"- Every Dawid-Skene row (CLI, Python API, Dask, crowd-kit) runs {ITERS} iterations "
        "with tolerance 0, the same work (labeljury's default stops after 2: "
        "docs/methods.md); Jury and CROWDLAB run their defaults.",
        "- **peak MiB**: `ru_maxrss` of the process (CLI and Dask: the largest process under it).",
        "- **ratio**: the reference's time over labeljury's, same size, same run.",
        f"- The Dask rows limit each of the 2 workers to {DASK_WORKER_MEMORY} "
        "(`--worker-memory`); the partitions live on the workers' disks between passes, so "
        "memory is bounded by the partitions in flight (docs/dask.md, Memory).",
        "- The in-memory CLI rows write the three tables as CSV (the default "
        "`--output-format`), the Dask rows as Parquet: the difference between a CLI row and "
        "the Python API row below it (which builds the same tables) is start-up and writing "
        "the tables.",
        "",
        "| annotations | method | interface | engine | time s | peak MiB | ratio | note |",
        "|---:|---|---|---|---:|---:|---:|---|",
    ]
    for r in results:
        tool, iface, engine = ROWS[str(r["case"])]
        secs = r.get("seconds")
        t = f"{secs:.2f}" if isinstance(secs, float) else "-"
        rss = r.get("rss_mib")
        m = f"{rss:.0f}" if isinstance(rss, float) else "-"
        ratio, note = "", str(r.get("status", ""))
        ref = by.get((RATIO.get(str(r["case"])), r["n"]))
        if ref and isinstance(secs, float) and isinstance(ref.get("seconds"), float):
            ratio = f"{ref['seconds'] / secs:.1f}x"
        elif ref and isinstance(secs, float):
            note = f"no ratio: the reference was {ref.get('status')}"
        lines.append(
            f"| {_fmt_n(int(r['n']))} | {tool} | {iface} | {engine} | {t} | {m} | {ratio} | "
            f"{note} |"
        )
    if img is not None:
        lines += ["", f"![time against annotations]({os.path.relpath(img, out.parent)})"]
    lines += ["", *estimate(results)]
    if out.exists():  # the section benchmarks/cli_overhead.py writes stays
        old = out.read_text(encoding="utf-8")
        if OVERHEAD_MARK in old:
            lines += ["", old[old.index(OVERHEAD_MARK) :].rstrip("\n")]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def estimate(results: list[dict[str, object]]) -> list[str]:
    """1e10 annotations on 100 nodes, on paper, from the largest measured run."""
    ok = [
        r
        for r in results
        if r["case"] in ("dask_ds", "api_ds", "cli_ds") and isinstance(r.get("seconds"), float)
    ]
    if not ok:
        return ["## 1e10 annotations on 100 nodes", "", "No Dawid-Skene run finished."]
    dask = [r for r in ok if r["case"] == "dask_ds"]
    pool = dask or [r for r in ok if r["case"] == "api_ds"] or ok
    name = str(max(pool, key=lambda r: int(r["n"]))["case"])
    runs = sorted((r for r in pool if r["case"] == name), key=lambda r: int(r["n"]))
    base = runs[-1]
    n = int(base["n"])
    secs = float(base["seconds"])
    per_ann = secs / n  # seconds per annotation, the whole fit
    fixed = 0.0
    if len(runs) > 1:
        # the marginal cost between the two largest sizes: start-up (imports, a local
        # cluster) is paid once per run, not per annotation
        prev = runs[-2]
        slope = (secs - float(prev["seconds"])) / (n - int(prev["n"]))
        if slope > 0:
            per_ann, fixed = slope, max(0.0, secs - slope * n)
        trend = (
            f"the cost per added annotation, {per_ann * 1e9:.0f} ns, measured between "
            f"{_fmt_n(int(prev['n']))} and {_fmt_n(n)} annotations ({fixed:.2g} s of the "
            f"{_fmt_n(n)} run is fixed start-up), is taken as constant beyond"
        )
    else:
        trend = "the cost per annotation taken as constant (one size measured)"
    per_node = 1e10 / 100
    stats_bytes = N_ANNOTATORS * K * K * 8
    big_a = 1_000_000  # a crowd with a million annotators
    big_bytes = big_a * K * K * 8
    levels = math.ceil(math.log2(100))
    net = 1.25e9  # 10 Gbit/s
    iters = 50
    compute = per_node * per_ann
    reduce_small = iters * levels * (stats_bytes / net + 0.002)
    reduce_big = iters * levels * (big_bytes / net + 0.002)
    source = ROWS[str(base["case"])]
    return [
        "## 1e10 annotations on a 100-node cluster (on paper)",
        "",
        f"From the largest run measured here: {source[0]} ({source[1]}, {source[2]}) at "
        f"{_fmt_n(n)} annotations took {secs:.3g} s for the whole fit (reading and every "
        "iteration included)."
        + (
            ""
            if dask
            else " (No Dask run finished, so the in-memory "
            "cost stands in for the per-partition cost: each partition runs the same kernels.)"
        ),
        "",
        "Assumptions: 100 nodes like this one (2 cores), the data partitioned by item and "
        "spread evenly (1e8 annotations a node, read from local disk or object storage at the "
        f"speed measured here); {trend}; {iters} EM iterations for the reductions (the "
        "compute cost is the measured whole fit); the per-annotator "
        "statistics (annotators x K x K "
        "float64) reduced over a binary tree "
        f"({levels} levels) and broadcast back each iteration on a 10 Gbit/s network with "
        "2 ms latency a hop.",
        "",
        f"- compute: 1e8 annotations a node x {per_ann * 1e9:.0f} ns = **{compute:.0f} s** "
        "(all nodes in parallel);",
        f"- reduction with {N_ANNOTATORS} annotators ({stats_bytes / 1e3:.0f} kB a message): "
        f"{reduce_small:.1f} s over {iters} iterations;",
        f"- with {big_a:,} annotators ({big_bytes / 1e6:.0f} MB a message): "
        f"{reduce_big:.0f} s, when the statistics are not split by annotator;",
        f"- total: about **{(compute + reduce_small + fixed) / 60:.0f} minutes** "
        f"({(compute + reduce_big + fixed) / 60:.0f} with a million annotators), with the "
        f"measured start-up ({fixed:.2g} s), plus the scheduler's "
        "task overhead (about 1 ms a task: with 1,000 partitions and "
        f"{iters} iterations, under a minute).",
    ]


def plot(results: list[dict[str, object]], img: Path) -> Path | None:
    """Log-log time against annotations, one line per method and interface."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, (tool, iface, engine) in ROWS.items():
        pts = [
            (int(r["n"]), float(r["seconds"]))
            for r in results
            if r["case"] == name and isinstance(r.get("seconds"), float)
        ]
        if pts:
            xs, ys = zip(*sorted(pts), strict=True)
            ax.plot(xs, ys, marker="o", label=f"{tool} ({iface}, {engine})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("annotations")
    ax.set_ylabel("seconds")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    img.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(img, dpi=110)
    plt.close(fig)
    return img


# ------------------------------------------------------------------------------ main
def main() -> None:
    """Generate the data, run every case, write the page."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes (under 2 minutes)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "scale.md"), help="the page to write")
    ap.add_argument("--dir", default=None, help="where to keep the generated data")
    ap.add_argument("--limit", type=float, default=LIMIT_S, help="seconds per case")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--pp", help=argparse.SUPPRESS)
    ap.add_argument("--case-out", help=argparse.SUPPRESS)
    ap.add_argument("--make", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(case(args.case, args.data, args.pp, args.case_out)))
        return
    if args.make:
        folder, n, pp = args.make
        make_pred_probs(Path(pp), make_dataset(Path(folder), int(n)))
        return
    memory_sizes = [1_000, 10_000] if args.quick else [100_000, 1_000_000, 10_000_000]
    dask_sizes = [10_000] if args.quick else [1_000_000, 10_000_000, 100_000_000]
    memory_cases = [
        "cli_ds", "api_ds", "crowdkit_ds", "cli_jury", "api_jury", "api_crowdlab",
        "cleanlab_crowdlab",
    ]  # fmt: skip
    started = time.time()
    sizes = (
        f"in memory {', '.join(map(_fmt_n, memory_sizes))}; "
        f"Dask {', '.join(map(_fmt_n, dask_sizes))}"
    )
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.node()} ({os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB)",
        "load": f"{os.getloadavg()[0]:.1f}",
        "command": "python benchmarks/scale.py" + (" --quick" if args.quick else ""),
        "sizes": sizes,
    }
    tmp = tempfile.mkdtemp(prefix="labeljury-scale-")
    root = Path(args.dir or tmp)
    results: list[dict[str, object]] = []
    over: dict[str, int] = {}  # reference -> size at which it exceeded the limit
    try:
        for n in sorted(set(memory_sizes) | set(dask_sizes)):
            data = root / f"ann_{n}"
            pp = root / f"pp_{n}.npy"
            if not data.exists():
                # in a child: on Linux a process's peak RSS survives exec, so every case run
                # from this process would report at least the peak of generating the data
                subprocess.run(
                    [sys.executable, __file__, "--make", str(data), str(n), str(pp)], check=True
                )
            todo = (memory_cases if n in memory_sizes else []) + (
                ["dask_ds"] if n in dask_sizes else []
            )
            for name in todo:
                row: dict[str, object] = {"case": name, "n": n}
                if name in over:
                    row["status"] = f"skipped: over the limit at {_fmt_n(over[name])}"
                elif name == "cleanlab_crowdlab" and n / PER_ITEM * N_ANNOTATORS > DENSE_CELLS:
                    row["status"] = "skipped: needs a dense items x annotators table"
                else:
                    row.update(run_case(name, data, pp, args.limit))
                    if str(row.get("status", "")).startswith("over") and not name.startswith(
                        ("api_", "cli_")
                    ):
                        over[name] = n
                results.append(row)
                print(json.dumps(row), flush=True)
            if args.dir is None:
                shutil.rmtree(data, ignore_errors=True)
                pp.unlink(missing_ok=True)
    finally:
        if args.dir is None:
            shutil.rmtree(tmp, ignore_errors=True)
    meta["wall"] = f"{(time.time() - started) / 60:.1f} min"
    out = Path(args.out)
    img = plot(results, out.parent / "img" / "scale.png")
    write_report(results, out, img, meta)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
