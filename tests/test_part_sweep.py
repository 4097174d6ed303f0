"""Hidden parts left by an ffx killed outright (SIGKILL) are swept by the next render in that folder, once
their owner provably no longer runs; a running owner's parts are never touched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ffx
from conftest import make_clip
from ffx.run import partfile


def _parts(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if partfile.PART_NAME.match(name))


def _kill_when_a_part_appears(command: list[str], folder: Path, timeout: float = 120) -> None:
    """Run ``command`` in its own session; SIGKILL it (and what it started) once a hidden part is in ``folder``."""
    child = subprocess.Popen(command, cwd=folder, start_new_session=True, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + timeout
        while not _parts(folder):
            assert child.poll() is None, f"the render ended before leaving a part: {child.stderr.read()[-2000:]!r}"
            assert time.monotonic() < deadline, "no part appeared"
            time.sleep(0.005)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()  # reaped: its pid is gone
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        # the Dask workers it started (same session) would go on writing pieces; end them too
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        time.sleep(0.5)  # their FFmpeg children end with them (parent-death signal)


def test_the_next_render_sweeps_the_parts_of_a_killed_chunked_render_but_not_a_running_owners(tmp_path):
    pytest.importorskip("distributed")
    clip = make_clip(tmp_path / "clip.mkv", duration=8, size="320x180", keyint=25)
    recipe = tmp_path / "r.yaml"
    recipe.write_text("steps:\n  - crop: {x2: 0.5}\n  - black_white: average\n"
                      "output: {path: out.mkv, codec: ffv1, audio_codec: aac}\n")
    _kill_when_a_part_appears([sys.executable, "-m", "ffx", "render", str(recipe), "-i", str(clip), "-q",
                               "--chunks", "2", "--cluster", "local:2"], tmp_path)
    left = _parts(tmp_path)
    assert left, "the killed render left nothing to sweep"
    mine = tmp_path / partfile.part_name(".m4a", "sound")  # a part of a render still running: this test's
    mine.write_bytes(b"in use")
    ffx.render(ffx.Recipe(input=str(clip), output=str(tmp_path / "next.mkv")))
    assert _parts(tmp_path) == [mine.name]


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.mark.parametrize("label, extension", [("piece0", ".mkv"), ("sound", ".m4a"), ("", ".mp4"),
                                              ("", ".ffconcat")])
def test_a_render_where_unnamed_files_work_still_sweeps_a_dead_owners_parts(tmp_path, label, extension):
    """Pieces and sound of a cluster render, the hidden name --overwrite publishes under, a concat list."""
    dead = f".ffx-part-{partfile.HOST}-{_dead_pid()}-42-0a1b2c3d{'-' + label if label else ''}{extension}"
    (tmp_path / dead).write_bytes(b"half a file")
    running = partfile.part_name(extension, label)
    (tmp_path / running).write_bytes(b"in use")
    ffx.render(ffx.Recipe(input={"source": "testsrc2", "size": "64x48", "duration": 0.2},
                          output=str(tmp_path / "o.mp4")))
    assert sorted(os.listdir(tmp_path)) == sorted(["o.mp4", running])


def test_without_unnamed_files_a_private_intermediate_is_a_hidden_part_swept_after_a_kill(tmp_path, monkeypatch):
    """A GIF's palette, written in the temporary folder where unnamed files are missing."""
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(private))
    monkeypatch.delattr(os, "O_TMPFILE")
    stale = private / f".ffx-part-{partfile.HOST}-{_dead_pid()}-42-0a1b2c3d.png"
    stale.write_bytes(b"half a palette")
    seen = []
    recipe = ffx.Recipe(input={"source": "testsrc2", "size": "64x48", "duration": 0.2}, output=str(tmp_path / "o.gif"))
    one_pass = ffx.compile_recipe(recipe)
    plan = ffx.compile_recipe(recipe, max_memory=one_pass.memory_estimate - 1)
    assert plan.temporary_files, "the GIF is made in two passes, under a budget below one pass's estimate"
    ffx.render_plan(plan, progress=lambda report: seen.extend(os.listdir(private)))
    assert seen and all(partfile.PART_NAME.match(name) for name in seen)
    assert os.listdir(private) == []


def test_frames_of_a_recipe_of_several_commands_leave_no_name_behind_even_while_read(tmp_path, monkeypatch):
    """The private lossless file is unnamed: a SIGKILL while the frames are read leaves nothing either."""
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(private))
    clip = make_clip(tmp_path / "clip.mkv", duration=1, audio=None)
    reading = ffx.frames(clip, steps=[{"slitscan": {"engine": "numpy", "position": 40}}])
    first = next(reading)
    assert first.image.shape == (90, 25, 3)
    assert os.listdir(private) == []
    reading.close()
