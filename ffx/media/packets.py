"""The packets a cut needs: keyframe times, packet listings, the exact frame times around a span, and
the span read started ahead of Python's start-up. Nothing here is decoded: FFmpeg copies packets
(``-c copy``) into the ``framecrc`` muxer, which lists each one's integer pts, duration and flags.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from dataclasses import dataclass
from fractions import Fraction

from ..errors import InputError
from ..ffmpeg import process
from . import probe as probing  # its COUNTED_AHEAD read when used: tests lower it
from .cache import ProbeCache, ReadAhead, file_identity
from .probe import depends_on, is_long
from .report import Listing, parse_packets

_KEYFRAME = re.compile(r"\bn:\s*\d+\s+pts:\s*(-?\d+)\s+pts_time:\s*(-?[0-9.e+-]+)")
_TIME_BASE = re.compile(r"config in time_base:\s*(\d+)/(\d+)")


def keyframe_times(path: str, ffmpeg: str) -> list[float]:
    """Times of the video's keyframes, decoding nothing but them (for seeking plans)."""
    depends_on(path)
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-skip_frame", "nokey", "-i", "file:" + os.path.abspath(path),
            "-map", "0:v:0", "-vf", "showinfo", "-fps_mode", "passthrough", "-f", "null", "-"]
    try:
        done = process.run(argv, timeout=600)
    except subprocess.TimeoutExpired:
        raise InputError(f"scanning {path!r} for keyframes took too long") from None
    # exact from the integer pts and the time base: pts_time has only six significant digits
    base = _TIME_BASE.search(done.stderr)
    unit = Fraction(int(base.group(1)), int(base.group(2))) if base and int(base.group(2)) else None
    return sorted({float(int(pts) * unit) if unit else float(text) for pts, text in _KEYFRAME.findall(done.stderr)})




