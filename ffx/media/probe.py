"""What a stream of media is: size, rate, duration, frame count, audio.

Effects receive a :class:`MediaInfo`, check themselves against it and hand on
a new one, so a plan knows its output duration (for a true progress percentage)
and every size before FFmpeg starts. :func:`probe` is the only I/O the compiler
does; it reads FFmpeg's own report because the bundled binary has no ffprobe.

Reading cost follows what a recipe uses, not the file's length: the probe reads
the header and the packets of the first :data:`COUNTED_AHEAD` seconds, which
counts a short file whole in the same FFmpeg run. A longer file is an
:class:`UncountedInfo`: its frames are counted (every packet read, nothing
decoded) only when a step asks for the count, and a trim reads only the
packets of its own span (:func:`frame_times`).
"""

from __future__ import annotations

import glob
import math
import os
import re
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from fractions import Fraction

from ..errors import InputError
from ..ffmpeg import process


@dataclass(frozen=True)
class MediaInfo:
    """Properties of a stream as it flows through the steps of a recipe."""

    width: int | None = None
    height: int | None = None
    fps: Fraction | None = None
    duration: float | None = None  # seconds; None for endless sources (cameras, streams)
    frames: int | None = None
    has_audio: bool = False
    sample_rate: int | None = None
    pix_fmt: str | None = None
    channel_layout: str | None = None  # FFmpeg's name: mono, stereo, 5.1(side), ...
    start_time: float = 0.0  # the file's first timestamp (seconds)
    alpha: bool = False  # the picture carries transparency the output must keep (remove_background)
    still: bool = False  # one picture (PNG, JPEG, WebP, a one-frame video): it lasts as long as what it meets
    header_duration: float | None = None  # what a truncated file's header promised, beyond what it holds
    seeks_exactly: bool = True  # FFmpeg's -ss lands where asked (no: MPEG-TS and raw streams, see _SEEKS_BY_GUESS)

    @property
    def has_video(self) -> bool:
        return self.width is not None

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"

    def with_duration(self, duration: float | None) -> MediaInfo:
        """Same stream, new length; the frame count follows at the stream's rate."""
        frames = None
        if duration is not None and self.fps:
            frames = max(0, round(duration * self.fps))
        return self.replace(duration=duration, frames=frames)

    def replace(self, **changes) -> MediaInfo:
        """Changed properties; a still that an effect made longer (loop, hold, zoom) is a still no more."""
        info = replace(self, **changes)
        return replace(info, still=False) if info.still and info.frames != 1 else info

    @property
    def counted(self) -> bool:
        """Whether frames, duration and rate are known exactly (False only for a long file not yet counted)."""
        return True

    @property
    def estimate(self) -> MediaInfo:
        """The properties as known without counting frames: for a counted stream, the stream itself."""
        return self

    def summary(self) -> str:
        """The stream in a few words, as ``ffx validate`` says it. A long file that no step needed counted is
        described by its header, not read whole just to print a frame count.

        >>> MediaInfo(width=320, height=180, fps=Fraction(12), duration=2.0, frames=24).summary()
        '320x180 @ 12 fps, 2.00 s (24 frames), no audio'
        """
        return ", ".join([*self.picture_and_length(" (the header's length; frames not counted)"),
                          "with audio" if self.has_audio else "no audio"])

    def picture_and_length(self, uncounted: str = "") -> list[str]:
        """Size and rate, then the length (``about ...`` and ``uncounted`` for a long file not counted)."""
        shown = self if self.counted else self.estimate
        parts = []
        if self.has_video:
            parts.append(f"{self.size} @ {float(shown.fps):g} fps" if shown.fps else self.size)
        if shown.duration is not None and self.counted:
            parts.append(f"{self.duration:.2f} s" + (f" ({self.frames} frames)" if self.frames is not None else ""))
        elif shown.duration is not None:
            parts.append(f"about {shown.duration:.2f} s{uncounted}")
        return parts

    def frame_bytes(self) -> int:
        """Bytes of one decoded frame (yuv420p-sized; RGB is twice that)."""
        return int((self.width or 0) * (self.height or 0) * 1.5)


