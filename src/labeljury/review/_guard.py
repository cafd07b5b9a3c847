"""The review app's gate: plain ASGI middleware in front of every route.

:class:`Guard` bounds request bodies, admits a request only with the server's random
token (from the printed URL, then from a cookie), demands the CSRF token on every
POST, and adds the headers that forbid scripts from anywhere but the app itself and
keep pages out of caches. It knows nothing of the routes (:mod:`labeljury.review.app`).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qs, urlencode

from ..errors import InputError

__all__ = ["CSP", "MAX_BODY", "Guard"]

#: the largest request body accepted (a decision is a few hundred bytes)
MAX_BODY = 16 * 1024
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: http: "
    "https:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class Guard:
    """ASGI middleware: size limit, token (then cookie) on every request, CSRF on POST.

    Parameters
    ----------
    app : ASGI app
    token : str
        The secret in the printed URL (``?token=...``). A request carrying it
        gets a cookie and is redirected to the same URL without it, so the
        token does not stay in the address bar or the history.
    csrf : str
        Required as the ``X-CSRF-Token`` header or a ``csrf`` form field on
        every request that is not GET/HEAD.
    """

    def __init__(self, app: Any, token: str, csrf: str) -> None:
        self.app, self.token, self.csrf = app, token, csrf
        self.cookie = "labeljury_" + hashlib.sha256(token.encode()).hexdigest()[:10]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # the app has no websockets: refuse, unauthenticated
            await send({"type": "websocket.close", "code": 1008})
            return
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        try:
            length = int(headers.get("content-length") or 0)
        except ValueError:
            length = MAX_BODY + 1
        if length > MAX_BODY:
            await _plain(send, 413, "request body too large")
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (query.get("token") or [""])[0]
        if given:
            if not hmac.compare_digest(given, self.token):
                await _plain(send, 403, "wrong token: open the URL that `labeljury review` printed")
                return
            rest = {k: v for k, v in query.items() if k != "token"}
            target = scope.get("path", "/") + ("?" + urlencode(rest, doseq=True) if rest else "")
            cookie = f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict"
            await _plain(
                send, 303, "", [(b"location", target.encode()), (b"set-cookie", cookie.encode())]
            )
            return
        if not hmac.compare_digest(_cookie(headers.get("cookie", ""), self.cookie), self.token):
            await _plain(
                send,
                401,
                "no access token: open the URL (with ?token=...) that `labeljury review` printed",
            )
            return
        if scope["method"] not in ("GET", "HEAD"):
            if not hmac.compare_digest(headers.get("x-csrf-token", ""), self.csrf):
                receive = await _check_form_csrf(receive, self.csrf, send)
                if receive is None:
                    return
        await self.app(scope, _bounded(receive), _secure(send, scope.get("path", "")))


def _cookie(header: str, name: str) -> str:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


async def _plain(
    send: Any, status: int, text: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Any) -> bytes | None:
    """The whole request body, or None when it grows past MAX_BODY (no length given)."""
    chunks, size = [], 0
    while True:
        msg = await receive()
        if msg["type"] != "http.request":
            break
        chunks.append(msg.get("body", b""))
        size += len(chunks[-1])
        if size > MAX_BODY:
            return None
        if not msg.get("more_body"):
            break
    return b"".join(chunks)


async def _check_form_csrf(receive: Any, csrf: str, send: Any) -> Any:
    """A form POST carries the CSRF token as a field: read the body, check, replay it."""
    body = await _read_body(receive)
    if body is None:
        await _plain(send, 413, "request body too large")
        return None
    field = (parse_qs(body.decode("utf-8", "replace")).get("csrf") or [""])[0]
    if not hmac.compare_digest(field, csrf):
        await _plain(send, 403, "missing or wrong CSRF token; reload the page")
        return None
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _bounded(receive: Any) -> Any:
    """Stop a body sent without Content-Length at MAX_BODY (chunked uploads)."""
    size = 0

    async def wrapped() -> dict[str, Any]:
        nonlocal size
        msg = await receive()
        if msg["type"] == "http.request":
            size += len(msg.get("body", b""))
            if size > MAX_BODY:
                raise InputError("request body too large")
        return msg

    return wrapped


def _secure(send: Any, path: str) -> Any:
    # pages are never cached (they change with every decision); the app's own CSS
    # and JavaScript do not change while it runs, so each page does not refetch them
    cache = b"private, max-age=3600" if path.startswith("/static/") else b"no-store"
    extra = [
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cache-control", cache),
    ]

    async def wrapped(msg: dict[str, Any]) -> None:
        if msg["type"] == "http.response.start":
            msg = dict(msg)
            have = {k.lower() for k, _ in msg.get("headers", [])}
            msg["headers"] = [*msg.get("headers", []), *(h for h in extra if h[0] not in have)]
        await send(msg)

    return wrapped
