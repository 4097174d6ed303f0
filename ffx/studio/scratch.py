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

import os
import re
import shutil
import stat
import tempfile

from ..run.partfile import HOST, left_by_gone_owners, start_time
from ..run.partfile import owner_gone as part_owner_gone

SCRATCH_NAME = re.compile(r"^ffx-studio-([0-9a-f]{8})-(\d+)-(\d+)-[A-Za-z0-9_]+$")


def make_scratch() -> str:
    """A new private scratch folder in the system's temporary folder, named after this process."""
    pid = os.getpid()
    return tempfile.mkdtemp(prefix=f"ffx-studio-{HOST}-{pid}-{start_time(pid) or 0}-")


def owner_gone(pid: int, started: int) -> bool:
    """True only when the studio that made a folder provably no longer runs (a folder whose start time was
    unknown is never taken: a live owner cannot be ruled out)."""
    return started != 0 and part_owner_gone(pid, started)


def sweep_scratch(folder: str | None = None) -> list[str]:
    """Remove the scratch folders in ``folder`` (the temporary folder) left by studios that no longer run;
    return their paths."""
    removed = []
    for entry in left_by_gone_owners(folder or tempfile.gettempdir(), SCRATCH_NAME, gone=owner_gone):
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            continue  # a symlink, a file, another user's folder: not ours to judge
        shutil.rmtree(entry.path, ignore_errors=True)  # fd-based on Linux: a symlink inside is not followed
        if not os.path.lexists(entry.path):
            removed.append(entry.path)
    return removed
