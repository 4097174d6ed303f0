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
import re
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
DEEPEST_REQUEST = 32  # levels of JSON nesting: the page sends an object holding text and one object of values


class TooLarge(FfxError, ValueError):
    """A request body past ``LARGEST_REQUEST`` (HTTP 413)."""


class BadRequest(FfxError, ValueError):
    """A request body that is not JSON the page would send: not JSON, not UTF-8, nested too deep, a lone
    surrogate (HTTP 400)."""


def parse_json(data: bytes):
    """The JSON of a request body, nested at most ``DEEPEST_REQUEST`` levels; else :class:`BadRequest`.

    >>> parse_json(b'{"text": "steps: []"}')
    {'text': 'steps: []'}
    >>> parse_json(b"[" * 100_000 + b"]" * 100_000)
    Traceback (most recent call last):
    ffx.studio.app.BadRequest: the request is nested more than 32 levels deep
    >>> parse_json(rb'{"text": "\\ud83d\\ude00"}')  # a surrogate pair: one character
    {'text': '😀'}
    >>> parse_json(rb'{"name": "\\ud800.yaml"}')
    Traceback (most recent call last):
    ffx.studio.app.BadRequest: the request holds a lone surrogate (\ud800 to \udfff), which is not text
    """
    depth = deepest = 0
    for char in re.sub(rb'"(?:[^"\\]|\\.)*"', b"", data):  # nesting outside strings, before the parser recurses
        if char in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in b"]}":
            depth -= 1
    if deepest > DEEPEST_REQUEST:
        raise BadRequest(f"the request is nested more than {DEEPEST_REQUEST} levels deep")
    try:
        parsed = json.loads(data, parse_constant=_not_json)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise BadRequest("the request is not JSON") from None
    if re.search(rb"\\u[dD][89a-fA-F]", data):  # a surrogate's escape: in a pair a character, alone no text
        try:
            json.dumps(parsed, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # no file name or recipe holds one: refused before any endpoint sees it
            raise BadRequest("the request holds a lone surrogate (\\ud800 to \\udfff), which is not text") from None
    return parsed


def _not_json(word: str):
    """Python's reader takes NaN and Infinity, which JSON has not (``at: Infinity`` is no time)."""
    raise ValueError(f"{word} is not JSON")


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
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or len(declared) > 15):
            raise BadRequest("the request's Content-Length is not a number")
        if declared is not None and int(declared) > LARGEST_REQUEST:
            raise TooLarge(f"the request is larger than {LARGEST_REQUEST >> 20} MiB")
        chunks, size = [], 0
        async for chunk in request.stream():  # counted as it arrives: a chunked body declares no length
            size += len(chunk)
            if size > LARGEST_REQUEST:
                raise TooLarge(f"the request is larger than {LARGEST_REQUEST >> 20} MiB")
            chunks.append(chunk)
        return await run_in_threadpool(parse_json, b"".join(chunks))  # a 4 MiB scan: off the event loop

    def answering(work):
        async def endpoint(request: Request) -> Response:
            data = None
            try:
                data = await body(request)
                return JSONResponse(await run_in_threadpool(work, data))
            except FfxError as exc:
                status = (409 if isinstance(exc, Busy) else 403 if isinstance(exc, OutsideFolder) else
                          413 if isinstance(exc, TooLarge) else 400 if isinstance(exc, BadRequest) else 422)
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
        Route("/api/cursor", answering(studio.cursor), methods=["POST"]),
        Route("/api/edit", answering(studio.edit), methods=["POST"]),
        Route("/api/preview/{job}", preview_state),
        Route("/api/preview/{job}/{which}", preview_file),
    ]
    return Guard(Starlette(routes=routes), token, port)
