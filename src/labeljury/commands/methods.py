"""``labeljury methods``: one line per aggregation method."""

from __future__ import annotations

import argparse

from . import console

__all__ = ["cmd_methods"]


def cmd_methods(args: argparse.Namespace) -> int:
    """``labeljury methods``."""
    from ..methods import METHODS, method_class

    rows = [(name, method_class(name).summary) for name in METHODS]
    if args.plain:
        for name, summary in rows:
            print(f"{name:<24} {summary}")
        return 0
    from rich.table import Table

    table = Table("method", "what it does")
    for name, summary in rows:
        table.add_row(name, summary)
    console().print(table)
    return 0
