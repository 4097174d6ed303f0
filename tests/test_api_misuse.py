"""Every public function of ``ffx`` refuses a misuse with one of its own exceptions, in one readable line,
before any work: None, wrong kinds, huge numbers, NaN, lone surrogates. One misuse a line."""

from __future__ import annotations

import math
import os
import pathlib

import numpy as np
import pytest

import ffx
from ffx import CapabilityError, FfxError, FrameError, RecipeError, UsageError

RECIPE = ffx.Recipe(input={"source": "testsrc2", "size": "64x48", "duration": 0.2}, steps=["reverse"],
                    output="out.mp4")
FRAMES = [np.zeros((16, 16, 3), np.uint8)] * 2
NAN = math.nan
# a 100000 x 100000 RGB frame that takes 3 bytes of memory (every pixel is the same three bytes)
HUGE = np.lib.stride_tricks.as_strided(np.zeros(3, np.uint8), (100_000, 100_000, 3), (0, 0, 1))
RAW_SURROGATE = ffx.Recipe(input={"source": "testsrc2", "duration": 0.2}, output="o.mp4")


def batch(**kw):
    return lambda: ffx.batch(RECIPE, **{"inputs": ["a.mp4"], "output": "out/{stem}.mp4", **kw})


def preview(**kw):
    return lambda: ffx.preview(RECIPE, **kw)


def frames(source=RECIPE, **kw):
    return lambda: ffx.frames(source, **kw)


def encode(frames=FRAMES, **kw):
    return lambda: ffx.encode(frames, **kw)


