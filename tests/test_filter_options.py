"""Raw filters and generated sources checked against FFmpeg's own option table at validate."""

from __future__ import annotations

import random
import re
import subprocess

import numpy as np
import pytest

import ffx
from conftest import ADVERSARIAL, FFMPEG, decode_audio, decode_frames
from ffx.filtergraph import filter_table
from ffx.filtergraph.filter_options import filter_options, filter_pads, image_size_problem
from ffx.filtergraph.safety import unsafe_filter_reason
from ffx.media.probe import probe

SOURCE = {"source": "color", "color": "red", "size": "64x48", "rate": 10, "duration": 1}
SECOND = {"source": "color", "color": "blue", "size": "64x48", "rate": 10, "duration": 1}


def compile_steps(tmp_path, steps: list, inputs: dict | None = None) -> ffx.Plan:
    inputs = dict(inputs or {"a": {**SOURCE, "audio": "sine"}, "b": SECOND})
    if "'b'" not in repr(steps):  # an input no step reads is an error of its own
        inputs.pop("b", None)
    recipe = ffx.Recipe(inputs=inputs, steps=steps, output=str(tmp_path / "o.mkv"))
    return ffx.compile_recipe(recipe)


# each: a step FFmpeg refuses only once the graph starts, or renders wrongly; and what the error names
REFUSED = [
    ({"name": "metadata"}, "filter.name", "cannot start without one of key"),
    ({"name": "geq"}, "filter.name", "cannot start without one of b, blue_expr"),
    ({"name": "volume", "volume": 1e308}, "filter.volume", "outside the range 0 to 1000000"),
    ({"name": "volume", "volume": "1e10"}, "filter.volume", "outside the range"),
    ({"name": "xfade"}, "filter.name", "reads 2 streams; it was given 1"),
    ({"name": "xfade", "with": ["b", "a"]}, "filter.with", "reads 2 streams; it was given 3"),
    ({"name": "hstack", "inputs": 3, "with": ["b"]}, "filter.with", "reads 3 streams; it was given 2"),
    ({"name": "xfade", "with": ["b"], "transition": "wipe_left"}, "filter.transition", "did you mean 'wipeleft'"),
    ({"name": "tmix", "frame": 3}, "filter.frame", "no option 'frame' (did you mean 'frames'?)"),
    ({"name": "tmix", "frames": 9999}, "filter.frames", "outside the range 1 to 1024"),
    ({"name": "tmix", "frames": 0.0}, "filter.frames", "outside the range"),
    ({"name": "gblur", "sigma": -1}, "filter.sigma", "outside the range 0 to 1024"),
    ({"name": "gblur", "sigma": "lots"}, "filter.sigma", "'lots' is not a number"),
    ({"name": "scale", "size": "99999x99999"}, "filter.size", "larger than FFmpeg can allocate"),
    ({"name": "pad", "color": "random"}, "filter.color", "different colour on every render"),
    ({"name": "drawbox", "c": "Bikeshed@0.5"}, "filter.c", "different colour on every render"),
    ({"name": "fade", "start_frame": -1}, "filter.start_frame", "outside the range 0 to"),
    ({"name": "hflip", "enable": "lt(t,1)", "threads": 1, "x": 1}, "filter.x", "no option 'x'"),
    ({"name": "transpose", "dir": "sideways"}, "filter.dir", "not one of cclock_flip, clock"),
    ({"name": "testsrc2"}, "filter.name", "is a source"),
    ({"name": "showwaves", "stream": "audio"}, "filter.name", "turns audio into video"),
    ({"name": "volume", "stream": "video"}, "filter.stream", "the volume filter reads audio, not video"),
    ({"name": "tmix", "frames": [1, 2]}, "filter.frames", "takes one value, not a list"),
    ({"name": "select", "outputs": 2}, "filter.name", "hands on 2 streams"),
    ({"name": "channelsplit"}, "filter.name", "hands on 2 streams"),
    ({"name": "aformat", "sample_rates": "44100|fast"}, "filter.sample_rates", "'fast' is not a number"),
    ({"name": "aresample", "out_sample_rate": -1}, "filter.out_sample_rate", "outside the range 0 to"),
]


