"""``labeljury review`` and ``labeljury export``: the subcommands of the review app.

:func:`add_commands` only declares arguments: Starlette, uvicorn, Jinja2 and
pandas are imported when a command runs, so the ``labeljury`` command starts fast.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_commands", "cmd_export", "cmd_review"]


def add_commands(subparsers: Any) -> None:
    """Add the ``review`` and ``export`` subcommands.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="labeljury")
    >>> add_commands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["review", "out", "--port", "0", "--no-browser"])
    >>> args.host, args.port, args.func.__name__
    ('127.0.0.1', 0, 'cmd_review')
    """
    rev = subparsers.add_parser(
        "review",
        help="review and correct labels in the browser (local web app)",
        description="Serve a local web app over the tables that `aggregate` or `run` wrote to "
        "OUT_DIR: a queue of items (lowest consensus quality or highest relabel "
        "priority first), each item with its content, every annotator's label and "
        "the model's probabilities; accept, correct or send for relabeling with the "
        "keyboard. Every decision is appended at once to OUT_DIR/reviews.csv. "
        "Needs the review extra: pip install 'labeljury[review]'.",
    )
    rev.add_argument("out_dir", metavar="OUT_DIR", help="the folder aggregate/run wrote")
    rev.add_argument(
        "--data",
        default=None,
        metavar="ITEMS_FILE",
        help="item content: a table with the item id column and a text column, or "
        "an image path/URL column (relative paths are resolved in, and "
        "confined to, the file's folder)",
    )
    rev.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1, this machine only)",
    )
    rev.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free)")
    rev.add_argument(
        "--reviewer", default=None, help="name written with each decision (default: the login name)"
    )
    rev.add_argument("--no-browser", action="store_true", help="do not open a browser")
    rev.set_defaults(func=cmd_review)

    exp = subparsers.add_parser(
        "export",
        help="export reviewed items for a labeling tool",
        description="Write the items whose latest review decision is 'relabel' as tasks a "
        "labeling tool imports (Label Studio: a JSON list of tasks).",
    )
    exp.add_argument("out_dir", metavar="OUT_DIR", help="the folder with reviews.csv")
    exp.add_argument(
        "--relabel",
        action="store_true",
        required=True,
        help="export the items flagged for relabeling",
    )
    exp.add_argument(
        "--format",
        default="label_studio",
        choices=["label_studio"],
        help="task format (default label_studio)",
    )
    exp.add_argument(
        "--data",
        default=None,
        metavar="ITEMS_FILE",
        help="item content to put in each task's data (text or image column)",
    )
    exp.add_argument(
        "--out",
        default=None,
        metavar="FILE",
        help="output file (default OUT_DIR/relabel_label_studio.json)",
    )
    exp.set_defaults(func=cmd_export)


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_review(args: argparse.Namespace) -> int:
    """``labeljury review``: load OUT_DIR, print the URL (first line), serve until Ctrl-C."""
    from ..errors import InputError

    try:
        from .server import serve
    except ImportError as exc:
        raise InputError(
            f"labeljury review needs the review extra ({exc.name} is missing): "
            "pip install 'labeljury[review]'"
        ) from exc
    if not _loopback(args.host):
        print(
            f"labeljury: warning: serving on {args.host}, reachable from other machines; "
            "anyone with the printed URL (it holds the token) can read and change the "
            "reviews",
            file=sys.stderr,
        )
    return serve(
        args.out_dir,
        data=args.data,
        host=args.host,
        port=args.port,
        reviewer=args.reviewer or _login(),
        open_browser=not args.no_browser,
    )


def _login() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "reviewer"


def cmd_export(args: argparse.Namespace) -> int:
    """``labeljury export OUT_DIR --relabel --format label_studio``."""
    from .export import export_relabel

    path, n = export_relabel(args.out_dir, data=args.data, out=args.out, format=args.format)
    print(f"wrote {n} task(s) for relabeling to {path}")
    return 0
