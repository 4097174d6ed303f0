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

import os
from dataclasses import dataclass

from ..effects.context import StepContext, StepError, provided
from ..filtergraph.graph import Node, Pad
from ..media.info import MediaInfo
from ..media.memory import RGBA, buffering_memory

# GIF presets (colors, dither, stats_mode, palette_step), chosen with bench/gif.py: SSIM per byte against
# MoviePy. palettegen's histogram dominates the time on colourful clips; counting every other pixel in
# each direction cost 0.0006-0.0008 SSIM there and saved 30-45 % of the time (docs/design.md).
QUALITY = {
    "best": (256, "none", "single", 1),
    "high": (256, "none", "full", 2),
    "medium": (128, "none", "full", 2),
    "low": (64, "none", "full", 2),
}



def palette_path(output: str) -> str:
    """Where a printed two-pass plan keeps the palette: hidden, beside the output.

    >>> palette_path("clips/out.gif")
    'clips/.out.gif.palette.png'
    """
    folder, name = os.path.split(output)
    return os.path.join(folder, f".{name}.palette.png")


def _inputs_of(pads: list[Pad]) -> list[Node]:
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
    for node in _inputs_of([video]):
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
        held = self.memory(info)
        over = ctx.max_memory is not None and held > ctx.max_memory
        cannot = _read_twice(video) if over else None
        if over and cannot is None:
            return self._two_pass(video, ctx, info.alpha)
        if over:
            raise StepError(f"a one-pass GIF keeps every frame until its palette is known (~{mib(held)} MiB, "
                            f"over the memory budget of {mib(ctx.max_memory)} MiB), and two passes cannot "
                            f"be used: {cannot}", hint=GIF_HINT)
        ctx.holds(held)
        return self._one_pass(video, ctx, info.alpha)

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
        colors, stats, step = self.colors, self.stats_mode, self.step
        counted = video
        if step > 1:
            # a sample of the pixels themselves (no averaging, which would invent colours)
            counted = ctx.chain(video, "scale", {"w": f"max(1,trunc(iw/{step}))", "h": f"max(1,trunc(ih/{step}))",
                                                 "flags": "neighbor"})
        return ctx.chain(counted, "palettegen", {
            "max_colors": colors if colors != 256 else None,
            # Inter-frame transparency: the GIF encoder sends a pixel that did not change as transparent
            # (gifflags +transdiff, on by default) when the palette has a transparent entry or the frame
            # leaves an entry unused, which it then borrows. A full palette of 256 colours leaves none on
            # grainy film, so there one slot is reserved (FFmpeg's default): 13 % smaller on film, the same
            # on fire (docs/design.md). The encoder does this only while frames share the first palette,
            # so with a palette per frame all the colours go to the picture (unless it has alpha).
            "reserve_transparent": None if alpha or (colors == 256 and stats != "single") else 0,
            "stats_mode": stats if stats != "full" else None,
        })

    def _paletteuse(self, video: Pad, palette: Pad, ctx: StepContext) -> Pad:
        dither, stats = self.dither, self.stats_mode
        # with a palette per frame, a rectangle update would leave the rest of the frame holding indices
        # into the previous palette: wrong colours (measured: SSIM 0.982 -> 0.966 on a test pattern)
        rectangle = self.diff_mode == "rectangle" and stats != "single"
        use = {"dither": dither, "diff_mode": "rectangle" if rectangle else None,
               "new": 1 if stats == "single" else None}
        if dither == "bayer":
            use["bayer_scale"] = self.bayer_scale
        return ctx.filter("paletteuse", [video, palette], use).pad()


__all__ = ["QUALITY", "Palette", "mib", "palette_path"]
