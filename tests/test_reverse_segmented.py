"""Reverse in bounded memory: segment by segment, exactly the frames and samples of the plain reverse."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import ADVERSARIAL, FFMPEG, decode_audio, decode_frames, faulty_ffmpeg, ffmpeg_children, make_clip
from ffx.compile.segments import plan_segments
from ffx.media.memory import tree_memory
from ffx.media.packets import keyframe_times
from ffx.media.probe import probe

LOSSLESS = {"codec": "ffv1", "audio_codec": "pcm_s16le"}


@pytest.fixture(autouse=True)
def tiny_overheads(monkeypatch):
    """Test clips are tiny, far below FFmpeg's own fixed memory: count only the frames, so a budget
    picks the segment length exactly (what is under test here is the seams, not the estimate)."""
    from ffx.media import memory

    for name, value in (("PLAIN_OVERHEAD", 0), ("SEGMENTED_OVERHEAD", 0), ("FRAME_PADDING", 1.0), ("SAFETY", 1.0),
                        ("DEFAULT_ENCODER_FRAMES", 0)):
        monkeypatch.setattr(memory, name, value)
    import ffx.compile.compiler

    monkeypatch.setattr(ffx.compile.compiler, "encoder_frames", lambda codec, preset: 0)


def budget_for(src: Path, frames: int) -> int:
    """A memory budget under which each segment holds ``frames`` frames."""
    info = probe(str(src), FFMPEG)
    return tree_memory(info, frames, 0) + 1


def reverse_both(tmp_path: Path, src: Path, steps: list, frames: int) -> tuple[Path, Path, ffx.Plan]:
    plain = tmp_path / "plain.mkv"
    ffx.render(ffx.Recipe(input=str(src), steps=steps, output={"path": str(plain), **LOSSLESS}))
    segmented = tmp_path / "segmented.mkv"
    plan = ffx.render(ffx.Recipe(input=str(src), steps=steps, output={"path": str(segmented), **LOSSLESS}),
                      max_memory=budget_for(src, frames))
    return plain, segmented, plan


def assert_same(plain: Path, segmented: Path, audio: bool = True) -> None:
    a, b = decode_frames(plain), decode_frames(segmented)
    assert a.shape == b.shape and np.array_equal(a, b)
    if audio:
        x, y = decode_audio(plain), decode_audio(segmented)
        assert len(x) == len(y) and np.array_equal(x, y)  # no sample lost, doubled or moved at a seam


@pytest.mark.parametrize("frames", [1, 7, 13, 24])
def test_segmented_reverse_equals_the_plain_reverse(tmp_path, frames):
    src = make_clip(tmp_path / "src.mkv", duration=1.96)  # 49 frames: segments never divide it evenly
    plain, segmented, plan = reverse_both(tmp_path, src, ["reverse"], frames)
    assert len(plan.feeds) == 1 and len(plan.feeds[0].feeders) == -(-49 // frames)
    assert_same(plain, segmented)


def test_sparse_keyframes_and_a_lossy_codec(tmp_path):
    """One keyframe for the whole clip: every segment decodes from it, and still gets exactly its frames."""
    src = make_clip(tmp_path / "sparse.mp4", duration=2.0, codec="libx264", keyint=250, audio="sine")
    plain, segmented, plan = reverse_both(tmp_path, src, ["reverse"], 11)
    assert len(plan.feeds[0].feeders) == 5
    assert_same(plain, segmented, audio=False)  # AAC audio: compared by length and pitch below
    x, y = decode_audio(plain), decode_audio(segmented)
    assert len(x) == len(y) and np.abs(x - y).max() < 1e-6


def test_keyframes_become_the_seams_when_groups_fit(tmp_path):
    src = make_clip(tmp_path / "gop.mp4", duration=2.0, codec="libx264", keyint=10, audio=None)
    plain, segmented, plan = reverse_both(tmp_path, src, ["reverse"], 25)
    feeders = plan.feeds[0].feeders
    # keyframes every 10 frames; 25 fit: two groups per segment, frames 0-19, 20-39, 40-49 (last first)
    assert len(feeders) == 3
    filters = [" ".join(f) for f in feeders]
    assert "trim=start=1.58" in filters[0] and "trim=start=0.78:end=1.58" in filters[1] and "trim=end=0.78" in filters[2]
    assert_same(plain, segmented, audio=False)


def test_each_feeder_decodes_from_the_keyframe_it_needs_and_no_earlier(tmp_path):
    """A segment that starts on a keyframe must not seek to the group before it (a whole group decoded
    for nothing); the frames the feeder's decoder produces are counted by FFmpeg itself."""
    src = make_clip(tmp_path / "gop.mp4", duration=2.0, codec="libx264", keyint=10, audio=None)
    assert keyframe_times(str(src), FFMPEG) == [n / 25 for n in range(0, 50, 10)]
    plain, segmented, plan = reverse_both(tmp_path, src, ["reverse"], 15)
    assert_same(plain, segmented, audio=False)
    decoded = []
    for feeder in plan.feeds[0].feeders:
        argv = [FFMPEG, *feeder[:feeder.index("-vf")], "-vf", "showinfo", "-f", "null", "-"]
        report = subprocess.run(argv, capture_output=True, text=True).stderr
        first = min(float(t) for t in re.findall(r"pts_time:([0-9.]+)", report))
        trim = next(f for f in feeder if f.startswith("trim"))
        start = float(trim.split("start=")[1].split(":")[0].split(",")[0]) if "start=" in trim else 0.0
        decoded.append((first, start))
    # groups of 10 under a 15-frame budget: 0-9, 10-19, ... one segment each, decoded from its own keyframe
    assert sorted(decoded) == [(n / 25, max(0.0, (n - 0.5) / 25)) for n in range(0, 50, 10)]


