"""The ``ffx`` process: run the one command asked for, then leave at once.

Exit codes: see :mod:`ffx.cli`.
"""

from __future__ import annotations

import os
import sys

import typer

from ..ffmpeg.process import terminations_raise
from ..startup.early_probe import start_early
from .commands import app


def _only_the_invoked_command(argv: list[str]) -> None:
    """Leave registered only the command this process runs. Typer builds every command's parameters (a
    pydantic TypeAdapter each, 9 ms for all of ffx's) before it runs one; its help and its errors read
    only that command's. ``ffx --help``, a mistyped name and the tests' CliRunner keep them all."""
    if not argv or argv[0].startswith("-"):
        return
    chosen = [info for info in app.registered_commands
              if (info.name or typer.main.get_command_name(info.callback.__name__)) == argv[0]]
    if chosen:
        app.registered_commands[:] = chosen


def main(finish=None, probes=None) -> None:
    """The ``ffx`` command. It ends with ``os._exit``: by then every file, pipe and child process ffx
    opened is closed, and the interpreter's teardown of pydantic's and typer's modules (about 40 ms,
    measured on a short GIF render) is time a short render should not pay. ``finish`` is told the exit
    code first (the launcher stores a successful answer, ffx.startup.plancache). ``probes``: the
    :class:`~ffx.media.cache.ProbeCache` the launcher started reading the inputs into, which the command's
    compile takes its answers from."""
    try:
        with terminations_raise():  # SIGTERM/SIGHUP clean up like Ctrl-C, then exit 128 + the signal
            probes = start_early(sys.argv[1:], probes)
            _only_the_invoked_command(sys.argv[1:])
            app(obj=probes)
        code: object = 0
    except SystemExit as done:
        code = done.code
    except KeyboardInterrupt as stopped:  # arrived outside a command's own handling
        code = getattr(stopped, "exit_code", 130)
    if isinstance(code, str):
        print(code, file=sys.stderr)
    if finish is not None:
        finish(code if isinstance(code, int) else (0 if code is None else 1))
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (`ffx compile ... | head -1`)
            pass
    os._exit(code if isinstance(code, int) else (0 if code is None else 1))
