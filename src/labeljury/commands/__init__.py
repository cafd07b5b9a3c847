"""What each ``labeljury`` subcommand does; :mod:`labeljury.cli` only parses arguments.

One small module per command, imported when that command runs, so that
``labeljury --help`` loads none of numpy, pandas, scikit-learn or rich.
"""

from __future__ import annotations

from typing import Any

__all__ = ["console"]


def console(quiet: bool = False, *, stderr: bool = False) -> Any:
    """The rich console every command prints to.

    ``soft_wrap`` keeps long paths and ids on one line (a wrapped path cannot
    be copied); tables still fit the terminal.
    """
    from rich.console import Console

    return Console(quiet=quiet, highlight=False, soft_wrap=True, stderr=stderr)
