"""``labeljury agreement`` and ``labeljury convert``: subcommands on tool exports.

:func:`add_commands` adds them to the main parser's subparsers; each sets
``func`` to a callable taking the parsed arguments and returning an exit code.
rich and pandas writers are imported only when a command runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..cli import whole_number

__all__ = ["add_commands", "cmd_agreement", "cmd_convert"]


def _read_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "answers",
        metavar="ANSWERS",
        help="a labeling-tool export (file or folder) or a plain long table",
    )
    p.add_argument(
        "--format",
        default="auto",
        help="export format: auto (default) or one of label_studio, mturk, sagemaker, "
        "prodigy, argilla, toloka, crowdflower, labelbox, doccano, table",
    )
    p.add_argument(
        "--question",
        default=None,
        metavar="NAME",
        help="which field holds the class when the export has several",
    )
    p.add_argument(
        "--keep-skipped",
        action="store_true",
        help="keep skipped, cancelled, rejected and draft annotations",
    )


def add_commands(subparsers: Any) -> None:
    """Add the ``agreement`` and ``convert`` subcommands.

    Parameters
    ----------
    subparsers : argparse subparsers action
        What ``parser.add_subparsers()`` returned.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="labeljury")
    >>> add_commands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["convert", "x.json", "--to", "csv", "out.csv"])
    >>> args.to, args.func.__name__
    ('csv', 'cmd_convert')
    """
    agr = subparsers.add_parser(
        "agreement",
        help="inter-annotator agreement of an export",
        description="Krippendorff's alpha (nominal), Fleiss' kappa (when every item has the same "
        "number of labels), pairwise Cohen's kappa and percent agreement, overall "
        "and per class.",
    )
    _read_options(agr)
    agr.add_argument(
        "--min-shared",
        type=whole_number(0),
        default=10,
        metavar="N",
        help="pairwise Cohen's kappa only for annotators sharing >= N items (default 10)",
    )
    agr.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="also write agreement.json, agreement_per_class.csv and agreement_pairwise.csv to DIR",
    )
    agr.set_defaults(func=cmd_agreement)

    conv = subparsers.add_parser(
        "convert",
        help="convert an export to a plain long table",
        description="Read a labeling-tool export and write one row per annotation (item, "
        "annotator, label, plus seconds and timestamp when the tool records them).",
    )
    _read_options(conv)
    conv.add_argument(
        "--to", required=True, choices=["csv", "parquet", "jsonl"], help="output format"
    )
    conv.add_argument("out", metavar="OUT", help="output file")
    conv.set_defaults(func=cmd_convert)


def _read(args: argparse.Namespace) -> Any:
    from rich.console import Console

    from . import read

    ann, summary = read(
        args.answers,
        format=args.format,
        question=args.question,
        keep_skipped=args.keep_skipped,
        return_summary=True,
    )
    Console(stderr=True, highlight=False).print(summary)
    return ann


def cmd_agreement(args: argparse.Namespace) -> int:
    """Run ``labeljury agreement``: print the statistics, optionally write them."""
    from rich.console import Console

    from ..agreement import agreement
    from .writers import atomic_write

    ann = _read(args)
    report = agreement(ann, min_shared=args.min_shared)
    Console(highlight=False).print(report)
    if args.out:
        out = Path(args.out)
        numbers = {
            k: (None if isinstance(v, float) and v != v else v) for k, v in report.summary().items()
        }
        text = json.dumps(numbers, indent=2)
        atomic_write(out / "agreement.json", lambda t: Path(t).write_text(text + "\n"))
        for name in ("per_class", "pairwise"):
            table = getattr(report, name)
            atomic_write(
                out / f"agreement_{name}.csv", lambda t, table=table: table.to_csv(t, index=False)
            )
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    """Run ``labeljury convert``: write the annotations as a long table."""
    from .writers import atomic_write

    ann = _read(args)
    df = ann.to_long()
    if ann.meta is not None:
        df = df.join(ann.meta)
    if ann.gold is not None:
        gold = ann.gold[ann.item]
        df["gold"] = [ann.classes[g] if g >= 0 else None for g in gold]
    if args.to == "csv":
        atomic_write(args.out, lambda t: df.to_csv(t, index=False))
    elif args.to == "parquet":
        out = df.copy()
        out.columns = [str(c) for c in out.columns]
        atomic_write(args.out, lambda t: out.to_parquet(t, index=False))
    else:
        atomic_write(
            args.out,
            lambda t: df.to_json(
                t, orient="records", lines=True, force_ascii=False, date_format="iso"
            ),
        )
    return 0
