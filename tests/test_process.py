"""The process supervisor: every child in its own group, dead with ffx even on SIGKILL, stopped for certain."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import proc_files

from ffx.ffmpeg import process


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _sleepers(marker: str) -> list[int]:
    """Running processes whose command line carries ``marker``."""
    return [pid for pid, cmd in proc_files("cmdline").items() if marker.encode() in cmd and _alive(pid)]


SCRIPT = """\
import sys, time
from ffx.ffmpeg import process
if sys.argv[1] == "python":  # the launcher used where util-linux's setpriv is missing
    process.launcher = lambda: (sys.executable, "-I", "-S", "-c", process._PRCTL_LAUNCHER)
child = process.Child([sys.executable, "-c", "import time; time.sleep(300)", "MARKER"])
print(child.pid, flush=True)
time.sleep(300)
"""


@pytest.mark.parametrize("launcher", ["default", "python"])
def test_a_child_dies_when_ffx_is_killed_with_sigkill(tmp_path, launcher):
    marker = f"ffx-test-{os.getpid()}-{launcher}"
    script = tmp_path / "parent.py"
    script.write_text(SCRIPT.replace("MARKER", marker))
    parent = subprocess.Popen([sys.executable, str(script), launcher], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.kill()
    parent.wait()
    deadline = time.time() + 5
    while time.time() < deadline and _sleepers(marker):
        time.sleep(0.05)
    assert _sleepers(marker) == []


@pytest.mark.parametrize("words", [process.launcher(), (sys.executable, "-I", "-S", "-c", process._PRCTL_LAUNCHER)],
                         ids=["default", "python"])
def test_a_child_whose_parent_died_before_the_signal_was_set_does_not_start(tmp_path, words):
    """The parent-death signal is never sent if the parent was gone when it was set: the launcher checks."""
    marker = tmp_path / "ran"
    orphaned = subprocess.run([*words, "1", "touch", str(marker)], capture_output=True)  # "ffx" is pid 1
    assert orphaned.returncode == 125 and not marker.exists()
    adopted = subprocess.run([*words, str(os.getpid()), "touch", str(marker)], capture_output=True)
    assert adopted.returncode == 0 and marker.exists()


def test_the_launcher_is_setpriv_where_util_linux_has_it():
    words = process.launcher()
    if sys.platform.startswith("linux") and os.path.exists("/usr/bin/setpriv"):
        assert os.path.basename(words[0]) == "setpriv" and words[1:4] == ("--pdeathsig", "KILL", "--")


def test_a_child_started_from_a_thread_that_ends_lives_on():
    """The parent-death signal follows the thread that forked: children start in one long-lived thread."""
    box = []
    thread = threading.Thread(target=lambda: box.append(process.Child(["sleep", "30"])))
    thread.start()
    thread.join()
    child = box[0]
    time.sleep(0.3)
    assert child.poll() is None
    child.close()
    assert child.wait() == -signal.SIGTERM


def test_stop_ends_the_whole_process_group():
    child = process.Child(["sh", "-c", "sleep 30 & echo $! >&2; wait"])
    deadline = time.time() + 5
    while time.time() < deadline and not child.stderr_text():
        time.sleep(0.02)
    grandchild = int(child.stderr_text())
    assert os.getpgid(child.pid) == child.pid != os.getpgid(0)  # its own group, apart from ffx's
    child.stop()
    time.sleep(0.2)
    assert not _alive(grandchild)


def test_stop_turns_to_sigkill_when_the_polite_signal_is_ignored():
    child = process.Child(["sh", "-c", "trap '' TERM; echo ready >&2; while :; do sleep 0.05; done"])
    while not child.stderr_text():
        time.sleep(0.02)
    started = time.monotonic()
    child.stop()
    assert child.wait() == -signal.SIGKILL and time.monotonic() - started < 9


def test_stderr_keeps_a_bounded_tail():
    child = process.Child(["sh", "-c", "i=0; while [ $i -lt 500 ]; do echo line $i >&2; i=$((i+1)); done"])
    assert child.wait() == 0
    lines = child.stderr_text().splitlines()
    assert len(lines) == process.TAIL_LINES and lines[-1] == "line 499"
    child.close()


def test_run_returns_text_and_stops_a_child_that_overruns():
    done = process.run(["sh", "-c", "echo out; echo err >&2; exit 3"], timeout=10)
    assert (done.returncode, done.stdout, done.stderr) == (3, "out\n", "err\n")
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        process.run(["sleep", "30"], timeout=0.3)
    assert time.monotonic() - started < 5


def test_a_missing_program_fails_as_popen_would_not_behind_the_launcher(tmp_path):
    with pytest.raises(FileNotFoundError):
        process.run([str(tmp_path / "no-ffmpeg")], timeout=5)
    with pytest.raises(FileNotFoundError):
        process.Child(["no-such-program-ffx"])
    plain = tmp_path / "not-executable"
    plain.write_text("#!/bin/sh\n")
    with pytest.raises(PermissionError):
        process.run([str(plain)], timeout=5)


def test_sigterm_and_sighup_become_a_keyboard_interrupt_once():
    assert issubclass(process.Terminated, KeyboardInterrupt)
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(process.Terminated) as stopped:
        with process.terminations_raise():
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(1)
    assert stopped.value.signum == signal.SIGHUP and stopped.value.exit_code == 129
    assert str(stopped.value) == "stopped by SIGHUP"
    with process.terminations_raise():
        with pytest.raises(process.Terminated):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)  # during the clean-up the first one started: ignored
        time.sleep(0.1)
    assert signal.getsignal(signal.SIGTERM) == before


def test_no_module_uses_preexec_fn():
    """preexec_fn runs Python between fork and exec, which deadlocks when another thread held a lock."""
    source = Path(process.__file__).parent
    offenders = [p.name for p in source.rglob("*.py") if "preexec_fn=" in p.read_text()]
    assert offenders == []


def test_spawning_while_other_threads_hold_locks_does_not_hang():
    """Many children started at once from many threads: each starts and ends (no fork-time deadlock)."""
    results = []

    def start_some():
        for _ in range(5):
            results.append(process.run(["true"], timeout=30).returncode)

    threads = [threading.Thread(target=start_some) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [0] * 40

