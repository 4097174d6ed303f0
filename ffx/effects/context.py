"""What an effect works on and with: the :class:`Clip` it receives and hands on, and the
:class:`StepContext` that builds its filters and gives it what only the compiler can (ports).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..filtergraph import graph
from ..filtergraph.graph import Pad
from ..media.probe import MediaInfo


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
