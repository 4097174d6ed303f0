"""Faults: a failing or interrupted render leaves no file, no temporary debris, no FFmpeg alive."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import ffx
from conftest import ADVERSARIAL, ffmpeg_children, make_clip

SLOW_RECIPE = """\
input: {source: testsrc2, size: 1280x720, rate: 30, duration: 600}
steps:
  - filter: {name: gblur, sigma: 20, steps: 6}
output: {path: OUT, preset: veryslow}
"""


def _start_slow_render(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    out = tmp_path / "slow.mp4"
    recipe = tmp_path / "slow.yaml"
    recipe.write_text(SLOW_RECIPE.replace("OUT", str(out)))
    proc = subprocess.Popen([sys.executable, "-m", "ffx", "render", str(recipe), "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 20
    while time.time() < deadline and not any(p.name.endswith(".ffx-part.mp4") for p in tmp_path.iterdir()):
        time.sleep(0.05)
    time.sleep(0.5)
    return proc, out


def _no_debris(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir() if p.name != "slow.yaml")


def test_sigint_leaves_nothing_and_no_ffmpeg(tmp_path):
    proc, out = _start_slow_render(tmp_path)
    assert ffmpeg_children(tmp_path)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=15)
    assert proc.returncode == 130 and "interrupted" in stderr and "Traceback" not in stderr
    assert _no_debris(tmp_path) == []
    time.sleep(0.3)
    assert ffmpeg_children(tmp_path) == []
    ADVERSARIAL["clean aborts"] += 1


def test_sigterm_leaves_nothing(tmp_path):
    proc, out = _start_slow_render(tmp_path)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=15)
    assert proc.returncode != 0
    assert _no_debris(tmp_path) == []
    time.sleep(0.3)
    assert ffmpeg_children(tmp_path) == []
    ADVERSARIAL["clean aborts"] += 1


def test_sigkill_of_ffx_takes_ffmpeg_down_too(tmp_path):
    proc, out = _start_slow_render(tmp_path)
    children = ffmpeg_children(tmp_path)
    assert children
    proc.kill()
    proc.communicate(timeout=15)
    deadline = time.time() + 5
    while time.time() < deadline and ffmpeg_children(tmp_path):
        time.sleep(0.1)
    assert ffmpeg_children(tmp_path) == []
    assert not out.exists()  # only the hidden temporary may remain after SIGKILL, never the output name
    ADVERSARIAL["clean aborts"] += 1


def test_killed_ffmpeg_is_a_render_error_and_keeps_the_old_output(tmp_path):
    out = tmp_path / "slow.mp4"
    out.write_bytes(b"old")
    recipe = tmp_path / "slow.yaml"
    recipe.write_text(SLOW_RECIPE.replace("OUT", str(out)))
    proc = subprocess.Popen([sys.executable, "-m", "ffx", "render", str(recipe), "-q", "--overwrite"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 20
    while time.time() < deadline and not ffmpeg_children(tmp_path):
        time.sleep(0.05)
    time.sleep(0.3)
    for pid in ffmpeg_children(tmp_path):
        os.kill(pid, signal.SIGKILL)
    _, stderr = proc.communicate(timeout=15)
    assert proc.returncode == 1 and "killed by signal 9" in stderr
    assert out.read_bytes() == b"old"
    assert _no_debris(tmp_path) == ["slow.mp4"]
    ADVERSARIAL["clean aborts"] += 1


def test_progress_reports_reach_the_total(tmp_path):
    clip = make_clip(tmp_path / "c.mkv", duration=3)
    reports = []
    ffx.render(ffx.Recipe(input=str(clip), steps=["reverse"], output=str(tmp_path / "o.mp4")),
               progress=reports.append)
    assert reports and reports[-1].finished
    assert reports[-1].total == 3.0
    assert 2.8 <= reports[-1].done <= 3.1


def test_early_probe_answer_is_used_only_for_the_same_unchanged_file(tmp_path):
    """The command line starts probing before the recipe loads; a file changed meanwhile is probed again."""
    from ffx import media
    from ffx.binary import find_ffmpeg

    ffmpeg = find_ffmpeg()
    short = make_clip(tmp_path / "short.mkv", duration=1, audio=None)
    clip = tmp_path / "clip.mkv"
    clip.write_bytes(short.read_bytes())
    media.probe_early([str(clip)], ffmpeg)
    assert media.probe(str(clip), ffmpeg).frames == 25  # the early answer
    media.probe_early([str(clip)], ffmpeg)
    make_clip(tmp_path / "long.mkv", duration=2, audio=None).replace(clip)  # replaced after the early run began
    assert media.probe(str(clip), ffmpeg).frames == 50
    media.probe_early([str(tmp_path / "missing.mkv"), str(tmp_path)], ffmpeg)  # nothing to do for these
    assert not [path for path, _ in media._early if path.startswith(str(tmp_path))]


def test_command_line_is_read_ahead_only_for_inputs_and_binary():
    from ffx.cli import _early_arguments

    assert _early_arguments(["render", "r.yaml", "-i", "a.mp4", "--input=b.mp4", "-o", "x.mp4", "--ffmpeg", "/f"]) \
        == (["a.mp4", "b.mp4"], "/f", False)
    assert _early_arguments(["compile", "r.yaml", "--live", "-i", "/dev/video0"]) == (["/dev/video0"], None, True)
    assert _early_arguments(["effects", "-i", "a.mp4"]) == ([], None, False)
    assert _early_arguments(["render", "r.yaml", "-i"]) == ([], None, False)


def test_inputs_named_in_the_recipe_are_probed_early_too(tmp_path):
    from ffx.cli import _early_arguments

    recipe = tmp_path / "r.yaml"
    recipe.write_text("input: a.mp4\ninputs: {b: {path: b.mp4}, c: 'x${v}.mp4', d: {source: testsrc2}}\n")
    # relative to the recipe's folder, as the recipe's own load reads them
    assert _early_arguments(["render", "-q", "-o", "o.gif", str(recipe)]) == (
        [str(tmp_path / "a.mp4"), str(tmp_path / "b.mp4")], None, False)
    assert _early_arguments(["render", str(recipe), "-i", "z.mp4"])[0] == ["z.mp4"]
    recipe.write_text("input: [unclosed\n")
    assert _early_arguments(["render", str(recipe)])[0] == []
    assert _early_arguments(["render", str(tmp_path / "missing.yaml")])[0] == []


def test_bundled_binary_is_remembered_and_a_stale_memo_is_ignored(tmp_path, monkeypatch):
    import json

    from ffx import binary

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("FFX_FFMPEG", raising=False)
    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE", raising=False)
    first = binary.find_ffmpeg()
    (memo,) = (tmp_path / "ffx").glob("bundled-*.json")
    assert json.loads(memo.read_text()) == {"path": first}
    assert binary.find_ffmpeg() == first
    memo.write_text(json.dumps({"path": str(tmp_path / "gone")}))
    assert binary.find_ffmpeg() == first
    assert json.loads(memo.read_text()) == {"path": first}
