"""Every child process ffx starts: spawning, stderr, stopping, waiting.

Three promises hold for each child, whoever asked for it (the runner, a
feeder, a Python stage, an in-memory render, a probe):

- **It runs in a session of its own** (``start_new_session=True``), so Ctrl-C
  in the terminal reaches ffx only, and :func:`stop` can end the child and
  anything it started with one ``killpg``.
- **It dies with ffx, even on SIGKILL.** Linux's parent-death signal
  (``prctl(PR_SET_PDEATHSIG)``) does that, but it must be set in the child
  between fork and exec, and Python's ``preexec_fn`` hook is documented as
  unsafe once threads exist (the child may deadlock on a lock some other
  thread held at fork time; ffx always has reader threads). So the child
  execs a launcher first that sets the signal and then execs the real
  program: util-linux ``setpriv --pdeathsig KILL --`` where it exists (tried
  once per process), else a minimal ``python -I -S -c`` that calls ``prctl``
  (about 15 ms). The signal only comes if the parent is still alive when it
  is set: a child whose parent died in the millisecond before would run on
  unseen (FFmpeg ignores SIGPIPE, so even its closed progress pipe would not
  stop it). So after the ``prctl`` both launchers check that their parent is
  still ffx (``sh``'s ``$PPID``; ``os.getppid()``) and give up otherwise. Off
  Linux there is no such signal: the stop paths below still run on every
  catchable exit.
- **The parent it dies with lives as long as ffx.** The kernel's "parent" is
  the *thread* that forked, not the process: a child started from a thread
  that then ends is killed on the spot. Generators such as ``iter_bytes`` may
  be resumed from any thread of a server's pool, so every child is started by
  one long-lived daemon thread here (:class:`_Spawner`); the cost is a hand-off
  between two threads, tens of microseconds.

Other choices, and why: a watchdog process holding a pipe to ffx would work
off Linux too, but it is one more Python start-up per render and one more
process to clean up; ``pidfd``s and subreapers tell a process about its
*children*, not its parent.

Signals: SIGTERM and SIGHUP become :class:`Terminated` (a KeyboardInterrupt,
as SIGINT is) while a render runs in the main thread, so the same clean-up
runs for all three and the command line exits ``128 + signal``.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence

TAIL_LINES = 40

# After the parent-death signal is set: if ffx died before that (the child now has another parent),
# the signal will never come, so do not start at all. Both take ffx's pid, then the real argv.
_PARENT_CHECK = '[ "$PPID" = "$0" ] && exec "$@"; exit 125'
_PRCTL_LAUNCHER = (
    "import ctypes,os,sys\n"
    "ctypes.CDLL(None,use_errno=True).prctl(1,9,0,0,0)\n"
    "if os.getppid()!=int(sys.argv[1]):os._exit(125)\n"
    "os.execvp(sys.argv[2],sys.argv[2:])\n"
)


class Terminated(KeyboardInterrupt):
    """ffx was asked to stop by SIGTERM or SIGHUP; like Ctrl-C's KeyboardInterrupt, after clean-up.

    ``signum`` is the signal and ``exit_code`` the shell's convention for it (143, 129).
    """

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    def __str__(self) -> str:
        return f"stopped by {signal.Signals(self.signum).name}"


def launcher() -> tuple[str, ...]:
    """The words put before ffx's pid and every child's argv so that the child dies with ffx (module docstring)."""
    with _launcher_lock:  # found once, though the first children start from several threads at once
        return _find_launcher()


_launcher_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _find_launcher() -> tuple[str, ...]:
    if not sys.platform.startswith("linux"):
        return ()
    setpriv, shell = shutil.which("setpriv"), shutil.which("sh")
    if setpriv and shell:
        words = (setpriv, "--pdeathsig", "KILL", "--", shell, "-c", _PARENT_CHECK)
        try:  # util-linux before 2.33 (2018) has no --pdeathsig
            probe = subprocess.run([*words, str(os.getpid()), "true"], stdin=subprocess.DEVNULL,
                                   capture_output=True, timeout=10)
            if probe.returncode == 0:
                return words
        except (OSError, subprocess.SubprocessError):
            pass
    return (sys.executable, "-I", "-S", "-c", _PRCTL_LAUNCHER)


def _launched(argv: Sequence[str]) -> list[str]:
    words = launcher()
    return [*words, str(os.getpid()), *argv] if words else list(argv)


def _check_program(program: str) -> None:
    """Fail as Popen would (FileNotFoundError, PermissionError) before a launcher hides it behind exit 127."""
    if os.sep in program:
        if not os.path.isfile(program):
            raise FileNotFoundError(2, "No such file or directory", program)
        if not os.access(program, os.X_OK):
            raise PermissionError(13, "Permission denied", program)
    elif shutil.which(program) is None:
        raise FileNotFoundError(2, "No such file or directory", program)


class _Spawner:
    """One daemon thread that starts every child, so the parent-death signal's "parent" outlives them all."""

    def __init__(self) -> None:
        self.requests: queue.SimpleQueue = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def _serve(self) -> None:
        while True:
            job, box, done = self.requests.get()
            try:
                box.append(job())
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller
                box.append(exc)
            done.set()

    def call(self, job) -> subprocess.Popen:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():  # first use, or a forked copy of ffx
                self.requests = queue.SimpleQueue()
                self.thread = threading.Thread(target=self._serve, name="ffx-spawner", daemon=True)
                self.thread.start()
        box: list = []
        done = threading.Event()
        self.requests.put((job, box, done))
        try:
            done.wait()
        except BaseException:
            # interrupted (Ctrl-C, SIGTERM) while the spawner works: the child may start anyway
            done.wait()
            if box and isinstance(box[0], subprocess.Popen):
                stop(box[0])
            raise
        if isinstance(box[0], BaseException):
            raise box[0]
        return box[0]


