"""Real footage: the plan's frame count is the count a decoder delivers from the written file, on files whose
header says otherwise (edit lists, AVI, transport-stream offsets, gaps, sound longer or shorter than the
picture), made by the media zoo (tests/zoo.py). The rules: docs/design.md, "Timing"."""

from __future__ import annotations

import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import zoo
from conftest import FFMPEG, decode_audio, decode_frames
from test_zoo_recipes import check_one, decoded

import ffx
from ffx.effects.reverse import pieces_expression
from ffx.media.packets import frame_times
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


# --- a phone's clip where nothing moved for a while ------------------------------------------------------

@pytest.mark.parametrize("recipe", ["gif", "boomerang", "reverse", "excerpt"])
def test_a_phone_clip_with_a_still_stretch_renders_exactly_through_shipped_recipes(folder, recipe):
    """HLG HEVC in a MOV, turned a quarter, 1 s of frames, none for 1 s, 1 s more, its sound first: every
    recipe's plan is the file written (boomerang's MP4 was 1.60 s short of its plan, the GIFs 0.30 s)."""
    src = zoo.phone_still(folder)
    info = probe(str(src), FFMPEG)
    assert (info.gaps, info.picture_start, info.size, info.frames) == (True, pytest.approx(0.3), "180x320", 60)
    assert check_one(recipe, src, folder) == "exact"


def test_a_boomerang_of_a_piece_of_a_phone_clip_lasts_its_span_twice(folder):
    """The first 2 s keep their gap: 30 frames shown over 1.70 s, the last held 0.73 s. The piece keeps the
    file's average rate (what a step re-timing frame n to n / rate uses, in a chunked render's pieces as in
    the whole), so its length is its span's, not its frames over that rate, less the turn frame's hold, shown
    once: 1.70 s forwards and 29 frames of 1/30 s back. The picture and the sound end together (the sound
    ran 0.67 s past the picture when the reversed frames kept the forward times)."""
    src = zoo.phone_still(folder)
    assert probe(str(src), FFMPEG).fps == 30  # the usual distance between frames; the average is 20
    out = folder / "phone_still_boomerang.mp4"
    plan = render(src, out, [{"trim": {"duration": 2}}, "boomerang"])
    written = probe(str(out), FFMPEG)
    assert (plan.result.fps, plan.result.frames, written.frames) == (20, 59, 59)
    frame = 1 / 30
    assert plan.result.duration == pytest.approx(1.7 + 29 / 30, abs=1e-6)
    assert float(frame_times(str(out), FFMPEG, 0, 10).end) == pytest.approx(plan.result.duration, abs=1e-3)
    assert written.sound_span[1] == pytest.approx(plan.result.duration, abs=frame)
    assert len(decode_audio(out, 22050)) / 22050 == pytest.approx(plan.result.duration, abs=frame)


def test_a_reversed_clip_that_keeps_its_gap_shows_each_frame_at_its_mirrored_time(folder):
    """1 s at 25 fps, nothing for 1 s, 1 s more, reversed into an MP4 that keeps the gap: reversed frame k is
    forward frame 49 - k, shown from 3 s less the forward frame's end, so the frame held through the gap is
    the one before it in the reversed order (forward frame 24), not the one the forward clip held."""
    src = zoo.gap(folder)
    forward = frame_times(str(src), FFMPEG, 0, 10)
    out = folder / "gap_reversed.mp4"
    render(src, out, ["reverse"])
    written = frame_times(str(out), FFMPEG, 0, 10)
    ends = [*forward.times[1:], forward.end]
    mirrored = [forward.end - ends[-1 - k] for k in range(len(forward.times))]
    assert len(forward.times) == 50 and mirrored[25] == 1  # the gap is now after the 25th reversed frame
    assert [float(t) for t in written.times] == pytest.approx([float(t) for t in mirrored], abs=1e-3)
    assert float(written.end) == pytest.approx(3.0, abs=1e-3)
    before, after = decode_frames(src).astype(float), decode_frames(out).astype(float)
    assert len(after) == len(before) == 50
    for k, picture in enumerate(after):
        errors = [np.abs(picture - frame).mean() for frame in before]
        assert int(np.argmin(errors)) == 49 - k
    # a clip whose spacing changes at every frame would need a piece per frame: past 1,000, the forward times
    jittery = [Fraction(k, 25) + Fraction(k % 2, 1000) for k in range(1003)]
    assert pieces_expression(jittery) is None and pieces_expression(jittery[:1000]) is not None


