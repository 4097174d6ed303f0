"""Start the studio: a free port on 127.0.0.1, a fresh token, the URL printed, uvicorn serving.

The socket is bound here and handed to uvicorn, so the port printed is the
port served (no window in which another program could take it), and only
the loopback interface is ever bound.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator

from ..errors import InputError
from .app import create_app
from .session import Studio

HOST = "127.0.0.1"


def bind(port: int = 0) -> socket.socket:
    """A listening socket on 127.0.0.1 (``port`` 0: any free one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(64)
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot serve on {HOST}:{port}: {exc.strerror}; choose another --port, or none") from None
    return sock


def _server(studio: Studio, sock: socket.socket):
    import uvicorn

    token = secrets.token_urlsafe(24)
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(studio, token, port), log_level="warning", lifespan="off", access_log=False)
    return uvicorn.Server(config), f"http://{HOST}:{port}/?token={token}"


def serve(studio: Studio, *, port: int = 0, announce: Callable[[str], None] = print, open_browser: bool = False) -> None:
    """Serve ``studio`` until Ctrl-C; ``announce`` gets the URL (with its token) once the port is bound.
    The studio's scratch folder is removed however this ends, a port in use included."""
    sock = None
    try:
        sock = bind(port)
        server, url = _server(studio, sock)
        announce(url)
        if open_browser:
            import webbrowser

            webbrowser.open(url)
        server.run(sockets=[sock])
    finally:
        if sock is not None:
            sock.close()
        studio.close()


@contextlib.contextmanager
def running(studio: Studio) -> Iterator[str]:
    """Serve ``studio`` from a background thread for as long as the block runs; yields the URL."""
    sock = bind()
    server, url = _server(studio, sock)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="ffx-studio", daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            time.sleep(0.01)
        yield url
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        studio.close()
