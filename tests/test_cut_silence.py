"""cut_silence and the analysis pass it runs first: a generated lecture (beeps, each with a white flash,
and silences of known lengths) measured after the cut, frames and samples; the pass's answer remembered."""

from __future__ import annotations

import json
import subprocess

import pytest

from ffx.compile.ports import GraphAnalyses
from ffx.effects.context import StepError
from ffx.filtergraph import graph
from ffx.media.analysis import read_crops, read_scene_changes, read_silences, scene_changes, silences, store_folder
from ffx.media.cache import ProbeCache

from conftest import FFMPEG


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
    (change,) = analyses.analyse(video, scene_changes(10))
    assert change[0] == pytest.approx(1.6, abs=0.001)


def test_a_failing_or_unreadable_stream_is_one_line(tmp_path, cache_home):
    analyses = GraphAnalyses(FFMPEG, ProbeCache())
    live = graph.input_pad(graph.input_node("rtsp://camera/stream", [], True, False), graph.VIDEO)
    with pytest.raises(StepError, match="cannot be read twice"):
        analyses.analyse(live, scene_changes(10))
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF" + b"\0" * 100)
    with pytest.raises(StepError, match="looking for silences before the render failed: FFmpeg failed"):
        analyses.analyse(_audio_pad(str(broken)), silences(-35, 0.5))


def test_the_readers():
    assert read_silences(["silence_start: 0", "silence_end: 1.5 | silence_duration: 1.5"]) == [[0.0, 1.5]]
    assert read_scene_changes(["lavfi.scd.score: 12.5, lavfi.scd.time: 3"]) == [[3.0, 12.5]]
    assert read_crops(["x1:2 x2:9 y1:0 y2:5 w:8 h:6 x:2 y:0 pts:1 t:0.04 limit:0.1 crop=8:6:2:0"]) == [[0.04, 8, 6, 2, 0]]
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
