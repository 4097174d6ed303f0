"""Reading an output back: FFmpeg's exit code 0 is not proof that the file is whole and as long as planned.

A damaged input can make FFmpeg stop early and still exit 0. FFmpeg's own last
progress report proves most outputs; the rest are probed, and an animated WebP
(which not every FFmpeg reads back) is measured from its own frame headers.
"""

from __future__ import annotations

import subprocess

from ..compile.plan import FfmpegStage
from ..errors import RenderError
from ..ffmpeg.process import run
from ..media.probe import _probe_argv as probe_argv
from ..media.report import parse_ffmpeg_report
from .partfile import PartFile
from .progress import Progress


def short_by(expected: float, actual: float) -> float:
    """How much shorter than predicted an output is, beyond what container rounding explains."""
    tolerance = max(0.25, 0.02 * expected)
    return max(0.0, expected - actual - tolerance)


def verify_output(part: PartFile, stage: FfmpegStage, binary: str, argv: list[str], stderr: str,
                  reported: Progress | None = None) -> None:
    """FFmpeg's exit code 0 is not proof: the file must exist, read back as media and be as long as planned.

    A damaged input can make FFmpeg stop early and still exit 0; the plan knows
    how long the result should be, so a short output is an error, not a success.
    FFmpeg's own last progress report (``progress=end`` with the time written,
    or the one frame of a picture) already proves it; only an output it does not
    prove is read back.
    """
    def fail(message: str) -> RenderError:
        return RenderError(message, command=argv, returncode=0, stderr_tail=stderr)

    if part.size() == 0:
        raise fail("FFmpeg reported success but wrote nothing")
    if stage.kind == "webp":  # read here, not by FFmpeg: not every FFmpeg reads animated WebP back
        length = webp_length(part)
        if length is None:
            raise fail("FFmpeg reported success but its output is not a whole animated WebP file")
        if stage.duration and short_by(stage.duration, length) > 0:
            raise fail(f"the output is {length:.2f} s long, {stage.duration - length:.2f} s short of the planned "
                       f"{stage.duration:.2f} s: an input is probably damaged or truncated")
        return
    if reported is not None and reported.finished:
        if (stage.kind in ("video", "gif", "audio") and stage.duration and reported.done > 0
                and short_by(stage.duration, reported.done) == 0):
            return
        if stage.kind == "image" and reported.frames == 1:  # the one picture was encoded and written
            return
    try:
        report = run(probe_argv(part.local_path, binary), timeout=300, pass_fds=part.pass_fds).stderr
    except subprocess.TimeoutExpired:
        raise fail("FFmpeg reported success but reading its output back took too long") from None
    info = parse_ffmpeg_report(report)
    if not info.has_video and not info.has_audio:
        last = report.strip().splitlines()[-1] if report.strip() else "no output"
        raise fail(f"FFmpeg reported success but its output does not read back as media ({last})")
    if stage.kind in ("video", "gif", "audio") and stage.duration:
        if info.duration is None:
            raise fail("FFmpeg reported success but its output has no known duration")
        missing = short_by(stage.duration, info.duration)
        if missing > 0:
            raise fail(f"the output is {info.duration:.2f} s long, {stage.duration - info.duration:.2f} s short of "
                       f"the planned {stage.duration:.2f} s: an input is probably damaged or truncated")


def webp_length(part: PartFile) -> float | None:
    """Seconds an animated WebP plays (its ANMF frames' durations), or None when the file is not a whole
    RIFF/WEBP container with frames (cut short, or something else). Reads only the chunk headers."""
    size = part.size()
    head = part.read(0, 12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:] != b"WEBP" or int.from_bytes(head[4:8], "little") + 8 != size:
        return None
    offset, milliseconds, frames = 12, 0, 0
    while offset + 8 <= size:
        chunk = part.read(offset, 8 + 15)
        length = int.from_bytes(chunk[4:8], "little")
        if chunk[:4] == b"ANMF":  # X, Y, width - 1, height - 1, then the duration: 24-bit numbers
            if length < 16 or len(chunk) < 8 + 15:
                return None
            milliseconds += int.from_bytes(chunk[8 + 12:8 + 15], "little")
            frames += 1
        offset += 8 + length + (length & 1)
    return milliseconds / 1000 if frames and offset == size else None