# the properties only the packets tell exactly; an UncountedInfo reads them on first use
_COUNTED = ("duration", "frames", "fps", "header_duration")


class UncountedInfo(MediaInfo):
    """A long file as its header describes it; its frames are counted (every packet read) on first use.

    ``frames``, ``duration``, ``fps`` and ``header_duration`` count the whole
    file when first read (one demuxing run, nothing decoded), so every effect
    that uses them sees exact values. A step that needs only the header's view
    (a trim bounds its span by the header's duration, then reads the frames of
    that span alone) reads :attr:`estimate`; a step that states the frame count
    itself hands on a plain, counted MediaInfo built from the estimate.
    """

    def __init__(self, estimate: MediaInfo, count: Callable[[], MediaInfo], changed: frozenset[str] = frozenset()):
        # not the dataclass __init__: the counted properties below shadow those fields
        state = {f.name: getattr(estimate, f.name) for f in fields(MediaInfo) if f.name not in _COUNTED}
        self.__dict__.update(state, _estimate=estimate, _count=count, _changed=changed)

    def _exact(self) -> MediaInfo:
        exact = self.__dict__.get("_exact_info")
        if exact is None:
            whole = self._count()
            exact = replace(self._estimate, **{name: getattr(whole, name) for name in _COUNTED
                                               if name not in self._changed})
            self.__dict__["_exact_info"] = exact
        return exact

    duration = property(lambda self: self._exact().duration)
    frames = property(lambda self: self._exact().frames)
    fps = property(lambda self: self._exact().fps)
    header_duration = property(lambda self: self._exact().header_duration)

    @property
    def counted(self) -> bool:
        return self._count.done

    @property
    def estimate(self) -> MediaInfo:
        return self._estimate

    def replace(self, **changes) -> MediaInfo:
        """Changed properties. A new frame count means the step counted its frames itself (a trim of a
        span): the rest is the header's, and the whole file need never be read."""
        if self._count.done:
            return self._exact().replace(**changes)
        if "frames" in changes:
            return self._estimate.replace(**changes)
        return UncountedInfo(replace(self._estimate, **changes), self._count,
                             self._changed | (changes.keys() & set(_COUNTED)))

    def with_duration(self, duration: float | None) -> MediaInfo:
        return self._exact().with_duration(duration) if self._count.done else self._estimate.with_duration(duration)

    def __repr__(self) -> str:
        return f"UncountedInfo({self._estimate!r})"


_TIME = re.compile(r"time=\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #0:(\d+)[^:]*: Video: (?P<rest>.*)")
_AUDIO = re.compile(r"Stream #0:(\d+)[^:]*: Audio: (?P<rest>.*)")
# "96x64", never a codec tag such as MPEG-TS's "0x001B"
_SIZE = re.compile(r"(?<![0-9a-zA-Z])([1-9]\d{0,4})x([1-9]\d{0,4})(?![0-9a-zA-Z])")
_FPS = re.compile(r"([\d.]+)(k?) fps")
_TBR = re.compile(r"([\d.]+)(k?) tbr")
_ROTATION = re.compile(r"rotation of (-?[\d.]+) degrees")
_FRAMES = re.compile(r"frame=\s*(\d+)")
_RATE = re.compile(r"(\d+) Hz")
_START = re.compile(r"Duration: [^,]+, start: (-?[0-9.]+)")
_CONTAINER = re.compile(r"^Input #0, ([^ ]+), from ", re.MULTILINE)
# Containers without an index: FFmpeg seeks in them by guessing a byte position, and can land keyframes
# after the time asked, or past every keyframe of a short file (no frame at all). A cut reads them from the start.
_SEEKS_BY_GUESS = frozenset({"mpegts", "mpegtsraw", "mpeg", "mpegvideo", "m4v", "h264", "hevc", "vvc", "h261",
                             "h263", "cavsvideo", "dirac", "vc1", "avs2", "avs3", "obu"})
_LAYOUT = re.compile(r"\d+ Hz, ([^,]+),")
_PIX_FMT = re.compile(r"^[^,]*, ([a-z0-9_]+)(?:\(|,)")


