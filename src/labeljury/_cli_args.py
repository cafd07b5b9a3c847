"""Arguments the ``labeljury`` subcommands share, for :mod:`labeljury.cli` and the
subpackages' parsers: how ANSWERS is read (format, columns, classes, gold,
items, multi-label, duplicates; used by ``aggregate`` and ``run``) and the
whole-number argument types. Parser-time code: argparse only, nothing heavy.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = ["add_read_options", "whole_number"]


def add_read_options(p: argparse.ArgumentParser) -> None:
    """The options that say how ANSWERS is read, for ``aggregate`` and ``run``."""
    p.add_argument(
        "answers",
        metavar="ANSWERS",
        help="annotations: a long table (one row per annotation), a wide table (one "
        "column per annotator), or a labeling-tool export",
    )
    p.add_argument(
        "--format",
        default="auto",
        help="input format: auto (sniffed, default), table, long, wide, or a tool: "
        "label_studio, mturk, sagemaker, prodigy, argilla, toloka, crowdflower, "
        "labelbox, doccano (see docs/io.md)",
    )
    p.add_argument(
        "--question",
        default=None,
        help="tool exports with several questions: the field that holds the class",
    )
    p.add_argument("--item-col", default=None, help="item id column (default: recognised)")
    p.add_argument(
        "--annotator-col", default=None, help="annotator id column (default: recognised)"
    )
    p.add_argument("--label-col", default=None, help="label column (default: recognised)")
    p.add_argument(
        "--classes",
        nargs="+",
        default=None,
        help="all classes in order, including ones nobody chose",
    )
    p.add_argument(
        "--keep-skipped",
        action="store_true",
        help="tool exports: keep skipped, cancelled, rejected and draft annotations "
        "that carry a label (excluded and counted by default)",
    )
    p.add_argument(
        "--gold",
        default=None,
        metavar="FILE",
        help="known classes of some items (a table: item id, class): the summary "
        "reports the consensus accuracy and calibration on them (k-fold: each "
        "scored without its own class) and each annotator's accuracy; they are "
        "pinned in the final consensus and, with 20 or more, calibrate Jury's "
        "consensus quality scores",
    )
    p.add_argument(
        "--items",
        default=None,
        metavar="FILE",
        help="report: a table with the item id column and the items' text (or "
        "features), shown beside their votes (default: items.csv beside "
        "ANSWERS, if any)",
    )
    p.add_argument(
        "--class-names",
        default=None,
        metavar="FILE",
        help="report: class names, as JSON {class: name} or a two-column table "
        "(default: the 'classes' of a meta.json beside ANSWERS, if any)",
    )
    p.add_argument(
        "--multi-label",
        action="store_true",
        help="each annotator chose a set of classes per item (several, one or none; "
        "see docs/multilabel.md)",
    )
    p.add_argument(
        "--label-sep",
        default="|",
        metavar="SEP",
        help="--multi-label: separator of the classes in a label cell (default '|'; "
        "a JSON list cell also works)",
    )
    p.add_argument(
        "--duplicates",
        default="keep",
        choices=["keep", "first", "last", "error"],
        help="an annotator labeling an item twice: keep both votes (default), keep "
        "the first or last, or stop with an error",
    )


def whole_number(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``low`` (a count, a seed), else a usage error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a whole number >= {low}, got {text!r}"
            ) from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {low}, got {value}")
        return value

    return parse
