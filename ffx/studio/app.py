"""The studio's HTTP routes, and the two checks in front of every one of them.

- **The token.** Every request carries the random token the URL was printed
  with, as ``?token=`` or the ``X-Ffx-Token`` header; anything else gets 403.
  Other local users and other pages in the browser do not know it.
- **The Host header** must be ``127.0.0.1:PORT`` or ``localhost:PORT``: a
  web page that rebinds its own domain name to 127.0.0.1 (DNS rebinding)
  sends its own name there, and is refused with 400. A request with an
  ``Origin`` must come from the page itself.

The page gets a Content-Security-Policy that allows only its own scripts,
styles and media, and no Referer, so the token does not travel anywhere.
"""

from __future__ import annotations

import json
import os
import secrets
from importlib import resources
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..errors import FfxError, Problem
from .folder import OutsideFolder
from .session import Busy, Studio, problem_json

TOKEN_HEADER = "x-ffx-token"
ASSETS = {"app.js": "text/javascript", "style.css": "text/css"}  # the only static files served
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
                               "media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                               "frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
}
LARGEST_REQUEST = 4 << 20  # bytes of JSON: a recipe is at most 1 MiB


class Guard:
    """ASGI middleware: the host check and the token check, before any route runs."""

    def __init__(self, app, token: str, port: int):
        self.app = app
        self.token = token.encode()
        self.hosts = {f"127.0.0.1:{port}".encode(), f"localhost:{port}".encode()}
        self.origins = {b"http://" + host for host in self.hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":  # lifespan
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        if headers.get(b"host", b"").lower() not in self.hosts:
            return await PlainTextResponse("this page is served to 127.0.0.1 only", 400)(scope, receive, send)
        origin = headers.get(b"origin")
        if origin is not None and origin.lower() not in self.origins:
            return await PlainTextResponse("requests from other pages are refused", 403)(scope, receive, send)
        given = headers.get(TOKEN_HEADER.encode())
        if not given:
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            given = (query.get("token") or [""])[0].encode("latin-1")
        if not secrets.compare_digest(given, self.token):
            return await PlainTextResponse("wrong or missing token: open the URL ffx studio printed", 403)(
                scope, receive, send)

        async def secured(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + [
                    (name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]
            await send(message)

        return await self.app(scope, receive, secured)


def create_app(studio: Studio, token: str, port: int) -> Guard:
    """The studio's web application for a server on 127.0.0.1:``port``, guarded by ``token``."""
    static = resources.files(__package__) / "static"

    async def page(request: Request) -> Response:
        html = (static / "index.html").read_text(encoding="utf-8")
        return Response(html.replace("{{token}}", token), media_type="text/html")

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:
            return PlainTextResponse("not found", 404)
        return Response((static / name).read_text(encoding="utf-8"), media_type=ASSETS[name])

    async def body(request: Request):
        if int(request.headers.get("content-length") or 0) > LARGEST_REQUEST:
            raise FfxError("the request is too large")
        data = await request.body()
        if len(data) > LARGEST_REQUEST:
            raise FfxError("the request is too large")
        try:
            return json.loads(data)
        except ValueError:
            raise FfxError("the request is not JSON") from None

    def answering(work):
        async def endpoint(request: Request) -> Response:
            data = None
            try:
                data = await body(request)
                return JSONResponse(await run_in_threadpool(work, data))
            except FfxError as exc:
                status = 409 if isinstance(exc, Busy) else 403 if isinstance(exc, OutsideFolder) else 422
                return JSONResponse({"ok": False, "problems": studio.problems(exc, data)}, status)
        return endpoint

    async def state(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(studio.state))

    def start_preview(data) -> dict:
        return studio.start_preview(data).as_json()

    async def preview_state(request: Request) -> Response:
        job = studio.jobs.get(request.path_params["job"])
        if job is None:
            return JSONResponse({"ok": False, "problems": [problem_json(Problem("no such preview"))]}, 404)
        return JSONResponse(job.as_json())

    async def preview_file(request: Request) -> Response:
        path = studio.preview_file(request.path_params["job"], request.path_params["which"])
        if path is None or not os.path.isfile(path):
            return PlainTextResponse("not found", 404)
        kind = "video/mp4" if path.endswith(".mp4") else "image/png"
        return FileResponse(path, media_type=kind)

    routes = [
        Route("/", page),
        Route("/static/{name}", asset),
        Route("/api/state", state),
        Route("/api/validate", answering(studio.check), methods=["POST"]),
        Route("/api/compile", answering(studio.compile), methods=["POST"]),
        Route("/api/save", answering(studio.save), methods=["POST"]),
        Route("/api/preview", answering(start_preview), methods=["POST"]),
        Route("/api/preview/{job}", preview_state),
        Route("/api/preview/{job}/{which}", preview_file),
    ]
    return Guard(Starlette(routes=routes), token, port)
