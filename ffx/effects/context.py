"""What an effect works on and with: the :class:`Clip` it receives and hands on, and the
:class:`StepContext` that builds its filters and gives it what only the compiler can.

An effect describes; the context provides. What needs the run side or the
disk -- commands run before the final FFmpeg, commands that feed it through
pipes, a whole input file's keyframes or frame times, fonts, seeking an input
-- an effect asks for through a *port*: a small protocol defined here and
implemented by the compiler (``ffx/compile/ports.py``). So no effect imports
the compiler, the runner or a subprocess.

What an effect needs of the stream it receives (video, sound, a known length,
counted frames, a frame rate) it declares (``Effect.requires``); the compiler
checks it before ``apply``, with the one message of :data:`NEEDS` each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ..filtergraph import graph
from ..filtergraph.graph import Pad
from ..media.info import MediaInfo
from ..media.memory import buffering_memory

if TYPE_CHECKING:
    from ..media.analysis import Analysis
    from ..media.packets import FrameTimes

from ._clip import (  # noqa: F401 - the clip and its needs, re-exported: effects import them from here
    LIVE_HINT,
    NEEDS,
    RECEIVED,
    SOUND_HINT,
    Clip,
    Need,
    Precondition,
    StepError,
    read_ahead_problem,
    refusal,
    require,
)


# Ports: what the compiler provides ----------------------------------------------------------------------

@dataclass(frozen=True)
class RawVideo:
    """The raw frames a pipe carries, as the reading FFmpeg's input options describe them."""

    pix_fmt: str
    width: int
    height: int
    rate: Fraction

    def input_args(self) -> list[tuple[str, str]]:
        return [("-f", "rawvideo"), ("-pix_fmt", self.pix_fmt), ("-video_size", f"{self.width}x{self.height}"),
                ("-framerate", graph.option_text(self.rate))]


@dataclass(frozen=True)
class PipedClip:
    """What feeders write for the final FFmpeg: its video (and audio) inputs, and the most frames any holds."""

    video: Pad
    audio: Pad | None = None
    held_frames: int = 0


@dataclass(frozen=True)
class SideCommand:
    """An FFmpeg command the plan runs before the final one: ``pads`` written to ``path`` with ``args``.

    ``path`` is an intermediate file the final command reads; the plan lists it as temporary.
    """

    pads: list[Pad]
    path: str
    args: list[tuple[str, str]]


class Feeding(Protocol):
    """Anything whose ``lanes()`` are commands writing the pipes the final FFmpeg reads (``compile.plan.Lane``)."""

    def lanes(self) -> list: ...


class SideCommands(Protocol):
    """FFmpeg commands run to their end before the final one (a GIF's palette pass)."""

    def run_first(self, pads: list[Pad], path: str, args: list[tuple[str, str]]) -> Pad:
        """Write ``pads`` to the file ``path`` first; the final command's pad reading that file."""
        ...


class Feeders(Protocol):
    """Commands that write raw frames into pipes the final FFmpeg reads as inputs, running beside it."""

    def scratch_file(self) -> str:
        """The name, inside filter options, of a private file the next feeder's commands share."""
        ...

    def measured_then_piped(self, measure: Pad, output: Pad, frames: RawVideo, scratch: str) -> Pad:
        """Run ``measure`` over the whole stream first (its filters write ``scratch``), then ``output`` into a
        pipe of raw ``frames``; the final FFmpeg's pad reading it (vid.stab's two passes)."""
        ...

    def through_python(self, frames: Pad, kernel: str, options: dict[str, int | str], result: RawVideo) -> Pad:
        """``frames`` (raw, every one once) through the Python stage ``kernel``; its raw ``result`` as a pad."""
        ...

    def reads_pipe(self, pad: Pad) -> bool:
        """Whether the frames behind ``pad`` come from a pipe a feeder fills (read once: no second pass)."""
        ...

    def reversed_in_segments(self, clip: Clip, first: int, end: int, max_frames: int) -> PipedClip | None:
        """Frames ``[first, end)`` of a file input reversed by one feeder per segment of at most ``max_frames``,
        last segment first; None when ``clip`` is no longer a file input (as read, or seeked by a first trim)
        or another reverse is already fed."""
        ...


class InputFiles(Protocol):
    """What only reading a whole input file tells (the compiler's I/O; each answer is remembered)."""

    def keyframes(self, path: str) -> list[float]:
        """Times of the video's keyframes in the file (where a feeder can seek to)."""
        ...

    def frame_times(self, path: str, start: float, end: float, start_time: float = 0.0) -> FrameTimes:
        """When the frames around ``[start, end)`` are shown, exactly (a short packet scan, nothing decoded)."""
        ...


class InputOptions(Protocol):
    """How FFmpeg reads an input, set before ``-i`` (only while the clip is still that input as read)."""

    def seek(self, node: graph.Node, start: float, length: float) -> None:
        """Read from ``start`` (when positive) for at most ``length`` seconds: ``-ss``/``-t`` before ``-i``."""
        ...

    def loop(self, node: graph.Node) -> None:
        """Read the input over and over (``-stream_loop -1``): a sound track looped with nothing held."""
        ...


