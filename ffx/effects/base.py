"""What every effect is: a frozen pydantic model that checks itself against the
media it receives, adds its filters to the graph and says what it hands on.

An effect never touches FFmpeg or the disk; it sees a :class:`Clip` (graph pads
plus :class:`~ffx.media.MediaInfo`) and a :class:`StepContext` that knows which
recipe step is being built, so every filter can be traced back to it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Annotated, Any, ClassVar, Literal, get_args, get_origin

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, ValidationError, WithJsonSchema

from ..filtergraph import graph
from ..filtergraph.graph import AUDIO, VIDEO, Pad
from ..media.probe import MediaInfo
from ..syntax.problems import model_error
from ..syntax.timecode import parse_time

STREAM_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"

Time = Annotated[
    float,
    BeforeValidator(parse_time),
    WithJsonSchema({
        "anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?(\d+:)?(\d+:)?\d+(\.\d*)?$"},
                  {"type": "array", "items": {"type": "number"}, "minItems": 1, "maxItems": 3}],
        "description": "seconds, a clock string such as \"1:22.65\", or [minutes, seconds]",
    }),
]


def parse_rate(value: object) -> Fraction:
    """A frame rate from 25, 12.5, "30000/1001" or "ntsc".

    >>> parse_rate("30000/1001"), parse_rate(12.5), parse_rate("ntsc")
    (Fraction(30000, 1001), Fraction(25, 2), Fraction(30000, 1001))
    """
    named = {"ntsc": Fraction(30000, 1001), "pal": Fraction(25), "film": Fraction(24), "ntsc_film": Fraction(24000, 1001)}
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, bool):
        raise ValueError("a frame rate must be a number such as 25 or \"30000/1001\"")
    elif isinstance(value, int):
        rate = Fraction(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("a frame rate must be finite")
        rate = Fraction(value).limit_denominator(1001)
        if abs(value * 1.001 - round(value * 1.001)) < 1e-3 and abs(value - round(value)) > 1e-3:
            rate = Fraction(round(value * 1.001) * 1000, 1001)  # 23.976 -> 24000/1001, exactly
    elif isinstance(value, str) and value.strip().lower() in named:
        rate = named[value.strip().lower()]
    elif isinstance(value, str):
        try:
            rate = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{value!r} is not a frame rate; write 25, 12.5 or \"30000/1001\"") from None
    else:
        raise ValueError("a frame rate must be a number such as 25 or \"30000/1001\"")
    if rate <= 0 or rate > 1000:
        raise ValueError(f"frame rate {rate} is outside 0-1000 fps")
    return rate


Rate = Annotated[
    Fraction,
    BeforeValidator(parse_rate),
    PlainSerializer(lambda r: int(r) if r.denominator == 1 else f"{r.numerator}/{r.denominator}"),
    WithJsonSchema({"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "string"}],
                    "description": "frames per second: 25, 12.5 or \"30000/1001\""}),
]

StreamName = Annotated[str, Field(pattern=STREAM_NAME, max_length=64)]


class _Reference:
    """Marks a field whose value names a stream this step reads (see :func:`stream_references`)."""

    def __repr__(self) -> str:
        return "StreamRef"


REFERENCE = _Reference()
StreamRef = Annotated[str, Field(pattern=STREAM_NAME, max_length=64), REFERENCE]
"A field that reads a named stream (an input or an earlier step's ``as:``): the compiler finds every one by this type."


def stream_references(step: BaseModel) -> list[str]:
    """The stream names a step reads, from every field typed :data:`StreamRef` (or a list of them).

    The compiler needs them all: an input read whole by a reference must not be
    fast-seeked by a first ``trim``, and an input nobody reads is a mistake.
    """
    names: list[str] = []
    for name, info in type(step).model_fields.items():
        if not _is_reference(info.annotation, info.metadata):
            continue
        value = getattr(step, name)
        if isinstance(value, str):
            names.append(value)
        elif isinstance(value, (list, tuple)):
            names.extend(v for v in value if isinstance(v, str))
    return names


def _is_reference(annotation: Any, metadata: list) -> bool:
    if any(m is REFERENCE for m in metadata):
        return True
    if get_origin(annotation) is Annotated:
        return any(m is REFERENCE for m in get_args(annotation)[1:]) or _is_reference(get_args(annotation)[0], [])
    return any(_is_reference(arg, []) for arg in get_args(annotation))

COLOR = r"^(#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?|[a-zA-Z]{3,20})(@(0(\.[0-9]+)?|1(\.0+)?))?$"
RANDOM_COLORS = ("random", "bikeshed")  # FFmpeg draws a new colour for these names on every run


def fixed_color(value: str) -> str:
    """Refuse FFmpeg's random colours: a render must come out the same every time.

    >>> fixed_color("black@0.5")
    'black@0.5'
    """
    if isinstance(value, str) and value.split("@")[0].strip().lower() in RANDOM_COLORS:
        raise ValueError(f"{value!r} is a different colour on every render; "
                         "write a fixed colour such as white, #ff8800 or black@0.5")
    return value


Color = Annotated[str, Field(pattern=COLOR, max_length=32,
                             description="a colour name (white), #rrggbb, optionally @opacity (black@0.5)"),
                  AfterValidator(fixed_color)]


class StepError(Exception):
    """An effect cannot apply to the media it receives; ``field`` is relative to the effect."""

    def __init__(self, message: str, field: str = "", hint: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field
        self.hint = hint


@dataclass(frozen=True)
class Clip:
    """The media flowing between steps: graph pads for video and audio, and what they hold."""

    video: Pad | None
    audio: Pad | None
    info: MediaInfo
    input_node: graph.Node | None = None  # set while the clip is still an untouched input

    def evolve(self, **changes) -> Clip:
        changes.setdefault("input_node", None)
        return replace(self, **changes)


@dataclass
class StepContext:
    """Everything an effect may use while it builds: the step's label, named streams, options."""

    label: str
    streams: dict[str, Clip]
    first_step: bool = False
    allow_unsafe: bool = False
    filters_used: dict[str, str] = field(default_factory=dict)  # filter -> step label, for capability checks
    memory_bytes: int = 0  # estimated peak of the FFmpeg processes: the largest buffer any step holds
    memory_step: str = ""  # the label of the step that holds it
    max_memory: int | None = None  # budget for buffering steps; beyond it reverse goes segment by segment
    encoder_frames: int = 60  # frames' worth of memory the output's encoder keeps (segments.encoder_frames)
    keyframes: Any = None  # callable: file path -> keyframe times (the compiler's only I/O, injected)
    frame_times: Any = None  # callable: (file path, start, end, file start) -> media.FrameTimes (injected)
    feeds: list = field(default_factory=list)  # commands feeding the final FFmpeg through pipes (lanes())
    passes: list = field(default_factory=list)  # FFmpeg commands run before the final one (output.EarlierPass)

    def holds(self, nbytes: int) -> None:
        """Record that this step makes FFmpeg hold ``nbytes`` at its peak (the plan's estimate is the largest).

        Buffers that hold a whole clip (reverse, a GIF palette) release it as it plays out, so the
        peak is the largest of them, not their sum.
        """
        if nbytes > self.memory_bytes:
            self.memory_bytes, self.memory_step = int(nbytes), self.label

    def pipes_used(self) -> int:
        """How many pipe tokens the feeds so far have taken: the next one is free."""
        return sum(len(feed.lanes()) for feed in self.feeds)

    def filter(self, name: str, pads: list[Pad] | Pad, options: dict | list | None = None,
               outputs: tuple[str, ...] | None = None) -> graph.Node:
        """Add one filter, remembering this step as its author."""
        if isinstance(pads, Pad):
            pads = [pads]
        self.filters_used.setdefault(name, self.label)
        return graph.filter_node(name, pads, options, outputs, step=self.label)

    def chain(self, pad: Pad, name: str, options: dict | list | None = None) -> Pad:
        """Apply a one-in, one-out filter and return its output."""
        return self.filter(name, pad, options).pad()

    def rgb(self, video: Pad, packed: bool = False, alpha: bool = False) -> Pad:
        """The picture in RGB, planar (gbrp) unless ``packed`` (rgb24) is asked for.

        FFmpeg's scaler converts 4:2:0 video to planar RGB on a path that interpolates chroma, and to
        packed RGB on a fast path that repeats each chroma sample over two pixels. Where an earlier
        resize does the conversion while it scales, the fast path averages fine colour detail away
        (a mean error of 59 on 5 px red and blue stripes halved). Packed RGB is therefore always made
        from planar, a lossless reordering.
        """
        video = self.chain(video, "format", {"pix_fmts": "gbrap" if alpha else "gbrp"})
        return self.chain(video, "format", {"pix_fmts": "rgba" if alpha else "rgb24"}) if packed else video

    def constant_rate(self, clip: Clip) -> Pad:
        """The clip's video re-timed to exactly frame ``n`` at ``n / fps``.

        Filters that pair frames from two branches (blend, overlay, stacks) match
        them by timestamp. Coarse time bases (1/1000 for 29.97 fps) and phone
        clips with jittery, variable timestamps make a delayed branch land
        between frames, and framesync then silently pairs frame n with n-N-1.
        ``fps`` alone does not cure a variable-rate clip (it drops and repeats
        frames); ``setpts`` by frame index does, and the ``fps`` after it only
        tells later filters the rate (every frame already sits on its slot).
        """
        if clip.info.fps is None:
            raise StepError("this effect needs a known frame rate", hint="add an fps step first")
        rate = clip.info.fps
        video = self.chain(clip.video, "setpts", {"expr": f"N/({rate}*TB)"})
        return self.chain(video, "fps", {"fps": rate})

    def ends_after_its_frames(self, video: Pad, info: MediaInfo) -> Pad:
        """A paired stream (blend, overlay, stacks) made to end at n / fps, after its last frame, not on it.

        framesync with ``shortest`` ends the stream at the last frame's own time
        when the other input goes on (a whole input, a delayed copy), so an fps or
        speed after it would lose that frame's slot (11 frames where 12 were due).
        setpts evaluates its expression for the end too: N / fps is n / fps there,
        and every frame, already on its index after :meth:`constant_rate`, stays.
        """
        if info.fps is None:
            return video
        return self.chain(video, "setpts", {"expr": f"N/({info.fps}*TB)"})

    @staticmethod
    def constant_rate_info(info: MediaInfo) -> MediaInfo:
        """What :meth:`constant_rate` hands on: the clip's n frames, n / fps long.

        A variable-rate clip's duration is where its timestamps end; re-timed by
        frame index it ends at n / fps, and an fps or speed after it counts from there.
        """
        if info.frames is None or not info.fps:
            return info
        return info.replace(duration=info.frames / float(info.fps))

    def lasting(self, clip: Clip, length: MediaInfo) -> Clip:
        """A still (one picture) repeated to ``length``'s frame count at its rate; other clips unchanged.

        A PNG is one frame, and a filter that pairs it with a video and stops at
        the shorter stream would stop after that frame. ``loop`` repeats the one
        frame it holds (``size=1``) for every frame of ``length``, or forever when
        that is a live source; the pairing filter re-times it with the other stream.
        """
        if not clip.info.still or length.still or clip.video is None:
            return clip
        count = None if length.frames is None else max(1, length.frames)
        # loop=N-1 repeats the frame N-1 times after the first (-1: without end)
        video = self.chain(clip.video, "loop", {"loop": -1 if count is None else count - 1, "size": 1, "start": 0})
        info = clip.info.replace(fps=length.fps, duration=length.duration, frames=count, still=False)
        return clip.evolve(video=video, info=info)

    def paired(self, clips: list[Clip]) -> list[Clip]:
        """Streams a filter pairs frame by frame, the stills among them as long as the first moving one."""
        moving = next((c.info for c in clips if not c.info.still), None)
        return clips if moving is None else [self.lasting(c, moving) for c in clips]

    def stream(self, name: str, field_name: str = "") -> Clip:
        if name not in self.streams:
            known = ", ".join(sorted(self.streams)) or "none yet"
            raise StepError(f"no stream named {name!r} (known: {known})", field=field_name,
                            hint="name a stream with `as:` on an earlier step, or in `inputs:`")
        return self.streams[name]


