"""The probe reads what a recipe uses: the header, and the frames of a trim's span, never a long file whole.

Files longer than ``media.COUNTED_AHEAD`` seconds are counted only when a step asks. The clips here are
short, so each test lowers that bound: the same paths then run on seconds-long clips.
"""

from __future__ import annotations

import pickle
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from conftest import FFMPEG, decode_frames, faulty_ffmpeg, make_clip
from typer.testing import CliRunner

import ffx
from ffx.cli import app
from ffx.media import probe as media
from ffx.media.cache import ProbeCache
from ffx.media.packets import frame_times, read_packets
from ffx.media.report import parse_ffmpeg_report


@pytest.fixture
def long_after(monkeypatch):
    """Every clip longer than ``seconds`` is a long file; FFmpeg runs are recorded as argv lists."""
    runs: list[list[str]] = []
    real_process_run, real_subprocess_run = media.process.run, subprocess.run

    def process_run(argv, *args, **kwargs):
        runs.append(list(argv))
        return real_process_run(argv, *args, **kwargs)

    def subprocess_run(argv, *args, **kwargs):
        runs.append(list(argv))
        return real_subprocess_run(argv, *args, **kwargs)

    monkeypatch.setattr(media.process, "run", process_run)
    monkeypatch.setattr(media.subprocess, "run", subprocess_run)

    def set_bound(seconds: float) -> list[list[str]]:
        monkeypatch.setattr(media, "COUNTED_AHEAD", seconds)
        return runs

    return set_bound


def whole_file_reads(runs: list[list[str]], path) -> list[list[str]]:
    """ffx's FFmpeg runs that read ``path`` with no bound (no time limit)."""
    return [argv for argv in runs if "file:" + str(path) in argv and "-t" not in argv]


def test_an_excerpt_of_a_long_file_reads_only_its_header_and_its_span(tmp_path, long_after):
    runs = long_after(1.0)
    clip = make_clip(tmp_path / "long.mkv", duration=4, audio="sine")
    out = tmp_path / "excerpt.mkv"
    recipe = ffx.Recipe(input=str(clip), steps=[{"trim": {"start": 2.2, "duration": 0.6}}, {"resize": {"width": 80}}],
                        output={"path": str(out), "codec": "ffv1"})
    plan = ffx.compile_recipe(recipe)
    assert runs and whole_file_reads(runs, clip) == []
    assert plan.result.counted and plan.result.frames == 15
    ffx.render(recipe)
    assert len(decode_frames(out)) == plan.result.frames


def test_a_step_that_needs_the_whole_count_reads_the_file_once_when_it_asks(tmp_path, long_after):
    runs = long_after(1.0)
    clip = make_clip(tmp_path / "long.mkv", duration=3, audio=None)
    out = tmp_path / "reversed.mkv"
    recipe = ffx.Recipe(input=str(clip), steps=["reverse"], output={"path": str(out), "codec": "ffv1"})
    plan = ffx.compile_recipe(recipe)
    assert len(whole_file_reads(runs, clip)) == 1
    ffx.render(recipe)
    assert plan.result.frames == len(decode_frames(out)) == 75


def test_a_whole_long_file_without_trim_is_counted_only_when_its_count_is_asked(tmp_path, long_after):
    runs = long_after(1.0)
    clip = make_clip(tmp_path / "long.mkv", duration=3, audio=None)
    out = tmp_path / "small.mkv"
    recipe = ffx.Recipe(input=str(clip), steps=[{"resize": {"width": 80}}], output={"path": str(out), "codec": "ffv1"})
    plan = ffx.compile_recipe(recipe)
    assert whole_file_reads(runs, clip) == [] and not plan.result.counted
    assert plan.stages[-1].duration == pytest.approx(3.0) and plan.stages[-1].frames is None  # the header's
    ffx.render(recipe)
    assert plan.result.frames is None and whole_file_reads(runs, clip) == []  # reading the plan counts nothing
    assert plan.result.counted_exactly().frames == len(decode_frames(out)) == 75  # counted now, exactly
    assert len(whole_file_reads(runs, clip)) == 1
    assert plan.result.counted and plan.result.duration == pytest.approx(3.0)


