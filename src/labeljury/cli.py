"""The ``labeljury`` command: argument parsing only.

What each subcommand does lives in :mod:`labeljury.commands` (one small module
per command) and is imported when that command runs: building the parser
imports nothing heavier than argparse, so ``labeljury --version`` and
``--help`` start at once (a test guards it).

Examples
--------
>>> from labeljury.cli import main
>>> main(["methods", "--plain"])  # doctest: +ELLIPSIS
majority_vote ...
0
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._cli_args import add_read_options, whole_number
from .errors import LabeljuryError

__all__ = ["build_parser", "main"]


class _Command:
    """A subcommand's function, imported from ``module:function`` only when it runs."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.__name__ = target.rsplit(":", 1)[1]

    def __call__(self, args: argparse.Namespace) -> int:
        module, name = self.target.split(":")
        return getattr(importlib.import_module(module), name)(args)


class _Parser(argparse.ArgumentParser):
    """argparse with labeljury's error format: one line on stderr, exit status 2."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        from .errors import printable

        self.exit(2, f"labeljury: error: {printable(message)} (see {self.prog} --help)\n")


def _command(name: str) -> _Command:
    """``_command("aggregate:cmd_aggregate")`` -> the lazy ``labeljury.commands`` function."""
    return _Command(f"labeljury.commands.{name}")


#: names that used to live here, now in labeljury.commands (imported on first use)
_MOVED = {
    "read_answers": "_read",
    "read_answers_with_gold": "_read",
    "read_gold": "_read",
    "tutorial_demo": "demo",
    "cmd_aggregate": "aggregate",
    "cmd_run": "run",
    "cmd_demo": "demo",
    "cmd_methods": "methods",
}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        return getattr(importlib.import_module(f"labeljury.commands.{_MOVED[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_positive_int = whole_number(1)
_count = whole_number(0)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``labeljury`` command."""
    from . import __version__

    parser = _Parser(
        prog="labeljury",
        description="Consensus labels, label quality and annotator quality for data labeled by "
        "several annotators.",
    )
    parser.add_argument("--version", action="version", version=f"labeljury {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="on an error, print the Python traceback too (anywhere on the line)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    agg = sub.add_parser(
        "aggregate",
        help="infer consensus labels and quality scores",
        description="Infer consensus labels and write label_quality.csv, "
        "detailed_label_quality.csv and annotator_stats.csv.",
    )
    add_read_options(agg)
    agg.add_argument(
        "--method",
        default="auto",
        help="aggregation method (see `labeljury methods`); default 'auto' = "
        "'jury', labeljury's own method, with or without --pred-probs",
    )
    agg.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter of the method, repeatable, e.g. --param max_iter=100 (Dawid-Skene "
        "to convergence; see docs/methods.md); VALUE is read as JSON (numbers, true/false, "
        "null, lists) or else as text",
    )
    agg.add_argument(
        "--pred-probs",
        default=None,
        metavar="FILE",
        help="a model's out-of-sample probabilities: a .npy array with one row per "
        "item in SORTED item-id order and one column per class in class order, "
        "or a CSV/Parquet table with the item id column plus one column per "
        "class name (rows matched by id)",
    )
    agg.add_argument(
        "--pred-probs-id-col",
        default=None,
        help="item id column of a --pred-probs table (default: recognised)",
    )
    agg.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="write label_quality, detailed_label_quality and annotator_stats "
        "to DIR (default: print the summary, write nothing)",
    )
    agg.add_argument(
        "--output-format",
        default="csv",
        choices=["csv", "parquet"],
        help="file format of the tables written to --out (default csv)",
    )
    agg.add_argument(
        "--report", action="store_true", help="also write report.html to --out (needs matplotlib)"
    )
    agg.add_argument("--quiet", action="store_true", help="print nothing but errors")
    agg.add_argument(
        "--engine",
        default="memory",
        choices=["memory", "dask"],
        help="memory (default) or dask: ANSWERS a Parquet or CSV dataset (a folder or a "
        "glob) aggregated on a Dask cluster, tables written as Parquet datasets "
        "(docs/dask.md; needs labeljury[dask])",
    )
    agg.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="--engine dask: the Dask scheduler to use (default: start a local cluster)",
    )
    agg.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        metavar="N",
        help="--engine dask: workers of the local cluster (default: one per core)",
    )
    agg.add_argument(
        "--worker-memory",
        default=None,
        metavar="SIZE",
        help="--engine dask: memory limit of each local worker, e.g. 1GB (default: the "
        "machine's memory shared among them); the data may be larger (docs/dask.md)",
    )
    agg.add_argument(
        "--partitions",
        type=_positive_int,
        default=None,
        metavar="N",
        help="--engine dask: partitions after the shuffle by item (default: one per "
        "million annotations, at least the input's)",
    )
    agg.set_defaults(func=_command("aggregate:cmd_aggregate"))

    meth = sub.add_parser(
        "methods",
        help="list the aggregation methods",
        description="List the aggregation methods with one line each.",
    )
    meth.add_argument("--plain", action="store_true", help="plain text, no table")
    meth.set_defaults(func=_command("methods:cmd_methods"))

    demo = sub.add_parser(
        "demo",
        help="run the built-in demo",
        description="The classic multi-annotator tutorial (labeljury trains "
        "its own model), then every method on a built-in real "
        "data set with accuracy against its gold labels.",
    )
    demo.add_argument(
        "--out",
        default="demo-output",
        metavar="DIR",
        help="where the tutorial's tables and HTML report go (default demo-output)",
    )
    demo.add_argument("--seed", type=_count, default=0, help="seed of the tutorial data")
    demo.set_defaults(func=_command("demo:cmd_demo"))

    runp = sub.add_parser(
        "run",
        help="train a model and iterate model-aware consensus",
        description="Majority vote -> train a classifier with cross-validation "
        "-> model-aware consensus -> retrain -> ... until stable. "
        "Writes the aggregate tables, pred_probs.csv and "
        "report.html.",
    )
    add_read_options(runp)
    runp.add_argument(
        "--features",
        default=None,
        metavar="FILE",
        help="a table (CSV/TSV/Parquet) with the item id column (named as in "
        "ANSWERS, or --features-id-col) and one column per feature: numeric, "
        "categorical or text; rows are matched to items by id",
    )
    runp.add_argument(
        "--features-id-col",
        default=None,
        metavar="C",
        help="item id column of --features (default: recognised by name, else the first column)",
    )
    runp.add_argument(
        "--text-col",
        action="append",
        default=None,
        metavar="C",
        help="a text column of --features to model with TF-IDF (repeatable)",
    )
    runp.add_argument(
        "--embeddings",
        default=None,
        metavar="FILE.npy|FILE.npz",
        help="precomputed features with one row per item in SORTED item-id "
        "order: a .npy array (embeddings) or a scipy sparse .npz matrix "
        "(TF-IDF, bag of words; scipy.sparse.save_npz)",
    )
    runp.add_argument(
        "--method", default="auto", help="model-aware method: auto (= jury, default) or crowdlab"
    )
    runp.add_argument(
        "--max-rounds",
        type=int,
        default=5,
        metavar="N",
        help="train -> consensus rounds at most (default 5); round 1 (one pass) "
        "is kept unless a later round predicts held-out annotations clearly better",
    )
    runp.add_argument(
        "--folds",
        type=int,
        default=5,
        metavar="K",
        help="cross-validation folds of the model (default 5)",
    )
    runp.add_argument(
        "--seed",
        type=_count,
        default=0,
        help="random seed of the cross-validation folds, the model and the held-out "
        "annotations (default 0)",
    )
    runp.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="output folder: the tables, pred_probs and report.html",
    )
    runp.add_argument(
        "--output-format",
        default="csv",
        choices=["csv", "parquet"],
        help="file format of the tables and pred_probs (default csv)",
    )
    runp.add_argument("--no-report", action="store_true", help="skip report.html")
    runp.add_argument("--quiet", action="store_true", help="print nothing but errors")
    runp.set_defaults(func=_command("run:cmd_run"))

    from .bench.cli import add_commands as add_bench
    from .io.cli import add_commands as add_io
    from .review.cli import add_commands as add_review

    add_io(sub)
    add_bench(sub)
    add_review(sub)
    return parser


