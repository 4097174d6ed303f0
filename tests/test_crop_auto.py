"""crop: auto: black bars found on sampled frames and cropped, exactly; no bars, no crop; a dark picture kept whole."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import FFMPEG, decode_frames
from test_cli import ffx

import ffx as api
from ffx.effects._crop_auto import SEEK_BEYOND
from ffx.media.cropdetect import SAMPLES, PictureBox, picture_box, read_picture_box

@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    """Answers of the passes kept in the test's own folder, not the user's cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


DARK = "lutyuv=y='16+(val-16)*0.12'"  # testsrc2 at luma 16-39: cropdetect's average rule cuts 54 columns of it


def boxed(path: Path, picture: str, box: tuple[int, int, int, int], look: str = "null",
          codec: tuple[str, ...] = ("-c:v", "ffv1"), seconds: float = 3, rate: int = 25) -> Path:
    """A 320x240 clip whose moving picture (``picture`` WxH) sits at ``box``'s x1,y1 on black."""
    x1, y1, _, _ = box
    graph = f"testsrc2=s={picture}:r={rate}:d={seconds},{look},pad=320:240:{x1}:{y1}:black,format=yuv420p"
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", graph, *codec, str(path)], check=True)
    return path


def crop_auto(src: Path, out: Path):
    plan = api.render(api.Recipe(input=str(src), steps=[{"crop": "auto"}],
                                 output={"path": str(out), "codec": "ffv1"}), overwrite=True)
    return plan, decode_frames(out)


def whole(path: Path) -> np.ndarray:
    return decode_frames(path)


@pytest.mark.parametrize("name, picture, box", [
    ("letterbox", "320x162", (0, 38, 320, 200)),      # bars 38 px on top, 40 under
    ("pillarbox", "236x240", (40, 0, 276, 240)),      # bars 40 px left, 44 right
    ("windowbox", "200x120", (60, 64, 260, 184)),     # bars on all four sides
])
def test_bars_are_cropped_exactly_to_the_picture(tmp_path, name, picture, box):
    src = boxed(tmp_path / f"{name}.mkv", picture, box)
    plan, frames = crop_auto(src, tmp_path / "out.mkv")
    x1, y1, x2, y2 = box
    assert frames.shape[1:3] == (y2 - y1, x2 - x1) == (plan.result.height, plan.result.width)
    assert np.array_equal(frames, whole(src)[:, y1:y2, x1:x2])
    for edge in (frames[:, 0], frames[:, -1], frames[:, :, 0], frames[:, :, -1]):  # no black row or column left
        assert edge.max(axis=(0, 2)).min() > 40
    assert any(f"picture {x2 - x1}x{y2 - y1} at {x1},{y1}" in said for said in plan.findings), plan.findings


def test_a_speck_in_a_bar_does_not_keep_the_bar(tmp_path):
    # a 3x3 bright speck in the top bar (dust, a sparkle of coding noise): a row is picture only when over
    # 1 % of it is bright, so the bar still goes
    src = tmp_path / "speck.mkv"
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=320x162:r=25:d=3,pad=320:240:0:38:black,"
                    "drawbox=x=100:y=10:w=3:h=3:color=white:t=fill,format=yuv420p", "-c:v", "ffv1", str(src)], check=True)
    assert whole(src)[0, 10, 100].min() > 200  # the speck is there
    plan, frames = crop_auto(src, tmp_path / "out.mkv")
    assert np.array_equal(frames, whole(src)[:, 38:200])


def test_a_long_file_is_sampled_by_seeking(tmp_path, cache_home):
    src = boxed(tmp_path / "long.mkv", "320x162", (0, 38, 320, 200), seconds=SEEK_BEYOND + 10, rate=5)
    plan, frames = crop_auto(src, tmp_path / "out.mkv")
    assert np.array_equal(frames, whole(src)[:, 38:200])
    passes = [json.loads(p.read_text())["key"] for p in (cache_home / "ffx" / "analysis").rglob("*.json")]
    assert len(passes) == 1 and passes[0].count('"-ss"') == SAMPLES  # eight seeks, not the whole file


def test_a_clip_without_bars_is_left_as_it_is(tmp_path):
    src = boxed(tmp_path / "full.mkv", "320x240", (0, 0, 320, 240))
    plan, frames = crop_auto(src, tmp_path / "out.mkv")
    assert np.array_equal(frames, whole(src))
    assert not any(name == "crop" for name, _ in plan.stages[-1].filter_steps)
    assert any("no black bars (320x240 kept)" in said for said in plan.findings), plan.findings


def test_a_dark_picture_is_not_cropped_into(tmp_path):
    src = boxed(tmp_path / "dark.mkv", "320x240", (0, 0, 320, 240), look=DARK)
    # FFmpeg's own rule (a row or column is black when its average is) would crop into it
    said = subprocess.run([FFMPEG, "-nostdin", "-i", str(src), "-vf", "cropdetect=round=2:reset=0:skip=0", "-f",
                           "null", "-"], capture_output=True, text=True).stderr
    average_rule = read_picture_box(said, 320, 240)
    assert average_rule.width < 300
    plan, frames = crop_auto(src, tmp_path / "out.mkv")
    assert np.array_equal(frames, whole(src))


def test_a_dark_picture_in_bars_loses_only_its_bars(tmp_path):
    src = boxed(tmp_path / "darkbox.mkv", "320x180", (0, 30, 320, 210), look=DARK)
    _, frames = crop_auto(src, tmp_path / "out.mkv")
    assert np.array_equal(frames, whole(src)[:, 30:210])


def test_coded_bars_are_cropped_to_the_picture(tmp_path):
    src = boxed(tmp_path / "coded.mp4", "320x160", (0, 40, 320, 200), codec=("-c:v", "libx264", "-crf", "28"))
    plan, frames = crop_auto(src, tmp_path / "out.mkv")
    assert (plan.result.width, plan.result.height) == (320, 160)


def test_an_all_black_clip_is_left_as_it_is(tmp_path):
    src = boxed(tmp_path / "black.mkv", "320x240", (0, 0, 320, 240), look="lutyuv=y=16:u=128:v=128")
    plan, frames = crop_auto(src, tmp_path / "out.mkv")
    assert frames.shape[1:3] == (240, 320)
    assert any("every frame looked at is black" in said for said in plan.findings), plan.findings


def test_validate_says_the_crop_found(tmp_path):
    src = boxed(tmp_path / "letterbox.mkv", "320x162", (0, 38, 320, 200))
    recipe = tmp_path / "r.yaml"
    recipe.write_text("steps:\n  - crop: auto\noutput: o.mkv\n")
    result = ffx("validate", str(recipe), "-i", str(src))
    assert result.exit_code == 0, result.output
    assert "steps[0] (crop): picture 320x162 at 0,38 (bars: 38 top, 40 bottom)" in result.stdout
    assert "320x162" in result.stdout


def test_the_picture_box_reads_cropdetect_edges():
    assert picture_box([0, 319, 38, 199], 320, 240) == PictureBox(0, 38, 320, 200)
    assert picture_box(None, 320, 240) is None


def test_the_schema_takes_crop_auto():
    schema = json.loads(ffx("schema").stdout)
    crop = next(v for v in schema["properties"]["steps"]["items"]["anyOf"] if "crop" in v.get("properties", {}))
    main = next(form for form in crop["properties"]["crop"]["anyOf"] if "anyOf" in form)  # `- crop: VALUE`
    assert {"const": "auto"} in main["anyOf"] and {"type": "boolean"} in main["anyOf"]