def test_a_short_file_is_counted_in_the_probes_own_run(tmp_path, long_after):
    runs = long_after(30.0)
    clip = make_clip(tmp_path / "short.mkv", duration=2, audio="sine")
    info = media.probe(str(clip), FFMPEG)
    assert len([argv for argv in runs if "file:" + str(clip) in argv]) == 1 and info.counted and info.frames == 50 and info.duration == pytest.approx(2.0)


def test_vp9_webm_excerpt_from_the_header_alone(tmp_path, long_after):
    """WebM headers carry no per-stream duration; the container's is the one the trim bounds by."""
    runs = long_after(0.5)
    clip = make_clip(tmp_path / "long.webm", duration=2, audio=None, codec="libvpx-vp9")
    info = media.probe(str(clip), FFMPEG)
    assert not info.counted and info.estimate.duration == pytest.approx(2.0, abs=0.05)
    assert info.estimate.fps == 25 and info.estimate.frames is None
    out = tmp_path / "excerpt.mkv"
    recipe = ffx.Recipe(input=str(clip), steps=[{"trim": {"start": 1.0, "end": 1.5}}],
                        output={"path": str(out), "codec": "ffv1"})
    plan = ffx.compile_recipe(recipe)
    assert whole_file_reads(runs, clip) == []
    ffx.render(recipe)
    assert plan.result.frames == len(decode_frames(out)) == 12 or plan.result.frames == len(decode_frames(out)) == 13


def test_an_uncounted_file_counts_when_asked_and_survives_pickling(tmp_path, long_after):
    long_after(0.5)
    clip = make_clip(tmp_path / "long.mkv", duration=2, audio=None)
    info = media.probe(str(clip), FFMPEG)
    copy = pickle.loads(pickle.dumps(info.replace(width=32)))
    assert not copy.counted and copy.width == 32 and copy.estimate.width == 32
    exact = copy.counted_exactly()
    assert (exact.frames, exact.fps, exact.width) == (50, 25, 32) and copy.counted
    assert info.replace(frames=7, duration=0.28).counted  # a step that counted its own frames


def test_validate_says_when_it_did_not_count_a_long_file(tmp_path, long_after):
    long_after(0.5)
    clip = make_clip(tmp_path / "long.mkv", duration=2, audio=None)
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"input: {clip}\nsteps: [{{resize: {{width: 80}}}}]\noutput: {tmp_path / 'o.mp4'}\n")
    result = CliRunner().invoke(app, ["validate", str(recipe)])
    assert result.exit_code == 0, result.output
    assert "about 2.00 s (the header's length; frames not counted)" in result.output


def test_the_base_rate_wins_over_an_average_pulled_off_by_edit_gaps():
    header = ("  Duration: 02:00:19.79, start: 0.000000, bitrate: 629 kb/s\n"
              "  Stream #0:0[0x1](und): Video: h264 (High), yuv420p(progressive), 640x360, 494 kb/s, 24.94 fps, "
              "25 tbr, 12800 tbn (default)\n")
    assert parse_ffmpeg_report(header, counted=False).fps == 25
    variable = header.replace("24.94 fps, 25 tbr", "10.51 fps, 90k tbr")
    assert parse_ffmpeg_report(variable, counted=False).fps == Fraction(21, 2)


def test_a_cover_picture_is_a_still_by_its_header():
    header = ("  Duration: 00:03:20.00, start: 0.000000, bitrate: 128 kb/s\n"
              "  Stream #0:0: Audio: mp3, 44100 Hz, stereo, fltp, 128 kb/s\n"
              "  Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc), 300x300, 90k tbr, 90k tbn (attached pic)\n")
    info = parse_ffmpeg_report(header, counted=False)
    assert info.still and info.has_audio and info.frames is None


