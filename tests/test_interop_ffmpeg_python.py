"""ffmpeg-python graphs through ffx: the same frames as ffmpeg-python's own run, on tiny lossless clips."""

from __future__ import annotations

import random
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import FFMPEG, decode_audio, decode_frames, make_clip

ffmpeg = pytest.importorskip("ffmpeg")
LOSSLESS = {"vcodec": "ffv1", "acodec": "pcm_s16le"}


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return make_clip(tmp_path / "small.mkv", duration=0.4, size="64x48")


def run_ffmpeg_python(node) -> None:
    node.run(cmd=FFMPEG, quiet=True, overwrite_output=True)


def through_ffx(node, **options) -> ffx.Plan:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ffx.FfxWarning)
        recipe = ffx.from_ffmpeg_python(node)
    return ffx.render(recipe, **options)


def same_frames(a: Path, b: Path) -> None:
    first, second = decode_frames(a), decode_frames(b)
    assert first.shape == second.shape and len(first) == 10
    assert np.array_equal(first, second)


def test_a_chain_with_unnamed_options_and_audio_selectors(small, tmp_path):
    source = ffmpeg.input(str(small))
    video = source["v"].hflip().filter("scale", 32, -1).filter("hue", s=0)
    audio = source.audio.filter("volume", 0.5)
    ours, theirs = tmp_path / "ours.mkv", tmp_path / "theirs.mkv"
    run_ffmpeg_python(ffmpeg.output(video, audio, str(theirs), **LOSSLESS))
    through_ffx(ffmpeg.output(video, audio, str(ours), **LOSSLESS))
    same_frames(ours, theirs)
    assert decode_frames(ours).shape[1:3] == (24, 32)
    assert np.array_equal(decode_audio(ours), decode_audio(theirs)) and len(decode_audio(ours)) > 0


def test_splits_are_ffx_s_and_equal_looking_nodes_stay_two(small, tmp_path):
    source = ffmpeg.input(str(small)).video
    twins = [source.hflip(), source.hflip()]  # equal hashes in ffmpeg-python: one node to it
    assert hash(twins[0].node) == hash(twins[1].node)
    recipe = ffx.from_ffmpeg_python(ffmpeg.overlay(twins[0], twins[1].filter("negate")).output(str(tmp_path / "o.mkv")))
    assert [s.name for s in recipe.steps].count("hflip") == 2
    branches = source.split()
    graph = ffmpeg.overlay(branches[0].hflip(), branches[1].filter("negate"), x=8, y=4)
    ours, theirs = tmp_path / "ours.mkv", tmp_path / "theirs.mkv"
    run_ffmpeg_python(graph.output(str(theirs), **LOSSLESS))
    plan = through_ffx(graph.output(str(ours), **LOSSLESS))
    assert "split" not in [s.name for s in recipe.steps] and "split" in plan.shell()
    same_frames(ours, theirs)


def test_drawtext_text_stored_escaped_is_shown_literally(small, tmp_path):
    text = "50% off: it's \\o/ [ok]; %{pts}"
    graph = ffmpeg.input(str(small)).drawtext(text=text, fontsize=10, fontcolor="white", x=2, y=2)
    step = ffx.from_ffmpeg_python(graph.output(str(tmp_path / "x.mkv"))).steps[0]
    assert step.options()["text"] == text and step.options()["expansion"] == "none"
    ours, theirs = tmp_path / "ours.mkv", tmp_path / "theirs.mkv"
    run_ffmpeg_python(graph.output(str(theirs), **LOSSLESS))
    through_ffx(graph.output(str(ours), **LOSSLESS))
    same_frames(ours, theirs)
    plain = tmp_path / "plain.mkv"
    run_ffmpeg_python(ffmpeg.input(str(small)).output(str(plain), **LOSSLESS))
    assert not np.array_equal(decode_frames(ours), decode_frames(plain))  # the text is drawn


def random_graph(stream, seed: int, size: int):
    """A seeded graph of about ``size`` filters: unary filters, splits, and overlays joining branches."""
    rng = random.Random(seed)
    pool = [stream]
    made = 0
    while made < size:
        choice = rng.random()
        if choice < 0.2 and len(pool) < 8:
            branches = pool.pop(rng.randrange(len(pool))).split()
            pool += [branches[0], branches[1]]
        elif choice < 0.4 and len(pool) > 1:
            main, top = pool.pop(rng.randrange(len(pool))), pool.pop(rng.randrange(len(pool)))
            pool.append(ffmpeg.overlay(main, top.filter("scale", 16, 12), x=rng.randrange(40), y=rng.randrange(30)))
        else:
            name = rng.choice(["hflip", "vflip", "negate"])
            pool.append(pool.pop(rng.randrange(len(pool))).filter(name))
        made += 1
    while len(pool) > 1:
        pool.append(ffmpeg.overlay(pool.pop(), pool.pop(), x=4, y=4))
    return pool[0]


