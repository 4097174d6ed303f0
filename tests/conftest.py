"""Shared helpers: lossless generated clips, frame and sample decoding, recipe runs."""

from __future__ import annotations

import collections
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

import ffx
from ffx.ffmpeg.binary import find_ffmpeg
from ffx.media.probe import probe

# In CI the property tests draw the same examples on every run (derandomize), so a run is repeatable: an
# example that fails is found here, by a developer's random runs and their example database, and pinned
# with @example, rather than by chance in one CI run and not the next.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

FFMPEG = find_ffmpeg()

# Outcomes of the hostile inputs and faults tried by the suite, printed at the end of the run.
ADVERSARIAL: collections.Counter = collections.Counter(
    {"clear errors": 0, "literal renders": 0, "clean aborts": 0, "clobbered inputs": 0, "partial outputs": 0,
     "orphans": 0})

# Values sent through FFmpeg by the escaping property test: what came back.
ESCAPING: collections.Counter = collections.Counter({"values": 0, "breakouts": 0, "injections": 0, "mangled": 0})


def pytest_addoption(parser) -> None:
    parser.addoption("--update-goldens", action="store_true", help="rewrite tests/golden/*.txt from the compiler")


def pytest_terminal_summary(terminalreporter) -> None:
    if ESCAPING["values"]:
        terminalreporter.write_sep("-", "escaping, read back from FFmpeg")
        terminalreporter.write_line(
            f"values sent: {ESCAPING['values']}; breakouts {ESCAPING['breakouts']}, "
            f"injections {ESCAPING['injections']}, mangled {ESCAPING['mangled']}")
    tried = ADVERSARIAL["clear errors"] + ADVERSARIAL["literal renders"] + ADVERSARIAL["clean aborts"]
    if tried:
        terminalreporter.write_sep("-", "adversarial inputs and faults")
        terminalreporter.write_line(
            f"bad inputs and faults tried: {tried} -> clear errors {ADVERSARIAL['clear errors']}, "
            f"literal renders {ADVERSARIAL['literal renders']}, clean aborts {ADVERSARIAL['clean aborts']}; "
            f"clobbered inputs {ADVERSARIAL['clobbered inputs']}, partial outputs {ADVERSARIAL['partial outputs']}, "
            f"orphans {ADVERSARIAL['orphans']}")


