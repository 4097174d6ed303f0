"""Runs a plan: FFmpeg as a child process, progress, atomic outputs, cleanup.

Guarantees, whatever happens (FFmpeg error, Ctrl-C, SIGTERM, SIGHUP, ffx
killed with SIGKILL): the output path holds either its old content or the
complete new file; no temporary file stays behind; no FFmpeg child outlives
the run. FFmpeg writes to an unnamed file in the target's folder
(:mod:`ffx.partfile`), which gets the target's name only when FFmpeg succeeded
and the file reads back as planned. Children are started and stopped by
:mod:`ffx.process`: own process group, parent-death signal.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from ..errors import InputError, RenderError
from ..media.probe import _probe_argv as probe_argv, parse_ffmpeg_report
from .partfile import PartFile
from ..compile.plan import GLOBAL_ARGS, FfmpegStage, Plan
from ..ffmpeg.process import Child, run, terminations_raise

ProgressCallback = Callable[["Progress"], None]
_PARSED_FILTER = re.compile(r"Parsed_([a-z0-9_]+?)_(\d+)")


@dataclass(frozen=True)
class Progress:
    """One progress report: seconds written so far out of ``total`` (None when unknown)."""

    done: float
    total: float | None
    speed: float | None
    fps: float | None
    finished: bool = False
    frames: int | None = None  # frames written so far, as FFmpeg counts them

    @property
    def fraction(self) -> float | None:
        """Of the total, 0 to 1; 1 once FFmpeg has finished (None when the total is unknown)."""
        if not self.total:
            return None
        if self.finished:
            return 1.0
        return min(1.0, max(0.0, self.done / self.total))


def check_can_write(target: str, overwrite: bool) -> None:
    """Refuse before any work: an existing output without ``overwrite``, a name the folder cannot hold."""
    if os.path.lexists(target) and not overwrite:
        raise InputError(f"the output {target!r} already exists; use --overwrite to replace it")
    name = os.path.basename(target)
    folder = os.path.dirname(os.path.abspath(target))
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if limit and len(os.fsencode(name)) > limit:
        raise InputError(f"the output name {name!r} is {len(os.fsencode(name))} bytes long; "
                         f"the file system of {folder!r} allows at most {limit}")


# FFmpeg's image2 muxer picks the encoder from the file name's extension, which /proc/self/fd/N lacks.
IMAGE_ENCODERS = {".png": "png", ".jpg": "mjpeg", ".jpeg": "mjpeg", ".bmp": "bmp", ".tif": "tiff", ".tiff": "tiff"}
_VIDEO_CODEC_OPTIONS = {"-c:v", "-codec:v", "-vcodec"}


def aim_output(args: list[str], url: str, extension: str) -> list[str]:
    """Point an FFmpeg command's output (its last argument) at ``url``, saying what the file name said."""
    args = [*args[:-1], url]
    encoder = IMAGE_ENCODERS.get(extension.lower())
    if encoder and not _VIDEO_CODEC_OPTIONS.intersection(args):
        args[-1:-1] = ["-c:v", encoder]
    return args


def run_stage(stage: FfmpegStage, binary: str, *, overwrite: bool = False,
              on_progress: ProgressCallback | None = None, extra_args: tuple[str, ...] = (),
              feeds: tuple = ()) -> None:
    """Run one FFmpeg stage to completion and publish its output, or leave everything as it was.

    ``feeds`` (segmented reverses) are FFmpeg commands run one after another
    in threads, writing into pipes that this stage reads as inputs.
    """
    target = stage.output_path
    if target is None:
        render_into(None, stage, binary, on_progress=on_progress, extra_args=extra_args, feeds=feeds)
        return
    check_can_write(target, overwrite)
    with PartFile.beside(target) as part:
        render_into(part, stage, binary, on_progress=on_progress, extra_args=extra_args, feeds=feeds)
        part.publish(target, overwrite)


