"""concat: clips one after another, with a cut or a transition at each joint.

Every clip is first fitted to one format (size, rate, pixel format, sound), see
``_joint.py``. A cut joins with ``concat``; a transition overlaps the end of
one clip with the start of the next for ``duration`` seconds, the picture with
``xfade`` and the sound with ``acrossfade`` over the same instants, so sound
and picture stay together. A transition lasts a whole number of frames, so the
result is exactly ``sum(frames) - sum(transition frames)`` long.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#xfade and #acrossfade and #concat
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, ConfigDict, Field

from ..filtergraph import graph
from ._joint import JOINED, Fit, JointFormat, fit_clip, joint_format
from .base import CheckedCopy, Effect
from .context import Clip, StepContext, StepError, require
from .fields import Color, Rate, StreamRef

TransitionName = Literal[
    "cut", "fade", "wipeleft", "wiperight", "wipeup", "wipedown", "slideleft", "slideright", "slideup",
    "slidedown", "circlecrop", "rectcrop", "distance", "fadeblack", "fadewhite", "radial", "smoothleft",
    "smoothright", "smoothup", "smoothdown", "circleopen", "circleclose", "vertopen", "vertclose", "horzopen",
    "horzclose", "dissolve", "pixelize", "diagtl", "diagtr", "diagbl", "diagbr", "hlslice", "hrslice",
    "vuslice", "vdslice", "hblur", "fadegrays", "wipetl", "wipetr", "wipebl", "wipebr", "squeezeh", "squeezev",
    "zoomin", "fadefast", "fadeslow", "hlwind", "hrwind", "vuwind", "vdwind", "coverleft", "coverright",
    "coverup", "coverdown", "revealleft", "revealright", "revealup", "revealdown",
]


class Transition(CheckedCopy):
    """How one clip gives way to the next: ``cut``, or an xfade transition lasting ``duration`` seconds."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    name: TransitionName = Field("fade", description="cut, or an FFmpeg xfade transition: fade, wipeleft, "
                                                     "slideup, circleopen, dissolve, ...")
    duration: float = Field(0.5, gt=0, le=60, description="seconds the two clips overlap (a whole number of frames)")


def _transition_sugar(value: object) -> object:
    """``fade`` -> {name: fade}; a list keeps one per joint."""
    if isinstance(value, str):
        return {"name": value}
    if isinstance(value, list):
        return [{"name": v} if isinstance(v, str) else v for v in value]
    return value


class Concat(Effect):
    """Join this clip and the named ones in order, with a cut or a transition (fade, wipeleft, ...) at each joint.

    Clips of another size, rate, pixel format or sound format are made to fit
    the first clip (or ``size``/``fps``); a clip without sound gets silence.
    """

    effect: Literal["concat"] = "concat"
    others: list[StreamRef] = Field(alias="with", min_length=1, max_length=63,
                                    description="the named streams that follow this one, in order")
    transition: Annotated[Transition | list[Transition], BeforeValidator(_transition_sugar)] = Field(
        Transition(name="cut"), description="cut (default), a transition name such as fade, or "
                                            "{name: wipeleft, duration: 1}; a list gives one per joint")
    size: str | None = Field(None, pattern=r"^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$", description="frame size of the result, WxH (default: the first clip's)")
    fps: Rate | None = Field(None, description="frame rate of the result (default: the first clip's)")
    fit: Fit = Field("pad", description="a clip of another shape: pad (letterbox), crop (fill), or stretch")
    background: Color = Field("black", description="colour of the padding")

    main_parameter = "others"
    example = "- concat: {with: [second, third], transition: {name: fade, duration: 0.5}}"
    unbounded_because = "joins clips one after another in time"
    requires = frozenset({"video"})

    def transitions(self) -> list[Transition]:
        joints = len(self.others)
        if isinstance(self.transition, list):
            if len(self.transition) != joints:
                raise StepError(f"{len(self.transition)} transitions for {joints} joints", field="transition",
                                hint="give one per joint, or one for all")
            return list(self.transition)
        return [self.transition] * joints

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        transitions = self.transitions()
        clips = [clip] + [ctx.stream(name, "with") for name in self.others]
        size = tuple(int(v) for v in self.size.split("x")) if self.size else None
        fmt = joint_format(clips, size, self.fps)
        fitted: list[tuple[Clip, int]] = []
        for index, each in enumerate(clips):
            require(each, JOINED, stream=None if index == 0 else self.others[index - 1], field="with" if index else "")
            try:
                fitted.append(fit_clip(each, fmt, self.fit, self.background, ctx))
            except StepError as exc:
                name = "this clip" if index == 0 else repr(self.others[index - 1])
                raise StepError(f"{name}: {exc.message}", field="with" if index else "", hint=exc.hint) from None
        overlaps = [0 if t.name == "cut" else max(1, round(t.duration * fmt.rate)) for t in transitions]
        self._check_lengths([n for _, n in fitted], overlaps)
        joined, frames = fitted[0]
        for (nxt, count), transition, overlap in zip(fitted[1:], transitions, overlaps):
            joined = _join(joined, frames, nxt, transition.name, overlap, fmt, ctx)
            frames += count - overlap
        return joined.evolve(info=fmt.info(frames))

    def _check_lengths(self, counts: list[int], overlaps: list[int]) -> None:
        for index, count in enumerate(counts):
            before = overlaps[index - 1] if index else 0
            after = overlaps[index] if index < len(overlaps) else 0
            if before + after > count:
                name = "this clip" if index == 0 else repr(self.others[index - 1])
                raise StepError(f"{name} has {count} frames, fewer than its transitions take ({before + after})",
                                field="transition", hint="shorten the transitions or use cut")


def _join(first: Clip, frames: int, second: Clip, name: str, overlap: int, fmt: JointFormat,
          ctx: StepContext) -> Clip:
    """``first`` (``frames`` long) followed by ``second``, overlapping by ``overlap`` frames."""
    if overlap == 0:
        video = ctx.filter("concat", [first.video, second.video], {"n": 2, "v": 1, "a": 0}).pad()
        audio = None
        if first.audio is not None:
            audio = ctx.filter("concat", [first.audio, second.audio], {"n": 2, "v": 0, "a": 1},
                               outputs=(graph.AUDIO,)).pad()
        return first.evolve(video=video, audio=audio)
    # durations are decimal seconds to FFmpeg (no fractions); xfade rounds them onto the 1/rate time base
    seconds, offset = float(overlap / fmt.rate), float((frames - overlap) / fmt.rate)
    video = ctx.filter("xfade", [first.video, second.video],
                       {"transition": name, "duration": seconds, "offset": offset}).pad()
    audio = None
    if first.audio is not None:
        # the same instants in samples; curve tri (linear) is the default, as for the picture
        audio = ctx.filter("acrossfade", [first.audio, second.audio], {"nb_samples": fmt.samples(overlap)},
                           outputs=(graph.AUDIO,)).pad()
    return first.evolve(video=video, audio=audio)