def test_a_boomerang_of_a_clip_that_keeps_its_gap_ends_its_picture_with_its_sound(folder):
    """The gap clip's 3 s (its sound cut there too) forwards then back: the turn frame (forward frame 49)
    shown once, the gap mirrored in the second half, the picture and the sound ending together."""
    src = zoo.gap(folder)
    out = folder / "gap_boomerang.mp4"
    plan = render(src, out, [{"trim": {"duration": 3}}, "boomerang"])
    written = frame_times(str(out), FFMPEG, 0, 20)
    assert len(written.times) == plan.result.frames == 99
    # the back half (concat starts it one frame late: its own rule, gaps or not) holds its 25th frame, forward
    # frame 24, through the gap (1.04 s), and ends 2.96 s after its first: every other frame lasts 0.04 s
    back = [float(t - written.times[50]) for t in written.times[50:]]
    assert back[24:26] == pytest.approx([0.96, 2.0], abs=1e-3)
    assert float(written.end - written.times[50]) == pytest.approx(2.96, abs=1e-3)
    assert plan.result.duration == pytest.approx(float(written.end), abs=1 / 25 + 1e-3)
    assert len(decode_audio(out, 22050)) / 22050 == pytest.approx(float(written.end), abs=0.03)


def test_a_phone_clip_s_still_stretch_is_held_in_a_gif_upright_and_in_sdr(folder):
    """Held from the file's start: the first frame stands for the 0.3 s before it, the frame before the stretch
    through it; each frame upright (the display matrix) and tone-mapped (not washed out)."""
    src = zoo.phone_still(folder)
    plan = render(src, folder / "phone_still.gif", [{"trim": {"duration": 2.5}}])
    got = decode_frames(folder / "phone_still.gif").astype(float)
    assert len(got) == plan.result.frames == 75 and got.shape[1:3] == (320, 180)
    upright = np.rot90(zoo.sdr_reference("320x180", 60, rate=30).astype(float), k=1, axes=(1, 2))
    for slot in (0, 5, 20, 38, 50, 68, 72):  # slot k at k / 30 s; the picture starts at slot 9, stops at 39
        shown = min(max(slot - 9, 0), 29) if slot < 69 else slot - 39
        errors = [np.abs(got[slot] - frame).mean() for frame in upright]
        assert int(np.argmin(errors)) == shown and min(errors) < 20, (slot, int(np.argmin(errors)), min(errors))


def test_a_looped_still_faded_into_a_23_976_fps_clip_has_the_frames_planned(folder):
    """A still looped to 2 s at 25 fps ends at 2.04 s (its one frame's own end added): converted to the clip's
    23.976 fps it gave 49 frames where 48 were planned (the slideshow recipe on an AVI, one frame more)."""
    recipe = ffx.Recipe(inputs={"clip": {"path": str(zoo.avi_mpeg4(folder))},
                                "photo": {"source": "testsrc2", "size": "160x90", "rate": 25, "duration": 0.04}},
                        steps=[{"from": "photo", "loop": {"duration": 2}, "as": "held"},
                               {"from": "clip", "concat": {"with": ["held"], "transition": {"name": "fade", "duration": 1}}}],
                        output=str(folder / "still_into_avi.mp4"))
    plan = ffx.render(recipe, overwrite=True)
    assert plan.result.frames == decoded_count(folder / "still_into_avi.mp4")


def test_a_long_file_a_step_counts_gets_the_timing_rules(folder):
    """Past 30 s a file is counted only when a step reads its length; a reverse does, and its sound, 1 s
    longer than its picture, is then cut at the picture's end like a short file's (it was reversed whole:
    the reversed sound started 1 s before the picture it belongs to)."""
    src = zoo.long_sound_longer(folder)
    assert not probe(str(src), FFMPEG).counted
    plan = render(src, folder / "long_reversed.mp4", ["reverse"])
    assert plan.normalised == (("input", ("sound cut at the picture's end (32.00 s, 1.00 s left out)",)),)
    picture, sound = decode_frames(folder / "long_reversed.mp4"), decode_audio(folder / "long_reversed.mp4", 22050)
    assert len(picture) == plan.result.frames == 320
    assert len(sound) / 22050 == pytest.approx(32.0, abs=0.05)
    excerpt = render(src, folder / "long_excerpt.mp4", [{"trim": {"start": 1, "duration": 2}}])
    assert excerpt.normalised == () and excerpt.result.frames == 20  # an excerpt needs no whole count