def render_into(part: PartFile | None, stage: FfmpegStage, binary: str, *,
                on_progress: ProgressCallback | None = None, extra_args: tuple[str, ...] = (),
                feeds: tuple = ()) -> None:
    """Run the stage with its output in ``part`` and check what FFmpeg wrote there; publish nothing."""
    argv = stage.argv(binary, overwrite=True)
    if part is not None:
        argv = aim_output(argv, part.url, os.path.splitext(stage.output_path or "")[1])
    # the handlers outlast the clean-up, so a second SIGTERM during it is ignored, not obeyed halfway
    with terminations_raise(), contextlib.ExitStack() as cleanup:
        pipes = cleanup.enter_context(_Pipes(feeds))
        read_fd, write_fd = os.pipe()
        cleanup.callback(os.close, read_fd)
        writer = cleanup.enter_context(_Descriptor(write_fd))
        argv[3:3] = ["-loglevel", "error", "-nostats", "-progress", f"pipe:{write_fd}", *extra_args]
        argv = pipes.reader_argv(argv)
        graph_fds = spill_long_graph(argv, binary, cleanup)
        fds = (write_fd, *pipes.read_ends, *graph_fds, *(part.pass_fds if part else ()))
        encoder = Child(argv, pass_fds=fds)
        cleanup.callback(encoder.close)
        cleanup.callback(pipes.stop)  # runs first: feeders end before the encoder is stopped
        writer.close()  # FFmpeg holds the write end now: the pipe ends when FFmpeg does
        pipes.close_read_ends()
        pipes.start(binary, encoder)
        reported = _follow_progress(read_fd, stage.duration, on_progress)
        returncode = encoder.wait()
        pipes.join()
        stderr = encoder.stderr_text()
        if pipes.error is not None and (pipes.killed_reader or returncode == 0):
            raise pipes.error  # a feeder failed first; the encoder was stopped because of it
        if returncode != 0:
            raise _render_error(stage, argv, returncode, stderr)
        if part is not None:
            verify_output(part, stage, binary, argv, stderr, reported)


class _Descriptor:
    """A descriptor closed exactly once, early or at the end of a ``with``."""

    def __init__(self, fd: int):
        self.fd = fd

    def close(self) -> None:
        fd, self.fd = self.fd, -1
        if fd >= 0:
            os.close(fd)

    def __enter__(self) -> _Descriptor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# Linux refuses any single argument longer than 32 pages (MAX_ARG_STRLEN, 128 KiB).
SPILL_BYTES = 100_000


def spill_long_graph(argv: list[str], binary: str, cleanup: contextlib.ExitStack) -> tuple[int, ...]:
    """Move a filtergraph too long for one argument into a file FFmpeg reads; the descriptors it needs.

    FFmpeg 7 and later read any option's value from a file when it is written
    ``-/option``; older ones have ``-filter_complex_script``. The file is a
    memory file (``memfd``) reached as ``/proc/self/fd/N``: it has no name, so
    nothing stays behind whatever ends ffx. Without memfd (off Linux) it is a
    private temporary file, removed at the end.
    """
    if "-filter_complex" not in argv:
        return ()
    at = argv.index("-filter_complex")
    text = argv[at + 1].encode()
    if len(text) <= SPILL_BYTES:
        return ()
    from ..ffmpeg.binary import ffmpeg_binary

    option = "-/filter_complex" if ffmpeg_binary(binary).major >= 7 else "-filter_complex_script"
    if _memory_files():
        fd = os.memfd_create("ffx-graph")
        cleanup.callback(os.close, fd)
        with os.fdopen(fd, "wb", closefd=False) as file:
            file.write(text)
        argv[at:at + 2] = [option, f"/proc/self/fd/{fd}"]
        return (fd,)
    handle, path = tempfile.mkstemp(prefix="ffx-graph-", suffix=".txt")
    cleanup.callback(os.unlink, path)
    with os.fdopen(handle, "wb") as file:
        file.write(text)
    argv[at:at + 2] = [option, path]
    return ()


