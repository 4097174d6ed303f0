"""The command line explains itself: help that reads as it is typed, versions, completion, effect help, errors
placed where the mistake is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ffx.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def ffx(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "120"})


@pytest.mark.parametrize("command", ["render", "compile", "validate", "effects"])
def test_help_shows_what_options_take_not_type_labels(command):
    for flag in ("--help", "-h"):
        text = ffx(command, flag).output
        assert "<bool>" not in text and "<list[str]>" not in text and "<str>" not in text and "<path>" not in text
        assert "{" not in text.split("\n\n")[0]  # the usage line reads as it is typed
    text = ffx("render", "-h").output
    assert "render [OPTIONS] RECIPE" in text
    assert "FILE" in text and "NAME=VALUE" in text and "SIZE" in text


def test_version_and_short_help():
    from ffx import __version__

    done = subprocess.run([sys.executable, "-m", "ffx", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith(f"ffx {__version__} (FFmpeg ")
    assert ffx("-h").exit_code == 0 and "Commands" in ffx("-h").output


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_scripts(shell):
    done = subprocess.run([sys.executable, "-m", "ffx", "--show-completion", shell], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
    assert done.returncode == 0 and "ffx" in done.stdout and len(done.stdout) > 100


def test_effect_help_lists_every_choice_without_markup():
    text = ffx("effects", "motion").output
    assert "(one of: motion | over | side_by_side)" in text
    assert "(one of: gray | difference | tmix)" in text
    assert "``" not in text and "``" not in ffx("effects").output


def test_an_unknown_key_is_blamed_where_it_is_written(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("stesp:\n  - reverse\ninput: {source: testsrc2}\noutput: o.mp4\n")
    result = ffx("validate", str(recipe))
    assert result.exit_code == 1
    assert f"{recipe}:1:1 stesp: unknown key 'stesp' (did you mean 'steps'?)" in result.output
    recipe.write_text("input: {source: testsrc2}\nsteps:\n  - resize: {widht: 3}\noutput: o.mp4\n")
    assert f"{recipe}:3:14 steps[0].resize.widht: unknown key" in ffx("validate", str(recipe)).output


def test_a_bad_set_value_is_explained_for_the_command_line():
    result = ffx("validate", str(ROOT / "recipes" / "demo.yaml"), "--set", "width=abc")
    assert result.exit_code == 1
    assert "it comes from --set width=abc; give a number, e.g. --set width=640" in result.output
    assert "without quotes" not in result.output


def test_the_command_as_run_builds_only_the_invoked_command_yet_knows_them_all():
    """``ffx`` builds only the command it runs; a mistyped name and the overview still see every command."""
    def run(*argv):
        return subprocess.run([sys.executable, "-m", "ffx", *argv], capture_output=True, text=True)

    mistyped = run("rendr")
    assert mistyped.returncode == 2 and "Did you mean 'render'" in mistyped.stderr
    assert "render [OPTIONS] RECIPE" in run("render", "--help").stdout
    overview = run("--help").stdout
    assert all(name in overview for name in ("render", "compile", "validate", "graph", "batch", "studio"))


def test_tab_completion_offers_recipe_files_and_effect_names(tmp_path):
    (tmp_path / "motion.yaml").write_text("steps: [reverse]\n")
    (tmp_path / "movie.mp4").write_bytes(b"")
    (tmp_path / "more").mkdir()

    def complete(*words: str) -> list[str]:
        env = {**os.environ, "_FFX_COMPLETE": "complete_bash", "COMP_WORDS": " ".join(["ffx", *words]),
               "COMP_CWORD": str(len(words))}
        # the installed command: completion answers to its own name (_FFX_COMPLETE), not to python -m
        command = os.path.join(os.path.dirname(sys.executable), "ffx")
        done = subprocess.run([command], env=env, cwd=tmp_path, capture_output=True, text=True)
        return done.stdout.split()

    assert complete("render", "mo") == ["more/", "motion.yaml"]  # folders and recipes, not the clip
    assert complete("effects", "rev") == ["reverse"]


def test_the_capability_cache_keeps_a_bounded_number_of_files(tmp_path, monkeypatch):
    """Every FFmpeg binary met writes one small file; a machine that meets many (wrappers, upgrades)
    keeps only the newest few."""
    from ffx.ffmpeg import binary

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    for number in range(binary.CACHE_FILES_KEPT + 8):
        binary._write_cache(binary._cache_path("ffmpeg", f"/opt/ffmpeg-{number}|1|{number}"), {"n": number})
    kept = sorted((tmp_path / "ffx").glob("ffmpeg-*.json"))
    assert len(kept) == binary.CACHE_FILES_KEPT
    newest = binary._read_cache(binary._cache_path("ffmpeg", f"/opt/ffmpeg-{binary.CACHE_FILES_KEPT + 7}|1|"
                                                               f"{binary.CACHE_FILES_KEPT + 7}"))
    assert newest == {"n": binary.CACHE_FILES_KEPT + 7}
