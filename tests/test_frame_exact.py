"""The plan's count is the file's count: every effect that states a frame count, on every kind of input.

Source clips (x264 in MP4, FFV1 in Matroska, VP9 in WebM; 23.976, 25 and 29.97 fps, and a
jittered variable rate) are made once per module. Renders go to lossless FFV1, so each output
frame is found among the decoded source frames by its pixels.
"""

from __future__ import annotations

import math
import re
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import ffx
from conftest import FFMPEG, decode_audio, decode_frames, make_clip, render

CODECS = {"mp4": "libx264", "mkv": "ffv1", "webm": "libvpx-vp9"}
RATES = {"23.976": "24000/1001", "25": "25", "29.97": "30000/1001", "jittered": "25"}


def source_times(path: Path) -> list[Fraction]:
    """Each decoded frame's presentation time, exactly (integer pts times the time base)."""
    done = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:v:0", "-vf", "showinfo",
                           "-fps_mode", "passthrough", "-f", "null", "-"], capture_output=True, text=True)
    num, den = re.search(r"config in time_base:\s*(\d+)/(\d+)", done.stderr).groups()
    unit = Fraction(int(num), int(den))
    return [int(pts) * unit for pts in re.findall(r"\bn:\s*\d+\s+pts:\s*(-?\d+)", done.stderr)]


class Source:
    def __init__(self, path: Path):
        self.path = path
        self.frames = decode_frames(path)
        self.times = source_times(path)
        assert len(self.times) == len(self.frames)
        self.index = {frame.tobytes(): i for i, frame in enumerate(self.frames)}
        assert len(self.index) == len(self.frames), "every source frame must be told apart"

    def which(self, frames: np.ndarray) -> list[int]:
        return [self.index[frame.tobytes()] for frame in frames]


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[tuple[str, str], Source]:
    folder = tmp_path_factory.mktemp("sources")
    made = {}
    for container, codec in CODECS.items():
        for name, rate in RATES.items():
            path = folder / f"{name}.{container}"
            # jittered: frames alternately on time and 0.3 frame late, in a 1 ms time base, as phones record them
            make_clip(path, duration=2.0, size="96x54", rate=rate, audio=None, codec=codec, jitter=name == "jittered")
            made[container, name] = Source(path)
    times = made["mkv", "jittered"].times
    assert times[1] - times[0] != times[2] - times[1], "the jittered clip must really be uneven"
    return made


def kept(source: Source, start: float, end: float) -> list[int]:
    lo, hi = Fraction(repr(start)), Fraction(repr(end))
    return [i for i, t in enumerate(source.times) if lo <= t < hi]


def run(tmp_path: Path, source: Source, steps: list) -> tuple[ffx.Plan, np.ndarray]:
    out = tmp_path / "out.mkv"
    out.unlink(missing_ok=True)
    plan = ffx.render(ffx.Recipe(input=str(source.path), steps=steps,
                                 output={"path": str(out), "codec": "ffv1", "pix_fmt": "yuv420p"}))
    return plan, decode_frames(out)


kinds = st.sampled_from([(c, r) for c in CODECS for r in RATES])
# the ends as a user writes them, decimals (0.84), not float sums (0.28 + 0.56 = 0.8400000000000001, which
# ffx reads as the 0.84 it stands for: trim.exact)
spans = st.tuples(st.integers(0, 150), st.integers(5, 170)).map(lambda p: (p[0] / 100, min(2.0, (p[0] + p[1]) / 100)))
examples = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@examples
@given(kind=kinds, span=spans)
def test_trim_keeps_exactly_the_frames_shown_in_the_span(tmp_path, sources, kind, span):
    source = sources[kind]
    start, end = span
    expected = kept(source, start, end)
    plan, frames = run(tmp_path, source, [{"trim": {"start": start, "end": end}}])
    assert plan.result.frames == len(frames) == len(expected)
    assert source.which(frames) == expected  # first and last kept frames are the source's, none between lost


@examples
@given(kind=kinds, span=spans, rate=st.sampled_from([10, 12, 15, 24]), pick=st.sampled_from(["nearest", "shown"]))
def test_fps_after_a_trim_counts_what_it_makes(tmp_path, sources, kind, span, rate, pick):
    steps = [{"trim": {"start": span[0], "end": span[1]}}, {"fps": {"rate": rate, "pick": pick}}]
    try:
        plan, frames = run(tmp_path, sources[kind], steps)
    except ffx.RecipeError as exc:  # validate refuses what FFmpeg would write as an empty file
        assert "no frame would be left" in str(exc) and pick == "nearest"
        return
    assert plan.result.frames == len(frames)


