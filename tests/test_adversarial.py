"""Hostile recipe values, paths and faults: each must end as a clear error, a literal render or a clean abort.

The outcome counts are printed at the end of the test run (see conftest.py),
next to the counts that must stay zero: clobbered inputs, partial outputs,
orphaned FFmpeg processes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

import ffx
from conftest import ADVERSARIAL, ffmpeg_children, make_clip
from test_graph import read_back

PAYLOADS = [
    "x:mode=print:file=PWNED", "'x:mode=print:file=PWNED'", "x'\\:file=PWNED", "a,movie=/etc/passwd",
    "a;nullsrc[x]", "[in]null[out]", "%{pts}", "%{eif\\:1+1\\:d}", "\\", "\\\\'", "'", "''", " lead", "trail ",
    "new\nline", "semi;colon", "brackets[0:v]", "quote\"double", "emoji 🎬 ü", "=", "k=v:k2=v2", "{}",
]


def fingerprint(paths: list[Path]) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def check_nothing_lost(folder: Path, before: dict[str, str], expected_outputs: set[str]) -> None:
    """Inputs byte-identical, no stray or partial file, no FFmpeg left running."""
    after = fingerprint([Path(p) for p in before])
    clobbered = [p for p in before if before[p] != after.get(p)]
    stray = sorted(n for n in os.listdir(folder) if str(folder / n) not in before and n not in expected_outputs)
    orphans = ffmpeg_children(folder)
    ADVERSARIAL["clobbered inputs"] += len(clobbered)
    ADVERSARIAL["partial outputs"] += len(stray)
    ADVERSARIAL["orphans"] += len(orphans)
    assert not clobbered and not stray and not orphans, (clobbered, stray, orphans)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_option_values_reach_ffmpeg_literally(payload):
    received, instances = read_back([payload])
    assert instances == 2  # the value's filter and the printer: nothing added
    if payload.isprintable():  # FFmpeg's log shows control characters as '?'
        assert received == [payload]
    ADVERSARIAL["literal renders"] += 1


INJECTED_STEPS = [
    {"filter": {"name": "movie", "filename": "/etc/passwd"}},
    {"filter": {"name": "amovie", "filename": "/etc/passwd", "stream": "audio"}},
    {"filter": {"name": "sendcmd", "filename": "cmds.txt"}},
    {"filter": {"name": "zmq"}},
    {"filter": {"name": "frei0r", "filter_name": "x"}},
    {"filter": {"name": "ladspa", "file": "x", "stream": "audio"}},
    {"filter": {"name": "lv2", "plugin": "x", "stream": "audio"}},
    {"filter": {"name": "metadata", "mode": "print", "file": "PWNED"}},
    {"filter": {"name": "drawtext", "textfile": "/etc/passwd"}},
    {"filter": {"name": "vidstabdetect", "result": "PWNED"}},
    {"filter": {"name": "null", "/file": "PWNED"}},
    {"filter": {"name": "null", "File": "x"}},
    {"filter": {"name": "null", "a:b": "x"}},
    {"filter": {"name": "null,movie"}},
    {"filter": {"name": "scale", "w": {"nested": 1}}},
    {"filter": {"name": "null", "x": float("nan")}},
]

BAD_VALUES = [
    {"trim": {"start": float("nan")}}, {"trim": {"start": float("inf")}}, {"trim": {"duration": -1}},
    {"speed": 0}, {"speed": float("inf")}, {"speed": True}, {"resize": -0.5}, {"resize": {"width": 0}},
    {"resize": {"width": 100000}}, {"crop": {"x1": 0.2, "x2": 0.1}}, {"crop": {"width": 5000, "height": 10}},
    {"fps": 0}, {"fps": "1/0"}, {"motion": {"delay": 0}}, {"motion": {"delay": 1.5}}, {"tmix": {"frames": 1}},
    {"gblur": {"sigma": -1}}, {"blend": {"with": "nowhere"}}, {"reverse": {"unknown": 1}}, {"nosuch": 1},
]


@pytest.mark.parametrize("step", INJECTED_STEPS + BAD_VALUES, ids=lambda s: repr(s)[:60])
def test_bad_steps_are_clear_errors_naming_the_field(tmp_path, silent_clip, step):
    before = fingerprint([silent_clip])
    out = tmp_path / "out.mkv"
    with pytest.raises(ffx.RecipeError) as error:
        ffx.render(ffx.Recipe(input=str(silent_clip), steps=[step], output=str(out)))
    problem = error.value.problems[0]
    assert problem.field.startswith("steps[0]") and problem.message
    assert "Traceback" not in str(error.value)
    check_nothing_lost(tmp_path, before, set())
    ADVERSARIAL["clear errors"] += 1


@pytest.mark.parametrize("output", [{"crf": float("nan")}, {"crf": 99}, {"colors": 1}, {"fps": -1},
                                    {"codec": "x;rm -rf"}, {"pix_fmt": "yuv420p:x=1"}, {"unknown": 1}])
def test_bad_output_options_are_clear_errors(tmp_path, silent_clip, output):
    with pytest.raises(ffx.RecipeError) as error:
        ffx.Recipe(input=str(silent_clip), steps=[], output={"path": str(tmp_path / "o.mp4"), **output})
    assert error.value.problems[0].field.startswith("output")
    ADVERSARIAL["clear errors"] += 1


def hostile_paths(folder: Path) -> list[tuple[str, str]]:
    """(input path, how it must end)."""
    unreadable = folder / "unreadable.mkv"
    make_clip(unreadable, audio=None, duration=0.2)
    unreadable.chmod(0)
    (folder / "empty.mkv").write_bytes(b"")
    (folder / "notmedia.mkv").write_text("hello")
    cases = [("concat:a|/etc/hostname", "error"), ("pipe:0", "error"), ("http://127.0.0.1:9/x.mp4", "error"),
             ("frame%d.png", "error"), (str(folder), "error"), ("/dev/zero", "error"), ("/dev/stdin", "error"),
             (str(folder / "missing.mkv"), "error"), (str(folder / "empty.mkv"), "error"),
             (str(folder / "notmedia.mkv"), "error")]
    if os.geteuid() != 0:  # root reads anything
        cases.append((str(unreadable), "error"))
    for literal_name in ("-y", "concat:b|c.mkv", "clip%d.mkv", "pipe:1.mkv", "a'b\"c $(x) `y`.mkv"):
        os.rename(make_clip(folder / "made.mkv", audio=None, duration=0.2), folder / literal_name)
        cases.append((str(folder / literal_name) if literal_name[0] != "-" else literal_name, "render"))
    return cases


def test_hostile_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for path, outcome in hostile_paths(tmp_path):
        before = fingerprint([p for p in tmp_path.iterdir() if p.is_file()])
        out = tmp_path / "out.mkv"
        recipe = ffx.Recipe(input=path, steps=["reverse"], output={"path": str(out), "codec": "ffv1"})
        if outcome == "error":
            with pytest.raises((ffx.InputError, ffx.RecipeError)) as error:
                ffx.render(recipe)
            assert str(error.value) and "Traceback" not in str(error.value)
            check_nothing_lost(tmp_path, before, set())
            ADVERSARIAL["clear errors"] += 1
        else:
            ffx.render(recipe)
            assert out.exists()
            check_nothing_lost(tmp_path, before, {"out.mkv"})
            out.unlink()
            ADVERSARIAL["literal renders"] += 1


@pytest.mark.parametrize("spelling", ["same", "dot", "symlink", "hardlink"])
def test_an_output_that_is_an_input_is_refused(tmp_path, silent_clip, spelling, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = {"same": str(silent_clip), "dot": f"./{silent_clip.name}"}.get(spelling)
    if spelling == "symlink":
        os.symlink(silent_clip, tmp_path / "link.mkv")
        target = str(tmp_path / "link.mkv")
    elif spelling == "hardlink":
        os.link(silent_clip, tmp_path / "hard.mkv")
        target = str(tmp_path / "hard.mkv")
    before = fingerprint([p for p in tmp_path.iterdir() if p.is_file()])
    with pytest.raises(ffx.InputError, match="never writes over an input"):
        ffx.render(ffx.Recipe(input=str(silent_clip), steps=["reverse"], output=target), overwrite=True)
    check_nothing_lost(tmp_path, before, set(os.listdir(tmp_path)))
    ADVERSARIAL["clear errors"] += 1


def test_every_world_touching_option_of_every_filter_is_refused():
    from ffx.filtergraph.filter_table import KNOWN_FILTERS, WORLD_OPTIONS
    from ffx.filtergraph.safety import unsafe_filter_reason

    pairs = [(name, option) for name, options in WORLD_OPTIONS.items() for option in options]
    assert len(pairs) > 80 and ("psnr", "f") in pairs and ("paletteuse", "debug_kdtree") in pairs
    for name, option in pairs:
        assert unsafe_filter_reason(name, [option]), (name, option)
    ADVERSARIAL["clear errors"] += len(pairs)
    # ordinary processing stays allowed, aliases only count for the filter they belong to
    for name, options in [("scale", ["w", "h", "flags"]), ("tmix", ["frames", "weights"]), ("format", ["f"]),
                          ("drawtext", ["text", "fontsize", "fontcolor"]), ("eq", ["contrast"])]:
        assert name in KNOWN_FILTERS and unsafe_filter_reason(name, options) is None, name
    assert "did you mean 'gblur'" in unsafe_filter_reason("gblurr", [])


def test_an_unreviewed_filter_needs_the_explicit_opt_in(tmp_path, silent_clip):
    recipe = ffx.Recipe(input=str(silent_clip), steps=[{"filter": {"name": "psnr", "f": "stats.log"}}],
                        output=str(tmp_path / "o.mkv"))
    with pytest.raises(ffx.RecipeError, match="--allow-unsafe"):
        ffx.compile_recipe(recipe)
    assert "f=stats.log" in " ".join(ffx.compile_recipe(recipe, allow_unsafe=True).argv)


@pytest.mark.parametrize("name", ["pipe:1.mkv", "concat:a|b.mkv", "frame%d.png", "-y.mkv", "http:x.mkv",
                                  "a'b\"c $(x) `y`.gif"])
def test_hostile_output_names_are_files_with_exactly_that_name(tmp_path, silent_clip, name):
    before = fingerprint([silent_clip])
    out = tmp_path / name
    ffx.render(ffx.Recipe(input=str(silent_clip), steps=[{"trim": {"duration": 0.2}}], output=str(out)))
    assert out.is_file() and out.stat().st_size > 0
    assert sorted(os.listdir(tmp_path)) == sorted([silent_clip.name, name])
    check_nothing_lost(tmp_path, before, {name})
    ADVERSARIAL["literal renders"] += 1
