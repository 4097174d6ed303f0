"""GIF palettes: palettegen and paletteuse, in one pass or, over the memory budget, in two.

In one pass (split -> palettegen -> paletteuse) paletteuse waits for the
palette, which palettegen gives only at the end of the stream, so every frame
waits in memory. When that does not fit the memory budget the GIF is made in
two passes with the same picture: the first, a side command run before the
final one (``StepContext.side_commands``), streams the frames into palettegen
and writes the palette to a small PNG; the final command streams them again
through paletteuse, which reads it. The PNG is a plan intermediate
(``Plan.temporary_files``): the runner swaps in a private file and removes it;
a printed plan removes it at the end.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#palettegen and #paletteuse
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass, replace

from ..effects.context import StepContext, StepError, provided
from ..filtergraph.graph import Node, Pad
from ..media.info import MediaInfo
from ..media.memory import RGBA, buffering_memory, decoded_frames_bytes

# GIF presets (colors, dither, stats_mode, palette_step), chosen with bench/gif.py: SSIM per byte against
# MoviePy. palettegen's histogram dominates the time on colourful clips; counting every other pixel in
# each direction cost 0.0006-0.0008 SSIM there and saved 30-45 % of the time (docs/design.md).
QUALITY = {
    "best": (256, "none", "single", 1),
    "high": (256, "none", "full", 2),
    "medium": (128, "none", "full", 2),
    "low": (64, "none", "full", 2),
}

# The quality scale, 1-100 as gifski's: the presets' places on it, and the SSIM each number asks for. A number
# is turned into a palette size, dithering and transparency by trying them on a few frames of the clip (a
# compile-side port, ffx/compile/palette_trials.py) and keeping the smallest that reaches the number's SSIM.
PRESET_NUMBERS = {"low": 50, "medium": 70, "high": 90, "best": 100}
# Unmeasured by default: trying palettes adds about 0.3 s to every compile of a GIF (0.24 s -> 0.50 s for
# ffx compile of recipes/gif.yaml, paired runs), which a recipe asks for by writing a number
DEFAULT_GIF_QUALITY = "high"
# the SSIM loss (1 - SSIM) asked for at some numbers, interpolated between them on a log scale: 90 asks for
# 0.985, which keeps a black-and-white film at 32 colours where gifski's default gives 0.981 (docs/benchmarks.md)
LOSS_AT = ((1, 0.30), (50, 0.08), (70, 0.04), (90, 0.015), (100, 0.001))
# a clip whose best palette cannot reach the target (a fire: 0.941 at 256 colours) is asked instead for this
# fraction of the target's loss below its best trial (at 90: 0.008, so the fire keeps 192 colours at 0.933)
SHORT_OF_BEST = 0.55
# The trials, in two rounds (paletteuse on each trial is most of the time, ~0.02 s a frame at 480 px on a
# fire). First palette sizes an octave apart without dithering, and a full palette with no slot kept for
# inter-frame transparency (1.5 % smaller on the fire); then, between the smallest that reached the target and
# the size below it, the size halfway and, up to 64 colours, the size below dithered (bayer, sierra2_4a), which
# could lift it over the target. On the benchmark's clips dithering did not win (bayer lost 0.2-0.3 SSIM on the
# film), and on a fire the two dithered trials of 128 colours took 0.3 s of CPU: larger palettes go undithered.
FIRST_COLORS = (16, 32, 64, 128, 256)
HALFWAY = {16: 24, 32: 48, 64: 96, 128: 192}
DITHERS = (("bayer", 4), ("sierra2_4a", 2))
DITHERED_UP_TO = 64
# the trials' palettegen counts every 4th pixel in each direction (the GIF's own every 2nd): its histogram is
# most of a trial's time, and the SSIM it leads to differed by at most 0.003 on the fire, for 40 % less time
TRIAL_STEP = 4


def ssim_loss(quality: int) -> float:
    """The SSIM loss (1 - SSIM) a quality number allows.

    >>> [round(1 - ssim_loss(q), 4) for q in (1, 50, 80, 90, 95, 100)]
    [0.7, 0.92, 0.9755, 0.985, 0.9961, 0.999]
    """
    for (q0, l0), (q1, l1) in itertools.pairwise(LOSS_AT):
        if quality <= q1:
            share = (max(quality, q0) - q0) / (q1 - q0)
            return math.exp(math.log(l0) + share * (math.log(l1) - math.log(l0)))
    return LOSS_AT[-1][1]


def preset_of(quality: str | int | None) -> str:
    """The preset a quality stands for where nothing is measured (JPEG, WebP, AVIF, a GIF of a live
    stream): a name as it is, a number as the preset at or below it on the scale.

    >>> [preset_of(q) for q in (None, "low", 100, 95, 90, 75, 10)]
    ['high', 'low', 'best', 'high', 'high', 'medium', 'low']
    """
    if quality is None:
        return "high"
    if isinstance(quality, str):
        return quality
    at_or_below = [name for name, number in PRESET_NUMBERS.items() if number <= quality]
    return at_or_below[-1] if at_or_below else "low"



def palette_path(output: str) -> str:
    """Where a printed two-pass plan keeps the palette: hidden, beside the output.

    >>> palette_path("clips/out.gif")
    'clips/.out.gif.palette.png'
    """
    folder, name = os.path.split(output)
    return os.path.join(folder, f".{name}.palette.png")


def inputs_of(pads: list[Pad]) -> list[Node]:
    """The input nodes a graph reads, found by walking back from ``pads``."""
    seen: set[int] = set()
    found: list[Node] = []
    stack = [pad.node for pad in pads]
    while stack:
        node = stack.pop()
        if node.uid in seen:
            continue
        seen.add(node.uid)
        if node.is_input:
            found.append(node)
        stack.extend(pad.node for pad in node.inputs)
    return found


def _read_twice(video: Pad) -> str | None:
    """Why the frames behind ``video`` cannot be read a second time (None: they can).

    Files and generated sources give the same frames again; a camera, a
    network stream or a pipe (a segmented reverse, a Python stage) does not.
    """
    for node in inputs_of([video]):
        generated = ("-f", "lavfi") in node.input_args
        if not (generated or node.name.startswith("file:")):
            return "its frames come from a pipe or a live source, which cannot be read twice"
    return None


def mib(nbytes: int) -> str:
    """Bytes as whole MiB, for the memory messages (here and the output's budget check)."""
    return f"{nbytes / 2**20:,.0f}"


GIF_HINT = "trim it, lower its size or frame rate, use quality: best (a palette per frame), or raise --max-memory"


@dataclass(frozen=True)
class Palette:
    """A GIF's palette settings (the quality preset, with the fields the recipe gives), and how it is made."""

    colors: int
    dither: str
    stats_mode: str
    step: int  # palettegen counts every step-th pixel in each direction
    diff_mode: str
    bayer_scale: int
    output: str  # the GIF's path: a printed two-pass plan keeps the palette beside it
    quality: int | None = None  # a number: the settings above are chosen by measuring (see :meth:`measured`)
    transparent: bool | None = None  # False: no palette slot kept for inter-frame transparency (None: the rule)

    def memory(self, info: MediaInfo) -> int:
        """Estimated peak of a one-pass GIF: paletteuse's input (BGRA) waits for the palette, every frame of it.

        With a palette per frame (``stats_mode: single``) palettegen gives each palette at once and
        nothing waits (measured flat: 38 MiB for 20 s as for 2 s). ``diff`` waits like ``full``.
        """
        if self.stats_mode == "single" or info.duration is None:
            return 0  # a stream with no end is refused instead (see apply)
        frames = info.frames if info.frames is not None else round(info.duration * float(info.fps or 25))
        return buffering_memory(info, frames, bytes_per_pixel=RGBA)

    def apply(self, video: Pad, ctx: StepContext, info: MediaInfo) -> Pad:
        """The GIF's palette and its use: in one pass, or in two when one would not fit the budget."""
        if info.duration is None and self.stats_mode != "single" and ctx.max_memory is not None:
            raise StepError("a GIF of a stream with no end would keep every frame in memory until it is stopped: "
                            "its palette needs the whole stream", hint="trim it to a duration, or use quality: best "
                                                                       "(a palette per frame)")
        if self.quality is not None:
            return self.measured(video, ctx, info).apply(video, ctx, info)
        held = self.memory(info) + decoded_frames_bytes(clip.info for clip in ctx.streams.values())  # and the decoder's
        over = ctx.max_memory is not None and held > ctx.max_memory and self.stats_mode != "single"
        cannot = _read_twice(video) if over else None
        if over and cannot is None:
            return self._two_pass(video, ctx, info.alpha)
        if over:
            raise StepError(f"a one-pass GIF keeps every frame until its palette is known (~{mib(held)} MiB, "
                            f"over the memory budget of {mib(ctx.max_memory)} MiB), and two passes cannot "
                            f"be used: {cannot}", hint=GIF_HINT)
        ctx.holds(held)
        return self._one_pass(video, ctx, info.alpha)

    def first_trials(self) -> list[Palette]:
        """The first round of settings a quality number is measured on, in this palette's other fields."""
        plain = replace(self, quality=None, dither="none", stats_mode="full")
        return [replace(plain, colors=n) for n in FIRST_COLORS] + [replace(plain, colors=256, transparent=False)]

    def second_trials(self, reached: Palette) -> list[Palette]:
        """The second round: halfway below the first round's choice, and the size below it dithered."""
        below = max((n for n in FIRST_COLORS if n < reached.colors), default=None)
        if below is None:
            return []
        plain = replace(reached, transparent=None)
        dithered = [replace(plain, colors=below, dither=d, bayer_scale=b) for d, b in DITHERS]
        return [replace(plain, colors=HALFWAY[below])] + (dithered if below <= DITHERED_UP_TO else [])

    def measured(self, video: Pad, ctx: StepContext, info: MediaInfo) -> Palette:
        """The smallest trial whose SSIM on frames sampled from ``video`` reaches the quality's target (or, when
        none does, a little below the best of them); the choice is told in ``ctx.choices``.

        Without a port or for a source that cannot be read ahead (a live or piped stream), the preset the
        number stands for (:func:`preset_of`), unmeasured.
        """
        frames = info.frames if info.frames is not None else (
            None if info.duration is None else round(info.duration * float(info.fps or 25)))

        def run(trials: list[Palette]) -> list[tuple[int, float]] | None:
            if ctx.palette_trials is None or not trials:
                return None
            return ctx.palette_trials.try_palettes(video, frames, [
                (max(t.step, TRIAL_STEP), t._palettegen_options(info.alpha), t._paletteuse_options()) for t in trials])

        first = self.first_trials()
        answers = run(first)
        if not answers:
            colors, dither, stats, step = QUALITY[preset_of(self.quality)]
            ctx.choices.append(f"quality {self.quality}: {preset_of(self.quality)} ({colors} colours, dither {dither}), "
                               "not measured (a live, piped or generated source, or the trials failed)")
            return replace(self, quality=None, colors=colors, dither=dither, stats_mode=stats, step=step)
        loss = ssim_loss(self.quality)
        target = min(1 - loss, max(score for _, score in answers) - SHORT_OF_BEST * loss)

        def smallest(tried: list[tuple[Palette, tuple[int, float]]]) -> tuple[int, float, Palette]:
            size, score, _, trial = min((size, -score, n, trial) for n, (trial, (size, score)) in enumerate(tried)
                                        if score >= target - 1e-9)
            return size, -score, trial

        tried = list(zip(first, answers))
        second = self.second_trials(smallest(tried)[2])
        tried += list(zip(second, run(second) or []))
        _, score, chosen = smallest(tried)
        ctx.choices.append(f"quality {self.quality}: {chosen.describe()} (SSIM {score:.4f} on {len(tried)} trials "
                           f"over sampled frames, target {target:.4f})")
        return chosen

    def describe(self) -> str:
        """The chosen settings in the recipe's words.

        >>> Palette(64, "bayer", "full", 2, "rectangle", 4, "a.gif").describe()
        'colors: 64, dither: bayer, bayer_scale: 4'
        """
        words = f"colors: {self.colors}, dither: {self.dither}"
        words += f", bayer_scale: {self.bayer_scale}" if self.dither == "bayer" else ""
        return words + (", no transparency slot" if self.transparent is False else "")

    def _two_pass(self, video: Pad, ctx: StepContext, alpha: bool) -> Pad:
        """First pass: the palette to a PNG; the final pass reads it back as a second input."""
        first = provided(ctx.side_commands, "side commands (an FFmpeg command run before the final one)")
        palette = first.run_first([self._palettegen(video, ctx, alpha)], palette_path(self.output),
                                  [("-frames:v", "1"), ("-update", "1"), ("-c:v", "png"), ("-f", "image2")])
        return self._paletteuse(video, palette, ctx)

    def _one_pass(self, video: Pad, ctx: StepContext, alpha: bool = False) -> Pad:
        """One-pass palette GIF: palettegen sees the whole stream, paletteuse maps each frame."""
        return self._paletteuse(video, self._palettegen(video, ctx, alpha), ctx)

    def _palettegen(self, video: Pad, ctx: StepContext, alpha: bool) -> Pad:
        step = self.step
        counted = video
        if step > 1:
            # a sample of the pixels themselves (no averaging, which would invent colours)
            counted = ctx.chain(video, "scale", {"w": f"max(1,trunc(iw/{step}))", "h": f"max(1,trunc(ih/{step}))",
                                                 "flags": "neighbor"})
        return ctx.chain(counted, "palettegen", self._palettegen_options(alpha))

    def _palettegen_options(self, alpha: bool) -> dict:
        colors, stats = self.colors, self.stats_mode
        reserve = alpha or (colors == 256 and stats != "single" and self.transparent is not False)
        return {
            "max_colors": colors if colors != 256 else None,
            # Inter-frame transparency: the GIF encoder sends a pixel that did not change as transparent
            # (gifflags +transdiff, on by default) when the palette has a transparent entry or the frame
            # leaves an entry unused, which it then borrows. A full palette of 256 colours leaves none on
            # grainy film, so there one slot is reserved (FFmpeg's default): 13 % smaller on film, the same
            # on fire (docs/design.md). The encoder does this only while frames share the first palette,
            # so with a palette per frame all the colours go to the picture (unless it has alpha).
            # ``transparent: False`` (a trial) gives the slot to the picture instead.
            "reserve_transparent": None if reserve else 0,
            "stats_mode": stats if stats != "full" else None,
        }

    def _paletteuse(self, video: Pad, palette: Pad, ctx: StepContext) -> Pad:
        return ctx.filter("paletteuse", [video, palette], self._paletteuse_options()).pad()

    def _paletteuse_options(self) -> dict:
        dither, stats = self.dither, self.stats_mode
        # with a palette per frame, a rectangle update would leave the rest of the frame holding indices
        # into the previous palette: wrong colours (measured: SSIM 0.982 -> 0.966 on a test pattern)
        rectangle = self.diff_mode == "rectangle" and stats != "single"
        use = {"dither": dither, "diff_mode": "rectangle" if rectangle else None,
               "new": 1 if stats == "single" else None}
        if dither == "bayer":
            use["bayer_scale"] = self.bayer_scale
        return use


__all__ = [
    "DEFAULT_GIF_QUALITY",
    "PRESET_NUMBERS",
    "QUALITY",
    "Palette",
    "inputs_of",
    "mib",
    "palette_path",
    "preset_of",
    "ssim_loss",
]
