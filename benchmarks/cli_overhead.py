"""The CLI's cost over the Python API: ``labeljury aggregate --out`` against ``aggregate()``.

One command, 1e6 and 1e7 annotations in the same run, each case alone in a
fresh process (``scale.py``'s cases and data: Dawid-Skene, 50 iterations,
tolerance 0)::

    python benchmarks/cli_overhead.py               # writes its section of docs/scale.md
    python benchmarks/cli_overhead.py --before REV  # also REV's code, interleaved
    python benchmarks/cli_overhead.py --quick       # 1e4 and 1e5, printed (a smoke test)

``api_ds``: reading the dataset and fitting, the three tables built, imports
excluded. ``cli_ds``: the whole ``labeljury aggregate`` process (start-up,
reading, fitting, the tables written as CSV, the default). ``cli_ds_parquet``:
the same with ``--output-format parquet``. The overhead is the CLI row minus the
API row; the load average (1 minute) is read before each case.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale  # the sibling benchmark: its data and cases

CASES = ("api_ds", "cli_ds", "cli_ds_parquet")


def measure(
    sizes: list[int], repeat: int, root: Path, versions: dict[str, Path | None] | None = None
) -> list[dict[str, object]]:
    """Every case at every size and version, ``repeat`` times, interleaved; one dict per run.

    ``versions``: name -> labeljury source folder (None: this checkout's).
    """
    versions = versions or {"now": None}
    rows = []
    for n in sizes:
        data, pp = root / f"ann_{n}", root / f"pp_{n}.npy"
        if not data.exists():
            subprocess.run(
                [sys.executable, scale.__file__, "--make", str(data), str(n), str(pp)],
                check=True,
            )
        for rep in range(repeat):
            for code, src in versions.items():
                for name in CASES:
                    load = os.getloadavg()[0]
                    row = {"case": name, "n": n, "rep": rep, "load": load, "code": code}
                    row.update(scale.run_case(name, data, pp, scale.LIMIT_S, src))
                    rows.append(row)
                    print(row, flush=True)
    return rows


def table(rows: list[dict[str, object]]) -> list[str]:
    """Best of the repeats per case (the least disturbed by other load) and the overhead."""

    def best(name: str, n: int, code: str) -> dict[str, object] | None:
        ok = [
            r
            for r in rows
            if r["case"] == name and r["n"] == n and r.get("code", "now") == code
            and "seconds" in r
        ]  # fmt: skip
        return min(ok, key=lambda r: r["seconds"]) if ok else None

    lines = [
        "| annotations | code | API s | CLI, CSV s | CSV overhead s | CLI / API | CLI, Parquet s "
        "| Parquet overhead s | peak MiB (API, CSV, Parquet) | load at start (API, CSV, Parquet) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    codes = list(dict.fromkeys(str(r.get("code", "now")) for r in rows))
    for n in sorted({int(r["n"]) for r in rows}):
        for code in codes:
            api, csv, pq = (best(c, n, code) for c in CASES)
            if api is None or csv is None or pq is None:
                failed = [r for r in rows if r["n"] == n and "seconds" not in r]
                lines.append(f"| {scale._fmt_n(n)} | {code} | a case failed: {failed} |")
                continue
            a, c, p = (float(r["seconds"]) for r in (api, csv, pq))
            loads = ", ".join(f"{float(r['load']):.1f}" for r in (api, csv, pq))
            peaks = ", ".join(f"{float(r['rss_mib']):.0f}" for r in (api, csv, pq))
            lines.append(
                f"| {scale._fmt_n(n)} | {code} | {a:.2f} | {c:.2f} | {c - a:.2f} | {c / a:.2f} "
                f"| {p:.2f} | {p - a:.2f} | {peaks} | {loads} |"
            )
    return lines


def write_section(page: Path, lines: list[str], meta: str) -> None:
    """Replace (or add) this script's section at the end of ``docs/scale.md``."""
    text = page.read_text(encoding="utf-8") if page.exists() else ""
    if scale.OVERHEAD_MARK in text:
        text = text[: text.index(scale.OVERHEAD_MARK)]
    section = [
        scale.OVERHEAD_MARK,
        "## The CLI's overhead over the Python API (`benchmarks/cli_overhead.py`)",
        "",
        meta,
        "",
        *lines,
        "",
        "The CLI writes the three tables (consensus per item, one row per annotation, annotator "
        "stats) as CSV byte for byte as pandas' `to_csv` (`labeljury._csv`: each column "
        "formatted once per distinct value, rows put together with numpy) or as Parquet.",
    ]
    page.write_text(text.rstrip("\n") + "\n\n" + "\n".join(section) + "\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="1e4 and 1e5: a smoke test")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each case (best kept)")
    ap.add_argument(
        "--out", default=None, help="the page to write (docs/scale.md; --quick: none unless given)"
    )
    ap.add_argument("--dir", default=None, help="where to keep the generated data")
    ap.add_argument(
        "--before", default=None, help="a git revision whose code is timed too (interleaved)"
    )
    args = ap.parse_args()
    sizes = [10_000, 100_000] if args.quick else [1_000_000, 10_000_000]
    started = time.time()
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    tmp = tempfile.mkdtemp(prefix="labeljury-overhead-")
    versions: dict[str, Path | None] = {"now": None}
    old = Path(tmp) / "before"
    try:
        if args.before:
            subprocess.run(
                [
                    "git",
                    "-C",
                    str(scale.ROOT),
                    "worktree",
                    "add",
                    "--detach",
                    str(old),
                    args.before,
                ],
                check=True,
                capture_output=True,
            )
            versions = {args.before: old / "src", "now": None}
        rows = measure(sizes, args.repeat, Path(args.dir or tmp), versions)
    finally:
        if args.before:
            subprocess.run(
                ["git", "-C", str(scale.ROOT), "worktree", "remove", "--force", str(old)],
                capture_output=True,
            )
        shutil.rmtree(tmp, ignore_errors=True)
    lines = table(rows)
    loads = [float(r["load"]) for r in rows]
    command = "python benchmarks/cli_overhead.py" + (" --quick" if args.quick else "")
    command += f" --before {args.before}" if args.before else ""
    meta = (
        f"Measured {date} on {platform.node()} ({os.cpu_count()} cores) with `{command} "
        f"--repeat {args.repeat}` ({(time.time() - started) / 60:.1f} min); load average "
        f"{min(loads):.1f}-{max(loads):.1f} over the run (the machine is shared). Best of "
        f"{args.repeat} runs per case; Dawid-Skene, {scale.ITERS} iterations, tolerance 0."
    )
    print("\n".join([meta, "", *lines]))
    if args.out is not None or not args.quick:
        out = Path(args.out or scale.ROOT / "docs" / "scale.md")
        write_section(out, lines, meta)
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
