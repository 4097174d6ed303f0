"""Every file a render reads is safe from its output, --overwrite or not: fonts, subtitles, a mask
image, each picture of a sequence, a raw filter's LUT and the recipe file itself, spelled as given,
through a symlink or through a hard link (the same identity check as the inputs')."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ADVERSARIAL, run_ffmpeg

import ffx
from ffx.effects.fonts import SHIPPED_FONT

SPELLINGS = ["same", "symlink", "hardlink"]
SUBTITLES = "1\n00:00:00,000 --> 00:00:01,000\nhello\n"
SOURCE = {"source": "testsrc2", "duration": 1, "size": "160x90"}


def spelled(target: Path, spelling: str) -> str:
    """The output path naming ``target``: itself, a symlink to it or a hard link to it."""
    if spelling == "symlink":
        os.symlink(target, target.parent / f"link{target.suffix}")
        return str(target.parent / f"link{target.suffix}")
    if spelling == "hardlink":
        os.link(target, target.parent / f"hard{target.suffix}")
        return str(target.parent / f"hard{target.suffix}")
    return str(target)


def refused(recipe, output: str, target: Path, match: str = "never writes over", **options) -> None:
    before = target.read_bytes()
    with pytest.raises(ffx.InputError, match=match) as error:
        ffx.compile_recipe(recipe, output=output, overwrite=True, **options)
    assert "\n" not in str(error.value)
    assert target.read_bytes() == before
    ADVERSARIAL["clear errors"] += 1


def write_recipe(folder: Path, steps: str, inputs: str = "input: {source: testsrc2, duration: 1, size: 160x90}") -> Path:
    path = folder / "recipe.yaml"
    path.write_text(f"{inputs}\nsteps:\n{steps}\noutput: {{path: out.mp4, format: mp4}}\n")
    return path


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_font_file_is_not_the_output(tmp_path, spelling):
    font = tmp_path / "font.ttf"
    font.write_bytes(SHIPPED_FONT.read_bytes())
    recipe = write_recipe(tmp_path, "  - text: {text: hi, font: font.ttf}")
    refused(str(recipe), spelled(font, spelling), font, match="steps\\[0\\].text.font")


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_title_font_is_not_the_output(tmp_path, spelling):
    font = tmp_path / "font.ttf"
    font.write_bytes(SHIPPED_FONT.read_bytes())
    recipe = ffx.Recipe(input=SOURCE, steps=[{"title": {"text": "hi", "font": str(font), "duration": 1}}],
                        output={"path": "out.mp4", "format": "mp4"})
    refused(recipe, spelled(font, spelling), font, match="steps\\[0\\].title.font")


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_subtitle_file_is_not_the_output(tmp_path, spelling):
    subtitles = tmp_path / "sub.srt"
    subtitles.write_text(SUBTITLES)
    recipe = write_recipe(tmp_path, "  - subtitles: sub.srt")
    refused(str(recipe), spelled(subtitles, spelling), subtitles, match="steps\\[0\\].subtitles.file")


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_recipe_file_is_not_the_output(tmp_path, spelling):
    recipe = write_recipe(tmp_path, "  - reverse")
    refused(str(recipe), spelled(recipe, spelling), recipe, match="the recipe file")


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_mask_image_is_not_the_output(tmp_path, spelling):
    mask = tmp_path / "mask.png"
    run_ffmpeg("-f", "lavfi", "-i", "color=white:size=160x90", "-frames:v", "1", str(mask))
    recipe = ffx.Recipe(inputs={"main": SOURCE, "mask": str(mask)}, steps=[{"freeze": {"mask": "mask"}}],
                        output={"path": "out.mp4", "format": "mp4"})
    refused(recipe, spelled(mask, spelling), mask)


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_no_picture_of_a_sequence_is_the_output(tmp_path, spelling):
    (tmp_path / "frames").mkdir()
    for index in (1, 2, 3):
        run_ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x90", "-frames:v", "1",
                   str(tmp_path / "frames" / f"{index:03d}.png"))
    recipe = ffx.Recipe(input={"images": str(tmp_path / "frames" / "*.png")}, steps=["reverse"],
                        output={"path": "out.mp4", "format": "mp4"})
    refused(recipe, spelled(tmp_path / "frames" / "002.png", spelling), tmp_path / "frames" / "002.png")


@pytest.mark.parametrize("pattern", ["*{1,2}.png", "*\\1.png"])
def test_a_glob_that_ffmpeg_reads_otherwise_than_ffx_checks_it_is_refused(tmp_path, pattern):
    # FFmpeg's glob(3) reads '*{1,2}.png' as '*1.png' and '*2.png': pictures ffx never listed nor checked
    (tmp_path / "frames").mkdir()
    for name in ("001.png", "002.png", "x{1,2}.png", "x\\1.png"):
        run_ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x90", "-frames:v", "1", str(tmp_path / "frames" / name))
    recipe = ffx.Recipe(input={"images": str(tmp_path / "frames" / pattern), "rate": 1}, output="out.mp4")
    with pytest.raises(ffx.InputError, match="a glob pattern cannot hold braces or backslashes"):
        ffx.compile_recipe(recipe, output=str(tmp_path / "out.mp4"))
    ADVERSARIAL["clear errors"] += 1


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_raw_filter_file_is_not_the_output_even_when_trusted(tmp_path, spelling):
    lut = tmp_path / "look.cube"
    lut.write_text("LUT_3D_SIZE 2\n" + "0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n")
    recipe = ffx.Recipe(input=SOURCE, steps=[{"filter": {"name": "lut3d", "file": str(lut)}}],
                        output={"path": "out.mp4", "format": "mp4"})
    refused(recipe, spelled(lut, spelling), lut, match="steps\\[0\\].filter.file", allow_unsafe=True)


@pytest.mark.skipif(not shutil.which("fc-match"), reason="font families are looked up with fontconfig's fc-match")
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_file_a_font_family_names_is_not_the_output(tmp_path, monkeypatch, spelling):
    # fontconfig of its own, whose one folder holds the font "DejaVu Sans" names: a file the test may lose
    (tmp_path / "fonts").mkdir()
    font = tmp_path / "fonts" / "DejaVuSans.ttf"
    font.write_bytes(SHIPPED_FONT.read_bytes())
    (tmp_path / "fonts.conf").write_text(f'<?xml version="1.0"?><fontconfig><dir>{tmp_path}/fonts</dir>'
                                         f'<cachedir>{tmp_path}/cache</cachedir></fontconfig>')
    monkeypatch.setenv("FONTCONFIG_FILE", str(tmp_path / "fonts.conf"))
    recipe = ffx.Recipe(input=SOURCE, steps=[{"text": {"text": "hi", "font": "DejaVu Sans"}}],
                        output={"path": "out.mp4", "format": "mp4"})
    refused(recipe, spelled(font, spelling), font, match="steps\\[0\\].text.font .*DejaVuSans.ttf")


def test_the_shipped_font_is_not_the_output():
    recipe = ffx.Recipe(input=SOURCE, steps=[{"text": "hi"}], output={"path": "out.mp4", "format": "mp4"})
    with pytest.raises(ffx.InputError, match="steps\\[0\\].text.font"):
        ffx.compile_recipe(recipe, output=str(SHIPPED_FONT), overwrite=True)


def test_the_command_line_refuses_in_one_line_and_keeps_the_font(tmp_path):
    font = tmp_path / "font.ttf"
    font.write_bytes(SHIPPED_FONT.read_bytes())
    recipe = write_recipe(tmp_path, "  - text: {text: hi, font: font.ttf}")
    done = subprocess.run([sys.executable, "-m", "ffx", "render", str(recipe), "-o", spelled(font, "hardlink"),
                           "--overwrite", "-q"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and "never writes over" in done.stderr
    assert font.read_bytes() == SHIPPED_FONT.read_bytes()
    ADVERSARIAL["clear errors"] += 1


def test_files_read_lists_every_file_by_field(tmp_path):
    recipe = ffx.Recipe(inputs={"a": "a.mkv", "b": SOURCE}, steps=[{"text": {"text": "x", "font": "f/x.ttf"}},
                                                                  {"text": {"text": "y", "font": "DejaVu Serif"}},
                                                                  {"subtitles": "s.srt"}])
    assert recipe.files_read() == [("inputs.a", "a.mkv"), ("steps[0].text.font", "f/x.ttf"),
                                   ("steps[2].subtitles.file", "s.srt")]