def nice_rate(value: float) -> Fraction:
    """The simple fraction FFmpeg most likely rounded to ``value``.

    >>> nice_rate(29.97), nice_rate(25.0), nice_rate(10.51), nice_rate(23.98)
    (Fraction(30000, 1001), Fraction(25, 1), Fraction(21, 2), Fraction(24000, 1001))
    """
    for ntsc in range(1, 241):
        if abs(value - ntsc * 1000 / 1001) < 0.006 and abs(value - ntsc) > 0.01:
            return Fraction(ntsc * 1000, 1001)
    for denominator in (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 25, 50, 100, 1000):
        candidate = Fraction(value).limit_denominator(denominator)
        if candidate and abs(float(candidate) - value) <= value * 0.0015:
            return candidate
    return Fraction(value).limit_denominator(100000)


def parse_ffmpeg_report(text: str, *, counted: bool = True) -> MediaInfo:
    """MediaInfo from what ``ffmpeg -i FILE -c copy -f null -`` writes to stderr.

    ``counted=False``: the report's packet count is of a part only (or there is
    none), so the header alone speaks: no frame count, its duration and rate.
    """
    duration = None
    match = _DURATION.search(text)
    if match:
        duration = int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3])
    width = height = fps = pix_fmt = None
    attached = False
    video = _VIDEO.search(text)
    if video:
        rest = video["rest"]
        size = _SIZE.search(rest)
        if size:
            width, height = int(size[1]), int(size[2])
        average, base = _FPS.search(rest), _TBR.search(rest)
        rate = average or base
        if rate:
            fps = nice_rate(float(rate[1]) * (1000 if rate[2] else 1))
        if average and base:
            # "24.94 fps, 25 tbr": a constant-rate stream whose average is pulled off by an edit gap or
            # audio-led container length; the base rate is the frames' own
            guess = nice_rate(float(base[1]) * (1000 if base[2] else 1))
            if abs(guess - fps) <= fps * Fraction(1, 100):
                fps = guess
        fmt = _PIX_FMT.search(rest)
        pix_fmt = fmt[1] if fmt else None
        attached = "(attached pic)" in rest
        after = text[video.end():].split("Stream #", 1)[0]
        rotation = _ROTATION.search(after)
        if rotation and round(abs(float(rotation[1]))) % 180 == 90 and width:
            width, height = height, width  # FFmpeg rotates on decode
    audio = _AUDIO.search(text)
    sample_rate = channel_layout = None
    if audio:
        rate_match = _RATE.search(audio["rest"])
        sample_rate = int(rate_match[1]) if rate_match else None
        layout_match = _LAYOUT.search(audio["rest"])
        channel_layout = layout_match[1].strip() if layout_match else None
    frames = header_duration = None
    counts = _FRAMES.findall(text) if counted else []
    reached = _TIME.findall(text) if counted else []
    if reached:
        end = _seconds(reached[-1])
        counted_length = int(counts[-1]) / float(fps) if video and counts and fps else None
        if duration is None:  # no length in the header (written to a pipe): count what is there
            duration = counted_length if counted_length is not None else (end or None)
        elif end < duration - max(0.1, 2 / float(fps) if fps else 0.08):
            # a truncated file: the header promises more than the packets deliver
            header_duration, duration = duration, counted_length if counted_length is not None else end
    if video and counts:
        frames = int(counts[-1])
        if duration and frames > 1 and (fps is None or abs(frames / duration - float(fps)) > float(fps) * 0.02):
            fps = nice_rate(frames / duration)  # variable or badly flagged rate: trust the count
    return MediaInfo(
        width=width, height=height, fps=fps, duration=duration, frames=frames,
        has_audio=audio is not None, sample_rate=sample_rate, pix_fmt=pix_fmt, channel_layout=channel_layout,
        start_time=float(start[1]) if (start := _START.search(text)) else 0.0,
        still=frames == 1 if counted else attached, header_duration=header_duration,
        seeks_exactly=not ((container := _CONTAINER.search(text)) and set(container[1].split(",")) & _SEEKS_BY_GUESS),
    )


