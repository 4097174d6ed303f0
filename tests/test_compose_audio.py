"""Sound tracks, fades, loudness, loops and holds: samples and frames of real renders."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import FFMPEG, decode_audio, decode_frames, dominant_frequency, make_clip, run_ffmpeg


def lossless(path: Path) -> dict:
    return {"path": str(path), "codec": "ffv1", "audio_codec": "pcm_s16le"}


def tone(path: Path, frequency: float, duration: float, volume: float = 0.5, rate: int = 48000) -> Path:
    """A sine of amplitude ``volume``."""
    run_ffmpeg("-f", "lavfi", "-i", f"aevalsrc={volume}*sin(2*PI*{frequency}*t):s={rate}:d={duration}",
               "-c:a", "pcm_s16le", str(path))
    return path


def level(samples: np.ndarray, frequency: float, at: float, window: int = 2400, rate: int = 48000) -> float:
    """Amplitude of one tone around ``at`` seconds."""
    start = int(at * rate)
    chunk = samples[start:start + window]
    spectrum = np.abs(np.fft.rfft(chunk * np.hanning(len(chunk))))
    return float(spectrum[round(frequency * len(chunk) / rate)] * 4 / len(chunk))


def loudness(path: Path) -> float:
    report = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:a", "-af", "ebur128",
                             "-f", "null", "-"], capture_output=True, text=True).stderr
    return float(re.findall(r"I:\s+(-?[0-9.]+) LUFS", report)[-1])


def test_the_original_sound_under_a_reversed_picture(tmp_path):
    clip = make_clip(tmp_path / "clip.mkv", duration=2.0)  # a rising chirp
    recipe = ffx.Recipe(inputs={"clip": str(clip)},
                        steps=["reverse", {"audio": "clip"}], output=lossless(tmp_path / "out.mkv"))
    ffx.render(recipe)
    frames = decode_frames(tmp_path / "out.mkv")
    assert np.array_equal(frames[0], decode_frames(clip)[-1])  # the picture runs backwards
    sound = decode_audio(tmp_path / "out.mkv")
    early, late = (dominant_frequency(sound[int(a * 48000):int(a * 48000) + 4800]) for a in (0.2, 1.7))
    assert early < late  # and the sound forwards: still rising
    assert abs(len(sound) / 48000 - 2.0) < 0.01


def test_music_mixed_under_the_sound_looped_faded_and_cut_to_the_picture(tmp_path):
    clip = make_clip(tmp_path / "clip.mkv", duration=3.0, audio="sine")  # 440 Hz
    music = tone(tmp_path / "music.wav", 1000, 1.0, volume=0.5)
    recipe = ffx.Recipe(inputs={"clip": str(clip), "music": str(music)},
                        steps=[{"audio": {"track": "music", "mode": "mix", "volume": "-6dB", "loop": True,
                                          "fade_out": 1}}], output=lossless(tmp_path / "out.mkv"))
    plan = ffx.render(recipe)
    sound = decode_audio(tmp_path / "out.mkv")
    assert plan.result.frames == len(decode_frames(tmp_path / "out.mkv")) == 75
    assert abs(len(sound) / 48000 - 3.0) < 0.01
    # the clip's own tone is untouched; the music plays at half its level, looped past its 1 s, fading at the end
    assert level(sound, 440, 0.5) == pytest.approx(0.125, rel=0.05)
    assert level(sound, 1000, 0.5) == pytest.approx(0.25, rel=0.05)
    assert level(sound, 1000, 1.5) == pytest.approx(0.25, rel=0.05)
    assert level(sound, 1000, 2.45) == pytest.approx(0.25 * 0.5, rel=0.15)
    assert level(sound, 1000, 2.94) < 0.02


def test_ducking_lowers_the_music_while_the_clip_speaks(tmp_path):
    speech = tmp_path / "speech.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=64x36:r=25:d=4", "-f", "lavfi", "-i",
               "aevalsrc='if(between(t\\,1\\,2.5)\\,0.5*sin(2*PI*300*t)\\,0)':s=48000:d=4",
               "-c:v", "ffv1", "-c:a", "pcm_s16le", str(speech))
    music = tone(tmp_path / "music.wav", 1000, 4.0, volume=0.3)
    recipe = ffx.Recipe(inputs={"speech": str(speech), "music": str(music)},
                        steps=[{"audio": {"track": "music", "mode": "mix", "duck": True}}],
                        output=lossless(tmp_path / "out.mkv"))
    ffx.render(recipe)
    sound = decode_audio(tmp_path / "out.mkv")
    quiet, talking = level(sound, 1000, 0.5), level(sound, 1000, 2.0)
    assert quiet == pytest.approx(0.3, rel=0.1)
    assert talking < quiet / 3


def test_the_track_starts_later_and_skips_its_beginning(tmp_path):
    clip = make_clip(tmp_path / "clip.mkv", duration=2.0, audio=None)
    song = tmp_path / "song.wav"
    run_ffmpeg("-f", "lavfi", "-i", "aevalsrc='if(lt(t\\,1)\\,0.5*sin(2*PI*500*t)\\,0.5*sin(2*PI*1500*t))':s=48000:d=3",
               "-c:a", "pcm_s16le", str(song))
    recipe = ffx.Recipe(inputs={"clip": str(clip), "song": str(song)},
                        steps=[{"audio": {"track": "song", "start": 0.5, "skip": 1}}],
                        output=lossless(tmp_path / "out.mkv"))
    ffx.render(recipe)
    sound = decode_audio(tmp_path / "out.mkv")
    assert np.abs(sound[:int(0.49 * 48000)]).max() < 1e-3  # silence until 0.5 s
    assert level(sound, 1500, 0.6) > 0.2 and level(sound, 500, 0.6) < 0.01  # then the song from its 1 s mark
    assert abs(len(sound) / 48000 - 2.0) < 0.01


def test_loudness_reaches_its_target_within_one_lu(tmp_path):
    quiet = tmp_path / "quiet.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=64x36:r=25:d=8", "-f", "lavfi", "-i",
               "aevalsrc='0.03*sin(2*PI*300*t)*(1+0.8*sin(2*PI*0.5*t))':s=48000:d=8",
               "-c:v", "ffv1", "-c:a", "pcm_s16le", str(quiet))
    assert loudness(quiet) < -25
    for target in (-14, -23):
        out = tmp_path / f"out{-target}.mkv"
        ffx.render(ffx.Recipe(input=str(quiet), steps=[{"loudness": target}], output=lossless(out)))
        assert abs(loudness(out) - target) <= 1.0
        assert abs(len(decode_audio(out)) / 48000 - 8.0) < 0.01


def test_fade_in_and_out_of_picture_and_sound_without_computing_times(tmp_path):
    clip = tmp_path / "white.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=white:s=64x36:r=25:d=2", "-f", "lavfi", "-i",
               "sine=frequency=440:sample_rate=48000:duration=2", "-c:v", "ffv1", "-c:a", "pcm_s16le", str(clip))
    ffx.render(ffx.Recipe(input=str(clip), steps=[{"fade": {"in": 0.4, "out": 0.8}}], output=lossless(tmp_path / "o.mkv")))
    frames = decode_frames(tmp_path / "o.mkv", "gray")[..., 0].mean(axis=(1, 2))
    assert len(frames) == 50
    assert frames[0] < 20 and frames[10] > 235 and frames[-1] < 20  # black, white from 0.4 s, black at the end
    assert np.all(np.diff(frames[:10]) > 0) and np.all(np.diff(frames[30:]) < 0)
    assert frames[29] > 250 and frames[31] < frames[30]  # the fade out starts 0.8 s (20 frames) before the end
    sound = decode_audio(tmp_path / "o.mkv")
    assert level(sound, 440, 0.0, 960) < 0.02 and level(sound, 440, 0.7) == pytest.approx(0.125, rel=0.05)
    assert level(sound, 440, 1.95, 960) < 0.02


def test_loop_and_hold_keep_picture_and_sound_in_step(tmp_path):
    clip = make_clip(tmp_path / "clip.mkv", duration=1.0)
    source = decode_frames(clip)
    looped = tmp_path / "loop.mkv"
    plan = ffx.render(ffx.Recipe(input=str(clip), steps=[{"loop": {"duration": 2.6}}], output=lossless(looped)))
    frames = decode_frames(looped)
    assert plan.result.frames == len(frames) == 65
    assert np.array_equal(frames[25:50], source) and np.array_equal(frames[50:], source[:15])
    sound, original = decode_audio(looped), decode_audio(clip)[:48000]
    assert np.allclose(sound[48000:96000], original, atol=1e-3)

    held = tmp_path / "hold.mkv"
    plan = ffx.render(ffx.Recipe(input=str(clip), steps=[{"hold": {"at": 0.4, "duration": 0.8}}], output=lossless(held)))
    frames = decode_frames(held)
    assert plan.result.frames == len(frames) == 45
    assert all(np.array_equal(frames[i], source[10]) for i in range(10, 31))
    assert np.array_equal(frames[31:], source[11:])
    sound = decode_audio(held)
    assert np.abs(sound[int(0.41 * 48000):int(1.19 * 48000)]).max() < 1e-3  # silence while the frame holds
    assert np.allclose(sound[int(1.2 * 48000):int(1.5 * 48000)], original[int(0.4 * 48000):int(0.7 * 48000)],
                       atol=1e-3)


@pytest.mark.parametrize("steps, message", [
    ([{"audio": "nope"}], "no stream named 'nope'"),
    ([{"fade": {"in": 1.5, "out": 1}}], "longer than the clip"),
    ([{"hold": {"at": 9, "duration": 1}}], "outside the clip"),
    ([{"audio": {"track": "input", "duck": True}}], "duck only applies"),
    (["fade"], "give in, out, or duration"),
])
def test_mistakes_name_the_step(steps, message):
    with pytest.raises(ffx.RecipeError, match=message):
        ffx.compile_recipe(ffx.Recipe(input={"source": "testsrc2", "duration": 2, "audio": "sine"}, steps=steps,
                                      output="o.mp4"))
