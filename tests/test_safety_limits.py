"""Limits the operating system and FFmpeg impose: huge values, damaged inputs, outputs that lie."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import ADVERSARIAL, FFMPEG, decode_frames, make_clip


def long_value_recipe(tmp_path: Path, clip: Path, size: int) -> ffx.Recipe:
    value = ("a:b,c;d[e]'f\\\\g " * (size // 16 + 1))[:size]
    return ffx.Recipe(input=str(clip), steps=[{"filter": {"name": "metadata", "mode": "add", "key": "k", "value": value}}],
                      output={"path": str(tmp_path / "long.mkv"), "codec": "ffv1", "audio": False})


def test_a_graph_longer_than_one_argument_renders_through_a_file(tmp_path, silent_clip, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    recipe = long_value_recipe(tmp_path, silent_clip, 200_000)
    plan = ffx.render(recipe)
    assert not list(tmp_path.glob("ffx-graph-*"))  # the graph file is gone too
    assert np.array_equal(decode_frames(plan.stages[0].output_path), decode_frames(silent_clip))
    assert not list(tmp_path.glob(".*ffx-part*"))


def test_a_printed_long_graph_still_runs_in_bash(tmp_path, silent_clip):
    recipe = long_value_recipe(tmp_path, silent_clip, 150_000)
    plan = ffx.compile_recipe(recipe)
    command = plan.shell(FFMPEG)
    assert "<<'FFX_GRAPH'" in command
    script = tmp_path / "pasted.sh"  # as if pasted into a terminal: the shell reads it, not argv
    script.write_text(command + "\n")
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert np.array_equal(decode_frames(tmp_path / "long.mkv"), decode_frames(silent_clip))


def test_an_output_shorter_than_planned_is_an_error_and_is_not_published(tmp_path, clip):
    """An FFmpeg that stops early but exits 0 (as on a damaged input) must not count as success."""
    wrapper = tmp_path / "ffmpeg-stops-early"
    wrapper.write_text(f'#!/bin/sh\ncase "$*" in *-progress*) exec "{FFMPEG}" -t 0.5 "$@";; esac\n'
                       f'exec "{FFMPEG}" "$@"\n')
    wrapper.chmod(0o755)
    out = tmp_path / "out.mkv"
    recipe = ffx.Recipe(input=str(clip), steps=["reverse"], output={"path": str(out), "codec": "ffv1"})
    with pytest.raises(ffx.RenderError, match="short of the planned 2.00 s"):
        ffx.render(recipe, ffmpeg=str(wrapper))
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["clip.mkv", "ffmpeg-stops-early"]
    ADVERSARIAL["clean aborts"] += 1
