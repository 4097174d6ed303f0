"""The ``ffx`` command's entry point: a stored answer when one fits (:mod:`ffx.plancache`), else the CLI.

A replay imports neither typer nor pydantic nor any effect: it reads one small
file, checks the files it names and prints what the same command printed before.
Otherwise FFmpeg starts probing the inputs before typer loads (:func:`probe_early`).
"""

from __future__ import annotations

import os
import sys

from . import plancache


def main() -> None:
    argv = sys.argv[1:]
    if not plancache.wanted(argv):
        probe_early(*early_arguments(argv))
        from .cli import main as cli_main

        cli_main()
        return
    answer = plancache.lookup(argv)
    if answer is not None:
        _replay(answer)
    recorder = plancache.Recorder.start()
    probe_early(*early_arguments(argv))
    out, err = plancache.Tee(sys.stdout), plancache.Tee(sys.stderr)
    sys.stdout, sys.stderr = out, err

    def finish(code: int) -> None:
        recorder.on = False
        sys.stdout, sys.stderr = out.real, err.real
        if code == 0 and not recorder.unstorable:
            plancache.store(argv, recorder.reads, out.text(), err.text())

    from .cli import main as cli_main

    cli_main(finish=finish)


def _replay(answer: dict) -> None:
    try:
        sys.stderr.write(answer["stderr"])
        sys.stdout.write(answer["stdout"])
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a reader that went away (`ffx compile ... | head -1`)
        pass
    os._exit(0)


def probe_early(inputs: list[str] | None, ffmpeg: str | None, live: bool) -> None:
    """Let FFmpeg read the input files while Python loads typer and the recipe model (media.probe_early)."""
    if not inputs or live:
        return
    from .binary import find_ffmpeg
    from .media import probe_early as start_probing

    try:
        start_probing([path for path in inputs if "\0" not in path], find_ffmpeg(ffmpeg))
    except Exception:  # noqa: BLE001 - only a head start: the real run checks and reports everything
        pass


_VALUED = ("-i", "--input", "--ffmpeg", "-o", "--output", "--set", "--max-memory", "--max-recipe-size")


def early_arguments(argv: list[str]) -> tuple[list[str], str | None, bool]:
    """The input files, --ffmpeg and --live of a render/compile/validate command line, read ahead of typer.

    The inputs are the -i files, else the ones the recipe file names. Only a
    head start for :func:`probe_early`: typer and the recipe model still
    read everything, and a probe answer is used only for the same file, unchanged.
    """
    inputs: list[str] = []
    ffmpeg, live, recipe = None, False, None
    if not argv or argv[0] not in ("render", "compile", "validate"):
        return inputs, ffmpeg, live
    words = iter(argv[1:])
    for word in words:
        name, eq, value = word.partition("=") if word.startswith("--") else (word, "", "")
        if name in _VALUED:
            value = value if eq else next(words, None)
            if value is None:
                break
            if name == "--ffmpeg":
                ffmpeg = value
            elif name in ("-i", "--input"):
                inputs.append(value)
        elif name == "--live":
            live = True
        elif not word.startswith("-") and recipe is None:
            recipe = word
    if not inputs and recipe is not None:
        inputs = _recipe_files(recipe)
    return inputs, ffmpeg, live


def _recipe_files(recipe: str) -> list[str]:
    """Input paths written plainly in a recipe file (no ${variables}), relative to its folder; anything
    odd gives none. Read as the real load reads: a small regular file, bounded YAML."""
    try:
        from .yamlsource import load_yaml, read_recipe_text

        data = load_yaml(read_recipe_text(recipe)).data
        given = [data.get("input")] + list((data.get("inputs") or {}).values())
    except Exception:  # noqa: BLE001 - the real load reports every problem properly
        return []
    paths = [g.get("path") if isinstance(g, dict) else g for g in given]
    folder = os.path.dirname(recipe)
    return [os.path.join(folder, p) for p in paths if isinstance(p, str) and "${" not in p]
