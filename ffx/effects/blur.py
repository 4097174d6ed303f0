"""blur: a Gaussian blur of the whole frame, or of one rectangle (a face, a number plate).

The whole frame is one ``gblur``. A region is cut out (``crop``), blurred and
laid back over the frame (``overlay``), so everything outside it stays
bit-exact; the blur sees only the region's own pixels, so its edge does not
bleed in from outside. In 4:2:0 video a region with odd edges is blurred in
planar RGB so its outline is exact to the pixel. ``sigma`` can move: gblur takes it as a runtime
command, so keyframes (``sigma: {0: 0.1, 2: 12}``) become ``sendcmd`` commands setting it on every frame.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#gblur
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Effect
from .context import Clip, StepContext
from .crop import Rectangle
from .keyframes import MOVES_OVER_TIME, Keyframes, commanded, fixed, moves, moving


class Blur(Effect):
    """Blur with a Gaussian of ``sigma`` pixels, the whole frame or only a ``region``."""

    effect: Literal["blur"] = "blur"
    sigma: moving(float, gt=0, le=1024) = Field(4.0, description="standard deviation of the blur, in pixels, or "
                                                                 "keyframes")
    sigma_y: fixed(float | None, "the vertical sigma is set once; leave it out and the moving sigma blurs both "
                                 "ways") = Field(None, gt=0, le=1024,
                                                 description="a different vertical sigma (default: same as sigma)")
    region: Rectangle | None = Field(None, description="blur only this rectangle: {x1, y1, x2, y2} or {width, height, x_center, y_center}, pixels or fractions")

    main_parameter = "sigma"
    example = "- blur: {sigma: 8, region: {x1: 0.25, y1: 0.25, x2: 0.75, y2: 0.75}}"
    frame_state = "none"
    requires = frozenset({"video"})

    def frames_of_state(self) -> int | str:
        return MOVES_OVER_TIME if moves(self) else 0

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        # steps=3: three box passes are within a few percent of a true Gaussian (one pass looks boxy)
        options = {"sigma": self.sigma, "steps": 3, "sigmaV": self.sigma_y}
        if self.region is None:
            return clip.evolve(video=self._blurred(clip.video, options, ctx))
        x1, y1, x2, y2 = self.region.pixels(clip.info.width, clip.info.height, prefix="region.")
        video = clip.video
        if any(v % 2 for v in (x1, y1, x2, y2)):
            video = ctx.rgb(video)  # overlay would round odd offsets to the chroma grid of 4:2:0
        patch = ctx.chain(video, "crop", {"w": x2 - x1, "h": y2 - y1, "x": x1, "y": y1, "exact": 1})
        patch = self._blurred(patch, options, ctx)
        # format=auto: overlay would otherwise make 4:2:0 of every input (an RGB or 4:4:4 frame loses colour)
        merged = ctx.filter("overlay", [video, patch], {"x": x1, "y": y1, "format": "auto"}).pad()
        return clip.evolve(video=merged)

    def _blurred(self, video, options: dict, ctx: StepContext):
        if isinstance(self.sigma, Keyframes):
            return commanded(ctx, video, "gblur", {k: v for k, v in options.items() if k != "sigma"}, "sigma",
                             self.sigma, "sigma")
        return ctx.chain(video, "gblur", options)