def test_an_output_whose_length_ffmpeg_reported_is_not_read_again(tmp_path, monkeypatch):
    from ffx.run import verify

    reads: list[list[str]] = []
    real_run = verify.run

    def run(argv, *args, **kwargs):
        reads.append(list(argv))
        return real_run(argv, *args, **kwargs)

    monkeypatch.setattr(verify, "run", run)
    clip = make_clip(tmp_path / "clip.mkv", duration=1, audio="sine")
    out = tmp_path / "out.gif"
    ffx.render(ffx.Recipe(input=str(clip), steps=[{"trim": {"duration": 0.5}}], output=str(out)))
    assert out.exists() and reads == []  # FFmpeg's "progress=end" at 0.5 s proved it
    short = tmp_path / "short.mkv"  # a plan FFmpeg falls short of is still read back (and refused)
    wrapper = faulty_ffmpeg(tmp_path / "ffmpeg-stops-early", "*-progress*", f'exec "{FFMPEG}" -t 0.2 "$@"')
    with pytest.raises(ffx.RenderError, match="short of the planned"):
        ffx.render(ffx.Recipe(input=str(clip), output={"path": str(short), "codec": "ffv1"}), ffmpeg=str(wrapper))
    assert len(reads) == 1


def test_a_picture_ffmpeg_reported_writing_is_not_read_again(tmp_path, monkeypatch):
    from ffx.run import verify

    reads: list[list[str]] = []
    real_run = verify.run
    monkeypatch.setattr(verify, "run", lambda argv, *a, **k: reads.append(list(argv)) or real_run(argv, *a, **k))
    clip = make_clip(tmp_path / "clip.mkv", duration=1, audio=None)
    out = tmp_path / "scan.png"
    ffx.render(ffx.Recipe(input=str(clip), steps=[{"slitscan": {"columns": 40}}], output=str(out)))
    assert reads == [] and decode_frames(out).shape[:3] == (1, 90, 40)


def test_the_studio_summary_and_the_graph_labels_do_not_count_a_long_file(tmp_path, long_after):
    """Both describe a plan on every keystroke (studio) or every picture (ffx graph): the header must do."""
    from ffx.studio.session import summary
    from ffx.view.picture import describe

    runs = long_after(0.5)
    clip = make_clip(tmp_path / "long.mkv", duration=2, audio=None)
    plan = ffx.compile_recipe(ffx.Recipe(input=str(clip), steps=[{"resize": {"width": 80}}],
                                         output=str(tmp_path / "o.mp4")))
    assert summary(plan) == "80x44 @ 25 fps, about 2.00 s (the header's length; frames not counted), no audio"
    assert describe(plan.result) == "80x44 @ 25 fps, about 2.00 s"
    assert whole_file_reads(runs, clip) == [] and not plan.result.counted


def test_an_unchanged_file_is_probed_once_and_a_changed_one_again(tmp_path, long_after):
    """The studio compiles on every keystroke and a chunked render once per piece: one probe serves them,
    as long as the file's identity (device, inode, size, mtime) stays the same."""
    runs = long_after(30.0)
    clip = make_clip(tmp_path / "clip.mkv", duration=1, audio=None)
    probes = lambda: [argv for argv in runs if "file:" + str(clip) in argv]  # noqa: E731
    cache = ProbeCache()
    first = media.probe(str(clip), FFMPEG, probes=cache)
    assert media.probe(str(clip), FFMPEG, probes=cache) is first and len(probes()) == 1
    make_clip(tmp_path / "clip.mkv", duration=2, audio=None)  # rewritten in place: new size and mtime
    again = media.probe(str(clip), FFMPEG, probes=cache)
    assert len(probes()) == 2 and again.frames == 50


def _variable_rate_clip(path, start_offset: float = 0.0):
    """2 s whose frames sit off any fixed rate (a 1 ms time base); with ``start_offset`` an MPEG-TS file
    whose times start there, as broadcast recordings do."""
    args = ["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=2",
            "-vf", "settb=1/1000,setpts=(N/25+0.013*mod(N\\,3))/TB", "-fps_mode", "passthrough", "-enc_time_base", "1:1000"]
    if start_offset:
        args += ["-c:v", "libx264", "-preset", "ultrafast", "-bf", "0", "-output_ts_offset", str(start_offset),
                 "-f", "mpegts"]
    else:
        args += ["-c:v", "ffv1"]
    subprocess.run([FFMPEG, "-v", "error", "-nostdin", *args, "-y", str(path)], check=True)
    return path


