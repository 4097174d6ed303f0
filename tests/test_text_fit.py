"""Text that fits the frame: fit: shrink and fit: wrap keep the meme's caption inside the frame and its
margins, fit: none warns, and the widths measured from the font are drawtext's own to the pixel."""

from __future__ import annotations

import struct
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import FFMPEG, decode_frames, run_ffmpeg
from typer.testing import CliRunner

import ffx
import ffx.cli
from ffx.effects._fontmetrics import font_widths, line_widths
from ffx.effects.fonts import SHIPPED_FONT

ROOT = Path(__file__).resolve().parent.parent
MEME = ROOT / "recipes" / "meme.yaml"
CAPTION = "WRITE -FILTER_COMPLEX BY HAND"  # the recipe's own example: 623 px at size 36, the frame is 480
BACKGROUND = np.array([64, 96, 128])


@pytest.fixture
def plain_clip(tmp_path: Path) -> Path:
    """A clip of one flat colour, so every other pixel is the caption or its outline."""
    path = tmp_path / "clip.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=0x406080:size=640x360:rate=25:duration=2", "-c:v", "ffv1", "-y", str(path))
    return path


def drawn_box(frames: np.ndarray) -> tuple[int, int, int, int]:
    """(left, top, right, bottom), inclusive, of the pixels that are not the background in any frame."""
    mask = (np.abs(frames.astype(int) - BACKGROUND).max(axis=-1) > 40).any(axis=0)
    rows, cols = np.where(mask.any(axis=1))[0], np.where(mask.any(axis=0))[0]
    return int(cols[0]), int(rows[0]), int(cols[-1]), int(rows[-1])


def render_meme(tmp_path: Path, clip: Path, recipe: Path = MEME, **variables) -> np.ndarray:
    out = tmp_path / "meme.gif"
    ffx.render(recipe, inputs=[str(clip)], output=str(out), variables={"bottom": CAPTION, **variables},
               overwrite=True)
    return decode_frames(out)


def meme_with_fit(tmp_path: Path, fit: str) -> Path:
    recipe = tmp_path / f"meme-{fit}.yaml"
    recipe.write_text(MEME.read_text().replace("fit: shrink}", f"fit: {fit}}}"))
    return recipe


@pytest.mark.parametrize("fit", ["shrink", "wrap"])
def test_the_meme_example_stays_inside_the_frame_and_its_margins(tmp_path, plain_clip, fit):
    frames = render_meme(tmp_path, plain_clip, meme_with_fit(tmp_path, fit))
    height, width = frames.shape[1:3]
    left, top, right, bottom = drawn_box(frames)
    assert (width, height) == (480, 270)
    assert left >= 12 and right <= width - 1 - 12, (left, right)  # outline included, inside the 12 px margins
    # the text box (ascender to descender line) sits at the margin, as Pillow places it; the 3 px outline
    # around an underscore may reach into the margin by its width, never past it
    assert top >= 12 - 3 and bottom <= height - 1 - (12 - 3), (top, bottom)
    lower = frames[0, height // 2:]  # the bottom caption alone: as wide as the room allows, give or take a letter
    cols = np.where((np.abs(lower.astype(int) - BACKGROUND).max(axis=-1) > 40).any(axis=0))[0]
    assert cols[-1] - cols[0] > (300 if fit == "shrink" else 200)


def test_the_meme_recipe_shrinks_by_default(tmp_path, plain_clip):
    frames = render_meme(tmp_path, plain_clip)
    left, _, right, _ = drawn_box(frames)
    assert left >= 12 and right <= 480 - 1 - 12, (left, right)


def test_text_that_leaves_the_frame_under_fit_none_is_a_warning_naming_the_step(tmp_path, plain_clip):
    recipe = meme_with_fit(tmp_path, "none")
    with pytest.warns(ffx.FfxWarning, match=r"steps\[3\] \(text\): the text is 629 px wide at size 36, more than "
                                            r"the 456 px of the 480x270 frame less 12 px margins"):
        frames = render_meme(tmp_path, plain_clip, recipe)
    left, _, right, _ = drawn_box(frames)
    assert left == 0 and right == 479  # cut off at both sides, as warned
    result = CliRunner().invoke(ffx.cli.app, ["validate", str(recipe), "-i", str(plain_clip), "--set",
                                              f"bottom={CAPTION}", "--no-cache"])
    assert result.exit_code == 0
    assert "warning: steps[3] (text): the text is 629 px wide" in result.output


def test_text_that_fits_gives_no_warning_and_the_same_filter(tmp_path, plain_clip):
    recipe = meme_with_fit(tmp_path, "none")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ffx.FfxWarning)
        plain = ffx.compile_recipe(recipe, inputs=[str(plain_clip)], output="m.gif")
    assert ffx.compile_recipe(MEME, inputs=[str(plain_clip)], output="m.gif").stages[-1].args == plain.stages[-1].args


