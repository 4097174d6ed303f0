"""text: literal rendering of hostile text, the shipped font, placement and timing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ffx
from conftest import ADVERSARIAL, decode_frames, run_ffmpeg
from ffx.filtergraph import graph
from ffx.effects.fonts import SHIPPED_FONT
from ffx.effects.text import Text

SOURCE = {"source": "color", "color": "navy", "size": "320x180", "duration": 0.2, "rate": 10}
PAYLOADS = ["quotes ' \" '' \"\"", "colons a:b:c=d", "percent 100% %{pts} %{localtime} %%", "back\\slash \\\\ \\n",
            "brackets [in] [0:v] {x}", "semi; colon, comma", "two\nlines\nthree", "tab\tstop", "emoji 🎬🔥 ü é",
            "x:mode=print:file=PWNED", "'; movie=/etc/passwd [a]", "=" * 50, "a" * 10_000]


def render_text(tmp_path: Path, text: str, name: str = "t.mkv", **options) -> np.ndarray:
    recipe = ffx.Recipe(input=SOURCE, steps=[{"text": {"text": text, "size": 14, "position": "top_left", **options}}],
                        output={"path": str(tmp_path / name), "codec": "ffv1"})
    ffx.render(recipe, overwrite=True)
    return decode_frames(tmp_path / name)


def render_textfile(tmp_path: Path, text: str) -> np.ndarray:
    """The same drawing with the text read from a file by FFmpeg: no escaping involved."""
    textfile = tmp_path / "text.txt"
    textfile.write_text(text.rstrip("\n"), encoding="utf-8")  # ffx drops trailing new lines
    # the layout options ffx computes for a top_left text of this size (position is tested against Pillow)
    layout = Text(text=text, size=14, position="top_left").layout({"fontfile": str(SHIPPED_FONT)})
    spec = graph.filter_spec("drawtext", [("fontfile", str(SHIPPED_FONT)), ("textfile", str(textfile)),
                                          ("expansion", "none"), ("fontsize", "14"), ("fontcolor", "white"),
                                          ("text_align", "C"),
                                          *((k, str(v)) for k, v in layout.items() if v is not None)])
    out = tmp_path / "ref.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "color=color=navy:size=320x180:rate=10:duration=0.2", "-vf", spec,
               "-c:v", "ffv1", "-y", str(out))
    return decode_frames(out)


@pytest.mark.parametrize("text", PAYLOADS, ids=lambda t: t[:20])
def test_text_renders_exactly_like_the_same_text_read_from_a_file(tmp_path, text):
    assert np.array_equal(render_text(tmp_path, text), render_textfile(tmp_path, text))
    ADVERSARIAL["literal renders"] += 1


# Control characters other than new line and tab are refused (see below), and so are the Unicode
# line and paragraph separators.
TEXT = st.text(alphabet=st.sampled_from(list("\\':,;[]=%{}\n \tab0é🎬\"")) | st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
               min_size=1, max_size=40).filter(lambda t: t.strip() and t.rstrip("\n"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(TEXT)
def test_any_text_renders_like_the_file(tmp_path, text):
    assert np.array_equal(render_text(tmp_path, text), render_textfile(tmp_path, text))
    ADVERSARIAL["literal renders"] += 1


def test_text_changes_pixels_only_where_it_is_drawn(tmp_path):
    plain = decode_frames(ffx.render(ffx.Recipe(input=SOURCE, output=str(tmp_path / "p.mkv"))).stages[0].output_path)
    drawn = render_text(tmp_path, "Hi", position="center", size=40)
    changed = np.argwhere(np.abs(drawn.astype(int) - plain.astype(int)).max(axis=(0, 3)) > 8)
    assert len(changed) > 50
    (top, left), (bottom, right) = changed.min(axis=0), changed.max(axis=0)
    # a centred 40 px "Hi" stays within a small box around the centre
    assert 60 < top and bottom < 120 and 120 < left and right < 200
    assert abs((top + bottom) / 2 - 90) < 8 and abs((left + right) / 2 - 160) < 8


def test_text_shows_only_between_start_and_end(tmp_path):
    source = {**SOURCE, "duration": 1.0}
    recipe = ffx.Recipe(input=source, steps=[{"text": {"text": "T", "size": 60, "position": "center",
                                                        "start": 0.3, "end": 0.6}}],
                        output={"path": str(tmp_path / "s.mkv"), "codec": "ffv1"})
    frames = decode_frames(ffx.render(recipe).stages[0].output_path).astype(int)
    flat = np.abs(frames - frames[0]).max(axis=(1, 2, 3)) == 0
    assert list(flat) == [True] * 3 + [False] * 3 + [True] * 4  # frames with 0.3 <= t < 0.6


def test_text_renders_without_any_system_font(tmp_path, monkeypatch):
    empty = tmp_path / "fonts.conf"
    empty.write_text("<?xml version='1.0'?><fontconfig></fontconfig>")
    monkeypatch.setenv("FONTCONFIG_FILE", str(empty))
    monkeypatch.setenv("FONTCONFIG_PATH", str(tmp_path))
    frames = render_text(tmp_path, "no system fonts needed")
    assert frames.max(axis=3).max() > 200  # white text on navy


def test_bad_fonts_and_times_are_clear_errors(tmp_path):
    with pytest.raises(ffx.RecipeError, match="font"):
        ffx.compile_recipe(ffx.Recipe(input=SOURCE, steps=[{"text": {"text": "x", "font": "/dev/zero.ttf"}}],
                                      output=str(tmp_path / "o.mp4")))
    with pytest.raises(ffx.RecipeError, match="outside the clip"):
        ffx.compile_recipe(ffx.Recipe(input=SOURCE, steps=[{"text": {"text": "x", "start": 5}}],
                                      output=str(tmp_path / "o.mp4")))
    with pytest.raises(ffx.RecipeError, match="NUL"):
        ffx.Recipe(input=SOURCE, steps=[{"text": "a\x00b"}], output=str(tmp_path / "o.mp4"))
    ADVERSARIAL["clear errors"] += 3


def compile_text(tmp_path: Path, **options) -> ffx.Plan:
    return ffx.compile_recipe(ffx.Recipe(input=SOURCE, steps=[{"text": {"text": "x", **options}}],
                                         output=str(tmp_path / "o.mp4")))


@pytest.mark.parametrize("content", [b"root:x:0:0:root:/root:/bin/bash\n", b"\x89PNG\r\n\x1a\n", b"%PDF-1.4"],
                         ids=["passwd", "png", "pdf"])
@pytest.mark.parametrize("name", ["passwd", "font.ttf"])
def test_a_file_that_is_not_a_font_is_refused(tmp_path, content, name):
    """FFmpeg would draw these with a fallback system font and exit 0."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ffx.RecipeError, match=r"steps\[0\]\.text\.font: .* is not a font"):
        compile_text(tmp_path, font=str(path))
    ADVERSARIAL["clear errors"] += 1


