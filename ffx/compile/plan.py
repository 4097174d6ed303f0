"""A compiled recipe: one or more FFmpeg stages, ready to print or run.

A plan is plain data: argv lists, the file each stage writes, and what the
plan expects to come out (duration, frames, size) so the runner can show a
true percentage and check the result.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field

from ..media.info import MediaInfo

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


@dataclass(frozen=True)
class FfmpegStage:
    """One FFmpeg command. ``args`` excludes the binary and global flags; the output URL is last."""

    args: tuple[str, ...]
    output_path: str | None
    input_paths: tuple[str, ...] = ()
    duration: float | None = None
    frames: int | None = None
    filter_steps: tuple[tuple[str, str | None], ...] = ()
    kind: str = "video"  # output.Kind (video, gif, webp, avif, image, sequence, audio): what it must read back as

    def argv(self, binary: str = "ffmpeg", overwrite: bool = False, output_url: str | None = None) -> list[str]:
        args = list(self.args)
        if output_url is not None:
            args[-1] = output_url
        return [binary, *GLOBAL_ARGS, *(["-y"] if overwrite else []), *args]

    def step_of_filter(self, name: str, index: int) -> str | None:
        """The recipe step behind FFmpeg's ``Parsed_<name>_<index>`` filter instance."""
        if 0 <= index < len(self.filter_steps) and self.filter_steps[index][0] == name:
            return self.filter_steps[index][1]
        return None


@dataclass(frozen=True)
class Plan:
    """What ``compile_recipe`` produces and ``render`` runs."""

    stages: tuple[FfmpegStage, ...]
    result: MediaInfo
    memory_estimate: int = 0
    binary_path: str = "ffmpeg"
    overwrite: bool = False
    notes: tuple[str, ...] = field(default=())
    preview: tuple[str, ...] | None = None  # ffplay arguments for a live preview, when there is one input
    feeds: tuple = ()  # objects with lanes(): commands that feed the last stage through pipes
    temporary_files: tuple[str, ...] = ()  # written by a stage for a later one (a GIF palette), then removed

    def ffplay(self, binary: str = "ffplay") -> str:
        """The recipe's video as an ``ffplay`` command, quoted for a POSIX shell (live preview)."""
        if self.preview is None:
            from ..errors import RecipeError

            raise RecipeError("this recipe has no preview: it needs exactly one input with video")
        return shlex.join([binary, *GLOBAL_ARGS[:1], *self.preview])

    @property
    def argv(self) -> list[str]:
        """The single command's argv, naming ``ffmpeg`` (for multi-stage plans use ``stages``)."""
        return self.stages[0].argv("ffmpeg", self.overwrite)

    def argv_lists(self, binary: str = "ffmpeg") -> list[list[str]]:
        return [stage.argv(binary, self.overwrite) for stage in self.stages]

    def shell(self, binary: str = "ffmpeg") -> str:
        """Commands quoted for a POSIX shell, one per line, joined with ``&&``.

        A filtergraph longer than one argument may be (Linux: 128 KiB) goes in a
        quoted here-document that FFmpeg reads as the option's file. A plan with
        feeders becomes a small bash script joined by named pipes.
        """
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

    def to_json(self, binary: str = "ffmpeg") -> str:
        # a long file that no step counted: the header's duration, and no frame count (reading the whole
        # file for it would cost more than the excerpt; plan.result.frames counts when asked)
        counted = self.result.counted
        return json.dumps({"commands": self.argv_lists(binary), "duration": self.result.estimate.duration,
                           "frames": self.result.frames if counted else None, "memory_estimate": self.memory_estimate,
                           "temporary_files": list(self.temporary_files)}, indent=2)
