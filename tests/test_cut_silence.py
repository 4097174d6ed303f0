"""cut_silence and the analysis pass it runs first: a generated lecture (beeps, each with a white flash,
and silences of known lengths) measured after the cut, frames and samples; the pass's answer remembered."""

from __future__ import annotations

import json
import re
import math
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import ffx
from conftest import FFMPEG, decode_audio, decode_frames
from ffx.cli import app
from ffx.compile.ports import GraphAnalyses
from ffx.effects.context import StepError
from ffx.filtergraph import graph
from ffx.media.analysis import read_silences, silences, store_folder
from ffx.media.scenes import scene_cuts
from ffx.media.cache import ProbeCache
from ffx.media.probe import probe
from zoo import LECTURE_BEEPS, LECTURE_LENGTH, lecture

RATE, SAMPLES = 25, 48000
SILENCES = [(end, start) for (_, end), (start, _) in zip(LECTURE_BEEPS, LECTURE_BEEPS[1:]) if start - end >= 0.5]


def _beeps_wav(path, pattern: str = "lt(mod(t\\,2)\\,1)", seconds: float = 5) -> str:
    """A 440 Hz tone on while ``pattern`` (of t) is 1: by default the first second of every two."""
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"aevalsrc=0.5*sin(2*PI*440*t)*{pattern}:d={seconds}:s=48000", str(path)], check=True)
    return str(path)


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _audio_pad(path: str):
    return graph.input_pad(graph.input_node("file:" + path, [], False, True), graph.AUDIO)


def test_the_pass_reads_silences_and_remembers_them_in_memory_and_on_disk(tmp_path, cache_home):
    wav = _beeps_wav(tmp_path / "beeps.wav")
    first = GraphAnalyses(FFMPEG, ProbeCache())
    found = first.analyse(_audio_pad(wav), silences(-35, 0.5))
    assert [[round(s, 2), round(e, 2)] for s, e in found] == [[1.0, 2.0], [3.0, 4.0]]
    assert first.runs == 1
    assert first.analyse(_audio_pad(wav), silences(-35, 0.5)) == found and first.runs == 1  # in memory
    entries = list((cache_home / "ffx" / "analysis").rglob("*.json"))
    assert len(entries) == 1 and str(entries[0]).startswith(store_folder())
    second = GraphAnalyses(FFMPEG, ProbeCache())  # another process: the answer on disk
    assert second.analyse(_audio_pad(wav), silences(-35, 0.5)) == found and second.runs == 0
    assert second.analyse(_audio_pad(wav), silences(-35, 0.8)) == found and second.runs == 1  # other options
    _beeps_wav(tmp_path / "beeps.wav", "lt(mod(t\\,3)\\,1)", 6)  # the file changed: looked at again
    changed = GraphAnalyses(FFMPEG, ProbeCache()).analyse(_audio_pad(wav), silences(-35, 0.5))
    assert [[round(s, 2), round(e, 2)] for s, e in changed] == [[1.0, 3.0], [4.0, 6.0]]


def test_the_pass_runs_the_recipe_graph_up_to_the_stream(tmp_path, cache_home):
    source = graph.input_node("testsrc2=size=96x64:rate=25:duration=3,drawbox=c=black:t=fill:enable=gte(t\\,1.6)",
                              [("-f", "lavfi")], True, False)
    video = graph.filter_node("hflip", [graph.input_pad(source, graph.VIDEO)]).pad()
    analyses = GraphAnalyses(FFMPEG, ProbeCache())
    (change,) = analyses.analyse(video, scene_cuts(10))
    assert change == [40, pytest.approx(1.6, abs=0.001)]  # frame 40, the first black one


def test_a_failing_or_unreadable_stream_is_one_line(tmp_path, cache_home):
    analyses = GraphAnalyses(FFMPEG, ProbeCache())
    live = graph.input_pad(graph.input_node("rtsp://camera/stream", [], True, False), graph.VIDEO)
    with pytest.raises(StepError, match="cannot be read twice"):
        analyses.analyse(live, scene_cuts(10))
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF" + b"\0" * 100)
    with pytest.raises(StepError, match="looking for silences before the render failed: FFmpeg failed"):
        analyses.analyse(_audio_pad(str(broken)), silences(-35, 0.5))