MISUSES = [  # (what is tried, the call, the exception, a fragment of its message)
    ("render_plan(None)", lambda: ffx.render_plan(None), UsageError, "render_plan runs what ffx.compile_recipe"),
    ("render_plan(recipe)", lambda: ffx.render_plan(RECIPE), UsageError, "(a Plan), not Recipe"),
    ("render_plan(progress=)", lambda: ffx.render_plan(ffx.compile_recipe(RECIPE), progress="x"), UsageError,
     "progress is True"),
    ("compile_recipe(None)", lambda: ffx.compile_recipe(None), UsageError, "recipe is an ffx.Recipe"),
    ("compile_recipe(probes=1)", lambda: ffx.compile_recipe(RECIPE, probes=1), UsageError, "probes is an"),
    ("compile_recipe(max_recipe_size=x)", lambda: ffx.compile_recipe(RECIPE, max_recipe_size="x"), RecipeError,
     "max_recipe_size: 'x' is not a size"),
    ("compile_recipe(max_recipe_size=[])", lambda: ffx.compile_recipe(RECIPE, max_recipe_size=[]), UsageError,
     "max_recipe_size is a number"),
    ("render(probes='x')", lambda: ffx.render(RECIPE, probes="x"), UsageError, "probes is an"),
    ("render(chunks=nan)", lambda: ffx.render(RECIPE, chunks=NAN), UsageError, "chunks is a whole number"),
    ("render(chunks=10**30)", lambda: ffx.render(RECIPE, chunks=10**30), RecipeError, "not a number of pieces"),
    ("render(max_memory=nan)", lambda: ffx.render(RECIPE, max_memory=NAN), UsageError, "max_memory is a number"),
    ("preview(rows='x')", preview(rows="x"), UsageError, "rows is a whole number of tiles"),
    ("preview(rows=None)", preview(rows=None), UsageError, "rows is a whole number of tiles"),
    ("preview(rows=1.5)", preview(rows=1.5), UsageError, "rows is a whole number of tiles"),
    ("preview(rows=10**30)", preview(rows=10**30), RecipeError, "rows: 10000"),
    ("preview(columns='x')", preview(columns="x"), UsageError, "columns is a whole number of tiles"),
    ("preview(columns=0)", preview(columns=0), RecipeError, "columns: 0 is not a number of tiles (1 to 32)"),
    ("preview(columns=True)", preview(columns=True), UsageError, "columns is a whole number"),
    ("preview(at=[1])", preview(at=[1]), UsageError, "at is a number of seconds"),
    ("preview(at={})", preview(at={}), UsageError, "at is a number of seconds"),
    ("preview(at=nan)", preview(at=NAN), RecipeError, "at: nan is not a time"),
    ("preview(seconds=b'1')", preview(seconds=b"1"), UsageError, "seconds is a number of seconds"),
    ("preview(seconds=inf)", preview(seconds=math.inf), RecipeError, "seconds: inf is not a time"),
    ("preview(folder=None)", preview(folder=None), UsageError, "folder is the path of a folder"),
    ("preview(folder=1)", preview(folder=1), UsageError, "folder is the path of a folder, not int"),
    ("preview(probes=[])", preview(probes=[]), UsageError, "probes is an"),
    ("preview(scale=nan)", preview(scale=NAN), RecipeError, "scale: nan is not a scale"),
    ("frames(None)", frames(None), UsageError, "source is an ffx.Recipe, a recipe file or a media file"),
    ("frames(1)", frames(1), UsageError, "not int"),
    ("frames(bgr='yes')", frames(bgr="yes"), UsageError, "bgr is True or False"),
    ("frames(bgr=1)", frames(bgr=1), UsageError, "bgr is True or False"),
    ("frames(Recipe, steps=)", frames(steps=[]), UsageError, "steps go with a media file"),
    ("frames(surrogate)", frames("\ud800.mp4"), RecipeError, "input.path"),
    ("frames(max_memory=-1)", frames(max_memory=-1), RecipeError, "max_memory"),
    ("encode(None)", lambda: ffx.encode(None), UsageError, "frames is an iterable"),
    ("encode(100000x100000)", encode([HUGE]), FrameError, "100000x100000 is larger than FFmpeg can allocate"),
    ("encode(0x16)", encode([np.zeros((0, 16, 3), np.uint8)]), FrameError, "16x0 is not a frame size"),
    ("encode(fps=nan)", encode(fps=NAN), RecipeError, "fps: a frame rate must be finite"),
    ("encode(crf=nan)", encode(crf=NAN), RecipeError, "output.crf"),
    ("encode(codec=surrogate)", encode(codec="\ud800"), RecipeError, "output.codec"),
    ("encode(codec='x')", encode(codec="x"), CapabilityError, "has no 'x' encoder; choose another codec"),
    ("encode(overwrite=None)", encode(overwrite=None), UsageError, "overwrite is True or False"),
    ("encode(output=1)", encode(output=1), UsageError, "output is a file path"),
    ("render_bytes(None)", lambda: ffx.render_bytes(None), UsageError, "recipe is an ffx.Recipe"),
    ("render_bytes(format=1)", lambda: ffx.render_bytes(RECIPE, format=1), UsageError, "format is a name"),
    ("render_bytes(max_recipe_size=x)", lambda: ffx.render_bytes(RECIPE, max_recipe_size="x"), RecipeError,
     "max_recipe_size"),
    ("iter_bytes(fragmented='x')", lambda: next(ffx.iter_bytes(RECIPE, fragmented="x")), UsageError,
     "fragmented is True or False"),
    ("batch(inputs=[1])", batch(inputs=[1]), UsageError, "inputs[0] is a path, not int"),
    ("batch(inputs=None)", batch(inputs=None), UsageError, "inputs is a list of paths or glob patterns"),
    ("batch(inputs=5)", batch(inputs=5), UsageError, "inputs is a list of paths"),
    ("batch(inputs=[surrogate])", batch(inputs=["\ud800.mp4"]), RecipeError, "inputs[0]: '\\ud800.mp4' is not a"),
    ("batch(output=None)", batch(output=None), UsageError, "output is a path, not NoneType"),
    ("batch(output=surrogate)", batch(output="\ud800/{stem}.mp4"), RecipeError, "lone surrogate"),
    ("batch(inputs_from=5)", batch(inputs_from=5), UsageError, "inputs_from is a path"),
    ("batch(report=5)", batch(report=5), UsageError, "report is a path"),
    ("batch(progress='yes')", batch(progress="yes"), UsageError, "progress is True, False or an object"),
    ("batch(cluster=5)", batch(cluster=5), UsageError, "cluster is local:N"),
    ("batch(memory_budget=10**30)", batch(memory_budget=10**30), RecipeError, "memory_budget"),
    ("batch(jobs=nan)", batch(jobs=NAN), UsageError, "jobs is a number"),
    ("batch(max_recipe_size=x)", batch(max_recipe_size="x"), RecipeError, "max_recipe_size"),
    ("batch(None)", lambda: ffx.batch(None, ["a.mp4"], output="out/{stem}.mp4"), UsageError, "recipe is an"),
    ("load_recipe(None)", lambda: ffx.load_recipe(None), UsageError, "path of a recipe file"),
    ("load_recipe(text=surrogate)", lambda: ffx.load_recipe("r.yaml", text="input: \ud800\n"), RecipeError,
     "character 8 of the recipe is a lone surrogate"),
    ("load_recipe(surrogate path)", lambda: ffx.load_recipe("\ud800.yaml"), RecipeError,
     "is not a file name: it holds a lone surrogate"),
    ("raw filter surrogate", lambda: RAW_SURROGATE.model_copy(update={"steps": [
        ffx.effects.RawFilter(name="eq", gamma="\ud800")]}).checked(), RecipeError,
     "steps[0].filter.gamma: '\\ud800' holds a lone surrogate"),
    ("Recipe(raw filter surrogate)", lambda: ffx.Recipe(input="a.mp4", steps=[{"filter": {"name": "eq", "gamma": "1\ud800"}}]),
     RecipeError, "steps[0].filter.gamma"),
    ("Recipe(steps=5)", lambda: ffx.Recipe(steps=5), RecipeError, "steps"),
    ("Input(path=surrogate)", lambda: ffx.Input(path="\ud800"), RecipeError, "input.path"),
    ("Output(path=None)", lambda: ffx.Output(path=None), RecipeError, "output.path"),
    ("effects.Resize(nan)", lambda: ffx.effects.Resize(NAN), RecipeError, "resize"),
    *([("from_ffmpeg_python(None)", lambda: ffx.from_ffmpeg_python(None), UsageError, "takes an ffmpeg-python")]
      if "from_ffmpeg_python" in ffx.__all__ else []),
]
BUILTIN = {UsageError: TypeError, RecipeError: ValueError, FrameError: ValueError, CapabilityError: RuntimeError}


