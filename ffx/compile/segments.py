"""Reverse a long input in bounded memory: segments reversed one at a time, fed through pipes.

FFmpeg's ``reverse`` and ``areverse`` hold the whole clip. Here the clip is cut
into segments that fit the memory budget, and one FFmpeg *feeder* per segment,
last segment first, decodes it (seeking from the keyframe before it), reverses
it and writes raw frames and raw samples into two pipes. A single encoding
FFmpeg reads the pipes as ordinary inputs, so what follows the reverse (more
steps, the encoder, a boomerang's forward half) is built as usual, and its
``-progress`` covers the whole job. Only one feeder runs at a time.

Exactness: video feeders keep original timestamps (``-copyts``) and cut with
``trim`` at absolute positions, so consecutive segments share their boundary
exactly: every frame lands in exactly one segment. Boundaries sit half a
frame before a frame, never on one. The audio is reversed whole by one more
feeder running alongside (see :func:`build_feed`). Segments
follow the keyframes where a group of pictures fits the budget, so no frame
is decoded twice; a longer group is split, and its later parts decode from
its keyframe again (each feeder seeks just past the keyframe it needs).

Measured (docs/design.md): one command with a seeked input per segment keeps
several segments and every input's decoder alive at once, and grows with the
segment count; sequential feeders stay flat.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..filtergraph import graph
from ..media.info import MediaInfo
from ..syntax.timecode import format_seconds
from .plan import Lane

PIPE_TOKEN = "pipe:FFX_PIPE_{}"  # replaced by real descriptors when run, by FIFO paths when printed



@dataclass(frozen=True)
class Segment:
    """Frames ``[first, end)`` of the reversed span, and their absolute time bounds."""

    first: int
    end: int
    start_time: float
    end_time: float
    seek: float | None = None  # file time a feeder seeks to: just past the keyframe to decode from




def plan_segments(first: int, end: int, fps: float, keyframes: list[float], max_frames: int,
                  offset: float = 0.0) -> list[Segment]:
    """Cut frames ``[first, end)`` into segments of at most ``max_frames``, on keyframes where possible.

    ``keyframes`` are times in the input file; ``offset`` is the time of frame 0
    in the file (a fast-seek trim before the reverse).

    >>> [(s.first, s.end) for s in plan_segments(0, 10, 1.0, [0, 4, 8], 5)]
    [(0, 4), (4, 8), (8, 10)]
    >>> [(s.first, s.end) for s in plan_segments(0, 10, 1.0, [0], 4)]
    [(0, 2), (2, 6), (6, 10)]
    """
    starts = sorted({k for k in (round((t - offset) * fps) for t in keyframes) if first < k < end})
    groups = [first, *starts, end]
    bounds = [first]
    for low, high in zip(groups, groups[1:]):
        if high - bounds[-1] <= max_frames:
            continue  # the next group of pictures still fits in the current segment
        if low > bounds[-1]:
            bounds.append(low)  # close the segment at this keyframe
        if high - bounds[-1] > max_frames:
            # a group longer than the budget: every part decodes from the group's keyframe up to its own
            # end, so the later parts take the full budget and the first takes what is left over
            parts = -(-(high - bounds[-1]) // max_frames)
            bounds.extend(high - max_frames * i for i in range(parts - 1, 0, -1))
    bounds.append(end)
    # half a frame before each boundary frame: never on a frame, so trim cannot hesitate
    times = [offset + (b - 0.5) / fps if b > 0 else offset - 0.5 / fps for b in bounds]
    return [Segment(a, b, ta, tb, seek_point(ta, keyframes, fps))
            for a, b, ta, tb in zip(bounds, bounds[1:], times, times[1:])]


def seek_point(start_time: float, keyframes: list[float], fps: float) -> float | None:
    """Where a feeder seeks (with ``-noaccurate_seek``) to decode a segment starting at ``start_time``.

    The demuxer lands on the last keyframe at or before the target. Seeking to
    the segment's bound itself would miss a keyframe that *is* the segment's
    first frame (half a frame after the bound) and decode a whole group more;
    so the target is just past the last keyframe at or before the first frame.
    None: that keyframe is the file's first, so no seek is needed.

    >>> seek_point(1.98, [0.0, 2.0, 4.0], 25.0), seek_point(2.98, [0.0, 2.0, 4.0], 25.0)
    (2.01, 2.01)
    >>> seek_point(1.02, [0.0, 2.0], 25.0) is None
    True
    """
    ordered = sorted(keyframes)
    usable = [k for k in ordered if k <= start_time + 0.6 / fps]
    if len(usable) < 2:
        return None
    later = [k for k in ordered if k > usable[-1]]
    margin = min(0.25 / fps, (later[0] - usable[-1]) / 2) if later else 0.25 / fps
    return usable[-1] + margin




@dataclass(frozen=True)
class Feed:
    """The feeders of one segmented reverse and how the encoder reads what they write."""

    feeders: tuple[tuple[str, ...], ...]  # video: FFmpeg argv (no binary), last segment first, one at a time
    audio_feeder: tuple[str, ...] | None  # the whole span's audio reversed at once, alongside the video
    video_input: tuple[tuple[str, str], ...]  # input options of the raw video pipe
    audio_input: tuple[tuple[str, str], ...] | None
    pipes: tuple[str, ...]  # tokens: video, then audio

    def lanes(self) -> list[Lane]:
        lanes = [Lane(self.pipes[0], self.feeders)]
        if self.audio_feeder is not None:
            lanes.append(Lane(self.pipes[1], (self.audio_feeder,)))
        return lanes


def _span(start: float | None, end: float | None) -> list[tuple[str, str]]:
    options = ([("start", format_seconds(start))] if start is not None else []) + (
        [("end", format_seconds(end))] if end is not None else [])
    return options


def build_feed(path: str, info: MediaInfo, segments: list[Segment], has_audio: bool, index: int,
               clip_end: float | None) -> Feed:  # index: the first free pipe number
    """Feeder commands for ``segments`` of the file at ``path`` and the raw inputs that receive them.

    ``clip_end`` is where the span stops when it reaches the clip's end: None
    reads to the end of the file (the audio may run a little past the last frame).

    Audio is reversed whole by one feeder that runs beside the video feeders:
    it is small (5 minutes of stereo is 115 MB as floats) and so has no seams.
    Sample positions after a seek come from container timestamps, which
    Matroska keeps in milliseconds, so cutting audio at seeked seams would be
    off by a few samples.
    """
    pix_fmt = info.pix_fmt or "yuv420p"
    rate = info.fps
    video_pipe = PIPE_TOKEN.format(index)
    audio_pipe = PIPE_TOKEN.format(index + 1) if has_audio else None
    layout = info.channel_layout or "stereo"
    sample_rate = info.sample_rate or 48000
    span_end = clip_end if segments[-1].end == info.frames else segments[-1].end_time
    shown = [graph.filter_spec(name, list(options)) for name, options in info.input_filters]
    feeders = []
    for seg in reversed(segments):
        end_time = span_end if seg is segments[-1] else seg.end_time
        span = _span(max(seg.start_time, 0.0) if seg.first > 0 else None, end_time)
        # the input's own filters first (compile/normalise.py: deinterlaced, tone-mapped, made square), on the
        # frames decoded from the keyframe on, so a field's or a scaler's neighbours are the whole file's
        chain = [*shown, graph.filter_spec("trim", span) if span else "null", "reverse",
                 graph.filter_spec("format", [("pix_fmts", pix_fmt)])]
        argv = ["-copyts"]
        if seg.seek is not None:
            # decode from the keyframe and keep every frame: trim, at absolute times, does the exact cut
            argv += ["-noaccurate_seek", "-ss", format_seconds(seg.seek)]
        if end_time is not None:
            argv += ["-t", format_seconds(end_time - (seg.seek or 0.0) + 1.0)]
        # -fps_mode passthrough: each frame exactly once, even where the input's timestamps wander
        argv += ["-i", "file:" + path, "-map", "0:v:0", "-vf", ",".join(chain), "-fps_mode", "passthrough",
                 "-f", "rawvideo", video_pipe]
        feeders.append(tuple(argv))
    audio_feeder = None
    if has_audio:
        first = segments[0]
        span = _span(max(first.start_time, 0.0) if first.first > 0 else None, span_end)
        achain = [graph.filter_spec("atrim", span) if span else "anull", "areverse",
                  graph.filter_spec("aformat", [("sample_fmts", "flt"), ("channel_layouts", layout),
                                                ("sample_rates", str(sample_rate))])]
        audio_feeder = ("-copyts", "-i", "file:" + path, "-map", "0:a:0", "-af", ",".join(achain),
                        "-f", "f32le", audio_pipe)
    video_input = (("-f", "rawvideo"), ("-pix_fmt", pix_fmt), ("-video_size", f"{info.width}x{info.height}"),
                   ("-framerate", graph.option_text(rate)), *(
                       # raw frames carry no colour tags: the file's, as the steps see them (a tone-mapped
                       # picture is BT.709), so the encoder after them tags and converts as for the plain reverse
                       (option, value) for option, value in (
                           ("-color_primaries", info.color_primaries), ("-color_trc", info.color_transfer),
                           ("-colorspace", info.color_matrix), ("-color_range", info.color_range)) if value))
    audio_input = ((("-f", "f32le"), ("-ar", str(sample_rate)), ("-ch_layout", layout)) if has_audio else None)
    pipes = (video_pipe,) + ((audio_pipe,) if audio_pipe else ())
    return Feed(tuple(feeders), audio_feeder, video_input, audio_input, pipes)


__all__ = ["Feed", "Segment", "build_feed", "plan_segments", "seek_point"]