def test_a_real_font_file_renders_as_the_bundled_font_does(tmp_path):
    copy = tmp_path / "Copy Of DejaVu.ttf"
    copy.write_bytes(SHIPPED_FONT.read_bytes())
    assert np.array_equal(render_text(tmp_path, "same font", "a.mkv", font=str(copy)),
                          render_text(tmp_path, "same font", "b.mkv"))


def test_a_font_family_that_is_not_installed_is_refused(tmp_path):
    if shutil.which("fc-match") is None:
        pytest.skip("fontconfig's fc-match is not installed")
    with pytest.raises(ffx.RecipeError, match=r"font family 'No Such Family 7' is not installed.*fc-list"):
        compile_text(tmp_path, font="No Such Family 7")
    ADVERSARIAL["clear errors"] += 1


def test_an_installed_font_family_draws_the_file_fontconfig_finds(tmp_path):
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig is not installed")
    listing = subprocess.run(["fc-list", "--format", "%{family[0]}|%{file}\n", ":fontformat=TrueType"],
                             capture_output=True, text=True).stdout.splitlines()
    if not listing:
        pytest.skip("no TrueType font installed")
    family = listing[0].split("|")[0]
    file = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True).stdout
    assert any(f"fontfile={file}" in arg for arg in compile_text(tmp_path, font=family).argv)
    assert np.array_equal(render_text(tmp_path, "family", "a.mkv", font=family),
                          render_text(tmp_path, "family", "b.mkv", font=file))


