"""ffx batch on this machine: failures isolated, memory budget honoured, resumable, clean when stopped."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import ffx
from conftest import ADVERSARIAL, decode_frames, ffmpeg_children, make_clip
from ffx.scale.batch import local
from ffx.scale.batch.jobs import MINIMUM_JOB_MEMORY, Outcome
from ffx.cli import app

RECIPE = """\
vars: {width: 80}
steps:
  - resize: {width: "${width}"}
output: {path: unused.mkv, codec: ffv1}
"""

# upscaled and blurred with a slow encoder: seconds per job, so a signal arrives while FFmpeg works
SLOW_RECIPE = """\
steps:
  - resize: {width: 1280, height: 720}
  - filter: {name: gblur, sigma: 20, steps: 6}
output: {path: unused.mp4, preset: veryslow}
"""


def cli(*args: str, cwd: Path):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    finally:
        os.chdir(old)


@pytest.fixture
def clips(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "clips"
    folder.mkdir()
    return [make_clip(folder / f"{name}.mkv", duration=0.4, audio=None) for name in ("a", "b", "c")]


@pytest.fixture
def recipe(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(RECIPE)
    return path


def statuses(results) -> dict[str, str]:
    return {Path(r.input).stem: r.status for r in results}


def test_a_corrupt_input_fails_alone_and_is_named_in_the_summary_and_report(tmp_path, clips, recipe):
    bad = tmp_path / "clips" / "b.mkv"
    bad.write_bytes(b"\x1aE\xdf\xa3" + os.urandom(4000))  # a Matroska magic, then noise
    result = cli("batch", str(recipe), "-i", "clips/*.mkv", "-o", "out/{stem}.mkv", "--report", "report.json",
                 cwd=tmp_path)
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert any(line.startswith("failed\tclips/b.mkv\tout/b.mkv") for line in lines), lines
    assert lines[-1].startswith("3 jobs: 2 ok, 1 failed")
    assert "Traceback" not in result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["counts"] == {"ok": 2, "failed": 1, "skipped": 0, "stopped": 0}
    failed = [job for job in report["jobs"] if job["status"] == "failed"]
    assert [job["input"] for job in failed] == ["clips/b.mkv"] and failed[0]["error"]
    for name in ("a", "c"):
        frames = decode_frames(tmp_path / "out" / f"{name}.mkv")
        assert frames.shape == (10, 45, 80, 3)
    assert sorted(os.listdir(tmp_path / "out")) == [".ffx-batch.json", "a.mkv", "c.mkv"]
    ADVERSARIAL["clear errors"] += 1


def test_outputs_match_a_plain_render_of_each_input(tmp_path, clips, recipe):
    results = ffx.batch(recipe, [str(c) for c in clips], output=str(tmp_path / "out" / "{index:02}-{stem}.mkv"),
                        jobs=2)
    assert [r.status for r in results] == ["ok"] * 3
    assert [Path(r.output).name for r in results] == ["01-a.mkv", "02-b.mkv", "03-c.mkv"]
    plain = ffx.render(recipe, inputs=[str(clips[1])], output=str(tmp_path / "plain.mkv"))
    assert np.array_equal(decode_frames(plain.stages[-1].output_path), decode_frames(results[1].output))
    assert results[1].bytes == os.path.getsize(results[1].output) and results[1].memory > 0


def test_resume_skips_what_is_done_and_redoes_what_changed(tmp_path, clips, recipe):
    def run(**options):
        return statuses(ffx.batch(recipe, str(tmp_path / "clips" / "*.mkv"), output=str(tmp_path / "out/{stem}.mkv"),
                                  **options))

    assert run() == {"a": "ok", "b": "ok", "c": "ok"}
    assert run() == {"a": "skipped", "b": "skipped", "c": "skipped"}
    manifest = json.loads((tmp_path / "out" / ".ffx-batch.json").read_text())
    assert sorted(manifest["outputs"]) == ["a.mkv", "b.mkv", "c.mkv"]

    info = os.stat(clips[0])
    os.utime(clips[0], ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))  # touched: same bytes, new time
    assert run() == {"a": "ok", "b": "skipped", "c": "skipped"}

    assert run(variables={"width": 64}) == {"a": "ok", "b": "ok", "c": "ok"}
    assert decode_frames(tmp_path / "out" / "b.mkv").shape[2] == 64
    assert run(variables={"width": 64}) == {"a": "skipped", "b": "skipped", "c": "skipped"}

    recipe.write_text(RECIPE + "# the same steps, but the text changed\n")
    assert run(variables={"width": 64}) == {"a": "ok", "b": "ok", "c": "ok"}

    (tmp_path / "out" / "c.mkv").write_bytes(b"damaged")  # an output that is not what was recorded
    assert run(variables={"width": 64}) == {"a": "skipped", "b": "skipped", "c": "ok"}
    assert run(variables={"width": 64}, force=True) == {"a": "ok", "b": "ok", "c": "ok"}


def test_an_existing_file_the_batch_did_not_make_is_not_replaced(tmp_path, clips, recipe):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.mkv").write_bytes(b"mine")
    results = ffx.batch(recipe, [str(clips[0])], output=str(tmp_path / "out/{stem}.mkv"))
    assert results[0].status == "failed" and "--force" in results[0].error
    assert (tmp_path / "out" / "a.mkv").read_bytes() == b"mine"
    assert ffx.batch(recipe, [str(clips[0])], output=str(tmp_path / "out/{stem}.mkv"), force=True)[0].status == "ok"


@pytest.mark.parametrize("template, message", [
    ("out/{stme}.mkv", "unknown placeholder {stme} (known: stem, name, parent, index, width)"),
    ("out/{0}.mkv", "placeholder {0} that is not a name"),
    ("out/{stem.upper}.mkv", "placeholder {stem.upper} that is not a name"),
    ("out/{stem!r}.mkv", "with a conversion"),
    ("out/{stem.mkv", "cannot be read"),
    ("out/{parent}.mkv", "'clips/a.mkv' and 'clips/b.mkv' would both write 'out/clips.mkv'"),
    ("out/{width}-{index:x}.mkv", None),  # fine: a variable, a format spec
    ("out/{stem:>20}.mkv", None),
])
def test_template_problems_are_one_line_before_anything_runs(tmp_path, clips, recipe, template, message):
    result = cli("batch", str(recipe), "-i", "clips/*.mkv", "-o", template, cwd=tmp_path)
    if message is None:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("error: output: ") and message in line
    assert not (tmp_path / "out").exists()


def test_clashing_outputs_and_an_output_that_is_an_input_are_refused_before_anything_runs(tmp_path, clips, recipe):
    (tmp_path / "clips" / "sub").mkdir()
    make_clip(tmp_path / "clips" / "sub" / "a.mkv", duration=0.2, audio=None)
    result = cli("batch", str(recipe), "-i", "clips/**/*.mkv", "-o", "out/{stem}.mkv", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["error: output: 'clips/a.mkv' and 'clips/sub/a.mkv' would both write "
                                          "'out/a.mkv'; add {parent} or {index} to the template"]
    result = cli("batch", str(recipe), "-i", "clips/*.mkv", "-o", "clips/{name}", cwd=tmp_path)
    assert result.exit_code == 1 and "which is an input" in result.stderr
    assert not (tmp_path / "out").exists()
    result = cli("batch", str(recipe), "-i", "clips/*.mkv", "-i", "clips/**/*.mkv", "-o", "out/{parent}/{stem}.mkv",
                 cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.mkv")) == [
        "clips/a.mkv", "clips/b.mkv", "clips/c.mkv", "sub/a.mkv"]


def test_inputs_come_from_a_list_file_and_a_pattern_must_match(tmp_path, clips, recipe):
    (tmp_path / "list.txt").write_text("clips/c.mkv\n\nclips/a.mkv\n")
    results = ffx.batch(recipe, inputs_from=tmp_path / "list.txt", output=str(tmp_path / "out/{index}.mkv"))
    assert [(Path(r.input).name, Path(r.output).name) for r in results] == [("c.mkv", "1.mkv"), ("a.mkv", "2.mkv")]
    result = cli("batch", str(recipe), "-i", "nothing/*.mkv", "-o", "out/{stem}.mkv", cwd=tmp_path)
    assert result.exit_code == 1 and result.stderr.splitlines() == ["error: -i 'nothing/*.mkv': no file matches"]
    result = cli("batch", str(recipe), "-o", "out/{stem}.mkv", cwd=tmp_path)
    assert result.exit_code == 2 and "needs inputs" in result.stderr


def test_a_missing_dask_is_one_line(tmp_path, clips, recipe, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now raises ImportError
    result = cli("batch", str(recipe), "-i", "clips/*.mkv", "-o", "out/{stem}.mkv", "--cluster", "local:2",
                 cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["error: --cluster needs Dask: pip install 'ffx[dask]'"]


# --- the memory budget -------------------------------------------------------------------------


class FakeJob:
    """A job that only sleeps, recording when it ran: the scheduler's decisions, without FFmpeg."""

    def __init__(self, key: str, memory: int, log: list, lock: threading.Lock):
        self.key, self.memory, self.seconds, self.input = key, memory, 1.0, key
        self.log, self.lock = log, lock

    def run(self, on_progress):
        with self.lock:
            self.log.append(("start", self.key))
        time.sleep(0.05)
        with self.lock:
            self.log.append(("end", self.key))
        return 0


