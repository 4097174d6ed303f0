"""Values FFmpeg cannot honour, and models built or copied around the checks, refused before it runs
with one line naming the field: copies re-validated, recipe sizes bounded the same for YAML and
Python, numbers in the ranges FFmpeg honours."""

from __future__ import annotations

import math

import pytest

import ffx
from conftest import ADVERSARIAL

SOURCE = {"source": "testsrc2", "duration": 1, "size": "160x90"}


def one_line_error(make, match: str, error: type[Exception] = ffx.RecipeError) -> None:
    with pytest.raises(error, match=match) as raised:
        make()
    assert "\n" not in str(raised.value) and "pydantic" not in str(raised.value)
    ADVERSARIAL["clear errors"] += 1


def recipe(**parts) -> ffx.Recipe:
    return ffx.Recipe(**{"input": SOURCE, "steps": [{"text": "hi"}], "output": "out.mp4", **parts})


# --- model_copy re-validates, nested models included ---------------------------------------------

@pytest.mark.parametrize("model, update, match", [
    ("output", {"crf": math.nan}, "output.crf"),
    ("output", {"format": "x;y"}, "output.format"),
    ("step", {"color": "white:box=1"}, "text.color"),
    ("input", {"duration": -1}, "input.duration"),
    ("recipe", {"max_memory": "lots"}, "max_memory"),
])
def test_model_copy_with_a_bad_value_is_refused(model, update, match):
    whole = recipe()
    target = {"output": whole.output, "step": whole.steps[0], "input": whole.input, "recipe": whole}[model]
    one_line_error(lambda: target.model_copy(update=update), match)


def test_a_recipe_copied_with_a_badly_copied_step_is_refused():
    whole = recipe()
    one_line_error(lambda: whole.model_copy(update={"steps": [whole.steps[0].model_copy(
        update={"color": "white:box=1"})]}), "text.color")
    one_line_error(lambda: whole.model_copy(update={"steps": [{"text": {"text": "a", "color": "white:box=1"}}]}),
                   "steps\\[0\\].text.color")
    one_line_error(lambda: whole.model_copy(update={"output": {"path": "o.mp4", "crf": 99}}), "output.crf")


def test_a_good_copy_keeps_what_was_set_and_where_it_was_read():
    loaded = ffx.load_recipe("r.yaml", text="input: {source: testsrc2, duration: 1}\nsteps: [reverse]\noutput: o.mp4\n")
    copy = loaded.model_copy(update={"output": loaded.output.model_copy(update={"crf": 20})})
    assert copy.output.crf == 20 and copy.output.path == loaded.output.path
    assert copy._source is loaded._source
    assert copy.output.model_fields_set == {"path", "crf"}
    assert loaded.model_copy() == loaded and loaded.steps[0].model_copy() == loaded.steps[0]