# arguments that name files the command reads, and the ones that name its outputs
_INPUT_ARGS = ("answers", "gold", "pred_probs", "features", "embeddings")


def _check_outputs(args: argparse.Namespace) -> None:
    """Before any work: the output folder/file can be written and is not an input."""
    from ._files import check_output_dir, check_output_file, register_input

    for name in _INPUT_ARGS:
        value = getattr(args, name, None)
        if isinstance(value, str) and Path(value).is_file():
            register_input(value)
    out = getattr(args, "out", None)
    if not isinstance(out, str) or not out:
        return
    if getattr(args, "command", None) in ("convert", "export"):  # --out names a file
        check_output_file(out)
    else:
        check_output_dir(out)


def _show_warning(
    message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None
) -> None:
    """Warnings on the command line: one escaped line each, no source location."""
    from .errors import printable

    name = "warning" if issubclass(category, UserWarning) else category.__name__
    print(f"labeljury: {name}: {printable(message)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status.

    0 on success; 2 for an error (bad input, an output that cannot be written,
    or an unexpected failure), printed as ONE line on stderr, with control
    characters escaped. ``--debug`` prints the traceback as well.
    """
    import warnings

    from .errors import printable

    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            _check_outputs(args)
            return int(args.func(args) or 0)
        except LabeljuryError as exc:
            if debug:
                import traceback

                traceback.print_exc()
            print(f"labeljury: error: {printable(exc)}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("labeljury: interrupted", file=sys.stderr)
            return 130
        except (
            OSError,
            MemoryError,
            ValueError,
            TypeError,
            KeyError,
            IndexError,
            ArithmeticError,
            RuntimeError,
            AssertionError,
            AttributeError,
        ) as exc:
            # not refused on purpose: a bug or an input nobody foresaw; one line still
            if debug:
                import traceback

                traceback.print_exc()
            kind = type(exc).__name__
            print(
                f"labeljury: error: {printable(kind)}: {printable(exc)} (unexpected: rerun "
                "with --debug for the traceback and please report it)",
                file=sys.stderr,
            )
            return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