def read_packets(path: str, ffmpeg: str, *, what: str, seek: float = 0.0, length: float | None = None,
                 timeout: float = 600, probes: ProbeCache | None = None) -> Listing:
    """The first video stream's packets as (pts, duration, keyframe), sorted by pts, and its time base.

    One demuxing run (``-c copy`` into the ``framecrc`` muxer, which lists every
    packet's integer pts, duration and flags): nothing is decoded. ``seek`` and
    ``length`` bound the span read; ``what`` names the reading in errors. The same
    read started ahead in ``probes`` (:func:`read_span_early`) gives its answer instead.
    """
    depends_on(path)
    argv = _packets_argv(path, ffmpeg, seek, length)
    early = probes.take_read(argv) if probes is not None else None
    done = early.answer(path) if early is not None else None
    if done is None:
        try:
            done = process.run(argv, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise InputError(f"reading the {what} of {path!r} took too long") from None
    listing = parse_packets(done.stdout) if done.returncode == 0 else None
    if listing is None:
        last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no video packets"
        raise InputError(f"cannot read the {what} of {path!r} ({last})")
    return listing


def _packets_argv(path: str, ffmpeg: str, seek: float, length: float | None, quiet: bool = True) -> list[str]:
    """``quiet=False``: FFmpeg's report on stderr has the file's header too (for a probe)."""
    argv = [ffmpeg, "-hide_banner", "-nostdin", *(["-loglevel", "error"] if quiet else [])]
    if seek > 0:
        argv += ["-ss", f"{seek:.6f}"]
    if length is not None:
        argv += ["-t", f"{length:.6f}"]
    return argv + ["-i", "file:" + os.path.abspath(path), "-map", "0:v:0", "-c", "copy", "-copyts",
                   "-f", "framecrc", "-"]


def read_span_early(path: str, ffmpeg: str, start: float, end: float, probes: ProbeCache) -> None:
    """Start, in the background, the packet read :func:`frame_times` will make for ``[start, end)`` of a long
    file, so that it overlaps Python's start-up instead of following it.

    A span that starts past :data:`~ffx.media.probe.COUNTED_AHEAD` can only be in a long file, whose probe
    needs the header alone: one FFmpeg run then serves both, the header on stderr and the span's packets on
    stdout, and the file's index (most of such a run in a long MP4) is parsed once. A nearer span waits for
    the early probe (:func:`~ffx.media.probe.probe_early`) and is read only if that shows a long file: a
    short one's probe lists every packet already. Only a head start: the probe and :func:`read_packets`,
    given the same ``probes``, take these answers for the same file, unchanged, and the same command.
    """
    identity = file_identity(path)
    seek, length = _span_read(start, end)
    argv = _packets_argv(path, ffmpeg, seek, length)
    if identity is None or probes.read_started(argv):
        return
    result: list[subprocess.CompletedProcess] = []
    probing_early = probes.early_probe(path, ffmpeg)
    if probing_early is None and start > probing.COUNTED_AHEAD:
        header: list[tuple[str, str | None]] = []
        both = _packets_argv(path, ffmpeg, seek, length, quiet=False)

        def read_both() -> None:
            try:
                done = process.run(both, timeout=600)
            except (OSError, subprocess.SubprocessError):
                return  # probe() and read_packets() run again and report properly
            result.append(done)
            header.append((done.stderr, None))  # None: packets of a span, not the whole file's listing

        thread = threading.Thread(target=read_both, name="ffx-span", daemon=True)
        thread.start()
        probes.start_probe(path, ffmpeg, ReadAhead(identity, thread, header))
        probes.start_read(argv, ReadAhead(identity, thread, result))
        return
    if probing_early is None:
        return

    def run() -> None:
        if start <= probing.COUNTED_AHEAD:  # the file may be short: wait for the probe to say
            probing_early.thread.join()
            report = probing_early.result
            if not report or not is_long(report[0][0]):
                return
        try:
            result.append(process.run(argv, timeout=600))
        except (OSError, subprocess.SubprocessError):
            pass  # read_packets reads again and reports properly

    thread = threading.Thread(target=run, name="ffx-span", daemon=True)
    thread.start()
    probes.start_read(argv, ReadAhead(identity, thread, result))


@dataclass(frozen=True)
class FrameTimes:
    """When the video frames around a span are shown, exactly (seconds from the file's start)."""

    times: tuple[Fraction, ...]  # sorted presentation times of the frames read
    end: Fraction | None  # when the last of them stops showing (its pts + duration)
    unit: Fraction | None = None  # the stream's time base: every time above is a whole number of it


FRAME_TIMES_MARGIN = 1.0  # seconds read before and after a span, for the frames next to its ends


def _span_read(start: float, end: float, margin: float = FRAME_TIMES_MARGIN) -> tuple[float, float]:
    """Where the packet read for ``[start, end)`` seeks to and how long it reads."""
    seek = max(0.0, start - margin)
    return seek, end - seek + margin


def frame_times(path: str, ffmpeg: str, start: float, end: float, start_time: float = 0.0,
                margin: float = FRAME_TIMES_MARGIN, probes: ProbeCache | None = None) -> FrameTimes:
    """Presentation times of the video frames from about ``start - margin`` to ``end + margin``.

    Reads packets only (``-c copy`` into the ``framecrc`` muxer, which lists every
    packet's integer pts and duration with the time base): nothing is decoded, so a
    span costs one short demuxing run. The container's header cannot tell a
    jittery phone clip from a constant-rate one, and the probe counts frames of
    the whole file only; this is how a trim knows exactly which frames it keeps. A file
    ``probes`` has probed and listed whole is not read again.
    """
    known = probes.remembered(path, ffmpeg) if probes is not None else None
    if known is not None and known.listing is not None and start_time == 0:
        depends_on(path)  # the probe listed the whole file: its frames around the span are all there
        unit, packets = known.listing
    else:
        seek, length = _span_read(start, end, margin)
        if known is not None and not known.info.estimate.seeks_exactly:
            # in a file FFmpeg seeks by guessing (MPEG-TS) a seek can land late or nowhere: read from the start
            seek, length = 0.0, end + margin
        unit, packets = read_packets(path, ffmpeg, what="frame times", seek=seek, length=length, probes=probes)
    offset = Fraction(start_time).limit_denominator(10**6)
    times = tuple(pts * unit - offset for pts, _, _ in packets)
    last_end = (packets[-1][0] + packets[-1][1]) * unit - offset if packets and packets[-1][1] > 0 else None
    return FrameTimes(times=times, end=last_end, unit=unit)