@pytest.mark.parametrize("name, call, expected, fragment", MISUSES, ids=[m[0] for m in MISUSES])
def test_a_misuse_is_one_line_of_an_ffx_error(name, call, expected, fragment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FfxError) as info:
        call()
    error = info.value
    assert type(error) is expected, f"{type(error).__name__}: {error}"
    assert isinstance(error, BUILTIN[expected])
    message = str(error)
    assert fragment in message, message
    assert len(message.splitlines()) == 1 and len(message) < 400, message
    assert list(tmp_path.iterdir()) == [], "nothing is written for a refused call"


def test_every_public_function_is_tried():
    functions = {name for name in ffx.__all__ if callable(getattr(ffx, name)) and name[0].islower()}
    tried = {name.split("(")[0].split(".")[0] for name, *_ in MISUSES}
    assert functions <= tried, functions - tried


def test_a_single_path_given_to_batch_is_one_input_not_its_characters(tmp_path, monkeypatch):
    """``inputs="clips/*.mp4"`` is one pattern, as on the command line; a missing file fails alone, named whole."""
    monkeypatch.chdir(tmp_path)
    for given in ("missing.mp4", pathlib.Path("missing.mp4")):
        results = ffx.batch(RECIPE, inputs=given, output="out/{stem}.mp4")
        assert [(r.input, r.status) for r in results] == [("missing.mp4", "failed")]
        assert "missing.mp4" in results[0].error
    assert not os.path.exists("out/missing.mp4")
