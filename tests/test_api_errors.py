"""Misusing the Python API: every mistake is one of ffx's own exceptions, also the matching builtin,
with the one readable line the command line prints (never a pydantic dump, a bare TypeError or a
FileNotFoundError from deep inside)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import ADVERSARIAL

import ffx
from ffx import CapabilityError, FfxError, InputError, RecipeError, RenderError, UsageError
from ffx.recipe.loading import load_recipe

BUILTIN = {RecipeError: ValueError, UsageError: TypeError, InputError: OSError, CapabilityError: RuntimeError,
           RenderError: RuntimeError}

RECIPE = ffx.Recipe(input={"source": "testsrc2", "size": "64x48", "duration": 0.2}, steps=["reverse"],
                    output="out.mp4")
FRAMES = [np.zeros((16, 16, 3), np.uint8)] * 2


def _render(**kw):
    return lambda tmp: ffx.render(RECIPE, **{"output": str(tmp / "o.mp4"), **kw})


def _bytes(**kw):
    return lambda tmp: ffx.render_bytes(RECIPE, **kw)


MISUSES = {
    # a copy pydantic did not validate
    "model_copy input": (lambda tmp: ffx.render(RECIPE.model_copy(update={"input": str(tmp / "x.mp4")}),
                                                output=str(tmp / "o.mp4")), InputError, "does not exist"),
    "model_copy output": (lambda tmp: ffx.render(RECIPE.model_copy(update={"output": "o.xyz"})), RecipeError,
                          "cannot tell the format"),
    "model_copy steps": (lambda tmp: ffx.compile_recipe(RECIPE.model_copy(update={"steps": ["revers"]})),
                         RecipeError, "did you mean 'reverse'"),
    "model_copy input int": (lambda tmp: ffx.compile_recipe(RECIPE.model_copy(update={"input": 5})), RecipeError,
                             "input"),
    # formats
    "format xyz": (_bytes(format="xyz"), RecipeError, "not a format"),
    "format empty": (_bytes(format=""), RecipeError, "not a format"),
    "format None": (_bytes(format=None), UsageError, "format is a name"),
    "format ../x": (_bytes(format="../x"), RecipeError, "not a format"),
    "format png": (_bytes(format="png"), RecipeError, "cannot be written to a pipe"),
    "iter_bytes format": (lambda tmp: next(ffx.iter_bytes(RECIPE, format="xyz")), RecipeError, "not a format"),
    # effects built in Python
    "Resize('abc')": (lambda tmp: ffx.effects.Resize("abc"), RecipeError, "resize.factor: 'abc' is text"),
    "Text(text='')": (lambda tmp: ffx.effects.Text(text=""), RecipeError, "text.text"),
    "Trim(start=nan)": (lambda tmp: ffx.effects.Trim(start=math.nan), RecipeError, "trim.start"),
    "Resize(width=True)": (lambda tmp: ffx.effects.Resize(width=True), RecipeError, "true/false"),
    "Input(path='')": (lambda tmp: ffx.Input(path=""), RecipeError, "input.path: '': string should have"),
    "Input(source='nope')": (lambda tmp: ffx.Input(source="nope"), RecipeError, "input.source: 'nope'"),
    "Output(path='x.xyz')": (lambda tmp: ffx.Output(path="x.xyz"), RecipeError, "output: cannot tell the format"),
    "Output(colors=1)": (lambda tmp: ffx.Output(path="x.gif", colors=1), RecipeError, "output.colors: 1"),
    # arguments of the wrong kind
    "inputs=[123]": (_render(inputs=[123]), UsageError, "inputs[0]"),
    "inputs='a.mp4'": (_render(inputs="a.mp4"), UsageError, "inputs is a list"),
    "inputs=['']": (_render(inputs=[""]), RecipeError, "inputs[0].path"),
    "output=123": (_render(output=123), UsageError, "output is a file path"),
    "progress='yes'": (_render(progress="yes"), UsageError, "progress is True, False or a function"),
    "overwrite='yes'": (_render(overwrite="yes"), UsageError, "overwrite is True or False"),
    "ffmpeg=123": (_render(ffmpeg=123), UsageError, "ffmpeg is the path"),
    "variables=[1]": (lambda tmp: ffx.load_recipe("r.yaml", text="vars: {a: 1}\n", variables=[1]), UsageError,
                      "variables is a dict"),
    "render_bytes output=": (_bytes(output="x.mp4"), UsageError, "use ffx.render"),
    "render_bytes colour=": (_bytes(colour=1), UsageError, "unknown option 'colour'"),
    "encode(None)": (lambda tmp: ffx.encode(None), UsageError, "frames is an iterable"),
    "encode(bgr='no')": (lambda tmp: ffx.encode(FRAMES, bgr="no"), UsageError, "bgr is True or False"),
    "load_recipe(123)": (lambda tmp: load_recipe(123), UsageError, "path of a recipe file"),
    "recipe=123": (lambda tmp: ffx.compile_recipe(123), UsageError, "recipe is an ffx.Recipe"),
    "Recipe(steps='reverse')": (lambda tmp: ffx.Recipe(steps="reverse"), RecipeError, "steps"),
    # values out of range
    # a missing folder is made (tests/test_output_folders.py); one that cannot be, because a file is in the way, not
    "encode(output='/dev/null/x.mp4')": (lambda tmp: ffx.encode(FRAMES, output="/dev/null/x.mp4"),
                                         InputError, "'/dev/null' is not a folder"),
    "max_memory=-5": (_render(max_memory=-5), RecipeError, "max_memory"),
    "max_memory='lots'": (_render(max_memory="lots"), RecipeError, "not a size"),
    "max_recipe_size=0": (lambda tmp: load_recipe("r.yaml", text="", max_recipe_size=0), RecipeError,
                          "max_recipe_size"),
    "encode(crf=100)": (lambda tmp: ffx.encode(FRAMES, crf=100), RecipeError, "output.crf: 100"),
    "encode(fps=None)": (lambda tmp: ffx.encode(FRAMES, fps=None), RecipeError, "fps"),
    "encode(colour=1)": (lambda tmp: ffx.encode(FRAMES, colour=1), RecipeError, "unknown key 'colour' (did you mean 'colors'?)"),
    # NUL characters: C strings end there
    "input NUL": (lambda tmp: ffx.Recipe(input="a\0.mp4"), RecipeError, "input.path: the NUL character"),
    "-i NUL": (_render(inputs=["a\0.mp4"]), RecipeError, "NUL"),
    "-o NUL": (_render(output="o\0.mp4"), RecipeError, "output.path: the NUL"),
    "font NUL": (lambda tmp: ffx.Recipe(input="a.mp4", steps=[ffx.effects.Text(text="hi", font="a\0.ttf")]),
                 RecipeError, "text.font: a font name or file cannot contain control characters"),
    "raw filter NUL": (lambda tmp: ffx.Recipe(input="a.mp4", steps=[{"filter": {"name": "eq", "gamma": "1\0"}}]),
                       RecipeError, "steps[0].filter.gamma: the NUL"),
    "variable NUL": (lambda tmp: load_recipe("r.yaml", text="input: ${a}\nvars: {a: x.mp4}\n", variables={"a": "\0"}),
                     RecipeError, "input.path: the NUL"),
    "encode output NUL": (lambda tmp: ffx.encode(FRAMES, output="o\0.mp4"), RecipeError, "NUL"),
    "ffmpeg NUL": (_render(ffmpeg="ff\0mpeg"), RecipeError, "ffmpeg: the NUL"),
    # recipe files that are not small regular files
    "load_recipe('/dev/zero')": (lambda tmp: load_recipe("/dev/zero"), RecipeError, "not a regular file"),
    "load_recipe(folder)": (lambda tmp: load_recipe(tmp), RecipeError, "is a folder"),
}


@pytest.mark.parametrize("name", MISUSES)
def test_every_misuse_is_one_readable_line_of_an_ffx_error(name, tmp_path, monkeypatch):
    call, expected, fragment = MISUSES[name]
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FfxError) as info:
        call(tmp_path)
    error = info.value
    assert type(error) is expected, f"{name}: {type(error).__name__}: {error}"
    assert isinstance(error, BUILTIN[expected])
    message = str(error)
    assert fragment in message, message
    lines = message.splitlines()  # one line, or one per problem of a recipe
    assert len(lines) == (len(error.problems) if isinstance(error, RecipeError) else 1), message
    assert all(len(line) < 400 for line in lines), message
    assert "pydantic" not in message and "validation error" not in message, message
    assert list(tmp_path.iterdir()) == [] or name == "load_recipe(folder)"
    ADVERSARIAL["clear errors"] += 1


def test_a_model_copy_that_is_valid_renders(tmp_path):
    copy = RECIPE.model_copy(update={"steps": ["reverse", {"resize": 0.5}], "output": str(tmp_path / "o.mp4")})
    plan = ffx.compile_recipe(copy)
    assert plan.result.size == "32x24"


def test_format_is_read_case_insensitively():
    assert ffx.render_bytes(RECIPE, format="GIF")[:6] == b"GIF89a"