class _Pipes:
    """The pipes between feeders and the stage that reads them, and the threads that run the feeders.

    Each pipe has one lane: the video feeders run one after another, the audio
    feeder alongside them; a lane closes its pipe when it is done, so the
    reader sees the end of that input.
    """

    def __init__(self, feeds: tuple):
        self.lanes = [lane for feed in feeds for lane in feed.lanes()]
        self.ends: dict[str, list[int]] = {}
        for lane in self.lanes:
            read_end, write_end = os.pipe()
            _widen(write_end)
            self.ends[lane.writes] = [read_end, write_end]
        staged = {lane.reads for lane in self.lanes if lane.reads}  # read by a Python stage, not the encoder
        self.read_ends = tuple(ends[0] for token, ends in self.ends.items() if token not in staged)
        self.stage_inputs = {token: self.ends[token][0] for token in staged}
        self.scratch = _Scratch([token for lane in self.lanes for token in lane.scratch])
        self.error: RenderError | None = None
        self.threads: list[threading.Thread] = []
        self.running: set[Child] = set()
        self.stopping = False
        self.killed_reader = False
        self.lock = threading.Lock()

    def reader_argv(self, argv: list[str]) -> list[str]:
        swap = {token: f"pipe:{ends[0]}" for token, ends in self.ends.items()}
        return [swap.get(arg, arg) for arg in argv]

    def close_read_ends(self) -> None:
        for r in self.read_ends:
            os.close(r)
        self.read_ends = ()

    def start(self, binary: str, reader: Child) -> None:
        for lane in self.lanes:
            thread = threading.Thread(target=self._lane, args=(binary, reader, lane), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _spawn(self, binary: str, lane, args: tuple[str, ...]) -> Child:
        write_end = self.ends[lane.writes][1]
        args = self.scratch.resolve(args)
        if lane.python:  # a Python stage: the pipes are its standard input and output
            stdin = self.stage_inputs.pop(lane.reads)
            try:
                return Child([sys.executable, "-m", "ffx", *args], stdin=stdin, stdout=write_end,
                             pass_fds=self.scratch.pass_fds)
            finally:
                os.close(stdin)
        argv = [binary, *GLOBAL_ARGS, "-loglevel", "error", *(f"pipe:{write_end}" if a == lane.writes else a
                                                              for a in args)]
        return Child(argv, pass_fds=(write_end, *self.scratch.pass_fds))

    def _lane(self, binary: str, reader: Child, lane) -> None:
        token = lane.writes
        try:
            for args in lane.commands:
                with self.lock:
                    if self.stopping:
                        return
                    child = self._spawn(binary, lane, args)
                    self.running.add(child)
                try:
                    code = child.wait()
                finally:
                    child.close()
                with self.lock:
                    self.running.discard(child)
                    if code != 0 and not self.stopping:
                        what = "a Python stage failed" if lane.python else "a feeding FFmpeg failed"
                        if not lane.python and len(lane.commands) > 1:
                            what = "FFmpeg failed on a segment of the reverse"
                        self.error = _render_error(None, child.argv, code, child.stderr_text(), what)
                        self.stopping = True
                        self.killed_reader = reader.poll() is None
                        for other in list(self.running):
                            other.stop()
                        reader.stop()  # the encoder would wait for frames that never come
                        return
        except Exception as exc:  # noqa: BLE001 - a feeder that cannot start fails the render, in its words
            with self.lock:
                if not self.stopping:
                    self.error = RenderError(f"cannot start a feeding process: {exc}")
                    self.stopping = True
                    self.killed_reader = reader.poll() is None
                    reader.stop()
        finally:
            self._close_write_end(token)  # the reader sees the end of this input

    def _close_write_end(self, token: str) -> None:
        with self.lock:
            write_end = self.ends[token][1]
            self.ends[token][1] = -1
        if write_end >= 0:
            try:
                os.close(write_end)
            except OSError:
                pass

    def join(self) -> None:
        for thread in self.threads:
            thread.join()

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            running = list(self.running)
        for child in running:
            child.stop()
        self.join()

    def __enter__(self) -> _Pipes:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.scratch.remove()
        for r in (*self.read_ends, *self.stage_inputs.values()):
            os.close(r)
        self.read_ends = ()
        self.stage_inputs = {}
        if not self.threads:
            for token in self.ends:
                self._close_write_end(token)


def _memory_files() -> bool:
    """Whether unnamed memory files (memfd) can be handed to children as ``/proc/self/fd/N`` paths."""
    return hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd")


class _Scratch:
    """Private files that a lane's commands share (``plan.SCRATCH_TOKEN``).

    Each is a memory file (memfd) that the commands open as ``/proc/self/fd/N``
    (the descriptor passed down): it has no name, so nothing stays behind
    whatever ends ffx. Without memfd, a temporary folder removed afterwards.
    """

    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.fds: dict[str, int] = {}
        self.folder: str | None = None  # made when a command first needs it

    def resolve(self, args: tuple[str, ...]) -> tuple[str, ...]:
        """The arguments with each token replaced by its path, escaped as a filter option in a graph."""
        used = [token for token in self.tokens if any(token in arg for arg in args)]
        if not used:
            return args
        from ..filtergraph.graph import escape_graph, escape_value

        for token in used:
            path = escape_graph(escape_value(self._path(token)))
            args = tuple(arg.replace(token, path) for arg in args)
        return args

    def _path(self, token: str) -> str:
        if _memory_files():
            if token not in self.fds:
                self.fds[token] = os.memfd_create("ffx-scratch")
            return f"/proc/self/fd/{self.fds[token]}"
        if self.folder is None:
            self.folder = tempfile.mkdtemp(prefix="ffx-scratch-")
        return os.path.join(self.folder, token)

    @property
    def pass_fds(self) -> tuple[int, ...]:
        return tuple(self.fds.values())

    def remove(self) -> None:
        for fd in self.fds.values():
            os.close(fd)
        self.fds = {}
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def _widen(fd: int) -> None:
    """A 1 MiB pipe buffer instead of 64 KiB: fewer wake-ups for raw frames."""
    try:
        import fcntl

        fcntl.fcntl(fd, 1031, 2**20)  # F_SETPIPE_SZ
    except (OSError, ImportError):
        pass


def short_by(expected: float, actual: float) -> float:
    """How much shorter than predicted an output is, beyond what container rounding explains."""
    tolerance = max(0.25, 0.02 * expected)
    return max(0.0, expected - actual - tolerance)


def verify_output(part: PartFile, stage: FfmpegStage, binary: str, argv: list[str], stderr: str,
                  reported: Progress | None = None) -> None:
    """FFmpeg's exit code 0 is not proof: the file must exist, read back as media and be as long as planned.

    A damaged input can make FFmpeg stop early and still exit 0; the plan knows
    how long the result should be, so a short output is an error, not a success.
    FFmpeg's own last progress report (``progress=end`` with the time written,
    or the one frame of a picture) already proves it; only an output it does not
    prove is read back.
    """
    def fail(message: str) -> RenderError:
        return RenderError(message, command=argv, returncode=0, stderr_tail=stderr)

    if part.size() == 0:
        raise fail("FFmpeg reported success but wrote nothing")
    if stage.kind == "webp":  # read here, not by FFmpeg: not every FFmpeg reads animated WebP back
        length = webp_length(part)
        if length is None:
            raise fail("FFmpeg reported success but its output is not a whole animated WebP file")
        if stage.duration and short_by(stage.duration, length) > 0:
            raise fail(f"the output is {length:.2f} s long, {stage.duration - length:.2f} s short of the planned "
                       f"{stage.duration:.2f} s: an input is probably damaged or truncated")
        return
    if reported is not None and reported.finished:
        if (stage.kind in ("video", "gif", "audio") and stage.duration and reported.done > 0
                and short_by(stage.duration, reported.done) == 0):
            return
        if stage.kind == "image" and reported.frames == 1:  # the one picture was encoded and written
            return
    try:
        report = run(probe_argv(part.local_path, binary), timeout=300, pass_fds=part.pass_fds).stderr
    except subprocess.TimeoutExpired:
        raise fail("FFmpeg reported success but reading its output back took too long") from None
    info = parse_ffmpeg_report(report)
    if not info.has_video and not info.has_audio:
        last = report.strip().splitlines()[-1] if report.strip() else "no output"
        raise fail(f"FFmpeg reported success but its output does not read back as media ({last})")
    if stage.kind in ("video", "gif", "audio") and stage.duration:
        if info.duration is None:
            raise fail("FFmpeg reported success but its output has no known duration")
        missing = short_by(stage.duration, info.duration)
        if missing > 0:
            raise fail(f"the output is {info.duration:.2f} s long, {stage.duration - info.duration:.2f} s short of "
                       f"the planned {stage.duration:.2f} s: an input is probably damaged or truncated")


def webp_length(part: PartFile) -> float | None:
    """Seconds an animated WebP plays (its ANMF frames' durations), or None when the file is not a whole
    RIFF/WEBP container with frames (cut short, or something else). Reads only the chunk headers."""
    size = part.size()
    head = part.read(0, 12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:] != b"WEBP" or int.from_bytes(head[4:8], "little") + 8 != size:
        return None
    offset, milliseconds, frames = 12, 0, 0
    while offset + 8 <= size:
        chunk = part.read(offset, 8 + 15)
        length = int.from_bytes(chunk[4:8], "little")
        if chunk[:4] == b"ANMF":  # X, Y, width - 1, height - 1, then the duration: 24-bit numbers
            if length < 16 or len(chunk) < 8 + 15:
                return None
            milliseconds += int.from_bytes(chunk[8 + 12:8 + 15], "little")
            frames += 1
        offset += 8 + length + (length & 1)
    return milliseconds / 1000 if frames and offset == size else None


class ProgressReader:
    """FFmpeg's ``-progress`` lines in, :class:`Progress` reports out: one per block, never going back.

    While it flushes its encoders at the end, FFmpeg reports ``out_time_us=N/A``
    (and ``speed=N/A``): that means "unknown", not 0, so the last known time
    stands. A report is never lower than the one before it.
    """

    def __init__(self, total: float | None):
        self.total = total
        self.done = 0.0
        self.block: dict[str, str] = {}

    def feed(self, line: str) -> Progress | None:
        key, _, value = line.strip().partition("=")
        self.block[key] = value
        if key != "progress":
            return None
        block, self.block = self.block, {}
        written = _float(block.get("out_time_us"))
        if written is not None:
            self.done = max(self.done, written / 1e6)
        frames = _float(block.get("frame"))
        return Progress(done=self.done, total=self.total, speed=_float(block.get("speed", "").rstrip("x")),
                        fps=_float(block.get("fps")), finished=value == "end",
                        frames=int(frames) if frames is not None else None)


def _follow_progress(fd: int, total: float | None, on_progress: ProgressCallback | None) -> Progress | None:
    """Read FFmpeg's ``-progress`` key=value blocks until it closes the pipe; the last report."""
    reader = ProgressReader(total)
    last = None
    with os.fdopen(fd, "rb", closefd=False) as stream:
        for raw in stream:
            report = reader.feed(raw.decode("ascii", "replace"))
            if report is not None:
                last = report
                if on_progress is not None:
                    on_progress(report)
    return last


def _float(text: str | None) -> float | None:
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if value == value and abs(value) != float("inf") else None


def _render_error(stage: FfmpegStage | None, argv: list[str], returncode: int, stderr: str,
                  what: str = "FFmpeg failed") -> RenderError:
    """The error for a failed command: its last words, the signal that killed it, the step to blame."""
    step = None
    for match in _PARSED_FILTER.finditer(stderr) if stage is not None else ():
        step = stage.step_of_filter(match.group(1), int(match.group(2)))
        if step:
            break
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    summary = lines[-1] if lines else f"FFmpeg exited with code {returncode}"
    if returncode < 0:
        summary = f"FFmpeg was killed by signal {-returncode}"
    return RenderError(f"{what}: {summary}", command=argv, returncode=returncode,
                       stderr_tail="\n".join(lines[-12:]), step=step)


def run_plan(plan: Plan, *, on_progress: ProgressCallback | None = None) -> None:
    """Run every stage of a plan in order; the bar covers them all, each an equal share."""
    final = plan.stages[-1].output_path
    if final is not None and len(plan.stages) > 1:
        check_can_write(final, plan.overwrite)  # before an earlier stage spends its time
    with private_intermediates(plan) as stages:
        for index, stage in enumerate(stages):
            run_stage(stage, plan.binary_path, overwrite=plan.overwrite, feeds=plan.feeds if stage is stages[-1] else (),
                      on_progress=_share(on_progress, index, len(stages)))


@contextlib.contextmanager
def private_intermediates(plan: Plan) -> Iterator[list[FfmpegStage]]:
    """The plan's stages, each temporary file (a GIF palette) swapped for a private one, gone at the end.

    A printed plan names its intermediates beside the output; a run uses its
    own files instead, so two runs never share one and nothing appears beside
    the output, whatever happens (failure, Ctrl-C, SIGTERM; on Linux even SIGKILL).
    """
    private: dict[str, tuple[int | None, str]] = {}
    try:
        for path in plan.temporary_files:
            private[path] = _unnamed_file(os.path.splitext(path)[1])
        swap = {"file:" + path: "file:" + mine for path, (_, mine) in private.items()}
        yield [replace(stage, args=tuple(swap.get(arg, arg) for arg in stage.args),
                       output_path=None if stage.output_path in private else stage.output_path)
               for stage in plan.stages]
    finally:
        for fd, path in private.values():
            if fd is None:
                _remove(path)
            else:
                os.close(fd)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _unnamed_file(suffix: str) -> tuple[int | None, str]:
    """(descriptor, path) of a private file FFmpeg can write and read back.

    On Linux the file has no name at all (``O_TMPFILE``): FFmpeg opens it as
    ``/proc/<ffx>/fd/<n>``, and it vanishes when ffx closes it or dies, even by
    SIGKILL. Elsewhere it is a named private file (descriptor None) removed at the end.
    """
    folder = tempfile.gettempdir()
    if hasattr(os, "O_TMPFILE") and os.path.isdir(f"/proc/{os.getpid()}/fd"):
        try:
            fd = os.open(folder, os.O_TMPFILE | os.O_RDWR, 0o600)
        except OSError:
            pass  # a file system without unnamed files
        else:
            return fd, f"/proc/{os.getpid()}/fd/{fd}"
    handle, path = tempfile.mkstemp(prefix="ffx-", suffix=suffix, dir=folder)
    os.close(handle)
    return None, path


def _share(on_progress: ProgressCallback | None, index: int, count: int) -> ProgressCallback | None:
    """Progress of stage ``index`` of ``count`` as a share of the whole (the plan's duration)."""
    if on_progress is None or count == 1:
        return on_progress

    def report(progress: Progress) -> None:
        on_progress(replace(progress, done=(index * (progress.total or 0) + progress.done) / count,
                            finished=progress.finished and index == count - 1))
    return report