def wide_font(path: Path, stretch: float = 1.8) -> Path:
    """The shipped font with every advance ``stretch`` times wider: glyphs drawn far apart."""
    data = bytearray(SHIPPED_FONT.read_bytes())
    count = struct.unpack(">H", data[4:6])[0]
    tables = {bytes(data[12 + 16 * i:16 + 16 * i]): struct.unpack(">II", data[20 + 16 * i:28 + 16 * i])
              for i in range(count)}
    hhea, _ = tables[b"hhea"]
    metrics = struct.unpack(">H", data[hhea + 34:hhea + 36])[0]
    hmtx, _ = tables[b"hmtx"]
    for i in range(metrics):
        at = hmtx + 4 * i
        advance = struct.unpack(">H", data[at:at + 2])[0]
        data[at:at + 2] = struct.pack(">H", min(65535, round(advance * stretch)))
    path.write_bytes(bytes(data))
    return path


def test_a_font_with_wide_glyphs_is_measured_by_its_own_advances(tmp_path, plain_clip):
    font = wide_font(tmp_path / "Wide.ttf")
    recipe = tmp_path / "wide.yaml"
    recipe.write_text(MEME.read_text().replace("fit: shrink}", "fit: shrink, font: Wide.ttf}"))
    normal = ffx.compile_recipe(MEME, inputs=[str(plain_clip)], variables={"bottom": CAPTION})
    wide = ffx.compile_recipe(recipe, inputs=[str(plain_clip)], variables={"bottom": CAPTION})

    def sizes(plan) -> list[int]:
        graph = plan.stages[-1].args[plan.stages[-1].args.index("-filter_complex") + 1]
        return [int(part.split("fontsize=")[1].split(":")[0]) for part in graph.split(";") if "drawtext" in part]

    assert sizes(wide)[1] < sizes(normal)[1] * 0.7  # nearly twice as wide: a much smaller size
    frames = render_meme(tmp_path, plain_clip, recipe)
    left, _, right, _ = drawn_box(frames)
    assert left >= 12 and right <= 480 - 1 - 12, (left, right)
    assert font.exists()


def text_width_in_pixels(text: str, size: int, font: Path = SHIPPED_FONT, width: int = 2000) -> int:
    """drawtext's text_w, read from its pixels: the same text drawn at x=20 and at x=w-text_w-20."""

    def left_ink(x: str) -> int:
        escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace(":", "\\:")
        graph = (f"drawtext=fontfile={font}:text='{escaped}':expansion=none:fontsize={size}:fontcolor=white:"
                 f"x={x}:y=40")
        raw = subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i", f"color=black:s={width}x160", "-vf", graph,
                              "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                             capture_output=True, check=True).stdout
        picture = np.frombuffer(raw, np.uint8).reshape(160, width)
        return int(np.where(picture.any(axis=0))[0][0])

    return width - 40 - (left_ink("w-text_w-20") - left_ink("20"))


@pytest.mark.parametrize("text, size", [(CAPTION, 36), (CAPTION, 17), ("Typography: LAVA, Yo! T.V.", 64),
                                        ("Tò Wä, ÆØ ffi", 29), ("iiii jjjj", 11), ("  spaces at both ends   ", 20)])
def test_widths_from_the_font_are_drawtexts_to_the_pixel(text, size):
    assert line_widths(font_widths(str(SHIPPED_FONT)), size, [text]) == [text_width_in_pixels(text, size)]