def depends_on(path: str) -> None:
    """Say that a plan depends on this file or folder (FFmpeg reads it, not Python): an audit event,
    which a stored answer (:mod:`ffx.plancache`) is checked against; free when nobody listens."""
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


def _probe_argv(path: str, ffmpeg: str, limit: float | None = None, listing: bool = False) -> list[str]:
    """Every packet of the first video and audio stream copied to nowhere: FFmpeg's report then has the
    header and the exact count (``-c copy``: nothing decoded). ``limit``: stop after that many seconds.
    ``listing``: the packets are listed on stdout (``framecrc``) instead, so a short file's frame times
    come from this same run (:func:`frame_times`) rather than from a second one."""
    return [ffmpeg, "-hide_banner", "-nostdin", "-i", "file:" + os.path.abspath(path),
            "-map", "0:v:0?", "-map", "0:a:0?", "-c", "copy", *(["-t", f"{limit:g}"] if limit else []),
            "-f", "framecrc" if listing else "null", "-"]


class _WholeCount:
    """Counts every packet of a file once, when first called; what an UncountedInfo resolves with."""

    def __init__(self, path: str, ffmpeg: str):
        self.path, self.ffmpeg, self.done = path, ffmpeg, False
        self._info: MediaInfo | None = None
        self._lock = threading.Lock()

    def __call__(self) -> MediaInfo:
        with self._lock:
            if self._info is None:
                self._info = _read_report(self.path, _run_probe(_probe_argv(self.path, self.ffmpeg), self.path))
                self.done = True
            return self._info

    def __getstate__(self) -> dict:  # a plan shipped to another process keeps what was counted
        return {"path": self.path, "ffmpeg": self.ffmpeg, "done": self.done, "_info": self._info}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _lock=threading.Lock())


def _run_probe(argv: list[str], path: str) -> str:
    return _run_listing_probe(argv, path)[0]


def _run_listing_probe(argv: list[str], path: str) -> tuple[str, str]:
    """FFmpeg's report (stderr) and what it wrote to stdout."""
    try:
        done = process.run(argv, timeout=300)
    except subprocess.TimeoutExpired:
        raise InputError(f"probing {path!r} took too long") from None
    return done.stderr, done.stdout


def _read_report(path: str, text: str, *, counted: bool = True) -> MediaInfo:
    info = parse_ffmpeg_report(text, counted=counted)
    if not info.has_video and not info.has_audio:
        last = text.strip().splitlines()[-1] if text.strip() else "no output"
        raise InputError(f"input {path!r} is not media FFmpeg can read ({last})")
    if info.duration is None and info.frames == 1 and info.fps:
        info = info.replace(duration=float(1 / info.fps))  # a still image: one frame long
    return info


