"""``plan.shell()`` and ``plan.argv_lists()`` name the FFmpeg the plan was compiled for, as ``ffx compile``
prints it, so the printed command runs as pasted on a machine whose only FFmpeg is the bundled one."""

from __future__ import annotations

import os
import subprocess

import ffx
from ffx.ffmpeg.binary import printed_name

RECIPE = ffx.Recipe(input={"source": "testsrc2", "size": "64x48", "duration": 0.2}, steps=["reverse"],
                    output="out.mp4")


def test_the_printed_command_runs_where_no_ffmpeg_is_on_path(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no ffmpeg to find by name
    plan = ffx.compile_recipe(RECIPE, output=str(tmp_path / "o.mp4"))
    script = plan.shell()
    assert script.startswith(plan.binary_path + " ") and os.path.isabs(plan.binary_path)
    assert plan.argv_lists()[0][0] == plan.binary_path
    done = subprocess.run(["/bin/bash", "-c", script], capture_output=True, text=True, env={"PATH": str(empty)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "o.mp4").stat().st_size > 1000


def test_the_word_ffmpeg_when_it_runs_the_same_binary(tmp_path, monkeypatch):
    plan = ffx.compile_recipe(RECIPE)
    (tmp_path / "ffmpeg").symlink_to(plan.binary_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert plan.shell().startswith("ffmpeg -hide_banner ") and plan.argv_lists()[0][0] == "ffmpeg"
    assert plan.shell("/opt/ffmpeg").startswith("/opt/ffmpeg ")  # a binary named by the caller is kept
    assert printed_name(plan.binary_path) == "ffmpeg"
