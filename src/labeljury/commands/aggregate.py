"""``labeljury aggregate``: consensus labels and quality tables from the annotations alone."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError
from . import console
from ._read import read_answers_with_gold
from .summary import print_summary

__all__ = ["cmd_aggregate", "print_written"]


def print_written(out: object, files: list) -> None:
    """``wrote DIR/: a.csv, b.csv`` (one folder, then the file names: short, never wrapped)."""
    from pathlib import Path

    names = ", ".join(Path(f).name for f in files)
    out.print(f"wrote {Path(files[0]).parent}/: {names}" if files else "wrote nothing")


def cmd_aggregate(args: argparse.Namespace) -> int:
    """``labeljury aggregate``: print the summary; with ``--out``, write the tables."""
    if getattr(args, "multi_label", False):
        from ..multilabel.cli import cmd_aggregate as multi_label_aggregate

        return multi_label_aggregate(args)
    out = console(args.quiet)
    if getattr(args, "engine", "memory") == "dask":
        from ..engines.dask.cli import cmd_aggregate_dask

        return cmd_aggregate_dask(args, out)
    from ..result import aggregate

    if args.report and args.out is None:
        raise InputError("--report writes report.html into --out DIR; give --out too")
    ann = read_answers_with_gold(args)
    res = aggregate(
        ann,
        method=args.method,
        pred_probs=args.pred_probs,
        pred_probs_id_col=args.pred_probs_id_col,
    )
    print_summary(out, res)
    if args.out is None:
        out.print(
            "[dim]nothing written; --out DIR writes label_quality, "
            "detailed_label_quality and annotator_stats[/dim]"
        )
        return 0
    files = res.save(args.out, format=args.output_format)
    if args.report:
        from ._report_inputs import class_names, item_table

        files.append(
            res.report(
                Path(args.out) / "report.html",
                items=item_table(args),
                class_names=class_names(args),
            )
        )
    print_written(out, files)
    return 0
