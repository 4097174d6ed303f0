"""ffx batch under hostile files and arguments: forged manifests, endless input lists, huge templates and
globs. Each ends as one line naming what is wrong, or as a correct result; nothing foreign is replaced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ffx
from conftest import ADVERSARIAL, decode_frames, make_clip
from test_batch import cli  # the batch tests' way to run ffx batch in a folder
from ffx.scale.batch.manifest import MANIFEST_NAME, read_manifest

RECIPE = """\
steps:
  - resize: {width: 64}
output: {path: unused.mkv, codec: ffv1}
"""



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


class Swapping:
    """A batch display that, as a job starts, puts another file at its output's name (after the batch's checks,
    before the render publishes)."""

    def __init__(self, path: Path, content: bytes):
        self.path, self.content = path, content

    def started(self, job) -> None:
        os.unlink(self.path)
        self.path.write_bytes(self.content)

    def progressed(self, job, done) -> None:
        pass

    def finished(self, job, outcome) -> None:
        pass

    def note(self, line) -> None:
        pass


def test_a_file_put_at_an_output_after_the_check_is_kept_not_replaced(folder):
    made = folder / "out" / "a.mkv"

    def run(progress=False, width=64):
        (folder / "r.yaml").write_text(RECIPE.replace("64", str(width)))
        return ffx.batch(folder / "r.yaml", [str(folder / "a.mkv")], output=str(folder / "out/{stem}.mkv"),
                         progress=progress)

    assert [r.status for r in run()] == ["ok"]
    [result] = run(Swapping(made, b"theirs"), width=32)  # due again (another recipe), and its own file to replace
    assert result.status == "failed" and "was replaced since the batch checked it, by a file ffx did not write; " \
                                         "it is kept" in result.error  # (its inode may be the old file's number)
    assert made.read_bytes() == b"theirs"
    assert not [name for name in os.listdir(folder / "out") if name.startswith(".ffx-part")]
    [again] = run(width=16)  # theirs is refused from now on, as any file the batch did not make
    assert again.status == "failed" and "was not made by ffx batch" in again.error
    os.unlink(made)
    [made_again] = run(width=16)  # and its own file, untouched, is replaced as before
    assert made_again.status == "ok"
    inode = made.stat().st_ino
    assert [r.status for r in run(width=24)] == ["ok"] and decode_frames(made).shape[2] == 24
    assert made.stat().st_ino != inode
    ADVERSARIAL["clear errors"] += 1


@pytest.mark.parametrize("unnamed", [True, False], ids=["unnamed part", "hidden part"])
@pytest.mark.parametrize("swap", [True, False], ids=["renameat2", "no atomic swap"])
def test_publishing_over_one_file_keeps_any_other(tmp_path, monkeypatch, unnamed, swap):
    from ffx.run import partfile

    def no_unnamed_files(folder):
        raise OSError(partfile.errno.EOPNOTSUPP, "Operation not supported")

    if not unnamed:
        monkeypatch.setattr(partfile, "_open_unnamed", no_unnamed_files)
    if not swap:
        monkeypatch.setattr(partfile, "_exchange", lambda directory, first, second: None)
    target = tmp_path / "out.mkv"

    def publish(content: bytes, identity) -> None:
        with partfile.PartFile.beside(str(target)) as part:
            os.write(part.fd, content)
            part.publish(str(target), identity)

    target.write_bytes(b"ours")
    ours = target.stat()
    publish(b"new", (ours.st_dev, ours.st_ino))  # the very file: replaced
    assert target.read_bytes() == b"new"
    newer = target.stat()
    os.unlink(target)
    target.write_bytes(b"theirs")  # put there after the check: kept
    with pytest.raises(ffx.InputError, match="was replaced while rendering by a file ffx did not write"):
        publish(b"newest", (newer.st_dev, newer.st_ino))
    assert target.read_bytes() == b"theirs"
    os.unlink(target)
    publish(b"alone", (newer.st_dev, newer.st_ino))  # the old file gone meanwhile: published as new
    assert target.read_bytes() == b"alone"
    assert sorted(os.listdir(tmp_path)) == ["out.mkv"]


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


# --- 3. input lists are bounded ----------------------------------------------------------------------


def limited_memory():
    """For a child that would otherwise read /dev/zero until the machine runs out: 2 GiB of address space."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


@pytest.mark.parametrize("given, message", [
    ("/dev/zero", "--inputs-from '/dev/zero' is a device; give a file or a pipe of one path a line"),
    (".", "--inputs-from '.' is a folder; give a file or a pipe of one path a line"),
    ("long.txt", "--inputs-from 'long.txt' is longer than 16 MiB; split the list"),
    ("many.txt", "--inputs-from 'many.txt' lists more than 100,000 paths; split the list"),
    ("nul.txt", "--inputs-from 'nul.txt' holds a NUL byte"),
    ("missing.txt", "--inputs-from 'missing.txt': No such file or directory"),
])
def test_an_input_list_is_a_bounded_file_or_pipe(folder, given, message):
    (folder / "long.txt").write_bytes(b"a.mkv\n" * (3 << 20))  # 18 MiB
    (folder / "many.txt").write_bytes(b"a.mkv\n" * 100_001)
    (folder / "nul.txt").write_bytes(b"a.mkv\0b.mkv\n")
    result = subprocess.run([sys.executable, "-m", "ffx", "batch", "r.yaml", "--inputs-from", given, "-o",
                             "out/{stem}.mkv"], cwd=folder, capture_output=True, text=True, timeout=60,
                            preexec_fn=limited_memory)
    assert result.returncode == 1
    assert one_error_line(result).startswith("error: " + message)
    ADVERSARIAL["clear errors"] += 1


