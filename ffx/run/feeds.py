"""The pipes between feeder commands and the stage that reads them, and the threads that run the feeders.

A plan's feeds (a segmented reverse, a numpy stage, stabilize's passes) hand
over lanes (:class:`~ffx.compile.plan.Lane`): commands run one after another
that fill one pipe. :class:`FeedPipes` makes the pipes, starts each lane in a
thread once the reading stage runs, and stops everything when one fails.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading

from ..compile.plan import GLOBAL_ARGS
from ..errors import RenderError
from ..ffmpeg.process import Child
from .failures import render_error


class FeedPipes:
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

    def urls(self) -> dict[str, str]:
        """Each pipe's token (``plan`` and ``segments``) and the URL by which the reading stage opens it."""
        return {token: f"pipe:{ends[0]}" for token, ends in self.ends.items()}

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
                        self.error = render_error(None, child.argv, code, child.stderr_text(), what)
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

    def __enter__(self) -> FeedPipes:
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


def memory_files() -> bool:
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
        if memory_files():
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
