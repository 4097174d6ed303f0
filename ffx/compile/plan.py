"""A compiled recipe: one or more FFmpeg stages, ready to print or run.

A plan is plain data: stages (each one FFmpeg command as inputs, graph,
maps, output options and target), the file each stage writes, and what the
plan expects to come out (duration, frames, size) so the runner can show a
true percentage and check the result.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field, replace

from ..ffmpeg.binary import printed_name
from ..filtergraph.graph import Lowered, LoweredFilter, LoweredInput
from ..media.info import MediaInfo
from .to_ffmpeg_python import ffmpeg_python_graph

GLOBAL_ARGS = ("-hide_banner", "-nostdin")


LONGEST_ARGUMENT = 100_000

# A private file a lane's commands share (vidstab's transforms): a path in a temporary folder the runner
# makes and removes, and "$work/<token>" in printed scripts, whose folder the script removes on exit.
SCRATCH_TOKEN = "FFX_SCRATCH_{}"


@dataclass(frozen=True)
class Lane:
    """Commands that fill the pipe ``writes`` for the final stage, one after another.

    FFmpeg commands name the pipe by its token in their arguments. A Python
    stage (``python=True``: arguments of ``python -m ffx``) reads the pipe
    ``reads`` on its standard input and writes ``writes`` on its standard output.
    """

    writes: str
    commands: tuple[tuple[str, ...], ...]
    reads: str | None = None
    python: bool = False
    scratch: tuple[str, ...] = ()  # tokens (SCRATCH_TOKEN) of private files the commands share


def _binary(binary: object) -> str | None:
    """The FFmpeg (or ffplay) a printed command names: text, or None for the default."""
    if binary is not None and not (isinstance(binary, str) and "\0" not in binary):
        from ..errors import UsageError, quote

        raise UsageError(f"binary is the name or path of the program to print, not {quote(binary, 60)}")
    return binary


def _shell_command(argv: list[str]) -> str:
    if "-filter_complex" not in argv or len(argv[argv.index("-filter_complex") + 1].encode()) <= LONGEST_ARGUMENT:
        return shlex.join(argv)
    at = argv.index("-filter_complex")
    text = argv[at + 1]
    lines = set(text.splitlines())
    end = "FFX_GRAPH"
    while end in lines:
        end += "_"
    argv = argv[:at] + ["-/filter_complex", "/dev/stdin"] + argv[at + 2:]
    return f"{shlex.join(argv)} <<'{end}'\n{text}\n{end}"


# FFmpeg's image2 muxer picks the encoder from the file name's extension, which /proc/self/fd/N lacks.
IMAGE_ENCODERS = {".png": "png", ".jpg": "mjpeg", ".jpeg": "mjpeg", ".bmp": "bmp", ".tif": "tiff", ".tiff": "tiff"}
_VIDEO_CODEC_OPTIONS = {"-c:v", "-codec:v", "-vcodec"}


@dataclass(frozen=True)
class FfmpegStage:
    """One FFmpeg command as data: inputs, filtergraph, maps, output options and the URL written.

    Runs change a stage by replacing its parts (:meth:`to`, :meth:`with_output_options`,
    :meth:`with_urls`), never by editing its argv; :meth:`argv` writes the
    command and :attr:`args` is what it has always printed.
    """

    inputs: tuple[LoweredInput, ...]
    target: str  # the URL FFmpeg writes: "file:<path>", "pipe:1", ...
    output_path: str | None  # the file published when it is complete (None: the caller owns what is written)
    graph: str = ""  # the -filter_complex text ("" when the command has no filter)
    filters: tuple[LoweredFilter, ...] = ()  # the graph's filters, FFmpeg's Parsed_<name>_<n> order (pictures)
    maps: tuple[str, ...] = ()  # what each -map names: "[s3]" or "0:v:0"
    output_options: tuple[str, ...] = ()
    input_paths: tuple[str, ...] = ()
    duration: float | None = None
    frames: int | None = None
    kind: str = "video"  # output.Kind (video, gif, webp, avif, image, sequence, audio): what it must read back as

    @classmethod
    def from_lowered(cls, lowered: Lowered, output_path: str | None, **facts) -> FfmpegStage:
        """The stage of a lowered graph (:func:`~ffx.filtergraph.graph.lower`)."""
        return cls(inputs=lowered.inputs, target=lowered.url, output_path=output_path, graph=lowered.graph,
                   filters=lowered.filters, maps=lowered.maps, output_options=lowered.output_options, **facts)

    @property
    def filter_steps(self) -> tuple[tuple[str, str | None], ...]:
        """(filter name, recipe step) in FFmpeg's ``Parsed_<name>_<n>`` order."""
        return tuple((one.name, one.step) for one in self.filters)

    @property
    def args(self) -> tuple[str, ...]:
        """The command without the binary and global flags, the output URL last (what is printed)."""
        return tuple(self._words())

    def _words(self, target: str | None = None, graph_from: tuple[str, str] | None = None) -> list[str]:
        words = [word for one in self.inputs for word in (*one.options, "-i", one.url)]
        if graph_from is not None:
            words += graph_from
        elif self.graph:
            words += ["-filter_complex", self.graph]
        words += [word for stream in self.maps for word in ("-map", stream)]
        return [*words, *self.output_options, self.target if target is None else target]

    def argv(self, binary: str = "ffmpeg", overwrite: bool = False, target: str | None = None, *,
             global_options: tuple[str, ...] = (), graph_from: tuple[str, str] | None = None) -> list[str]:
        """The command: ``target`` writes elsewhere than :attr:`target`; ``global_options`` come before
        ``-y`` (log level, progress); ``graph_from`` is (option, path) reading the graph from a file."""
        return [binary, *GLOBAL_ARGS, *global_options, *(["-y"] if overwrite else []),
                *self._words(target, graph_from)]

    def output_option(self, name: str) -> str | None:
        """The value of an output option (the last one given), or None."""
        options = self.output_options
        at = [i for i, word in enumerate(options[:-1]) if word == name]
        return options[at[-1] + 1] if at else None

    def to(self, target: str, output_path: str | None = None, extension: str | None = None) -> FfmpegStage:
        """The same command writing ``target``; ``output_path`` is what is published (None: nothing).

        ``extension`` is the file name's, for a target whose name says nothing
        (``/proc/self/fd/N``): an image's encoder is then named outright.
        """
        stage = replace(self, target=target, output_path=output_path)
        encoder = IMAGE_ENCODERS.get((extension or "").lower())
        if encoder and not _VIDEO_CODEC_OPTIONS.intersection(self.args):
            stage = replace(stage, output_options=(*self.output_options, "-c:v", encoder))
        return stage

    def with_output_options(self, *options: tuple[str, str]) -> FfmpegStage:
        """Output options set: one already given gets the new value in its place, a new one comes last."""
        words = list(self.output_options)
        for name, value in options:
            at = [i for i, word in enumerate(words[:-1]) if word == name]
            if at:
                words[at[-1] + 1] = value
            else:
                words += [name, value]
        return replace(self, output_options=tuple(words))

    def with_urls(self, urls: dict[str, str]) -> FfmpegStage:
        """Inputs and target renamed (a pipe's token to its descriptor, a palette to a private file)."""
        inputs = tuple(replace(one, url=urls[one.url]) if one.url in urls else one for one in self.inputs)
        return replace(self, inputs=inputs, target=urls.get(self.target, self.target))

    def step_of_filter(self, name: str, index: int) -> str | None:
        """The recipe step behind FFmpeg's ``Parsed_<name>_<index>`` filter instance."""
        if 0 <= index < len(self.filters) and self.filters[index].name == name:
            return self.filters[index].step
        return None


