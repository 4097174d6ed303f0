"""Looking at a whole stream before the render: one FFmpeg pass of a detecting filter, its log read.

Some edits are decided by the footage: where the sound is silent
(`silencedetect <https://ffmpeg.org/ffmpeg-filters.html#silencedetect>`_),
where the picture changes scene (`scdet <https://ffmpeg.org/ffmpeg-filters.html#scdet>`_),
where black bars sit (`cropdetect <https://ffmpeg.org/ffmpeg-filters.html#cropdetect>`_).
Each such filter logs what it finds; an :class:`Analysis` names the filters run
over the stream and how their lines are read into a small JSON value. The compiler
builds the command (the recipe's own graph up to the analysed stream, then these
filters, written nowhere: ``-f null``) and :func:`analyse` runs it once:

- **bounded**: at most :data:`TIMEOUT` seconds and :data:`MAX_LOG_BYTES` of the
  filter's own lines are kept (the rest of FFmpeg's report is dropped as it is read);
- **remembered by what it read**: the key is the command with every input file
  replaced by its identity (device, inode, size, mtime) plus the FFmpeg binary's
  identity, so the same file under another name or from another folder is the same
  look, and a changed file is a new one. Answers live in the compile's
  :class:`~ffx.media.cache.ProbeCache` and on disk under ``$XDG_CACHE_HOME/ffx/analysis``
  (else ``~/.cache/ffx/analysis``), one small JSON file each, at most
  :data:`ENTRIES_KEPT_PER_SHARD` in each of 256 folders; deleting them is always safe.

So ``ffx validate`` runs the pass and shows what it found, and the render (or a
second validate) reuses the answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..ffmpeg import process
from ..ffmpeg.binary import store_json
from .cache import ProbeCache, file_identity

TIMEOUT = 600.0  # seconds for one pass: a two-hour film's sound is decoded in well under a minute
MAX_LOG_BYTES = 32 * 2**20  # of the analysing filter's own lines; a pass that logs more is refused
ENTRIES_KEPT_PER_SHARD = 8  # answers on disk live in 256 folders by their key's first byte: at most 2,048
_FORMAT = 1


class AnalysisFailed(Exception):
    """The pass could not give an answer: FFmpeg failed, ran over its time, or logged too much."""


@dataclass(frozen=True)
class Analysis:
    """Filters run over a whole stream, the last of which logs what it finds, and how its lines are read.

    ``read`` gets the text of the last filter's log lines (what follows ``[Parsed_<name>_<n> @ 0x...]``)
    and returns a JSON value: lists, numbers, text (it is stored on disk as JSON). ``version`` is part
    of the key: raise it when ``read`` changes what it returns.
    """

    name: str  # what it looks for, in messages: "silences", "scene changes", "black bars"
    kind: str  # the stream it reads: "audio" or "video"
    filters: tuple[tuple[str, tuple[tuple[str, object], ...]], ...]  # (filter, options) in order
    read: Callable[[list[str]], Any]
    version: int = 1

    @property
    def logger(self) -> str:
        """The filter whose lines are read (the last one)."""
        return self.filters[-1][0]

    def describe(self) -> str:
        """The filters and the reader, as the key of the answer."""
        return json.dumps([self.name, self.kind, [[n, [[k, str(v)] for k, v in o]] for n, o in self.filters],
                           f"{self.read.__module__}.{self.read.__qualname__}", self.version])


# The three detecting filters ------------------------------------------------------------------------------

_NUMBER = r"(-?[0-9.]+(?:e[-+]?\d+)?|-?inf|nan)"
_SILENCE_START = re.compile(r"silence_start: " + _NUMBER)
_SILENCE_END = re.compile(r"silence_end: " + _NUMBER)


def read_silences(lines: list[str]) -> list[list[float]]:
    """``[start, end]`` of each silence silencedetect logged; ``end`` is ``-1`` for a silence still going
    on when the stream ended (FFmpeg logs no end for it).

    >>> read_silences(["silence_start: 1.5", "silence_end: 2.25 | silence_duration: 0.75", "silence_start: 4"])
    [[1.5, 2.25], [4.0, -1]]
    """
    found: list[list[float]] = []
    for line in lines:
        start, end = _SILENCE_START.search(line), _SILENCE_END.search(line)
        if start:
            found.append([float(start.group(1)), -1])
        elif end and found and found[-1][1] == -1:
            found[-1][1] = float(end.group(1))
        elif end:  # an end without its start (the stream began silent, logged oddly): from the beginning
            found.append([0.0, float(end.group(1))])
    return found


def silences(noise_db: float, minimum: float) -> Analysis:
    """Stretches of sound below ``noise_db`` dBFS lasting ``minimum`` seconds or more, every channel at once."""
    return Analysis("silences", "audio", (("silencedetect", (("noise", f"{noise_db:g}dB"), ("d", minimum))),),
                    read_silences)


# Running and remembering ----------------------------------------------------------------------------------

def run_pass(argv: list[str], tag: str, *, timeout: float = TIMEOUT, max_bytes: int = MAX_LOG_BYTES) -> list[str]:
    """Run ``argv`` (an FFmpeg command writing nowhere) to its end; the text of its log lines that begin
    with ``tag`` (``[Parsed_silencedetect_3 @``), everything else of the report dropped as it is read."""
    kept: list[str] = []
    size = [0]
    over = threading.Event()

    def on_line(line: str) -> bool:
        at = line.find(tag)
        if at < 0:
            return False  # into the tail: said when FFmpeg fails
        text = line[line.find("]", at) + 1:].strip()
        size[0] += len(text)
        if size[0] > max_bytes:
            over.set()
        else:
            kept.append(text)
        return True

    child = process.Child(argv, on_line=on_line)
    try:
        try:
            code = child.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AnalysisFailed(f"it took over {timeout:g} s") from None
        child.wait()
        if over.is_set():
            raise AnalysisFailed(f"its filter logged over {max_bytes // 2**20} MiB")
        if code != 0:
            tail = [line.strip() for line in child.tail if line.strip()]
            raise AnalysisFailed(f"FFmpeg failed ({tail[-1] if tail else f'exit code {code}'})")
    finally:
        child.close()
    return kept


def store_folder() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ffx", "analysis")


def answer_key(argv: list[str], analysis: Analysis) -> str | None:
    """What the answer depends on, as text: the command with each input file as its identity, the FFmpeg
    binary's identity, and the analysis; None when an input is not a regular file (nothing is kept)."""
    words: list[object] = []
    for word in argv:
        if word.startswith("file:"):
            identity = file_identity(word[len("file:"):])
            if identity is None:
                return None
            words.append(["file", *identity])
        else:
            words.append(word)
    binary = file_identity(argv[0])
    return json.dumps([_FORMAT, binary, words[1:], analysis.describe()])


def _entry_path(key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()
    return os.path.join(store_folder(), digest[:2], digest[2:] + ".json")


def stored(key: str) -> tuple[bool, Any]:
    """(True, the answer) kept on disk for ``key``; (False, None) when there is none (or it is unreadable)."""
    try:
        with open(_entry_path(key), encoding="utf-8") as handle:
            entry = json.load(handle)
        if entry.get("format") == _FORMAT and entry.get("key") == key and "value" in entry:
            return True, entry["value"]
    except (OSError, ValueError, AttributeError, TypeError):
        pass
    return False, None


def store(key: str, value: Any) -> None:
    """Keep ``value`` on disk under ``key``, atomically; a folder that cannot be written costs the next run
    its pass, nothing more."""
    store_json(_entry_path(key), {"format": _FORMAT, "key": key, "value": value}, ENTRIES_KEPT_PER_SHARD)


class Passes:
    """Runs analyses and remembers their answers (in ``probes`` and on disk); ``runs`` counts the FFmpeg
    passes actually made, so a caller can tell an answer remembered from one measured."""

    def __init__(self, probes: ProbeCache | None = None, *, timeout: float = TIMEOUT,
                 max_bytes: int = MAX_LOG_BYTES):
        self.probes = probes if probes is not None else ProbeCache()
        self.timeout, self.max_bytes = timeout, max_bytes
        self.runs = 0

    def analyse(self, argv: list[str], tag: str, analysis: Analysis) -> Any:
        """``analysis`` read from the lines ``tag`` marks in the report of ``argv``, remembered."""
        key = answer_key(argv, analysis)
        if key is not None:
            found, value = self.probes.analysed(key)
            if not found:
                found, value = stored(key)
                if found:
                    self.probes.remember_analysis(key, value)
            if found:
                return value
        self.runs += 1
        lines = run_pass(argv, tag, timeout=self.timeout, max_bytes=self.max_bytes)
        value = json.loads(json.dumps(analysis.read(lines)))  # as it reads back from disk: lists, not tuples
        if key is not None:
            self.probes.remember_analysis(key, value)
            store(key, value)
        return value


__all__ = ["Analysis", "AnalysisFailed", "MAX_LOG_BYTES", "Passes", "TIMEOUT", "answer_key", "read_silences",
           "run_pass", "silences", "store", "store_folder", "stored"]
