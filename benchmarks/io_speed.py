"""Time the large-export readers: 1e6 annotations in every tool format and as long CSV / Parquet.

Generates the files (in a temporary folder unless ``--dir`` is given), then reads
each in a fresh subprocess and reports wall time, CPU time and peak resident
memory (``VmHWM``) of that process, so the figures include Python start-up and
imports (about 105 MiB with numpy and pandas); a reader's worker processes add
their CPU seconds to the CPU column and their largest peak to ``+workers``, and
``all Pss`` is the largest proportional set size of the reader and its workers
together (sampled every 20 ms; a page they share counts once). The
other tools' exports are written by ``io_exports.py``.

    python benchmarks/io_speed.py                # 1,000,000 annotations
    python benchmarks/io_speed.py --n 100000     # quicker
    python benchmarks/io_speed.py --before a8cfcd8   # also time that commit's readers
    python benchmarks/io_speed.py --only label_studio mturk
    python benchmarks/io_speed.py --parallel-threshold   # Label Studio: 1 vs 2 processes

``--before REV`` checks REV out into a temporary git worktree and reads the same
files with its code too (each read in its own process, alternating), and checks
that both give the same annotations.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from io_exports import EXPORTS

CLASSES = ["positive", "neutral", "negative"]


def make_label_studio(path: Path, n: int, per_task: int, seed: int = 0) -> None:
    """A Label Studio JSON export with ``n`` annotations, ``per_task`` per task."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    users = rng.integers(0, 500, n)
    secs = np.round(rng.gamma(2.0, 8.0, n), 2)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[")
        for t in range(n // per_task):
            anns = []
            for k in range(t * per_task, (t + 1) * per_task):
                u = int(users[k])
                anns.append(
                    {
                        "id": k,
                        "completed_by": {
                            "id": u,
                            "email": f"user{u}@example.org",
                            "first_name": "",
                            "last_name": "",
                        },
                        "result": [
                            {
                                "id": f"r{k}",
                                "type": "choices",
                                "origin": "manual",
                                "from_name": "sentiment",
                                "to_name": "review",
                                "value": {"choices": [CLASSES[labels[k]]]},
                            }
                        ],
                        "was_cancelled": bool(k % 97 == 0),
                        "ground_truth": False,
                        "created_at": "2025-02-11T09:14:02.118233Z",
                        "updated_at": "2025-02-11T09:14:02.118260Z",
                        "lead_time": float(secs[k]),
                        "task": t,
                        "project": 7,
                    }
                )
            task = {
                "id": t,
                "data": {"review": f"review text number {t}", "sku": "KT-220"},
                "annotations": anns,
                "drafts": [],
                "predictions": [],
                "meta": {},
                "inner_id": t,
                "total_annotations": per_task,
                "project": 7,
            }
            fh.write(("," if t else "") + json.dumps(task))
        fh.write("]")


def make_mturk(path: Path, n: int, per_hit: int, seed: int = 1) -> None:
    """An MTurk batch results CSV (crowd-form ``Answer.taskAnswers``) with ``n`` assignments."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    hit = np.arange(n) // per_hit
    labels = np.asarray(CLASSES)[rng.integers(0, 3, n)]
    df = pd.DataFrame(
        {
            "HITId": pd.Series(hit).map("3HIT{:020d}".format),
            "HITTypeId": "3KTYPEX9EXAMPLE0TYPE01",
            "Title": "Classify the sentiment",
            "Reward": "$0.05",
            "AssignmentId": pd.Series(np.arange(n)).map("3ASGN{:019d}".format),
            "WorkerId": pd.Series(rng.integers(0, 2000, n)).map("A{:012d}".format),
            "AssignmentStatus": np.where(rng.random(n) < 0.02, "Rejected", "Approved"),
            "AcceptTime": "Mon Feb 10 09:01:05 PST 2025",
            "SubmitTime": pd.Series(rng.integers(10, 59, n)).map(
                "Mon Feb 10 09:01:{} PST 2025".format
            ),
            "WorkTimeInSeconds": rng.integers(3, 120, n),
            "Input.review_id": pd.Series(hit).map("r-{}".format),
            "Input.review_text": "Arrived two days late but the kettle works great.",
            "Answer.taskAnswers": [f'[{{"sentiment":{{"label":"{c}"}}}}]' for c in labels],
            "Approve": "",
            "Reject": "",
        }
    )
    df.to_csv(path, index=False)


def make_long_table(path: Path, n: int, per_item: int = 5, seed: int = 2) -> None:
    """A long table (item, worker, label) with text ids, as CSV or Parquet by its suffix."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "item": pd.Series(np.arange(n) // per_item).map("doc-{:08d}".format),
            "worker": pd.Series(rng.integers(0, 2000, n)).map("w{:05d}".format),
            "label": np.asarray(CLASSES)[rng.integers(0, 3, n)],
        }
    )
    if path.suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)


