"""render --chunks: pieces rendered at once and joined by stream copy give the plain render's frames,
timestamps and samples; what cannot be split is refused with the reason; an interrupt leaves nothing."""

import pickle
import signal
import subprocess
import sys
import time
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import FFMPEG, decode_audio, decode_frames, ffmpeg_children, make_clip, run_ffmpeg
from ffx.scale.chunks import ChunkJob, choose_seams, overlap_frames, plan_spans
from ffx.scale.chunks.jobs import read_frames
from ffx.effects import BlackWhite, Blend, Crop, Delay, Fade, Motion, Reverse, Split, Text, Tmix

LOSSLESS = {"codec": "ffv1", "audio_codec": "pcm_s16le"}


def packet_times(path: Path, stream: str = "v") -> list[tuple[int, int]]:
    """(pts, duration) of every packet of the first video (or audio) stream, in presentation order."""
    out = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-map", f"0:{stream}:0", "-c", "copy",
                          "-f", "framecrc", "-"], capture_output=True, text=True, check=True).stdout
    rows = [line.split(",") for line in out.splitlines() if not line.startswith("#")]
    return sorted((int(row[2]), int(row[3])) for row in rows)


def plain_and_chunked(tmp_path: Path, src: Path, steps: list, chunks: int = 3,
                      output: dict | None = None) -> tuple[Path, Path]:
    output = output or {"path": str(tmp_path / "plain.mkv"), **LOSSLESS}
    recipe = ffx.Recipe(input=str(src), steps=steps, output=output)
    plain = Path(ffx.render(recipe).stages[-1].output_path)
    chunked = tmp_path / ("chunked" + plain.suffix)
    ffx.render(recipe, output=str(chunked), chunks=chunks)
    return plain, chunked


def assert_same_render(plain: Path, chunked: Path, audio: bool = True) -> None:
    a, b = decode_frames(plain), decode_frames(chunked)
    assert a.shape == b.shape
    differing = [i for i in range(len(a)) if not np.array_equal(a[i], b[i])]
    assert differing == []
    assert packet_times(plain) == packet_times(chunked)
    if audio:
        x, y = decode_audio(plain), decode_audio(chunked)
        assert len(x) == len(y) and np.array_equal(x, y)


@pytest.fixture
def gop12(tmp_path: Path) -> Path:
    """3 s at 25 fps with a keyframe every 12 frames, and a rising tone."""
    return make_clip(tmp_path / "gop12.mkv", duration=3, keyint=12)


# --- planning, no FFmpeg ---------------------------------------------------------------------------


def test_seams_fall_on_keyframes_near_equal_shares():
    keyframes = list(range(0, 300, 12))
    assert choose_seams(keyframes, 300, 4) == [0, 72, 144, 228]  # 150 is as near 144 as 156: the earlier
    assert choose_seams(keyframes, 300, 1) == [0]
    assert choose_seams([0], 300, 4) == [0]  # one keyframe: nothing to split at


def test_pieces_cover_every_frame_once_and_overlap_only_backwards():
    spans = plan_spans(list(range(0, 100, 10)), 100, 4, overlap=3)
    assert [(s.first, s.end) for s in spans] == [(0, 20), (20, 50), (50, 70), (70, 100)]
    assert [s.decode_from for s in spans] == [0, 17, 47, 67]
    assert sum(s.frames for s in spans) == 100


def test_the_overlap_never_reaches_before_the_first_frame():
    spans = plan_spans([0, 2, 40], 60, 3, overlap=5)
    assert [(s.first, s.decode_from, s.lead) for s in spans] == [(0, 0, 0), (2, 0, 2), (40, 35, 5)]


def test_overlap_adds_the_steps_frames_of_state():
    recipe = ffx.Recipe(input="in.mp4", steps=[Crop(x2=0.5), Motion(delay=2), Tmix(frames=4), Delay(frames=1)],
                        output="out.mp4")
    assert overlap_frames(recipe) == 2 + 3 + 1


def test_effects_are_unsplittable_unless_declared():
    assert ffx.effects.Speed(0.5).frames_of_state() == "changes the time of every frame"
    assert isinstance(ffx.effects.Loudness().frames_of_state(), str)
    assert Text(text="hi").frames_of_state() == 0
    assert isinstance(Text(text="hi", start=1).frames_of_state(), str)


