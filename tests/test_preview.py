"""ffx preview: a small render of the result and a contact sheet of it, quickly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from typer.testing import CliRunner

import ffx
from conftest import decode_frames, make_clip
from ffx.cli import app

ROOT = Path(__file__).resolve().parent.parent


def test_a_preview_is_the_result_small_and_its_sheet(tmp_path):
    clip = make_clip(tmp_path / "clip.mkv", duration=3.0, size="320x180")
    video, sheet = ffx.preview(ROOT / "recipes" / "reverse.yaml", inputs=[str(clip)], folder=tmp_path,
                               at=1, seconds=1)
    assert (video, sheet) == (str(tmp_path / "reversed.preview.mp4"), str(tmp_path / "reversed.sheet.png"))
    frames = decode_frames(video)
    assert frames.shape[:3] == (25, 44, 80)  # one second of the result, a quarter of its size (4:2:0: even)
    # the window is on the result's clock: reversed, its second 1-2 is the clip's second 1-2 backwards
    source = decode_frames(clip)
    small = source[49][:176:4, ::4].astype(float)
    assert np.abs(frames[0].astype(float) - small).mean() < np.abs(frames[-1].astype(float) - small).mean()
    assert decode_frames(sheet).shape[0] == 1


def test_the_command_prints_both_paths_and_refuses_ffplay_without_it(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["preview", str(ROOT / "recipes" / "demo.yaml"), "-d", str(tmp_path), "-q",
                                 "--seconds", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == [str(tmp_path / "demo.preview.mp4"), str(tmp_path / "demo.sheet.png")]
    result = runner.invoke(app, ["preview", str(ROOT / "recipes" / "demo.yaml"), "--ffplay"],
                           env={"PATH": str(tmp_path)})
    assert result.exit_code == 1 and "no ffplay found" in result.output


def test_the_readme_preview_line_works_and_a_window_past_the_result_is_said_in_preview_words(tmp_path):
    """The README runs ``ffx preview recipes/boomerang.yaml -i clip.mp4 --at 1 --seconds 2``; a window past
    the result (a 2 s boomerang lasts about 4 s) is refused naming the window and the result, not the
    trim step the window becomes."""
    recipe = Path(__file__).resolve().parent.parent / "recipes" / "boomerang.yaml"
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "ffx preview  recipes/boomerang.yaml -i clip.mp4 --at 1 --seconds 2" in readme
    clip = make_clip(tmp_path / "clip.mp4", duration=9.6, size="160x90")
    done = CliRunner().invoke(app, ["preview", str(recipe), "-i", str(clip), "--at", "1", "--seconds", "2",
                                    "-d", str(tmp_path), "-q"])
    assert done.exit_code == 0, done.output
    assert len(decode_frames(tmp_path / "boomerang.preview.mp4")) == 50
    refused = CliRunner().invoke(app, ["preview", str(recipe), "-i", str(clip), "--at", "3", "--seconds", "2",
                                       "-d", str(tmp_path), "-q"])
    assert refused.exit_code == 1
    line = refused.stderr.strip().splitlines()[0]
    assert line.startswith("error: seconds: the window 3 s to 5 s is past the end of the result (3.9"), line
    assert "steps[" not in refused.stderr and "try --at 1.9" in refused.stderr