@pytest.mark.parametrize("start_offset, cut", [(0.0, 0.47), (1.5, 0.47), (1.5, 1.23)])
def test_a_short_files_trim_takes_its_frame_times_from_the_probes_own_run(tmp_path, long_after, start_offset, cut):
    """A short file's probe lists its packets: the trim's exact frame times need no second FFmpeg run. A file
    that does not start at 0 is shifted by FFmpeg in that listing, so its span is read as before; in MPEG-TS
    from the start, where a seek to the span (1.23 s in: after 0.23 s) could land late or find nothing."""
    runs = long_after(30.0)
    clip = _variable_rate_clip(tmp_path / ("vfr.ts" if start_offset else "vfr.mkv"), start_offset)
    reads = lambda: [argv for argv in runs if "file:" + str(clip) in argv]  # noqa: E731
    out = tmp_path / "cut.mkv"
    recipe = ffx.Recipe(input=str(clip), steps=[{"trim": {"start": cut, "duration": 0.6}}],
                        output={"path": str(out), "codec": "ffv1"})
    cache = ProbeCache()
    plan = ffx.compile_recipe(recipe, probes=cache)
    assert len(reads()) == (1 if start_offset == 0 else 2)
    info = media.probe(str(clip), FFMPEG, probes=cache)
    start = info.start_time
    assert (start == 0) == (start_offset == 0) and info.size == "96x64"  # not the TS codec tag 0x001B
    assert info.seeks_exactly == (start_offset == 0)  # MPEG-TS: -ss lands by a guess, so the cut reads from 0
    if start_offset == 0:
        cache.forget()  # the same cut from a span read of the file, as a file without a listing gets it
    spans = frame_times(str(clip), FFMPEG, cut, cut + 0.6, start, probes=cache)
    listed = (media.probe(str(clip), FFMPEG, probes=cache)
              and frame_times(str(clip), FFMPEG, cut, cut + 0.6, start, probes=cache))
    assert [t for t in listed.times if spans.times[0] <= t <= spans.times[-1]] == list(spans.times)
    kept = [t for t in spans.times if Fraction(repr(cut)) <= t < Fraction(repr(cut + 0.6))]
    ffx.render(recipe)
    assert plan.result.frames == len(kept) == len(decode_frames(out))
    unit, packets = read_packets(str(clip), FFMPEG, what="frame times")  # the whole file, from its start
    times = [pts * unit - Fraction(repr(start)) for pts, _, _ in packets]
    which = [i for i, t in enumerate(times) if Fraction(repr(cut)) <= t < Fraction(repr(cut + 0.6))]
    assert np.array_equal(decode_frames(out), decode_frames(clip)[which])  # those very frames, none shifted


def test_the_span_a_first_trim_cuts_is_read_ahead_from_the_command_line():
    from ffx.startup.early_probe import read_ahead

    recipes = Path(__file__).resolve().parent.parent / "recipes"
    recipe = str(recipes / "gif.yaml")  # trim: {start: "${start}", duration: "${duration}"}, duration 2 by default
    assert read_ahead(["render", recipe, "-i", "a.mp4", "--set", "start=100"])[3] == (100.0, 102.0)
    assert read_ahead(["compile", recipe, "--set=start=1:22.5", "--set", "duration=0.5"])[3] == (82.5, 83.0)
    assert read_ahead(["render", recipe, "--set", "start=-3"])[3] is None  # counts from an end not known yet
    assert read_ahead(["render", str(recipes / "reverse.yaml"), "-i", "a.mp4"])[3] is None  # no trim first


