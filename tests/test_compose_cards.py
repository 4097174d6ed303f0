"""Title cards, burnt-in subtitles and contact sheets: drawn where and when they should be."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import decode_frames, make_clip, render, run_ffmpeg

SRT = """1
00:00:00,500 --> 00:00:01,000
HELLO: it's [ok]; 100%

2
00:00:01,500 --> 00:00:02,000
Second line
"""


def lossless(path: Path) -> dict:
    return {"path": str(path), "codec": "ffv1"}


def test_subtitles_are_drawn_exactly_at_their_times_in_their_style(tmp_path):
    (tmp_path / "s.srt").write_text(SRT, encoding="utf-8")
    recipe = ffx.Recipe(input={"source": "color", "duration": 2.5, "size": "320x180"},
                        steps=[{"subtitles": {"file": str(tmp_path / "s.srt"), "size": 24, "color": "yellow"}}],
                        output=lossless(tmp_path / "o.mkv"))
    ffx.render(recipe)
    frames = decode_frames(tmp_path / "o.mkv")
    shown = [i for i, f in enumerate(frames) if f.max() > 128]
    # start <= t < end, at 25 fps: 0.52-0.96 s and 1.52-1.96 s
    assert shown == list(range(13, 25)) + list(range(38, 50))
    ys, xs = np.nonzero(frames[15, ..., 0] > 128)
    assert 180 - 24 - 24 <= ys.min() and ys.max() < 180 - 20  # bottom, 24 px margin, 24 px glyphs
    red, green, blue = (frames[15][ys, xs, c].mean() for c in range(3))
    assert red > 200 and green > 200 and blue < 80  # yellow


def test_a_subtitle_file_must_be_a_subtitle_text_file(tmp_path):
    (tmp_path / "x.srt").write_bytes(b"\x00\x01binary")
    for name, message in (("missing.srt", "does not exist"), ("x.srt", "not text"), ("passwd", "not a subtitle file")):
        with pytest.raises(ffx.RecipeError, match=message):
            ffx.compile_recipe(ffx.Recipe(input={"source": "color"}, steps=[{"subtitles": str(tmp_path / name)}],
                                          output="o.mp4"))


def test_a_title_card_is_a_clip_of_its_own_with_its_text(tmp_path):
    clip = make_clip(tmp_path / "clip.mkv", duration=1.0, size="320x180")
    recipe = ffx.Recipe(inputs={"clip": str(clip)},
                        steps=[{"title": {"text": "TITLE", "duration": 0.8, "background": "#102030", "size": 40},
                                "as": "card"},
                               {"concat": {"with": ["clip"]}, "from": "card"}],
                        output=lossless(tmp_path / "o.mkv"))
    plan = ffx.render(recipe)
    frames = decode_frames(tmp_path / "o.mkv")
    assert plan.result.frames == len(frames) == 20 + 25
    card = frames[:20].astype(int)
    assert np.all(card[:, 5, 5] == card[0, 5, 5]) and abs(card[0, 5, 5, 2] - 0x30) <= 3
    ys, xs = np.nonzero(card[10, ..., 1] > 200)  # white text, centred
    assert abs((xs.min() + xs.max()) / 2 - 160) < 6 and abs((ys.min() + ys.max()) / 2 - 90) < 8
    assert np.array_equal(frames[20:], decode_frames(clip))


@pytest.mark.parametrize("fit", ["shrink", "wrap"])
def test_a_title_wider_than_its_card_is_fitted_inside_it(tmp_path, fit):
    """64 px letters (or 40 px ones) would run 2 (1.4) times across a 320 px card; shrunk by default, or
    wrapped, they stay inside its 10 px margins."""
    title = {"text": "Summer holidays 2026", "duration": 0.2, "background": "#102030"}
    if fit == "wrap":
        title.update(fit="wrap", size=40)
    recipe = ffx.Recipe(input={"source": "color", "size": "320x180", "duration": 0.2},
                        steps=[{"title": title}], output=lossless(tmp_path / "o.mkv"))
    frames = decode_frames(ffx.render(recipe).stages[-1].output_path)
    ys, xs = np.nonzero(frames[0, ..., 1] > 128)  # the white letters
    assert xs.min() >= 10 and xs.max() <= 320 - 1 - 10, (xs.min(), xs.max())
    assert ys.min() >= 10 and ys.max() <= 180 - 1 - 10, (ys.min(), ys.max())
    assert xs.max() - xs.min() > 200  # still a title: fitted, not shrunk to a speck


def test_a_blurred_title_is_the_first_frame_blurred(tmp_path):
    clip = make_clip(tmp_path / "clip.mkv", duration=1.0, size="320x180", audio=None)
    recipe = ffx.Recipe(input=str(clip), steps=[{"title": {"text": ".", "duration": 0.4, "background": "blur",
                                                            "size": 8, "position": "top_left"}}],
                        output=lossless(tmp_path / "o.mkv"))
    frames = decode_frames(ffx.render(recipe).stages[-1].output_path).astype(float)
    first = decode_frames(clip)[0].astype(float)
    assert len(frames) == 10
    assert np.abs(frames[9, 40:, 40:] - frames[0, 40:, 40:]).max() <= 2  # a still
    assert abs(frames[0].mean() - first.mean()) < 8  # the same picture's colours
    sharpest = lambda picture: np.abs(np.diff(picture[40:, :, 1], axis=1)).max()  # noqa: E731
    assert sharpest(first) > 200 and sharpest(frames[0]) < 40  # hard edges gone: blurred


def test_a_contact_sheet_shows_evenly_spaced_frames(tmp_path):
    clip = make_clip(tmp_path / "clip.mkv", duration=4.0, size="160x96", audio=None)
    recipe = ffx.Recipe(input=str(clip), steps=[{"contact_sheet": {"columns": 3, "rows": 2, "width": 3 * 80 + 16,
                                                                   "padding": 4, "timestamps": False}}],
                        output=str(tmp_path / "sheet.png"))
    plan = ffx.render(recipe)
    sheet = decode_frames(tmp_path / "sheet.png")
    assert plan.result.size == "256x108" and sheet.shape == (1, 108, 256, 3)
    source = decode_frames(clip)
    for tile, frame in enumerate([8, 25, 41, 58, 75, 91]):  # the middle of each sixth of 100 frames
        row, column = divmod(tile, 3)
        top, left = 4 + row * (48 + 4), 4 + column * (80 + 4)
        got = sheet[0, top:top + 48, left:left + 80].astype(float)
        distances = [np.abs(got - f[::2, ::2].astype(float)).mean() for f in source]
        assert int(np.argmin(distances)) in (frame - 1, frame, frame + 1)


def test_contact_sheet_times_are_written_under_the_pictures_not_over_them(tmp_path):
    """A caption at the bottom of a frame stays visible: each tile's picture, bottom rows included, is the
    same with times as without, and each time is drawn in a strip of its own under its picture."""
    clip = make_clip(tmp_path / "clip.mkv", duration=4.0, size="160x96", audio=None)

    def sheet(timestamps: bool) -> np.ndarray:
        out = tmp_path / f"sheet-{timestamps}.png"
        ffx.render(ffx.Recipe(input=str(clip), steps=[{"contact_sheet": {
            "columns": 3, "rows": 2, "width": 3 * 80 + 16, "padding": 4, "timestamps": timestamps}}],
            output=str(out)))
        return decode_frames(out)[0].astype(int)

    bare, timed = sheet(False), sheet(True)
    strip = timed.shape[0] - bare.shape[0]
    assert strip % 2 == 0 and strip >= 2 * 8
    strip //= 2  # two rows of tiles
    for tile in range(6):
        row, column = divmod(tile, 3)
        left = 4 + column * (80 + 4)
        picture = timed[4 + row * (48 + strip + 4):][:48, left:left + 80]
        assert np.array_equal(picture, bare[4 + row * (48 + 4):][:48, left:left + 80])
        label = timed[4 + row * (48 + strip + 4) + 48:][:strip, left:left + 80]
        assert (label.max(axis=-1) > 200).sum() > 20  # the time, white, in its strip


def test_zoom_ends_on_the_focus_enlarged_and_moves_without_shaking(tmp_path):
    photo = tmp_path / "photo.png"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=1:duration=1", "-frames:v", "1", str(photo))
    recipe = ffx.Recipe(input=str(photo), steps=[{"loop": {"duration": 2}}, {"zoom": {"start": 1, "end": 2}}],
                        output=lossless(tmp_path / "o.mkv"))
    plan = ffx.render(recipe)
    frames = decode_frames(tmp_path / "o.mkv").astype(float)
    still = decode_frames(photo).astype(float)[0]
    assert plan.result.frames == len(frames) == 50
    assert np.abs(frames[0] - still).mean() < 6  # the whole picture first
    centre = still[45:135, 80:240].repeat(2, axis=0).repeat(2, axis=1)  # the middle, twice as large, last
    assert np.abs(frames[-1] - centre).mean() < 12
    # a steady zoom: every frame is closer to the last one than the frame before it was
    distance = [np.abs(f - frames[-1]).mean() for f in frames]
    assert all(later < earlier for earlier, later in zip(distance, distance[1:]))


def test_a_portrait_clips_sheet_writes_whole_times_in_its_narrow_tiles(tmp_path):
    """Each tile's time ends inside its tile: the last columns of every strip are background."""
    src = make_clip(tmp_path / "tall.mkv", duration=2.0, size="90x320")
    out = render(tmp_path, [{"contact_sheet": {"columns": 5, "rows": 2, "width": 800, "padding": 4,
                                               "timestamps": True}}], src, output="sheet.png")
    [sheet] = decode_frames(out)
    columns, padding = 5, 4
    tile_width = (800 - padding * (columns + 1)) // columns // 2 * 2
    tile_height = round(tile_width * 320 / 90 / 2) * 2
    strip_top, strip_bottom = padding + tile_height, padding + (sheet.shape[0] - padding * 3) // 2
    for column in range(columns):
        left = padding + column * (tile_width + padding)
        strip = sheet[strip_top + 1:strip_bottom - 1, left:left + tile_width].astype(int)
        lit = np.flatnonzero((strip.min(axis=2) > 200).any(axis=0))  # white text
        assert lit.size and lit[0] > 0, f"tile {column}: no time written"
        assert lit[-1] < tile_width - 3, f"tile {column}: the time runs to the tile's edge (cut off)"
