"""Which source frame each output slot shows, after ``speed`` and ``fps``: the one rule, checked on real renders.

The rule (ffx/effects/fps.py): slot k, at k / rate, shows the source frame nearest to
k / rate times the speed factor, the earlier of two as near, the last past the end.
It is computed here on its own, with fractions, and compared with what FFmpeg made of
tiny lossless clips whose frames carry their index in their pixels.
"""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from conftest import FFMPEG, run_ffmpeg
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import ffx

RATES = {"23.976": Fraction(24000, 1001), "24": Fraction(24), "25": Fraction(25), "29.97": Fraction(30000, 1001),
         "30": Fraction(30), "60": Fraction(60)}
SECONDS = 2


def numbered_clip(path: Path, rate: Fraction, frames: int) -> Path:
    """64x16 gray FFV1 whose frame n is the value n (low byte left, high byte right): read back exactly."""
    run_ffmpeg("-f", "lavfi", "-i", f"nullsrc=size=64x16:rate={rate}", "-frames:v", str(frames),
               "-vf", "format=gray,geq=lum=if(lt(X\\,32)\\,mod(N\\,256)\\,floor(N/256))",
               "-c:v", "ffv1", "-y", str(path))
    return path


def frame_numbers(path: Path) -> list[int]:
    raw = subprocess.run([FFMPEG, "-v", "error", "-nostdin", "-i", str(path), "-fps_mode", "passthrough",
                          "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, 16, 64).astype(int)
    low, high = frames[:, :, :32], frames[:, :, 32:]
    assert (low == low[:, :1, :1]).all() and (high == high[:, :1, :1]).all(), "a frame is not one number"
    return [int(lo + 256 * hi) for lo, hi in zip(low[:, 0, 0], high[:, 0, 0])]


def nearest(slot: int, instant_in_frames: Fraction, frames: int) -> int:
    """Independently of ffx: the index nearest the instant, the earlier at a tie, within the clip."""
    best = min(range(frames), key=lambda j: (abs(j - instant_in_frames), j))
    assert best == 0 or abs(best - instant_in_frames) < abs(best - 1 - instant_in_frames)
    return best


def expected(source_rate: Fraction, frames: int, factor: Fraction, rate: Fraction, count: int) -> list[int]:
    return [nearest(k, k * factor * source_rate / rate, frames) for k in range(count)]


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("numbered")
    return {name: numbered_clip(folder / f"{name}.mkv", rate, round(SECONDS * rate)) for name, rate in RATES.items()}


def render(tmp_path: Path, source: Path, steps: list) -> tuple[ffx.Plan, list[int]]:
    out = tmp_path / "out.mkv"
    out.unlink(missing_ok=True)
    plan = ffx.render(ffx.Recipe(input=str(source), steps=steps,
                                 output={"path": str(out), "codec": "ffv1", "pix_fmt": "gray"}))
    return plan, frame_numbers(out)


examples = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
factors = st.one_of(st.sampled_from([0.25, 0.5, 1.5, 2, 2.5, 3, 4]), st.integers(25, 400).map(lambda n: n / 100))


@examples
@given(name=st.sampled_from(sorted(RATES)), factor=factors)
@example(name="24", factor=2)
@example(name="23.976", factor=1.5)
@example(name="29.97", factor=0.25)
@example(name="23.976", factor=0.29)  # Matroska's millisecond end once moved the count by one
def test_speed_shows_the_nearest_frame_of_each_slot(tmp_path, sources, name, factor):
    rate, frames = RATES[name], round(SECONDS * RATES[name])
    plan, got = render(tmp_path, sources[name], [{"speed": factor}])
    exact = Fraction(str(factor))
    count = int(Fraction(frames) / exact + Fraction(1, 2))  # the clip's new length in slots, half up
    assert plan.result.frames == len(got) == count
    assert got == expected(rate, frames, exact, rate, count)


@examples
@given(name=st.sampled_from(sorted(RATES)), target=st.sampled_from(["10", "12", "12.5", "15", "24", "25", "30"]))
@example(name="29.97", target="10")
def test_fps_nearest_shows_the_nearest_frame_of_each_slot(tmp_path, sources, name, target):
    rate, frames, out_rate = RATES[name], round(SECONDS * RATES[name]), Fraction(target)
    plan, got = render(tmp_path, sources[name], [{"fps": float(out_rate)}])
    assert plan.result.frames == len(got)
    assert got == expected(rate, frames, Fraction(1), out_rate, len(got))


@examples
@given(name=st.sampled_from(sorted(RATES)), target=st.sampled_from(["10", "12", "12.5", "15", "24", "25", "30"]))
@example(name="24", target="12")
def test_fps_shown_shows_the_frame_on_screen_at_each_slot(tmp_path, sources, name, target):
    """`pick: shown`: the last frame whose time is not after k / rate, as MoviePy's iter_frames takes it (exact on
    indices: 24 fps to 12 is frame 2k, where a Matroska file's rounded 167 ms for frame 4 is after 1/6 s)."""
    rate, frames, out_rate = RATES[name], round(SECONDS * RATES[name]), Fraction(target)
    plan, got = render(tmp_path, sources[name], [{"fps": {"rate": float(out_rate), "pick": "shown"}}])
    assert plan.result.frames == len(got)
    assert got == [min(frames - 1, int(k * rate / out_rate)) for k in range(len(got))]


@examples
@given(name=st.sampled_from(sorted(RATES)), factor=factors, first=st.integers(0, 20), kept=st.integers(6, 30))
def test_speed_after_a_trim_counts_from_the_first_kept_frame(tmp_path, sources, name, factor, first, kept):
    """Frames [first, first + kept) cut between frames, then sped up: the same rule on the cut's own frames."""
    rate = RATES[name]
    start, end = max(0, first - 0.5) / rate, (first + kept - 0.5) / rate
    plan, got = render(tmp_path, sources[name], [{"trim": {"start": float(start), "end": float(end)}},
                                                 {"speed": factor}])
    exact = Fraction(str(factor))
    assert plan.result.frames == len(got)
    assert abs(len(got) - (kept - Fraction(1, 2)) / exact) <= 1  # the cut ends half a frame after its last
    assert got == [first + j for j in expected(rate, kept, exact, rate, len(got))]


def test_double_speed_at_24_fps_is_every_even_frame_from_the_first(tmp_path, sources):
    """The reported case: 48 frames at 2x are frames 0, 2, ..., 46, as MoviePy's with_speed_scaled(2) shows them."""
    _, got = render(tmp_path, sources["24"], [{"speed": 2}])
    assert got == list(range(0, 48, 2))


def test_fps_nearest_takes_frame_240_at_8_seconds(tmp_path):
    """29.97 fps to 10 fps, slot 80 (8.000 s): frame 240 (8.008 s) is 8 ms from it, frame 239 (7.975 s) 25 ms;
    FFmpeg's own pick, the last frame before the middle of the slot and the next (8.05 s), is frame 241."""
    source = numbered_clip(tmp_path / "long.mkv", Fraction(30000, 1001), 300)
    _, got = render(tmp_path, source, [{"fps": 10}])
    assert got[80] == 240
    _, got = render(tmp_path, source, [{"fps": {"rate": 10, "pick": "ffmpeg"}}])
    assert got[80] == 241