@pytest.mark.parametrize("steps, output, field, reason", [
    ([Crop(x2=0.5), Reverse()], "out.mp4", "steps[1].reverse", "reverse reads the whole clip; reverse already "
                                                               "renders in segments"),
    ([Fade(0.5)], "out.mp4", "steps[0].fade", "fade counts its frames from the ends of the clip"),
    ([Text(text="hi", end=1)], "out.mp4", "steps[0].text", "text is shown between given times"),
    ([], "out.gif", "output", "a GIF's palette is made from the whole clip"),
    ([], {"path": "out.mp4", "fps": 10}, "output.fps", "an output frame rate picks frames by their time"),
])
def test_refusals_name_the_step_and_the_reason(steps, output, field, reason):
    recipe = ffx.Recipe(input="in.mp4", steps=steps, output=output)
    with pytest.raises(ffx.RecipeError) as caught:
        overlap_frames(recipe)
    assert str(caught.value).startswith(f"{field}: --chunks: {reason}")
    assert len(str(caught.value).splitlines()) == 1


def test_a_step_that_reads_the_input_by_name_is_refused():
    recipe = ffx.Recipe.model_validate({"inputs": {"main": "in.mp4"}, "output": "out.mp4",
                                        "steps": [{"motion": 2}, {"blend": {"with": "main", "all_mode": "average"}}]})
    with pytest.raises(ffx.RecipeError, match=r"steps\[1\].blend: --chunks: blend reads the input 'main' by name"):
        overlap_frames(recipe)


def test_a_generated_input_is_refused_before_anything_runs(tmp_path):
    recipe = ffx.Recipe(input={"source": "testsrc2", "duration": 1}, output=str(tmp_path / "out.mp4"))
    with pytest.raises(ffx.RecipeError, match="a generated source has none"):
        ffx.render(recipe, chunks=2)
    assert list(tmp_path.iterdir()) == []


# --- real renders ------------------------------------------------------------------------------------


def test_keyframes_and_frame_times_come_from_the_packets(gop12):
    frames = read_frames(str(gop12), FFMPEG)
    assert len(frames.times) == 75 and frames.keyframes == tuple(range(0, 75, 12))
    assert frames.times[:3] == (0, Fraction(1, 25), Fraction(2, 25)) and frames.end == 3 and not frames.uneven()


def test_chunked_equals_plain_frames_timestamps_and_samples(tmp_path, gop12):
    plain, chunked = plain_and_chunked(tmp_path, gop12, [Crop(x1=10, x2=150), BlackWhite(), Text(text="seam")])
    assert_same_render(plain, chunked)


def test_a_named_copy_blended_with_the_motion_splits_exactly(tmp_path, gop12):
    """The classic motion-over look: split, motion, blend with the named copy."""
    steps = [Split(names=["original"]), Motion(delay=2), Blend(**{"with": "original", "all_mode": "average"})]
    plain, chunked = plain_and_chunked(tmp_path, gop12, steps)
    assert_same_render(plain, chunked)


def test_motion_delay_renders_its_overlap_before_each_seam(tmp_path, gop12):
    plain, chunked = plain_and_chunked(tmp_path, gop12, [Motion(delay=3, view="over")])
    assert_same_render(plain, chunked)


@pytest.mark.parametrize("steps", [[Crop(x2=0.5)], [Motion(delay=2)]], ids=["times kept", "re-timed by number"])
def test_a_gap_in_the_input_lands_where_the_plain_render_puts_it(tmp_path, steps):
    """Frames from 55 on come 0.6 s late (two files joined): a crop keeps the gap, motion puts frame n at
    n / fps and closes it; the piece that starts at frame 55 starts on the clock its steps give."""
    src = tmp_path / "gap.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=3", "-f", "lavfi", "-i",
               "sine=frequency=440:sample_rate=48000:duration=3", "-vf", "setpts=N/(25*TB)+gte(N\\,55)*0.6/TB",
               "-fps_mode", "passthrough", "-c:v", "ffv1", "-g", "11", "-c:a", "pcm_s16le", str(src))
    assert read_frames(str(src), FFMPEG).uneven()
    plain, chunked = plain_and_chunked(tmp_path, src, steps)
    assert_same_render(plain, chunked)


