"""title: a title card, text on a colour or on a blurred still of the clip, as a clip of its own.

The card has the clip's size and rate and lasts ``duration`` exactly (a whole
number of frames); it has no sound (``concat`` gives it silence). Name it with
``as:`` and put it in a ``concat``. The text is drawn by the ``text`` effect,
so it takes the same font, size, colour and position options; a title wider than
the card is drawn smaller until it fits (``fit: shrink``, the default here).
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#color and #gblur and #tpad
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..filtergraph import graph
from .base import Effect
from .context import Clip, StepContext, StepError
from .fields import Color
from .text import DrawnText, Fit, FontName, Position, Text, font_from


class Title(Effect):
    """A title card of ``duration`` seconds: ``text`` on a colour, or on the clip's first frame blurred."""

    effect: Literal["title"] = "title"
    text: DrawnText = Field(min_length=1, max_length=10_000, description="the title; new lines start new lines")
    duration: float = Field(2.0, gt=0, le=3600, description="seconds the card lasts")
    background: Color | Literal["blur"] = Field("black", description="a colour, or blur: the clip's first frame blurred")
    blur: float = Field(20, gt=0, le=1000, description="strength of the blur (gblur sigma) for background: blur")
    font: FontName = Field("sans", min_length=1, max_length=4096, description="as for text")
    size: int = Field(64, ge=4, le=2048, description="font size in pixels")
    color: Color = Field("white", description="text colour")
    position: Position | list[int] = Field("center", description="as for text")
    fit: Fit = Field("shrink", description="a title wider than the card: shrink (a smaller size), wrap (more lines) "
                                           "or none (cut off, with a warning)")

    main_parameter = "text"
    example = '- title: {text: "Summer 2026", duration: 2, background: blur, as: intro}'

    def relative_to(self, folder: str, keep: frozenset = frozenset()) -> Title:
        return self if "font" in keep else self.model_copy(update={"font": font_from(self.font, folder)})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        if not info.has_video or info.fps is None:
            raise StepError("a title card takes its size and rate from a clip with video")
        frames = max(1, round(self.duration * info.fps))
        if self.background == "blur":
            if clip.video is None:
                raise StepError("background: blur needs the clip's picture")
            still = ctx.chain(clip.video, "trim", {"end_frame": 1})
            still = ctx.chain(still, "setpts", {"expr": "PTS-STARTPTS"})
            still = ctx.chain(still, "gblur", {"sigma": self.blur})
            video = ctx.chain(still, "tpad", {"stop_mode": "clone", "stop": frames - 1})
        else:
            spec = graph.filter_spec("color", [("color", self.background), ("size", info.size),
                                               ("rate", graph.option_text(info.fps))])
            node = graph.input_node(spec, [("-f", "lavfi")], True, False)
            video = graph.input_pad(node, graph.VIDEO)
            video = ctx.chain(video, "trim", {"end_frame": frames})
            if info.pix_fmt:
                video = ctx.chain(video, "format", {"pix_fmts": info.pix_fmt})
        card = clip.evolve(video=video, audio=None,
                           info=info.replace(frames=frames, duration=float(frames / info.fps), has_audio=False,
                                             sample_rate=None, channel_layout=None, alpha=False))
        text = Text(text=self.text, font=self.font, size=self.size, color=self.color, position=self.position,
                    fit=self.fit)
        return text.apply(card, ctx)
