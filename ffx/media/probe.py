"""Probing a media file: what it holds, read with FFmpeg itself (the bundled binary has no ffprobe).

:func:`probe` is the only I/O the compiler does for a file's description.
Reading cost follows what a recipe uses, not the file's length: the probe reads
the header and the packets of the first :data:`COUNTED_AHEAD` seconds, which
counts a short file whole in the same FFmpeg run. A longer file is an
:class:`~ffx.media.info.UncountedInfo`: its frames are counted (every packet
read, nothing decoded) only on request, and a trim reads only the packets of
its own span (:func:`ffx.media.packets.frame_times`). What was probed is kept in
the :class:`~ffx.media.cache.ProbeCache` the caller passes.
"""

from __future__ import annotations

import math
import os
import re
import stat
import subprocess
import sys
import threading
from dataclasses import dataclass
from fractions import Fraction

from ..errors import InputError
from ..ffmpeg import process
from .cache import ProbeCache, Probed, ReadAhead, file_identity
from .info import MediaInfo, UncountedInfo, nice_rate
from .report import (
    Listing,
    listed_span,
    parse_ffmpeg_report,
    parse_packets,
    reached_time,
)
from .streams import choose_streams, read_streams


def depends_on(path: str) -> None:
    """Say that a plan depends on this file or folder (FFmpeg reads it, not Python): an audit event,
    which a stored answer (:mod:`ffx.startup.plancache`) is checked against; free when nobody listens."""
    sys.audit("ffx.depends", path)


def check_readable_file(path: str) -> None:
    """Refuse what FFmpeg would block on, misread or read forever: the reason in plain words."""
    depends_on(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"input {path!r} does not exist") from None
    except OSError as exc:
        raise InputError(f"input {path!r} cannot be read: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"input {path!r} is a directory, not a media file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"input {path!r} is not a regular file (device, pipe or socket)")
    if not os.access(path, os.R_OK):
        raise InputError(f"input {path!r} is not readable (permission denied)")
    if info.st_size == 0:
        raise InputError(f"input {path!r} is empty")


# A file whose header promises more than this is counted only when a step asks (UncountedInfo). Up to
# here (and a second beyond, for the last frames) the probe's one FFmpeg run reads the packets anyway:
# a short file is counted in it, whole.
COUNTED_AHEAD = 30.0


# the streams a probe reads: the first video and audio stream, or the file's streams by their index
FIRST_STREAMS = ("0:v:0?", "0:a:0?")


def _probe_argv(path: str, ffmpeg: str, limit: float | None = None, listing: bool = False,
                maps: tuple[str, ...] = FIRST_STREAMS) -> list[str]:
    """Every packet of the first video and audio stream (or ``maps``) copied to nowhere: FFmpeg's report then
    has the header and the exact count (``-c copy``: nothing decoded). ``limit``: stop after that many seconds.
    ``listing``: the packets are listed on stdout (``framecrc``) instead, so a short file's frame times
    come from this same run (:func:`~ffx.media.packets.frame_times`) rather than from a second one."""
    return [ffmpeg, "-hide_banner", "-nostdin", "-i", "file:" + os.path.abspath(path),
            *(word for stream in maps for word in ("-map", stream)), "-c", "copy",
            *(["-t", f"{limit:g}"] if limit else []), "-f", "framecrc" if listing else "null", "-"]


@dataclass(frozen=True)
class StreamChoice:
    """Which of a file's streams a probe describes: FFmpeg's ``v:N`` and ``a:N``, None for a player's choice."""

    video: int | None = None
    audio: int | None = None

    def __bool__(self) -> bool:
        return self.video is not None or self.audio is not None