_spawner = _Spawner()


def popen(argv: Sequence[str], *, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
          pass_fds: Sequence[int] = ()) -> subprocess.Popen:
    """A child with the promises above, as a plain Popen (for a caller that reads stderr its own way);
    end it with :func:`stop`. Prefer :class:`Child`."""
    _check_program(argv[0])
    full = _launched(argv)
    return _spawner.call(lambda: subprocess.Popen(full, stdin=stdin, stdout=stdout, stderr=stderr,
                                                  pass_fds=tuple(pass_fds), start_new_session=True))


class Child:
    """A running child: its process, the last lines of its stderr (read by a thread), and how to end it."""

    def __init__(self, argv: Sequence[str], *, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                 pass_fds: Sequence[int] = (), on_line: Callable[[str], bool] | None = None):
        self.argv = list(argv)
        self.on_line = on_line  # given each stderr line, then "" at its end; True keeps a line out of the tail
        self.popen = popen(argv, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, pass_fds=pass_fds)
        self.tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self._reader = threading.Thread(target=self._drain, name="ffx-stderr", daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        stream = self.popen.stderr
        try:
            for raw in iter(stream.readline, b""):
                line = raw.decode("utf-8", "replace")
                if self.on_line is None or not self.on_line(line):
                    self.tail.append(line)
        except (OSError, ValueError):  # closed under us while stopping
            pass
        finally:
            if self.on_line is not None:
                self.on_line("")

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def stdin(self):
        return self.popen.stdin

    @property
    def stdout(self):
        return self.popen.stdout

    def poll(self) -> int | None:
        return self.popen.poll()

    def wait(self) -> int:
        """The exit code (negative: killed by that signal), once stderr is read to its end."""
        code = self.popen.wait()
        self._reader.join(timeout=5)
        return code

    def stderr_text(self) -> str:
        return "".join(self.tail)

    def stop(self) -> None:
        stop(self.popen)

    def close(self) -> None:
        """Stop the child if it still runs, and close every pipe to it."""
        self.stop()
        for stream in (self.popen.stdin, self.popen.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._reader.join(timeout=5)
        if self.popen.stderr is not None:
            self.popen.stderr.close()


def stop(proc: subprocess.Popen) -> None:
    """End a child and everything it started: SIGTERM to its process group, then SIGKILL."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run(argv: Sequence[str], *, timeout: float, pass_fds: Sequence[int] = ()) -> subprocess.CompletedProcess:
    """Run a short command to its end (a probe, ``-version``); its output as text.

    Raises :class:`subprocess.TimeoutExpired` after ``timeout`` seconds, the
    child stopped; OSError when the program cannot be started.
    """
    proc = popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                  pass_fds=pass_fds)
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        stop(proc)
        proc.communicate()
        raise
    return subprocess.CompletedProcess(list(argv), proc.returncode, out.decode("utf-8", "replace"),
                                       err.decode("utf-8", "replace"))


@contextlib.contextmanager
def terminations_raise() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread (once: a second
    signal during the clean-up the first one started is ignored). Elsewhere it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired: list[int] = []

    def terminate(signum, frame):
        if fired:
            return
        fired.append(signum)
        raise Terminated(signum)

    previous = {sig: signal.signal(sig, terminate) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
