"""One file per scene: an output named with ``{index}`` (``-o 'scene_{index}.mp4'``).

The scenes are those of a ``scenes`` step right before the output, else the
ones FFmpeg's ``scdet`` finds at its default threshold (a pass before the
render, said by ``validate`` and ``compile``). One FFmpeg command writes them
all: the encoder starts a keyframe on each scene's first frame
(``-force_key_frames``), and the ``segment`` muxer starts a new file on exactly
those frames (``-segment_frames``), each file's timestamps from 0. So each file
holds its scene's frames, no more, no fewer, whatever the codec's GOP. As with
an image sequence, the files are written into a private folder and moved into
place together when FFmpeg has succeeded (``run/sequence.py``).

``{index}`` counts from 1; ``{index:03d}`` pads it with zeros (``scene_001.mp4``).
FFmpeg docs: https://ffmpeg.org/ffmpeg-formats.html#segment_002c-stream_005fsegment_002c-ssegment
"""

from __future__ import annotations

import os
import re

from ..effects.context import Clip, StepContext, StepError
from ..effects.scenes import found_scenes

INDEX = re.compile(r"\{index(?::(0?[1-9]?)d?)?\}")
ENDLESS = "1000000000"  # seconds: the segment muxer cuts every 2 s by default; one scene is one file


def per_scene(path: str) -> bool:
    """Whether an output path names one file per scene (``{index}`` in its file name).

    >>> per_scene("out/scene_{index}.mp4"), per_scene("out/{index}/x.mp4"), per_scene("scene.mp4")
    (True, False, False)
    """
    return "{index" in os.path.basename(path)


def numbered_pattern(path: str) -> str:
    """The file name as the segment muxer numbers it: ``{index}`` -> ``%d``, any other ``%`` doubled.

    >>> numbered_pattern("out/50%_{index:03d}.mp4")
    'out/50%%_%03d.mp4'
    """
    folder, name = os.path.split(path)
    parts = INDEX.split(name.replace("%", "%%"))
    if len(parts) != 3 or "{" in parts[0] + parts[2] or "}" in parts[0] + parts[2]:
        raise StepError(f"{name!r} names one file per scene with one {{index}} (or {{index:03d}}), and nothing "
                        "else in braces", field="path")
    return os.path.join(folder, f"{parts[0]}%{parts[1] or ''}d{parts[2]}")


def split_at_scenes(clip: Clip, ctx: StepContext, args: list[tuple[str, str]], output) -> list[tuple[str, str]]:
    """The options of ``output`` (a :class:`~ffx.recipe.output.Output`), a video written as one file per scene
    of ``clip``."""
    numbered_pattern(output.path)  # a name it cannot number is refused here, naming the field
    kind, fps = output.kind, output.fps
    if kind != "video":
        raise StepError(f"one file per scene is written as video files, not as {kind}", field="path",
                        hint="name the files .mp4, .mkv, .mov or .webm")
    if fps is not None:
        raise StepError("one file per scene counts the scenes' frames, which fps would change", field="fps",
                        hint="set the rate with an fps step before the scenes step")
    if clip.info.frames is None or not clip.info.fps:
        raise StepError("one file per scene needs a clip of known frames and rate (a live source has no end)",
                        field="path")
    spans = found_scenes(clip, ctx)
    names = [os.path.basename(numbered_pattern(output.path)) % n for n in sorted({1, len(spans)})]
    ctx.tell(f"{len(spans)} file{'s' * (len(spans) != 1)}, one per scene: {' ... '.join(names)}")
    cuts = [str(first) for first, _ in spans[1:]]
    kept = []
    for name, value in args:
        if name == "-f":
            continue
        if name == "-movflags":  # an option of the files' muxer, not of the segment muxer
            name, value = "-segment_format_options", f"movflags={value}"
        kept.append((name, value))
    if ("-c:v", "ffv1") in args:
        kept.append(("-g", "1"))  # FFV1 starts a keyframe every -g frames (12) and ignores forced ones
    if cuts:
        kept += [("-force_key_frames", "expr:" + "+".join(f"eq(n,{cut})" for cut in cuts)),
                 ("-segment_frames", ",".join(cuts))]
    else:
        kept += [("-segment_time", ENDLESS)]
    return kept + [("-segment_start_number", "1"), ("-reset_timestamps", "1"), ("-segment_format", output.muxer()),
                   ("-f", "segment")]


def files_expected(segment_frames: str | None) -> int:
    """How many files a per-scene output writes, from its ``-segment_frames`` (None: one scene).

    >>> files_expected("25,62"), files_expected(None)
    (3, 1)
    """
    return 1 if not segment_frames else segment_frames.count(",") + 2


__all__ = ["files_expected", "numbered_pattern", "per_scene", "split_at_scenes"]