class Recorder:
    def __init__(self):
        self.outcomes = {}

    def started(self, job):
        pass

    def progressed(self, job, done):
        pass

    def finished(self, job, outcome: Outcome):
        self.outcomes[job.key] = outcome


def overlaps(log: list) -> set[frozenset]:
    """Pairs of jobs that ran at the same time, from the order of their start and end events."""
    running: set = set()
    pairs = set()
    for event, key in log:
        if event == "start":
            pairs |= {frozenset((key, other)) for other in running}
            running.add(key)
        else:
            running.discard(key)
    return pairs


def test_jobs_whose_estimates_exceed_the_budget_together_never_overlap():
    log: list = []
    lock = threading.Lock()
    mib = 2**20
    sizes = {"big1": 600, "big2": 600, "s1": 100, "s2": 100, "s3": 100, "huge": 2000, "s4": 100}
    jobs = [FakeJob(key, size * mib, log, lock) for key, size in sizes.items()]
    recorder = Recorder()
    local.run_local(jobs, recorder, slots=3, budget=1000 * mib)
    assert all(outcome.status == "ok" for outcome in recorder.outcomes.values()) and len(recorder.outcomes) == 7
    pairs = overlaps(log)
    assert frozenset(("big1", "big2")) not in pairs
    assert not any("huge" in pair for pair in pairs)  # over the budget: alone
    for pair in pairs:
        assert sum(sizes[key] for key in pair) <= 1000
    # --strict-memory: the job over the budget fails with its estimate, the others run
    log.clear()
    local.run_local(jobs, recorder, slots=3, budget=1000 * mib, strict=True)
    assert recorder.outcomes["huge"].status == "failed"
    assert "needs ~2000 MiB by its plan's estimate, over the memory budget of 1000 MiB" in recorder.outcomes["huge"].error
    assert ("start", "huge") not in log


