"""Pictures as a stream: a folder or pattern of images at a rate, and the image-sequence round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import decode_frames, make_clip, run_ffmpeg


def test_an_image_sequence_round_trip_keeps_every_frame(tmp_path):
    clip = make_clip(tmp_path / "clip.mkv", duration=0.6, size="160x90", audio=None)
    (tmp_path / "frames").mkdir()
    ffx.render(ffx.Recipe(input=str(clip), output=str(tmp_path / "frames" / "%04d.png")))
    written = sorted((tmp_path / "frames").iterdir())
    assert len(written) == 15
    back = tmp_path / "back.mkv"
    plan = ffx.render(ffx.Recipe(input={"images": str(tmp_path / "frames" / "%04d.png"), "rate": 25},
                                 output={"path": str(back), "codec": "ffv1", "pix_fmt": "rgb24"}))
    assert plan.result.frames == 15 and plan.result.duration == pytest.approx(0.6)
    assert np.array_equal(decode_frames(back), decode_frames(clip))


def test_a_glob_of_photos_plays_in_name_order_at_its_rate(tmp_path):
    colours = {"b.png": "blue", "a.png": "red", "c.png": "lime"}
    for name, colour in colours.items():
        run_ffmpeg("-f", "lavfi", "-i", f"color=c={colour}:s=64x36", "-frames:v", "1", str(tmp_path / name))
    (tmp_path / "notes.txt").write_text("not a picture")
    recipe = ffx.Recipe(input={"images": str(tmp_path / "*.png"), "rate": "1/2"}, steps=[{"fps": 10}],
                        output={"path": str(tmp_path / "o.mkv"), "codec": "ffv1"})
    plan = ffx.render(recipe)
    frames = decode_frames(tmp_path / "o.mkv").astype(int)
    assert plan.result.frames == len(frames) == 60  # three pictures, 2 s each, at 10 fps
    order = [int(np.argmax(frames[i, 10, 10])) for i in (5, 25, 45)]
    assert order == [0, 2, 1]  # red (a), blue (b), green (c): by name


def test_images_relative_to_the_recipe_and_mistakes(tmp_path):
    (tmp_path / "pics").mkdir()
    run_ffmpeg("-f", "lavfi", "-i", "color=c=red:s=64x36", "-frames:v", "1", str(tmp_path / "pics" / "1.png"))
    recipe_file = tmp_path / "r.yaml"
    recipe_file.write_text("input: {images: 'pics/*.png', rate: 1}\noutput: out.mp4\n")
    plan = ffx.compile_recipe(ffx.load_recipe(recipe_file))
    assert plan.result.frames == 1 and str(tmp_path / "pics" / "*.png") in plan.argv
    for images, message in (("nothing/*.png", "matches no file"), ("pics/plain.png", "not a pattern"),
                            ("p*cs/*.png", "only the file name may be a pattern")):
        with pytest.raises(ffx.InputError, match=message):
            ffx.compile_recipe(ffx.Recipe(input={"images": str(tmp_path / images)}, output=str(tmp_path / "o.mp4")))
    with pytest.raises(ffx.InputError, match="one of the images"):
        ffx.compile_recipe(ffx.Recipe(input={"images": str(tmp_path / "pics" / "*.png")},
                                      output=str(tmp_path / "pics" / "1.png")), overwrite=True)
    with pytest.raises(ffx.RecipeError, match="do not apply to images"):
        ffx.Recipe(input={"images": "x/*.png", "size": "64x36"}, output="o.mp4")
