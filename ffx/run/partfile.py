"""Where FFmpeg writes an output until it is complete, and how the finished file gets its name.

An output is written to a file **without a name** (Linux ``O_TMPFILE``) in the
output's own folder. FFmpeg reaches it as ``/proc/self/fd/N``: the descriptor
is passed down (``pass_fds``) and FFmpeg opens that path like any file, so it
may seek, and MP4's ``+faststart`` may re-open it to move the index to the
front. Only when FFmpeg succeeded and the file reads back as planned is it
linked into place (``linkat`` of ``/proc/self/fd/N``), which fails if the name
appeared meanwhile. Whatever ends ffx before that, SIGKILL included, the kernel
frees the file with the last descriptor: nothing is left that the user did not
ask for, and the temporary needs no name, so any output name that fits the
file system works.

``--overwrite`` cannot link over a name, so the file is linked under a
hidden name first and renamed over the target: a window of two system calls
in which a SIGKILL leaves that hidden name behind. A batch replacing its own
earlier output replaces only that very file (device and inode): the two names
are swapped at once (``renameat2`` ``RENAME_EXCHANGE``), and if the file swapped
out is another (put there after the batch checked), they are swapped back and
the render refused, that file kept.

Where ``O_TMPFILE`` is missing (a file system without it, or no ``/proc``),
the part is an ordinary hidden file ``.ffx-part-HOST-PID-START-RANDOM.ext``, HOST
(a hash of the machine's name: a shared folder is swept only of this machine's parts), PID
and START (the process's start time in clock ticks since boot) naming its
owner. Hidden names are also what a SIGKILL can leave behind where unnamed
files work: the name ``--overwrite`` publishes under, a chunked render's
pieces and sound written by Dask workers. So before any output is written
beside its target (and before a hidden part is made anywhere), the folder is
swept of parts whose owner provably no longer runs: no process with that pid,
or one that started at another time (the pid was reused). A part from a
process that still runs, or one whose start time cannot be read, is left alone.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import re
import secrets
import socket
import tempfile
from collections.abc import Callable, Iterator

from ..errors import InputError

CHUNK = 1 << 16
PART_NAME = re.compile(r"^\.ffx-part-([0-9a-f]{8})-(\d+)-(\d+)-[0-9a-f]+(-[a-z0-9]+)?(\.\w+)?$")
# which machine a part's owner runs on: a pid means nothing on another machine sharing the folder (NFS)
HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
# errors that mean "this folder cannot hold an unnamed file", not "this folder cannot be written"
_NO_TMPFILE = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOSYS}


def start_time(pid: int) -> int | None:
    """When a process started (clock ticks since boot), from /proc; None where that cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read(4096).rsplit(b")", 1)[1].split()  # the command name may hold ')' or spaces
        return int(fields[19])  # field 22 of stat(5); the two before ")" are pid and (comm)
    except (OSError, IndexError, ValueError):
        return None


def part_name(extension: str, label: str = "") -> str:
    """A hidden name owned by this process: once it no longer runs, a sweep of the folder removes the file
    (also used for files another process writes for this one, such as a chunked render's pieces)."""
    pid = os.getpid()
    return f".ffx-part-{HOST}-{pid}-{start_time(pid) or 0}-{secrets.token_hex(4)}{'-' + label if label else ''}{extension}"


def owner_gone(pid: int, start: int) -> bool:
    """True only when the process that named a file or folder (its pid and start time) provably no longer
    runs: the pid is free, or another process, started at another time, has it now."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # a process of another user has that pid now
    except OverflowError:
        return True  # no process can have that pid
    now = start_time(pid)
    return start != 0 and now is not None and now != start


def left_by_gone_owners(folder: str, name: re.Pattern, *, prefix: str = "",
                        gone: Callable[[int, int], bool] = owner_gone) -> list[os.DirEntry]:
    """The entries of ``folder`` whose name (matched by ``name``: host, pid, start time) says a process of
    this host made them and ``gone`` says it no longer runs; none when the folder cannot be read. Part files
    and the studio's scratch folders are swept by this one rule."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    left = []
    for entry in entries:
        if not entry.name.startswith(prefix):  # cheap: the folder may hold thousands of outputs
            continue
        match = name.match(entry.name)
        if match and match.group(1) == HOST and gone(int(match.group(2)), int(match.group(3))):
            left.append(entry)
    return left


