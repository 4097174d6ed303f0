"""``crop: auto``: the black bars found on a few sampled frames, cropped away.

The frames looked at are :data:`~ffx.media.cropdetect.SAMPLES`, spread over
the clip. A file longer than :data:`SEEK_BEYOND` seconds, still as read
(``crop: auto`` as a first step, the usual place), is sampled by seeking
(``-ss`` before ``-i``), so a two-hour film is not decoded whole. Each seek
decodes from the keyframe before it, which on a short clip with sparse
keyframes costs more than decoding it once (a 9.6 s film with 10 s between
keyframes: 2.1 s seeking, against 0.4 s decoding it all); there, and later in
a recipe, the stream as built so far is decoded and one frame in every
``frames / SAMPLES`` is looked at. What counts as a bar, and why not cropdetect's average rule:
:mod:`ffx.media.cropdetect`.
"""

from __future__ import annotations

from ..filtergraph import graph
from ..filtergraph.graph import Pad
from ..media.cropdetect import SAMPLES, PictureBox, picture_box, picture_edges, sample_times
from ..syntax.timecode import format_seconds
from .context import Clip, StepContext, require

SEEK_BEYOND = 60.0  # seconds: longer files are sampled by seeking, shorter ones decoded once


def _sampled(clip: Clip, ctx: StepContext) -> Pad:
    """The frames looked at, as one stream."""
    info, node = clip.info, clip.input_node
    fps = float(info.fps) if info.fps else 25.0
    if (node is not None and node.name.startswith("file:") and not node.input_args
            and not getattr(info, "input_filters", ()) and info.duration and info.duration > SEEK_BEYOND):
        pads = []
        for time in sample_times(info.duration):
            # -t bounds the reading after the seek: a few frames, of which the first is kept
            sample = graph.input_node(node.name, [("-ss", format_seconds(time)), ("-t", format_seconds(3 / fps))],
                                      True, False)
            sample.streams = dict(node.streams)
            pads.append(ctx.chain(graph.input_pad(sample, graph.VIDEO), "trim", {"end_frame": 1}))
        return ctx.filter("concat", pads, {"n": len(pads), "v": 1, "a": 0}).pad()
    frames = info.frames or round(info.duration * fps)
    every = max(1, frames // SAMPLES)
    return ctx.chain(clip.video, "select", {"expr": f"not(mod(n,{every}))"})


def find_picture(clip: Clip, ctx: StepContext) -> PictureBox | None:
    """The rectangle of ``clip``'s frames that is picture, not bars (None: every frame looked at was black);
    what was found is said for ``validate`` and ``compile``."""
    require(clip, {"known_length", "read_ahead"})
    width, height = clip.info.width, clip.info.height
    box = picture_box(ctx.analyse(_sampled(clip, ctx), picture_edges()), width, height)
    if box is None:
        ctx.tell("every frame looked at is black: nothing cropped")
    else:
        ctx.tell(box.describe(width, height))
    return box
