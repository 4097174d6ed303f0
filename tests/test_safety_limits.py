"""Limits the operating system and FFmpeg impose: huge values, damaged inputs, outputs that lie."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import ADVERSARIAL, FFMPEG, decode_frames, faulty_ffmpeg, make_clip


def long_value_recipe(tmp_path: Path, clip: Path, size: int) -> ffx.Recipe:
    value = ("a:b,c;d[e]'f\\\\g " * (size // 16 + 1))[:size]
    return ffx.Recipe(input=str(clip), steps=[{"filter": {"name": "metadata", "mode": "add", "key": "k", "value": value}}],
                      output={"path": str(tmp_path / "long.mkv"), "codec": "ffv1", "audio": False})


def test_a_graph_longer_than_one_argument_renders_through_a_file(tmp_path, silent_clip, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    recipe = long_value_recipe(tmp_path, silent_clip, 200_000)
    plan = ffx.render(recipe)
    assert not list(tmp_path.glob("ffx-graph-*"))  # the graph file is gone too
    assert np.array_equal(decode_frames(plan.stages[0].output_path), decode_frames(silent_clip))
    assert not list(tmp_path.glob(".*ffx-part*"))


def test_a_printed_long_graph_still_runs_in_bash(tmp_path, silent_clip):
    recipe = long_value_recipe(tmp_path, silent_clip, 150_000)
    plan = ffx.compile_recipe(recipe)
    command = plan.shell(FFMPEG)
    assert "<<'FFX_GRAPH'" in command
    script = tmp_path / "pasted.sh"  # as if pasted into a terminal: the shell reads it, not argv
    script.write_text(command + "\n")
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert np.array_equal(decode_frames(tmp_path / "long.mkv"), decode_frames(silent_clip))


def test_an_output_shorter_than_planned_is_an_error_and_is_not_published(tmp_path, clip):
    """An FFmpeg that stops early but exits 0 (as on a damaged input) must not count as success."""
    wrapper = faulty_ffmpeg(tmp_path / "ffmpeg-stops-early", "*-progress*", f'exec "{FFMPEG}" -t 0.5 "$@"')
    out = tmp_path / "out.mkv"
    recipe = ffx.Recipe(input=str(clip), steps=["reverse"], output={"path": str(out), "codec": "ffv1"})
    with pytest.raises(ffx.RenderError, match="short of the planned 2.00 s"):
        ffx.render(recipe, ffmpeg=str(wrapper))
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["clip.mkv", "ffmpeg-stops-early"]
    ADVERSARIAL["clean aborts"] += 1


@pytest.fixture
def tiny_disk(tmp_path):
    """A 300 KiB tmpfs, where the machine lets us mount one (root); skipped elsewhere."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_keeps_the_old_output_and_leaves_no_debris(tmp_path, tiny_disk):
    clip = make_clip(tmp_path / "big.mkv", size="640x360", duration=1.0)  # ~5 MB as FFV1: cannot fit
    out = tiny_disk / "out.mkv"
    out.write_bytes(b"the previous render")
    recipe = ffx.Recipe(input=str(clip), steps=["reverse"], output={"path": str(out), "codec": "ffv1"})
    with pytest.raises(ffx.RenderError) as error:
        ffx.render(recipe, overwrite=True)
    assert "space" in str(error.value).lower() or "write" in str(error.value).lower()
    assert out.read_bytes() == b"the previous render"
    assert sorted(os.listdir(tiny_disk)) == ["out.mkv"]
    ADVERSARIAL["clean aborts"] += 1


