"""What FFmpeg's own report says about a file: its header on stderr, its packets as listed by
the ``framecrc`` muxer. Pure text parsing: no process is run here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from statistics import median_low

from .info import MediaInfo, nice_rate
from .streams import choose_streams, picture_facts, read_streams

_TIME = re.compile(r"time=\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
# "96x64", never a codec tag such as MPEG-TS's "0x001B"
_SIZE = re.compile(r"(?<![0-9a-zA-Z])([1-9]\d{0,4})x([1-9]\d{0,4})(?![0-9a-zA-Z])")
_FPS = re.compile(r"([\d.]+)(k?) fps")
_TBR = re.compile(r"([\d.]+)(k?) tbr")
# HDR10's static metadata, as FFmpeg lists a stream's side data
_MASTERING = re.compile(r"Mastering display metadata: (.*)$", re.MULTILINE)
_LIGHT = re.compile(r"Content light level metadata: MaxCLL=(\d+), MaxFALL=(\d+)")
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


def parse_ffmpeg_report(text: str, *, counted: bool = True, video_stream: int | None = None,
                        audio_stream: int | None = None) -> MediaInfo:
    """MediaInfo from what ``ffmpeg -i FILE -c copy -f null -`` writes to stderr.

    ``counted=False``: the report's packet count is of a part only (or there is
    none), so the header alone speaks: no frame count, its duration and rate.
    ``video_stream``/``audio_stream``: which of the file's video and audio streams is described (FFmpeg's
    ``v:N``/``a:N``); by default the ones a player shows (:func:`~ffx.media.streams.choose_streams`).
    """
    streams = read_streams(text)
    chosen_video, chosen_audio = choose_streams(streams, video_stream, audio_stream)
    duration = None
    match = _DURATION.search(text)
    if match:
        duration = int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3])
    width = height = fps = pix_fmt = None
    attached = False
    video = chosen_video
    facts: dict = {}
    if video:
        rest = video.rest
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
        attached = video.attached
        facts = picture_facts(rest)
        mastering, light = _MASTERING.search(video.after), _LIGHT.search(video.after)
        if mastering:  # HDR10's side data, as the container says it (SEI alone is seen only when decoded)
            facts["mastering_display"] = mastering[1].strip()
        if light:
            facts["content_light"] = (int(light[1]), int(light[2]))
        rotation = _ROTATION.search(video.after)
        if rotation and round(float(rotation[1])) % 360:
            facts["rotation"] = round(float(rotation[1])) % 360  # the display matrix's, anticlockwise
        if rotation and round(abs(float(rotation[1]))) % 180 == 90 and width:
            width, height = height, width  # FFmpeg rotates on decode
            facts["sample_aspect"] = 1 / facts["sample_aspect"]  # a pixel's width is now its height
    audio = chosen_audio
    sample_rate = channel_layout = None
    if audio:
        rate_match = _RATE.search(audio.rest)
        sample_rate = int(rate_match[1]) if rate_match else None
        layout_match = _LAYOUT.search(audio.rest)
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
        container=container[1] if container else None, cover=attached,
        video_index=video.index if video else None, audio_index=audio.index if audio else None,
        first_streams=all(stream is None or stream.position == 0 for stream in (video, audio)), **facts,
    )


def _seconds(clock: tuple[str, str, str]) -> float:
    return int(clock[0]) * 3600 + int(clock[1]) * 60 + float(clock[2])


def reached_time(text: str) -> float | None:
    """How far into the file the report's run read (its last ``time=``), in seconds; None: no such line.

    >>> reached_time("frame=  10 time=00:00:00.40 ...\\rframe=  25 time=00:01:02.50 ...")
    62.5
    """
    reached = _TIME.findall(text)
    return _seconds(reached[-1]) if reached else None


# a framecrc line: stream, dts, pts, duration, size, crc, then flags (``F=0x..``) unless a plain keyframe
_PACKET = re.compile(r"^(\d+),\s*(-?\d+),\s*(-?\d+),\s*(\d+),\s*\d+,\s*0x[0-9a-f]+(.*)$", re.MULTILINE)
_PACKET_FLAGS = re.compile(r"F=0x([0-9A-Fa-f]+)")
_NO_TIME = -(2**63)  # AV_NOPTS_VALUE: AVI's B-frames carry no pts, only their place in decoding order
_KEY, _DISCARD = 0x1, 0x4  # AV_PKT_FLAG_KEY; AV_PKT_FLAG_DISCARD: before an edit list's start, never shown


# a stream's time base, and its packets as (pts, duration, keyframe) sorted by pts
Listing = tuple[Fraction, list[tuple[int, int, bool]]]


def parse_packets(text: str, stream: int = 0) -> Listing | None:
    r"""One stream's packets from ``framecrc`` output, as a decoder delivers them; None when the stream is
    not there. A packet an MP4's edit list cuts (flagged discard) is decoded but never shown: left out. A
    packet without a pts (AVI's) is placed at its dts.

    >>> parse_packets("#tb 0: 1/25\n0, -2, -1, 1, 9, 0x0, F=0x5\n0, -1, 1, 1, 9, 0x0, F=0x0\n"
    ...               "0, 0, -9223372036854775808, 1, 9, 0x0, F=0x0\n")
    (Fraction(1, 25), [(0, 1, False), (1, 1, False)])
    """
    base = re.search(rf"^#tb {stream}: (\d+)/(\d+)", text, re.MULTILINE)
    if base is None:
        return None
    packets = []
    for index, dts, pts, duration, rest in _PACKET.findall(text):
        if int(index) == stream:
            found = _PACKET_FLAGS.search(rest)
            flags = _KEY if found is None else int(found[1], 16)
            if not flags & _DISCARD:
                time = int(dts) if int(pts) == _NO_TIME else int(pts)
                packets.append((time, int(duration), bool(flags & _KEY)))
    return Fraction(int(base[1]), int(base[2])), sorted(packets)


@dataclass(frozen=True)
class ListedSpan:
    """When a stream's listed packets start and stop showing (seconds, from the file's start as FFmpeg
    shifts it), how many there are, and their usual spacing."""

    start: Fraction
    end: Fraction
    count: int
    step: Fraction | None  # the median distance between packets: a frame at the stream's own rate
    gaps: bool  # a distance over 1.5 steps somewhere: the picture stops and goes on


def listed_span(listing: Listing | None) -> ListedSpan | None:
    """The span of a stream's packets (:func:`parse_packets`); None when it has none.

    >>> span = listed_span((Fraction(1, 25), [(0, 1, True), (1, 1, False), (2, 1, False), (30, 1, False)]))
    >>> float(span.start), float(span.end), span.count, span.step, span.gaps
    (0.0, 1.24, 4, Fraction(1, 25), True)
    """
    if listing is None or not listing[1]:
        return None
    unit, packets = listing
    times = [pts for pts, _, _ in packets]
    steps = [b - a for a, b in pairwise(times) if b > a]
    step = median_low(steps) if steps else None
    last = packets[-1][1] or step or 0
    gaps = step is not None and any(distance > 1.5 * step for distance in steps)
    return ListedSpan(times[0] * unit, (times[-1] + last) * unit, len(times),
                      Fraction(step) * unit if step else None, gaps)
