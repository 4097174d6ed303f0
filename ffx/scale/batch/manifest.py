"""What a batch remembers between runs, so a second run skips work already done.

Each output folder holds ``.ffx-batch.json``: for every output ffx batch
wrote there, a fingerprint of the recipe text and variables that made it, the
identity of its input (device, inode, size, modification time in ns) and the
identity of the output itself: device, inode, size, modification time and a
SHA-256 of its first and last 16 KiB. The manifest is a claim anyone who can
write the folder can forge, so it only counts where the file on disk bears it
out:

- an output is **ours** (a batch may replace it without ``--force``) when the
  file at its name is the very file the batch wrote: the same device and inode;
- it is **done** (skipped) when, besides, its size, time and head-and-tail hash
  are unchanged and it was made by the same recipe, variables and input.

So a forged entry (``{"a.mp4": {}}``) beside someone's ``a.mp4`` proves
nothing and the file is refused as before; an output rewritten in place, even
with zeros of the same size and its old time put back, is due again.

The file is read as untrusted input: only a regular file (opened without
following a symlink or waiting on a FIFO, checked with ``fstat``), at most
``LARGEST_MANIFEST`` bytes, JSON of the expected shape. Anything else (a
directory, a FIFO, a file that does not parse, nesting 100,000 deep, a wrong
type anywhere) counts as no manifest, so nothing it names is replaced without
``--force``; a malformed entry counts as missing.

The manifest is written whole, to a temporary file renamed over the old one,
so it is never torn: after a finished job when the last write is
``FLUSH_INTERVAL`` old, and at the end of the batch however it ends (a batch
of 10,000 outputs in one folder would otherwise rewrite a growing file 10,000
times). A batch killed outright (SIGKILL, power) loses at most that
interval's records, which only means those outputs need ``--force`` to be made
again. One process writes it (the one running the batch, also on a cluster);
two batches writing into one folder at the same time may lose each other's
records.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import stat
import struct
import tempfile
import threading
import time
from typing import Any

MANIFEST_NAME = ".ffx-batch.json"
VERSION = 2  # 1 recorded no identity of the output: such a manifest proves nothing and counts as absent
FLUSH_INTERVAL = 2.0  # seconds
LARGEST_MANIFEST = 64 << 20  # bytes read at most: some 180,000 outputs in one folder
HASHED = 16 << 10  # bytes of an output's head, and of its tail, in its hash: a resume reads 32 KiB an output
_OUTPUT_KEYS = ("device", "inode", "size", "mtime_ns", "sha256")


def fingerprint(recipe_text: str, variables: dict[str, Any]) -> str:
    """What made an output, as one hash: the recipe's text and the variables' values.

    >>> fingerprint("steps: [reverse]", {"a": 1}) == fingerprint("steps: [reverse]", {"a": 1})
    True
    >>> fingerprint("steps: [reverse]", {"a": 1}) == fingerprint("steps: [reverse]", {"a": 2})
    False
    """
    data = json.dumps({"recipe": recipe_text, "vars": variables}, sort_keys=True, default=str)
    return hashlib.sha256(data.encode()).hexdigest()


def identity(path: str) -> list[int] | None:
    """(device, inode, size, mtime_ns) of a file: what changes when it is replaced or touched; None if missing."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns]


_STATX_BTIME, _AT_EMPTY_PATH = 0x800, 0x1000  # linux/stat.h, linux/fcntl.h


def birth_ns(handle: int) -> int | None:
    """When the open file was made (Linux ``statx`` btime), in ns; None where the system or file system does
    not say. Unlike the inode's number, a new file never gets an old file's birth time."""
    try:
        call = ctypes.CDLL(None, use_errno=True).statx
    except (AttributeError, OSError):  # a C library before glibc 2.28, or none to ask
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p]
    answer = ctypes.create_string_buffer(256)  # struct statx
    if call(handle, b"", _AT_EMPTY_PATH, _STATX_BTIME, answer) != 0:
        return None
    mask, = struct.unpack_from("I", answer, 0)
    seconds, nanoseconds = struct.unpack_from("qI", answer, 80)  # stx_btime
    return seconds * 10**9 + nanoseconds if mask & _STATX_BTIME else None


def identity_of(info: os.stat_result) -> tuple[int, int, int]:
    """What tells a file from one put at its name later: device, inode, and the time its inode last changed
    (a new file may get a freed inode's number, never its change time)."""
    return info.st_dev, info.st_ino, info.st_ctime_ns