def test_the_readers():
    assert read_silences(["silence_start: 0", "silence_end: 1.5 | silence_duration: 1.5"]) == [[0.0, 1.5]]
    assert json.loads(json.dumps(read_silences(["silence_start: 2"]))) == [[2.0, -1]]


def test_an_output_nobody_reads_is_drained_into_a_null_sink(tmp_path):
    """segment's pieces that are cut away go to a null sink; the labels keep the filter's output order."""
    source = graph.input_node("testsrc2=size=96x64:rate=25:duration=3", [("-f", "lavfi")], True, False)
    pieces = graph.filter_node("segment", [graph.input_pad(source, graph.VIDEO)], {"timestamps": "0.98|1.98"},
                               outputs=(graph.VIDEO,) * 3)
    joined = graph.filter_node("concat", [pieces.pad(0), pieces.pad(2)], {"n": 2, "v": 1, "a": 0}).pad()
    lowered = graph.lower([joined], "-", [("-f", "framecrc")])
    assert lowered.graph.endswith(";[s3]nullsink") and "[s0][s3][s1];" in lowered.graph
    done = subprocess.run([FFMPEG, "-v", "error", *lowered.args], capture_output=True, text=True, check=True)
    assert len([line for line in done.stdout.splitlines() if not line.startswith("#")]) == 50


# cut_silence ------------------------------------------------------------------------------------------------

def _cut(tmp_path, source, name="cut.mkv", **options):
    """Render cut_silence over ``source`` into lossless Matroska; the plan and the output's path."""
    output = {"path": str(tmp_path / name), "codec": "ffv1", "audio_codec": "pcm_s16le"}
    plan = ffx.render(ffx.Recipe(input=str(source), steps=[{"cut_silence": options}], output=output))
    return plan, tmp_path / name


def _flashes(path) -> list[int]:
    """The frames where a white flash starts."""
    light = decode_frames(path, "gray").reshape(-1, 96 * 64).mean(axis=1) > 200
    return [i for i in range(len(light)) if light[i] and (i == 0 or not light[i - 1])]