def test_a_real_batch_runs_two_jobs_one_after_the_other_when_both_do_not_fit(tmp_path, clips, recipe):
    plan = ffx.compile_recipe(recipe, inputs=[str(clips[0])], output=str(tmp_path / "x.mkv"))
    estimate = max(plan.memory_estimate, MINIMUM_JOB_MEMORY)  # what the scheduler counts for this job
    events = []

    class Watch(Recorder):
        def started(self, job):
            events.append(("start", job.key))

        def finished(self, job, outcome):
            events.append(("end", job.key))

    results = ffx.batch(recipe, [str(c) for c in clips[:2]], output=str(tmp_path / "out/{stem}.mkv"), jobs=2,
                        memory_budget=int(estimate * 1.5), progress=Watch())
    assert [r.status for r in results] == ["ok", "ok"]
    assert events == [("start", "1"), ("end", "1"), ("start", "2"), ("end", "2")]
    events.clear()
    ffx.batch(recipe, [str(c) for c in clips[:2]], output=str(tmp_path / "out/{stem}.mkv"), jobs=2,
              memory_budget=estimate * 2, progress=Watch(), force=True)
    assert events[:2] == [("start", "1"), ("start", "2")]  # both fit: started together


def test_strict_memory_refuses_a_job_over_the_budget_with_its_estimate(tmp_path, clips, recipe):
    result = cli("batch", str(recipe), "-i", "clips/a.mkv", "-o", "out/{stem}.mkv", "--memory-budget", "1M",
                 "--strict-memory", cwd=tmp_path)
    assert result.exit_code == 1
    assert "over the memory budget of 1 MiB (raise --memory-budget)" in result.stderr
    result = cli("batch", str(recipe), "-i", "clips/a.mkv", "-o", "out/{stem}.mkv", "--memory-budget", "1M",
                 cwd=tmp_path)
    assert result.exit_code == 0
    assert "over the budget of 1 MiB; it runs alone" in result.stderr


