"""Faults: a failing or interrupted render leaves no file, no temporary debris, no FFmpeg alive."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import ffx
from conftest import ADVERSARIAL, ffmpeg_children, make_clip

SLOW_RECIPE = """\
input: {source: testsrc2, size: 1280x720, rate: 30, duration: 600}
steps:
  - filter: {name: gblur, sigma: 20, steps: 6}
output: {path: OUT, preset: veryslow}
"""

# A segmented reverse in its own process: test clips are far smaller than FFmpeg's fixed memory, so the
# overheads are zeroed (as in test_reverse_segmented.py) and the budget holds 10 frames a segment.
SEGMENTED_RENDER = """\
import sys
import ffx
from ffx.compile import compiler
from ffx.media import memory as segments
from ffx.ffmpeg.binary import find_ffmpeg
from ffx.media.probe import probe

for name, value in (("PLAIN_OVERHEAD", 0), ("SEGMENTED_OVERHEAD", 0), ("FRAME_PADDING", 1.0), ("SAFETY", 1.0),
                    ("DEFAULT_ENCODER_FRAMES", 0)):
    setattr(segments, name, value)
segments.encoder_frames = compiler.encoder_frames = lambda codec, preset: 0
source, output = sys.argv[1:3]
budget = segments.tree_memory(probe(source, find_ffmpeg()), 10, 0) + 1
recipe = ffx.Recipe.model_validate({"input": source, "output": {"path": output, "preset": "veryslow"},
                                    "steps": ["reverse", {"filter": {"name": "gblur", "sigma": 20, "steps": 6}}]})
