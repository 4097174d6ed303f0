"""Runs a plan: FFmpeg as a child process, progress, atomic outputs, cleanup.

Guarantees, whatever happens (FFmpeg error, Ctrl-C, SIGTERM, ffx killed):
the output path holds either its old content or the complete new file; no
temporary file stays behind; no FFmpeg child outlives the run. FFmpeg writes
to a private temporary file beside the target, which is renamed into place
only when FFmpeg succeeded. The child runs in its own process group with a
parent-death signal, so it dies with ffx even on SIGKILL.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from .errors import InputError, RenderError
from .media import probe
from .plan import GLOBAL_ARGS, FfmpegStage, Plan

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

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, max(0.0, self.done / self.total))


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass


class _Terminated(BaseException):
    """SIGTERM/SIGHUP turned into an exception so cleanup runs."""


def _stop(proc: subprocess.Popen) -> None:
    """End FFmpeg and anything it started: polite first, then certain."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _remove(path: str | None) -> None:
    if path:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def _publish(temp: str, target: str, overwrite: bool) -> None:
    """Move the finished file into place; without ``overwrite`` never replace an existing file."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)
    if overwrite:
        os.replace(temp, target)
        return
    try:
        os.link(temp, target)  # atomic and fails if the target appeared meanwhile
    except FileExistsError:
        raise InputError(f"{target!r} appeared while rendering; use --overwrite to replace it") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
        if os.path.exists(target):
            raise InputError(f"{target!r} appeared while rendering; use --overwrite to replace it") from None
        os.replace(temp, target)
        return
    os.unlink(temp)


def check_can_write(target: str, overwrite: bool) -> None:
    if os.path.lexists(target) and not overwrite:
        raise InputError(f"the output {target!r} already exists; use --overwrite to replace it")


def run_stage(stage: FfmpegStage, binary: str, *, overwrite: bool = False,
              on_progress: ProgressCallback | None = None, extra_args: tuple[str, ...] = (),
              feeds: tuple = ()) -> None:
    """Run one FFmpeg stage to completion, or leave everything as it was.

    ``feeds`` (segmented reverses) are FFmpeg commands run one after another
    in a thread, writing into pipes that this stage reads as inputs.
    """
    target = stage.output_path
    temp = None
    if target is not None:
        check_can_write(target, overwrite)
        directory = os.path.dirname(os.path.abspath(target)) or "."
        base, ext = os.path.splitext(os.path.basename(target))
        try:
            handle, temp = tempfile.mkstemp(prefix=f".{base}.", suffix=f".ffx-part{ext}", dir=directory)
        except OSError as exc:
            raise InputError(f"cannot write in {directory!r}: {exc.strerror}") from None
        os.close(handle)
    pipes = _Pipes(feeds)
    read_fd, write_fd = os.pipe()
    argv = stage.argv(binary, overwrite=True, output_url="file:" + temp if temp else None)
    argv[3:3] = ["-loglevel", "error", "-nostats", "-progress", f"pipe:{write_fd}", *extra_args]
    argv = pipes.reader_argv(argv)
    try:
        graph_file = spill_long_graph(argv, binary)
    except BaseException:
        os.close(read_fd)
        os.close(write_fd)
        _remove(temp)
        raise
    tail: collections.deque[str] = collections.deque(maxlen=40)
    previous = {}
    proc = None
    try:
        if threading.current_thread() is threading.main_thread():
            def terminate(signum, frame):
                raise _Terminated(signum)
            for sig in (signal.SIGTERM, signal.SIGHUP):
                previous[sig] = signal.signal(sig, terminate)
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                pass_fds=(write_fd, *pipes.read_ends), start_new_session=True,
                                preexec_fn=_die_with_parent)
        os.close(write_fd)
        write_fd = -1
        pipes.close_read_ends()
        reader = threading.Thread(target=_drain, args=(proc.stderr, tail), daemon=True)
        reader.start()
        pipes.start(binary, proc)
        _follow_progress(read_fd, stage.duration, on_progress)
        returncode = proc.wait()
        reader.join(timeout=5)
        pipes.join()
        if pipes.error is not None and (pipes.killed_reader or returncode == 0):
            raise pipes.error  # a feeder failed first; the encoder was stopped because of it
        if returncode != 0:
            raise _render_error(stage, argv, returncode, "".join(tail))
        if temp is not None:
            verify_output(temp, stage, binary, argv, "".join(tail))
            _publish(temp, target, overwrite)
            temp = None
    except BaseException:
        pipes.stop()
        if proc is not None:
            _stop(proc)
        raise
    finally:
        pipes.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if write_fd >= 0:
            os.close(write_fd)
        os.close(read_fd)
        if proc is not None and proc.stderr:
            proc.stderr.close()
        _remove(temp)
        _remove(graph_file)


# Linux refuses any single argument longer than 32 pages (MAX_ARG_STRLEN, 128 KiB).
SPILL_BYTES = 100_000


def spill_long_graph(argv: list[str], binary: str) -> str | None:
    """Move a filtergraph too long for one argument into a private file FFmpeg reads; return its path.

    FFmpeg 7 and later read any option's value from a file when it is written
    ``-/option``; older ones have ``-filter_complex_script``.
    """
    if "-filter_complex" not in argv:
        return None
    at = argv.index("-filter_complex")
    text = argv[at + 1]
    if len(text.encode()) <= SPILL_BYTES:
        return None
    from .binary import ffmpeg_binary

    handle, path = tempfile.mkstemp(prefix="ffx-graph-", suffix=".txt")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text)
    option = "-/filter_complex" if ffmpeg_binary(binary).major >= 7 else "-filter_complex_script"
    argv[at:at + 2] = [option, path]
    return path


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
        self.running: set[subprocess.Popen] = set()
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

    def start(self, binary: str, reader: subprocess.Popen) -> None:
        for lane in self.lanes:
            thread = threading.Thread(target=self._lane, args=(binary, reader, lane), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _spawn(self, binary: str, lane, args: tuple[str, ...]) -> tuple[list[str], subprocess.Popen]:
        write_end = self.ends[lane.writes][1]
        args = self.scratch.resolve(args)
        if lane.python:  # a Python stage: the pipes are its standard input and output
            argv = [sys.executable, "-m", "ffx", *args]
            stdin = self.stage_inputs.pop(lane.reads)
            proc = subprocess.Popen(argv, stdin=stdin, stdout=write_end, stderr=subprocess.PIPE,
                                    start_new_session=True, preexec_fn=_die_with_parent)
            os.close(stdin)
            return argv, proc
        argv = [binary, *GLOBAL_ARGS, "-loglevel", "error", *(f"pipe:{write_end}" if a == lane.writes else a
                                                              for a in args)]
        return argv, subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, pass_fds=(write_end,), start_new_session=True,
                                      preexec_fn=_die_with_parent)

    def _lane(self, binary: str, reader: subprocess.Popen, lane) -> None:
        token = lane.writes
        try:
            for args in lane.commands:
                with self.lock:
                    if self.stopping:
                        return
                    argv, proc = self._spawn(binary, lane, args)
                    self.running.add(proc)
                tail: collections.deque[str] = collections.deque(maxlen=40)
                _drain(proc.stderr, tail)
                proc.stderr.close()
                code = proc.wait()
                with self.lock:
                    self.running.discard(proc)
                    if code != 0 and not self.stopping:
                        what = "a Python stage failed" if lane.python else "a feeding FFmpeg failed"
                        if not lane.python and len(lane.commands) > 1:
                            what = "FFmpeg failed on a segment of the reverse"
                        self.error = _render_error(None, argv, code, "".join(tail), what)
                        self.stopping = True
                        self.killed_reader = reader.poll() is None
                        for other in list(self.running):
                            _stop(other)
                        _stop(reader)  # the encoder would wait for frames that never come
                        return
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
        for proc in running:
            _stop(proc)
        self.join()

    def close(self) -> None:
        self.scratch.remove()
        for r in (*self.read_ends, *self.stage_inputs.values()):
            os.close(r)
        self.read_ends = ()
        self.stage_inputs = {}
        if not self.threads:
            for token in self.ends:
                self._close_write_end(token)


class _Scratch:
    """Private files that a lane's commands share (``plan.SCRATCH_TOKEN``), in a folder removed afterwards."""

    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.folder: str | None = None  # made when a command first needs it

    def resolve(self, args: tuple[str, ...]) -> tuple[str, ...]:
        """The arguments with each token replaced by its path, escaped as a filter option in a graph."""
        used = [token for token in self.tokens if any(token in arg for arg in args)]
        if not used:
            return args
        from .graph import escape_graph, escape_value

        if self.folder is None:
            self.folder = tempfile.mkdtemp(prefix="ffx-scratch-")
        for token in used:
            path = escape_graph(escape_value(os.path.join(self.folder, token)))
            args = tuple(arg.replace(token, path) for arg in args)
        return args

    def remove(self) -> None:
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


