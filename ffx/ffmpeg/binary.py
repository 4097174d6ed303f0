"""Which FFmpeg to run, and what it can do.

Order of preference: an explicit path (``--ffmpeg``), ``$FFX_FFMPEG``, the
static binary shipped by the imageio-ffmpeg wheel (so a fresh machine needs no
system FFmpeg), then ``ffmpeg`` on ``PATH``. A binary's version and filter list
are read once per process and cached: that cache is ffx's only global state.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import re
import shutil
import threading
from dataclasses import dataclass

from ..errors import CapabilityError, quote
from . import process


@dataclass(frozen=True)
class FfmpegBinary:
    path: str
    version: str  # e.g. "9.0.2" or a git describe string
    major: int | None
    filters: frozenset[str]
    encoders: frozenset[str]

    def require_filters(self, names: set[str], why: dict[str, str] | None = None) -> None:
        missing = sorted(n for n in names if n not in self.filters)
        if missing:
            uses = ", ".join(f"{n} (for {why[n]})" if why and n in why else n for n in missing)
            raise CapabilityError(
                f"the FFmpeg at {self.path} (version {self.version}) lacks the filter(s) {uses}; "
                "install a full build (the imageio-ffmpeg wheel ships one) or point FFX_FFMPEG at one"
            )


def find_ffmpeg(explicit: str | None = None) -> str:
    """Path of the FFmpeg executable to use."""
    candidate = explicit or os.environ.get("FFX_FFMPEG")
    if candidate:
        resolved = shutil.which(candidate)
        if not resolved:
            raise CapabilityError(f"FFmpeg not found at {quote(candidate)} (from {'--ffmpeg' if explicit else 'FFX_FFMPEG'})")
        return resolved
    path = _bundled_ffmpeg()
    if path:
        return path
    resolved = shutil.which("ffmpeg")
    if not resolved:
        raise CapabilityError("no FFmpeg found: install imageio-ffmpeg, put ffmpeg on PATH, or set FFX_FFMPEG")
    return resolved


def _bundled_ffmpeg() -> str | None:
    """imageio-ffmpeg's binary, remembered in the cache folder.

    Asking the package imports it and runs the binary once to check it, about
    30 ms on every start of ffx; the answer only changes when the package is
    reinstalled, so it is keyed by the package's folder and its modification time.
    """
    if os.environ.get("IMAGEIO_FFMPEG_EXE"):
        return os.environ["IMAGEIO_FFMPEG_EXE"]  # the package returns it untested too
    spec = importlib.util.find_spec("imageio_ffmpeg")
    if spec is None or not spec.origin:
        return None
    package = os.path.dirname(spec.origin)
    try:
        memo: str | None = _cache_path("bundled", f"{package}|{os.stat(package).st_mtime_ns}")
    except OSError:
        memo = None
    remembered = _read_cache(memo).get("path") if memo else None
    if isinstance(remembered, str) and os.access(remembered, os.X_OK):
        return remembered
    try:
        import imageio_ffmpeg

        path = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        return None
    if not path or not os.access(path, os.X_OK):
        return None
    if memo is not None:
        _write_cache(memo, {"path": path})
    return path


def _run_quiet(path: str, *args: str) -> str:
    try:
        done = process.run([path, "-hide_banner", "-nostdin", *args], timeout=60)
    except OSError as exc:
        raise CapabilityError(f"cannot run FFmpeg at {path}: {exc}") from None
    return done.stdout + done.stderr


def _cache_path(kind: str, identity: str) -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    key = hashlib.sha1(identity.encode()).hexdigest()[:16]
    return os.path.join(base, "ffx", f"{kind}-{key}.json")


def _read_cache(cache: str) -> dict:
    try:
        with open(cache, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


CACHE_FILES_KEPT = 32  # per kind: every FFmpeg binary met (a wrapper script, an upgrade) writes one


def _write_cache(cache: str, data: dict) -> None:
    """The capabilities, kept beside the other binaries' (the oldest beyond :data:`CACHE_FILES_KEPT` go)."""
    store_json(cache, data, CACHE_FILES_KEPT, prefix=os.path.basename(cache).split("-")[0] + "-")