@pytest.mark.parametrize(("spec", "field", "message"), REFUSED, ids=lambda v: str(v)[:40])
def test_a_raw_filter_ffmpeg_would_refuse_fails_at_validate_naming_step_and_option(tmp_path, spec, field, message):
    with pytest.raises(ffx.RecipeError, match=rf"steps\[0\]\.{re.escape(field)}: .*{re.escape(message)}"):
        compile_steps(tmp_path, [{"filter": spec}])
    ADVERSARIAL["clear errors"] += 1


ACCEPTED = [
    {"name": "tmix", "frames": 3, "weights": "-1 0 1", "scale": 2},
    {"name": "metadata", "mode": "add", "key": "k", "value": "v"},
    {"name": "geq", "lum": "p(X,Y)", "cb": 128, "cr": 128},
    {"name": "eq", "brightness": "0.1*2", "eval": "frame"},
    {"name": "scale", "w": "iw/2", "h": -2, "flags": "bicubic+accurate_rnd"},
    {"name": "transpose", "dir": "clock"},
    {"name": "gblur", "sigma": "default"},
    {"name": "fade", "type": "in", "duration": 0.5, "color": "black@0.5"},
    {"name": "hflip", "enable": "lt(t,0.5)"},
    {"name": "xfade", "with": ["b"], "transition": "wipeleft", "duration": 0.4, "offset": 0.2},
    {"name": "hstack", "with": ["b"]},
    {"name": "volume", "volume": "6dB"},
    {"name": "select", "expr": "not(mod(n,2))"},
]


@pytest.mark.parametrize("spec", ACCEPTED, ids=lambda v: v["name"])
def test_ordinary_raw_filters_still_pass(tmp_path, spec):
    inputs = {"a": {**SOURCE, "audio": "sine"}, "b": SECOND}
    compile_steps(tmp_path, [{"filter": spec}], inputs)


def test_a_filter_of_two_inputs_reads_the_streams_named_in_with(tmp_path):
    """Before, a raw xfade could not be given its second stream and failed at render."""
    recipe = ffx.Recipe(inputs={"a": SOURCE, "b": SECOND},
                        steps=[{"filter": {"name": "xfade", "with": ["b"], "duration": 0.4, "offset": 0.3}}],
                        output={"path": str(tmp_path / "x.mkv"), "codec": "ffv1"})
    ffx.render(recipe)
    frames = decode_frames(tmp_path / "x.mkv").astype(int)
    red, blue = frames[0].mean(axis=(0, 1)), frames[-1].mean(axis=(0, 1))
    assert red[0] > 200 and red[2] < 50, red
    assert blue[2] > 200 and blue[0] < 50, blue
    assert len(frames) == 13  # 0.3 s of a, then all of b (its first 0.4 s under the fade)


def test_array_options_and_resampler_options_compile_and_render(tmp_path):
    """aformat's sample_fmts is an array option ("[<sample_fmt>]" in FFmpeg 7's help) and aresample's
    out_sample_rate stands in the resampler's help section: the table once missed both, refusing the steps."""
    steps = [{"filter": {"name": "aformat", "sample_fmts": "s16", "sample_rates": "44100|48000"}},
             {"filter": {"name": "aresample", "out_sample_rate": 8000}}]
    recipe = ffx.Recipe(input={**SOURCE, "audio": "sine"}, steps=steps,
                        output={"path": str(tmp_path / "o.mkv"), "codec": "ffv1", "audio_codec": "pcm_s16le"})
    graph_text = " ".join(ffx.compile_recipe(recipe).argv)
    assert "aformat=sample_fmts=s16:sample_rates=44100|48000" in graph_text and "aresample=out_sample_rate=8000" \
        in graph_text
    ffx.render(recipe)
    assert probe(str(tmp_path / "o.mkv"), FFMPEG).sample_rate == 8000
    assert len(decode_audio(tmp_path / "o.mkv", rate=8000)) == pytest.approx(8000, abs=200)  # the clip's second


