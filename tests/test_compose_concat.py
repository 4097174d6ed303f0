"""concat: clips joined in order, fitted to one format, sound and picture together at every joint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import decode_audio, decode_frames, run_ffmpeg


def flash_clip(path: Path, *, duration: float, rate: str = "25", size: str = "160x90", sample_rate: int | None = 48000,
               beep: bool = True, level: str = "0x202020") -> Path:
    """A dark clip whose first frame is white, with a 1 kHz beep in its first 50 ms (or silence, or no sound)."""
    args = ["-f", "lavfi", "-i",
            f"color=c={level}:s={size}:r={rate}:d={duration},drawbox=c=white:t=fill:enable='lt(n\\,1)'"]
    if sample_rate is not None:
        tone = "if(lt(t\\,0.05)\\,0.8*sin(2*PI*1000*t)\\,0)" if beep else "0"
        args += ["-f", "lavfi", "-i", f"aevalsrc='{tone}':s={sample_rate}:d={duration}", "-c:a", "pcm_s16le"]
    run_ffmpeg(*args, "-c:v", "ffv1", "-y", str(path))
    return path


def lossless(path: Path) -> dict:
    return {"path": str(path), "codec": "ffv1", "audio_codec": "pcm_s16le"}


def onsets(values: np.ndarray, threshold: float) -> list[int]:
    """Indices where ``values`` rises above ``threshold`` after being below it."""
    above = values > threshold
    return [int(i) for i in np.flatnonzero(above[1:] & ~above[:-1]) + 1] + ([0] if above[0] else [])


def test_cuts_keep_every_flash_on_its_beep_across_rates_sizes_and_sample_rates(tmp_path):
    a = flash_clip(tmp_path / "a.mkv", duration=1.0)
    b = flash_clip(tmp_path / "b.mkv", duration=1.2, rate="30", size="320x240", sample_rate=44100)
    c = flash_clip(tmp_path / "c.mkv", duration=0.8, rate="24000/1001", size="120x90", sample_rate=None)
    d = flash_clip(tmp_path / "d.mkv", duration=1.0, rate="50", sample_rate=22050)
    recipe = ffx.Recipe(inputs={"a": str(a), "b": str(b), "c": str(c), "d": str(d)},
                        steps=[{"concat": ["b", "c", "d"]}], output=lossless(tmp_path / "out.mkv"))
    plan = ffx.render(recipe)
    frames = decode_frames(tmp_path / "out.mkv", "gray")[..., 0]
    sound = decode_audio(tmp_path / "out.mkv")
    # 25 + 30 (36 frames at 30 fps -> 25) + 21 (20 frames at 23.976 -> 25 fps) + 25 (50 frames at 50 -> 25)
    assert plan.result.frames == len(frames) == 25 + 30 + 21 + 25
    assert frames.shape[1:] == (90, 160)
    brightness = frames[:, 40:50, 75:85].mean(axis=(1, 2))
    flashes = sorted(onsets(brightness, 128))
    assert flashes == [0, 25, 55, 76]
    beeps = sorted(onsets(np.abs(sound), 0.2))
    # the clip without sound is silence; every beep within 10 ms of its flash
    beep_times = [t / 48000 for t in beeps]
    merged = [t for i, t in enumerate(beep_times) if i == 0 or t - beep_times[i - 1] > 0.1]
    assert len(merged) == 3
    for flash, beep in zip([0, 25, 76], merged):
        assert abs(flash / 25 - beep) < 0.010, (flash, beep)
    assert np.abs(sound[int(55 / 25 * 48000) + 100:int(76 / 25 * 48000) - 100]).max() < 0.01
    assert abs(len(sound) / 48000 - len(frames) / 25) < 1 / 25


@pytest.mark.parametrize("name", ["fade", "wipeleft", "dissolve"])
def test_a_transition_overlaps_picture_and_sound_over_the_same_instants(tmp_path, name):
    red = tmp_path / "red.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=red:s=64x36:r=25:d=2", "-f", "lavfi", "-i",
               "sine=frequency=500:sample_rate=48000:duration=2", "-c:v", "ffv1", "-c:a", "pcm_s16le", str(red))
    blue = tmp_path / "blue.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=blue:s=64x36:r=25:d=2", "-f", "lavfi", "-i",
               "sine=frequency=2000:sample_rate=48000:duration=2", "-c:v", "ffv1", "-c:a", "pcm_s16le", str(blue))
    recipe = ffx.Recipe(inputs={"red": str(red), "blue": str(blue)},
                        steps=[{"concat": {"with": ["blue"], "transition": {"name": name, "duration": 0.4}}}],
                        output=lossless(tmp_path / "out.mkv"))
    plan = ffx.render(recipe)
    frames = decode_frames(tmp_path / "out.mkv").astype(float)
    assert plan.result.frames == len(frames) == 50 + 50 - 10
    blueness = (frames[..., 2] > 128).mean(axis=(1, 2)) if name != "fade" else frames[..., 2].mean(axis=(1, 2)) / 255
    # picture: all red before frame 40, all blue from frame 50
    assert blueness[:40].max() < 0.05 and blueness[50:].min() > 0.95
    assert 0 < blueness[45] < 1
    sound = decode_audio(tmp_path / "out.mkv")
    window = 480

    def tone_level(freq: float, at: int) -> float:
        chunk = sound[at:at + window] * np.hanning(window)
        spectrum = np.abs(np.fft.rfft(chunk))
        return float(spectrum[round(freq * window / 48000)])

    # sound (full level 15 in this window): the 2 kHz tone is absent before 1.6 s and the 500 Hz tone gone
    # after 2.0 s; each is heard (faded, linearly) within 10 ms of that instant on the other side
    assert tone_level(2000, int(1.59 * 48000) - window) < 0.05
    assert tone_level(2000, int(1.60 * 48000) + window) > 0.2
    assert tone_level(500, int(2.0 * 48000)) < 0.05
    assert tone_level(500, int(2.0 * 48000) - 2 * window) > 0.2


def test_the_plan_knows_the_length_before_rendering():
    recipe = ffx.Recipe(inputs={"a": {"source": "testsrc2", "duration": 2, "rate": 30},
                                "b": {"source": "testsrc2", "duration": 3, "rate": 30, "size": "320x240"},
                                "c": {"source": "color", "duration": 1, "rate": 30}},
                        steps=[{"concat": {"with": ["b", "c"], "transition": ["cut", {"name": "fade", "duration": 0.5}]}}],
                        output="o.mp4")
    plan = ffx.compile_recipe(recipe)
    assert plan.result.frames == 60 + 90 + 30 - 15
    assert plan.result.size == "640x360"
    assert "xfade=transition=fade:duration=0.5:offset=4.5" in plan.shell()


@pytest.mark.parametrize("steps, message", [
    ([{"concat": {"with": ["b"], "transition": {"name": "fade", "duration": 3}}}], "fewer than its transitions"),
    ([{"concat": {"with": ["b"], "transition": ["fade", "fade"]}}], "2 transitions for 1 joints"),
    ([{"concat": ["nope"]}], "no stream named 'nope'"),
    ([{"concat": {"with": ["b"], "transition": "swirl"}}], "not one of the"),
])
def test_joining_mistakes_name_the_step(steps, message):
    inputs = {"a": {"source": "testsrc2", "duration": 2}, "b": {"source": "testsrc2", "duration": 2}}
    with pytest.raises(ffx.RecipeError, match=message) as caught:
        ffx.compile_recipe(ffx.Recipe(inputs=inputs, steps=steps, output="o.mp4"))
    assert "steps[0]" in str(caught.value) or "steps.0" in str(caught.value)