def paired_length(main: Clip, others: list[Clip], shortest: bool) -> MediaInfo:
    """What a filter pairing ``main`` with ``others`` frame by frame puts out, at ``main``'s rate.

    FFmpeg's frame sync ends with the shortest stream (``shortest=1``) or else
    with the longest, repeating the last frame of those that ended. A live
    stream never ends.
    """
    # every stream is re-timed by frame index first (StepContext.constant_rate): n frames last n / fps
    info = StepContext.constant_rate_info(main.info)
    lengths = [StepContext.constant_rate_info(c.info).duration for c in [main, *others]]
    known = [d for d in lengths if d is not None]
    if shortest:
        length = min(known) if known else None
    else:
        length = None if None in lengths else max(lengths)
    return info if length == info.duration else info.with_duration(length)


class Effect(BaseModel):
    """Base of all effects. Subclasses set ``effect`` to a literal name."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False, defer_build=True,
                              populate_by_name=True)

    effect: str
    source: StreamRef | None = Field(None, alias="from", description="take this named stream instead of the previous step's")
    target: StreamName | None = Field(None, alias="as", description="name this step's result so later steps can use it")

    main_parameter: ClassVar[str | None] = None  # `- resize: 0.3` sets this field
    file_fields: ClassVar[tuple[str, ...]] = ()  # fields naming files: relative to the recipe's folder
    example: ClassVar[str] = ""
    # How far back each frame this step puts out depends on the frames it receives, so that ``render
    # --chunks`` splits a render only where the pieces provably join into the same frames (ffx/chunking):
    # "none" (on its own frame only, never on the time), "bounded" (also on the few frames just before it:
    # frames_of_state() says how many) or "unbounded" (on frames without limit, on the whole clip or on the
    # time). Unbounded is the default, so nothing is split by accident. Steps that are split leave the sound
    # alone or treat it the same whoever renders it: the sound is always rendered in one piece.
    frame_state: ClassVar[Literal["none", "bounded", "unbounded"]] = "unbounded"
    unbounded_because: ClassVar[str] = ("is not declared safe to split: its frames may depend on the time or on "
                                        "frames far back")
    # "index" for steps that re-time frame n to n / fps (StepContext.constant_rate): where the pieces of a
    # split render start on the output's clock then follows from frame numbers, not from the input's times
    frame_clock: ClassVar[Literal["kept", "index"]] = "kept"

    def __init__(self, main: Any = None, /, **data: Any):
        if main is not None:
            if not self.main_parameter:
                raise TypeError(f"{type(self).__name__} takes keyword arguments only")
            data[self.main_parameter] = main
        if "effect" not in data:
            data["effect"] = type(self).model_fields["effect"].default
        try:
            super().__init__(**data)
        except ValidationError as exc:
            # ``Resize("abc")`` in Python reads like the YAML's error, not pydantic's dump; the
            # recipe loader, which validates through here too, maps ``validation`` to YAML lines
            raise model_error(data["effect"], exc, type(self)) from None

    def relative_to(self, folder: str, keep: frozenset = frozenset()) -> Effect:
        """This step with the relative paths of its :attr:`file_fields` taken from ``folder`` (the recipe
        file's), except for the fields in ``keep`` (given on the command line)."""
        update = {name: os.path.join(folder, value) for name in self.file_fields
                  if name not in keep and isinstance(value := getattr(self, name), str) and not os.path.isabs(value)}
        return self.model_copy(update=update) if update else self

    def frames_of_state(self) -> int | str:
        """How many frames before each output frame it depends on (0 for "none"), or, as text, why no bound
        holds: what ``--chunks`` says when it refuses to split. Bounded effects say their count."""
        if self.frame_state == "none":
            return 0
        return self.unbounded_because

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:  # pragma: no cover - abstract
        raise NotImplementedError

    # helpers shared by effects -------------------------------------------------

    @staticmethod
    def need_video(clip: Clip) -> None:
        if clip.video is None:
            raise StepError("this effect needs video, and the stream it receives has none")


__all__ = ["AUDIO", "COLOR", "VIDEO", "Clip", "Color", "Effect", "Rate", "StepContext", "StepError", "StreamName", "StreamRef", "Time",
           "paired_length", "stream_references"]
