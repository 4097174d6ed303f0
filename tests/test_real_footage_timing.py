"""Real footage: the plan's frame count is the count a decoder delivers from the written file, on files whose
header says otherwise (edit lists, AVI, transport-stream offsets, gaps, sound longer or shorter than the
picture), made by the media zoo (tests/zoo.py). The rules: docs/design.md, "Timing"."""

from __future__ import annotations

import warnings
from fractions import Fraction
from pathlib import Path

import pytest
import zoo
from conftest import FFMPEG, decode_audio, decode_frames
from test_zoo_recipes import check_one, decoded

import ffx
from ffx.media.probe import probe


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("timing")


def decoded_count(path) -> int:
    return decoded(Path(path))[0]


def render(src, output, steps=()):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ffx.FfxWarning)
        return ffx.render(ffx.Recipe(input=str(src), steps=list(steps), output=str(output)), overwrite=True)


def test_an_edit_list_cut_counts_the_frames_shown_not_the_packets_stored(folder):
    """A stream-copy cut keeps the packets from the keyframe before the cut; its edit list hides them."""
    src = zoo.edit_list(folder)
    info = probe(str(src), FFMPEG)
    assert info.frames == decoded_count(src)  # was the packets' count, one more
    plan = render(src, folder / "edit_list_reversed.mp4", ["reverse"])
    assert plan.result.frames == len(decode_frames(folder / "edit_list_reversed.mp4"))


def test_an_avi_of_mpeg4_at_23_976_has_its_rate_and_its_decoder_s_delay(folder):
    """AVI's B-frames carry no showing time; its length is its longest stream's (the MP3's padding)."""
    src = zoo.avi_mpeg4(folder)
    info = probe(str(src), FFMPEG)
    assert info.fps == Fraction(24000, 1001)  # was 23.0625: the count over the sound's length
    assert info.frames == decoded_count(src)
    assert info.picture_start == pytest.approx(1001 / 24000)  # the decoder shows the first frame one frame late


def test_a_transport_stream_starting_at_10_s_is_cut_to_the_frames_planned(folder):
    assert check_one("text", zoo.ts_offset(folder), folder) == "exact"  # was one frame more than planned


@pytest.mark.parametrize("recipe", ["freeze-region", "boomerang"])
def test_a_gap_in_a_variable_rate_file_is_held_in_an_animation_and_kept_in_a_video(folder, recipe):
    """A screen recording that stops for a second: a GIF shows the frame before the gap through it, an MP4
    keeps the frames and their times."""
    src = zoo.gap(folder)
    info = probe(str(src), FFMPEG)
    assert info.gaps and info.fps == 25 and info.duration == pytest.approx(3.0) and info.frames == 50
    assert check_one(recipe, src, folder) == "exact"  # freeze-region's GIF was "1.50 s long, 0.50 s short"
    held = render(src, folder / "gap_held.gif")
    assert held.result.frames == 75 == decoded_count(folder / "gap_held.gif")
    kept = render(src, folder / "gap_kept.mp4")
    assert kept.result.frames == 50 == decoded_count(folder / "gap_kept.mp4")


def test_sound_longer_than_the_picture_leaves_the_picture_s_length_and_is_cut_at_its_end(folder):
    src = zoo.sound_longer(folder)
    info = probe(str(src), FFMPEG)
    assert (info.fps, info.frames) == (25, 63) and info.duration == pytest.approx(2.52)  # was 14 fps, 4.5 s
    assert check_one("boomerang", src, folder) == "exact"  # was a render 3.11 s short of its plan
    render(src, folder / "cut_sound.mp4", ["reverse"])
    assert len(decode_audio(folder / "cut_sound.mp4")) / 48000 == pytest.approx(2.52, abs=0.05)


def test_sound_starting_before_the_picture_leaves_the_picture_s_rate(folder):
    info = probe(str(zoo.sound_first(folder)), FFMPEG)
    assert info.fps == 25 and info.frames == 63 and info.picture_start == pytest.approx(0.3, abs=0.03)  # was 22.2


def test_sound_shorter_than_the_picture_is_padded_with_silence_to_its_end(folder):
    src = zoo.sound_shorter(folder)
    render(src, folder / "padded.mp4", ["reverse"])
    assert len(decode_audio(folder / "padded.mp4")) / 48000 == pytest.approx(2.52, abs=0.05)  # was 1.25 s


def test_an_mpeg_ps_trim_after_its_start_is_planned_as_long_as_asked(folder):
    src = zoo.mpeg_ps(folder)
    plan = ffx.render(ffx.Recipe(input=str(src), steps=[{"trim": {"start": 0.54, "duration": 0.4}}],
                                 output=str(folder / "ps_trim.mp4")), overwrite=True)
    assert plan.result.frames == 10 == decoded_count(folder / "ps_trim.mp4")
    assert plan.result.duration == pytest.approx(0.4, abs=0.04)  # from its first frame: the file starts 10 ms early


@pytest.mark.parametrize("make, output, said, written", [
    (zoo.surround, "surround.mp4", "with audio (5.1)", "5.1"),  # AAC keeps six channels
    (zoo.surround, "surround.webm", "with audio (5.1)", "5.1"),  # so does Opus
    (zoo.surround, "surround.mp3", "with audio (5.1 mixed down to stereo for libmp3lame)", "stereo"),
    (zoo.hires_sound, "hires.mp4", "with audio (96 kHz)", "96000 Hz"),
    (zoo.hires_sound, "hires.webm", "with audio (96 kHz resampled to 48 kHz for libopus)", "48000 Hz"),
    (zoo.mono, "mono.mkv", "with audio", "mono"),
])
def test_surround_and_hi_res_sound_are_kept_or_converted_as_the_plan_says(folder, make, output, said, written):
    plan = ffx.compile_recipe(ffx.Recipe(input=str(make(folder)), output=str(folder / f"out_{output}")), overwrite=True)
    assert plan.result.sound() == said  # was "with audio" whatever the sound
    ffx.render_plan(plan)
    header = next(line for line in header_of(folder / f"out_{output}").splitlines() if "Audio:" in line)
    assert f" {written}," in header, header


def header_of(path) -> str:
    import subprocess

    return subprocess.run([FFMPEG, "-hide_banner", "-i", str(path)], capture_output=True, text=True, check=False).stderr