def time_read(
    path: Path, fmt: str, src: str | None = None
) -> tuple[float, float, int, str, float, float, float]:
    """Seconds, peak MiB, annotations, digest, CPU s, workers' peak MiB and all-process Pss MiB.

    The read runs in a fresh process.

    CPU seconds include the reading process's children; the workers' peak is the
    largest peak of a child (0 when the reader started none). With one worker (a
    2-core machine) peak + workers' peak is the sum over all processes, counting
    the pages a forked worker shares with its parent twice.

    ``src`` is the ``src`` folder whose labeljury is imported (default: this checkout's).
    ``fmt="json_decode"`` only decodes the JSON array's elements (``iter_json_array``)
    and builds nothing: the floor under the Label Studio reader's time.
    """
    if fmt == "json_decode":
        work = (
            "from labeljury.io._common import iter_json_array\n"
            "c = time.process_time(); t = time.perf_counter()\n"
            f"n = sum(1 for _ in iter_json_array({str(path)!r}))\n"
            "dt = time.perf_counter() - t; cpu = time.process_time() - c\n"
            "digest = 'tasks-only'\n"
        )
    else:
        work = (
            "c = time.process_time(); t = time.perf_counter()\n"
            f"ann = lio.read({str(path)!r}, format={fmt!r})\n"
            "dt = time.perf_counter() - t; cpu = time.process_time() - c\n"
            "h = hashlib.sha1()\n"
            "for a in (ann.item, ann.annotator, ann.label): h.update(a.astype('int64').tobytes())\n"
            "for v in (ann.items, ann.annotators, ann.classes): h.update(repr(list(v)).encode())\n"
            "n, digest = len(ann), h.hexdigest()[:12]\n"
        )
    code = (
        "import time, resource, hashlib, warnings, labeljury.io as lio\n"
        "warnings.simplefilter('ignore')\n" + work +
        # the process's own high-water mark (VmHWM): Linux's ru_maxrss survives exec, so
        # a child of this (large, file-generating) process would report the parent's peak
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "try:\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM:'): peak = int(line.split()[1]) / 1024\n"
        "except OSError: pass\n"
        # worker processes (the Label Studio reader forks one per extra core on a large
        # file): their CPU seconds count in the CPU column, their largest peak is shown
        "kids = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "cpu += kids.ru_utime + kids.ru_stime\n"
        "print(dt, peak, n, digest, cpu, kids.ru_maxrss / 1024)\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = src or str(Path(__file__).resolve().parents[1] / "src")
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    pss = 0.0
    while proc.poll() is None:  # sampled while it runs (stdout is one short line at the end)
        pss = max(pss, _tree_pss(proc.pid))
        time.sleep(0.02)
    stdout, stderr = proc.communicate()
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, "read", stdout, stderr)
    out = stdout.split()
    return (float(out[0]), float(out[1]), int(out[2]), out[3], float(out[4]), float(out[5]), pss)


def _tree_pss(pid: int) -> float:
    """MiB of proportional set size (Pss) of ``pid`` and its descendants, now; 0 off Linux.

    Pss counts a page shared by k processes as 1/k in each, so the sum is the
    memory the reader and its forked workers hold together, each page once
    (the workers' peaks beside the reader's count the pages they share twice).
    Sampled every 20 ms by ``time_read``: a shorter peak can be missed.
    """
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) / 1024
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):  # gone meanwhile, or not Linux
            continue
    return total


def parallel_threshold(d: Path) -> None:
    """Label Studio JSON read by one process and by two, by file size: where forking pays.

    Best of 3 alternating reads each, in this process (the workers are forked
    from it); the threshold is ``PARALLEL_BYTES`` in ``labeljury/io/_ls_columns.py``.
    """
    import warnings

    from labeljury.io.label_studio import _read_json

    print(f"{'annotations':>11}{'file MiB':>9}{'1 process s':>13}{'2 processes s':>15}")
    for n in (10_000, 25_000, 50_000, 100_000):
        path = d / f"ls_{n}.json"
        make_label_studio(path, n, 4)
        best = {1: float("inf"), 2: float("inf")}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(3):
                for parts in best:
                    t = time.perf_counter()
                    _read_json(str(path), None, False, None, _parts=parts)
                    best[parts] = min(best[parts], time.perf_counter() - t)
        size = path.stat().st_size / 2**20
        print(f"{n:>11,}{size:>9.1f}{best[1]:>13.3f}{best[2]:>15.3f}")
    # what starting one worker costs by each start method (the reader forks; forkserver
    # and spawn import labeljury, numpy and pandas again in the worker)
    import multiprocessing

    from labeljury.io import _ls_columns

    for method in ("fork", "forkserver", "spawn"):
        ctx = multiprocessing.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["labeljury.io._ls_columns"])
        times = []
        for _ in range(2):
            t = time.perf_counter()
            proc = ctx.Process(target=_ls_columns._fork_safe)
            proc.start()
            proc.join()
            times.append(time.perf_counter() - t)
        print(f"one worker started and joined by {method}: {times[0]:.3f} s, again {times[1]:.3f}")