def sweep_stale_parts(folder: str) -> list[str]:
    """Remove parts left in ``folder`` by ffx processes that no longer run; return their names."""
    removed = []
    for entry in left_by_gone_owners(folder, PART_NAME, prefix=".ffx-part-"):
        try:
            os.unlink(entry.path)
            removed.append(entry.name)
        except OSError:
            pass
    return removed


def make_folders(folder: str) -> None:
    """Make the missing folders of an output's path (only those) right before FFmpeg writes there, as
    ``ffx batch`` does; ``ffx compile`` and ``ffx validate`` make nothing, and a failed compile neither."""
    try:
        os.makedirs(folder, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        existing = folder
        while not os.path.lexists(existing):
            existing = os.path.dirname(existing)
        raise InputError(f"cannot make the output folder {folder!r}: {existing!r} is not a folder") from None
    except OSError as exc:
        raise InputError(f"cannot make the output folder {folder!r}: {exc.strerror}") from None


def _open_unnamed(folder: str) -> int:
    """An unnamed regular file in ``folder`` (raises OSError where the file system has none)."""
    if not os.path.isdir("/proc/self/fd"):
        raise OSError(errno.ENOSYS, "no /proc to reach an unnamed file by")
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None:
        raise OSError(errno.ENOSYS, "O_TMPFILE is not available")
    return os.open(folder, flag | os.O_RDWR | os.O_CLOEXEC, 0o666)


def _appeared(target: str) -> InputError:
    return InputError(f"{target!r} appeared while rendering; use --overwrite to replace it")


def _replaced(target: str) -> InputError:
    return InputError(f"{target!r} was replaced while rendering by a file ffx did not write; it is kept")


_RENAME_EXCHANGE = 2  # linux/fs.h


def _exchange(directory: int, first: str, second: str) -> bool | None:
    """Swap two names of ``directory`` in one step (Linux ``renameat2``): True; False if ``second`` does not
    exist; None where the system or the file system cannot."""
    try:
        call = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):  # a C library before glibc 2.28, or no C library to ask
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if call(directory, os.fsencode(first), directory, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code == errno.ENOENT:
        return False
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
        return None
    raise OSError(code, os.strerror(code))


class PartFile:
    """An output under construction: unnamed where the system allows, else a hidden part (module docstring)."""

    def __init__(self, folder: str, extension: str, *, swept: bool = False):
        self.folder = folder
        self.extension = extension
        self.path: str | None = None  # set only for a named part
        try:
            self.fd = _open_unnamed(folder)
            return
        except OSError as exc:
            if exc.errno not in _NO_TMPFILE:
                raise InputError(f"cannot write in {folder!r}: {exc.strerror}") from None
        if not swept:
            sweep_stale_parts(folder)
        path = os.path.join(folder, part_name(extension))
        try:
            self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            raise InputError(f"cannot write in {folder!r}: {exc.strerror}") from None
        self.path = path

    @classmethod
    def beside(cls, target: str) -> PartFile:
        """A part in the target's folder (made if missing), so publishing it is a link, never a copy; the
        folder is swept first of the parts that killed renders left there (module docstring)."""
        folder = os.path.dirname(os.path.abspath(target))
        make_folders(folder)
        sweep_stale_parts(folder)
        return cls(folder, os.path.splitext(target)[1], swept=True)

    @classmethod
    def private(cls, extension: str) -> PartFile:
        """A part in the temporary folder, read back and never published (renders to bytes)."""
        return cls(tempfile.gettempdir(), extension)

    @property
    def unnamed(self) -> bool:
        return self.path is None

    @property
    def url(self) -> str:
        """What FFmpeg is told to write (or read): a path it opens like any file."""
        return f"file:/proc/self/fd/{self.fd}" if self.path is None else f"file:{self.path}"

    @property
    def local_path(self) -> str:
        """The path by which ffx, and a child given :attr:`pass_fds`, open the part."""
        return f"/proc/self/fd/{self.fd}" if self.path is None else self.path

    @property
    def pass_fds(self) -> tuple[int, ...]:
        """Descriptors a child needs to open :attr:`url`."""
        return (self.fd,) if self.path is None else ()

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def read(self, offset: int, count: int) -> bytes:
        """Up to ``count`` bytes from ``offset`` (fewer at the end)."""
        return os.pread(self.fd, count, offset)

    def chunks(self) -> Iterator[bytes]:
        offset = 0
        while chunk := os.pread(self.fd, CHUNK, offset):
            offset += len(chunk)
            yield chunk

    def publish(self, target: str, overwrite: bool | tuple[int, int]) -> None:
        """Give the finished file the target's name; without ``overwrite`` never replace an existing file,
        with a (device, inode) replace only that file."""
        name = os.path.basename(target)
        directory = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            if isinstance(overwrite, tuple):
                self._replace_only(directory, name, overwrite, target)
            elif self.path is None:
                self._link_unnamed(directory, name, overwrite, target)
            else:
                self._move_named(directory, name, overwrite, target)
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise InputError(f"the output name is too long for its folder: {name!r}") from None
            raise
        finally:
            os.close(directory)

    def _link_unnamed(self, directory: int, name: str, overwrite: bool, target: str) -> None:
        source = f"/proc/self/fd/{self.fd}"
        if not overwrite:
            try:  # dst_dir_fd makes Python call linkat(AT_SYMLINK_FOLLOW): plain link() would link the symlink
                os.link(source, name, dst_dir_fd=directory)
            except FileExistsError:
                raise _appeared(target) from None
            return
        hidden = part_name(self.extension)
        os.link(source, hidden, dst_dir_fd=directory)
        try:
            os.replace(hidden, name, src_dir_fd=directory, dst_dir_fd=directory)
        except BaseException:
            os.unlink(hidden, dir_fd=directory)
            raise

    def _replace_only(self, directory: int, name: str, identity: tuple[int, int], target: str) -> None:
        """Swap the finished file in for the file of ``identity``; any other file at the name is kept."""
        if self.path is None:
            hidden = part_name(self.extension)
            os.link(f"/proc/self/fd/{self.fd}", hidden, dst_dir_fd=directory)
        else:
            hidden, self.path = os.path.basename(self.path), None  # removed here from now on
        remove = True  # whether ``hidden`` is left to remove: a second name of ours, or the file swapped out
        try:
            swapped = _exchange(directory, hidden, name)
            if swapped is None:  # no atomic swap here: look, then rename (a small race, as without links)
                found = os.stat(name, dir_fd=directory, follow_symlinks=False) if os.path.lexists(target) else None
                if found is not None and (found.st_dev, found.st_ino) != tuple(identity):
                    raise _replaced(target)
                os.replace(hidden, name, src_dir_fd=directory, dst_dir_fd=directory)
                remove = False
            elif not swapped:  # the old file is gone: publish as if it never was
                try:
                    os.link(hidden, name, src_dir_fd=directory, dst_dir_fd=directory, follow_symlinks=False)
                except FileExistsError:
                    raise _appeared(target) from None
            else:
                old = os.stat(hidden, dir_fd=directory, follow_symlinks=False)
                if (old.st_dev, old.st_ino) != tuple(identity):
                    if _exchange(directory, hidden, name) is not True:  # their name went meanwhile: give it back
                        remove = False
                        os.link(hidden, name, src_dir_fd=directory, dst_dir_fd=directory, follow_symlinks=False)
                        remove = True
                    raise _replaced(target)
        finally:
            if remove:
                try:
                    os.unlink(hidden, dir_fd=directory)
                except FileNotFoundError:
                    pass

    def _move_named(self, directory: int, name: str, overwrite: bool, target: str) -> None:
        part = os.path.basename(self.path)
        if overwrite:
            os.replace(part, name, src_dir_fd=directory, dst_dir_fd=directory)
            self.path = None
            return
        try:
            os.link(part, name, src_dir_fd=directory, dst_dir_fd=directory, follow_symlinks=False)
        except FileExistsError:
            raise _appeared(target) from None
        except OSError as exc:  # a file system without hard links: test, then rename (a small race)
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                raise
            if os.path.lexists(target):
                raise _appeared(target) from None
            os.replace(part, name, src_dir_fd=directory, dst_dir_fd=directory)
            self.path = None
            return

    def close(self) -> None:
        """Forget the part: an unnamed file vanishes with its descriptor; a named one is removed."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.path is not None:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            self.path = None

    def __enter__(self) -> PartFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
