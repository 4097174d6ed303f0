"""What probing files found, kept in one object that its holder passes to each compile.

A file compiled again unchanged (the studio on every keystroke, each piece of a
chunked render, a batch's jobs) is not probed again, and what the command line
started reading before Python loaded the recipe model (:func:`ffx.media.probe.probe_early`,
:func:`ffx.media.packets.read_span_early`) is taken by the compile that follows.
Nothing is module-global: a compile given no cache makes a fresh one, so two
callers never see each other's answers unless they share the object.

>>> probes = ProbeCache()
>>> probes.remembered("clip.mp4", "ffmpeg") is None
True
"""

from __future__ import annotations

import os
import stat
import threading
from dataclasses import dataclass
from typing import Any, NamedTuple

from .info import MediaInfo
from .report import Listing


def file_identity(path: str) -> tuple[int, int, int, int] | None:
    """What tells a regular file's content changed (device, inode, size, mtime), or None for anything else."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns) if stat.S_ISREG(info.st_mode) else None


class Probed(NamedTuple):
    """What :func:`~ffx.media.probe.probe` found for one file, and the file's identity then."""

    identity: tuple
    info: MediaInfo
    listing: Listing | None  # the video's packets, when the probe's run listed the whole file


@dataclass(frozen=True)
class ReadAhead:
    """An FFmpeg run started in the background for a file; its answer counts only for the file unchanged."""

    identity: tuple  # the file's when the run started
    thread: threading.Thread
    result: list  # the run's answer once the thread is done; empty when it failed

    def answer(self, path: str) -> Any | None:
        """Wait for the run; its answer, or None when it failed or the file changed since it started."""
        self.thread.join()
        return self.result[0] if self.result and file_identity(path) == self.identity else None


def _key(path: str, ffmpeg: str, streams: object) -> tuple:
    # the streams a player shows (no choice made) are the file's own key: packet reads find that answer too
    return (os.path.abspath(path), ffmpeg, *([streams] if streams else []))


class ProbeCache:
    """Probed files (by path, FFmpeg and file identity; the oldest go first beyond ``kept``), and the
    probes and packet reads started ahead. Thread-safe: ``ffx batch`` compiles in threads."""

    def __init__(self, kept: int = 256):
        self.kept = kept
        self._lock = threading.Lock()
        self._probed: dict[tuple[str, str], Probed] = {}
        self._early_probes: dict[tuple[str, str], ReadAhead] = {}
        self._early_reads: dict[tuple[str, ...], ReadAhead] = {}
        self._measures: dict[tuple, tuple[tuple, Any]] = {}  # (path, ffmpeg, what) -> (identity, value)
        self._analyses: dict[str, Any] = {}  # media.analysis answers, by a key holding every input's identity

    def remembered(self, path: str, ffmpeg: str, streams: object = None) -> Probed | None:
        """What the probe found for this file (``streams``: of those streams), if it probed it and the file is
        unchanged since."""
        identity = file_identity(path)
        with self._lock:
            known = self._probed.get(_key(path, ffmpeg, streams))
        return known if known is not None and identity is not None and known.identity == identity else None

    def remember(self, path: str, ffmpeg: str, found: Probed, streams: object = None) -> None:
        key = _key(path, ffmpeg, streams)
        with self._lock:
            self._probed.pop(key, None)
            self._probed[key] = found
            while len(self._probed) > self.kept:
                del self._probed[next(iter(self._probed))]

    def measured(self, path: str, ffmpeg: str, what: str) -> Any | None:
        """What a look into the decoded file found (``what``: its name), if the file is unchanged since."""
        identity = file_identity(path)
        with self._lock:
            known = self._measures.get(_key(path, ffmpeg, what))
        return known[1] if known is not None and identity is not None and known[0] == identity else None

    def remember_measure(self, path: str, ffmpeg: str, what: str, value: Any) -> None:
        identity = file_identity(path)
        if identity is not None:
            with self._lock:  # the newest last; beyond ``kept`` the oldest go, as probed answers do
                key = _key(path, ffmpeg, what)
                self._measures.pop(key, None)
                self._measures[key] = (identity, value)
                while len(self._measures) > self.kept:
                    del self._measures[next(iter(self._measures))]

    def analysed(self, key: str) -> tuple[bool, Any]:
        """(True, the answer) of an analysis pass (:mod:`ffx.media.analysis`) under ``key``, else (False, None);
        the key holds the identity of every file the pass read, so a changed file has another."""
        with self._lock:
            return (True, self._analyses[key]) if key in self._analyses else (False, None)

    def remember_analysis(self, key: str, value: Any) -> None:
        with self._lock:  # the newest last; beyond ``kept`` the oldest go
            self._analyses.pop(key, None)
            self._analyses[key] = value
            while len(self._analyses) > self.kept:
                del self._analyses[next(iter(self._analyses))]

    def forget(self) -> None:
        """Drop every probed answer (reads started ahead stay, for the command they were started for)."""
        with self._lock:
            self._probed.clear()
            self._measures.clear()
            self._analyses.clear()

    # --- reads started ahead --------------------------------------------------------------------------------

    def start_probe(self, path: str, ffmpeg: str, ahead: ReadAhead) -> None:
        with self._lock:
            self._early_probes[(os.path.abspath(path), ffmpeg)] = ahead

    def early_probe(self, path: str, ffmpeg: str) -> ReadAhead | None:
        """The probe started ahead for this file, left in place for :meth:`take_probe`."""
        with self._lock:
            return self._early_probes.get((os.path.abspath(path), ffmpeg))

    def take_probe(self, path: str, ffmpeg: str) -> ReadAhead | None:
        with self._lock:
            return self._early_probes.pop((os.path.abspath(path), ffmpeg), None)

    def probed_ahead(self) -> list[str]:
        """The files whose probe was started ahead and not yet taken."""
        with self._lock:
            return [path for path, _ in self._early_probes]

    def start_read(self, argv: list[str], ahead: ReadAhead) -> None:
        with self._lock:
            self._early_reads[tuple(argv)] = ahead

    def read_started(self, argv: list[str]) -> bool:
        with self._lock:
            return tuple(argv) in self._early_reads

    def take_read(self, argv: list[str]) -> ReadAhead | None:
        with self._lock:
            return self._early_reads.pop(tuple(argv), None)
