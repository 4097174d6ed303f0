"""Escaping and graph building: golden strings, and FFmpeg itself reading back every value."""

import re
import subprocess

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ffx
from ffx.filtergraph import graph
from conftest import ESCAPING, FFMPEG

NASTY = st.text(alphabet=st.sampled_from(list("\\':,;[]=%{}\n\t \"$`|&#ab0é🎉")), max_size=24)
TEXT = st.one_of(NASTY, st.text(max_size=40))


def test_golden_escaping():
    assert graph.filter_spec("scale", [("w", "320"), ("h", "-2")]) == "scale=w=320:h=-2"
    assert graph.filter_spec("drawtext", [("text", "a:b")]) == r"drawtext=text=\'a:b\'"
    assert graph.filter_spec("drawtext", [("text", "x:mode=print:file=PWNED")]) == \
        r"drawtext=text=\'x:mode=print:file=PWNED\'"
    assert graph.filter_spec("drawtext", [("text", " pad ")]) == r"drawtext=text=\' pad \'"
    assert graph.filter_spec("drawtext", [("text", "[x];y,z")]) == r"drawtext=text=\[x\]\;y\,z"


def test_bad_names_are_refused():
    for name in ("scale:x", "Scale", "/scale", "a b", ""):
        try:
            graph.filter_spec(name, [])
        except ValueError:
            continue
        raise AssertionError(f"{name!r} accepted")
    for key in ("/file", "w:h", "W", "1a"):
        try:
            graph.filter_spec("scale", [(key, "1")])
        except ValueError:
            continue
        raise AssertionError(f"{key!r} accepted")


def read_back(values: list[str]) -> tuple[list[str | None], int]:
    """Pass each value through FFmpeg as a metadata value; return what FFmpeg stored and the filter count."""
    chain = [graph.filter_spec("metadata", [("mode", "add"), ("key", f"k{i}"), ("value", v)]) for i, v in enumerate(values)]
    chain.append(graph.filter_spec("metadata", [("mode", "print")]))
    done = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "debug", "-f", "lavfi", "-i",
                           "color=size=16x16:duration=0.04:rate=25", "-filter_complex", ",".join(chain),
                           "-f", "null", "-"], capture_output=True, text=True, errors="replace")
    assert done.returncode == 0, done.stderr[-2000:]
    printer = f"Parsed_metadata_{len(values)}"
    text = done.stderr
    got: list[str | None] = []
    for i in range(len(values)):
        start = text.find(f"[{printer} @ ", 0)
        marker = re.search(rf"\[{printer} @ 0x[0-9a-f]+\] k{i}=", text)
        if not marker or start < 0:
            got.append(None)
            continue
        rest = text[marker.end():]
        end = re.search(rf"\n\[{printer} @ 0x[0-9a-f]+\] k{i + 1}=|\n\[(?!{printer})[A-Za-z_]+[^\]]* @ 0x|\n[A-Z][a-z]+ ", rest)
        got.append(rest[: end.start()] if end else rest.rstrip("\n"))
    filters = len(set(re.findall(r"Parsed_[a-z_]+_\d+", text)) - {"Parsed_color_0"})  # minus the source
    return got, filters


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXT, min_size=1, max_size=12))
def test_ffmpeg_receives_every_value_exactly(values):
    # metadata values end at a newline in FFmpeg's print-out, and NUL cannot pass argv
    values = [v.replace("\x00", "") for v in values]
    got, filters = read_back(values)
    # FFmpeg's log shows control characters as '?', so only printable values can be read back
    readable = [v for v in values if v.isprintable()]
    ESCAPING["values"] += len(values)
    ESCAPING["mangled"] += sum(1 for sent, received in zip(values, got) if sent in readable and received != sent)
    ESCAPING["injections" if filters > len(values) + 1 else "breakouts"] += int(filters != len(values) + 1)
    for sent, received in zip(values, got):
        if sent in readable:
            assert received == sent
    assert filters == len(values) + 1  # no filter was added or lost


