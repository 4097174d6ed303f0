"""motion: motion extraction, the current frame compared with one ``delay`` frames back.

Styles (frames f[i], past p = f[max(i - delay, 0)], per RGB channel):

- ``gray``: round(0.5 f + 0.5 (255 - p)); a still scene is flat mid-gray and
  moving edges go light or dark. Built as fps -> gbrp -> split; the past
  branch is delayed with ``tpad`` (first frame cloned) and negated, then
  ``blend=average``. The ``fps`` step is what makes ``blend`` pair frame i with
  i - delay on sources with coarse or irregular timestamps.
- ``difference``: max(f - p, 0), a saturating subtract, same pairing.
- ``tmix``: the classic FFmpeg chain, ``tmix`` with weights -1 0 ... 0 1 and
  scale 2 over delay + 1 frames; for the first frames tmix mixes what it has.

``view`` decides what comes out: the motion alone, the motion blended over
the original, or original | motion side by side. The default blend mode of
``over`` suits each style: ``grainmerge`` (A + B - 128) for gray and
``addition`` for difference leave still parts exactly as they were;
``multiply128`` for tmix is the classic chain's look. ``glow`` blurs the
motion and adds it (the "bloom" look). Everything streams: memory is ``delay``
frames whatever the input's length, so a camera or network stream works too.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field

from ..filtergraph.graph import Pad
from ..media.memory import RGB
from .base import CheckedCopy, Effect
from .blend import BlendMode
from .context import Clip, StepContext
from .delay import delayed
from .tmix import difference_weights, weights_text

DEFAULT_OVER_MODE = {"gray": "grainmerge", "difference": "addition", "tmix": "multiply128"}


class Glow(CheckedCopy):
    """Gaussian blur of the motion, added back with ``addition``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    sigma: float = Field(5.0, gt=0, le=1024, description="blur radius (standard deviation) in pixels")
    steps: int = Field(6, ge=1, le=6, description="gblur passes")


def _glow_sugar(value: Any) -> Any:
    if value is True:
        return {}
    if value is False:
        return None
    if isinstance(value, (int, float)):
        return {"sigma": value}
    return value


class Motion(Effect):
    """Extract motion: compare each frame with the frame ``delay`` frames earlier."""

    effect: Literal["motion"] = "motion"
    delay: int = Field(1, ge=1, le=10000, description="frames between the two compared frames")
    style: Literal["gray", "difference", "tmix"] = Field(
        "gray", description="gray: mid-gray where still; difference: black where still; tmix: FFmpeg's tmix chain")
    view: Literal["motion", "over", "side_by_side"] = Field(
        "motion", description="motion only, motion blended over the original, or original | motion")
    mode: BlendMode | None = Field(
        None, description="blend mode for view: over (default: grainmerge for gray, addition for difference "
                          "or with glow, multiply128 for tmix)")
    glow: Annotated[Glow | None, BeforeValidator(_glow_sugar)] = Field(
        None, description="blur the motion and add it back: true, a sigma, or {sigma, steps}")

    main_parameter = "delay"
    example = "- motion: {delay: 2, style: gray, view: side_by_side}"
    frame_state = "bounded"
    frame_clock = "index"
    requires = frozenset({"video"})

    def frames_of_state(self) -> int | str:
        return self.delay  # frame i is compared with frame i - delay (and tmix mixes the delay frames between)

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = ctx.constant_rate_info(clip.info)
        rgb = ctx.rgb(ctx.constant_rate(clip))
        if self.style == "tmix":
            frames = self.delay + 1
            ctx.holds_frames(info, frames, RGB)  # tmix's window, in planar RGB
            motion = ctx.chain(rgb, "tmix", {"frames": frames, "weights": weights_text(difference_weights(frames)),
                                              "scale": 2})
        else:
            past = delayed(rgb, self.delay, ctx, info)  # counts the delayed frames blend waits for
            if self.style == "gray":
                past = ctx.chain(past, "negate", None)
                motion = ctx.filter("blend", [rgb, past], {"all_mode": "average", "shortest": 1}).pad()
            else:
                motion = ctx.filter("blend", [rgb, past], {"all_mode": "subtract", "shortest": 1}).pad()
        if self.glow is not None and self.view != "over":
            motion = ctx.filter("blend", [motion, self._blurred(motion, ctx)], {"all_mode": "addition"}).pad()
        if self.view == "motion":
            return clip.evolve(video=ctx.ends_after_its_frames(motion, info), info=info)
        if self.view == "over":
            layer = self._blurred(motion, ctx) if self.glow is not None else motion
            mode = self.mode or ("addition" if self.glow is not None else DEFAULT_OVER_MODE[self.style])
            video = ctx.filter("blend", [rgb, layer], {"all_mode": mode}).pad()
            if self.style == "tmix":
                video = ctx.chain(video, "format", {"pix_fmts": "yuv420p"})
            return clip.evolve(video=ctx.ends_after_its_frames(video, info), info=info)
        video = ctx.filter("hstack", [rgb, motion], {"inputs": 2, "shortest": 1}).pad()
        return clip.evolve(video=ctx.ends_after_its_frames(video, info), info=info.replace(width=2 * info.width))

    def _blurred(self, motion: Pad, ctx: StepContext) -> Pad:
        return ctx.chain(motion, "gblur", {"sigma": self.glow.sigma, "steps": self.glow.steps})
