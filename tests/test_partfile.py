"""Outputs written unnamed and linked into place: every format, long names, the hidden-part fallback."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

import ffx
from conftest import ADVERSARIAL, decode_frames, make_clip
from ffx.run import partfile

SOURCE = {"source": "testsrc2", "size": "160x90", "rate": 25, "duration": 1}


@pytest.mark.parametrize("name, magic", [
    ("o.mp4", b"ftyp"), ("o.webm", b"\x1aE\xdf\xa3"), ("o.gif", b"GIF89a"), ("o.webp", b"RIFF"),
    ("o.png", b"\x89PNG"), ("o.jpg", b"\xff\xd8\xff"), ("o.bmp", b"BM"), ("o.tiff", b"II*\x00"),
    ("o.wav", b"RIFF")])
def test_every_kind_of_output_is_written_unnamed_and_is_what_its_name_says(tmp_path, name, magic):
    source = {**SOURCE, "audio": "sine"} if name.endswith(".wav") else SOURCE
    ffx.render(ffx.Recipe.model_validate({"input": source, "output": str(tmp_path / name)}))
    data = (tmp_path / name).read_bytes()
    assert magic in data[:8]
    if name.endswith(".mp4"):
        assert data.index(b"moov") < data.index(b"mdat")  # +faststart re-opened the unnamed file and moved it
    assert os.listdir(tmp_path) == [name]
    assert oct((tmp_path / name).stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_an_output_name_as_long_as_the_file_system_allows_renders(tmp_path, silent_clip):
    name = "n" * 251 + ".mkv"  # 255 bytes: refused before, when the hidden part's name added 20 more
    ffx.render(ffx.Recipe(input=str(silent_clip), output={"path": str(tmp_path / name), "codec": "ffv1"}))
    assert len(decode_frames(tmp_path / name)) == len(decode_frames(silent_clip))
    ADVERSARIAL["literal renders"] += 1


def test_an_output_name_too_long_is_refused_naming_the_file(tmp_path, silent_clip):
    name = "é" * 130 + ".mkv"  # 264 bytes in UTF-8
    with pytest.raises(ffx.InputError, match=f"the output name '{name}' is 264 bytes long; the file system of "
                                             f".* allows at most 255"):
        ffx.render(ffx.Recipe(input=str(silent_clip), output=str(tmp_path / name)))
    assert os.listdir(tmp_path) == ["silent.mkv"]
    ADVERSARIAL["clear errors"] += 1


@pytest.fixture
def no_unnamed_files(monkeypatch):
    """A file system without O_TMPFILE (vfat, some network and FUSE file systems)."""
    def refuse(folder):
        raise OSError(errno.EOPNOTSUPP, "Operation not supported")

    monkeypatch.setattr(partfile, "_open_unnamed", refuse)


def test_without_unnamed_files_a_hidden_part_is_written_and_renamed(tmp_path, silent_clip, no_unnamed_files):
    seen = []

    def look(report):
        seen.extend(n for n in os.listdir(tmp_path) if n.startswith(".ffx-part-"))

    out = tmp_path / ("x" * 240 + ".mkv")  # the part's name does not grow with the output's
    ffx.render(ffx.Recipe(input=str(silent_clip), output={"path": str(out), "codec": "ffv1"}), progress=look)
    assert seen and all(partfile.PART_NAME.match(n) and n.endswith(".mkv") for n in seen)
    assert sorted(os.listdir(tmp_path)) == sorted([out.name, "silent.mkv"])
    out2 = tmp_path / "again.mkv"
    out2.write_bytes(b"old")
    ffx.render(ffx.Recipe(input=str(silent_clip), output={"path": str(out2), "codec": "ffv1"}), overwrite=True)
    assert len(decode_frames(out2)) == len(decode_frames(silent_clip))
    assert sorted(os.listdir(tmp_path)) == sorted([out.name, out2.name, "silent.mkv"])


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_only_parts_whose_owner_provably_no_longer_runs_are_swept(tmp_path):
    me, started = os.getpid(), partfile.start_time(os.getpid())
    host, other_host = partfile.HOST, format(int(partfile.HOST, 16) ^ 1, "08x")
    names = {
        "dead": f".ffx-part-{host}-{_dead_pid()}-123-0a1b2c3d.mp4",
        "dead, labelled": f".ffx-part-{host}-{_dead_pid()}-123-0a1b2c3d-piece2.mkv",
        "pid reused": f".ffx-part-{host}-{me}-{started + 1}-0a1b2c3d.mp4",
        "running": f".ffx-part-{host}-{me}-{started}-0a1b2c3d.mp4",
        "another machine's": f".ffx-part-{other_host}-{_dead_pid()}-123-0a1b2c3d.mp4",
        "older naming": ".clip.k2j3h4g5.ffx-part.mp4",
        "the user's": ".ffx-part-notes.txt",
    }
    for name in names.values():
        (tmp_path / name).write_bytes(b"x")
    removed = partfile.sweep_stale_parts(str(tmp_path))
    assert sorted(removed) == sorted([names["dead"], names["dead, labelled"], names["pid reused"]])
    assert sorted(os.listdir(tmp_path)) == sorted([names["running"], names["another machine's"],
                                                   names["older naming"], names["the user's"]])


def test_the_next_render_in_a_folder_without_unnamed_files_sweeps_a_killed_ones_part(tmp_path, silent_clip,
                                                                                    no_unnamed_files):
    stale = tmp_path / f".ffx-part-{partfile.HOST}-{_dead_pid()}-42-deadbeef.mp4"
    stale.write_bytes(b"half a file")
    ffx.render(ffx.Recipe(input=str(silent_clip), output=str(tmp_path / "o.mp4")))
    assert sorted(os.listdir(tmp_path)) == ["o.mp4", "silent.mkv"]


def test_an_output_that_appears_during_the_render_is_not_replaced(tmp_path, silent_clip):
    out = tmp_path / "o.mkv"

    def appear(report):
        if not out.exists():
            out.write_bytes(b"theirs")

    with pytest.raises(ffx.InputError, match="appeared while rendering"):
        ffx.render(ffx.Recipe(input=str(silent_clip), output={"path": str(out), "codec": "ffv1"}), progress=appear)
    assert out.read_bytes() == b"theirs" and sorted(os.listdir(tmp_path)) == ["o.mkv", "silent.mkv"]
    ADVERSARIAL["clear errors"] += 1


def test_in_memory_renders_and_encodes_leave_nothing_even_in_the_temporary_folder(tmp_path, monkeypatch):
    import tempfile

    import numpy as np

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen = []
    data = ffx.render_bytes(ffx.Recipe.model_validate({"input": SOURCE, "steps": ["reverse"], "output": "x.mp4"}))
    frames = (np.full((36, 64, 3), i, np.uint8) for i in range(10))
    encoded = ffx.encode(frames, output=None, format="mp4")
    seen.extend(os.listdir(tmp_path))
    assert data[4:8] == b"ftyp" and encoded[4:8] == b"ftyp" and seen == []


def test_the_command_line_renders_a_long_name_too(tmp_path):
    clip = make_clip(tmp_path / "c.mkv", duration=0.4, audio=None)
    name = "l" * 250 + ".gif"
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"input: {clip}\noutput: {name}\n")
    done = subprocess.run([sys.executable, "-m", "ffx", "render", str(recipe), "-q"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert Path(tmp_path / name).read_bytes()[:6] == b"GIF89a"
