"""Renders to bytes and chunks, and encoding frames made in Python."""

from __future__ import annotations

import os
from fractions import Fraction

import numpy as np
import pytest

import ffx
from conftest import FFMPEG, child_processes, cmdline, decode_frames
from ffx.media.probe import probe

SOURCE = {"source": "testsrc2", "size": "160x90", "rate": 25, "duration": 1}


def recipe(**output) -> ffx.Recipe:
    return ffx.Recipe(input=SOURCE, steps=["reverse"], output={"path": "unused.mp4", **output})


def test_mp4_bytes_are_a_normal_file_with_the_index_first(tmp_path, private_tmp):
    data = ffx.render_bytes(recipe(), format="mp4")
    assert data[4:8] == b"ftyp" and data.index(b"moov") < data.index(b"mdat")
    (tmp_path / "o.mp4").write_bytes(data)
    assert len(decode_frames(tmp_path / "o.mp4")) == 25
    assert os.listdir(private_tmp) == []


@pytest.mark.parametrize("format, magic", [("gif", b"GIF89a"), ("webm", b"\x1aE\xdf\xa3"), ("mkv", b"\x1aE\xdf\xa3")])
def test_streamable_formats_come_through_a_pipe_in_chunks(tmp_path, private_tmp, format, magic):
    chunks = list(ffx.iter_bytes(ffx.Recipe(input={**SOURCE, "duration": 2}, output="x.gif"), format=format))
    data = b"".join(chunks)
    assert data.startswith(magic) and len(chunks) > 1
    (tmp_path / f"o.{format}").write_bytes(data)
    assert len(decode_frames(tmp_path / f"o.{format}")) == 50
    assert os.listdir(private_tmp) == []


def test_fragmented_mp4_streams(tmp_path):
    data = ffx.render_bytes(recipe(), format="mp4", fragmented=True)
    assert b"moof" in data and data.index(b"moov") < data.index(b"moof")
    (tmp_path / "f.mp4").write_bytes(data)
    assert len(decode_frames(tmp_path / "f.mp4")) == 25


def test_stopping_a_stream_early_stops_ffmpeg(tmp_path):
    long = ffx.Recipe(input={**SOURCE, "duration": 600}, output="x.mkv")
    stream = ffx.iter_bytes(long, format="mkv")
    assert next(stream)
    assert own_ffmpeg_processes()  # the check below sees FFmpeg while it runs
    stream.close()
    assert own_ffmpeg_processes() == []


def own_ffmpeg_processes() -> list[int]:
    """FFmpeg processes whose parent is this test process (others may run FFmpeg at the same time)."""
    return [pid for pid in child_processes(os.getpid()) if b"ffmpeg" in os.path.basename(cmdline(pid).split(b"\0")[0])]


def gradient_frames(count: int, height: int = 36, width: int = 64):
    ys, xs = np.mgrid[0:height, 0:width]
    for i in range(count):
        yield np.stack([(xs * 4 + i) % 256, (ys * 7) % 256, np.full_like(xs, i * 9 % 256)], axis=2).astype(np.uint8)


def test_encode_round_trips_rgb_and_bgr_frames_exactly(tmp_path):
    out = tmp_path / "rgb.mkv"
    assert ffx.encode(gradient_frames(10), fps=10, output=str(out), codec="ffv1", pix_fmt="rgb24") is None
    assert np.array_equal(decode_frames(out), np.stack(list(gradient_frames(10))))
    bgr = tmp_path / "bgr.mkv"
    ffx.encode((f[:, :, ::-1] for f in gradient_frames(10)), fps=10, output=str(bgr), codec="ffv1",
               pix_fmt="rgb24", bgr=True)
    assert np.array_equal(decode_frames(bgr), np.stack(list(gradient_frames(10))))


def test_encode_to_mp4_bytes_at_an_ntsc_rate(tmp_path, private_tmp):
    data = ffx.encode(gradient_frames(24), fps=23.976)
    assert data[4:8] == b"ftyp" and data.index(b"moov") < data.index(b"mdat")
    (tmp_path / "e.mp4").write_bytes(data)
    info = probe(str(tmp_path / "e.mp4"), FFMPEG)
    assert info.fps == Fraction(24000, 1001) and info.frames == 24 and (info.width, info.height) == (64, 36)
    assert os.listdir(private_tmp) == []
    gif = ffx.encode(gradient_frames(5), fps=5, format="gif")
    assert gif.startswith(b"GIF89a")


def test_a_frame_of_another_size_is_a_clear_error_and_writes_nothing(tmp_path):
    def frames():
        yield from gradient_frames(3)
        yield np.zeros((10, 10, 3), np.uint8)

    out = tmp_path / "bad.mp4"
    with pytest.raises(ffx.FrameError, match="frame 3 is uint8 \\(10, 10, 3\\)"):
        ffx.encode(frames(), fps=10, output=str(out))
    assert os.listdir(tmp_path) == []
    with pytest.raises(ffx.FrameError, match="uint8"):
        ffx.encode([np.zeros((10, 10, 3), np.float32)], fps=10)
    with pytest.raises(ffx.RecipeError, match="frame rate"):
        ffx.encode(gradient_frames(2), fps=0)


def test_a_stream_resumed_from_another_thread_survives_the_first_ones_end(tmp_path):
    """A server may pull chunks from any pool thread: FFmpeg must not die with the thread that started it."""
    import threading

    stream = ffx.iter_bytes(ffx.Recipe(input={**SOURCE, "duration": 3}, output="x.mkv"), format="mkv")
    first = []
    starter = threading.Thread(target=lambda: first.append(next(stream)))
    starter.start()
    starter.join()
    data = first[0] + b"".join(stream)  # the thread that started FFmpeg has ended
    (tmp_path / "o.mkv").write_bytes(data)
    assert len(decode_frames(tmp_path / "o.mkv")) == 75