def test_plan_segments_follows_keyframes_and_splits_long_groups():
    spans = [(s.first, s.end) for s in plan_segments(0, 100, 25.0, [0, 0.4, 0.8, 2.0, 3.6], 30)]
    # groups 0-9 and 10-19 share a segment, 20-49 fills one; 50-89 is too long: its last part takes the
    # whole budget (decoding from frame 50 to 89), the first what is left (50-59); the last group is its own
    assert spans == [(0, 20), (20, 50), (50, 60), (60, 90), (90, 100)]
    assert all(b - a <= 30 for a, b in spans) and spans[0][0] == 0 and spans[-1][1] == 100


def test_boomerang_and_a_fast_seek_trim_reverse_in_segments_too(tmp_path):
    src = make_clip(tmp_path / "src.mkv", duration=3.0)
    steps = [{"trim": {"start": 0.52, "duration": 1.6}}, {"boomerang": {"drop_last_frame": True}}]
    plain, segmented, plan = reverse_both(tmp_path, src, steps, 9)
    assert plan.feeds
    a, b = decode_frames(plain), decode_frames(segmented)
    assert len(a) == 2 * 40 - 2 and np.array_equal(a, b)


def test_the_printed_script_runs_in_bash_and_gives_the_same_result(tmp_path):
    import subprocess

    src = make_clip(tmp_path / "src.mkv", duration=1.2)
    plain = tmp_path / "plain.mkv"
    ffx.render(ffx.Recipe(input=str(src), steps=["reverse"], output={"path": str(plain), **LOSSLESS}))
    out = tmp_path / "script.mkv"
    plan = ffx.compile_recipe(ffx.Recipe(input=str(src), steps=["reverse"], output={"path": str(out), **LOSSLESS}),
                              max_memory=budget_for(src, 8))
    script = tmp_path / "reverse.sh"
    script.write_text(plan.shell(FFMPEG) + "\n")
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert_same(plain, out)


def test_progress_covers_the_whole_job(tmp_path):
    src = make_clip(tmp_path / "src.mkv", duration=2.0)
    reports = []
    ffx.render(ffx.Recipe(input=str(src), steps=["reverse"], output={"path": str(tmp_path / "o.mkv"), **LOSSLESS}),
               max_memory=budget_for(src, 10), progress=reports.append)
    assert reports[-1].finished and reports[-1].fraction == pytest.approx(1.0, abs=0.03)
    assert all(r.total == pytest.approx(2.0) for r in reports)


def test_a_failing_segment_is_one_clear_error_and_leaves_nothing(tmp_path):
    src = make_clip(tmp_path / "src.mkv", duration=1.2)
    wrapper = faulty_ffmpeg(tmp_path / "ffmpeg-feeders-fail", "*-copyts*-ss*", 'echo "segment broke" >&2; exit 3')
    out = tmp_path / "o.mkv"
    with pytest.raises(ffx.RenderError, match="segment of the reverse: segment broke"):
        ffx.render(ffx.Recipe(input=str(src), steps=["reverse"], output={"path": str(out), **LOSSLESS}),
                   max_memory=budget_for(src, 8), ffmpeg=str(wrapper))
    assert sorted(os.listdir(tmp_path)) == ["ffmpeg-feeders-fail", "src.mkv"]
    assert ffmpeg_children(tmp_path) == []
    ADVERSARIAL["clean aborts"] += 1