assert ffx.compile_recipe(recipe, max_memory=budget).feeds
ffx.render(recipe, max_memory=budget)
"""


def _start_slow_render(tmp_path: Path, *flags: str, own_session: bool = False, feeders: int = 0,
                       argv: list[str] | None = None) -> tuple[subprocess.Popen, Path]:
    """Start ``ffx render`` on a render that takes minutes; return once FFmpeg (and its feeders) run."""
    out = tmp_path / "slow.mp4"
    recipe = tmp_path / "slow.yaml"
    recipe.write_text(SLOW_RECIPE.replace("OUT", str(out)))
    argv = argv or [sys.executable, "-m", "ffx", "render", str(recipe), "-q", *flags]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=own_session)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None and len(ffmpeg_children(tmp_path)) <= feeders:
        time.sleep(0.05)
    time.sleep(0.5)
    assert proc.poll() is None and len(ffmpeg_children(tmp_path)) > feeders, proc.stderr.read()[-2000:]
    return proc, out


def _no_debris(tmp_path: Path, *expected: str) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir() if p.name not in ("slow.yaml", *expected))


def _no_ffmpeg_soon(tmp_path: Path) -> list[int]:
    deadline = time.time() + 5
    while time.time() < deadline and ffmpeg_children(tmp_path):
        time.sleep(0.1)
    return ffmpeg_children(tmp_path)


def test_sigint_leaves_nothing_and_no_ffmpeg(tmp_path):
    proc, out = _start_slow_render(tmp_path)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130 and stderr.splitlines() == ["interrupted: nothing was written"]
    assert _no_debris(tmp_path) == []
    assert _no_ffmpeg_soon(tmp_path) == []
    ADVERSARIAL["clean aborts"] += 1


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_clean_up_and_exit_128_plus_the_signal_in_one_line(tmp_path, sig):
    proc, out = _start_slow_render(tmp_path)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig
    assert stderr.splitlines() == [f"stopped by {sig.name}: nothing was written"]
    assert _no_debris(tmp_path) == []
    assert _no_ffmpeg_soon(tmp_path) == []
    ADVERSARIAL["clean aborts"] += 1


def test_a_timeout_reads_like_sigterm(tmp_path):
    recipe = tmp_path / "slow.yaml"
    recipe.write_text(SLOW_RECIPE.replace("OUT", str(tmp_path / "slow.mp4")))
    done = subprocess.run(["timeout", "8", sys.executable, "-m", "ffx", "render", str(recipe), "-q"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 124  # timeout's own code for "it had to stop it"
    assert done.stderr.splitlines() == ["stopped by SIGTERM: nothing was written"]
    assert _no_debris(tmp_path) == []
    assert _no_ffmpeg_soon(tmp_path) == []
    ADVERSARIAL["clean aborts"] += 1


def test_sigkill_of_ffx_takes_ffmpeg_down_and_leaves_no_file(tmp_path):
    proc, out = _start_slow_render(tmp_path)
    proc.kill()
    proc.communicate(timeout=15)
    assert _no_ffmpeg_soon(tmp_path) == []
    assert _no_debris(tmp_path) == []  # not even a hidden part: FFmpeg wrote an unnamed file
    ADVERSARIAL["clean aborts"] += 1


def test_sigkill_of_the_whole_process_group_leaves_nothing(tmp_path):
    proc, out = _start_slow_render(tmp_path, own_session=True)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=15)
    assert _no_ffmpeg_soon(tmp_path) == []
    assert _no_debris(tmp_path) == []
    ADVERSARIAL["clean aborts"] += 1


def test_sigkill_during_a_segmented_reverse_leaves_nothing(tmp_path):
    src = make_clip(tmp_path / "src.mkv", duration=8, size="640x360", keyint=25)
    driver = tmp_path / "segmented.py"
    driver.write_text(SEGMENTED_RENDER)
    proc, out = _start_slow_render(tmp_path, feeders=1,
                                   argv=[sys.executable, str(driver), str(src), str(tmp_path / "slow.mp4")])
    proc.kill()
    proc.communicate(timeout=15)
    assert _no_ffmpeg_soon(tmp_path) == []
    assert _no_debris(tmp_path, "src.mkv", "segmented.py") == []
    ADVERSARIAL["clean aborts"] += 1


def test_sigterm_in_the_python_api_raises_a_public_keyboard_interrupt(tmp_path):
    """A script's render stopped by SIGTERM ends like Ctrl-C: clean-up, then ffx.Terminated."""
    recipe = ffx.Recipe.model_validate({"input": {"source": "testsrc2", "size": "1280x720", "rate": 30,
                                                  "duration": 600},
                                        "steps": [{"filter": {"name": "gblur", "sigma": 20, "steps": 6}}],
                                        "output": {"path": str(tmp_path / "slow.mp4"), "preset": "veryslow"}})

    def terminate_once_ffmpeg_runs():
        deadline = time.time() + 60
        while time.time() < deadline and not ffmpeg_children(tmp_path):
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=terminate_once_ffmpeg_runs, daemon=True).start()
    with pytest.raises(KeyboardInterrupt) as stopped:
        ffx.render(recipe)
    assert type(stopped.value) is ffx.Terminated and stopped.value.exit_code == 143
    assert os.listdir(tmp_path) == []
    assert _no_ffmpeg_soon(tmp_path) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is put back


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
    from ffx.media import probe as media
    from ffx.media.cache import ProbeCache
    from ffx.ffmpeg.binary import find_ffmpeg

    ffmpeg = find_ffmpeg()
    short = make_clip(tmp_path / "short.mkv", duration=1, audio=None)
    clip = tmp_path / "clip.mkv"
    clip.write_bytes(short.read_bytes())
    probes = ProbeCache()
    media.probe_early([str(clip)], ffmpeg, probes)
    assert media.probe(str(clip), ffmpeg, probes=probes).frames == 25  # the early answer
    media.probe_early([str(clip)], ffmpeg, probes)
    make_clip(tmp_path / "long.mkv", duration=2, audio=None).replace(clip)  # replaced after the early run began
    assert media.probe(str(clip), ffmpeg, probes=probes).frames == 50
    media.probe_early([str(tmp_path / "missing.mkv"), str(tmp_path)], ffmpeg, probes)  # nothing to do for these
    assert not [path for path in probes.probed_ahead() if path.startswith(str(tmp_path))]


def _early_arguments(argv):
    from ffx.startup.early_probe import read_ahead

    return read_ahead(argv)[:3]


def test_command_line_is_read_ahead_only_for_inputs_and_binary():
    assert _early_arguments(["render", "r.yaml", "-i", "a.mp4", "--input=b.mp4", "-o", "x.mp4", "--ffmpeg", "/f"]) \
        == (["a.mp4", "b.mp4"], "/f", False)
    assert _early_arguments(["compile", "r.yaml", "--live", "-i", "/dev/video0"]) == (["/dev/video0"], None, True)
    assert _early_arguments(["effects", "-i", "a.mp4"]) == ([], None, False)
    assert _early_arguments(["render", "r.yaml", "-i"]) == ([], None, False)


def test_inputs_named_in_the_recipe_are_probed_early_too(tmp_path):
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

    from ffx.ffmpeg import binary

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