@pytest.mark.parametrize("char", ["\x1b", "\r", "\x07", "\x08", "\x0b", "\x0c", "\x7f", "\x85", "\x9b", "\u2028", "\u2029"])
def test_control_characters_in_text_are_refused(tmp_path, char):
    """FFmpeg draws them as boxes, as nothing (U+2028) or as a line break (CR); new line and tab stay allowed."""
    with pytest.raises(ffx.RecipeError, match=rf"control character U\+{ord(char):04X}.*new lines and tabs are fine"):
        ffx.Recipe(input=SOURCE, steps=[{"text": f"red{char}[2Jalert"}], output=str(tmp_path / "o.mp4"))
    ADVERSARIAL["clear errors"] += 1


@pytest.mark.parametrize("field", ["color", "box", "outline_color"])
@pytest.mark.parametrize("value", ["random", "RANDOM@0.5", "bikeshed"])
def test_random_colours_are_refused(tmp_path, field, value):
    """FFmpeg picks a new colour on every run for these names: renders must be reproducible."""
    with pytest.raises(ffx.RecipeError, match=rf"text\.{field}: .* a different colour on every render"):
        ffx.Recipe(input=SOURCE, steps=[{"text": {"text": "x", field: value}}], output=str(tmp_path / "o.mp4"))
    ADVERSARIAL["clear errors"] += 1


def test_a_random_colour_source_is_refused(tmp_path):
    with pytest.raises(ffx.RecipeError, match=r"input\.color: .* a different colour on every render"):
        ffx.Recipe(input={**SOURCE, "color": "random"}, output=str(tmp_path / "o.mp4"))
    ADVERSARIAL["clear errors"] += 1


def test_a_title_card_refuses_what_text_refuses(tmp_path):
    """title draws with text: its text and font meet the same checks, as one-line errors naming the title."""
    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\n")
    for title, match in (({"text": "a\x1bb"}, r"title\.text: text contains the control character U\+001B"),
                         ({"text": "ok", "font": str(passwd)}, r"title\.font: font file .* is not a font"),
                         ({"text": "ok", "color": "random"}, r"title\.color: .* different colour on every render")):
        with pytest.raises(ffx.RecipeError, match=match):
            ffx.compile_recipe(ffx.Recipe(input=SOURCE, steps=[{"title": {**title, "as": "card"}}],
                                          output=str(tmp_path / "o.mp4")))
        ADVERSARIAL["clear errors"] += 1


