"""Streams that meet: still images as long as what they meet, inputs read whole, unused and cut-short inputs."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import FFMPEG, decode_frames, make_clip, run_ffmpeg
from ffx.media.probe import probe

LOSSLESS = {"codec": "ffv1", "pix_fmt": "gbrp", "audio_codec": "pcm_s16le"}


def picture(path: Path, color: str = "red", size: str = "16x16") -> Path:
    """A one-frame image (PNG, JPEG, WebP or a one-frame video, by the extension)."""
    run_ffmpeg("-f", "lavfi", "-i", f"color=c={color}:size={size}", "-frames:v", "1", "-y", str(path))
    return path


def rendered(tmp_path: Path, inputs: dict, steps: list, name: str = "out.mkv") -> tuple[ffx.Plan, np.ndarray]:
    recipe = ffx.Recipe(inputs=inputs, steps=steps, output={"path": str(tmp_path / name), **LOSSLESS})
    plan = ffx.render(recipe)
    return plan, decode_frames(plan.stages[0].output_path).astype(int)


@pytest.mark.parametrize("extension", ["png", "jpg", "webp", "mkv"])
def test_a_picture_or_a_one_frame_video_is_a_still(tmp_path, extension):
    info = probe(str(picture(tmp_path / f"logo.{extension}")), FFMPEG)
    assert info.still and info.frames == 1
    assert not probe(str(make_clip(tmp_path / "clip.mkv", duration=0.2)), FFMPEG).still


def test_an_overlaid_logo_lasts_as_long_as_the_clip(tmp_path, clip):
    logo = picture(tmp_path / "logo.png")
    plan, frames = rendered(tmp_path, {"clip": str(clip), "logo": str(logo)}, [{"overlay": {"with": "logo", "x": 10, "y": 10}}])
    assert plan.result.frames == len(frames) == 50
    red = np.array([255, 0, 0])
    assert (np.abs(frames[:, 12:24, 12:24] - red) <= 8).all()  # on every frame, the last included (through 4:2:0)
    assert probe(plan.stages[0].output_path, FFMPEG).has_audio  # the clip's sound goes on


def test_a_still_background_lasts_as_long_as_the_clip_stacked_after_it(tmp_path, silent_clip):
    background = picture(tmp_path / "bg.png", "blue", "160x90")
    plan, frames = rendered(tmp_path, {"bg": str(background), "clip": str(silent_clip)}, [{"hstack": ["clip"]}])
    source = decode_frames(silent_clip).astype(int)
    assert plan.result.frames == len(frames) == len(source) == 50
    assert (np.abs(frames[:, :, :160] - [0, 0, 255]) <= 8).all()
    assert np.abs(frames[:, :, 160:] - source).mean() < 2  # the clip, frame by frame (through a format conversion)


def test_a_still_blended_and_a_still_with_a_duration(tmp_path, silent_clip):
    white = picture(tmp_path / "white.png", "white", "160x90")
    plan, frames = rendered(tmp_path, {"white": str(white), "clip": str(silent_clip)},
                            [{"blend": {"with": "clip", "all_mode": "normal"}}])
    assert plan.result.frames == len(frames) == 50
    assert (frames >= 250).all()  # the still on top, on every frame of the clip under it
    # with a duration, a still is a stream that long, even where nothing stops it at the other's end
    logo = ffx.Input(path=str(picture(tmp_path / "logo.png")), duration=3)
    plan, frames = rendered(tmp_path, {"clip": str(silent_clip), "logo": logo},
                            [{"overlay": {"with": "logo", "shortest": False}}], "long.mkv")
    assert plan.result.frames == len(frames) == 75
    assert (np.abs(frames[60, 2:14, 2:14] - [255, 0, 0]) <= 8).all()


def test_a_still_alone_is_one_frame_with_a_warning_for_a_video(tmp_path):
    photo = picture(tmp_path / "photo.png", "green", "32x32")
    with pytest.warns(ffx.FfxWarning, match=r"one picture .*give the input a duration"):
        plan, frames = rendered(tmp_path, {"photo": str(photo)}, ["black_white"])
    assert plan.result.frames == len(frames) == 1
    recipe = ffx.Recipe(input=str(photo), steps=[{"resize": 0.5}], output=str(tmp_path / "small.png"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a picture from a picture is what was asked
        assert ffx.compile_recipe(recipe).notes == ()


def test_a_duration_on_a_video_is_refused(tmp_path, silent_clip):
    recipe = ffx.Recipe(input={"path": str(silent_clip), "duration": 3}, output=str(tmp_path / "o.mp4"))
    with pytest.raises(ffx.RecipeError, match="duration applies to a still image") as error:
        ffx.compile_recipe(recipe)
    assert error.value.problems[0].field == "input.duration"


def test_an_input_no_step_uses_is_an_error_naming_it(tmp_path, silent_clip):
    logo = picture(tmp_path / "logo.png")
    recipe = ffx.Recipe(inputs={"clip": str(silent_clip), "logo": str(logo)}, steps=["black_white"],
                        output=str(tmp_path / "o.mp4"))
    with pytest.raises(ffx.RecipeError, match="no step uses the input 'logo'") as error:
        ffx.compile_recipe(recipe)
    assert error.value.problems[0].field == "inputs.logo"


@pytest.mark.parametrize("extension", ["mkv", "mp4"])
def test_a_cut_short_input_is_rendered_with_a_warning_giving_both_lengths(tmp_path, extension):
    full = tmp_path / f"full.{extension}"
    codec = ["-c:v", "ffv1", "-c:a", "pcm_s16le"] if extension == "mkv" else ["-c:v", "libx264", "-c:a", "aac",
                                                                              "-movflags", "+faststart"]
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x36:rate=25:duration=4", "-f", "lavfi", "-i", "sine=duration=4",
               *codec, "-y", str(full))
    cut = tmp_path / f"cut.{extension}"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    recipe = ffx.Recipe(input=str(cut), output={"path": str(tmp_path / "o.mkv"), **LOSSLESS})
    with pytest.warns(ffx.FfxWarning, match=r"header says 4\.00 s, its packets end at [0-9.]+ s") as caught:
        plan = ffx.render(recipe)
    ends = float(str(caught[0].message).split("packets end at ")[1].split(" s")[0])
    assert 1 < ends < 3 and plan.result.duration == pytest.approx(ends, abs=0.01)
    assert len(decode_frames(plan.stages[0].output_path)) == plan.result.frames
    assert plan.notes and "header says 4.00 s" in plan.notes[0]


def test_the_cli_prints_plan_notes_as_warnings(tmp_path):
    from typer.testing import CliRunner

    from ffx.cli import app

    photo = picture(tmp_path / "photo.png")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"input: {photo}\nsteps: [black_white]\noutput: {tmp_path / 'o.mp4'}\n")
    result = CliRunner().invoke(app, ["validate", str(recipe)])
    assert result.exit_code == 0
    assert "warning: the result is one picture" in result.stderr


def test_a_stack_reads_the_whole_input_after_a_trim(tmp_path):
    src = make_clip(tmp_path / "rgb.mkv", audio=None, pix_fmt="gbrp")
    recipe = ffx.Recipe(input=str(src), steps=[{"trim": {"start": 1, "end": 1.5}}, {"hstack": ["input"]}],
                        output={"path": str(tmp_path / "s.mkv"), "codec": "ffv1", "pix_fmt": "gbrp"})
    frames, out = decode_frames(src), decode_frames(ffx.render(recipe).stages[0].output_path)
    assert len(out) >= 12
    assert np.array_equal(out[:, :, :160], frames[25:25 + len(out)])  # the trimmed clip
    assert np.array_equal(out[:, :, 160:], frames[:len(out)])  # the input from its start


def test_a_songs_cover_picture_lasts_as_long_as_the_song(tmp_path):
    cover = picture(tmp_path / "cover.png", "yellow", "32x32")
    song = tmp_path / "song.mp3"
    run_ffmpeg("-f", "lavfi", "-i", "sine=duration=3", "-i", str(cover), "-map", "0", "-map", "1", "-c:a", "libmp3lame",
               "-c:v", "copy", "-disposition:v", "attached_pic", "-y", str(song))
    recipe = ffx.Recipe(input=str(song), output={"path": str(tmp_path / "o.mkv"), **LOSSLESS})
    plan = ffx.render(recipe)  # the cover says 90000 fps: a picture's rate is taken as 25
    assert plan.result.frames == len(decode_frames(plan.stages[0].output_path)) == 75


def test_a_still_an_effect_makes_longer_is_a_still_no_more(tmp_path):
    photo = picture(tmp_path / "photo.png", "green", "32x32")
    recipe = ffx.Recipe(input=str(photo), steps=[{"loop": {"duration": 2}}], output=str(tmp_path / "o.mp4"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ffx.FfxWarning)  # no "one picture" warning: the loop made it a stream
        plan = ffx.compile_recipe(recipe)
    assert not plan.result.still and plan.result.frames == 50
