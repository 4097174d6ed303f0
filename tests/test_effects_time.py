"""trim, speed, fps, reverse, boomerang: real renders checked frame by frame and by sound."""

import math

import numpy as np
import pytest

import ffx
from conftest import FFMPEG, decode_audio, decode_frames, dominant_frequency, make_clip, render
from ffx.media.probe import probe
from ffx.media.packets import read_packets


def test_trim_keeps_the_frames_in_the_span(tmp_path, clip):
    source = decode_frames(clip)
    out = render(tmp_path, [{"trim": {"start": 0.4, "end": 1.2}}], clip)
    frames = decode_frames(out)
    assert len(frames) == 20  # frames at 0.40 .. 1.16 s at 25 fps
    assert np.array_equal(frames, source[10:30])


def test_trim_not_first_uses_the_trim_filter_and_matches(tmp_path, clip):
    source = decode_frames(clip)
    out = render(tmp_path, [{"resize": 1.0}, {"trim": {"start": "0:00.4", "duration": 0.8}}], clip)
    assert np.array_equal(decode_frames(out), source[10:30])


def test_trim_negative_times_count_from_the_end(tmp_path, clip):
    out = render(tmp_path, [{"trim": {"start": -0.5}}], clip)
    assert np.array_equal(decode_frames(out), decode_frames(clip)[-12:])


def test_trim_first_step_seeks_the_input(clip):
    plan = ffx.compile_recipe(ffx.Recipe(input=str(clip), steps=[{"trim": {"start": 1, "end": 1.5}}], output="o.mp4"))
    args = plan.stages[0].args
    # half a frame before the first kept frame (1.00 s; the last is 1.48 s), so no rounding of -ss can move
    # a frame across; -t only bounds the reading, trim at the seeked timeline's times cuts exactly
    assert args[: args.index("-i")] == ("-ss", "0.98", "-t", "1.54")
    assert "trim=end=0.52" in plan.shell() and "atrim=start=0.02:end=0.52" in plan.shell()
    # the clip ends at 1.5 s, where the trim does, not at 1.52 s when the next frame would come
    assert "setpts=expr=min(PTS-STARTPTS\\,round(0.5/TB))" in plan.shell()
    assert plan.result.duration == 0.5 and plan.result.frames == 13


def test_trim_past_the_end_names_the_length(clip):
    with pytest.raises(ffx.RecipeError, match=r"past the end of the input \(2 s\)"):
        ffx.compile_recipe(ffx.Recipe(input=str(clip), steps=[{"trim": {"end": 4}}], output="o.mp4"))


def test_trim_audio_stays_in_sync(tmp_path, clip):
    out = render(tmp_path, [{"trim": {"start": 0.5, "end": 1.5}}], clip)
    audio = decode_audio(out)
    assert abs(len(audio) - 48000) <= 1024
    # the chirp's frequency at 1.0 s is 200 + 400 * 1.0 = 600 Hz: the middle of the kept second
    middle = audio[24000 - 2048:24000 + 2048]
    assert abs(dominant_frequency(middle) - 600) < 30


def test_reverse_first_frame_is_last_and_tone_falls(tmp_path, clip):
    source = decode_frames(clip)
    out = render(tmp_path, ["reverse"], clip)
    frames = decode_frames(out)
    assert len(frames) == len(source)
    assert np.array_equal(frames, source[::-1])
    audio = decode_audio(out)
    early, late = dominant_frequency(audio[4800:14400]), dominant_frequency(audio[-14400:-4800])
    assert early > late + 300  # the rising chirp comes out falling


def test_reverse_reports_its_memory(clip):
    plan = ffx.compile_recipe(ffx.Recipe(input=str(clip), steps=["reverse"], output="o.mp4"))
    assert plan.memory_estimate >= 50 * 160 * 90 * 1.5


def test_boomerang_has_2n_minus_1_frames_and_one_turn_frame(tmp_path, silent_clip):
    source = decode_frames(silent_clip)
    n = len(source)
    frames = decode_frames(render(tmp_path, ["boomerang"], silent_clip))
    assert len(frames) == 2 * n - 1
    assert np.array_equal(frames, np.concatenate([source, source[-2::-1]]))


