"""The ``labeljury`` command.

Examples
--------
>>> from labeljury.cli import main
>>> main(["methods", "--plain"])  # doctest: +ELLIPSIS
majority_vote ...
0
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import LabeljuryError

__all__ = ["build_parser", "main"]

_TABLE_EXTS = (".csv", ".tsv", ".tab", ".parquet", ".pq", ".jsonl", ".ndjson", ".txt")


def _console(quiet: bool = False) -> Any:
    from rich.console import Console

    return Console(quiet=quiet, highlight=False)


def _parse_classes(values: Sequence[str] | None) -> list[Any] | None:
    """CLI classes arrive as text; numbers that are all integers become ints."""
    if not values:
        return None
    try:
        return [int(v) for v in values]
    except ValueError:
        return list(values)


def read_answers(args: argparse.Namespace) -> Any:
    """Read ANSWERS as a plain table, or through a tool-export reader when asked."""
    from .annotations import read_annotations

    fmt = getattr(args, "format", None) or "auto"
    path = Path(args.answers)
    plain = fmt in ("table", "long", "wide") or (
        fmt == "auto" and path.suffix.lower() in _TABLE_EXTS and not _looks_like_export(path))
    if plain or importlib.util.find_spec(".io", "labeljury") is None:
        layout = fmt if fmt in ("long", "wide") else "auto"
        return read_annotations(path, layout=layout, item_col=args.item_col,
                                annotator_col=args.annotator_col, label_col=args.label_col,
                                classes=_parse_classes(args.classes), duplicates=args.duplicates)
    from . import io as lj_io

    return lj_io.read(path, format=fmt, question=getattr(args, "question", None),
                      classes=_parse_classes(args.classes))


def _looks_like_export(path: Path) -> bool:
    """A CSV whose header is a tool's (e.g. MTurk ``Answer.*``) is read by its reader."""
    if path.suffix.lower() not in (".csv", ".tsv") or not path.exists():
        return False
    with open(path, encoding="utf-8", errors="replace") as fh:
        header = fh.readline()
    markers = ("Answer.", "HITId", "WorkerId", "INPUT:", "OUTPUT:", "_worker_id", "annotation_id",
               "completed_by")
    return any(m in header for m in markers)


def _add_read_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("answers", metavar="ANSWERS",
                   help="annotations: a long table (one row per annotation), a wide table (one "
                        "column per annotator), or a labeling-tool export")
    p.add_argument("--format", default="auto",
                   help="input format: auto (default), table, long, wide, or a tool name "
                        "(see docs/io.md)")
    p.add_argument("--question", default=None,
                   help="tool exports with several questions: the field that holds the class")
    p.add_argument("--item-col", default=None, help="item id column (default: recognised)")
    p.add_argument("--annotator-col", default=None,
                   help="annotator id column (default: recognised)")
    p.add_argument("--label-col", default=None, help="label column (default: recognised)")
    p.add_argument("--classes", nargs="+", default=None,
                   help="all classes in order, including ones nobody chose")
    p.add_argument("--duplicates", default="keep", choices=["keep", "first", "last", "error"],
                   help="an annotator labeling an item twice: keep both votes (default), keep "
                        "the first or last, or stop with an error")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``labeljury`` command."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="labeljury",
        description="Consensus labels, label quality and annotator quality for data labeled by "
                    "several annotators.")
    parser.add_argument("--version", action="version", version=f"labeljury {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    agg = sub.add_parser("aggregate", help="infer consensus labels and quality scores",
                         description="Infer consensus labels and write label_quality.csv, "
                                     "detailed_label_quality.csv and annotator_stats.csv.")
    _add_read_options(agg)
    agg.add_argument("--method", default="dawid_skene",
                     help="aggregation method (default dawid_skene; see `labeljury methods`; "
                          "'auto' picks crowdlab with --pred-probs, else dawid_skene)")
    agg.add_argument("--pred-probs", default=None, metavar="FILE",
                     help="a model's out-of-sample probabilities: a .npy array with one row per "
                          "item in SORTED item-id order and one column per class in class order, "
                          "or a CSV/Parquet table with the item id column plus one column per "
                          "class name (rows matched by id)")
    agg.add_argument("--pred-probs-id-col", default=None,
                     help="item id column of a --pred-probs table (default: recognised)")
    agg.add_argument("--out", required=True, metavar="DIR", help="output folder")
    agg.add_argument("--output-format", default="csv", choices=["csv", "parquet"])
    agg.add_argument("--quiet", action="store_true", help="print nothing but errors")
    agg.set_defaults(func=cmd_aggregate)

    meth = sub.add_parser("methods", help="list the aggregation methods",
                          description="List the aggregation methods with one line each.")
    meth.add_argument("--plain", action="store_true", help="plain text, no table")
    meth.set_defaults(func=cmd_methods)

    demo = sub.add_parser("demo", help="run the built-in demo",
                          description="Aggregate the built-in weather-sentiment data set with "
                                      "every method and print accuracy against its gold labels.")
    demo.add_argument("--out", default=None, metavar="DIR",
                      help="also write the tables of the default method here")
    demo.set_defaults(func=cmd_demo)

    try:
        from .io.cli import add_commands
    except ImportError:  # pragma: no cover - tool-export readers not installed
        pass
    else:
        add_commands(sub)
    return parser


