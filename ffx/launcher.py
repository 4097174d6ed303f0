"""The ``ffx`` command's entry point: a stored answer when one fits (:mod:`ffx.startup.plancache`), else the CLI.

A replay imports neither typer nor pydantic nor any effect: it reads one small
file, checks the files it names and prints what the same command printed before.
Otherwise FFmpeg starts reading the inputs before typer loads (:func:`ffx.startup.early_probe.start_early`).
"""

from __future__ import annotations

import os
import sys

from .startup import plancache
from .startup.early_probe import start_early


def main() -> None:
    argv = sys.argv[1:]
    digest = plancache.key(argv) if plancache.wanted(argv) else None
    answer = plancache.lookup(argv, digest) if digest is not None else None
    if answer is not None:
        _replay(answer)
    if digest is None or not plancache.storable():  # nothing would be stored: nothing is recorded
        probes = start_early(argv)
        from .cli import main as cli_main

        cli_main(probes=probes)
        return
    recorder = plancache.Recorder.start()
    probes = start_early(argv)
    out, err = plancache.Tee(sys.stdout), plancache.Tee(sys.stderr)
    sys.stdout, sys.stderr = out, err

    def finish(code: int) -> None:
        recorder.on = False
        sys.stdout, sys.stderr = out.real, err.real
        if code == 0 and not recorder.unstorable:
            plancache.store(argv, recorder.reads, out.text(), err.text(), digest)

    from .cli import main as cli_main

    cli_main(finish=finish, probes=probes)


def _replay(answer: dict) -> None:
    try:
        sys.stderr.write(answer["stderr"])
        sys.stdout.write(answer["stdout"])
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a reader that went away (`ffx compile ... | head -1`)
        pass
    os._exit(0)