def _onsets(samples: np.ndarray) -> list[int]:
    """The samples where a beep starts (sound after at least 10 ms of none)."""
    loud = np.flatnonzero(np.abs(samples) > 0.05)
    return [int(i) for n, i in enumerate(loud) if n == 0 or i - loud[n - 1] > SAMPLES // 100]


def test_a_lecture_comes_out_exactly_as_much_shorter_as_its_silences_with_its_beeps_intact(tmp_path, cache_home):
    """keep 0.16 s is four frames: each silence of s seconds loses exactly s - 0.32 s."""
    source = lecture(tmp_path)
    plan, out = _cut(tmp_path, source, keep=0.16)
    removed = sum(round((end - start - 0.32) * RATE) for start, end in SILENCES)
    assert len(SILENCES) == 4 and removed == 93
    frames = round(LECTURE_LENGTH * RATE) - removed
    got = probe(str(out), FFMPEG)
    assert got.frames == plan.result.frames == frames
    samples = decode_audio(out)
    assert len(samples) == frames * SAMPLES // RATE  # 1920 samples a frame: exactly as much sound as picture
    flashes, onsets = _flashes(out), _onsets(samples)
    assert len(flashes) == len(onsets) == len(LECTURE_BEEPS)
    for flash, onset in zip(flashes, onsets):
        assert abs(flash / RATE - onset / SAMPLES) < 0.010
        beep = samples[onset:onset + int(0.4 * SAMPLES) - 2]
        assert np.sqrt(np.mean(beep ** 2)) == pytest.approx(0.5 / math.sqrt(2), rel=0.01)  # the whole beep


def _slot(seconds: float) -> int:
    """The frame boundary nearest ``seconds``, the earlier of two as near (docs/design.md)."""
    return math.ceil(Fraction(str(round(seconds, 6))) * RATE - Fraction(1, 2))


def test_the_default_margins_cut_on_the_nearest_frame_boundaries(tmp_path, cache_home):
    source = lecture(tmp_path)
    plan, out = _cut(tmp_path, source)  # below -35dB, min 0.5, keep 0.15: cuts 3.75 frames into each silence
    removed = sum(_slot(end - 0.15) - _slot(start + 0.15) for start, end in SILENCES)
    assert removed == (36 - 14) + (81 - 69) + (141 - 99) + (176 - 159)
    frames = round(LECTURE_LENGTH * RATE) - removed
    assert probe(str(out), FFMPEG).frames == plan.result.frames == frames
    assert len(decode_audio(out)) == frames * SAMPLES // RATE
    assert plan.findings == ("steps[0] (cut_silence): 4 silent stretches removed, 7.80 s → 4.08 s: "
                             "0.56–1.44, 2.76–3.24, 3.96–5.64, 6.36–7.04",)


def test_the_sound_is_looked_at_where_the_step_stands_in_the_chain(tmp_path, cache_home):
    """After a trim the pass reads the trimmed sound (the recipe's own graph up to the step)."""
    source = lecture(tmp_path)
    output = {"path": str(tmp_path / "late.mkv"), "codec": "ffv1", "audio_codec": "pcm_s16le"}
    plan = ffx.render(ffx.Recipe(input=str(source), steps=[{"trim": {"start": 1.6}}, {"cut_silence": {"keep": 0.16}}],
                                 output=output))
    removed = sum(round((end - start - 0.32) * RATE) for start, end in SILENCES[1:])
    frames = round((LECTURE_LENGTH - 1.6) * RATE) - removed
    assert probe(output["path"], FFMPEG).frames == plan.result.frames == frames
    assert len(_flashes(output["path"])) == len(_onsets(decode_audio(output["path"]))) == 5


def test_a_silence_that_starts_or_ends_the_clip_keeps_only_its_side_next_to_sound(tmp_path, cache_home):
    source = lecture(tmp_path, beeps=((1.0, 1.4), (2.0, 2.4)), length=3.4)
    plan, out = _cut(tmp_path, source)
    # [0, 1.0] keeps 0.15 s before the first beep, [1.4, 2.0] 0.15 s at each side, [2.4, 3.4] 0.15 s after the last
    kept = (_slot(1.55) - _slot(0.85)) + (_slot(2.55) - _slot(1.85))
    assert kept == (39 - 21) + (64 - 46)
    assert probe(str(out), FFMPEG).frames == plan.result.frames == kept
    assert [round(i / SAMPLES, 3) for i in _onsets(decode_audio(out))] == [(25 - 21) / RATE, (50 - 21 - 7) / RATE]
    assert plan.findings[0].endswith("3.40 s → 1.44 s: 0.00–0.84, 1.56–1.84, 2.56–3.40")


def test_sound_alone_is_cut_too(tmp_path, cache_home):
    wav = _beeps_wav(tmp_path / "beeps.wav")  # tone 0-1, 2-3, 4-5: two silences of a second
    plan, out = _cut(tmp_path, wav, name="cut.wav", keep=0.1)
    samples = decode_audio(out)
    assert len(samples) == round((5 - 2 * 0.8) * SAMPLES)
    assert [round(i / SAMPLES, 3) for i in _onsets(samples)] == [0.0, 1.2, 2.4]  # each beep 1 s, 0.2 s apart


def test_nothing_silent_leaves_the_clip_alone(tmp_path, cache_home):
    source = lecture(tmp_path, beeps=((0.0, 2.0),), length=2.2)
    plan = ffx.compile_recipe(ffx.Recipe(input=str(source), steps=["cut_silence"], output=str(tmp_path / "o.mkv")))
    assert plan.result.frames == 55 and "segment" not in plan.shell()
    assert plan.findings == ("steps[0] (cut_silence): no silence below -35 dB lasting 0.5 s; nothing removed (2.20 s)",)


runner = CliRunner()


def _recipe(tmp_path, source, step="cut_silence: {keep: 0.16}"):
    recipe = tmp_path / "lecture.yaml"
    recipe.write_text(f"input: {source}\nsteps:\n  - {step}\noutput: {{path: out.mkv, codec: ffv1}}\n")
    return recipe


def test_validate_and_compile_show_the_cut_list_and_a_second_look_is_remembered(tmp_path, cache_home):
    source = lecture(tmp_path)
    recipe = _recipe(tmp_path, source)
    line = "  steps[0] (cut_silence): 4 silent stretches removed, 7.80 s → 4.08 s: 0.56–1.44, 2.76–3.24, "
    first = runner.invoke(app, ["validate", str(recipe)])
    assert first.exit_code == 0, first.output
    assert "4.08 s (102 frames)" in first.stdout and line in first.stdout
    (entry,) = (cache_home / "ffx" / "analysis").rglob("*.json")
    stored = json.loads(entry.read_text())
    assert stored["value"] == [[0.4, 1.600021], [2.6, 3.400021], [3.8, 5.800021], [6.2, 7.200021]]
    # the answer kept on disk is what a second look uses: made to say one silence, it runs no pass
    entry.write_text(json.dumps({**stored, "value": [[3.8, 5.800021]]}))
    again = runner.invoke(app, ["validate", str(recipe)])
    assert "1 silent stretch removed, 7.80 s → 6.12 s: 3.96–5.64" in again.stdout
    compiled = runner.invoke(app, ["compile", str(recipe)])
    assert compiled.exit_code == 0 and "1 silent stretch removed" in compiled.stderr
    assert "cut_silence" not in compiled.stdout and compiled.stdout.count("segment=timestamps=3.940000|5.620000") == 1
    as_json = runner.invoke(app, ["compile", "--json", str(recipe)])
    assert json.loads(as_json.stdout)["findings"] == [
        "steps[0] (cut_silence): 1 silent stretch removed, 7.80 s → 6.12 s: 3.96–5.64"]


@pytest.mark.parametrize("step, field, says", [
    ("cut_silence: {below: loud}", "steps[0].cut_silence.below", "'loud' is not a level"),
    ("cut_silence: {below: 3dB}", "steps[0].cut_silence.below", "3 dB is not a level of quiet sound"),
    ("cut_silence: {min: 0}", "steps[0].cut_silence.min", "greater than 0"),
    ("cut_silence: {min: 0.5, keep: 0.3}", "steps[0].cut_silence", "keep less than half of min"),
    ("cut_silence: {fade: 1}", "steps[0].cut_silence.fade", "less than or equal to 0.1"),
    ("cut_silence: {pad: 1}", "steps[0].cut_silence.pad", "unknown key 'pad'"),
])
def test_bad_parameters_are_refused_in_one_line(tmp_path, step, field, says):
    done = runner.invoke(app, ["validate", str(_recipe(tmp_path, "lecture.mkv", step))])
    assert done.exit_code == 1 and "Traceback" not in done.output
    (line,) = done.stderr.strip().splitlines()
    assert field in line and says in line, line


def test_a_stream_that_cannot_be_read_twice_or_has_no_sound_is_refused(tmp_path, cache_home):
    source = lecture(tmp_path, beeps=((0.0, 0.4), (1.6, 2.0)), length=2.0)
    silent = tmp_path / "silent.mkv"
    subprocess.run([FFMPEG, "-v", "error", "-i", str(source), "-an", "-c", "copy", str(silent)], check=True)
    with pytest.raises(ffx.RecipeError, match=r"steps\[0\]\.cut_silence: this effect needs sound"):
        ffx.compile_recipe(ffx.Recipe(input=str(silent), steps=["cut_silence"], output=str(tmp_path / "o.mkv")))
    reversed_in_pieces = ffx.Recipe(input=str(source), steps=["reverse", "cut_silence"], output=str(tmp_path / "o.mkv"))
    with pytest.raises(ffx.RecipeError, match="cannot be read twice"):
        ffx.compile_recipe(reversed_in_pieces, max_memory=2**20)


def test_the_shipped_lecture_recipe_renders_its_own_talk(tmp_path, cache_home):
    """recipes/lecture-cut.yaml without -i: a generated tone with four pauses, three of them cut."""
    recipe = ffx.load_recipe(Path(__file__).resolve().parent.parent / "recipes" / "lecture-cut.yaml")
    out = tmp_path / "lecture-cut.mkv"
    plan = ffx.render(recipe.model_copy(update={"output": {"path": str(out), "codec": "ffv1",
                                                            "audio_codec": "pcm_s16le"}}))
    assert plan.findings == ("steps[0] (cut_silence): 3 silent stretches removed, 12.00 s → 8.40 s: "
                             "2.16–3.36, 6.16–7.84, 9.64–10.36",)
    assert probe(str(out), FFMPEG).frames == plan.result.frames == 12 * RATE - (30 + 42 + 18)
    samples = decode_audio(out)
    assert len(samples) == plan.result.frames * SAMPLES // RATE
    quiet = np.flatnonzero(np.abs(samples) < 0.001)  # the tone's level is 1/8: only the kept pauses are quiet
    runs = np.split(quiet, np.flatnonzero(np.diff(quiet) > 1) + 1)
    # what is left of each pause: its sides up to the nearest frame boundaries 0.15 s in, the short one whole
    left = [(2.16 - 2) + (3.5 - 3.36), 5.3 - 5, (6.16 - 6) + (8 - 7.84), (9.64 - 9.5) + (10.5 - 10.36)]
    assert sorted(round(len(run) / SAMPLES, 2) for run in runs if len(run) > SAMPLES // 20) == sorted(
        round(length, 2) for length in left)


@pytest.mark.parametrize("pauses, says", [
    ({"source": "testsrc2", "pauses": [[1, 2]]}, "pauses apply to a generated tone"),
    ({"source": "sine", "duration": 3, "pauses": [[2, 4]]}, "[2, 4] is not a stretch [start, end] within the 3 s"),
    ({"source": "sine", "pauses": [[1]]}, "[1.0] is not a stretch"),
])
def test_a_generated_tone_pauses_where_told(pauses, says):
    with pytest.raises(ffx.RecipeError, match=re.escape(says)):
        ffx.Recipe(input=pauses, output="o.wav")


def test_a_generated_tone_may_pause_a_hundred_times_and_more(tmp_path):
    """FFmpeg's expression parser refuses a flat sum of about 100 terms: the pauses are added as a tree."""
    pauses = [[round(0.1 * i, 1), round(0.1 * i + 0.05, 2)] for i in range(120)]
    out = tmp_path / "paused.wav"
    ffx.render(ffx.Recipe(input={"source": "sine", "duration": 12, "pauses": pauses}, output=str(out)))
    samples = decode_audio(out)
    assert len(samples) == 12 * SAMPLES
    for start, end in pauses[::20]:
        assert not samples[round(start * SAMPLES) + 1:round(end * SAMPLES) - 1].any()
        assert np.abs(samples[round(end * SAMPLES) + 10:round(start * SAMPLES) + 4790]).max() > 0.1


def test_more_cuts_than_one_step_makes_are_refused_in_one_line(tmp_path, monkeypatch):
    """10,001 silences in a generated 3-hour talk (the pass's answer made up here) are refused naming min."""
    many = [[i + 0.2, i + 0.9] for i in range(10_001)]
    monkeypatch.setattr(GraphAnalyses, "analyse", lambda self, pad, analysis: many)
    talk = {"source": "testsrc2", "size": "32x32", "duration": 10_800, "audio": "sine"}
    with pytest.raises(ffx.RecipeError) as refused:
        ffx.compile_recipe(ffx.Recipe(input=talk, steps=["cut_silence"], output=str(tmp_path / "o.mkv")))
    (line,) = str(refused.value).splitlines()
    assert "steps[0].cut_silence.min: 10,001 silent stretches found, more than the 10,000 one step cuts" in line


def test_without_a_crossfade_the_pieces_are_joined_end_to_end(tmp_path, cache_home):
    source = lecture(tmp_path)
    plan, out = _cut(tmp_path, source, keep=0.16, fade=0)
    assert "acrossfade" not in plan.shell() and probe(str(out), FFMPEG).frames == plan.result.frames == 102
    samples = decode_audio(out)
    assert len(samples) == 102 * SAMPLES // RATE and len(_onsets(samples)) == len(LECTURE_BEEPS)
