"""cut_silence: the silent stretches of a clip taken out, as a lecture or a talk is tightened.

Before the render, one pass of FFmpeg's ``silencedetect`` looks at the sound the
step receives (the recipe's own graph up to it; remembered by the inputs' identity,
so the render after a validate does not look again). Every stretch below ``below``
lasting ``min`` seconds or more loses its middle: ``keep`` seconds of it stay on
each side next to sound (a silence that starts or ends the clip goes but for the
``keep`` seconds next to the sound). The picture is cut on its frame grid (each cut point goes to the nearest
frame boundary, the earlier of two as near, the one frame-choice rule of
docs/design.md), so the plan's frame count is the file's; the sound is cut at the
same instants, sample-exact, with a crossfade of ``fade`` seconds (10 ms) centred on
each cut so it does not click.

One FFmpeg command, memory bounded whatever the number of cuts: ``segment`` and
``asegment`` split the streams at the cut points (each frame goes to one piece), the
pieces cut away go to null sinks, the kept ones are joined by ``concat`` (picture)
and a balanced tree of ``acrossfade`` (sound, each frame through about log2(cuts) of
them).
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#silencedetect,
https://ffmpeg.org/ffmpeg-filters.html#segment_002c-asegment
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from ..filtergraph.graph import Pad
from ..media.analysis import silences
from .base import Effect
from .context import Clip, StepContext, StepError, require

MAX_CUTS = 10_000  # silent stretches taken out by one step: beyond it, raise min or lower below
SHOWN_CUTS = 8  # listed by validate and compile; the rest are counted
AUDIO_ONLY_GRID = Fraction(100)  # without a picture, cut points are on a 10 ms grid
_DECIBELS = re.compile(r"^\s*(-?[0-9]{1,3}(?:\.[0-9]{1,3})?)\s*dB\s*$")


def decibels(value: object) -> float:
    """A level in dBFS, written ``-35dB`` or ``-35``: below full scale, above -100.

    >>> decibels("-35dB"), decibels(-42.5)
    (-35.0, -42.5)
    """
    if isinstance(value, str):
        match = _DECIBELS.match(value)
        if match is None:
            raise ValueError(f"{value[:40]!r} is not a level: write decibels below full scale, such as \"-35dB\"")
        value = float(match.group(1))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError("write a level in decibels below full scale, such as \"-35dB\"")
    if not -100 <= value < 0:
        raise ValueError(f"{value:g} dB is not a level of quiet sound: write one from -100dB up to, not including, 0dB")
    return float(value)


Decibels = Annotated[float, BeforeValidator(decibels), WithJsonSchema({
    "anyOf": [{"type": "number"}, {"type": "string", "pattern": _DECIBELS.pattern}],
    "description": "a level in dBFS: \"-35dB\" or -35"})]


@dataclass(frozen=True)
class Cuts:
    """What a cut keeps, on a grid of ``rate`` slots a second from ``origin`` (the clip's first frame):
    the kept spans ``[first, end)`` of slots, and the seconds of each stretch taken out, as found."""

    kept: tuple[tuple[int, int], ...]
    removed: tuple[tuple[float, float], ...]
    rate: Fraction
    origin: float
    slots: int  # the clip's length in slots (its frame count)

    def time(self, slot: int) -> float:
        return self.origin + float(slot / self.rate)

    @property
    def kept_slots(self) -> int:
        return sum(end - first for first, end in self.kept)


def _nearest_slot(seconds: float, rate: Fraction) -> int:
    """The slot boundary nearest to ``seconds``, the earlier of two as near (decimals taken as written)."""
    return math.ceil(Fraction(repr(seconds)) * rate - Fraction(1, 2))


def plan_cuts(found: list[list[float]], *, keep: float, rate: Fraction, slots: int, origin: float = 0.0,
              duration: float | None = None) -> Cuts:
    """Which slots stay when each stretch of ``found`` (``[start, end]`` in seconds, end -1: to the end of
    ``duration``) loses all but ``keep`` seconds at each side next to sound, cut at the nearest slot
    boundaries: a silence that starts the clip keeps only its last ``keep`` seconds, one that ends it only
    its first.

    >>> cuts = plan_cuts([[1.0, 2.5], [3.98, -1]], keep=0.2, rate=Fraction(25), slots=125, duration=5.0)
    >>> cuts.kept, cuts.removed
    (((0, 30), (57, 104)), ((1.2, 2.28), (4.16, 5.0)))
    """
    spans: list[list[int]] = []
    end_of_clip = duration if duration is not None else origin + float(slots / rate)
    half_slot = float(1 / (2 * rate))
    for start, end in found:
        end = end_of_clip if end < 0 else min(end, end_of_clip)
        first = 0 if start - origin < half_slot else max(0, _nearest_slot(start - origin + keep, rate))
        last = slots if end > end_of_clip - half_slot else min(slots, _nearest_slot(end - origin - keep, rate))
        if last <= first:
            continue
        if spans and first <= spans[-1][1]:  # a sound shorter than a frame between two silences
            spans[-1][1] = max(spans[-1][1], last)
        else:
            spans.append([first, last])
    kept, at = [], 0
    for first, last in spans:
        if first > at:
            kept.append((at, first))
        at = last
    if at < slots:
        kept.append((at, slots))
    removed = tuple((round(origin + float(first / rate), 6), round(origin + float(last / rate), 6))
                    for first, last in spans)
    return Cuts(tuple(kept), removed, rate, origin, slots)


class CutSilence(Effect):
    """Take the silent stretches out: a stretch quieter than the ``below`` level lasting ``min`` seconds or
    more keeps only ``keep`` seconds at each side. Cuts fall on frame boundaries; the sound crossfades over
    ``fade`` seconds at each. What was found is listed by ``ffx validate`` and ``ffx compile``."""

    effect: Literal["cut_silence"] = "cut_silence"
    below: Decibels = Field(-35.0, description="silence is sound below this level, in dBFS on every channel "
                                               "(\"-35dB\"; raise it over a noisy room's hum: -30dB)")
    shortest: float = Field(0.5, alias="min", gt=0, le=3600,
                            description="seconds: shorter silences (pauses between words) stay")
    keep: float = Field(0.15, ge=0, le=60, description="seconds of each silence kept at each side of the cut")
    fade: float = Field(0.01, ge=0, le=0.1, description="seconds of sound crossfaded at each cut "
                                                        "(at most half the shortest piece or gap next to it)")

    main_parameter = "below"
    example = "- cut_silence: {below: -35dB, min: 0.5, keep: 0.15}"
    unbounded_because = "cuts the clip where its sound is silent, which moves every later frame"
    requires = frozenset({"audio", "known_length", "read_ahead"})

    @model_validator(mode="after")
    def _something_to_cut(self):
        if 2 * self.keep >= self.shortest:
            raise ValueError(f"keep: {self.keep:g} s at each side leaves nothing of a {self.shortest:g} s silence "
                             f"to cut: keep less than half of min")
        return self

    def check_requirements(self, clip: Clip) -> None:
        super().check_requirements(clip)
        if clip.video is not None:
            require(clip, {"frame_rate", "frame_count"})
            if clip.info.gaps:
                raise StepError("cut_silence cuts on the frame grid, and the picture it receives stops in places "
                                "(gaps: its frames are not on one rate)", hint="add an fps step first")

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        found = ctx.analyse(clip.audio, silences(self.below, self.shortest))
        if clip.video is not None:
            rate, slots = info.fps, info.frames
            origin = info.picture_start if clip.input_node is not None else 0.0
        else:
            rate, origin = AUDIO_ONLY_GRID, 0.0
            slots = _nearest_slot(info.duration, rate)
        cuts = plan_cuts(found, keep=self.keep, rate=rate, slots=slots, origin=origin, duration=info.duration)
        length = info.duration or 0.0
        if not cuts.removed:
            ctx.tell(f"no silence below {self.below:g} dB lasting {self.shortest:g} s; nothing removed ({length:.2f} s)")
            return clip
        if len(cuts.removed) > MAX_CUTS:
            raise StepError(f"{len(cuts.removed):,} silent stretches found, more than the {MAX_CUTS:,} one step cuts",
                            field="min", hint="raise min or lower below")
        if not cuts.kept:
            raise StepError(f"the clip is silent throughout (below {self.below:g} dB): nothing would be left",
                            field="below", hint="lower below")
        removed_slots = cuts.slots - cuts.kept_slots
        after = length - float(removed_slots / rate)
        spans = ", ".join(f"{start:.2f}–{end:.2f}" for start, end in cuts.removed[:SHOWN_CUTS])
        more = f" and {len(cuts.removed) - SHOWN_CUTS} more" if len(cuts.removed) > SHOWN_CUTS else ""
        ctx.tell(f"{len(cuts.removed)} silent stretch{'es' * (len(cuts.removed) > 1)} removed, "
                 f"{length:.2f} s → {after:.2f} s: {spans}{more}")
        video = _cut_video(clip.video, cuts, ctx) if clip.video is not None else None
        audio = _cut_audio(clip.audio, cuts, self.fade, ctx)
        changes: dict = {"duration": after}
        if clip.video is not None:
            changes["frames"] = cuts.kept_slots
        return clip.evolve(video=video, audio=audio, info=info.replace(**changes))


def _pieces(cuts: Cuts) -> list[tuple[int, int, bool]]:
    """Every span of slots in order, ``(first, end, kept)``, from slot 0 to the clip's end."""
    pieces, at = [], 0
    for first, end in cuts.kept:
        if first > at:
            pieces.append((at, first, False))
        pieces.append((first, end, True))
        at = end
    if at < cuts.slots:
        pieces.append((at, cuts.slots, False))
    return pieces


def _split(pad: Pad, name: str, points: list[float], ctx: StepContext) -> list[Pad]:
    """``pad`` cut at ``points`` (seconds) into ``len(points) + 1`` pieces by segment or asegment."""
    if not points:
        return [pad]
    text = "|".join(f"{point:.6f}" for point in points)
    node = ctx.filter(name, pad, {"timestamps": text}, outputs=(pad.kind,) * (len(points) + 1))
    return [node.pad(i) for i in range(len(points) + 1)]


def _cut_video(video: Pad, cuts: Cuts, ctx: StepContext) -> Pad:
    pieces = _pieces(cuts)
    # half a frame before each boundary: a frame a tick either side of its slot still lands in its piece
    points = [cuts.time(first) - float(1 / (2 * cuts.rate)) for first, _, _ in pieces[1:]]
    kept = []
    for (first, _, keep), pad in zip(pieces, _split(video, "segment", points, ctx)):
        if keep:  # concat joins pieces that start at 0; the clip's own start stays where it was
            kept.append(pad if first == 0 else ctx.chain(pad, "setpts", {"expr": "PTS-STARTPTS"}))
    if len(kept) == 1:
        return kept[0]
    return ctx.filter("concat", kept, {"n": len(kept), "v": 1, "a": 0}).pad()


def _cut_audio(audio: Pad, cuts: Cuts, fade: float, ctx: StepContext) -> Pad:
    """The kept pieces, each reaching half a crossfade into the stretch cut away on each side it joins
    another, crossfaded in a balanced tree: the sound lasts what the picture does."""
    pieces = _pieces(cuts)
    kept = [(first, end) for first, end, keep in pieces if keep]
    seconds = [float((end - first) / cuts.rate) for first, end in kept]
    gaps = [float((kept[i + 1][0] - kept[i][1]) / cuts.rate) for i in range(len(kept) - 1)]
    # a crossfade fits in the gap cut away and in the pieces it joins
    fades = [min(fade, gaps[i] / 2, seconds[i] / 2, seconds[i + 1] / 2) for i in range(len(gaps))]
    points = []
    index = int(pieces[0][2])  # kept pieces before the one whose start is the point
    for first, end, keep in pieces[1:]:
        if keep:  # the start of a kept piece, earlier by half the crossfade into it
            points.append(cuts.time(first) - (fades[index - 1] / 2 if index else 0.0))
            index += 1
        else:  # the start of a piece cut away: the kept one before it reaches half its crossfade further
            points.append(cuts.time(first) + (fades[index - 1] / 2 if index <= len(fades) else 0.0))
    parts = []
    for (first, _, keep), pad in zip(pieces, _split(audio, "asegment", points, ctx)):
        if keep:
            parts.append(pad if first == 0 else ctx.chain(pad, "asetpts", {"expr": "PTS-STARTPTS"}))
    return _crossfaded(parts, fades, ctx)


def _crossfaded(parts: list[Pad], fades: list[float], ctx: StepContext) -> Pad:
    """``parts`` joined in order, ``fades[i]`` seconds of crossfade between part i and i + 1: a balanced tree,
    so a frame passes through about log2(parts) crossfades, not through every later one."""
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    left = _crossfaded(parts[:middle], fades[:middle - 1], ctx)
    right = _crossfaded(parts[middle:], fades[middle:], ctx)
    length = fades[middle - 1]
    if length <= 0:
        return ctx.filter("concat", [left, right], {"n": 2, "v": 0, "a": 1}).pad()
    return ctx.filter("acrossfade", [left, right], {"duration": f"{length:.6f}"}).pad()


__all__ = ["CutSilence", "Cuts", "MAX_CUTS", "decibels", "plan_cuts"]