def verify_output(path: str, stage: FfmpegStage, binary: str, argv: list[str], stderr: str) -> None:
    """FFmpeg's exit code 0 is not proof: the file must exist, read back as media and be as long as planned.

    A damaged input can make FFmpeg stop early and still exit 0; the plan knows
    how long the result should be, so a short output is an error, not a success.
    """
    def fail(message: str) -> RenderError:
        return RenderError(message, command=argv, returncode=0, stderr_tail=stderr)

    if not os.path.exists(path) or os.path.getsize(path) == 0:
        raise fail("FFmpeg reported success but wrote nothing")
    if stage.kind == "webp":  # FFmpeg cannot read animated WebP back; size checked above
        return
    try:
        info = probe(path, binary, need_duration=stage.kind != "image")
    except InputError as exc:
        raise fail(f"FFmpeg reported success but its output does not read back as media: {exc}") from None
    if stage.kind in ("video", "gif", "audio") and stage.duration and info.duration is not None:
        missing = short_by(stage.duration, info.duration)
        if missing > 0:
            raise fail(f"the output is {info.duration:.2f} s long, {stage.duration - info.duration:.2f} s short of "
                       f"the planned {stage.duration:.2f} s: an input is probably damaged or truncated")


def _drain(stream, tail: collections.deque) -> None:
    for raw in iter(stream.readline, b""):
        tail.append(raw.decode("utf-8", "replace"))


def _follow_progress(fd: int, total: float | None, on_progress: ProgressCallback | None) -> None:
    """Read FFmpeg's ``-progress`` key=value blocks until it closes the pipe."""
    with os.fdopen(fd, "rb", closefd=False) as stream:
        block: dict[str, str] = {}
        for raw in stream:
            key, _, value = raw.decode("ascii", "replace").strip().partition("=")
            block[key] = value
            if key != "progress":
                continue
            if on_progress is not None:
                done = _seconds(block.get("out_time_us"))
                on_progress(Progress(done=done, total=total, speed=_float(block.get("speed", "").rstrip("x")),
                                     fps=_float(block.get("fps")), finished=value == "end"))
            block = {}


def _seconds(text: str | None) -> float:
    value = _float(text)
    return max(0.0, value / 1e6) if value is not None else 0.0


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