def render_plan(tmp_path, steps, src, output="out.mkv"):
    """Render (into lossless FFV1 for .mkv) and return the plan with the output path; the plan must describe the file."""
    path = tmp_path / output
    spec = {"path": str(path)}
    if output.endswith(".mkv"):
        spec.update(codec="ffv1", audio_codec="pcm_s16le")
    plan = ffx.render(ffx.Recipe(input=str(src), steps=steps, output=spec))
    still = output.endswith(".png")
    got = probe(str(path), FFMPEG, need_duration=not still)
    want = plan.result
    assert (got.width, got.height) == (want.width, want.height)
    if not still:
        assert got.frames == want.frames
        assert abs(got.duration - want.duration) < 1.5 / float(want.fps)
    return plan, path


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Temporary files and folders (the runner's) go to an empty folder, so a test can see none is left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def cmdline(pid: int) -> bytes:
    """A process's command line (NUL-separated), or empty when it has ended meanwhile."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # a short-lived child (a probe, the launcher check) ended meanwhile
        return b""


def proc_files(name: str) -> dict[int, bytes]:
    """Every running process's ``/proc/<pid>/<name>`` (``cmdline``, ``stat``), without those that end meanwhile."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                found[int(entry)] = Path(f"/proc/{entry}/{name}").read_bytes()
            except OSError:
                continue
    return found


def child_processes(parent: int) -> list[int]:
    """The processes whose parent is ``parent`` (not those of other tests running FFmpeg meanwhile)."""
    return [pid for pid, stat in proc_files("stat").items() if int(stat.rsplit(b")", 1)[1].split()[1]) == parent]


def ffmpeg_children(folder: Path) -> list[int]:
    """FFmpeg processes still running whose command line mentions ``folder`` or that hold a file in it open
    (an unnamed output in ``folder`` is written through ``/proc/self/fd/N``)."""
    found = []
    for pid, cmd in proc_files("cmdline").items():
        program = os.path.basename(cmd.split(b"\0", 1)[0])
        if b"ffmpeg" in program and (str(folder).encode() in cmd  # the folder's name may say ffmpeg too
                                     or _holds_file_in(pid, folder)):
            found.append(pid)
    return found


def _holds_file_in(pid: int, folder: Path) -> bool:
    try:
        links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    except OSError:
        return False
    return any(link.startswith(str(folder) + os.sep) for link in links)


def run_ffmpeg(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", *args],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done


def faulty_ffmpeg(path: Path, when: str, then: str) -> str:
    """An FFmpeg that runs the shell words ``then`` when its arguments match the ``case`` pattern ``when``,
    and is the real FFmpeg otherwise: one chosen command fails, stops early or is logged."""
    path.write_text(f'#!/bin/sh\ncase "$*" in {when}) {then};; esac\nexec "{FFMPEG}" "$@"\n')
    path.chmod(0o755)
    return str(path)


def make_clip(path: Path, *, duration: float = 2.0, size: str = "160x90", rate: str = "25",
              audio: str | None = "chirp", source: str = "testsrc2", keyint: int | None = None,
              pix_fmt: str = "yuv420p", jitter: bool = False, codec: str = "ffv1") -> Path:
    """A lossless clip (FFV1 + PCM in Matroska) with a frame counter; audio a rising tone by default."""
    args = ["-f", "lavfi", "-i", f"{source}=size={size}:rate={rate}:duration={duration}"]
    if audio == "chirp":
        # instantaneous frequency 200 Hz + 400 Hz/s * t: rising, so a reversed clip must fall
        args += ["-f", "lavfi", "-i", f"aevalsrc=sin(2*PI*(200*t+200*t*t)):sample_rate=48000:duration={duration}"]
    elif audio == "sine":
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={duration}"]
    if jitter:
        # variable frame rate as phones record it: frames alternately on time and 0.3 frame late, in a 1 ms
        # time base (set before the offsets, which the source's own 1/rate base would round away)
        args += ["-vf", f"settb=1/1000,setpts=(N+0.3*mod(N\\,2))/({rate})/TB", "-fps_mode", "passthrough",
                 "-enc_time_base:v", "1/1000"]
    args += ["-c:v", codec, "-pix_fmt", pix_fmt]
    if keyint:
        args += ["-g", str(keyint)]
    if audio:
        args += ["-c:a", "pcm_s16le"]
    run_ffmpeg(*args, "-y", str(path))
    return path


def decode_frames(path: Path | str, pix_fmt: str = "rgb24") -> np.ndarray:
    """All frames as an (N, H, W, C) uint8 array."""
    info = probe(str(path), FFMPEG)
    channels = {"rgb24": 3, "gray": 1, "rgba": 4}[pix_fmt]
    raw = subprocess.run([FFMPEG, "-v", "error", "-nostdin", "-i", str(path), "-map", "0:v:0", "-fps_mode", "passthrough", "-f", "rawvideo",
                          "-pix_fmt", pix_fmt, "-"], capture_output=True, check=True).stdout
    frame = info.width * info.height * channels
    assert len(raw) % frame == 0
    return np.frombuffer(raw, np.uint8).reshape(-1, info.height, info.width, channels)


def decode_audio(path: Path | str, rate: int = 48000) -> np.ndarray:
    raw = subprocess.run([FFMPEG, "-v", "error", "-nostdin", "-i", str(path), "-map", "0:a:0", "-f", "f32le",
                          "-ac", "1", "-ar", str(rate), "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.float32)


def dominant_frequency(samples: np.ndarray, rate: int = 48000) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)])


def render(tmp_path: Path, steps: list, src: Path | None = None, output: str | dict = "out.mkv", **options) -> Path:
    """Render steps over ``src`` into a lossless Matroska (FFV1) by default."""
    if isinstance(output, str):
        output = {"path": str(tmp_path / output)}
        if output["path"].endswith(".mkv"):
            output.update(codec="ffv1", audio_codec="pcm_s16le")
    recipe = ffx.Recipe(input=str(src) if src else None, steps=steps, output=output)
    plan = ffx.render(recipe, **options)
    return Path(plan.stages[-1].output_path)


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return make_clip(tmp_path / "clip.mkv")


@pytest.fixture
def silent_clip(tmp_path: Path) -> Path:
    return make_clip(tmp_path / "silent.mkv", audio=None)