def test_a_long_files_span_read_ahead_is_the_one_the_trim_uses(tmp_path, long_after):
    """`ffx render` starts the excerpt's packet read while Python loads; the trim takes that answer
    instead of reading again, and a file replaced in between is read afresh."""
    from ffx.startup.early_probe import start_early

    runs = long_after(1.0)
    clip = make_clip(tmp_path / "long.mkv", duration=4, audio="sine")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"input: {clip}\nsteps:\n  - trim: {{start: 2.2, duration: 0.6}}\n"
                      f"output: {{path: {tmp_path / 'o.mkv'}, codec: ffv1}}\n")
    span_reads = lambda: [argv for argv in runs if "-copyts" in argv]  # noqa: E731
    cache = start_early(["render", str(recipe), "--ffmpeg", FFMPEG])
    start_early(["render", str(recipe), "--ffmpeg", FFMPEG], cache)  # asked twice, read once
    plan = ffx.compile_recipe(str(recipe), ffmpeg=FFMPEG, probes=cache)
    assert len(span_reads()) == 1 and plan.result.frames == 15
    # past the probe's reach the span can only be in a long file: the same run read the header for the probe
    reads = lambda: [argv for argv in runs if "file:" + str(clip) in argv]  # noqa: E731
    assert len(reads()) == 1
    assert not media.probe(str(clip), FFMPEG, probes=cache).counted and len(reads()) == 1  # the header's answer, remembered
    start_early(["render", str(recipe), "--ffmpeg", FFMPEG], cache)
    make_clip(tmp_path / "other.mkv", duration=5, audio="sine").replace(clip)  # changed after the reads began
    cache.forget()
    plan = ffx.compile_recipe(str(recipe), ffmpeg=FFMPEG, probes=cache)
    assert len(span_reads()) == 3  # the answer read ahead was of the old file: read again
    assert plan.result.frames == 15 and plan.result.duration == pytest.approx(0.6)
    ffx.render(str(recipe), ffmpeg=FFMPEG, overwrite=True)
    assert len(decode_frames(tmp_path / "o.mkv")) == 15


def test_a_span_near_the_start_waits_for_the_probe_and_a_short_file_is_probed_properly(tmp_path, long_after):
    from ffx.startup.early_probe import start_early

    runs = long_after(1.0)
    clip = make_clip(tmp_path / "long.mkv", duration=4, audio=None)
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"input: {clip}\nsteps:\n  - trim: {{start: \"${{at}}\", duration: 0.6}}\n"
                      f"vars: {{at: 0.5}}\noutput: {{path: {tmp_path / 'o.mkv'}, codec: ffv1}}\n")
    reads = lambda: [argv for argv in runs if "file:" + str(clip) in argv]  # noqa: E731
    cache = start_early(["compile", str(recipe), "--ffmpeg", FFMPEG])  # within the probe's reach: probe, then the span
    assert ffx.compile_recipe(str(recipe), ffmpeg=FFMPEG, probes=cache).result.frames == 15 and len(reads()) == 2
    cache.forget()
    runs.clear()
    short = make_clip(tmp_path / "short.mkv", duration=0.8, audio=None)
    start_early(["compile", str(recipe), "-i", str(short), "--set", "at=2.2", "--ffmpeg", FFMPEG], cache)
    with pytest.raises(ffx.RecipeError, match="past the end"):  # the header read with the span counts nothing
        ffx.compile_recipe(str(recipe), inputs=[str(short)], variables={"at": 2.2}, ffmpeg=FFMPEG, probes=cache)
    assert media.probe(str(short), FFMPEG, probes=cache).frames == 20


def test_the_probe_cache_keeps_the_newest_answers_and_forgets_a_changed_file(tmp_path):
    from ffx.media.cache import Probed, file_identity

    cache = ProbeCache(kept=2)
    files = [tmp_path / f"{n}.mkv" for n in range(3)]
    for file in files:
        file.write_bytes(b"x")
        cache.remember(str(file), FFMPEG, Probed(file_identity(str(file)), ffx.MediaInfo(), None))
    assert [cache.remembered(str(file), FFMPEG) is not None for file in files] == [False, True, True]
    files[2].write_bytes(b"changed")
    assert cache.remembered(str(files[2]), FFMPEG) is None and cache.remembered(str(files[1]), "other") is None


def test_the_probe_cache_keeps_a_bounded_number_of_measurements(tmp_path):
    """A studio measures on every keystroke that changes a GIF's graph: the measurements kept are bounded
    like the probed answers, the newest staying."""
    from ffx.media.cache import ProbeCache

    clip = tmp_path / "clip.bin"
    clip.write_bytes(b"x")
    cache = ProbeCache(kept=4)
    for number in range(10):
        cache.remember_measure(str(clip), "ffmpeg", f"trial-{number}", number)
    assert len(cache._measures) == 4
    assert [cache.measured(str(clip), "ffmpeg", f"trial-{n}") for n in (5, 6, 9)] == [None, 6, 9]