class WholeCount:
    """Counts every packet of a file once, when first called: what :meth:`UncountedInfo.counted_exactly` runs."""

    def __init__(self, path: str, ffmpeg: str, maps: tuple[str, ...] = FIRST_STREAMS,
                 choice: StreamChoice = StreamChoice()):
        self.path, self.ffmpeg, self.done, self.maps, self.choice = path, ffmpeg, False, maps, choice
        self._info: MediaInfo | None = None
        self._lock = threading.Lock()

    def __call__(self) -> MediaInfo:
        with self._lock:
            if self._info is None:
                report, listing = _run_probe(_probe_argv(self.path, self.ffmpeg, maps=self.maps, listing=True),
                                             self.path)
                self._info = timed(_read_report(self.path, report, choice=self.choice), listing)
                self.done = True
            return self._info

    def __getstate__(self) -> dict:  # a plan shipped to another process keeps what was counted
        return {"path": self.path, "ffmpeg": self.ffmpeg, "done": self.done, "_info": self._info,
                "maps": self.maps, "choice": self.choice}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _lock=threading.Lock())


def _run_probe(argv: list[str], path: str) -> tuple[str, str]:
    """FFmpeg's report (stderr) and what it wrote to stdout."""
    try:
        done = process.run(argv, timeout=300)
    except subprocess.TimeoutExpired:
        raise InputError(f"probing {path!r} took too long") from None
    return done.stderr, done.stdout


def _read_report(path: str, text: str, *, counted: bool = True, choice: StreamChoice = StreamChoice()) -> MediaInfo:
    info = parse_ffmpeg_report(text, counted=counted, video_stream=choice.video, audio_stream=choice.audio)
    if not info.has_video and not info.has_audio:
        last = text.strip().splitlines()[-1] if text.strip() else "no output"
        raise InputError(f"input {path!r} is not media FFmpeg can read ({last})")
    if info.duration is None and info.frames == 1 and info.fps:
        info = info.replace(duration=float(1 / info.fps))  # a still image: one frame long
    return info


def _maps(path: str, report: str, choice: StreamChoice) -> tuple[str, ...]:
    """The ``-map`` a probe needs for the streams described: the first ones (as it ran first) when those are
    what a player shows; the file's own indexes otherwise. A stream asked for that is not there is refused."""
    streams = read_streams(report)
    video, audio = choose_streams(streams, choice.video, choice.audio)
    for kind, asked, chosen in (("video", choice.video, video), ("audio", choice.audio, audio)):
        if asked is not None and chosen is None:
            count = sum(s.kind == kind for s in streams)
            raise InputError(f"input {path!r} has no {kind} stream {asked} (it has {count}, counted from 0)")
    if (video is None or video.position == 0) and (audio is None or audio.position == 0):
        return FIRST_STREAMS
    return tuple(f"0:{stream.index}" for stream in (video, audio) if stream is not None)


def timed(info: MediaInfo, listing: str) -> MediaInfo:
    """The file's clock as its packets tell it (``listing``: every packet, as ``framecrc`` lists them).

    The header's count and length are not what a decoder delivers: an MP4's edit list hides packets it still
    counts, an AVI's length is its longest stream's, sound may start before the picture or last past it.
    The picture's packets say it: its frame count (those an edit list cuts left out), its length (to the end
    of its last frame), its rate (the usual distance between frames), whether it stops somewhere
    (gaps), and when it and the sound start and end (docs/design.md, "Timing").
    """
    video = listed_span(parse_packets(listing, stream=0)) if info.has_video else None
    sound = listed_span(parse_packets(listing, stream=1 if info.has_video else 0)) if info.has_audio else None
    changes: dict = {}
    if sound is not None:
        changes["sound_span"] = (float(sound.start), float(sound.end))
    if video is not None and video.count > 1 and not info.cover:
        length = video.end - video.start
        rate = nice_rate(1 / float(video.step)) if video.step else None
        measured = video.count / length if length > 0 else None
        near = [r for r in (info.fps, rate) if r and measured and abs(r - measured) <= r * Fraction(2, 100)]
        fps = rate if video.gaps and rate else near[0] if near else nice_rate(float(measured)) if measured else info.fps
        # the length runs on the file's clock, as a player's: to the picture's end (it may start after its sound)
        changes.update(frames=video.count, duration=float(video.end), fps=fps, gaps=video.gaps,
                       picture_start=float(video.start))
    return info.replace(**changes) if changes else info