# --- stopping --------------------------------------------------------------------------------------


def _start_slow_batch(tmp_path: Path, first_quick: bool) -> subprocess.Popen:
    folder = tmp_path / "slow"
    folder.mkdir()
    if first_quick:
        make_clip(folder / "0-quick.mkv", duration=0.1, audio=None)
    make_clip(folder / "1-long.mkv", duration=60, audio=None, size="32x18")
    make_clip(folder / "2-long.mkv", duration=60, audio=None, size="32x18")
    (tmp_path / "slow.yaml").write_text(SLOW_RECIPE)
    proc = subprocess.Popen([sys.executable, "-m", "ffx", "batch", str(tmp_path / "slow.yaml"), "-i",
                             str(folder / "*.mkv"), "-o", str(tmp_path / "out" / "{stem}.mp4"), "-j", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None and not (
            ffmpeg_children(tmp_path) and (not first_quick or (tmp_path / "out" / "0-quick.mp4").exists())):
        time.sleep(0.05)
    time.sleep(0.5)
    assert proc.poll() is None and ffmpeg_children(tmp_path), proc.stderr.read()[-2000:]
    return proc


def _no_ffmpeg_soon(tmp_path: Path) -> list[int]:
    deadline = time.time() + 5
    while time.time() < deadline and ffmpeg_children(tmp_path):
        time.sleep(0.1)
    return ffmpeg_children(tmp_path)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_batch_leaves_no_partial_output_and_no_ffmpeg_and_says_how_many_finished(tmp_path, sig):
    proc = _start_slow_batch(tmp_path, first_quick=sig == signal.SIGINT)
    os.killpg(proc.pid, sig)  # SIGINT to the whole group, as Ctrl-C in a terminal does
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, stderr
    finished = 1 if sig == signal.SIGINT else 0
    reason = "interrupted" if sig == signal.SIGINT else "stopped by SIGTERM"
    assert stderr.splitlines()[-1] == (f"{reason}: {finished} finished, 2 not done, nothing half-written; "
                                       "run the same command again to resume")
    assert "Traceback" not in stderr
    left = sorted(os.listdir(tmp_path / "out"))
    assert left == ([".ffx-batch.json", "0-quick.mp4"] if finished else [])
    assert _no_ffmpeg_soon(tmp_path) == []
    ADVERSARIAL["clean aborts"] += 1


def test_quiet_prints_only_the_failures(tmp_path, clips, recipe):
    (tmp_path / "clips" / "b.mkv").write_bytes(b"not a video")
    result = cli("batch", str(recipe), "-i", "clips/*.mkv", "-o", "out/{stem}.mkv", "-q", cwd=tmp_path)
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("error: clips/b.mkv: ")
    result = cli("batch", str(recipe), "-i", "clips/a.mkv", "-o", "out/{stem}.mkv", "-q", cwd=tmp_path)
    assert result.exit_code == 0 and result.stderr == ""


def test_a_bad_memory_budget_is_one_line(tmp_path, clips, recipe):
    result = cli("batch", str(recipe), "-i", "clips/a.mkv", "-o", "out/{stem}.mkv", "--memory-budget", "lots",
                 cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["error: memory_budget: 'lots' is not a size; write e.g. 512M or 2G "
                                          "(e.g. --memory-budget 4G)"]
    assert not (tmp_path / "out").exists()


def test_inputs_that_are_one_file_are_one_job_and_the_other_names_are_said(tmp_path, clips, recipe):
    """Three names of clips/a.mkv (two symlinks and a hard link) and the file itself: one job, and a
    warning naming the three other names, not a silent merge."""
    links = tmp_path / "links"
    links.mkdir()
    (links / "s1.mkv").symlink_to(clips[0])
    (links / "s2.mkv").symlink_to(clips[0])
    os.link(clips[0], links / "hard.mkv")
    result = cli("batch", str(recipe), "-i", "clips/a.mkv", "-i", "links/*.mkv", "-o", "out/{stem}.mkv",
                 cwd=tmp_path)
    assert result.exit_code == 0, result.output
    warning = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warning == ["warning: 'links/hard.mkv', 'links/s1.mkv', 'links/s2.mkv' are the same file as "
                       "'clips/a.mkv': one job renders it"], result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")) == ["a.mkv"]
