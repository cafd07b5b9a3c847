"""Run the review app with uvicorn on a socket bound before the URL is printed."""

from __future__ import annotations

import os
import socket
import sys
import webbrowser

import uvicorn

from ..errors import InputError
from .app import create_app
from .data import ReviewData

__all__ = ["serve"]


def serve(
    out_dir: str | os.PathLike[str],
    *,
    data: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8765,
    reviewer: str = "reviewer",
    open_browser: bool = True,
) -> int:
    """Load ``out_dir``, bind ``host:port``, print the URL with its token, serve until stopped.

    The URL is the first line of standard output (flushed at once), so a
    script can read it; ``port=0`` binds a free port.
    """
    review = ReviewData.load(out_dir, data, reviewer=reviewer)
    app = create_app(review)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(
            f"cannot listen on {host}:{port} ({exc.strerror}); pick another "
            "--port (0 = any free port)"
        ) from exc
    sock.listen(128)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    url = f"http://{shown}:{bound}/?token={app.token}"
    print(url, flush=True)
    print(
        f"labeljury review: {review.n:,} items; decisions go to {review.reviews_path}; "
        "Ctrl-C to stop",
        file=sys.stderr,
        flush=True,
    )
    if open_browser:
        webbrowser.open(url)
    server = uvicorn.Server(
        uvicorn.Config(
            app, log_level="warning", access_log=False, limit_concurrency=64, timeout_keep_alive=5
        )
    )
    server.run(sockets=[sock])
    return 0