def store_json(target: str, value: object, kept: int, prefix: str = "") -> None:
    """Write ``value`` as JSON at ``target`` atomically (a temporary file, then a rename) and keep the folder
    to its newest ``kept`` entries (:func:`keep_newest`). Every cache of ffx writes this way: a folder that
    cannot be written only costs the next run the time to ask again, and a half-written file is never read."""
    temp = f"{target}.{os.getpid()}.{threading.get_ident()}.tmp"  # threads of one process write too
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(temp, "w", encoding="utf-8") as handle:
            json.dump(value, handle)
        os.replace(temp, target)
        keep_newest(target, kept, prefix)
    except OSError:
        try:
            os.unlink(temp)
        except OSError:
            pass


def keep_newest(written: str, kept: int, prefix: str = "") -> None:
    """Remove the oldest ``.json`` files beside ``written`` whose names start with ``prefix``, beyond the
    newest ``kept`` (``written`` among them, whatever its time): a cache folder stays small."""
    folder, name = os.path.split(written)
    entries = []
    with os.scandir(folder) as found:
        for entry in found:
            if (entry.name.startswith(prefix) and entry.name.endswith(".json") and entry.name != name
                    and entry.is_file(follow_symlinks=False)):
                entries.append((entry.stat(follow_symlinks=False).st_mtime_ns, entry.path))
    for _, path in sorted(entries)[:-(kept - 1) or None]:
        try:
            os.unlink(path)
        except OSError:
            pass


@functools.lru_cache(maxsize=8)
def _capabilities(path: str, mtime: float) -> FfmpegBinary:
    """Read from a small cache file keyed by the binary's path, size and mtime, else ask the binary."""
    stat = os.stat(path)
    cache = _cache_path("ffmpeg", f"{path}|{stat.st_size}|{stat.st_mtime_ns}")
    data = _read_cache(cache)
    try:
        return FfmpegBinary(path=path, version=data["version"], major=data["major"],
                            filters=frozenset(data["filters"]), encoders=frozenset(data["encoders"]))
    except (KeyError, TypeError):
        pass
    found = _ask(path)
    _write_cache(cache, {"version": found.version, "major": found.major, "filters": sorted(found.filters),
                         "encoders": sorted(found.encoders)})
    return found


def _ask(path: str) -> FfmpegBinary:
    version_text = _run_quiet(path, "-version")
    match = re.search(r"ffmpeg version (\S+)", version_text)
    if not match:
        raise CapabilityError(f"{path} does not look like FFmpeg (no version line)")
    version = match.group(1)
    major_match = re.search(r"(\d+)\.", version.lstrip("nN"))
    filters = frozenset(re.findall(r"^\s*[TSC.|]{2,3}\s+(\w+)\s", _run_quiet(path, "-filters"), re.M))
    encoders = frozenset(re.findall(r"^\s*[VASFXBD.]{6}\s+(\S+)\s", _run_quiet(path, "-encoders"), re.M))
    return FfmpegBinary(
        path=path, version=version, major=int(major_match.group(1)) if major_match else None,
        filters=filters, encoders=encoders,
    )


def ffmpeg_binary(explicit: str | None = None) -> FfmpegBinary:
    """The FFmpeg to use, with its capabilities (cached per path and modification time)."""
    path = find_ffmpeg(explicit)
    return _capabilities(path, os.stat(path).st_mtime)


def ffmpeg_here(path: str) -> str:
    """``path`` where that FFmpeg exists on this machine, else the one this ffx finds: a plan made on one
    machine may run on another (a Dask worker) with its own install."""
    return path if os.access(path, os.X_OK) else find_ffmpeg()


def printed_name(binary: str) -> str:
    """``ffmpeg`` when that word runs the FFmpeg ffx uses; else its full path, so the command runs as pasted.

    A fresh install has only the bundled binary, which is not on PATH; and an
    older system ``ffmpeg`` on PATH may lack what the recipe needs.
    """
    found = shutil.which("ffmpeg")
    try:
        if found and os.path.samefile(found, binary):
            return "ffmpeg"
    except OSError:
        pass
    return binary
