"""retime and accel_decel: which source frame each output frame shows, and when."""

import subprocess

import numpy as np
import pytest

import ffx
from conftest import FFMPEG, decode_audio, decode_frames, make_clip
from ffx.effects.accel_decel import source_frames
from ffx.media.probe import probe


def render_plan(tmp_path, steps, src, output="out.mkv"):
    path = tmp_path / output
    recipe = ffx.Recipe(input=str(src), steps=steps,
                        output={"path": str(path), "codec": "ffv1", "audio_codec": "pcm_s16le"})
    plan = ffx.render(recipe)
    got = probe(str(path), FFMPEG)
    assert (got.width, got.height, got.frames) == (plan.result.width, plan.result.height, plan.result.frames)
    assert got.fps == plan.result.fps
    assert abs(got.duration - plan.result.duration) < 1.5 / float(plan.result.fps)
    return plan, path


def frame_times(path):
    report = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:v:0", "-vf", "showinfo",
                             "-fps_mode", "passthrough", "-f", "null", "-"], capture_output=True, text=True).stderr
    return [float(line.split("pts_time:")[1].split()[0]) for line in report.splitlines() if "pts_time:" in line]


def which_source_frame(frames, source):
    """The index of the source frame each frame equals exactly (every test frame is unique)."""
    flat = source.reshape(len(source), -1)
    found = []
    for frame in frames:
        matches = np.flatnonzero((flat == frame.reshape(-1)).all(axis=1))
        assert len(matches) == 1
        found.append(int(matches[0]))
    return found


def test_retime_keeps_every_frame_and_changes_the_clock(tmp_path):
    clip = make_clip(tmp_path / "clip.mkv", duration=2.0, rate="24")  # 48 frames with a rising tone
    plan, out = render_plan(tmp_path, [{"retime": 30}], clip)
    assert plan.result.frames == 48 and plan.result.duration == pytest.approx(1.6)
    assert np.array_equal(decode_frames(out), decode_frames(clip))
    assert frame_times(out) == pytest.approx([n / 30 for n in range(48)], abs=1e-3)
    assert len(decode_audio(out)) / 48000 == pytest.approx(1.6, abs=0.03)  # stretched to end with the picture


def test_retime_of_a_variable_rate_clip_is_exactly_constant(tmp_path):
    clip = make_clip(tmp_path / "vfr.mkv", duration=1.0, jitter=True, audio=None)
    plan, out = render_plan(tmp_path, [{"retime": {"fps": 10, "audio": False}}], clip)
    assert frame_times(out) == pytest.approx([n / 10 for n in range(25)], abs=1e-3)
    assert np.array_equal(decode_frames(out), decode_frames(clip))


def test_retime_can_drop_the_audio(tmp_path, clip):
    plan = ffx.compile_recipe(ffx.Recipe(input=str(clip), steps=[{"retime": {"fps": 50, "audio": False}}],
                                         output="o.mp4"))
    assert not plan.result.has_audio and "atempo" not in plan.shell()


@pytest.mark.parametrize("options", [{"new_duration": 2.0}, {"new_duration": 1.2, "abruptness": 2, "soonness": 1.5},
                                     {"abruptness": -0.5}, {"new_duration": 3.0, "abruptness": 0}])
def test_accel_decel_shows_the_frames_moviepy_shows(tmp_path, silent_clip, options):
    source = decode_frames(silent_clip)  # 50 frames at 25 fps, every one different
    plan, out = render_plan(tmp_path, [{"accel_decel": options}], silent_clip)
    rate = 25.0
    expected = source_frames(len(source), rate, options.get("new_duration", 2.0), options.get("abruptness", 1.0),
                             options.get("soonness", 1.0))
    frames = decode_frames(out)
    assert len(frames) == len(expected) == plan.result.frames
    assert which_source_frame(frames, source) == expected
    assert frame_times(out) == pytest.approx([k / rate for k in range(len(expected))], abs=1e-3)


def test_accel_decel_slows_the_ends_and_drops_audio(tmp_path, clip):
    plan, out = render_plan(tmp_path, [{"accel_decel": 2.0}], clip)
    shown = which_source_frame(decode_frames(out), decode_frames(clip))
    steps = np.diff(shown)
    assert steps[:5].mean() < 0.5 and steps[20:30].mean() > 1.5  # slow start, twice the speed in the middle
    assert not plan.result.has_audio


def test_accel_decel_refuses_an_impossible_shape():
    with pytest.raises(Exception, match="greater than -1"):
        ffx.effects.AccelDecel(abruptness=-1)
