"""The studio's scratch folder for previews, and the sweep of those whose studio was killed.

A studio removes its scratch folder when it stops; killed outright (SIGKILL,
a crash, power) it cannot. So the folder's name records its owner: the host,
the pid and the pid's start time (``ffx-studio-HOST-PID-START-RANDOM``, made
in one ``mkdtemp``, so no other studio ever sees it half-described). When a
studio starts it removes the scratch folders, of its own user on its own host,
whose owner provably no longer runs: no process has that pid, or the process
that has it now started at another time (the pid was reused). A folder whose
owner cannot be told (another naming, no ``/proc``) is kept, and a live
studio's never goes.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import stat
import tempfile

HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
SCRATCH_NAME = re.compile(r"^ffx-studio-([0-9a-f]{8})-(\d+)-(\d+)-[A-Za-z0-9_]+$")


def start_time(pid: int) -> int | None:
    """When a process started (clock ticks since boot: field 22 of ``/proc/PID/stat``); None when unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read(4096).rsplit(b")", 1)[1].split()  # the command name may hold ')' or spaces
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def make_scratch() -> str:
    """A new private scratch folder in the system's temporary folder, named after this process."""
    pid = os.getpid()
    return tempfile.mkdtemp(prefix=f"ffx-studio-{HOST}-{pid}-{start_time(pid) or 0}-")


def owner_gone(pid: int, started: int) -> bool:
    """True only when the process that made a folder provably no longer runs."""
    if started == 0:
        return False  # its start time was unknown: a live owner cannot be ruled out
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # a process of another user has the pid now: its start time tells
    except OverflowError:
        return True  # no process can have that pid
    now = start_time(pid)
    return now is not None and now != started


def sweep_scratch(folder: str | None = None) -> list[str]:
    """Remove the scratch folders in ``folder`` (the temporary folder) left by studios that no longer run;
    return their paths."""
    folder = folder or tempfile.gettempdir()
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        found = SCRATCH_NAME.match(entry.name)
        if not found or found.group(1) != HOST:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            continue  # a symlink, a file, another user's folder: not ours to judge
        if owner_gone(int(found.group(2)), int(found.group(3))):
            shutil.rmtree(entry.path, ignore_errors=True)  # fd-based on Linux: a symlink inside is not followed
            if not os.path.lexists(entry.path):
                removed.append(entry.path)
    return removed