def test_what_fps_and_speed_refuse_ffmpeg_would_write_empty(tmp_path, sources):
    """One 23.976 fps frame shown from 0.042 s until the trim's end at 0.06 s: at 10 fps that rounds to no
    slot, and sped up twice to 0.009 s neither; the same filters given raw write an empty file."""
    source = sources["mp4", "23.976"]
    trim = {"trim": {"start": 0.01, "end": 0.06}}
    for step, raw, refusal in [({"fps": 10}, [{"filter": {"name": "fps", "fps": 10}}], "no frame would be left"),
                               ({"speed": 2}, [{"filter": {"name": "settb", "expr": "AVTB"}},
                                               {"filter": {"name": "setpts", "expr": "PTS/2"}},
                                               {"filter": {"name": "fps", "fps": "24000/1001"}}],
                                "shorter than one frame")]:
        with pytest.raises(ffx.RecipeError, match=refusal):
            run(tmp_path, source, [trim, step])
        with pytest.raises(ffx.RenderError, match="does not read back as media"):
            run(tmp_path, source, [trim, *raw])


EFFECTS = [
    "reverse", "boomerang", {"boomerang": {"drop_last_frame": True}}, {"loop_crossfade": 0.2},
    {"fade_in_loop": 0.2}, "motion", {"motion": {"style": "tmix", "delay": 2}}, {"delay": 2}, {"tmix": 3},
    {"slitscan": {"mode": "rolling"}}, {"fps": 10}, {"speed": 1.5},
]


@settings(max_examples=16, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=kinds, span=spans.filter(lambda s: s[1] - s[0] >= 0.6), effect=st.sampled_from(EFFECTS))
# a cut of a variable-rate file holds more frames than its length times the mean rate: the length is the cut's
@example(kind=("mp4", "jittered"), span=(0.01, 1.5), effect={"fps": 10})
def test_every_effect_counts_what_it_makes(tmp_path, sources, kind, span, effect):
    plan, frames = run(tmp_path, sources[kind], [{"trim": {"start": span[0], "end": span[1]}}, effect])
    assert plan.result.frames == len(frames)


@pytest.mark.parametrize("effect", EFFECTS, ids=str)
@pytest.mark.parametrize("kind", [("mkv", "jittered")], ids="-".join)
def test_every_effect_on_the_whole_file_counts_what_it_makes(tmp_path, sources, kind, effect):
    plan, frames = run(tmp_path, sources[kind], [effect])
    assert plan.result.frames == len(frames)


RETIMING = ["motion", {"delay": 2}, {"slitscan": {"mode": "rolling"}}, {"fade_in_loop": 0.2},
            {"loop_crossfade": 0.2}, {"remove_background": {"samples": 5}}, {"freeze": {"at": 0.2, "region": {"x1": 0.5}}},
            {"hstack": ["input"]}, {"blend": {"with": "input"}}, {"overlay": {"with": "input"}}]


@pytest.mark.parametrize("effect", RETIMING, ids=str)
def test_a_retimed_variable_rate_clip_lasts_its_frames_at_its_rate(tmp_path, sources, effect):
    """Effects that pair frames put a variable-rate clip's n frames on n / rate; an fps after them
    counts from that length, not from the timestamps the frames had."""
    source = sources["mkv", "jittered"]
    out = tmp_path / "out.mkv"
    recipe = ffx.Recipe(inputs={"input": str(source.path)}, steps=[{"trim": {"start": 0.05, "end": 1.7}}, effect,
                                                                   {"fps": 7}],
                        output={"path": str(out), "codec": "ffv1", "pix_fmt": "yuv420p"})
    plan = ffx.render(recipe)
    assert plan.result.frames == len(decode_frames(out))


def test_trim_between_frames_on_24_fps_h264_with_audio(tmp_path):
    """The reported case: [0.03, 1.0) keeps frames 1-23; the one at exactly 1.000 s is out."""
    src = make_clip(tmp_path / "src.mp4", rate="24", codec="libx264", audio="sine")
    source = Source(src)
    plan = ffx.compile_recipe(ffx.Recipe(input=str(src), steps=[{"trim": {"start": 0.03, "end": 1.0}}], output="x.mp4"))
    assert plan.stages[0].args[:2] == ("-ss", "0.020833333")  # the fast input seek stays
    out = render(tmp_path, [{"trim": {"start": 0.03, "end": 1.0}}], src)
    frames = decode_frames(out)
    assert plan.result.frames == len(frames) == 23
    assert source.which(frames) == list(range(1, 24))
    # the audio covers exactly the kept frames' span, 1/24 s to 1 s (Matroska, PCM: sample exact)
    assert abs(len(decode_audio(out)) - 23 * 2000) <= 1