def _worktree(rev: str, where: str) -> str:
    """Check ``rev`` out into ``where`` (a temporary git worktree); its ``src`` folder."""
    root = Path(__file__).resolve().parents[1]
    subprocess.run(
        ["git", "-C", str(root), "worktree", "add", "--detach", where, rev],
        check=True,
        capture_output=True,
    )
    return str(Path(where) / "src")


def main() -> None:
    """Generate the files, read them, print a table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1_000_000, help="annotations per file")
    ap.add_argument("--dir", default=None, help="where to write the files (default: temp)")
    ap.add_argument("--before", default=None, help="a git revision to time as well")
    ap.add_argument("--only", nargs="+", default=None, help="formats to time (default: all)")
    ap.add_argument("--repeat", type=int, default=1, help="reads per file and version (fastest)")
    ap.add_argument(
        "--parallel-threshold",
        action="store_true",
        help="only time Label Studio JSON read by one and by two processes, by file size",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(args.dir or tmp)
        d.mkdir(parents=True, exist_ok=True)
        if args.parallel_threshold:
            print(
                f"{platform.node()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
                f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
            )
            parallel_threshold(d)
            return
        makers = {
            "label_studio": ("ls_export.json", make_label_studio, 4),
            "mturk": ("batch_results.csv", make_mturk, 5),
            **{fmt: (name, make, 5) for fmt, (name, make) in EXPORTS.items()},
            "table_csv": ("long.csv", make_long_table, 5),
            "table_parquet": ("long.parquet", make_long_table, 5),
        }
        if args.only:
            makers = {f: m for f, m in makers.items() if f in args.only}
        files = {fmt: d / name for fmt, (name, _, _) in makers.items()}
        t = time.perf_counter()
        for fmt, (_, make, per) in makers.items():
            if not files[fmt].exists() or args.dir is None:
                make(files[fmt], args.n, per)
        print(f"files ready in {time.perf_counter() - t:.1f} s")
        versions: dict[str, str | None] = {"now": None}
        old = tempfile.mkdtemp(prefix="labeljury-before-")
        try:
            if args.before:
                os.rmdir(old)
                versions = {f"before ({args.before})": _worktree(args.before, old), "now": None}
            print(
                f"{platform.node()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
                f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
            )
            print(
                f"{'format':<14}{'code':<22}{'file MiB':>9}{'annotations':>13}"
                f"{'read s':>8}{'cpu s':>7}{'peak MiB':>10}{'+workers':>9}{'all Pss':>9}  digest"
            )
            for fmt, path in files.items():
                size = sum(f.stat().st_size for f in [path, *path.rglob("*")] if f.is_file())
                size /= 2**20
                digests = set()
                reader = "table" if fmt.startswith("table") else fmt
                # --repeat reads per version, alternating; the fastest of each is shown
                # (on a shared machine, the least disturbed)
                runs: dict[str, list] = {name: [] for name in versions}
                for _ in range(args.repeat):
                    for name, src in versions.items():
                        runs[name].append(time_read(path, reader, src))
                for name in versions:
                    secs, mib, kept, digest, cpu, kids, pss = min(runs[name])
                    digests.update(run[3] for run in runs[name])
                    print(
                        f"{fmt:<14}{name:<22}{size:>9.0f}{kept:>13,}{secs:>8.1f}{cpu:>7.1f}"
                        f"{mib:>10.0f}{kids:>9.0f}{pss:>9.0f}"
                        f"  {digest}"
                    )
                if len(digests) > 1:
                    print(f"  !! {fmt}: the versions read different annotations")
                if fmt == "label_studio":  # the decoder alone, building nothing
                    secs, mib, kept, digest, cpu, kids, _ = time_read(path, "json_decode")
                    print(
                        f"{'  json decode':<14}{'now':<22}{size:>9.0f}{kept:>13,}{secs:>8.1f}"
                        f"{cpu:>7.1f}{mib:>10.0f}{kids:>9.0f}"
                        f"  ({kept:,} tasks decoded, nothing built)"
                    )
        finally:
            if args.before and os.path.exists(old):
                root = Path(__file__).resolve().parents[1]
                subprocess.run(
                    ["git", "-C", str(root), "worktree", "remove", "--force", old],
                    capture_output=True,
                )


if __name__ == "__main__":
    main()