def test_a_truncated_input_renders_what_is_there_or_fails_cleanly(tmp_path):
    clip = make_clip(tmp_path / "whole.mkv", duration=2.0)
    data = clip.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) * 6 // 10])
    out = tmp_path / "out.mkv"
    recipe = ffx.Recipe(input=str(cut), steps=["reverse"], output={"path": str(out), "codec": "ffv1"})
    plan = ffx.compile_recipe(recipe)
    assert 0.5 < plan.result.duration < 1.9  # the probe counts the packets that are really there
    try:
        ffx.render(recipe)
    except ffx.RenderError:
        assert not out.exists()
    else:
        assert abs(len(decode_frames(out)) - plan.result.frames) <= 1
    assert sorted(os.listdir(tmp_path)) == sorted(["whole.mkv", "cut.mkv"] + (["out.mkv"] if out.exists() else []))
    ADVERSARIAL["clean aborts" if not out.exists() else "literal renders"] += 1


HOSTILE_VALUES = [1e308, -1e308, 2**63, -2**63, 1e-320, "nan", "inf", "-inf", "1e400", "", "random", "bikeshed@0.5",
                  "99999x99999", [1, 2], True, -1, 0, "x" * 1000, "0x", "1/0"]


def hostile_options() -> list[tuple[str, str, object]]:
    from ffx.filtergraph.filter_options import filter_options
    from ffx.filtergraph.filter_table import KNOWN_FILTERS
    from ffx.filtergraph.graph import OPTION_NAME
    from ffx.filtergraph.safety import unsafe_filter_reason

    return [(name, option, value) for name in sorted(KNOWN_FILTERS) if not unsafe_filter_reason(name, [])
            for option in filter_options(name) if OPTION_NAME.match(option) and not unsafe_filter_reason(name, [option])
            for value in HOSTILE_VALUES]


def test_every_option_of_every_reviewed_filter_meets_hostile_values_with_its_own_error_or_passes():
    """A sweep of the whole table: each value is either refused naming the option, or left to FFmpeg."""
    from ffx.filtergraph.filter_options import OptionError, check_options

    refused = 0
    triples = hostile_options()
    for name, option, value in triples:
        try:
            check_options(name, {option: value})
        except OptionError as exc:
            assert "\n" not in exc.message and len(exc.message) < 1000, (name, option, value)
            if exc.option == option:
                refused += 1
            else:  # the value passed; the filter needs another option
                assert exc.option == "" and "cannot start without" in exc.message, (name, option, value)
    assert len(triples) > 50_000 and refused > 0.75 * len(triples), (refused, len(triples))


@pytest.mark.parametrize("seed", [1, 2])
def test_hostile_raw_filter_values_are_one_line_recipe_errors_at_validate(tmp_path, seed):
    import random

    for name, option, value in random.Random(seed).sample(hostile_options(), 40):
        recipe = ffx.Recipe(input={"source": "color", "size": "64x48", "duration": 0.2, "audio": "sine"},
                            steps=[{"filter": {"name": name, option: value}}], output=str(tmp_path / "o.mkv"))
        try:
            ffx.compile_recipe(recipe)
        except ffx.RecipeError as exc:
            assert str(exc).count("\n") == 0 and str(exc).startswith("steps[0].filter"), str(exc)
            ADVERSARIAL["clear errors"] += 1


def test_validate_names_the_recipe_line_of_a_raw_filter_ffmpeg_cannot_start(tmp_path):
    """Before, `filter: metadata` passed validate and FFmpeg then said only "Invalid argument"."""
    recipe = tmp_path / "r.yaml"
    recipe.write_text("input: {source: testsrc2, duration: 1}\nsteps:\n  - filter: metadata\n"
                      "  - filter: {name: volume, volume: 1e308}\noutput: o.mp4\n")
    done = subprocess.run([os.path.join(os.path.dirname(os.sys.executable), "ffx"), "validate", str(recipe)],
                          capture_output=True, text=True)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2, done.stderr
    assert lines[0].startswith(f"error: {recipe}:3:") and "steps[0].filter.name: the metadata filter" in lines[0]
    assert lines[1].startswith(f"error: {recipe}:4:") and "steps[1].filter.volume: 1e+308 is outside" in lines[1]
    ADVERSARIAL["clear errors"] += 2
