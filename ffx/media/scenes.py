"""Scene changes: the filters of the pass that finds them, and the reading of what it prints.

FFmpeg's ``scdet`` scores each frame against the one before (the sum of
absolute differences, 0 to 100) and tags the frames whose score passes the
threshold; a ``metadata`` filter after it prints those frames with their
number. On YUV frames scdet compares luma alone, so a cut between two shots of
the same brightness (red to green, a 4:2:0 clip at 29.97 fps) scored 1.95, below
the motion inside shots; the pass gives it planar RGB (``format=gbrp``), where
that clip's five cuts scored 45 to 88 and nothing else over 2.8 (the Chaplin
excerpt, which has no cut, at most 3.3; a fire, 8.5). The frame number is what the recipe needs: a scene's first frame,
exactly, whatever the timestamps (``scdet``'s own ``lavfi.scd.time`` is printed
with six significant digits, a millisecond off after 1000 s). Measured on a
25 fps clip with five hard cuts at frames 25, 62, 82, 113 and 141 (solid colours
with a moving pattern inside each scene): ``scdet`` at its default threshold
and ``select='gt(scene,0.3)'`` both give exactly those frames; ``scdet`` ran
in 0.05 s, ``select`` + ``metadata`` in 0.14 s.

FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#scdet-1 and #metadata_002c-ametadata
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .analysis import Analysis

DEFAULT_THRESHOLD = 10.0  # scdet's own default: a hard cut scores 30 to 100, motion inside a scene a few

# "[Parsed_metadata_1 @ 0x...] frame:62   pts:2480    pts_time:2.48" (the prefix absent when printed to a file)
_FRAME = re.compile(r"frame:(\d+)\s+pts:(-?\d+|NOPTS)\s+pts_time:(\S+)")
_TAGGED = "lavfi.scd.time="  # scdet sets its score on every frame, its time only on the frames it tags


@dataclass(frozen=True)
class SceneCut:
    """A frame where a new scene starts: its number in the stream and its time."""

    frame: int
    time: float


CUTS_EVERY = 1.5  # seconds between the cuts of the generated ``cuts`` source


def cuts_source(size: str, rate: str, duration: str) -> str:
    """The lavfi chain of the generated ``cuts`` source: FFmpeg's moving test pattern given a new hue and
    brightness every :data:`CUTS_EVERY` seconds, so it cuts to a new scene there (a clip to try scene
    detection on without media; scdet at its default threshold finds every cut and nothing else).

    >>> cuts_source("640x360", "25", "9")
    "testsrc2=size=640x360:rate=25:duration=9,hue=h='72*mod(floor(t/1.5),5)':b='2*mod(floor(t/1.5),3)-2'"
    """
    scene = f"floor(t/{CUTS_EVERY:g})"
    return (f"testsrc2=size={size}:rate={rate}:duration={duration},"
            f"hue=h='72*mod({scene},5)':b='2*mod({scene},3)-2'")


def scene_filters(threshold: float = DEFAULT_THRESHOLD) -> list[tuple[str, dict]]:
    """The filters (name, options) that find the cuts: planar RGB, ``scdet``, then ``metadata`` printing the
    frames it tagged (to the log, where :func:`read_scene_cuts` reads them).

    >>> [name for name, _ in scene_filters(12)]
    ['format', 'scdet', 'metadata']
    """
    return [("format", {"pix_fmts": "gbrp"}), ("scdet", {"threshold": threshold}),
            ("metadata", {"mode": "print", "key": "lavfi.scd.time"})]


def scene_cuts(threshold: float = DEFAULT_THRESHOLD) -> Analysis:
    """The pass over a stream that finds where its scenes change: ``[frame, time]`` of each cut."""
    filters = tuple((name, tuple(options.items())) for name, options in scene_filters(threshold))
    return Analysis("scene changes", "video", filters, _read_cuts)


def _read_cuts(lines: list[str]) -> list[list[float]]:
    return [[cut.frame, cut.time] for cut in read_scene_cuts("\n".join(lines))]


def read_scene_cuts(log: str) -> list[SceneCut]:
    """The cuts in what the :func:`scene_filters` pass printed, in frame order.

    >>> read_scene_cuts('''[Parsed_metadata_1 @ 0x7f] frame:25   pts:1000    pts_time:1
    ... [Parsed_metadata_1 @ 0x7f] lavfi.scd.time=1
    ... frame:62   pts:2480    pts_time:2.48
    ... lavfi.scd.time=2.48''')
    [SceneCut(frame=25, time=1.0), SceneCut(frame=62, time=2.48)]
    """
    cuts: list[SceneCut] = []
    pending: tuple[int, float] | None = None
    for line in log.splitlines():
        frame = _FRAME.search(line)
        if frame:
            time = frame.group(3)
            pending = (int(frame.group(1)), float(time) if time not in ("NOPTS", "nan") else float("nan"))
            continue
        if _TAGGED in line and pending is not None:
            cuts.append(SceneCut(*pending))
            pending = None
    return sorted({cut.frame: cut for cut in cuts if cut.frame > 0}.values(), key=lambda cut: cut.frame)


def scene_spans(cuts: list[int], frames: int) -> list[tuple[int, int]]:
    """The scenes as frame spans ``[first, end)``: from the start to the first cut, between cuts, to the end.

    >>> scene_spans([25, 62], 100)
    [(0, 25), (25, 62), (62, 100)]
    >>> scene_spans([], 10)
    [(0, 10)]
    """
    edges = [0, *sorted(c for c in set(cuts) if 0 < c < frames), frames]
    return list(zip(edges[:-1], edges[1:]))


def describe_cuts(times: list[float], shown: int = 8) -> str:
    """The cuts as ``validate`` and ``compile`` say them.

    >>> describe_cuts([1.0, 2.48])
    '2 cuts at 1.000, 2.480'
    >>> describe_cuts([])
    'no cut (one scene)'
    >>> describe_cuts([float(i) for i in range(10)], shown=3)
    '10 cuts at 0.000, 1.000, 2.000, ... 9.000'
    """
    if not times:
        return "no cut (one scene)"
    words = [f"{t:.3f}" for t in times]
    if len(words) > shown:
        words = [*words[:shown], "... " + words[-1]]
    return f"{len(times)} cut{'s' * (len(times) != 1)} at {', '.join(words)}"


__all__ = ["CUTS_EVERY", "DEFAULT_THRESHOLD", "cuts_source", "SceneCut", "describe_cuts", "read_scene_cuts", "scene_cuts", "scene_filters",
           "scene_spans"]