def late_start(tmp_path: Path, container: str, late: str, offset: float) -> Path:
    """3 s at 25 fps, a keyframe every 12 frames, as a camera or a browser writes it: VP9 + Opus in WebM or
    H.264 + AAC in MP4, with its video (or its sound) starting ``offset`` seconds after the other stream."""
    clip = make_clip(tmp_path / "c.mkv", duration=3, keyint=12, audio="sine")
    encoded = tmp_path / f"encoded.{container}"
    codecs = (["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus"]
              if container == "webm" else ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"])
    run_ffmpeg("-i", str(clip), *codecs, "-g", "12", str(encoded))
    src = tmp_path / f"{late}-late.{container}"
    # moved when copied, not when encoded: the encoder's 1/25 s clock would round 3 ms away
    first, second = ("0:v", "1:a") if late == "video" else ("1:v", "0:a")
    run_ffmpeg("-itsoffset", str(offset), "-i", str(encoded), "-i", str(encoded), "-map", first, "-map", second,
               "-c", "copy", str(src))
    return src


@pytest.mark.parametrize("container, late, offset", [("webm", "video", 0.003), ("webm", "video", 0.04),
                                                     ("mp4", "video", 0.003), ("mp4", "video", 0.04),
                                                     ("mp4", "sound", 0.04)])
def test_a_stream_that_starts_late_keeps_its_start(tmp_path, container, late, offset):
    """Most WebM files (and many MP4 files) start their video a few milliseconds after their sound. The plain
    render keeps that start; so must the join (every frame's time, every sound packet's time)."""
    src = late_start(tmp_path, container, late, offset)
    plain, chunked = plain_and_chunked(tmp_path, src, [Crop(x2=0.5)], chunks=2)
    if offset == 0.04:  # 3 ms are rounded away by the video encoder's 1/25 s clock, 40 ms are one frame
        stream = "v" if late == "video" else "a"
        assert packet_times(plain, stream)[0][0] > 0
    assert len(decode_frames(plain)) == 75
    assert_same_render(plain, chunked)
    assert packet_times(plain, "a") == packet_times(chunked, "a")


def test_a_late_video_keeps_its_start_in_an_mp4(tmp_path):
    """The same through MP4's edit lists: the pieces, the sound and the joined file are MP4."""
    src = late_start(tmp_path, "mp4", "video", 0.04)
    plain, chunked = plain_and_chunked(tmp_path, src, [Crop(x2=0.5)], chunks=2,
                                       output={"path": str(tmp_path / "plain.mp4"), "preset": "ultrafast"})
    assert packet_times(plain)[0][0] > 0
    assert packet_times(plain) == packet_times(chunked)
    assert packet_times(plain, "a") == packet_times(chunked, "a")
    assert np.array_equal(decode_audio(plain), decode_audio(chunked))


def test_an_mpeg_ts_input_is_refused(tmp_path, gop12):
    """Its pieces would start where FFmpeg's guessing seek lands, not at their keyframes."""
    ts = tmp_path / "clip.ts"
    run_ffmpeg("-i", str(gop12), "-c:v", "libx264", "-preset", "ultrafast", "-g", "12", "-an", "-f", "mpegts", str(ts))
    recipe = ffx.Recipe(input=str(ts), steps=[Crop(x2=0.5)], output={"path": str(tmp_path / "out.mkv"), **LOSSLESS})
    with pytest.raises(ffx.RecipeError, match="seeks in .* by a guess") as refused:
        ffx.render(recipe, chunks=2)
    assert "remux it" in str(refused.value) and not (tmp_path / "out.mkv").exists()
    ffx.render(recipe)  # whole, it renders


def test_without_the_overlap_the_seams_would_show(tmp_path, gop12, monkeypatch):
    """The test above has teeth: a motion that claims no state splits wrongly right after each seam."""
    monkeypatch.setattr(Motion, "frames_of_state", lambda self: 0)
    plain, chunked = plain_and_chunked(tmp_path, gop12, [Motion(delay=3)])
    a, b = decode_frames(plain), decode_frames(chunked)
    differing = [i for i in range(len(a)) if not np.array_equal(a[i], b[i])]
    assert differing == [24, 25, 26, 48, 49, 50]  # the seams at keyframes 24 and 48, and delay frames after


def test_pieces_cut_from_an_mp4_join_into_the_same_packets(tmp_path):
    """The common case: H.264 with B-frames and AAC in MP4, lossy, so the pieces' encoders see the same
    frames at the same times; the seams are keyframes of the result too. Timestamps and sound match; at
    29.97 fps the seams fall between milliseconds, where MP4's default movie clock would move them."""
    src = tmp_path / "src.mp4"
    clip = make_clip(tmp_path / "c.mkv", duration=3, rate="30000/1001")
    subprocess.run([FFMPEG, "-v", "error", "-i", str(clip), "-c:v", "libx264",
                    "-g", "25", "-preset", "ultrafast", "-c:a", "aac", str(src)], check=True)
    plain, chunked = plain_and_chunked(tmp_path, src, [Motion(delay=2)], chunks=3,
                                       output={"path": str(tmp_path / "plain.mp4"), "preset": "ultrafast"})
    assert packet_times(plain) == packet_times(chunked)
    assert packet_times(plain, "a") == packet_times(chunked, "a")
    assert np.array_equal(decode_audio(plain), decode_audio(chunked))
    keyframes = read_frames(str(chunked), FFMPEG).keyframes
    assert {25, 50} <= set(keyframes)  # each piece starts with a keyframe of its own


def test_fewer_keyframes_than_chunks_gives_fewer_pieces_with_a_note(tmp_path):
    src = make_clip(tmp_path / "gop50.mkv", duration=3, keyint=50, audio=None)  # keyframes at frames 0 and 50
    recipe = ffx.Recipe(input=str(src), steps=[Crop(x2=0.5)], output={"path": str(tmp_path / "out.mkv"), **LOSSLESS})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ffx.render(recipe, chunks=5)
    assert [str(w.message) for w in caught if issubclass(w.category, ffx.FfxWarning)] == [
        f"--chunks 5: {str(src)!r} has 2 keyframes, so it splits into 2 pieces"]
    assert len(decode_frames(tmp_path / "out.mkv")) == 75


def test_jobs_are_plain_data_that_survive_pickling(tmp_path, gop12):
    from ffx.ffmpeg.binary import ffmpeg_binary
    from ffx.scale.chunks import plan_chunked_render, run_chunk

    recipe = ffx.Recipe(input=str(gop12), steps=[Crop(x2=0.5)], output={"path": str(tmp_path / "out.mkv"), **LOSSLESS})
    plan = ffx.compile_recipe(recipe)
    chunked = plan_chunked_render(recipe, plan, 2, binary=ffmpeg_binary(), folder=str(tmp_path))
    job = pickle.loads(pickle.dumps(chunked.chunks[1]))
    assert isinstance(job, ChunkJob) and job == chunked.chunks[1]
    assert run_chunk(job) == str(tmp_path / "out.chunk1.mkv")
    assert len(decode_frames(job.output)) == chunked.spans[1].frames


def test_a_failing_piece_fails_the_render_and_leaves_nothing(tmp_path, gop12, monkeypatch):
    import ffx.scale.chunks.local as local

    real = local.run_chunk

    def flaky(job, **options):
        if job.index == 1:
            raise ffx.RenderError("FFmpeg failed: No space left on device")
        return real(job, **options)

    monkeypatch.setattr(local, "run_chunk", flaky)
    recipe = ffx.Recipe(input=str(gop12), steps=[Crop(x2=0.5)], output={"path": str(tmp_path / "out.mkv"), **LOSSLESS})
    with pytest.raises(ffx.RenderError, match="No space left"):
        ffx.render(recipe, chunks=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gop12.mkv"]


def test_cli_refuses_in_one_line(tmp_path, gop12):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("steps:\n  - reverse\noutput: out.mp4\n")
    done = subprocess.run([sys.executable, "-m", "ffx", "render", str(recipe), "-i", str(gop12), "--chunks", "2"],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"error: {recipe}:2:5 steps[0].reverse: --chunks: reverse reads the whole clip; "
        "reverse already renders in segments (leave out --chunks to render it whole)"]


def test_ctrl_c_stops_every_piece_and_leaves_nothing(tmp_path):
    src = make_clip(tmp_path / "long.mkv", duration=8, size="640x360", keyint=25, audio=None)
    recipe = tmp_path / "slow.yaml"
    recipe.write_text("steps:\n  - gblur: {sigma: 20, steps: 6}\noutput: {path: out.mp4, preset: veryslow}\n")
    proc = subprocess.Popen([sys.executable, "-m", "ffx", "render", str(recipe), "-i", str(src), "-q",
                             "--chunks", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None and len(ffmpeg_children(tmp_path)) < 2:
        time.sleep(0.05)
    assert proc.poll() is None and len(ffmpeg_children(tmp_path)) >= 2  # both pieces run at once
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130 and stderr.splitlines() == ["interrupted: nothing was written"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.mkv", "slow.yaml"]
    deadline = time.time() + 5
    while time.time() < deadline and ffmpeg_children(tmp_path):
        time.sleep(0.1)
    assert ffmpeg_children(tmp_path) == []
