"""Shared by the benchmarks: timed runs with peak memory, and the report file."""

from __future__ import annotations

import argparse
import compileall
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"

# An installed package has its bytecode cached; compile it now so that no timed
# run pays for compiling ffx's sources (PYTHONDONTWRITEBYTECODE would otherwise
# make every fresh process do so).
compileall.compile_dir(str(ROOT / "ffx"), quiet=1)


def timed(argv: list[str], **kwargs) -> tuple[float, int]:
    """Wall time (s) and peak RSS (bytes) of the largest process in the command's tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{argv[:3]}... failed: {stderr[-1500:]}")
    return elapsed, usage.ru_maxrss * 1024


def generated_clip(ffmpeg: str, path: Path | str, seconds: float, size: str = "1280x720", audio: bool = False,
                   preset: str | None = None) -> str:
    """A test clip for runs without --clip: testsrc2 (a frame counter) in H.264, and a 440 Hz tone in AAC."""
    argv = [ffmpeg, "-v", "error", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}"]
    if audio:
        argv += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac"]
    argv += ["-c:v", "libx264", *(["-preset", preset] if preset else []), "-y", str(path)]
    timed(argv)
    return str(path)


def clip_arguments(parser: argparse.ArgumentParser, runs: int) -> None:
    """The options of a benchmark timed on one clip: --clip (else one is generated), --label, --runs."""
    parser.add_argument("--clip", help="the clip to time on (without it, a generated one)")
    parser.add_argument("--label", default=None, help="how to describe the clip in the report")
    parser.add_argument("--runs", type=int, default=runs)


def clip_or_generated(clip: str | None, ffmpeg: str, work: Path, seconds: float, **generated) -> str:
    """The clip given with --clip, or one of ``seconds`` generated in ``work`` (see :func:`generated_clip`)."""
    return clip if clip is not None else generated_clip(ffmpeg, work / "clip.mp4", seconds, **generated)


def median(values: list[float]) -> float:
    return statistics.median(values)


def write_section(name: str, body: str, *, report: Path = REPORT, prefix: str = "bench",
                  title: str = "# Benchmarks\n\nEvery number here is written by a script in `bench/`; "
                               "rerun it to refresh its section.\n") -> None:
    """Replace (or append) the section between the markers ``<!-- PREFIX:NAME -->`` in ``report``
    (docs/benchmarks.md), which starts as ``title`` when it does not exist yet."""
    report.parent.mkdir(exist_ok=True)
    text = report.read_text() if report.exists() else title
    begin, end = f"<!-- {prefix}:{name} -->", f"<!-- /{prefix}:{name} -->"
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text:
        text = re.sub(re.escape(begin) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    report.write_text(text)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {sys.version.split()[0]}"


def _tree_rss(root: int) -> int:
    """Resident memory (bytes) of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def timed_tree(argv: list[str], interval: float = 0.05, **kwargs) -> tuple[float, int]:
    """Wall time (s) and peak resident memory of the whole process tree (sampled every ``interval``)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(interval)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[:3]}... failed: {stderr[-1500:]}")
    return elapsed, peak