def test_the_estimate_is_calibrated_for_1080p(monkeypatch):
    """The real constants: 10 s of 1080p fits 1 GiB with x264 ultrafast (measured 911 MiB with ffx),
    not with medium (its encoder alone holds ~480 MB); 30 s never does."""
    monkeypatch.undo()
    from ffx.media.info import MediaInfo
    from ffx.media.memory import encoder_frames, frames_per_segment

    def info(seconds):
        return MediaInfo(width=1920, height=1080, fps=25, duration=seconds, frames=25 * seconds, has_audio=True,
                         sample_rate=48000, channel_layout="stereo")

    assert tree_memory(info(10), 250, encoder_frames("libx264", "ultrafast")) < 2**30
    assert tree_memory(info(10), 250, encoder_frames("libx264", "medium")) > 2**30
    assert tree_memory(info(30), 750, encoder_frames("libx264", "ultrafast")) > 2**30
    held = frames_per_segment(info(300), 2**30, encoder_frames("libx264", "ultrafast"))
    assert 100 < held < 250
    assert tree_memory(info(300), held, encoder_frames("libx264", "ultrafast"), segmented=True) < 2**30


def test_validate_reports_the_segmented_memory(tmp_path):
    src = make_clip(tmp_path / "src.mkv", duration=2.0)
    plain = ffx.compile_recipe(ffx.Recipe(input=str(src), steps=["reverse"], output=str(tmp_path / "o.mp4")))
    segmented = ffx.compile_recipe(ffx.Recipe(input=str(src), steps=["reverse"], output=str(tmp_path / "o.mp4")),
                                   max_memory=budget_for(src, 10))
    assert not plain.feeds and segmented.feeds
    assert segmented.memory_estimate < plain.memory_estimate


def test_variable_frame_rate_input(tmp_path):
    """Jittery timestamps: every frame still lands in exactly one segment, in the right order."""
    src = make_clip(tmp_path / "vfr.mkv", duration=2.0, rate="30000/1001", jitter=True)
    plain, segmented, plan = reverse_both(tmp_path, src, ["reverse"], 9)
    assert len(plan.feeds[0].feeders) >= 5
    assert_same(plain, segmented, audio=False)
    x, y = decode_audio(plain), decode_audio(segmented)
    assert len(x) == len(y) and np.array_equal(x, y)


def test_an_mpeg_ts_input_is_reversed_whole_not_by_seeking(tmp_path):
    """FFmpeg's -ss in MPEG-TS lands by a guess (media.MediaInfo.seeks_exactly), so its segments would hold
    the wrong frames: such an input is reversed in one piece, exactly, or refused with the way out."""
    src = tmp_path / "src.ts"
    subprocess.run([FFMPEG, "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=2",
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-f", "mpegts", "-y", str(src)], check=True)
    out = tmp_path / "reversed.mkv"
    recipe = ffx.Recipe(input=str(src), steps=["reverse"], output={"path": str(out), **LOSSLESS})
    with pytest.raises(ffx.RecipeError, match="cannot be reversed in segments") as refused:
        ffx.render(recipe, max_memory=budget_for(src, 9))
    assert "remux it to Matroska or MP4 first" in str(refused.value) and not out.exists()
    plan = ffx.render(recipe, max_memory=budget_for(src, 50))
    assert not plan.feeds
    assert np.array_equal(decode_frames(out), decode_frames(src)[::-1])


@pytest.mark.parametrize("make", ["interlaced", "anamorphic", "hlg"])
def test_an_input_put_right_at_the_input_is_reversed_in_segments_the_same_way(tmp_path, make):
    """Fields, non-square pixels and HDR are put right where the file enters (compile/normalise.py); the
    feeders that read the file themselves apply the same filters, so the pieces are the plain reverse's."""
    import zoo

    made = getattr(zoo, make)(tmp_path)
    src = tmp_path / f"{make}.mkv"  # an MPEG-PS seeks by a guess (it is reversed whole): Matroska seeks exactly
    subprocess.run([FFMPEG, "-v", "error", "-nostdin", "-fflags", "+genpts", "-i", str(made), "-c", "copy", "-y", str(src)],
                   check=True)
    plain, segmented, plan = reverse_both(tmp_path, src, ["reverse"], 9)
    assert plan.feeds and len(plan.feeds[0].feeders) >= 3
    a, b = decode_frames(plain), decode_frames(segmented)
    # each feeder decodes from a keyframe before its piece and reads on past it: bwdif sees the whole file's
    # neighbouring fields, the scaler and the tone map the same frames, the encoder the same colour tags
    assert a.shape == b.shape and np.array_equal(a, b)