def test_an_input_list_from_a_pipe_still_works(folder):
    result = subprocess.run([sys.executable, "-m", "ffx", "batch", "r.yaml", "--inputs-from", "-", "-o",
                             "out/{stem}.mkv", "-q"], cwd=folder, capture_output=True, text=True, timeout=120,
                            input="a.mkv\r\n\n")
    assert result.returncode == 0, result.stderr
    assert (folder / "out" / "a.mkv").stat().st_size > 0
    result = subprocess.run([sys.executable, "-m", "ffx", "batch", "r.yaml", "--inputs-from", "-", "-o",
                             "out/{stem}.mkv"], cwd=folder, capture_output=True, text=True, timeout=60,
                            stdin=open("/dev/zero", "rb"), preexec_fn=limited_memory)
    assert result.returncode == 1 and "'-' is a device" in one_error_line(result)


# --- 4. templates and globs are bounded --------------------------------------------------------------


@pytest.mark.parametrize("template, message", [
    ("out/{index:0999999999}.mkv", "{index:0999999999} 999,999,999 characters wide; a field is at most 255"),
    ("out/{stem:.300}.mkv", "300 characters wide"),
    ("out/{stem:x>1000}.mkv", "1,000 characters wide"),
    ("out/" + "d/" * 3000 + "{stem}.mkv", "is 6,014 characters long; a template is at most 4096"),
    ("out/" + "d/" * 1000 + "{stem}.mkv", "folders deep; at most 64"),
    ("out/" + "n" * 300 + "/{stem}.mkv", "of 300 bytes; a name is at most 255"),
])
def test_a_template_too_wide_or_too_deep_is_one_line(folder, template, message):
    result = ffx_process("batch", "r.yaml", "-i", "a.mkv", "-o", template, cwd=folder, timeout=60)
    assert result.returncode == 1
    line = one_error_line(result)
    assert line.startswith("error: output: ") and message in line and len(line) < 1000
    assert os.listdir(folder / "out") == []
    ADVERSARIAL["clear errors"] += 1


def test_output_for_refuses_a_huge_field_before_filling_it():
    from ffx.scale.batch import output_for

    started = time.monotonic()
    with pytest.raises(ffx.RecipeError, match="a field is at most 255"):
        output_for("out/{index:0999999999}.mkv", "a.mkv", 1, {})
    with pytest.raises(ffx.RecipeError, match="a path is at most 4095"):
        output_for("out/{title}.mkv", "a.mkv", 1, {"title": "t/" * 3000})
    assert time.monotonic() - started < 1
    assert output_for("out/{stem:>20}.mkv", "a.mkv", 1, {}) == "out/" + " " * 19 + "a.mkv"


def tree(root: Path, depth: int, width: int = 2) -> Path:
    """Folders ``width`` wide and ``depth`` deep, a clip name in each."""
    folders = [root]
    for _ in range(depth):
        folders = [folder / f"d{i}" for folder in folders for i in range(width)]
        for folder in folders:
            folder.mkdir(parents=True)
            (folder / "x.mkv").write_bytes(b"x")
    return root


def test_stacked_double_stars_match_as_one_and_finish_quickly(tmp_path):
    import glob

    from ffx.scale.batch.inputs import bounded_glob

    tree(tmp_path / "t", 6)
    one = sorted(glob.glob(str(tmp_path / "t" / "**" / "*.mkv"), recursive=True))
    result = subprocess.run([sys.executable, "-c", "import sys; from ffx.scale.batch.inputs import bounded_glob; "
                             "print(len(bounded_glob(sys.argv[1])))", str(tmp_path / "t") + "/**" * 50 + "/*.mkv"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and int(result.stdout) == len(one) == 126, result.stderr
    assert sorted(bounded_glob(str(tmp_path / "t" / "**" / "*.mkv"))) == one
    ADVERSARIAL["clear errors"] += 1


def test_a_glob_is_refused_past_its_depth_folder_count_time_and_match_count(tmp_path, monkeypatch):
    from ffx.scale.batch import inputs

    (tmp_path / "deep").mkdir()
    os.makedirs(tmp_path / "deep" / os.path.join(*["d"] * 40))
    (tmp_path / "deep" / os.path.join(*["d"] * 40) / "x.mkv").write_bytes(b"x")
    with pytest.raises(ffx.InputError, match=r"\*\* would descend more than 32 folders deep"):
        inputs.expand_inputs([str(tmp_path / "deep" / "**" / "*.mkv")])
    tree(tmp_path / "wide", 4, width=3)
    pattern = str(tmp_path / "wide" / "**" / "*.mkv")
    for name, value, message in [("MOST_FOLDERS", 10, "reads more than 10 folders"),
                                 ("GLOB_SECONDS", -1.0, "took over -1 s"),
                                 ("MOST_INPUTS", 50, "more than 50 inputs; split the batch")]:
        with monkeypatch.context() as patch:
            patch.setattr(inputs, name, value)
            with pytest.raises(ffx.InputError, match=message):
                inputs.expand_inputs([pattern])
    assert len(inputs.expand_inputs([pattern])) == 3 + 9 + 27 + 81


def test_a_glob_over_proc_ends_within_its_limits(folder):
    result = ffx_process("batch", "r.yaml", "-i", "/proc/**/*.no-such-extension", "-o", "out/{stem}.mkv",
                         cwd=folder, timeout=90)
    assert result.returncode == 1
    line = one_error_line(result)
    assert "no file matches" in line or "folders" in line or "took over" in line
    ADVERSARIAL["clear errors"] += 1
