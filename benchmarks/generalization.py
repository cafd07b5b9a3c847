"""The generalization protocol (issue 15): is a default better on data it was not chosen on?

Every candidate (a labeljury method with one setting or a grid of them) is
scored by leave-one-data-set-out over the shared real sets with gold (the
setting is chosen on the other sets and scored on the one left out), and on
simulated families drawn with a NEW SEED AT EVERY RUN (printed; ``--seed N``
reproduces a run). Peers: crowd-kit MV, Wawa, ZeroBasedSkill, DS, GLAD and
cleanlab MV, CROWDLAB, on the same inputs; the baseline ``shrunk_dawid_skene``
is always a candidate. See ``labeljury.bench.protocol`` and ``docs/generalization.md``.

Usage::

    python benchmarks/generalization.py [--quick] [--seed N] [--out DIR]
        [--data DIR] [--candidate 'jury'] [--candidate 'sds:{"strength": [1, 2, 4]}']

A candidate is ``method``, ``method:JSON`` or ``name=method:JSON`` where the
JSON is a dict of settings (list values form a grid) or a list of setting
dicts. Default candidates: the baseline and ``jury`` (current defaults).
``--out DIR`` writes ``results.csv`` (every fit, ``chosen`` marks the LODO
score) and ``summary.md``; the Markdown report also goes to stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from labeljury.bench.datasets import discover, find_data_root
from labeljury.bench.families import FAMILIES, draw_seed, family_sets, real_sets
from labeljury.bench.protocol import DEFAULT_PEERS, ProtocolConfig, run_protocol
from labeljury.bench.protocol_report import render

#: --quick: four small real sets (one with text, one with tabular features), half-size families
QUICK_SETS = ("temp", "weather_sentiment_cf", "rte", "music_genre")
QUICK_SCALE = 0.5
#: --tiny (tests, no shared data): a tenth of the families, two peers
TINY_SCALE = 0.1
TINY_PEERS = ("crowdkit:MajorityVote", "cleanlab:crowdlab")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--candidate",
        action="append",
        default=None,
        help="method[:JSON settings]; repeatable (default: the baseline and jury)",
    )
    p.add_argument("--seed", type=int, default=None, help="reproduce a run (default: fresh)")
    p.add_argument(
        "--quick", action="store_true", help="four small real sets, half-size families (minutes)"
    )
    p.add_argument(
        "--tiny",
        action="store_true",
        help="simulated families at a tenth of their size, two peers, real sets "
        "only from --data (seconds)",
    )
    p.add_argument(
        "--data",
        action="append",
        default=None,
        help="data set folder(s) (default: $LABELJURY_DATA or ../shared/datasets)",
    )
    p.add_argument("--sets", nargs="*", default=None, help="only these real data sets")
    p.add_argument("--no-real", action="store_true", help="simulated families only")
    p.add_argument(
        "--families",
        nargs="*",
        default=None,
        choices=list(FAMILIES),
        help="simulated families (default: all)",
    )
    p.add_argument(
        "--peers", nargs="*", default=None, help=f"peer names (default: {' '.join(DEFAULT_PEERS)})"
    )
    p.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help="seconds per fit; a fit predicted over twice this is skipped",
    )
    p.add_argument("--out", default=None, help="folder for results.csv and summary.md")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p.parse_args(argv)


def _write(path: Path, text: str) -> None:
    """Atomically: a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    seed = draw_seed() if args.seed is None else args.seed
    print(f"generalization protocol: seed {seed} (rerun with --seed {seed})", flush=True)
    t0 = time.perf_counter()
    scale = TINY_SCALE if args.tiny else QUICK_SCALE if args.quick else 1.0
    sets = []
    if not args.no_real and (args.data or not args.tiny):
        roots = args.data or ([str(r)] if (r := find_data_root()) is not None else [])
        wanted = args.sets if args.sets is not None else QUICK_SETS if args.quick else None
        folders = [f for f in discover(roots) if wanted is None or f.name in wanted]
        if not args.quiet:
            print(
                f"[protocol] {len(folders)} real data sets: subsampling and out-of-fold models...",
                file=sys.stderr,
                flush=True,
            )
        sets += real_sets(folders, seed)
    sets += family_sets(seed, args.families, scale)
    peers = args.peers if args.peers is not None else TINY_PEERS if args.tiny else DEFAULT_PEERS
    candidates = args.candidate or ["jury"]
    budget = args.budget
    cfg = ProtocolConfig(max_fit_seconds=budget, progress=not args.quiet, peers=peers)
    rows = run_protocol(sets, candidates, config=cfg)
    wall = time.perf_counter() - t0
    given = sys.argv[1:] if argv is None else argv
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    header = [
        "# Generalization protocol\n",
        f"- run: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {mode} mode, seed {seed}, "
        f"{wall / 60:.1f} min wall, fit budget {budget:g} s",
        f"- machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        f"- command: `python benchmarks/generalization.py {' '.join(given)}`",
        f"- {rows.dataset.nunique()} data sets in {rows.group.nunique()} groups; candidates: "
        f"{', '.join(dict.fromkeys(rows.candidate[rows.candidate != '']))}; peers: "
        f"{', '.join(peers)}",
    ]
    report = render(rows, header=header)
    print(report)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        _write(out / "results.csv", rows.to_csv(index=False))
        _write(out / "summary.md", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