def test_compiling_twice_gives_the_same_argv(clip):
    recipe = ffx.Recipe(input=str(clip), steps=[{"split": ["a"]}, "reverse", {"hstack": ["a"]}, "boomerang"],
                        output="o.mp4")
    assert ffx.compile_recipe(recipe).argv == ffx.compile_recipe(recipe).argv


def test_shared_streams_get_a_split_and_unused_branches_vanish():
    node = graph.input_node("file:a.mkv", [], True, True)
    video = graph.input_pad(node, graph.VIDEO)
    flipped = graph.filter_node("hflip", [video]).pad()
    graph.filter_node("vflip", [video])  # never used: must not appear
    stacked = graph.filter_node("hstack", [video, flipped], {"inputs": 2}).pad()
    lowered = graph.lower([stacked], "file:o.mkv", [])
    fc = lowered.args[lowered.args.index("-filter_complex") + 1]
    assert fc == "[0:v:0]split=outputs=2[s0][s1];[s0]hflip[s2];[s1][s2]hstack=inputs=2[s3]"
    labels = re.findall(r"\[(s\d+)\]", " ".join(lowered.args))
    assert all(labels.count(label) == 2 for label in set(labels))  # each produced once, consumed once


def test_lowering_changes_no_node_and_gives_the_same_graph_twice():
    node = graph.input_node("file:a.mkv", [], True, True)
    video = graph.input_pad(node, graph.VIDEO)
    flipped = graph.filter_node("hflip", [video])
    stacked = graph.filter_node("hstack", [video, flipped.pad()], {"inputs": 2})
    before = (flipped.inputs, stacked.inputs)
    first = graph.lower([stacked.pad()], "file:o.mkv", [])
    assert (flipped.inputs, stacked.inputs) == before  # no split was written into the effects' nodes
    assert graph.lower([stacked.pad()], "file:o.mkv", []).args == first.args
    # a part of the lowered graph is lowered as if alone, its shared input split no more
    part = first.part([flipped.pad()], "-", [])
    assert part.args == graph.lower([flipped.pad()], "-", []).args == \
        ["-i", "file:a.mkv", "-filter_complex", "[0:v:0]hflip[s0]", "-map", "[s0]", "-"]


def test_five_thousand_steps_compile(tmp_path):
    recipe = ffx.Recipe(input={"source": "testsrc2", "duration": 0.2, "size": "32x18"}, steps=["black_white"] * 5000,
                        output=str(tmp_path / "o.mkv"))
    plan = ffx.compile_recipe(recipe)
    graph_text = plan.argv[plan.argv.index("-filter_complex") + 1]
    assert graph_text.count("hue=s=0") == 5000 and graph_text.endswith("[s4999]")
    assert plan.preview[plan.preview.index("-vf") + 1].endswith("hue=s=0[out]")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 999), st.integers(0, 999), st.booleans()), min_size=1, max_size=30),
       st.integers(0, 999))
def test_any_graph_lowers_to_labels_made_once_and_read_once_that_ffmpeg_runs(shape, extra):
    source = graph.input_node("color=c=gray:size=16x16:rate=25:duration=0.04", [("-f", "lavfi")], True, False)
    pads = [graph.input_pad(source, graph.VIDEO)]
    for a, b, pair in shape:
        inputs = [pads[a % len(pads)], pads[b % len(pads)]] if pair else [pads[a % len(pads)]]
        pads.append(graph.filter_node("blend" if pair else "hflip", inputs,
                                      {"all_mode": "average"} if pair else None).pad())
    outputs = [pads[-1], pads[extra % len(pads)]]
    inputs_before = [pad.node.inputs for pad in pads]
    lowered = graph.lower(outputs, "-", [("-f", "null")])
    assert [pad.node.inputs for pad in pads] == inputs_before
    assert graph.lower(outputs, "-", [("-f", "null")]).args == lowered.args
    labels = re.findall(r"\[(s\d+)\]", " ".join(lowered.args))
    assert all(labels.count(label) == 2 for label in set(labels))  # each produced once, read once
    done = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-v", "error", *lowered.args], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
