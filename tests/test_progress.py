"""Progress: monotonic reports that end at 100 %, a bar on a terminal, plain lines in a log, nothing with -q."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest

from conftest import make_clip
from ffx.view.progressbar import ProgressLines
from ffx.run.progress import Progress, ProgressReader, follow_progress

# -progress blocks as FFmpeg 7 writes them (trimmed to the keys ffx reads): "N/A" before the first frame
# is out, and again while the encoders flush at the end of a reverse, after 2.92 s had been reported.
RECORDED = """\
frame=0
fps=0.00
out_time_us=N/A
out_time=N/A
speed=N/A
progress=continue
frame=44
fps=43.6
out_time_us=1680000
out_time=00:00:01.680000
speed=1.67x
progress=continue
frame=73
fps=48.1
out_time_us=2920000
out_time=00:00:02.920000
speed=1.93x
progress=continue
frame=73
fps=36.0
out_time_us=N/A
out_time=N/A
speed=N/A
progress=continue
frame=75
fps=37.0
out_time_us=2960000
out_time=00:00:02.960000
speed=1.5x
progress=end
"""


def read(text: str, total: float | None = 3.0) -> list[Progress]:
    reader = ProgressReader(total)
    return [report for line in text.splitlines() if (report := reader.feed(line))]


def test_unknown_times_keep_the_last_known_one_and_progress_never_goes_back():
    reports = read(RECORDED)
    assert [r.done for r in reports] == [0.0, 1.68, 2.92, 2.92, 2.96]
    assert [r.speed for r in reports] == [None, 1.67, 1.93, None, 1.5]
    assert [r.finished for r in reports] == [False, False, False, False, True]
    assert reports[-1].fraction == 1.0  # FFmpeg said "end": 100 %, even 0.04 s short of the planned total


def test_a_report_lower_than_the_last_one_does_not_move_the_bar_back():
    text = "out_time_us=2000000\nprogress=continue\nout_time_us=1500000\nprogress=continue\n"
    assert [r.done for r in read(text)] == [2.0, 2.0]


def test_progress_is_read_from_the_pipe_ffmpeg_writes():
    read_fd, write_fd = os.pipe()
    os.write(write_fd, RECORDED.encode())
    os.close(write_fd)
    reports: list[Progress] = []
    follow_progress(read_fd, 3.0, reports.append)
    os.close(read_fd)
    assert [r.done for r in reports] == [0.0, 1.68, 2.92, 2.92, 2.96] and reports[-1].finished


def test_lines_come_every_tenth_or_every_ten_seconds_and_at_the_end():
    out = io.StringIO()
    times = iter([0.0, *range(1, 100)])
    lines = ProgressLines(out, clock=lambda: float(next(times)))
    for report in read(RECORDED, total=3.0):
        lines(report)
    assert out.getvalue().splitlines() == [
        "rendering: 56% (1.7 of 3.0 s) after 2 s, speed 1.67x",
        "rendering: 97% (2.9 of 3.0 s) after 3 s, speed 1.93x",
        "rendering: 100% (3.0 of 3.0 s) after 5 s, speed 1.50x",
    ]


def test_lines_without_a_known_total_say_how_much_is_written():
    out = io.StringIO()
    times = iter([0.0, 12.0, 13.0])
    lines = ProgressLines(out, clock=lambda: next(times))
    lines(Progress(done=5.0, total=None, speed=None, fps=None))
    lines(Progress(done=6.0, total=None, speed=None, fps=None))
    assert out.getvalue() == "rendering: 5.0 s written after 12 s\n"


def _render(tmp_path, *flags: str) -> subprocess.CompletedProcess:
    clip = make_clip(tmp_path / "c.mkv", duration=2, audio=None)
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"input: {clip}\nsteps: [reverse]\noutput: {tmp_path / 'o.mkv'}\n")
    return subprocess.run([sys.executable, "-m", "ffx", "render", str(recipe), *flags], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)


def test_without_a_terminal_the_command_line_prints_plain_progress_lines(tmp_path):
    done = _render(tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines[-1] == f"wrote {tmp_path / 'o.mkv'}"
    progress = lines[:-1]
    assert progress and all(re.fullmatch(r"rendering: \d+% \(\d+\.\d of 2\.0 s\) after \d+ s(, speed .*x)?", line)
                            for line in progress), lines
    percents = [int(re.search(r"(\d+)%", line).group(1)) for line in progress]
    assert percents == sorted(percents) and percents[-1] == 100
    assert "\x1b" not in done.stderr  # no terminal codes in a log


@pytest.mark.parametrize("flag", ["-q", "--quiet"])
def test_quiet_prints_nothing(tmp_path, flag):
    done = _render(tmp_path, flag)
    assert done.returncode == 0 and done.stderr == ""


def test_on_a_terminal_the_bar_reaches_100_percent(tmp_path):
    """The bar loads in a thread while FFmpeg starts; it still shows and ends full."""
    import pty

    clip = make_clip(tmp_path / "in.mkv", duration=2.0)
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"input: {clip}\nsteps: [reverse]\noutput: {tmp_path / 'o.mkv'}\n")
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "ffx", "render", str(recipe)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=follower, env={**os.environ, "COLUMNS": "100"})
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: ffx exited
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert proc.wait(timeout=120) == 0
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen.decode("utf-8", "replace"))
    assert "rendering" in text and "100%" in text and f"wrote {tmp_path / 'o.mkv'}" in text
    assert (tmp_path / "o.mkv").exists()
