"""What a batch remembers between runs, so a second run skips work already done.

Each output folder holds ``.ffx-batch.json``: for every output ffx batch
wrote there, a fingerprint of the recipe text and variables that made it, the
identity of its input (device, inode, size, modification time in ns) and the
output's own size. An output is done when all of these still hold; editing
the recipe, changing a ``--set`` value, replacing or touching an input, or
damaging the output makes it due again.

The manifest is written whole, to a temporary file renamed over the old one,
so it is never torn: after a finished job when the last write is
``FLUSH_INTERVAL`` old, and at the end of the batch however it ends (a batch
of 10,000 outputs in one folder would otherwise rewrite a growing file 10,000
times). A batch killed outright (SIGKILL, power) loses at most that
interval's records, which only means those outputs are made again. One process writes it (the one running the batch,
also on a cluster); two batches writing into one folder at the same time may
lose each other's records, which only costs a re-render.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
import time
from typing import Any

MANIFEST_NAME = ".ffx-batch.json"
VERSION = 1
FLUSH_INTERVAL = 2.0  # seconds


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


class Manifests:
    """The manifests of every output folder of one batch, read once, written after each finished job."""

    def __init__(self) -> None:
        self.folders: dict[str, dict[str, Any]] = {}
        self.unwritten: set[str] = set()
        self.written_at = time.monotonic()
        self.lock = threading.Lock()

    def _entries(self, folder: str) -> dict[str, Any]:
        if folder not in self.folders:
            self.folders[folder] = _read(os.path.join(folder, MANIFEST_NAME))
        return self.folders[folder]

    def is_done(self, output: str, made_by: str, source: list[int] | None) -> bool:
        """Whether ``output`` exists as the manifest says it was made, by the same recipe from the same input."""
        folder, name = os.path.split(os.path.abspath(output))
        with self.lock:
            entry = self._entries(folder).get(name)
        if not entry or source is None:
            return False
        made = identity(output)
        return (entry.get("made_by") == made_by and entry.get("input_id") == source
                and made is not None and entry.get("size") == made[2])

    def knows(self, output: str) -> bool:
        """Whether a batch made ``output`` (so replacing it is redoing our own work, not clobbering a file)."""
        folder, name = os.path.split(os.path.abspath(output))
        with self.lock:
            return name in self._entries(folder)

    def record(self, output: str, made_by: str, source_path: str, source: list[int] | None) -> None:
        folder, name = os.path.split(os.path.abspath(output))
        made = identity(output)
        with self.lock:
            entries = self._entries(folder)
            entries[name] = {"made_by": made_by, "input": os.path.abspath(source_path), "input_id": source,
                             "size": made[2] if made else None}
            self.unwritten.add(folder)
            if time.monotonic() - self.written_at >= FLUSH_INTERVAL:
                self._flush()

    def flush(self) -> None:
        """Write every manifest with records not yet on disk."""
        with self.lock:
            self._flush()

    def _flush(self) -> None:
        for folder in sorted(self.unwritten):
            _write_json(os.path.join(folder, MANIFEST_NAME), {"version": VERSION, "outputs": self.folders[folder]})
        self.unwritten.clear()
        self.written_at = time.monotonic()


def _read(path: str) -> dict[str, Any]:
    """The outputs a manifest lists; an unreadable or foreign file counts as empty (work is redone, not lost)."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("outputs"), dict):
        return {}
    return dict(data["outputs"])


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