def cmd_aggregate(args: argparse.Namespace) -> int:
    """``labeljury aggregate``."""
    from .result import aggregate

    console = _console(args.quiet)
    ann = read_answers(args)
    res = aggregate(ann, method=args.method, pred_probs=args.pred_probs,
                    pred_probs_id_col=args.pred_probs_id_col)
    files = res.save(args.out, format=args.output_format)
    _print_summary(console, res)
    console.print(f"wrote {', '.join(str(f) for f in files)}")
    return 0


def _print_summary(console: Any, res: Any) -> None:
    from rich.table import Table

    s = res.summary()
    console.print(f"[bold]{s['method']}[/bold]: {s['items']:,} items, {s['annotations']:,} "
                  f"annotations, {s['annotators']:,} annotators, {s['classes']} classes")
    console.print(f"mean consensus quality {s['mean_consensus_quality']:.3f}; "
                  f"{s['items_below_0.5_quality']:,} items below 0.5; "
                  f"{s['unanimous_items']:,} unanimous")
    worst = res.annotator_stats.head(5)
    table = Table(title="lowest-quality annotators", title_justify="left")
    for col in ("annotator", "annotator_quality", "agreement_with_consensus",
                "num_examples_labeled", "worst_class"):
        table.add_column(col)
    for row in worst.itertuples(index=False):
        table.add_row(str(row.annotator), f"{row.annotator_quality:.3f}",
                      f"{row.agreement_with_consensus:.3f}", str(row.num_examples_labeled),
                      str(row.worst_class))
    console.print(table)


def cmd_methods(args: argparse.Namespace) -> int:
    """``labeljury methods``."""
    from .methods import METHODS, method_class

    rows = [(name, method_class(name).summary) for name in METHODS]
    if args.plain:
        for name, summary in rows:
            print(f"{name:<24} {summary}")
        return 0
    from rich.table import Table

    table = Table("method", "what it does")
    for name, summary in rows:
        table.add_row(name, summary)
    _console().print(table)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """``labeljury demo``: every method on the built-in data, accuracy against gold."""
    import time

    from rich.table import Table

    from .datasets import load_builtin
    from .methods import METHODS, method_class
    from .result import aggregate

    console = _console()
    ds = load_builtin("weather_sentiment_amt")
    ann = ds.annotations
    console.print(f"[bold]{ds.name}[/bold] (built in, Apache-2.0): {ann.n_items} tweets, "
                  f"{ann.n_annotations} annotations by {ann.n_annotators} annotators, "
                  f"{ann.n_classes} classes, gold labels for every item")
    table = Table("method", "accuracy vs gold", "seconds")
    for name in METHODS:
        if method_class(name).uses_pred_probs:
            continue  # needs a model's pred_probs; the demo data set has no features
        t0 = time.perf_counter()
        res = aggregate(ann, method=name)
        dt = time.perf_counter() - t0
        table.add_row(name, f"{ds.accuracy(res.method.labels_):.4f}", f"{dt:.3f}")
    console.print(table)
    if args.out:
        files = aggregate(ann, method="dawid_skene").save(args.out)
        console.print(f"wrote {', '.join(str(f) for f in files)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (2 for input errors, with a one-line message)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except LabeljuryError as exc:
        print(f"labeljury: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
