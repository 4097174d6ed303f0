"""What the compiler provides to effects: the ports of :mod:`ffx.effects.context`, implemented.

Effects describe what they need (a command run first, frames reversed through
pipes, a whole file's keyframes, a font); here that becomes FFmpeg commands,
pipe tokens, lanes the runner executes, and the few reads of files the
compiler makes. One :class:`CompilerPorts` serves one compile; it collects the
feeds and earlier commands the plan lists.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from ..effects.context import Clip, PipedClip, RawVideo, SideCommand, StepError, read_ahead_problem
from ..effects.fonts import FONT_FILE_HINT, check_font_file
from ..ffmpeg import process
from ..filtergraph import graph
from ..filtergraph.graph import Node, Pad
from ..media.analysis import Analysis, AnalysisFailed, Passes
from ..media.cache import ProbeCache
from ..media.packets import FrameTimes
from ..syntax.timecode import format_seconds
from .plan import SCRATCH_TOKEN, Lane
from .segments import PIPE_TOKEN, Feed, build_feed, plan_segments
from .stages import StagedFeed, stage_argv


@dataclass(frozen=True)
class MeasuredFeed:
    """Two commands one after the other, the second writing raw frames into ``pipe`` (vid.stab's passes)."""

    pipe: str
    measure: tuple[str, ...]
    output: tuple[str, ...]
    scratch: str  # a SCRATCH_TOKEN: the private file the first writes and the second reads

    def lanes(self) -> list[Lane]:
        return [Lane(self.pipe, (self.measure, self.output), scratch=(self.scratch,))]


class GraphAnalyses:
    """The compiler's :class:`~ffx.effects.context.Analyses` port: the recipe's own graph up to the stream
    looked at, the analysis' filters after it, run once to nowhere (``-f null``) by :mod:`ffx.media.analysis`,
    which reads the last filter's log lines and remembers the answer by the inputs' identity."""

    def __init__(self, ffmpeg: str, probes: ProbeCache | None = None, **limits):
        self.ffmpeg = ffmpeg
        self.passes = Passes(probes, **limits)

    @property
    def runs(self) -> int:
        """FFmpeg passes made (a remembered answer makes none)."""
        return self.passes.runs

    def command(self, pad: Pad, analysis: Analysis) -> tuple[list[str], str]:
        """The pass's argv and the tag of the log lines to read (``[Parsed_<filter>_<n> @``)."""
        for name, options in analysis.filters:
            pad = graph.filter_node(name, [pad], list(options)).pad()
        lowered = graph.lower([pad], "-", [("-f", "null")])
        # the analysing filter is the output's, so the last in the graph's post-order: FFmpeg's n
        index = len(lowered.filters) - 1
        argv = [self.ffmpeg, "-hide_banner", "-nostdin", "-nostats", *lowered.args]
        return argv, f"[Parsed_{analysis.logger}_{index} @"

    def analyse(self, pad: Pad, analysis: Analysis):
        if pad.kind != (graph.AUDIO if analysis.kind == "audio" else graph.VIDEO):
            raise StepError(f"looking for {analysis.name} needs {analysis.kind}")
        problem = read_ahead_problem(Clip(video=pad, audio=None, info=None))  # type: ignore[arg-type]
        if problem is not None:
            raise StepError(f"looking for {analysis.name} reads the stream before the render, and {problem}: "
                            "it cannot be read twice", hint="give it a file or a generated input")
        argv, tag = self.command(pad, analysis)
        try:
            return self.passes.analyse(argv, tag, analysis)
        except AnalysisFailed as exc:
            raise StepError(f"looking for {analysis.name} before the render failed: {exc}") from None
        except OSError as exc:
            raise StepError(f"looking for {analysis.name} before the render failed: {exc.strerror}") from None


class CompilerPorts:
    """Every port of a :class:`~ffx.effects.context.StepContext` for one compile.

    ``keyframes`` and ``frame_times`` read the input files (the compiler's I/O,
    remembered where it is asked twice); everything else builds commands.
    """

    def __init__(self, *, keyframes: Callable[[str], list[float]] | None = None,
                 frame_times: Callable[..., FrameTimes] | None = None, palette_trials: object | None = None,
                 analyses: GraphAnalyses | None = None):
        self._keyframes = keyframes
        self._palette_trials = palette_trials
        self.analyses = analyses
        self._frame_times = frame_times
        self.feeds: list = []  # objects with lanes(), for Plan.feeds
        self.passes: list[SideCommand] = []  # commands run before the final one
        self.families: dict[str, str] = {}  # font family -> the file found for it, which the render reads

    def serving(self) -> dict:
        """The StepContext fields this object fills: every port, and the lists the plan reads."""
        return {"side_commands": self, "feeders": self, "input_options": self, "fonts": self,
                "input_files": self if self._keyframes is not None and self._frame_times is not None else None,
                "palette_trials": self._palette_trials, "analyses": self.analyses, "feeds": self.feeds,
                "passes": self.passes}

    # InputFiles ---------------------------------------------------------------------------------------

    def keyframes(self, path: str) -> list[float]:
        return self._keyframes(path)

    def frame_times(self, path: str, start: float, end: float, start_time: float = 0.0) -> FrameTimes:
        return self._frame_times(path, start, end, start_time)

    # InputOptions -------------------------------------------------------------------------------------

    def seek(self, node: Node, start: float, length: float) -> None:
        # -t only bounds the reading: FFmpeg counts it from the first frame decoded, not from -ss
        if start > 0:
            node.input_args.append(("-ss", format_seconds(start)))
        node.input_args.append(("-t", format_seconds(length)))

    def loop(self, node: Node) -> None:
        node.input_args.append(("-stream_loop", "-1"))

    # SideCommands -------------------------------------------------------------------------------------

    def run_first(self, pads: list[Pad], path: str, args: list[tuple[str, str]]) -> Pad:
        self.passes.append(SideCommand(pads=pads, path=path, args=args))
        return graph.input_pad(graph.input_node("file:" + path, [], True, False), graph.VIDEO)

    # Feeders ------------------------------------------------------------------------------------------

    def _pipes_used(self) -> int:
        """How many pipe tokens the feeds so far have taken: the next one is free."""
        return sum(len(feed.lanes()) for feed in self.feeds)

    @staticmethod
    def _raw_input(pipe: str, frames: RawVideo) -> Pad:
        return graph.input_pad(graph.input_node(pipe, frames.input_args(), True, False), graph.VIDEO)

    def reads_pipe(self, pad: Pad) -> bool:
        seen, stack = set(), [pad.node]
        while stack:
            node = stack.pop()
            if node.uid in seen:
                continue
            seen.add(node.uid)
            if node.is_input and node.name.startswith(PIPE_TOKEN.split("{")[0]):
                return True
            stack.extend(p.node for p in node.inputs)
        return False

    def scratch_file(self) -> str:
        return SCRATCH_TOKEN.format(self._pipes_used())

    def measured_then_piped(self, measure: Pad, output: Pad, frames: RawVideo, scratch: str) -> Pad:
        pipe = PIPE_TOKEN.format(self._pipes_used())
        first = graph.lower([measure], "-", [("-f", "null")]).args
        # every frame exactly once: no frame-rate correction on the raw output
        second = graph.lower([output], pipe, [("-fps_mode", "passthrough"), ("-f", "rawvideo")]).args
        self.feeds.append(MeasuredFeed(pipe, tuple(first), tuple(second), scratch))
        return self._raw_input(pipe, frames)

    def through_python(self, frames: Pad, kernel: str, options: dict[str, int | str], result: RawVideo) -> Pad:
        first = self._pipes_used()
        raw, out = PIPE_TOKEN.format(first), PIPE_TOKEN.format(first + 1)
        # every frame exactly once: no frame-rate correction on the raw output
        decoder = graph.lower([frames], raw, [("-fps_mode", "passthrough"), ("-f", "rawvideo")]).args
        self.feeds.append(StagedFeed(tuple(decoder), stage_argv(kernel, options), raw, out))
        return self._raw_input(out, frames=result)

    def reversed_in_segments(self, clip: Clip, first: int, end: int, max_frames: int) -> PipedClip | None:
        node, info = clip.input_node, clip.info
        if (node is None or not node.name.startswith("file:") or self._keyframes is None or info.normalised
                or any(isinstance(feed, Feed) for feed in self.feeds)):
            return None
        args = dict(node.input_args)
        # a trim step before may have become -ss/-t: it seeks half a frame before the first frame it keeps
        seek = float(args.get("-ss", 0))
        offset = info.start_time + (seek + 0.5 / float(info.fps) if seek else 0.0)
        path = node.name[len("file:"):]
        segments = plan_segments(first, end, float(info.fps), self.keyframes(path), max_frames, offset)
        clip_end = offset + info.duration if "-t" in args else None  # a trimmed input ends where the trim does
        feed = build_feed(path, info, segments, clip.audio is not None, self._pipes_used(), clip_end)
        self.feeds.append(feed)
        video = graph.input_pad(graph.input_node(feed.pipes[0], list(feed.video_input), True, False), graph.VIDEO)
        audio = None
        if feed.audio_input is not None:
            audio_node = graph.input_node(feed.pipes[1], list(feed.audio_input), False, True)
            audio = graph.input_pad(audio_node, graph.AUDIO)
        return PipedClip(video, audio, held_frames=max(s.end - s.first for s in segments))

    # Fonts --------------------------------------------------------------------------------------------

    def family_file(self, family: str) -> str:
        self.families[family] = find_font_family(family)
        return self.families[family]


def _family_key(name: str) -> str:
    # fontconfig compares family names ignoring case and blanks: "dejavusans" is "DejaVu Sans"
    return "".join(name.split()).lower()


def find_font_family(family: str) -> str:
    """The font file of an installed family, found the way FFmpeg's drawtext finds it (fontconfig).

    Fontconfig always answers with *some* font, so a family that is not installed
    would silently render in another one; the answer's own family names tell
    whether the one asked for was found. The file found is what drawtext then
    gets (``fontfile``), so the font checked is the font drawn. Where fontconfig's
    ``fc-match`` is missing, family names cannot be checked and are refused.
    """
    hint = "list the installed families with `fc-list : family`; or give a font file (.ttf, .otf), or sans"
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        raise StepError(f"font family {family!r} cannot be looked up: fontconfig's fc-match is not installed",
                        field="font", hint=FONT_FILE_HINT)
    try:
        answer = process.run([fc_match, "-f", "%{family}\n%{file}", "--", family], timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StepError(f"font family {family!r} cannot be looked up: {exc}", field="font", hint=hint) from None
    families, _, file = answer.stdout.partition("\n")
    wanted = _family_key(family.split(":")[0].replace("\\", ""))
    if answer.returncode != 0 or not file or wanted not in {_family_key(f) for f in families.split(",")}:
        raise StepError(f"font family {family!r} is not installed" +
                        (f" (fontconfig would draw {families.split(',')[0]!r} instead)" if families else ""),
                        field="font", hint=hint)
    check_font_file(file)
    return file


__all__ = ["CompilerPorts", "GraphAnalyses", "MeasuredFeed", "find_font_family"]
