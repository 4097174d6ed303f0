"""Stored answers of ffx compile / validate: replayed only while everything they came from is unchanged.

Each run is a real ``python -m ffx`` process with its own cache folder. A replay is told apart from a
fresh compile without timing: the stored answer is rewritten to a marker, which only a replay prints.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FFMPEG, make_clip
from ffx.startup import plancache

MARKER = "stored answer\n"


@pytest.fixture
def setup(tmp_path):
    clip = make_clip(tmp_path / "clip.mkv", duration=1, audio=None)
    recipe = tmp_path / "r.yaml"
    recipe.write_text("vars: {width: 64}\nsteps: [{resize: {width: \"${width}\"}}]\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("FFX_NO_CACHE", None)
    return tmp_path, clip, recipe, env


def ffx(env, *args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ffx", *map(str, args)], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "ffx" / "plans").glob("*/*.json"))


def mark_entries(tmp_path: Path) -> None:
    """Rewrite every stored answer to MARKER: a run that prints it was replayed."""
    for path in entries(tmp_path):
        entry = json.loads(path.read_text())
        entry["stdout"] = MARKER
        path.write_text(json.dumps(entry))


def test_an_identical_command_is_replayed_and_a_changed_one_is_not(setup):
    tmp_path, clip, recipe, env = setup
    args = ["compile", recipe, "-i", clip, "-o", tmp_path / "o.mp4"]
    first = ffx(env, *args)
    assert first.returncode == 0, first.stderr
    assert "scale=w=64" in first.stdout and len(entries(tmp_path)) == 1
    mark_entries(tmp_path)
    assert ffx(env, *args).stdout == MARKER
    assert "scale=w=80" in ffx(env, *args, "--set", "width=80").stdout  # other variables
    assert ffx(env, *args[:-1], tmp_path / "p.mp4").stdout != MARKER  # another output
    assert ffx({**env, "FFX_SOMETHING": "1"}, *args).stdout != MARKER  # ffx's environment
    assert ffx(env, "validate", *args[1:]).stdout.startswith(str(recipe))  # another command


@pytest.mark.parametrize("change", ["touched input", "replaced input", "edited recipe", "touched ffmpeg",
                                    "new file in the output folder"])
def test_any_change_to_what_the_answer_came_from_computes_it_afresh(setup, change):
    tmp_path, clip, recipe, env = setup
    wrapper = tmp_path / "bin" / "ffmpeg"
    wrapper.parent.mkdir()
    wrapper.write_text(f"#!/bin/sh\nexec {FFMPEG} \"$@\"\n")
    wrapper.chmod(0o755)
    args = ["compile", recipe, "-i", clip, "-o", tmp_path / "out" / "o.mp4", "--ffmpeg", wrapper, "--full-path"]
    (tmp_path / "out").mkdir()
    assert ffx(env, *args).returncode == 0
    mark_entries(tmp_path)
    assert ffx(env, *args).stdout == MARKER
    if change == "touched input":
        os.utime(clip, ns=(clip.stat().st_atime_ns, clip.stat().st_mtime_ns + 10**9))
    elif change == "replaced input":
        make_clip(tmp_path / "other.mkv", duration=1, audio=None, size="320x180").replace(clip)
    elif change == "edited recipe":
        recipe.write_text(recipe.read_text().replace("64", "48"))
    elif change == "touched ffmpeg":
        os.utime(wrapper, ns=(wrapper.stat().st_atime_ns, wrapper.stat().st_mtime_ns + 10**9))
    else:
        (tmp_path / "out" / "o.mp4").mkdir()  # now the output is a folder: compile must refuse
    again = ffx(env, *args)
    assert again.stdout != MARKER
    if change == "new file in the output folder":
        assert again.returncode == 1 and "is a folder" in again.stderr
    else:
        assert again.returncode == 0 and str(wrapper) in again.stdout


def test_a_corrupt_entry_is_ignored_and_replaced(setup):
    tmp_path, clip, recipe, env = setup
    args = ["compile", recipe, "-i", clip, "-o", tmp_path / "o.mp4"]
    fresh = ffx(env, *args).stdout
    for garbage in ["{not json", json.dumps({"format": 1, "argv": "x"}), json.dumps([1, 2]), ""]:
        entries(tmp_path)[0].write_text(garbage)
        assert ffx(env, *args).stdout == fresh
    entry = json.loads(entries(tmp_path)[0].read_text())
    assert entry["argv"] == list(map(str, args)) and entry["stdout"] == fresh


def test_errors_and_opted_out_runs_are_not_stored(setup):
    tmp_path, clip, recipe, env = setup
    failed = ffx(env, "compile", recipe, "-i", tmp_path / "missing.mkv", "-o", tmp_path / "o.mp4")
    assert failed.returncode == 1 and "does not exist" in failed.stderr
    assert ffx(env, "compile", recipe, "-i", clip, "-o", tmp_path / "o.mp4", "--no-cache").returncode == 0
    assert ffx({**env, "FFX_NO_CACHE": "1"}, "validate", recipe, "-i", clip, "-o", tmp_path / "o.mp4").returncode == 0
    assert entries(tmp_path) == []


def test_warnings_are_replayed_with_the_answer(setup):
    tmp_path, clip, recipe, env = setup
    cut = tmp_path / "cut.mkv"
    data = make_clip(tmp_path / "whole.mkv", duration=2, audio=None).read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    args = ["compile", recipe, "-i", cut, "-o", tmp_path / "o.mp4"]
    first = ffx(env, *args)
    assert "warning:" in first.stderr and "cut short" in first.stderr
    mark_entries(tmp_path)
    again = ffx(env, *args)
    assert again.stdout == MARKER and again.stderr == first.stderr


def test_the_key_follows_ffx_code(tmp_path, monkeypatch):
    (tmp_path / "module.py").write_text("x = 1\n")
    monkeypatch.setattr(plancache, "_PACKAGE", str(tmp_path))
    before = plancache.key(["compile", "r.yaml"])
    assert plancache.key(["compile", "r.yaml"]) == before
    (tmp_path / "module.py").write_text("x = 22\n")
    assert plancache.key(["compile", "r.yaml"]) != before


def test_the_key_covers_every_ffx_module_not_only_its_own_folder():
    """An edited effect or compiler module never replays the answer an older one gave."""
    import ffx

    counted = {name for name, _ in plancache._code_identity()}
    assert os.path.join("effects", "boomerang.py") in counted and os.path.join("compile", "compiler.py") in counted
    assert os.path.join("startup", "plancache.py") in counted
    assert plancache._PACKAGE == os.path.dirname(os.path.abspath(ffx.__file__))


def test_a_run_that_read_a_device_is_not_stored():
    recorder = plancache.Recorder.start()
    try:
        with open(os.devnull, "rb"):
            pass
        assert not recorder.unstorable
        with open("/proc/self/stat", "rb"):
            pass
        assert recorder.unstorable
    finally:
        recorder.on = False


def test_the_stored_answers_stay_bounded(tmp_path, monkeypatch):
    """Answers are kept in 256 folders by their key's first byte, the newest few in each."""
    from ffx.startup import plancache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    digests = [f"ab{n:062x}" for n in range(plancache.ENTRIES_KEPT_PER_SHARD + 5)]
    for digest in digests:
        plancache.store(["compile", digest], set(), "out", "", digest=digest)
    kept = sorted(p.name for p in (tmp_path / "ffx" / "plans" / "ab").glob("*.json"))
    assert len(kept) == plancache.ENTRIES_KEPT_PER_SHARD
    assert digests[-1][2:] + ".json" in kept
    assert plancache.lookup(["compile", digests[-1]], digest=digests[-1])["stdout"] == "out"