def is_long(report: str) -> bool:
    """The header says the file is longer than what a probe counts in its own run."""
    header = parse_ffmpeg_report(report, counted=False)
    return header.duration is not None and math.isfinite(header.duration) and header.duration > COUNTED_AHEAD


def probe_early(paths: list[str], ffmpeg: str, probes: ProbeCache) -> None:
    """Start probing regular files in the background; :func:`probe` given the same ``probes`` takes the answer.

    The command line calls this before it loads the recipe model, so the FFmpeg
    run (about 50 ms) overlaps Python's own start-up. Anything unusual (a
    missing file, a device, a pipe) is left for probe() to explain.
    """
    for path in paths:
        identity = file_identity(path)
        if identity is None or probes.early_probe(path, ffmpeg) is not None:
            continue
        report: list[tuple[str, str]] = []

        def run(argv=_probe_argv(path, ffmpeg, COUNTED_AHEAD + 1, listing=True), report=report):
            try:
                done = process.run(argv, timeout=300)
                report.append((done.stderr, done.stdout))
            except (OSError, subprocess.SubprocessError):
                pass  # probe() runs it again and reports properly

        thread = threading.Thread(target=run, name="ffx-probe", daemon=True)
        thread.start()
        probes.start_probe(path, ffmpeg, ReadAhead(identity, thread, report))


def probe(path: str, ffmpeg: str, *, need_duration: bool = True, probes: ProbeCache | None = None,
          streams: StreamChoice = StreamChoice()) -> MediaInfo:
    """Probe a media file with FFmpeg itself (no ffprobe needed).

    A file up to :data:`COUNTED_AHEAD` seconds long is counted exactly in the
    same run; a longer one is read no further and comes back as an
    :class:`~ffx.media.info.UncountedInfo`, counted only on request. ``probes``
    keeps the answer for the next probe of the same, unchanged file. The video
    and audio described are the ones a player shows (the default streams; a
    cover picture only when there is no other), or those ``streams`` names.
    """
    check_readable_file(path)
    probes = probes if probes is not None else ProbeCache()
    identity = file_identity(path)
    known = probes.remembered(path, ffmpeg, streams)
    if known is not None:
        info = known.info
    else:
        info, listed = _probe_now(path, ffmpeg, probes, streams)
        if identity is not None:
            probes.remember(path, ffmpeg, Probed(identity, info, listed), streams)
    if need_duration and (info.estimate.duration is None or not math.isfinite(info.estimate.duration)):
        raise InputError(f"input {path!r} has no known duration")
    return info


def _probe_now(path: str, ffmpeg: str, probes: ProbeCache,
               choice: StreamChoice = StreamChoice()) -> tuple[MediaInfo, Listing | None]:
    """What the probe found, and the video's packets when the run listed the whole file."""
    early = probes.take_probe(path, ffmpeg)
    found = early.answer(path) if early is not None else None
    if found is not None and found[1] is None and not is_long(found[0]):
        found = None  # a header read along with a span (read_span_early) counts nothing: probe properly
    if found is None:
        found = _run_probe(_probe_argv(path, ffmpeg, COUNTED_AHEAD + 1, listing=True), path)
    maps = _maps(path, found[0], choice)
    if maps != FIRST_STREAMS:  # not the first streams: count the ones described
        found = _run_probe(_probe_argv(path, ffmpeg, COUNTED_AHEAD + 1, listing=True, maps=maps), path)
    text, listing = found
    header = _read_report(path, text, counted=False, choice=choice)
    if header.duration is not None and math.isfinite(header.duration) and header.duration > COUNTED_AHEAD:
        return UncountedInfo(header, WholeCount(path, ffmpeg, maps, choice)), None
    listing = _decoded_listing(path, ffmpeg, listing, maps) if listing else listing
    info = timed(_read_report(path, text, choice=choice), listing)
    reached = reached_time(text)
    if header.duration is None and reached is not None and reached >= COUNTED_AHEAD - 1:
        # no length in the header, and the packets go on past the part read: count them all
        return WholeCount(path, ffmpeg, maps, choice)(), None
    # Without -copyts FFmpeg shifts every time by the file's start; at a start of 0 the listed times are the
    # file's own, as read_packets reads them. Video is the first stream listed when there is one.
    return info, parse_packets(listing, stream=0) if info.has_video and info.start_time == 0 else None