def ink_lines(picture: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(top, bottom, left, right) of each run of inked rows: one per line of text."""
    inked = picture > 128
    rows = np.flatnonzero(inked.any(axis=1))
    runs = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)
    boxes = []
    for run in runs:
        columns = np.flatnonzero(inked[run[0]:run[-1] + 1].any(axis=0))
        boxes.append((int(run[0]), int(run[-1]), int(columns[0]), int(columns[-1])))
    return boxes


def pillow_text(text: str, size: int, xy: tuple[int, int], spacing: int, align: str) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    picture = Image.new("L", (320, 240), 0)
    font = ImageFont.truetype(str(SHIPPED_FONT), size)
    ImageDraw.Draw(picture).multiline_text(xy, text, fill=255, font=font, spacing=spacing, align=align)
    return np.asarray(picture)


@pytest.mark.parametrize("text, size, spacing", [("Hg\nHg", 30, 4), ("In my nightmares\nI see rabbits.", 30, -8),
                                                  ("ace\nxyz\nÅgp", 14, 4), ("T\nj", 48, 20), ("one line", 22, 4)])
@pytest.mark.parametrize("align", ["left", "center"])
def test_text_is_laid_out_as_pillow_lays_it_out(tmp_path, text, size, spacing, align):
    """Position is the top of the text box (the font's ascender line) and lines are ascent + line_spacing
    apart: the ink of every line sits where Pillow's multiline_text puts it with the same font."""
    pytest.importorskip("PIL")
    recipe = ffx.Recipe(input={"source": "color", "color": "black", "size": "320x240", "duration": 0.1, "rate": 10},
                        steps=[{"text": {"text": text, "size": size, "position": [20, 30], "line_spacing": spacing,
                                         "align": align}}],
                        output={"path": str(tmp_path / "t.mkv"), "codec": "ffv1", "pix_fmt": "gray"})
    ffx.render(recipe)
    drawn = decode_frames(tmp_path / "t.mkv", "gray")[0, :, :, 0]
    expected = ink_lines(pillow_text(text, size, (20, 30), spacing, align))
    got = ink_lines(drawn)
    assert [line[:2] for line in got] == [line[:2] for line in expected]  # rows: exact
    for (_, _, left, right), (_, _, p_left, p_right) in zip(got, expected):
        assert abs(left - p_left) <= 1 and abs(right - p_right) <= 1  # columns: sub-pixel placement


def test_named_positions_place_the_text_box(tmp_path):
    """bottom: the box (ascender line of the first line to descender line of the last) ends margin px above the
    frame's bottom, as a MoviePy text clip of that size would."""
    from ffx.effects._fontmetrics import font_metrics

    metrics = font_metrics(str(SHIPPED_FONT), 30)
    recipe = ffx.Recipe(input={"source": "color", "color": "black", "size": "320x240", "duration": 0.1, "rate": 10},
                        steps=[{"text": {"text": "Hg\nHg", "size": 30, "position": "bottom", "margin": 10}}],
                        output={"path": str(tmp_path / "t.mkv"), "codec": "ffv1", "pix_fmt": "gray"})
    ffx.render(recipe)
    lines = ink_lines(decode_frames(tmp_path / "t.mkv", "gray")[0, :, :, 0])
    box_top = 240 - 10 - (metrics.ascent + 4 + metrics.ascent + metrics.descent)
    pillow = ink_lines(pillow_text("Hg\nHg", 30, (0, box_top), 4, "left"))
    assert [line[:2] for line in lines] == [line[:2] for line in pillow]


def fitted(frame: str = "320x180", **options) -> tuple[Text, list[str]]:
    """The text step as fitted to a frame of that size, and the warnings it gave."""
    import warnings

    from ffx.effects.context import Clip
    from ffx.media.info import MediaInfo

    width, height = (int(v) for v in frame.split("x"))
    clip = Clip(video=None, audio=None, info=MediaInfo(width=width, height=height))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ffx.FfxWarning)
        step = Text(**options).fitted(clip, str(SHIPPED_FONT), "steps[0] (text)")
    return step, [str(w.message) for w in caught]


def test_text_is_left_at_its_size_by_default_and_a_warning_names_what_is_cut_off():
    step, said = fitted(text="A caption far too wide for a small frame", size=32)
    assert (step.size, step.text) == (32, "A caption far too wide for a small frame")
    assert len(said) == 1 and said[0].startswith("steps[0] (text): the text is ") and "fit: shrink" in said[0]


def test_wrap_breaks_at_spaces_and_a_word_wider_than_the_frame_between_letters():
    from ffx.effects._fontmetrics import font_widths, line_widths

    step, said = fitted(text="short words then Supercalifragilisticexpialidocious", size=32, fit="wrap")
    lines = step.text.split("\n")
    assert not said and step.size == 32 and len(lines) >= 3
    assert lines[0] == "short words then"
    assert "".join(lines[1:]) == "Supercalifragilisticexpialidocious"  # broken between letters, nothing lost
    assert max(line_widths(font_widths(str(SHIPPED_FONT)), 32, lines)) <= 320 - 2 * 10


def test_a_position_in_pixels_fits_the_room_right_of_it():
    step, said = fitted(text="Hello, wide world", size=40, position=[200, 20], fit="shrink")
    from ffx.effects._fontmetrics import font_widths, line_widths

    assert not said and line_widths(font_widths(str(SHIPPED_FONT)), step.size, [step.text])[0] <= 120
    assert line_widths(font_widths(str(SHIPPED_FONT)), step.size + 1, [step.text])[0] > 120  # the largest that fits
