"""The review web app: Starlette routes, Jinja2 templates, a guard in front of all of them.

Every screen is a server-rendered page with a JSON twin under ``/api/``; the
only state change is ``POST /api/decide``. :class:`Guard` (plain ASGI) wraps
the whole app: it bounds request bodies, admits a request only with the
server's random token (from the printed URL, then from a cookie), demands the
CSRF token on every POST, and sets headers that forbid scripts from anywhere
but the app itself. Jinja2 autoescapes every value taken from the data.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import InputError
from ._guard import MAX_BODY, Guard  # re-exported: callers import them from here
from .data import QueueQuery, ReviewData

__all__ = ["MAX_BODY", "Guard", "create_app"]

HERE = Path(__file__).parent


def create_app(data: ReviewData, *, token: str | None = None, csrf: str | None = None) -> Any:
    """The review app over ``data``, wrapped in its :class:`Guard`.

    Returns the ASGI app; its ``token`` and ``csrf`` attributes hold the secrets.
    """
    token = token or secrets.token_urlsafe(24)
    csrf = csrf or secrets.token_urlsafe(24)
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    env.globals.update(csrf=csrf, classes=data.classes, multi_label=data.multi_label)
    # query strings: {{ params | q }}, {{ params | q(id=item) }} (extra keys first)
    env.filters["q"] = lambda params, **extra: urlencode({**extra, **params})
    env.filters["f3"] = lambda x: "" if x is None else f"{x:.3f}"

    def page(name: str, **ctx: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**ctx))

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    def item_pos(request: Request) -> int | None:
        try:
            return data.position(request.query_params.get("id", ""))
        except KeyError:
            return None

    async def queue(request: Request) -> Response:
        q = QueueQuery.from_params(request.query_params)
        result = data.page(q)
        if wants_json(request):
            return JSONResponse(result)
        return page(
            "queue.html",
            q=q,
            result=result,
            annotators=data.annotators[:2000],
            screen="queue",
            item_params=q.params(page=""),
        )

    async def item(request: Request) -> Response:
        i = item_pos(request)
        if i is None:
            return _not_found(request, "no such item")
        q = QueueQuery.from_params(request.query_params)
        prev, nxt = data.neighbours(i, q)
        info = data.item(i)
        nav = q.params(page="")
        links = {
            "prev": None if prev is None else {"id": data.ids[prev], **nav},
            "next": None if nxt is None else {"id": data.ids[nxt], **nav},
        }
        if wants_json(request):
            return JSONResponse(
                {
                    **info,
                    "prev": None if prev is None else data.ids[prev],
                    "next": None if nxt is None else data.ids[nxt],
                }
            )
        has_image = bool(info["image"]) and (
            data.image_file(i) is not None or "://" in info["image"]
        )
        return page(
            "item.html",
            it=info,
            links=links,
            q=q,
            nav=nav,
            screen="item",
            image_src=(
                info["image"]
                if "://" in info["image"]
                else "/image?" + urlencode({"id": info["item"]})
            )
            if has_image
            else "",
        )

    async def decide(request: Request) -> Response:
        body = await request.body()
        is_json = request.headers.get("content-type", "").startswith("application/json")
        try:
            form = {} if is_json else parse_qs(body.decode("utf-8", "replace"))
            fields = json.loads(body or b"{}") if is_json else {k: v[0] for k, v in form.items()}
            if not isinstance(fields, dict):
                raise ValueError("not an object")
            if data.multi_label and not is_json and fields.get("action") == "correct":
                # the plain form's checked class boxes: the corrected set (maybe empty)
                fields["label"] = form.get("label", [])
        except ValueError:
            return JSONResponse({"error": "the body is not valid JSON"}, status_code=400)
        i = None
        try:
            i = data.position(str(fields.get("item", "")))
            # a class button of the plain form sends only its label: a correction
            action = str(fields.get("action") or ("correct" if fields.get("label") else ""))
            label = fields.get("label")
            if not data.multi_label:
                label = label or None
            elif not isinstance(label, (list, str)) and label is not None:
                raise InputError("a set is a list of classes")
            row = data.decide(data.ids[i], action, label)
        except KeyError:
            return JSONResponse({"error": "no such item"}, status_code=404)
        except InputError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        sent_nav = fields.get("nav") if isinstance(fields.get("nav"), dict) else {}
        nav = (
            {str(k): str(v) for k, v in sent_nav.items()}
            if is_json
            else {k: v for k, v in fields.items() if k not in ("item", "action", "label", "csrf")}
        )
        q = QueueQuery.from_params(nav)
        _, nxt = data.neighbours(i, q)
        params = q.params(page="")
        next_url = (
            "/item?" + urlencode({"id": data.ids[nxt], **params})
            if nxt is not None
            else "/queue?" + urlencode(params)
        )
        if is_json:
            return JSONResponse({"saved": row, "next_url": next_url})
        return RedirectResponse(next_url, status_code=303)

    async def image(request: Request) -> Response:
        i = item_pos(request)
        path = None if i is None else data.image_file(i)
        if path is None:
            return Response("no such image", status_code=404, media_type="text/plain")
        return FileResponse(path)

    async def annotators(request: Request) -> Response:
        q = QueueQuery.from_params(request.query_params)
        table = data.stats
        total = len(table)
        start = (q.page - 1) * 100
        rows = json.loads(table.iloc[start : start + 100].to_json(orient="records"))
        if wants_json(request):
            return JSONResponse({"total": total, "page": q.page, "rows": rows})
        return page(
            "annotators.html",
            rows=rows,
            columns=list(table.columns),
            numeric={c for c in table.columns if table[c].dtype.kind in "fiu"},
            total=total,
            page_no=q.page,
            pages=max(1, -(-total // 100)),
            screen="annotators",
        )

    async def annotator(request: Request) -> Response:
        name = request.query_params.get("name", "")
        hits = (data.annotators == name).nonzero()[0]
        if not len(hits):
            return _not_found(request, "no such annotator")
        a = int(hits[0])
        info = json.loads(data.stats.iloc[[a]].to_json(orient="records"))[0]
        conf = data.confusion(a)
        result = {
            "annotator": name,
            "stats": info,
            "classes": data.classes,
            "confusion": conf.tolist(),
            "items": data.page(QueueQuery(annotator=name, per_page=20)),
        }
        if wants_json(request):
            return JSONResponse(result)
        return page(
            "annotator.html", r=result, screen="annotators", rowmax=max(1, int(conf.max(initial=0)))
        )

    async def overview(request: Request) -> Response:
        o = data.overview()
        if wants_json(request):
            return JSONResponse(o)
        report = data.out_dir is not None and (data.out_dir / "report.html").is_file()
        return page("overview.html", o=o, screen="overview", report=report)

    async def report(request: Request) -> Response:
        path = None if data.out_dir is None else data.out_dir / "report.html"
        if path is None or not path.is_file():
            return Response("no report.html in this folder", status_code=404)
        # the report is our own self-contained page: its inline styles need relaxing
        return FileResponse(
            path,
            headers={
                "content-security-policy": "default-src 'none'; img-src data:; "
                "style-src 'unsafe-inline'"
            },
        )

    def _not_found(request: Request, text: str) -> Response:
        if wants_json(request):
            return JSONResponse({"error": text}, status_code=404)
        return HTMLResponse(
            env.get_template("error.html").render(message=text, screen=""), status_code=404
        )

    async def home(request: Request) -> Response:
        return RedirectResponse("/queue", status_code=303)

    routes = [
        Route("/", home),
        Route("/queue", queue),
        Route("/api/queue", queue),
        Route("/item", item),
        Route("/api/item", item),
        Route("/api/decide", decide, methods=["POST"]),
        Route("/decide", decide, methods=["POST"]),
        Route("/image", image),
        Route("/annotators", annotators),
        Route("/api/annotators", annotators),
        Route("/annotator", annotator),
        Route("/api/annotator", annotator),
        Route("/overview", overview),
        Route("/api/overview", overview),
        Route("/report", report),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Guard(Starlette(routes=routes), token, csrf)
    return app
