"""Image-sequence outputs (frames/%04d.png or .jpg): one file per frame, fps and JPEG quality applied,
published all together or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import decode_frames, make_clip


@pytest.fixture
def rgb_clip(tmp_path: Path) -> Path:
    return make_clip(tmp_path / "src.mkv", audio="sine", pix_fmt="gbrp", duration=1.0)  # 25 frames


def sequence(tmp_path: Path, src: Path, pattern: str, steps=(), **options) -> list[Path]:
    folder = tmp_path / "frames"
    folder.mkdir(exist_ok=True)
    recipe = ffx.Recipe(input=str(src), steps=list(steps), output={"path": str(folder / pattern), **options})
    plan = ffx.render(recipe, overwrite=options.pop("overwrite", False))
    assert plan.stages[-1].kind == "sequence"
    return sorted(folder.iterdir(), key=lambda f: int("".join(c for c in f.stem if c.isdigit())))


def test_png_sequence_round_trip_is_exact(tmp_path, rgb_clip):
    files = sequence(tmp_path, rgb_clip, "%04d.png")
    assert [f.name for f in files] == [f"{i:04d}.png" for i in range(1, 26)]
    src = decode_frames(rgb_clip)
    assert np.array_equal(np.concatenate([decode_frames(f) for f in files]), src)


def test_fps_applies_to_a_sequence(tmp_path, rgb_clip):
    files = sequence(tmp_path, rgb_clip, "f%02d.png", fps=10)
    assert [f.name for f in files] == [f"f{i:02d}.png" for i in range(1, 11)]
    src = decode_frames(rgb_clip).astype(int)
    # each image is one of the source frames, in order
    images = [decode_frames(f)[0].astype(int) for f in files]
    picked = [int(np.argmin([np.abs(s - image).mean() for s in src])) for image in images]
    assert picked == sorted(picked) and len(set(picked)) == 10
    assert all(np.array_equal(image, src[p]) for image, p in zip(images, picked))


def test_jpeg_quality_applies(tmp_path, rgb_clip):
    src = decode_frames(rgb_clip).astype(float)
    sizes, errors = {}, {}
    for quality in ("best", "low"):
        for f in (tmp_path / "frames").glob("*") if (tmp_path / "frames").exists() else []:
            f.unlink()
        files = sequence(tmp_path, rgb_clip, "%03d.jpg", steps=[{"trim": {"end": 0.2}}], quality=quality)
        assert len(files) == 5
        sizes[quality] = sum(f.stat().st_size for f in files)
        frames = np.concatenate([decode_frames(f) for f in files]).astype(float)
        errors[quality] = np.abs(frames - src[:5]).mean()
    assert sizes["best"] > 1.5 * sizes["low"]
    assert errors["best"] < errors["low"]
    assert errors["best"] < 3  # close to the source: JPEG's chroma subsampling and rounding


def test_an_existing_file_stops_the_render_before_anything_is_written(tmp_path, rgb_clip):
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "0007.png").write_bytes(b"keep")
    recipe = ffx.Recipe(input=str(rgb_clip), steps=[], output=str(folder / "%04d.png"))
    with pytest.raises(ffx.InputError, match="0007.png.*already exists"):
        ffx.render(recipe)
    assert os.listdir(folder) == ["0007.png"] and (folder / "0007.png").read_bytes() == b"keep"
    ffx.render(recipe, overwrite=True)
    assert len(os.listdir(folder)) == 25


def test_a_failed_render_leaves_no_frames(tmp_path, rgb_clip):
    from conftest import FFMPEG, faulty_ffmpeg

    # FFmpeg writes a few frames, then fails
    wrapper = faulty_ffmpeg(tmp_path / "ffmpeg-fails", "*.png*", f'"{FFMPEG}" "$@" -frames:v 3; exit 1')
    folder = tmp_path / "frames"
    folder.mkdir()
    recipe = ffx.Recipe(input=str(rgb_clip), steps=[], output=str(folder / "%04d.png"))
    with pytest.raises(ffx.RenderError):
        ffx.render(recipe, ffmpeg=str(wrapper))
    assert os.listdir(folder) == []