# AV_NOPTS_VALUE in a framecrc line's pts column: a packet whose showing time only its decoder knows
_UNTIMED = re.compile(r"^0,\s*-?\d+,\s*-9223372036854775808,", re.MULTILINE)


def _decoded_listing(path: str, ffmpeg: str, listing: str, maps: tuple[str, ...]) -> str:
    """The listing with the picture's frames as its decoder delivers them, where its packets carry no
    showing time (an AVI's MPEG-4 with B-frames: only their order, and the decoder shows the first a frame
    late). Decoded into ``wrapped_avframe`` (each frame handed on as it is, nothing encoded or copied), the
    sound still copied; else the listing as it was."""
    if not _UNTIMED.search(listing):
        return listing
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-i", "file:" + os.path.abspath(path),
            *(word for stream in maps for word in ("-map", stream)), "-c:v", "wrapped_avframe", "-c:a", "copy",
            "-t", f"{COUNTED_AHEAD + 1:g}", "-f", "framecrc", "-"]
    return _run_probe(argv, path)[1] or listing


# idet's verdict on each frame alone: "Single frame detection: TFF: 40 BFF: 0 Progressive: 2 Undetermined: 6"
_IDET = re.compile(r"Single frame detection:\s*TFF:\s*(\d+)\s*BFF:\s*(\d+)\s*Progressive:\s*(\d+)")
FIELDS_LOOKED_AT = 48  # frames: about two seconds of 25i, under a tenth of a second to decode at SD
# How much more alike a frame's lines must be to their own field than to the other before idet calls it
# interlaced (its default, 1.04, calls sharp synthetic progressive pictures such as testsrc2 interlaced in
# two frames of three, at every size from 96x64 to 720x576; at 1.5 none, and still every frame of 25i made
# from a moving 50p pattern; at 2 half of those, at 3 none).
IDET_THRESHOLD = 1.5


def detect_fields(path: str, ffmpeg: str, video_index: int | None, probes: ProbeCache) -> str:
    """Whether the picture is made of two fields, by looking (FFmpeg's ``idet``) at its first frames:
    ``tt`` or ``bb`` (interlaced, top or bottom field first) or ``progressive``. Kept in ``probes``
    for the unchanged file. https://ffmpeg.org/ffmpeg-filters.html#idet
    """
    what = f"fields of stream {video_index}"
    known = probes.measured(path, ffmpeg, what)
    if known is not None:
        return known
    depends_on(path)
    stream = "0:v:0" if video_index is None else f"0:{video_index}"
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-i", "file:" + os.path.abspath(path), "-map", stream,
            "-frames:v", str(FIELDS_LOOKED_AT), "-vf", f"idet=intl_thres={IDET_THRESHOLD}", "-f", "null", "-"]
    report = _run_probe(argv, path)[0]
    verdict = "progressive"
    counts = _IDET.findall(report)  # FFmpeg may print a count for each time the graph was set up: the last is whole
    if counts:
        top, bottom, progressive = (int(n) for n in counts[-1])
        # frames without motion are undetermined: the moving ones decide, by a clear majority
        if top + bottom >= 4 and top + bottom > 2 * progressive:
            verdict = "tt" if top >= bottom else "bb"
    probes.remember_measure(path, ffmpeg, what, verdict)
    return verdict