def test_a_random_graph_of_hundreds_of_filters(small, tmp_path):
    graph = random_graph(ffmpeg.input(str(small)).video, seed=7, size=160)
    ours, theirs = tmp_path / "ours.mkv", tmp_path / "theirs.mkv"
    run_ffmpeg_python(graph.output(str(theirs), **LOSSLESS))
    recipe = ffx.from_ffmpeg_python(graph.output(str(ours), **LOSSLESS))
    assert len(recipe.steps) >= 120
    ffx.render(recipe)
    same_frames(ours, theirs)


def test_a_chain_of_5000_filters_ffmpeg_python_cannot_compile(small, tmp_path):
    rng = random.Random(3)
    names = [rng.choice(["hflip", "vflip", "negate"]) for _ in range(5000)]
    long = ffmpeg.input(str(small)).video
    for name in names:
        long = long.filter(name)
    with pytest.raises(RecursionError):
        long.output(str(tmp_path / "x.mkv")).compile()
    short = ffmpeg.input(str(small)).video  # the same picture: each filter undone by its second application
    for name in sorted({n for n in names if names.count(n) % 2}):
        short = short.filter(name)
    ours, theirs = tmp_path / "ours.mkv", tmp_path / "theirs.mkv"
    run_ffmpeg_python(short.output(str(theirs), **LOSSLESS))
    plan = through_ffx(long.output(str(ours), **LOSSLESS))
    assert len(plan.stages[0].filter_steps) == 5000
    same_frames(ours, theirs)


def test_input_trim_and_output_options_map_onto_the_recipe(small, tmp_path):
    graph = ffmpeg.input(str(small), ss=0.12, t=0.2).hflip()
    recipe = ffx.from_ffmpeg_python(graph.output(str(tmp_path / "o.mkv"), vcodec="ffv1", pix_fmt="yuv444p", t=0.16))
    assert [s.effect for s in recipe.steps] == ["trim", "filter", "trim"]
    assert (recipe.output.codec, recipe.output.pix_fmt, recipe.output.audio) == ("ffv1", "yuv444p", False)
    with pytest.warns(ffx.FfxWarning, match="movflags"):
        ffx.from_ffmpeg_python(graph.output(str(tmp_path / "o.mp4"), movflags="faststart"))
    theirs = tmp_path / "theirs.mkv"
    run_ffmpeg_python(graph.output(str(theirs), **LOSSLESS))
    ours = Path(ffx.render(ffx.from_ffmpeg_python(graph.output(str(tmp_path / "ours.mkv"), **LOSSLESS)))
                .stages[-1].output_path)
    assert np.array_equal(decode_frames(ours), decode_frames(theirs)) and len(decode_frames(ours)) == 5


def test_the_recipe_dumps_to_yaml_and_loads_back_equal(small, tmp_path):
    branches = ffmpeg.input(str(small)).video.split()
    graph = ffmpeg.overlay(branches[0].filter("scale", 32, -1), branches[1].vflip()).drawtext(text="a:b\\c")
    recipe = ffx.from_ffmpeg_python(graph.output(str(tmp_path / "o.mkv"), vcodec="ffv1"))
    assert ffx.load_recipe("r.yaml", text=recipe.to_yaml()) == recipe
    assert "-filter_complex" in ffx.compile_recipe(recipe).shell()


def test_what_a_recipe_cannot_hold_is_refused_in_one_line(small, tmp_path):
    source = ffmpeg.input(str(small))
    with pytest.raises(ffx.RecipeError, match="several outputs"):
        ffx.from_ffmpeg_python(ffmpeg.merge_outputs(source.output("a.mkv"), source.output("b.mkv")))
    with pytest.raises(ffx.RecipeError, match="not modelled"):
        ffx.from_ffmpeg_python(ffmpeg.input(str(small), stream_loop=2).output("a.mkv"))
    with pytest.raises(ffx.UsageError, match="not int"):
        ffx.from_ffmpeg_python(3)


def test_the_missing_extra_is_one_line_naming_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ffmpeg", None)
    with pytest.raises(ffx.UsageError) as caught:
        ffx.from_ffmpeg_python(object())
    assert str(caught.value).count("\n") == 0 and "pip install 'ffx[ffmpeg-python]'" in str(caught.value)


def test_the_command_line_does_not_import_ffmpeg_python(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("input: {source: testsrc2, duration: 1}\nsteps: [mirror]\noutput: o.mp4\n")
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom ffx.cli import app\n"
            f"CliRunner().invoke(app, ['--help']); CliRunner().invoke(app, ['compile', {str(recipe)!r}])\n"
            "print('ffmpeg' in sys.modules, 'ffx.interop' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert done.stdout.split() == ["False", "False"], done.stderr