class PaletteTrials(Protocol):
    """GIF palette settings tried on a few frames sampled from a stream (a GIF's quality number, measured)."""

    def try_palettes(self, video: Pad, frames: int | None,
                     trials: list[tuple[int, dict, dict]]) -> list[tuple[int, float]] | None:
        """For each (palettegen's pixel step, palettegen's and paletteuse's options): the GIF bytes and the SSIM
        on the sampled frames of ``video`` (``frames`` long, when known); None when they cannot be read ahead."""
        ...


class Analyses(Protocol):
    """Passes over a whole stream before the render (silencedetect, scdet, cropdetect), their logs read."""

    def analyse(self, pad: Pad, analysis: Analysis) -> Any:
        """What ``analysis`` finds in the stream behind ``pad``: the recipe's graph up to it, run to its end
        with the analysis' filters after it, their log lines read (``analysis.read``). Remembered by the
        input files' identity, in memory and on disk, so a render after a validate runs no second pass.
        StepError when the stream cannot be read ahead (a live source, a pipe) or the pass fails."""
        ...


class Fonts(Protocol):
    """Font files on this machine."""

    def family_file(self, family: str) -> str:
        """The font file drawtext would use for ``family``; StepError (field ``font``) when it is not installed."""
        ...


Port = TypeVar("Port")


def provided(port: Port | None, what: str) -> Port:
    """``port`` itself; a step that needs ``what`` where no compiler provides it is refused."""
    if port is None:
        raise StepError(f"this step needs {what}, which only compiling a recipe provides")
    return port


@dataclass
class StepContext:
    """Everything an effect may use while it builds: the step's label, named streams, options, the memory
    accounting, and the ports through which it asks the compiler for commands, files and fonts."""

    label: str
    streams: dict[str, Clip]
    first_step: bool = False
    allow_unsafe: bool = False
    filters_used: dict[str, str] = field(default_factory=dict)  # filter -> step label, for capability checks
    memory_bytes: int = 0  # estimated peak of the FFmpeg processes: the largest buffer any step holds
    memory_step: str = ""  # the label of the step that holds it
    memory_notes: dict[str, str] = field(default_factory=dict)  # step label -> what its figure is, said over budget
    max_memory: int | None = None  # budget for buffering steps; beyond it reverse goes segment by segment
    encoder_frames: int = 60  # frames' worth of memory the output's encoder keeps (media.memory.encoder_frames)
    # the ports (None where no compiler provides them: an effect that needs one refuses with a clear line)
    side_commands: SideCommands | None = None
    feeders: Feeders | None = None
    input_files: InputFiles | None = None
    input_options: InputOptions | None = None
    fonts: Fonts | None = None
    palette_trials: PaletteTrials | None = None
    analyses: Analyses | None = None
    # what the ports collect for the plan: the compiler reads them when the steps are built
    feeds: list[Feeding] = field(default_factory=list)  # commands feeding the final FFmpeg through pipes
    passes: list[SideCommand] = field(default_factory=list)  # FFmpeg commands run before the final one
    choices: list[str] = field(default_factory=list)  # settings chosen by measuring (a GIF's quality), to show
    findings: list[str] = field(default_factory=list)  # what steps' analysis passes found ("label: text"), to show

    def analyse(self, pad: Pad, analysis: Analysis) -> Any:
        """What ``analysis`` finds in the whole stream behind ``pad``, looked at before the render
        (:class:`Analyses`); an effect that asks declares ``read_ahead`` in its ``requires``."""
        return provided(self.analyses, f"a look at the whole stream ({analysis.name})").analyse(pad, analysis)

    def tell(self, text: str) -> None:
        """Say what this step found by looking (``ffx validate`` and ``ffx compile`` show it, with the step)."""
        self.findings.append(f"{self.label}: {text}")

    def holds(self, nbytes: int) -> None:
        """Record that this step makes FFmpeg hold ``nbytes`` at its peak (the plan's estimate is the largest).

        Buffers that hold a whole clip (reverse, a GIF palette) release it as it plays out, so the
        peak is the largest of them, not their sum.
        """
        if nbytes > self.memory_bytes:
            self.memory_bytes, self.memory_step = int(nbytes), self.label

    def holds_frames(self, info: MediaInfo, frames: int, bytes_per_pixel: float | None = None) -> None:
        """Record that this step keeps ``frames`` frames of ``info`` waiting (media.memory's model: FFmpeg,
        the encoder's frames and the frames held; decoded 4:2:0 unless ``bytes_per_pixel`` says otherwise)."""
        self.holds(buffering_memory(info, frames, self.encoder_frames, bytes_per_pixel))

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
            require(clip, {"frame_rate"})
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

    def stream(self, name: str, field_name: str = "", needs: Iterable[Need] = ()) -> Clip:
        """The stream called ``name``, meeting ``needs`` (refused with their messages, at ``field_name``)."""
        if name not in self.streams:
            known = ", ".join(sorted(self.streams)) or "none yet"
            raise StepError(f"no stream named {name!r} (known: {known})", field=field_name,
                            hint="name a stream with `as:` on an earlier step, or in `inputs:`")
        require(self.streams[name], needs, stream=name, field=field_name)
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
