"""slitscan: time laid out in space, from a thin slit of every sampled frame.

``mode: image`` takes a slit (a column, or a row, ``width`` px, at
``position``) from frames spread evenly over the clip and puts them side by
side: one picture whose x (or y) axis is time. ``samples`` picks that many
distinct frames; ``columns`` (``frame``: as many slits as fit across the
frame) takes slit k from the frame showing at k/columns of the clip, so a
clip with fewer frames repeats them, as MoviePy's ``iter_frames`` does in the
tutorial. ``mode: rolling`` is the animated variant: every frame shows the
current picture, and beyond the slit the slit's history scrolling away in
``direction`` (the tutorial's is ``up``); where there is no history yet the
current frame shows through.

Both run entirely in FFmpeg (select -> crop -> tile, and tile's sliding
window with ``overlap`` for the rolling one), so only slits are ever held:
memory is the size of the result, whatever the clip's length. The slit is
cut from a strip a few pixels wider and converted to RGB first, so chroma
subsampling cannot shift or blur it. The memory declared for a picture is
FFmpeg's, the decoder's frames and the picture (``media.memory.picture_memory``),
not a whole frame per frame of an encoder's lookahead.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#tile-1
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..filtergraph.graph import Pad
from ..media.memory import picture_memory
from .base import Effect
from .context import Clip, RawVideo, StepContext, StepError, provided, require

MARGIN = 8  # pixels of context each side of the slit for the RGB conversion


class Slitscan(Effect):
    """Slit-scan: a picture of time (``image``) or a frame-by-frame rolling history (``rolling``)."""

    effect: Literal["slitscan"] = "slitscan"
    mode: Literal["image", "rolling"] = Field("image", description="image: one picture; rolling: an animation")
    axis: Literal["column", "row"] = Field("column", description="a vertical slit (column) or a horizontal one (row)")
    position: int | float = Field(0.5, ge=0, description="where the slit is: pixels, or a fraction of the frame (0.5 = middle)")
    width: int = Field(1, ge=1, le=4096, description="slit thickness in pixels (per sample)")
    samples: int | None = Field(None, ge=1, le=16384, description="image: how many distinct frames to sample (default: frame size / width, at most the frame count)")
    columns: Annotated[int, Field(ge=1, le=16384)] | Literal["frame"] | None = Field(
        None, description="image: how many slits the picture has (frame: as many as fit across the frame), "
                          "each from the frame showing at that point in time, repeated when the clip is shorter")
    direction: Literal["up", "down", "left", "right"] | None = Field(
        None, description="rolling: where the history scrolls, away from the slit (default right for a column, "
                          "down for a row); up/down imply a row slit, left/right a column")
    engine: Literal["ffmpeg", "numpy"] = Field(
        "ffmpeg", description="image: assemble the slits in FFmpeg (tile), or in a numpy stage between two FFmpegs")

    example = "- slitscan: {axis: column, position: 0.5, width: 2}"
    requires = frozenset({"video"})

    @model_validator(mode="before")
    @classmethod
    def _axis_of_direction(cls, data):
        if not isinstance(data, dict) or data.get("direction") is None:
            return data
        implied = "row" if data["direction"] in ("up", "down") else "column"
        if data.get("mode", "image") != "rolling":
            raise ValueError("direction is for mode: rolling")
        if data.get("axis", implied) != implied:
            raise ValueError(f"a {data['axis']} slit's history cannot scroll {data['direction']}; "
                             f"drop axis or use axis: {implied}")
        return {**data, "axis": implied}

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        across = info.width if self.axis == "column" else info.height  # the axis the slit moves along
        start = self.position * across if isinstance(self.position, float) else self.position
        if isinstance(self.position, float) and not 0 <= self.position <= 1:
            raise StepError(f"{self.position} is neither a fraction (0 to 1) nor whole pixels", field="position")
        start = min(int(round(start)), across - self.width)
        if start < 0 or self.width > across:
            raise StepError(f"a {self.width} px slit does not fit in the {info.size} frame", field="width")
        if self.mode == "image":
            return self._image(clip, ctx, across, start)
        return self._rolling(clip, ctx, across, start)

    def _slit(self, video: Pad, ctx: StepContext, across: int, start: int) -> Pad:
        low = max(0, (start - MARGIN) // 2 * 2)
        high = min(across, start + self.width + MARGIN + 1) // 2 * 2 or across
        high = max(high, min(across, start + self.width))
        column = self.axis == "column"
        box = {"w": high - low, "h": "ih", "x": low, "y": 0} if column else {"w": "iw", "h": high - low, "x": 0, "y": low}
        strip = ctx.rgb(ctx.chain(video, "crop", {**box, "exact": 1}), packed=True)
        exact = ({"w": self.width, "h": "ih", "x": start - low, "y": 0} if column else
                 {"w": "iw", "h": self.width, "x": 0, "y": start - low})
        return ctx.chain(strip, "crop", {**exact, "exact": 1})

    def _image(self, clip: Clip, ctx: StepContext, across: int, start: int) -> Clip:
        info = clip.info
        require(clip, {"frame_count"})
        if self.samples is not None and self.columns is not None:
            raise StepError("give samples (distinct frames) or columns (slits, frames repeated), not both",
                            field="columns")
        if self.columns is not None:
            samples = across // self.width if self.columns == "frame" else self.columns
        else:
            # by default as many slits as fit across the frame, but never more than there are frames
            samples = self.samples or max(1, min(across // self.width, info.frames))
            if samples > info.frames:
                raise StepError(f"{samples} samples from {info.frames} frames: some would repeat", field="samples",
                                hint=f"use at most {info.frames} samples, columns: {samples} to repeat frames, "
                                     "or a wider slit")
        n, s = info.frames, samples
        if s <= n:
            # frame n is kept when some k has k*N//S == n, i.e. ceil(n*S/N)*N < (n+1)*S (whole numbers, exact)
            keep = f"lt(floor((n*{s}+{n - 1})/{n})*{n},(n+1)*{s})"
            chosen = ctx.chain(clip.video, "select", {"expr": keep})
            slits = self._slit(chosen, ctx, across, start)
        else:
            slits = self._repeated(self._slit(clip.video, ctx, across, start), ctx, n, s)
        if self.engine == "numpy":
            return self._numpy_image(clip, ctx, slits, samples)
        layout = f"{samples}x1" if self.axis == "column" else f"1x{samples}"
        image = ctx.chain(slits, "tile", {"layout": layout})
        size = ({"width": samples * self.width} if self.axis == "column" else {"height": samples * self.width})
        out = info.replace(**size, frames=1, duration=1 / float(info.fps), pix_fmt="rgb24", has_audio=False)
        ctx.holds(picture_memory(info, out))
        return clip.evolve(video=image, audio=None, info=out)

    @staticmethod
    def _repeated(slits: Pad, ctx: StepContext, n: int, s: int) -> Pad:
        """Slit k from frame k*n//s for k < s (s > n): each frame as often as it is showing.

        Frame i is stamped with its first slit, ceil(i*s/n), as seconds; ``fps=1`` then
        repeats it up to the next one's stamp. The last frame's repeats come from a
        padding of clones, cut to exactly s slits.
        """
        stamped = ctx.chain(slits, "setpts", {"expr": f"floor((N*{s}+{n - 1})/{n})/TB"})
        every = ctx.chain(ctx.chain(stamped, "fps", {"fps": 1}), "tpad", {"stop_mode": "clone", "stop": s})
        return ctx.chain(every, "trim", {"end_frame": s})

    def _numpy_image(self, clip: Clip, ctx: StepContext, slits: Pad, samples: int) -> Clip:
        """Only the slits leave the first FFmpeg; numpy lays them out; the last FFmpeg encodes the picture."""
        info = clip.info
        feeders = provided(ctx.feeders, "feeders (commands that write into pipes)")
        length = info.height if self.axis == "column" else info.width
        width, height = ((samples * self.width, info.height) if self.axis == "column" else
                         (info.width, samples * self.width))
        # the stage (ffx/compile/stages.py) lays the slits side by side as one raw RGB picture
        options = {"slits": samples, "length": length, "thickness": self.width, "axis": self.axis}
        image = feeders.through_python(slits, "slitscan", options, RawVideo("rgb24", width, height, info.fps))
        out = info.replace(width=width, height=height, frames=1, duration=1 / float(info.fps), pix_fmt="rgb24",
                           has_audio=False)
        return clip.evolve(video=image, audio=None, info=out)

    def _rolling(self, clip: Clip, ctx: StepContext, across: int, start: int) -> Clip:
        """The frame with, beyond the slit, the slits of the frames before it, newest nearest.

        As the tutorial's ``np.roll`` loop: the history starts one frame back (the
        slit line itself shows the current frame), and where there is no history
        yet the current frame shows through. Slits go through ``tile``'s sliding
        window as RGBA, padded with transparent ones, over the frame.
        """
        info = clip.info
        column = self.axis == "column"
        direction = self.direction or ("right" if column else "down")
        forward = direction in ("right", "down")  # the history lies after the slit (larger x or y)
        room = across - start - self.width if forward else start
        history = math.ceil(room / self.width)
        if history < 1:
            raise StepError(f"the slit is at the frame's edge: there is no room for its history to scroll "
                            f"{direction}", field="position")
        video = ctx.rgb(ctx.constant_rate(clip), packed=True)
        slits = ctx.chain(self._slit(video, ctx, across, start), "format", {"pix_fmts": "rgba"})
        flip = "hflip" if column else "vflip"
        if forward and self.width > 1:
            slits = ctx.chain(slits, flip, None)  # the window's flip below turns each slit back
        count = history + 1  # and the current slit, cut away below
        layout = f"{count}x1" if column else f"1x{count}"
        # a sliding window over the last `count` slits, one picture per frame, oldest first
        window = ctx.chain(slits, "tile", {"layout": layout, "overlap": count - 1, "init_padding": count - 1,
                                           "color": "black@0"})
        if forward:
            window = ctx.chain(window, flip, None)  # newest first, next to the slit
        w = self.width
        skip = w if forward else 0  # the newest slit: the current frame's, already on the slit line
        crop = ({"w": history * w, "h": "ih", "x": skip, "y": 0} if column else
                {"w": "iw", "h": history * w, "x": 0, "y": skip})
        window = ctx.chain(window, "crop", crop)
        offset = start + w if forward else start - history * w
        position = {"x": offset, "y": 0} if column else {"x": 0, "y": offset}
        rolled = ctx.filter("overlay", [video, window], {**position, "shortest": 1, "format": "rgb"}).pad()
        return clip.evolve(video=rolled, info=ctx.constant_rate_info(info).replace(pix_fmt="rgb24"))