def _identity(path: str) -> tuple[int, int, int, int] | None:
    """What tells a regular file's content changed, or None for anything else."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns) if stat.S_ISREG(info.st_mode) else None


# (absolute path, ffmpeg) -> (file identity when the run started, thread, its report once done)
_early: dict[tuple[str, str], tuple[tuple, threading.Thread, list[tuple[str, str | None]]]] = {}


def probe_early(paths: list[str], ffmpeg: str) -> None:
    """Start probing regular files in the background; :func:`probe` takes the answer.

    The command line calls this before it loads the recipe model, so the FFmpeg
    run (about 50 ms) overlaps Python's own start-up. Anything unusual (a
    missing file, a device, a pipe) is left for probe() to explain.
    """
    for path in paths:
        key, identity = (os.path.abspath(path), ffmpeg), _identity(path)
        if identity is None or key in _early:
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
        _early[key] = (identity, thread, report)


def _early_report(path: str, ffmpeg: str) -> tuple[str, str | None] | None:
    found = _early.pop((os.path.abspath(path), ffmpeg), None)
    if found is None:
        return None
    identity, thread, report = found
    thread.join()
    return report[0] if report and _identity(path) == identity else None


def probe(path: str, ffmpeg: str, *, need_duration: bool = True) -> MediaInfo:
    """Probe a media file with FFmpeg itself (no ffprobe needed).

    A file up to :data:`COUNTED_AHEAD` seconds long is counted exactly in the
    same run; a longer one is read no further and comes back as an
    :class:`UncountedInfo`, counted only if a step asks.
    """
    check_readable_file(path)
    key, identity = (os.path.abspath(path), ffmpeg), _identity(path)
    known = _remembered(path, ffmpeg)
    if known is not None:
        info = known[1]
    else:
        info, listed = _probe_now(path, ffmpeg)
        if identity is not None:
            with _probed_lock:
                _probed.pop(key, None)
                _probed[key] = (identity, info, listed)
                while len(_probed) > _PROBED_KEPT:
                    del _probed[next(iter(_probed))]
    if need_duration and (info.estimate.duration is None or not math.isfinite(info.estimate.duration)):
        raise InputError(f"input {path!r} has no known duration")
    return info


# (absolute path, ffmpeg) -> (file identity, what probe() found, the video packets when it listed them all): a
# file compiled again unchanged (the studio on every keystroke, each piece of a chunked render) is not probed
# again; the oldest answers go first
_probed: dict[tuple[str, str], tuple[tuple, MediaInfo, Listing | None]] = {}
_PROBED_KEPT = 256
_probed_lock = threading.Lock()  # ffx batch compiles in threads


def _probe_now(path: str, ffmpeg: str) -> tuple[MediaInfo, Listing | None]:
    """What the probe found, and the video's packets when the run listed the whole file."""
    found = _early_report(path, ffmpeg)
    if found is not None and found[1] is None and not _long(found[0]):
        found = None  # a header read along with a span (read_span_early) counts nothing: probe properly
    if found is None:
        found = _run_listing_probe(_probe_argv(path, ffmpeg, COUNTED_AHEAD + 1, listing=True), path)
    text, listing = found
    header = _read_report(path, text, counted=False)
    if header.duration is not None and math.isfinite(header.duration) and header.duration > COUNTED_AHEAD:
        return UncountedInfo(header, _WholeCount(path, ffmpeg)), None
    info = _read_report(path, text)
    reached = _TIME.findall(text)
    if header.duration is None and reached and _seconds(reached[-1]) >= COUNTED_AHEAD - 1:
        # no length in the header, and the packets go on past the part read: count them all
        return _WholeCount(path, ffmpeg)(), None
    # Without -copyts FFmpeg shifts every time by the file's start; at a start of 0 the listed times are the
    # file's own, as read_packets reads them. Video is the first stream listed when there is one.
    return info, _parse_packets(listing, stream=0) if info.has_video and info.start_time == 0 else None


def _remembered(path: str, ffmpeg: str) -> tuple[tuple, MediaInfo, Listing | None] | None:
    """What probe() found for this file, if it has probed it and the file is unchanged since."""
    identity = _identity(path)
    with _probed_lock:
        known = _probed.get((os.path.abspath(path), ffmpeg))
    return known if known is not None and identity is not None and known[0] == identity else None


def _seconds(clock: tuple[str, str, str]) -> float:
    return int(clock[0]) * 3600 + int(clock[1]) * 60 + float(clock[2])


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


# a framecrc line: stream, dts, pts, duration, size, crc, then flags (``F=0x..``) unless a plain keyframe
_PACKET = re.compile(r"^(\d+),\s*-?\d+,\s*(-?\d+),\s*(\d+),\s*\d+,\s*0x[0-9a-f]+(.*)$", re.MULTILINE)
_PACKET_FLAGS = re.compile(r"F=0x([0-9A-Fa-f]+)")


