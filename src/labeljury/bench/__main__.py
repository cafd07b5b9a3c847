"""``python -m labeljury.bench [options]``: the same as ``labeljury bench [options]``."""

from __future__ import annotations

import argparse
import sys

from .cli import add_commands


def main(argv: list[str] | None = None) -> int:
    """Parse ``bench`` options and run; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m labeljury.bench")
    add_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["bench", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
