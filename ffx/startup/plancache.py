"""Answers of ``ffx compile`` and ``ffx validate`` kept from an identical earlier run.

Compiling costs Python's start-up of typer, pydantic and every effect model
(about 0.15 s) before the first probe; the answer itself is a few lines of
text. An answer is replayed only when everything it was computed from is
unchanged, which makes the cache exact, not a guess:

- the key: the command line as typed, the working folder, the environment
  variables ffx and its FFmpeg lookup read, the folders of PATH, the Python
  interpreter and its package folders, and ffx's own code (every module's
  identity);
- the entry: the identity (device, inode, size, mtime, ctime) of every file the
  run read (the recipe, subtitles, fonts; the inputs FFmpeg read and the FFmpeg
  binary itself), of every folder it listed, and of the output's folder; a
  replay checks each again first.

Entries live in ``$XDG_CACHE_HOME/ffx/plans`` (else ``~/.cache/ffx/plans``),
one small JSON file each, written atomically; deleting them is always safe, and
an unreadable or corrupt entry counts as absent. ``--no-cache`` or
``FFX_NO_CACHE=1`` turn it off. Only successful runs are stored: errors are
always computed afresh, with their full messages.

This module imports nothing of ffx's: a replay must not pay for what it saves.
"""

from __future__ import annotations

import json
import os
import sys

COMMANDS = ("compile", "validate")
_FORMAT = 1
# what the command line, ffx's FFmpeg lookup and Python's text output read from the environment
_ENVIRONMENT = ("PATH", "HOME", "XDG_CACHE_HOME", "IMAGEIO_FFMPEG_EXE", "LANG", "LC_ALL", "LC_CTYPE",
                "PYTHONIOENCODING", "PYTHONPATH")
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the whole ffx package, not startup/


def cache_folder() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ffx", "plans")


def wanted(argv: list[str]) -> bool:
    """A command whose answer may be stored, on a command line that does not opt out."""
    return (bool(argv) and argv[0] in COMMANDS and "--no-cache" not in argv and "--" not in argv
            and not {"-h", "--help"} & set(argv) and os.environ.get("FFX_NO_CACHE", "") in ("", "0"))


