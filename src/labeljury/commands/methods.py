"""``labeljury methods``: one line per aggregation method, single-label then multi-label."""

from __future__ import annotations

import argparse

from . import console

__all__ = ["cmd_methods"]


def cmd_methods(args: argparse.Namespace) -> int:
    """``labeljury methods``: the single-label methods, then those of ``--multi-label``."""
    from ..methods import METHODS, method_class
    from ..multilabel.methods import METHODS as MULTI_METHODS

    sections = [
        ("method", [(name, method_class(name).summary) for name in METHODS]),
        (
            "multi-label method (--multi-label)",
            [(name, cls.summary) for name, cls in MULTI_METHODS.items()],
        ),
    ]
    if args.plain:
        for i, (_title, rows) in enumerate(sections):
            if i:
                print("\nmulti-label methods (--multi-label):")
            for name, summary in rows:
                print(f"{name:<24} {summary}")
        return 0
    from rich.table import Table

    for title, rows in sections:
        table = Table(title, "what it does")
        for name, summary in rows:
            table.add_row(name, summary)
        console().print(table)
    return 0
