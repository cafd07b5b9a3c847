"""The ``labeljury bench`` command (wired into :mod:`labeljury.cli` by :func:`add_commands`)."""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

__all__ = ["add_commands", "cmd_bench"]


def add_commands(subparsers: Any) -> None:
    """Add ``bench`` to the main parser's subparsers (sets ``func``).

    Parameters
    ----------
    subparsers : argparse subparsers action
        What ``parser.add_subparsers()`` returned.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="labeljury")
    >>> add_commands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["bench", "--quick", "--out", "o"])
    >>> args.quick, args.out, args.func.__name__
    (True, 'o', 'cmd_bench')
    """
    p = subparsers.add_parser(
        "bench",
        help="benchmark methods and peers on real and synthetic data",
        description="Run labeljury's methods and the installed peers (crowd-kit, cleanlab) on "
        "every data set folder (default: ../shared/datasets found from the current "
        "directory, or $LABELJURY_DATA) and the synthetic scenarios, with the "
        "sparsity protocol; write results.csv, tables, PNG plots and "
        "benchmarks.md into --out.",
    )
    p.add_argument(
        "--data",
        nargs="+",
        metavar="DIR",
        help="data set folders (answers.csv, gold.csv, meta.json) or folders of them",
    )
    p.add_argument(
        "--methods",
        nargs="+",
        metavar="NAME",
        help="contenders: labeljury method names, NAME+model, crowdkit:CLASS, "
        "cleanlab:majority_vote, cleanlab:crowdlab, or the groups labeljury, "
        "peers, crowdkit, cleanlab (default: all)",
    )
    p.add_argument(
        "--datasets", nargs="+", metavar="NAME", help="only these data sets / scenarios (by name)"
    )
    p.add_argument(
        "--scenarios",
        nargs="*",
        metavar="NAME",
        help="synthetic scenarios (default: all; none with an empty list)",
    )
    p.add_argument(
        "--sparsity",
        nargs="*",
        type=int,
        metavar="R",
        help="annotations kept per item in the sparsity protocol (default 1 2 3 5)",
    )
    p.add_argument(
        "--quick", action="store_true", help="a small configuration that runs in under two minutes"
    )
    p.add_argument(
        "--seeds",
        type=int,
        default=None,
        metavar="N",
        help="seeds per sparsity level (default 3; --quick: 1)",
    )
    p.add_argument("--no-memory", action="store_true", help="do not trace peak memory")
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="hard wall-clock limit per fit on 100,000+ annotations (run in a "
        "forked process, killed when over it; default: twice the 30 s "
        "per-fit budget)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        metavar="N",
        help="BLAS/OpenMP threads for every contender (default 1; 0 = the libraries' defaults)",
    )
    p.add_argument(
        "--docs", metavar="FILE", help="also write the report there (e.g. docs/benchmarks.md)"
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmark from parsed arguments; returns the exit status."""
    from .runner import run_benchmark

    given = [shlex.quote(a) for a in sys.argv[1:]]
    if sys.argv and sys.argv[0].endswith("__main__.py"):
        command = "python -m labeljury.bench " + " ".join(given)
    else:
        command = "labeljury " + " ".join(given if "bench" in sys.argv[1:2] else ["bench", *given])
    results = run_benchmark(
        args.data,
        methods=args.methods,
        quick=args.quick,
        seeds=args.seeds,
        out=args.out,
        datasets=args.datasets,
        scenarios=args.scenarios,
        sparsity=args.sparsity,
        memory=not args.no_memory,
        progress=not args.quiet,
        write_docs=args.docs,
        command=command,
        timeout=args.timeout,
        threads=args.threads or None,
    )
    missing = results.attrs.get("missing_datasets") or []
    if missing:
        print(
            f"not run, not found: {', '.join(missing)} (pass --data DIR, or set "
            "LABELJURY_DATA, to the folder holding them)"
        )
    n = results["status"].value_counts()
    print(
        f"{n.get('ok', 0)} fits ok, {n.get('failed', 0)} failed, {n.get('skipped', 0)} "
        f"skipped, {n.get('timeout', 0)} timed out; wrote {args.out}/results.csv, "
        f"tables.md, benchmarks.md and plots"
    )
    return 0