def test_an_audio_filter_applies_to_the_audio_without_saying_so(tmp_path):
    """volume reads audio: before, it was given the video stream and FFmpeg refused the graph."""
    source = {**SOURCE, "audio": "sine"}
    out = {}
    for name, steps in (("plain", []), ("half", [{"filter": {"name": "volume", "volume": 0.5}}])):
        recipe = ffx.Recipe(input=source, steps=steps,
                            output={"path": str(tmp_path / f"{name}.mkv"), "codec": "ffv1", "audio_codec": "pcm_s16le"})
        ffx.render(recipe)
        out[name] = decode_audio(tmp_path / f"{name}.mkv")
    ratio = np.abs(out["half"]).max() / np.abs(out["plain"]).max()
    assert 0.49 < ratio < 0.51, ratio


@pytest.mark.parametrize("size", ["99999x99999", "16384x16384", "65535x65535"])
def test_a_generated_source_larger_than_ffmpeg_can_allocate_is_refused(tmp_path, size):
    """FFmpeg says only "Picture size ... is invalid", naming no field."""
    with pytest.raises(ffx.RecipeError, match=r"input\.size: .*larger than FFmpeg can allocate"):
        ffx.Recipe(input={**SOURCE, "size": size}, output=str(tmp_path / "o.mkv"))
    ADVERSARIAL["clear errors"] += 1


@pytest.mark.parametrize(("size", "allocatable"), [("16384x16000", True), ("16384x16384", False),
                                                   ("32767x8000", True), ("200000x1", True), ("1x300000", True),
                                                   ("1x3000000", False)])
def test_the_size_limit_is_ffmpegs_own(size, allocatable):
    width, height = (int(v) for v in size.split("x"))
    assert (image_size_problem(width, height) is None) == allocatable
    done = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                           f"nullsrc=size={size}:duration=0.04", "-frames:v", "1", "-f", "null", "-"],
                          capture_output=True, text=True)
    assert (done.returncode == 0) == allocatable, done.stderr


def numeric_options(count: int, seed: int) -> list[tuple[str, str, str, object]]:
    """Random (filter, option, type, maximum) of reviewed one-video-in, one-video-out filters."""
    rng = random.Random(seed)
    choices = []
    for name in sorted(filter_table.KNOWN_FILTERS):
        if unsafe_filter_reason(name, []) or filter_pads(name) != ("V", "V") or name in filter_table.REQUIRED:
            continue
        for option, (kind, low, high, _) in filter_options(name).items():
            if (kind in ("int", "float", "double") and isinstance(high, (int, float)) and abs(high) < 1e9
                    and option.islower()):  # recipes write option names in lower case
                choices.append((name, option, kind, high))
    return rng.sample(choices, count)


@pytest.mark.parametrize(("name", "option", "kind", "high"), numeric_options(20, seed=7),
                         ids=lambda v: str(v))
def test_a_value_just_past_the_table_maximum_is_one_ffmpeg_refuses_too(tmp_path, name, option, kind, high):
    """The table is FFmpeg's: what ffx refuses, the bundled FFmpeg refuses too."""
    value = high + 1
    with pytest.raises(ffx.RecipeError, match=rf"steps\[0\]\.filter\.{option}: .*outside the range"):
        compile_steps(tmp_path, [{"filter": {"name": name, option: value}}])
    done = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                           "color=size=64x48:duration=0.1", "-vf", f"{name}={option}={value}", "-f", "null", "-"],
                          capture_output=True, text=True)
    assert done.returncode != 0 and "out of range" in done.stderr, done.stderr
    ADVERSARIAL["clear errors"] += 1


def test_the_table_comes_from_the_bundled_ffmpeg():
    version = subprocess.run([FFMPEG, "-version"], capture_output=True, text=True).stdout.split()[2]
    assert filter_table.FFMPEG_VERSION == version
    assert filter_pads("xfade") == ("VV", "V") and filter_table.DYNAMIC_INPUTS["hstack"] == (2, "inputs")
    assert filter_options("tmix")["frames"][:3] == ["int", 1, 1024]
    assert "wipeleft" in filter_options("xfade")["transition"][3]