def test_variable_rate_trim_keeps_no_frame_at_the_end(tmp_path, sources):
    """A jittered clip: frames at (n + 0.3 (n odd)) / 25; [0, 1.0) ends before the frame at 1.000 s."""
    source = sources["mkv", "jittered"]
    plan, frames = run(tmp_path, source, [{"trim": {"start": 0, "end": 1.0}}, {"fps": 12}])
    assert plan.result.frames == len(frames)
    plan, frames = run(tmp_path, source, [{"trim": {"start": 0.05, "end": 1.0}}])
    assert source.which(frames) == kept(source, 0.05, 1.0) and plan.result.frames == len(frames)


def test_a_trim_ends_where_it_says_even_when_its_last_frame_would_stay_longer(tmp_path, sources):
    """[0, 1.0) of the jittered clip keeps frames up to 0.96 s; the next comes at 1.012 s. Resampled to
    50 fps the result has slots up to 0.98 s and none at 1.00 s (the frame at pts 2.00 in a [0, 2) GIF)."""
    source = sources["mkv", "jittered"]
    plan, frames = run(tmp_path, source, [{"trim": {"end": 1.0}}, {"fps": 50}])
    assert plan.result.frames == len(frames) == 50
    assert plan.result.duration == 1.0


@pytest.mark.parametrize("kind", [("mkv", "25"), ("mp4", "29.97"), ("mkv", "jittered")], ids="-".join)
@pytest.mark.parametrize("pick", ["ffmpeg", "shown"])
def test_fps_picks_the_frame_its_rule_names(tmp_path, sources, kind, pick):
    """Slot n (instant n/10): `shown` takes the last frame with t <= n/10 (MoviePy, OpenCV);
    `ffmpeg` FFmpeg's rounding, the last frame with t < (n + 1/2)/10."""
    source = sources[kind]
    plan, frames = run(tmp_path, source, [{"fps": {"rate": 10, "pick": pick}}])
    picked = source.which(frames)
    reach = Fraction(0) if pick == "shown" else Fraction(1, 2)
    expected = [max(k for k, t in enumerate(source.times) if (t <= (n + reach) / 10 if pick == "shown"
                                                              else t < (n + reach) / 10))
                for n in range(len(frames))]
    assert picked == expected
    assert plan.result.frames == len(frames) >= 20  # 29.97 fps: 60 frames last 2.002 s, so `shown` has a 21st slot


def test_speed_final_duration_lasts_that_long(tmp_path, sources):
    source = sources["mkv", "25"]
    plan, frames = run(tmp_path, source, [{"speed": {"final_duration": 1.2}}])
    assert plan.result.frames == len(frames) == 30  # 1.2 s at the clip's 25 fps
    assert source.which(frames)[-1] >= 47  # the whole clip played, not cut off
    with pytest.raises(ffx.RecipeError, match="factor or final_duration"):
        ffx.Recipe(input=str(source.path), steps=[{"speed": {"factor": 2, "final_duration": 1}}], output="x.mkv")


@pytest.mark.parametrize("kind", [("mkv", "25"), ("mp4", "29.97"), ("webm", "23.976"), ("mkv", "jittered")],
                         ids="-".join)
def test_fps_nearest_is_the_nearest_frame_on_a_constant_rate(tmp_path, sources, kind):
    """Slot n shows frame round-half-down(n * rate / 10) where frames sit on their slots (k / rate, to the
    file's tick); a variable-rate file keeps FFmpeg's pick, the last frame with t < (n + 1/2)/10."""
    source = sources[kind]
    plan, frames = run(tmp_path, source, [{"fps": 10}])
    picked = source.which(frames)
    if kind[1] == "jittered":
        expected = [max(k for k, t in enumerate(source.times) if t < (n + Fraction(1, 2)) / 10)
                    for n in range(len(frames))]
    else:
        rate = Fraction(RATES[kind[1]])
        expected = [min(len(source.times) - 1, math.ceil(Fraction(n, 10) * rate - Fraction(1, 2)))
                    for n in range(len(frames))]
    assert picked == expected
    assert plan.result.frames == len(frames) == 20