def identity(path: str) -> list[int] | None:
    """What changes when a file's content, name or permissions change; None: it is not there."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def _code_identity() -> list:
    """ffx's own modules, so an edited checkout or a reinstall never replays an older compiler's answer."""
    found = []
    for folder, subfolders, files in os.walk(_PACKAGE):
        subfolders[:] = sorted(s for s in subfolders if s != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                found.append([os.path.relpath(os.path.join(folder, name), _PACKAGE), identity(os.path.join(folder, name))])
    return found


def key(argv: list[str]) -> str:
    import hashlib  # here: a render never asks, and the import is 6 ms of its start-up

    from .. import __version__

    facts = {
        "format": _FORMAT, "ffx": __version__, "code": _code_identity(), "argv": argv, "cwd": os.getcwd(),
        "env": {name: value for name, value in sorted(os.environ.items())
                if name in _ENVIRONMENT or name.startswith("FFX_")},
        "python": [sys.version, sys.executable],
        "paths": [[entry, identity(entry)] for entry in sys.path if entry and os.path.isdir(entry)],
        # the folders a program name is looked up in (the printed command says `ffmpeg` when PATH finds it)
        "programs": [[entry, identity(entry)] for entry in os.environ.get("PATH", "").split(os.pathsep) if entry],
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def _entry_path(digest: str) -> str:
    return os.path.join(cache_folder(), digest[:2], digest[2:] + ".json")


def storable() -> bool:
    """Whether an answer can be stored (the cache folder is there, or can be made, and is writable): a run
    that could not store its answer does not record what it reads."""
    folder = cache_folder()
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK | os.X_OK)


def lookup(argv: list[str], digest: str | None = None) -> dict | None:
    """The stored answer for this command line (``digest``: its :func:`key`), if every file it was computed
    from is unchanged."""
    try:
        with open(_entry_path(digest or key(argv)), encoding="utf-8") as handle:
            entry = json.load(handle)
        if entry.get("format") != _FORMAT or entry.get("argv") != argv:
            return None
        for path, known in entry["reads"]:
            if identity(path) != known:
                return None
        if not isinstance(entry["stdout"], str) or not isinstance(entry["stderr"], str):
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # absent, half-written by a crash, or corrupt: compute afresh
    return entry


ENTRIES_KEPT_PER_SHARD = 8  # answers live in 256 folders by their key's first byte: at most 2,048 kept


def store(argv: list[str], reads: set[str], stdout: str, stderr: str, digest: str | None = None) -> None:
    """Keep a successful answer under ``digest``, the :func:`key` taken before the run (the code and
    files it read as they were then); a full cache folder only costs the next run its time."""
    entry = {"format": _FORMAT, "argv": argv, "reads": [[path, identity(path)] for path in sorted(reads)],
             "stdout": stdout, "stderr": stderr}
    from ..ffmpeg.binary import store_json  # loaded already: a compile ran to give this answer

    store_json(_entry_path(digest or key(argv)), entry, ENTRIES_KEPT_PER_SHARD)


_HEARD = frozenset({"open", "os.scandir", "os.listdir", "ffx.depends", "glob.glob", "subprocess.Popen"})


class Recorder:
    """The files a run reads, gathered from Python's audit events while it is on.

    ``open`` (Python's own reads: the recipe, subtitles, fonts), ``os.scandir``,
    ``os.listdir`` and ``glob.glob`` (folders listed: picture patterns),
    ``subprocess.Popen`` (the programs run: FFmpeg itself) and ``ffx.depends``
    (files handed to FFmpeg to read, folders checked: see :func:`ffx.media.probe.depends_on`).
    Python's own installation and ffx's code are left out: the key covers them.
    """

    _installed: Recorder | None = None

    def __init__(self) -> None:
        self.reads: set[str] = set()
        self.on = False
        self.unstorable = False
        # ffx's own cache folder too: its FFmpeg capabilities follow the binary, which is recorded
        skip = {sys.prefix, sys.base_prefix, sys.exec_prefix, _PACKAGE, os.path.dirname(cache_folder())}
        self._skip = tuple(os.path.join(os.path.abspath(p), "") for p in skip if p)

    @classmethod
    def start(cls) -> Recorder:
        """The process's recorder, switched on (audit hooks cannot be removed: one is installed, once)."""
        if cls._installed is None:
            cls._installed = cls()
            sys.addaudithook(cls._installed._hear)
        cls._installed.reads.clear()
        cls._installed.on, cls._installed.unstorable = True, False
        return cls._installed

    def _hear(self, event: str, args: tuple) -> None:
        # called for every audit event of the process (imports, compiles, exec...): the first test is the
        # only cost for the rest, and once off (finished, or unstorable) the hook costs one attribute read
        if not self.on or event not in _HEARD:
            return
        if event in ("open", "os.scandir", "os.listdir", "ffx.depends"):
            self._add(args[0] if args else None)
        elif event == "glob.glob" and args:
            self._add(os.path.dirname(args[0]) or ".")
        elif event == "subprocess.Popen" and len(args) > 1 and isinstance(args[1], (list, tuple)):
            for word in args[1]:  # the programs, wherever they are (the bundled FFmpeg is inside Python's)
                if isinstance(word, str) and os.path.isabs(word) and os.access(word, os.X_OK) and os.path.isfile(word):
                    self._add(word, everywhere=True)

    def _add(self, path, everywhere: bool = False) -> None:
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str) or not path:
            return  # a file descriptor: its file was recorded when it was opened
        path = os.path.abspath(path)
        if path.startswith(("/proc/", "/dev/", "/sys/")) and path != os.devnull:
            # a device or the system's live state: no identity tells it changed, so the answer will not be
            # stored and nothing more need be heard
            self.unstorable, self.on = True, False
        elif everywhere or not path.startswith(self._skip):
            self.reads.add(path)


class Tee:
    """A text stream that also keeps what is written to it (the answer to store)."""

    def __init__(self, real):
        self.real, self.parts = real, []

    def write(self, text):
        if isinstance(text, bytes):
            text = text.decode(self.real.encoding or "utf-8", "replace")
        self.parts.append(text)
        return self.real.write(text)

    def text(self) -> str:
        return "".join(self.parts)

    def __getattr__(self, name):  # encoding, errors, flush, isatty, fileno, buffer: the real stream's
        return getattr(self.real, name)
