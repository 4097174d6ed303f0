"""ffx batch under hostile files and arguments: forged manifests, endless input lists, huge templates and
globs. Each ends as one line naming what is wrong, or as a correct result; nothing foreign is replaced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ffx
from conftest import ADVERSARIAL, make_clip
from ffx.cli import app
from ffx.errors import FfxError
from ffx.scale.batch.manifest import MANIFEST_NAME, read_manifest

RECIPE = """\
steps:
  - resize: {width: 64}
output: {path: unused.mkv, codec: ffv1}
"""


def cli(*args: str, cwd: Path):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    finally:
        os.chdir(old)


def ffx_process(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """``python -m ffx`` as a user runs it: a hang fails the test instead of stopping the suite."""
    return subprocess.run([sys.executable, "-m", "ffx", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "COLUMNS": "200"})


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    make_clip(tmp_path / "a.mkv", duration=0.4, audio=None)
    (tmp_path / "r.yaml").write_text(RECIPE)
    (tmp_path / "out").mkdir()
    return tmp_path


def one_error_line(result) -> str:
    output = result.stderr
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, output
    return errors[0]


# --- 2. the manifest proves what the batch made -----------------------------------------------------


@pytest.mark.parametrize("forged", [
    {"version": 1, "outputs": {"a.mkv": {}}},
    {"version": 2, "outputs": {"a.mkv": {}}},
    "forged with the right shape, another file's identity",
])
def test_a_forged_manifest_does_not_let_batch_replace_a_foreign_file(folder, forged):
    foreign = folder / "out" / "a.mkv"
    foreign.write_bytes(b"someone else's file")
    if isinstance(forged, str):  # a real manifest, made for another file of that name, then put back
        assert cli("batch", "r.yaml", "-i", "a.mkv", "-o", "out/{stem}.mkv", cwd=folder).exit_code == 1
        os.rename(foreign, folder / "theirs")
        assert cli("batch", "r.yaml", "-i", "a.mkv", "-o", "out/{stem}.mkv", cwd=folder).exit_code == 0
        os.replace(folder / "theirs", foreign)
    else:
        (folder / "out" / MANIFEST_NAME).write_text(json.dumps(forged))
    result = cli("batch", "r.yaml", "-i", "a.mkv", "-o", "out/{stem}.mkv", "-q", cwd=folder)
    assert result.exit_code == 1
    assert "exists and was not made by ffx batch; use --force" in one_error_line(result)
    assert foreign.read_bytes() == b"someone else's file"
    ADVERSARIAL["clear errors"] += 1


def test_an_output_overwritten_in_place_with_zeros_is_due_again(folder):
    def run():
        return [r.status for r in ffx.batch(folder / "r.yaml", [str(folder / "a.mkv")],
                                            output=str(folder / "out/{stem}.mkv"))]

    assert run() == ["ok"]
    assert run() == ["skipped"]
    made = folder / "out" / "a.mkv"
    info = made.stat()
    with open(made, "r+b") as handle:  # same file, same size, and its old time put back
        handle.write(bytes(info.st_size))
    os.utime(made, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert made.stat().st_ino == info.st_ino and made.stat().st_mtime_ns == info.st_mtime_ns
    assert run() == ["ok"]  # the hash of its head and tail no longer matches: made again, not skipped
    assert made.read_bytes()[:4] == b"\x1aE\xdf\xa3"
    assert run() == ["skipped"]


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("kind", ["fifo", "directory", "deep", "deep object", "wrong types", "not utf-8",
                                  "too large", "symlink", "version 1"])
def test_a_hostile_manifest_is_read_as_none_without_hanging(folder, kind):
    path = folder / "out" / MANIFEST_NAME
    good = {"made_by": "0" * 64, "input": "/x", "input_id": [1, 2, 3, 4],
            "output": {"device": 1, "inode": 2, "size": 3, "mtime_ns": 4, "sha256": "0" * 64}}
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "deep":
        path.write_text(_deep(100_000))
    elif kind == "deep object":
        path.write_text('{"version": 2, "outputs": {"a.mkv": ' + '{"x": ' * 100_000 + "1" + "}" * 100_001 + "}")
    elif kind == "wrong types":
        entries = {"a.mkv": [1], "b.mkv": {**good, "input_id": "x"}, "c/d": good, "e.mkv": {**good, "extra": 1},
                   "f.mkv": {**good, "output": {**good["output"], "size": True}}, "g.mkv": good}
        path.write_text(json.dumps({"version": 2, "outputs": entries}))
        assert list(read_manifest(str(path))) == ["g.mkv"]  # only the well-formed entry is kept
        return
    elif kind == "not utf-8":
        path.write_bytes(b'{"version": 2, "outputs": {"\xff": 1}}')
    elif kind == "too large":
        with open(path, "wb") as handle:  # sparse: 65 MiB of nothing, then a valid-looking end
            handle.truncate(65 << 20)
    elif kind == "symlink":
        (folder / "elsewhere.json").write_text(json.dumps({"version": 2, "outputs": {"a.mkv": good}}))
        path.symlink_to(folder / "elsewhere.json")
    elif kind == "version 1":
        path.write_text(json.dumps({"version": 1, "outputs": {"a.mkv": {"made_by": "x", "size": 3}}}))
    assert read_manifest(str(path)) == {}
    (folder / "out" / "a.mkv").write_bytes(b"theirs")
    result = ffx_process("batch", "r.yaml", "-i", "a.mkv", "-o", "out/{stem}.mkv", "-q", cwd=folder)
    assert result.returncode == 1 and "not made by ffx batch" in one_error_line(result)
    assert (folder / "out" / "a.mkv").read_bytes() == b"theirs"
    ADVERSARIAL["clear errors"] += 1


def test_a_manifest_that_cannot_be_written_is_a_warning_not_a_traceback(folder):
    (folder / "out" / MANIFEST_NAME).mkdir()
    result = cli("batch", "r.yaml", "-i", "a.mkv", "-o", "out/{stem}.mkv", "-q", cwd=folder)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and (folder / "out" / "a.mkv").stat().st_size > 0
    [line] = result.stderr.splitlines()
    assert line.startswith("warning: cannot write ") and "are not recorded" in line
    ADVERSARIAL["clear errors"] += 1