def test_boomerang_loop_ready_drops_the_repeat_of_the_first_frame(tmp_path, clip):
    source = decode_frames(clip)
    out = render(tmp_path, [{"boomerang": {"drop_last_frame": True}}], clip)
    frames = decode_frames(out)
    assert len(frames) == 2 * len(source) - 2
    assert np.array_equal(frames, np.concatenate([source, source[-2:0:-1]]))
    assert abs(len(decode_audio(out)) / 48000 - len(frames) / 25) < 0.05


def test_speed_halves_and_doubles_duration_with_audio(tmp_path, clip):
    slow = render(tmp_path, [{"speed": 0.5}], clip, output="slow.mkv")
    fast = render(tmp_path, [{"speed": {"factor": 2}}], clip, output="fast.mkv")
    assert abs(len(decode_audio(slow)) / 48000 - 4.0) < 0.05
    assert abs(len(decode_audio(fast)) / 48000 - 1.0) < 0.05
    # the frame rate stays 25 fps: frames repeat when slowed, are skipped when sped up
    source = decode_frames(clip)
    slow_frames, fast_frames = decode_frames(slow), decode_frames(fast)
    assert abs(len(slow_frames) - 100) <= 1 and abs(len(fast_frames) - 25) <= 1
    assert np.array_equal(slow_frames[10], source[5]) and np.array_equal(fast_frames[10], source[20])


@pytest.mark.parametrize("factor", [2, 3, 4, 2.5, 1.3, 0.7, 0.5])
@pytest.mark.parametrize("container", ["mkv", "mp4", "jittery mkv"])
def test_the_plan_knows_how_many_frames_a_speed_change_leaves(tmp_path, factor, container):
    """The plan's count (validate, the progress total, boomerang's 2n-1) is what FFmpeg makes, whatever the
    container's time base: 50 frames at 2x are 25, at 3x 17, at 2.5x 20, at 0.7x 71; the stream's end
    (its last frame's time plus duration) divided by the factor, in slots of the rate."""
    src = make_clip(tmp_path / f"src.{container[-3:]}", audio=None, codec="libx264" if container == "mp4" else "ffv1",
                    jitter=container.startswith("jittery"))
    out = tmp_path / "out.mkv"
    plan = ffx.render(ffx.Recipe(input=str(src), steps=[{"speed": factor}],
                                 output={"path": str(out), "codec": "ffv1"}))
    length = 2.0
    if container.startswith("jittery"):  # its last frame is 0.3 frame late: the stream ends after 2 s
        unit, packets = read_packets(str(src), FFMPEG, what="end")
        length = float((packets[-1][0] + packets[-1][1]) * unit)
        assert length > 2.0
    assert len(decode_frames(out)) == plan.result.frames == math.floor(length * 25 / factor + 0.5)


def test_speed_can_drop_the_audio(tmp_path, clip):
    out = render(tmp_path, [{"speed": {"factor": 0.25, "audio": False}}], clip)
    assert not probe(str(out), FFMPEG).has_audio


def test_fps_resamples(tmp_path, silent_clip):
    frames = decode_frames(render(tmp_path, [{"fps": 10}], silent_clip))
    assert len(frames) == 20


@pytest.mark.parametrize("keyint", [1, 250])
def test_trim_is_frame_accurate_on_sparse_keyframes(tmp_path, keyint):
    src = make_clip(tmp_path / "k.mkv", duration=3, audio=None, keyint=keyint)
    source = decode_frames(src)
    frames = decode_frames(render(tmp_path, [{"trim": {"start": 1.24, "end": 2}}], src))
    assert np.array_equal(frames, source[31:50])


@pytest.mark.parametrize("factor", [1.5, 2.5])
def test_speed_at_a_half_frame_tie_shows_the_earlier_frame(tmp_path, silent_clip, factor):
    """Slot k's instant is frame k * factor; at x.5 it is as near to two frames and the earlier shows, as in
    MoviePy's with_speed_scaled (frame int(k * factor)): 1.5x on 50 frames is frames 0, 1, 3, 4, 6, ..."""
    source = decode_frames(silent_clip)
    frames = decode_frames(render(tmp_path, [{"speed": factor}], silent_clip))
    index = {frame.tobytes(): i for i, frame in enumerate(source)}
    assert [index[f.tobytes()] for f in frames] == [int(k * factor) for k in range(len(frames))]
    assert len(frames) == math.floor(50 / factor + 0.5)