def read_packets(path: str, ffmpeg: str, *, what: str, seek: float = 0.0, length: float | None = None,
                 timeout: float = 600) -> tuple[Fraction, list[tuple[int, int, bool]]]:
    """The first video stream's packets as (pts, duration, keyframe), sorted by pts, and its time base.

    One demuxing run (``-c copy`` into the ``framecrc`` muxer, which lists every
    packet's integer pts, duration and flags): nothing is decoded. ``seek`` and
    ``length`` bound the span read; ``what`` names the reading in errors.
    """
    depends_on(path)
    argv = _packets_argv(path, ffmpeg, seek, length)
    done = _early_read(argv, path)
    if done is None:
        try:
            done = process.run(argv, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise InputError(f"reading the {what} of {path!r} took too long") from None
    listing = _parse_packets(done.stdout) if done.returncode == 0 else None
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


# the packet reads started ahead (read_span_early): their command -> (file identity, thread, its result once done)
_early_reads: dict[tuple[str, ...], tuple[tuple, threading.Thread, list[subprocess.CompletedProcess]]] = {}


def read_span_early(path: str, ffmpeg: str, start: float, end: float) -> None:
    """Start, in the background, the packet read :func:`frame_times` will make for ``[start, end)`` of a long
    file, so that it overlaps Python's start-up instead of following it.

    A span that starts past :data:`COUNTED_AHEAD` can only be in a long file, whose probe needs the header
    alone: one FFmpeg run then serves both, the header on stderr and the span's packets on stdout, and the
    file's index (most of such a run in a long MP4) is parsed once. A nearer span waits for the early
    probe (:func:`probe_early`) and is read only if that shows a long file: a short one's probe lists every
    packet already. Only a head start: :func:`probe` and :func:`read_packets` take these answers for the
    same file, unchanged, and the same command.
    """
    key, identity = (os.path.abspath(path), ffmpeg), _identity(path)
    seek, length = _span_read(start, end)
    argv = _packets_argv(path, ffmpeg, seek, length)
    if identity is None or tuple(argv) in _early_reads:
        return
    result: list[subprocess.CompletedProcess] = []
    probing = _early.get(key)
    if probing is None and start > COUNTED_AHEAD:
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
        _early[key] = (identity, thread, header)
        _early_reads[tuple(argv)] = (identity, thread, result)
        return
    if probing is None:
        return

    def run() -> None:
        if start <= COUNTED_AHEAD:  # the file may be short: wait for the probe to say
            probing[1].join()
            report = probing[2]
            if not report or not _long(report[0][0]):
                return
        try:
            result.append(process.run(argv, timeout=600))
        except (OSError, subprocess.SubprocessError):
            pass  # read_packets reads again and reports properly

    thread = threading.Thread(target=run, name="ffx-span", daemon=True)
    thread.start()
    _early_reads[tuple(argv)] = (identity, thread, result)


def _long(report: str) -> bool:
    """The header says the file is longer than what a probe counts in its own run."""
    header = parse_ffmpeg_report(report, counted=False)
    return header.duration is not None and math.isfinite(header.duration) and header.duration > COUNTED_AHEAD


def _early_read(argv: list[str], path: str) -> subprocess.CompletedProcess | None:
    found = _early_reads.pop(tuple(argv), None)
    if found is None:
        return None
    identity, thread, result = found
    thread.join()
    return result[0] if result and _identity(path) == identity else None


# a stream's time base, and its packets as (pts, duration, keyframe) sorted by pts
Listing = tuple[Fraction, list[tuple[int, int, bool]]]


def _parse_packets(text: str, stream: int = 0) -> Listing | None:
    """One stream's packets from ``framecrc`` output; None when the stream is not there."""
    base = re.search(rf"^#tb {stream}: (\d+)/(\d+)", text, re.MULTILINE)
    if base is None:
        return None
    packets = []
    for index, pts, duration, rest in _PACKET.findall(text):
        if int(index) == stream:
            flags = _PACKET_FLAGS.search(rest)
            packets.append((int(pts), int(duration), flags is None or bool(int(flags[1], 16) & 1)))
    return Fraction(int(base[1]), int(base[2])), sorted(packets)


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
                margin: float = FRAME_TIMES_MARGIN) -> FrameTimes:
    """Presentation times of the video frames from about ``start - margin`` to ``end + margin``.

    Reads packets only (``-c copy`` into the ``framecrc`` muxer, which lists every
    packet's integer pts and duration with the time base): nothing is decoded, so a
    span costs one short demuxing run. The container's header cannot tell a
    jittery phone clip from a constant-rate one, and the probe counts frames of
    the whole file only; this is how a trim knows exactly which frames it keeps.
    """
    known = _remembered(path, ffmpeg)
    if known is not None and known[2] is not None and start_time == 0:
        depends_on(path)  # the probe listed the whole file: its frames around the span are all there
        unit, packets = known[2]
    else:
        seek, length = _span_read(start, end, margin)
        if known is not None and not known[1].estimate.seeks_exactly:
            # in a file FFmpeg seeks by guessing (MPEG-TS) a seek can land late or nowhere: read from the start
            seek, length = 0.0, end + margin
        unit, packets = read_packets(path, ffmpeg, what="frame times", seek=seek, length=length)
    offset = Fraction(start_time).limit_denominator(10**6)
    times = tuple(pts * unit - offset for pts, _, _ in packets)
    last_end = (packets[-1][0] + packets[-1][1]) * unit - offset if packets and packets[-1][1] > 0 else None
    return FrameTimes(times=times, end=last_end, unit=unit)