@dataclass(frozen=True)
class Plan:
    """What ``compile_recipe`` produces and ``render`` runs."""

    stages: tuple[FfmpegStage, ...]
    result: MediaInfo
    memory_estimate: int = 0
    binary_path: str = "ffmpeg"
    overwrite: bool | tuple[int, int] = False  # a (device, inode): replace only that file (a batch's own output)
    notes: tuple[str, ...] = field(default=())
    preview: tuple[str, ...] | None = None  # ffplay arguments for a live preview, when there is one input
    feeds: tuple = ()  # objects with lanes(): commands that feed the last stage through pipes
    temporary_files: tuple[str, ...] = ()  # written by a stage for a later one (a GIF palette), then removed
    sources: tuple[tuple[str, str, bool], ...] = ()  # (input name, what feeds it, given with -i): Recipe.input_sources
    choices: tuple[str, ...] = ()  # settings the compile chose by measuring (a GIF's quality number)
    findings: tuple[str, ...] = ()  # what steps found by looking at the whole stream ("steps[0] (cut_silence): ...")
    # (input name, what was done to its picture and sound): compile/normalise.py; clean files are not listed
    normalised: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def ffplay(self, binary: str = "ffplay") -> str:
        """The recipe's video as an ``ffplay`` command, quoted for a POSIX shell (live preview)."""
        if self.preview is None:
            from ..errors import RecipeError

            raise RecipeError("this recipe has no preview: it needs exactly one input with video")
        return shlex.join([_binary(binary) or "ffplay", *GLOBAL_ARGS[:1], *self.preview])

    @property
    def argv(self) -> list[str]:
        """The single command's argv, naming ``ffmpeg`` (for multi-stage plans use ``stages``)."""
        return self.stages[0].argv("ffmpeg", self.overwrite)

    def argv_lists(self, binary: str | None = None) -> list[list[str]]:
        """Each stage's argv, naming ``binary`` (default: the FFmpeg the plan was compiled for, as
        ``ffx compile`` prints it: ``ffmpeg`` only when that word on PATH runs the same binary)."""
        binary = _binary(binary) or printed_name(self.binary_path)
        return [stage.argv(binary, self.overwrite) for stage in self.stages]

    def shell(self, binary: str | None = None) -> str:
        """Commands quoted for a POSIX shell, one per line, joined with ``&&``.

        They name ``binary``, by default the FFmpeg the plan was compiled for as
        ``ffx compile`` prints it, so they run as pasted where only the bundled
        FFmpeg exists. A filtergraph longer than one argument may be (Linux:
        128 KiB) goes in a quoted here-document that FFmpeg reads as the
        option's file. A plan with feeders becomes a small bash script joined
        by named pipes.
        """
        binary = _binary(binary) or printed_name(self.binary_path)
        if self.feeds:
            return self._piped_script(binary)
        commands = " &&\n".join(_shell_command(argv) for argv in self.argv_lists(binary))
        if not self.temporary_files:
            return commands
        # a subshell that removes the intermediates however it ends (failure, Ctrl-C), keeping the status
        return f"(trap {shlex.quote('rm -f -- ' + shlex.join(self.temporary_files))} EXIT\n{commands})"

    def _piped_script(self, binary: str) -> str:
        """The final stage reads FIFOs. Lanes of one command run in the background, each with its own
        descriptor; a lane of several (segment feeders) writes to fd 3, which the shell holds open
        between them."""
        lanes = [lane for feed in self.feeds for lane in feed.lanes()]
        fifo_of = {lane.writes: f'"$work/{i}"' for i, lane in enumerate(lanes)}
        consumer = shlex.join(self.stages[-1].argv(binary, self.overwrite))
        for token, fifo in fifo_of.items():
            consumer = consumer.replace(token, fifo)
        lines = [
            "#!/usr/bin/env bash",
            "# the final command reads named pipes that the commands below fill",
            "set -e",
            "work=$(mktemp -d) && trap 'rm -rf \"$work\"' EXIT",
            "mkfifo " + " ".join(fifo_of.values()),
            consumer + " &",
        ]
        foreground = []
        for lane in lanes:
            commands = [self._command(binary, lane, argv) for argv in lane.commands]
            if lane.python:
                lines.append(f"{commands[0]} <{fifo_of[lane.reads]} >{fifo_of[lane.writes]} &")
            elif len(commands) == 1:
                lines.append(f"{commands[0]} 3>{fifo_of[lane.writes]} &")
            else:
                foreground += [f"exec 3>{fifo_of[lane.writes]}", *commands, "exec 3>&-"]
        lines += [*foreground, "wait"]
        return "\n".join(lines)

    @staticmethod
    def _command(binary: str, lane: Lane, argv: tuple[str, ...]) -> str:
        if lane.python:
            return shlex.join(["python3", "-m", "ffx", *argv])
        words = []
        for arg in [binary, *GLOBAL_ARGS, "-loglevel", "error", *argv]:
            word = shlex.quote(arg)
            for token in lane.scratch:
                # inside a single-quoted word, close the quotes around "$work" so the shell expands it
                place = f'"$work/{token}"'
                word = word.replace(token, f"'{place}'" if word.startswith("'") else place)
            words.append(word)
        return " ".join(words).replace(lane.writes, "pipe:3")

    def to_ffmpeg_python(self):
        """This plan as an ffmpeg-python output node (the ``ffx[ffmpeg-python]`` extra): its ``.compile()``
        writes the same frames and samples as ``ffx render``; a plan ffmpeg-python cannot express (pipes,
        several commands, a graph deeper than its recursion) is refused in one line."""
        return ffmpeg_python_graph(self)

    def to_json(self, binary: str = "ffmpeg") -> str:
        # a long file that no step counted: the header's duration, and no frame count (reading the whole
        # file for it would cost more than the excerpt; plan.result.counted_exactly() counts it when asked)
        counted = self.result.counted
        return json.dumps({"commands": self.argv_lists(binary), "duration": self.result.estimate.duration,
                           "frames": self.result.frames if counted else None, "memory_estimate": self.memory_estimate,
                           "temporary_files": list(self.temporary_files),
                           "normalised": {name: list(done) for name, done in self.normalised},
                           "findings": list(self.findings)}, indent=2)
