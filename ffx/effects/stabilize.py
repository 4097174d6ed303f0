"""stabilize: steady a shaky clip in two passes of vid.stab.

Pass 1 (``vidstabdetect``) measures the camera's motion between frames and
writes it to a transforms file; pass 2 (``vidstabtransform``) reads the whole
file when it starts, smooths the camera path over ``smoothing`` frames each
side and moves every frame back onto it. The second pass cannot start before
the first has finished, so the plan runs them one after the other as a lane
feeding the final FFmpeg through a pipe: the decoding, the steps before this
one and both passes in feeding commands, everything after it (and the audio)
in the final command, which waits for the first stabilized frame.

The transforms file is private: ``ffx render`` keeps it in a temporary folder
it removes afterwards (success, failure or interruption), and ``ffx compile``
prints it inside the script's own ``$work`` folder, which the script removes
on exit. Its path is never a recipe value: raw ``filter`` steps still may not
name ``vidstabdetect`` or ``vidstabtransform`` (they can write and read any
file), while this effect, which decides the path itself, is allowed.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#vidstabdetect-1 and #vidstabtransform-1
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Effect
from .context import Clip, RawVideo, StepContext, StepError, provided


class Stabilize(Effect):
    """Steady a shaky clip (two passes of vid.stab): the camera path smoothed over ``smoothing`` frames each side."""

    effect: Literal["stabilize"] = "stabilize"
    smoothing: int = Field(15, ge=0, le=500, description="frames each side the camera path is averaged over: more is steadier (0: a fixed camera)")
    shakiness: int = Field(5, ge=1, le=10, description="how shaky the clip is (1 little, 10 very): the range searched for motion")
    accuracy: int = Field(15, ge=1, le=15, description="accuracy of the motion detection (15 best, slower)")
    zoom: float = Field(0.0, ge=-50, le=50, description="extra zoom in percent (beyond the automatic zoom that hides the moving borders)")
    borders: Literal["keep", "black"] = Field("keep", description="what fills the uncovered edges: the previous frames' pixels (keep) or black")

    main_parameter = "smoothing"
    example = "- stabilize: {smoothing: 15, shakiness: 5}"
    unbounded_because = "analyses the whole clip first"
    requires = frozenset({"video", "known_length", "frame_rate"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        feeders = provided(ctx.feeders, "feeders (commands that write into pipes)")
        if feeders.reads_pipe(clip.video):
            raise StepError("stabilize reads the clip twice and cannot follow a step that streams it through a pipe "
                            "(a reverse beyond the memory budget, a numpy stage)",
                            hint="stabilize first, or raise --max-memory so the reverse stays in one piece")
        transforms = feeders.scratch_file()
        detected = ctx.chain(clip.video, "vidstabdetect", {
            "shakiness": self.shakiness, "accuracy": self.accuracy, "result": transforms})
        # back to the stream's own format for the pipe (RGBA if it carries transparency)
        pix_fmt = "rgba" if info.alpha else (info.pix_fmt or "yuv420p")
        moved = ctx.chain(clip.video, "vidstabtransform", {
            "input": transforms, "smoothing": self.smoothing, "zoom": self.zoom or None,
            "crop": "black" if self.borders == "black" else None})
        moved = ctx.chain(moved, "format", {"pix_fmts": pix_fmt})
        frames = RawVideo(pix_fmt, info.width, info.height, info.fps)
        video = feeders.measured_then_piped(detected, moved, frames, transforms)
        return clip.evolve(video=video, info=info.replace(pix_fmt=pix_fmt))