_SEQUENCE_NUMBER = re.compile(r"%(0?\d*)d")
_GLOB_CHARS = re.compile(r"[*?\[]")
MAX_PICTURES = 1_000_000


@dataclass(frozen=True)
class PictureSequence:
    """Pictures read as one stream: how FFmpeg's image2 demuxer is told to find them, and what they hold."""

    pattern: str  # absolute
    input_args: tuple[tuple[str, str], ...]
    files: tuple[str, ...]
    info: MediaInfo


def picture_files(pattern: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The files a pattern names, in FFmpeg's order, and the image2 options that read exactly those.

    ``photos/*.jpg`` is a glob (FFmpeg sorts the matches as ``glob(3)`` does:
    by name); ``frames/%04d.png`` a numbered sequence from its lowest number on,
    without gaps. The folder part is literal.
    """
    folder, name = os.path.split(os.path.abspath(pattern))
    depends_on(folder)  # a picture added or removed changes the sequence
    if _GLOB_CHARS.search(folder) or "%" in folder:
        raise InputError(f"images {pattern!r}: only the file name may be a pattern, not the folder")
    if _GLOB_CHARS.search(name):
        if "%" in name:
            raise InputError(f"images {pattern!r}: a glob pattern cannot hold '%' as well")
        files = sorted(glob.glob(os.path.join(glob.escape(folder), name)))
        return files, [("-pattern_type", "glob")]
    numbered = list(_SEQUENCE_NUMBER.finditer(name))
    if len(numbered) != 1 or name.replace(numbered[0].group(0), "").count("%"):
        raise InputError(f"images {pattern!r} is not a pattern: write photos/*.jpg or frames/%04d.png")
    start = next((n for n in range(5) if os.path.isfile(os.path.join(folder, name % n))), None)
    files = []
    if start is not None:
        while len(files) < MAX_PICTURES and os.path.isfile(os.path.join(folder, name % (start + len(files)))):
            files.append(os.path.join(folder, name % (start + len(files))))
    return files, [("-start_number", str(start or 0))]


def probe_pictures(pattern: str, rate: Fraction, ffmpeg: str) -> PictureSequence:
    """A picture sequence as a stream at ``rate``: one frame per picture, the first picture's size."""
    files, options = picture_files(pattern)
    if not files:
        raise InputError(f"images {pattern!r} matches no file")
    if len(files) > MAX_PICTURES:
        raise InputError(f"images {pattern!r} matches more than {MAX_PICTURES} files")
    for file in files:
        check_readable_file(file)
    first = probe(files[0], ffmpeg, need_duration=False)
    if not first.has_video:
        raise InputError(f"images {pattern!r}: {files[0]!r} is not a picture")
    count = len(files)
    info = MediaInfo(width=first.width, height=first.height, fps=rate, duration=float(count / rate), frames=count,
                     pix_fmt=first.pix_fmt, alpha=first.alpha)
    args = (("-f", "image2"), *options, ("-framerate", str(rate.numerator if rate.denominator == 1 else
                                                            f"{rate.numerator}/{rate.denominator}")))
    return PictureSequence(os.path.abspath(pattern), args, tuple(files), info)
