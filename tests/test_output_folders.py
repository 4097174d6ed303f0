"""A render makes the missing folders of its output path (only those) right before FFmpeg writes, as batch
does; compile and validate make nothing; a path through a file is refused before anything is made."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

import ffx
from ffx.cli import app

SOURCE = {"source": "testsrc2", "size": "64x48", "duration": 0.2}


def _tree(root) -> list[str]:
    return sorted(os.path.relpath(os.path.join(folder, name), root)
                  for folder, folders, files in os.walk(root) for name in folders + files)


def test_render_makes_only_the_missing_folders(tmp_path):
    (tmp_path / "a").mkdir()
    out = tmp_path / "a" / "b" / "c" / "o.mp4"
    ffx.render(ffx.Recipe(input=SOURCE, output=str(out)))
    assert out.stat().st_size > 1000
    assert _tree(tmp_path) == ["a", "a/b", "a/b/c", "a/b/c/o.mp4"]


def test_the_command_line_render_makes_them_and_compile_and_validate_do_not(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("input: {source: testsrc2, size: 64x48, duration: 0.2}\noutput: new/deeper/o.mp4\n")
    for command in ("validate", "compile"):
        result = CliRunner().invoke(app, [command, str(recipe)])
        assert result.exit_code == 0, result.output
    assert _tree(tmp_path) == ["r.yaml"]
    result = CliRunner().invoke(app, ["render", str(recipe), "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "new" / "deeper" / "o.mp4").stat().st_size > 1000


def test_a_failed_compile_makes_nothing(tmp_path):
    with pytest.raises(ffx.InputError, match="does not exist"):
        ffx.render(ffx.Recipe(input=str(tmp_path / "missing.mp4"), output=str(tmp_path / "new" / "o.mp4")))
    with pytest.raises(ffx.RecipeError):
        ffx.render(ffx.Recipe(input=SOURCE, steps=[{"trim": {"start": 5}}], output=str(tmp_path / "new" / "o.mp4")))
    assert _tree(tmp_path) == []


@pytest.mark.parametrize("how", ["render", "compile"])
def test_a_file_in_the_way_is_refused_in_one_line_before_anything_is_made(tmp_path, how):
    (tmp_path / "notes").write_text("mine")
    call = ffx.render if how == "render" else ffx.compile_recipe
    with pytest.raises(ffx.InputError) as info:
        call(ffx.Recipe(input=SOURCE, output=str(tmp_path / "notes" / "x" / "o.mp4")))
    assert str(info.value) == (f"cannot make the output folder {str(tmp_path / 'notes' / 'x')!r}: "
                               f"{str(tmp_path / 'notes')!r} is not a folder")
    assert _tree(tmp_path) == ["notes"] and (tmp_path / "notes").read_text() == "mine"


def test_the_run_side_refuses_a_file_that_appeared_in_the_way_after_the_compile(tmp_path):
    plan = ffx.compile_recipe(ffx.Recipe(input=SOURCE, output=str(tmp_path / "later" / "o.mp4")))
    (tmp_path / "later").write_text("appeared")
    with pytest.raises(ffx.InputError, match="'later' is not a folder|later' is not a folder"):
        ffx.render_plan(plan)
    assert (tmp_path / "later").read_text() == "appeared"


def test_encode_makes_the_missing_folders_too(tmp_path):
    """This was refused ("no such folder") before render made its folders; now both make them."""
    import numpy as np

    out = tmp_path / "nodir" / "x.mp4"
    assert ffx.encode([np.zeros((16, 16, 3), np.uint8)] * 2, output=str(out)) is None
    assert out.stat().st_size > 100 and _tree(tmp_path) == ["nodir", "nodir/x.mp4"]
