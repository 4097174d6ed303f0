"""Renders to bytes of plans whose final command reads pipes that feeder commands fill.

A segmented reverse (a reverse beyond the memory budget) and a numpy slit-scan
run feeders beside the encoding FFmpeg; in memory, as in a file, those feeders
must run, so every streamed format holds the same frames as the file render.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import FFMPEG, decode_frames, make_clip
from ffx.media.memory import tree_memory
from ffx.media.probe import probe

# (format, fragmented, extension of the file render it must equal)
STREAMED = [("mkv", False, "mkv"), ("gif", False, "gif"), ("webm", False, "webm"), ("webp", False, "webp"),
            ("mp4", True, "mp4")]


@pytest.fixture(autouse=True)
def tiny_overheads(monkeypatch):
    """Count only the frames, so a budget picks the segment length exactly (as in test_reverse_segmented)."""
    from ffx.media import memory

    for name, value in (("PLAIN_OVERHEAD", 0), ("SEGMENTED_OVERHEAD", 0), ("FRAME_PADDING", 1.0), ("SAFETY", 1.0),
                        ("DEFAULT_ENCODER_FRAMES", 0)):
        monkeypatch.setattr(memory, name, value)
    import ffx.compile.compiler

    monkeypatch.setattr(ffx.compile.compiler, "encoder_frames", lambda codec, preset: 0)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return make_clip(tmp_path_factory.mktemp("feeds") / "clip.mkv", duration=1.0, size="64x36", audio=None)


def output(extension: str) -> dict:
    """A one-pass GIF holds every frame for its palette; a palette per frame holds one."""
    return {"path": f"unused.{extension}", **({"quality": "best"} if extension == "gif" else {})}


def pictures(path: Path) -> np.ndarray:
    """Every frame as RGB; an animated WebP through Pillow (not every FFmpeg decodes one)."""
    if path.suffix != ".webp":
        return decode_frames(path)
    from PIL import Image, ImageSequence

    with Image.open(io.BytesIO(path.read_bytes())) as image:
        return np.stack([np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(image)])


def in_memory(tmp_path: Path, recipe: ffx.Recipe, format: str, fragmented: bool, extension: str,
              **options) -> tuple[np.ndarray, np.ndarray]:
    """The frames of render_bytes and of iter_bytes, each written to a file and decoded."""
    whole = ffx.render_bytes(recipe, format=format, fragmented=fragmented, **options)
    chunks = b"".join(ffx.iter_bytes(recipe, format=format, fragmented=fragmented, **options))
    (tmp_path / f"bytes.{extension}").write_bytes(whole)
    (tmp_path / f"chunks.{extension}").write_bytes(chunks)
    return pictures(tmp_path / f"bytes.{extension}"), pictures(tmp_path / f"chunks.{extension}")


def rendered(tmp_path: Path, recipe: ffx.Recipe, extension: str, **options) -> tuple[np.ndarray, ffx.Plan]:
    out = tmp_path / f"file.{extension}"
    plan = ffx.render(recipe, output=str(out), **options)
    return pictures(out), plan


@pytest.mark.parametrize("format, fragmented, extension", STREAMED)
def test_a_segmented_reverse_streams_the_frames_the_file_holds(tmp_path, clip, format, fragmented, extension):
    recipe = ffx.Recipe(input=str(clip), steps=["reverse"], output=output(extension))
    budget = tree_memory(probe(str(clip), FFMPEG), 7, 0) + 1  # segments of 7 frames
    expected, plan = rendered(tmp_path, recipe, extension, max_memory=budget)
    assert plan.feeds and len(plan.feeds[0].feeders) == 4  # 25 frames in segments of 7
    whole, chunks = in_memory(tmp_path, recipe, format, fragmented, extension, max_memory=budget)
    assert len(expected) == 25 or extension == "webp"  # libwebp_anim joins frames it finds alike
    assert whole.shape == chunks.shape == expected.shape
    assert np.array_equal(whole, expected) and np.array_equal(chunks, expected)
    plain, _ = in_memory(tmp_path, recipe, format, fragmented, extension)  # the reverse in one piece
    assert np.array_equal(plain, expected)


# a WebP of one picture is not an animated one, which the file render refuses too
@pytest.mark.parametrize("format, fragmented, extension", [case for case in STREAMED if case[0] != "webp"])
def test_a_numpy_slitscan_streams_the_picture_the_file_holds(tmp_path, clip, format, fragmented, extension):
    recipe = ffx.Recipe(input=str(clip), steps=[{"slitscan": {"engine": "numpy"}}], output=output(extension))
    expected, plan = rendered(tmp_path, recipe, extension)
    assert plan.feeds
    whole, chunks = in_memory(tmp_path, recipe, format, fragmented, extension)
    assert len(expected) == 1
    assert whole.shape == chunks.shape == expected.shape
    assert np.array_equal(whole, expected) and np.array_equal(chunks, expected)