def _open_regular(path: str) -> tuple[int, os.stat_result] | None:
    """A descriptor of ``path`` and its ``fstat``, when it is a regular file; None otherwise (missing, a
    symlink, a directory, a FIFO: opened without waiting for a writer, then refused by its type)."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        info = os.fstat(handle)
    except OSError:
        os.close(handle)
        return None
    if not stat.S_ISREG(info.st_mode):
        os.close(handle)
        return None
    return handle, info


def _read_exactly(handle: int, offset: int, count: int) -> bytes:
    chunks, got = [], 0
    while got < count:
        chunk = os.pread(handle, count - got, offset + got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def output_identity(path: str) -> dict[str, Any] | None:
    """What proves an output is the file a batch wrote: device, inode, size, mtime and a SHA-256 of its
    first and last ``HASHED`` bytes (and its size); None when it is missing or not a regular file."""
    opened = _open_regular(path)
    if opened is None:
        return None
    handle, info = opened
    try:
        born = birth_ns(handle)
        digest = hashlib.sha256(str(info.st_size).encode() + b"\0")
        digest.update(_read_exactly(handle, 0, min(HASHED, info.st_size)))
        if info.st_size > HASHED:
            tail = max(HASHED, info.st_size - HASHED)
            digest.update(_read_exactly(handle, tail, info.st_size - tail))
    except OSError:
        return None
    finally:
        os.close(handle)
    return {"device": info.st_dev, "inode": info.st_ino, "size": info.st_size, "mtime_ns": info.st_mtime_ns,
            "sha256": digest.hexdigest(), "birth_ns": born}


class Manifests:
    """The manifests of every output folder of one batch, read once, written after each finished job."""

    def __init__(self) -> None:
        self.folders: dict[str, dict[str, Any]] = {}
        self.unwritten: set[str] = set()
        self.unwritable: dict[str, str] = {}  # folder -> why its manifest could not be written
        self.written_at = time.monotonic()
        self.lock = threading.Lock()

    def _entries(self, folder: str) -> dict[str, Any]:
        if folder not in self.folders:
            self.folders[folder] = read_manifest(os.path.join(folder, MANIFEST_NAME))
        return self.folders[folder]

    def _entry(self, output: str) -> dict[str, Any] | None:
        folder, name = os.path.split(os.path.abspath(output))
        with self.lock:
            return self._entries(folder).get(name)

    def is_done(self, output: str, made_by: str, source: list[int] | None) -> bool:
        """Whether ``output`` is, byte for byte as far as its identity tells, the file a batch made from
        the same recipe, variables and input."""
        entry = self._entry(output)
        if not entry or source is None:
            return False
        return (entry["made_by"] == made_by and entry["input_id"] == source
                and entry["output"] == output_identity(output))

    def knows(self, output: str) -> bool:
        """Whether the file at ``output`` is the very file a batch wrote, perhaps rewritten in place since:
        replacing it redoes our own work and clobbers nobody's file."""
        return self.made(output) is not None

    def made(self, output: str) -> tuple[int, int, int] | None:
        """:func:`identity_of` the file at ``output`` when it is the very file a batch wrote: same device,
        inode and birth time (a file put at the name after ours was removed often gets the freed inode's
        number; its birth time tells it apart where the file system keeps one); None otherwise."""
        entry = self._entry(output)
        opened = _open_regular(output)
        if not entry or opened is None:
            return None
        handle, info = opened
        try:
            born = birth_ns(handle) if entry["output"].get("birth_ns") is not None else None
        finally:
            os.close(handle)
        made = entry["output"]
        if [made["device"], made["inode"]] == [info.st_dev, info.st_ino] and born == made.get("birth_ns"):
            return identity_of(info)
        return None

    def record(self, output: str, made_by: str, source_path: str, source: list[int] | None) -> None:
        folder, name = os.path.split(os.path.abspath(output))
        made = output_identity(output)
        with self.lock:
            entries = self._entries(folder)
            if made is None:  # gone already: nothing to vouch for
                entries.pop(name, None)
            else:
                entries[name] = {"made_by": made_by, "input": os.path.abspath(source_path), "input_id": source,
                                 "output": made}
            self.unwritten.add(folder)
            if time.monotonic() - self.written_at >= FLUSH_INTERVAL:
                self._flush()

    def flush(self) -> None:
        """Write every manifest with records not yet on disk."""
        with self.lock:
            self._flush()

    def _flush(self) -> None:
        for folder in sorted(self.unwritten):
            try:
                _write_json(os.path.join(folder, MANIFEST_NAME), {"version": VERSION, "outputs": self.folders[folder]})
            except OSError as exc:  # a directory in its place, a full disk: the outputs stay, unrecorded
                self.unwritable[folder] = exc.strerror or str(exc)
        self.unwritten.clear()
        self.written_at = time.monotonic()


def read_manifest(path: str) -> dict[str, Any]:
    """The well-formed entries a manifest lists, by output name; anything unreadable or malformed counts
    as absent (its outputs are then foreign files, replaced only with ``--force``).

    >>> read_manifest("/dev/zero"), read_manifest("/nonexistent/.ffx-batch.json")
    ({}, {})
    """
    opened = _open_regular(path)
    if opened is None:
        return {}
    handle, info = opened
    try:
        if info.st_size > LARGEST_MANIFEST:
            return {}
        text = _read_exactly(handle, 0, info.st_size)
    except OSError:
        return {}
    finally:
        os.close(handle)
    try:
        data = json.loads(text.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested past the parser's recursion limit
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("outputs"), dict):
        return {}
    return {name: entry for name, entry in data["outputs"].items() if _well_formed(name, entry)}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**64


def _well_formed(name: Any, entry: Any) -> bool:
    """An entry as :meth:`Manifests.record` writes it, every field of its kind."""
    if not isinstance(name, str) or not name or "/" in name or "\0" in name or name in (".", ".."):
        return False
    if not isinstance(entry, dict) or set(entry) != {"made_by", "input", "input_id", "output"}:
        return False
    source, made = entry["input_id"], entry["output"]
    return (isinstance(entry["made_by"], str) and isinstance(entry["input"], str)
            and (source is None or (isinstance(source, list) and len(source) == 4 and all(map(_is_int, source))))
            and isinstance(made, dict) and set(made) - {"birth_ns"} == set(_OUTPUT_KEYS)
            and (made.get("birth_ns") is None or _is_int(made["birth_ns"]))
            and all(_is_int(made[key]) for key in _OUTPUT_KEYS[:4])
            and isinstance(made["sha256"], str) and len(made["sha256"]) == 64)


def _write_json(path: str, data: Any) -> None:
    """Write JSON whole to a temporary file beside ``path``, then rename it into place."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".ffx-batch-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=1, sort_keys=True)
            file.flush()
            os.fsync(file.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as an ordinary file; mkstemp makes it private
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
