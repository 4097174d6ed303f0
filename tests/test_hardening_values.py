"""Values FFmpeg cannot honour, and models built or copied around the checks, refused before it runs
with one line naming the field: copies re-validated, recipe sizes bounded the same for YAML and
Python, numbers in the ranges FFmpeg honours."""

from __future__ import annotations

import math

import pytest
from conftest import ADVERSARIAL

import ffx

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


# --- the same size limits for YAML and Python ---------------------------------------------------

def test_a_recipe_of_too_many_steps_is_refused_before_they_are_checked():
    import time

    from ffx.recipe.document import MAX_STEPS

    started = time.monotonic()
    one_line_error(lambda: ffx.Recipe(input=SOURCE, steps=["reverse"] * 1_000_000, output="o.mp4"),
                   "steps: a recipe holds at most 10,000 steps, not 1,000,000")
    assert time.monotonic() - started < 5  # was 51 s and 1.9 GB
    assert len(ffx.Recipe(input=SOURCE, steps=["reverse"] * MAX_STEPS).steps) == MAX_STEPS


def test_yaml_and_python_meet_the_same_step_limit_with_the_same_message():
    text = "input: {source: testsrc2}\nsteps: [" + ", ".join(["reverse"] * 10_001) + "]\noutput: o.mp4\n"
    with pytest.raises(ffx.RecipeError) as from_yaml:
        ffx.load_recipe("many.yaml", text=text)
    with pytest.raises(ffx.RecipeError) as from_python:
        ffx.Recipe(input={"source": "testsrc2"}, steps=["reverse"] * 10_001, output="o.mp4")
    message = "a recipe holds at most 10,000 steps, not 10,001"
    assert message in str(from_yaml.value) and message in str(from_python.value)
    assert "many.yaml:2" in str(from_yaml.value)
    ADVERSARIAL["clear errors"] += 2


VARIABLE_TEXT = "vars: {t: hi, n: 1}\ninput: {source: testsrc2, duration: 1, size: 160x90}\n" \
                "steps: [{text: '${t} ${n}'}]\noutput: o.mp4\n"


@pytest.mark.parametrize("variables, match", [
    ({"t": "x" * 2_000_000}, "vars: the variables hold 1.907 MiB of text; a recipe holds at most 1 MiB"),
    ({"n": 10**5000}, "vars: n: an int of more than 4,300 digits"),  # was str()'s ValueError traceback
    ({"n": -10**4300}, "vars: n: an int of more than 4,300 digits"),
])
def test_variables_given_from_python_meet_the_limits_of_a_recipe_file(variables, match):
    one_line_error(lambda: ffx.load_recipe("r.yaml", text=VARIABLE_TEXT, variables=variables), match)


@pytest.mark.parametrize("variables, match", [
    ({"t": "x" * 2_000_000}, "vars: the variables hold 1.907 MiB of text"),  # to_yaml took 52 s for 100 MB
    ({f"v{n}": n for n in range(10_001)}, "vars: a recipe holds at most 10,000 variables, not 10,001"),
    ({"n": 10**5000}, "vars: n: an int of more than 4,300 digits"),
])
def test_a_recipe_built_in_python_meets_the_same_variable_limits(variables, match):
    one_line_error(lambda: ffx.Recipe(input=SOURCE, vars=variables), match)


def test_variables_within_the_limits_are_kept():
    loaded = ffx.load_recipe("r.yaml", text=VARIABLE_TEXT, variables={"t": "x" * 5_000, "n": 10**4299})
    assert loaded.steps[0].text == "x" * 5_000 + " " + str(10**4299)
    assert len(ffx.Recipe(vars={f"v{n}": "y" * 100 for n in range(10_000)}).vars) == 10_000


def test_variables_filling_in_gigabytes_of_text_are_refused_early():
    import tracemalloc

    # a 200 KB file: 5,000 texts of a 100 KB value twice each filled in 1 GB (the variables' billion laughs)
    text = ("vars: {t: '" + "x" * 100_000 + "'}\nsteps: [" + ", ".join(["{text: '${t}${t}'}"] * 5000) + "]\n")
    tracemalloc.start()
    try:
        one_line_error(lambda: ffx.load_recipe("laughs.yaml", text=text),
                       "laughs.yaml:2:[0-9]+ steps\\[83\\].text: the variables fill in more than 16 MiB of text")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 << 20, f"{peak >> 20} MiB"


def test_a_recipe_of_too_many_inputs_is_refused():
    one_line_error(lambda: ffx.Recipe(inputs={f"i{n}": SOURCE for n in range(1001)}),
                   "inputs: a recipe holds at most 1,000 inputs, not 1,001")


# --- numbers FFmpeg cannot honour, refused at validate ------------------------------------------

@pytest.mark.parametrize("volume", [1e308, "200dB", "-101dB", 100_001, -1.0, math.nan, True, "loud"])
def test_a_gain_ffmpeg_cannot_honour_is_refused(volume):
    one_line_error(lambda: ffx.effects.Audio(track="music", volume=volume), "audio.volume")


@pytest.mark.parametrize("volume", ["100dB", "-100dB", 100_000, 0, 0.5, "-12dB"])
def test_gains_within_100_db_are_kept(volume):
    assert ffx.effects.Audio(track="music", volume=volume).volume == volume


def test_the_largest_gain_renders(tmp_path):
    """At +100 dB the AAC encoder still takes the sound (at 1e308 it stopped on NaN/+-Inf)."""
    inputs = {"clip": {**SOURCE, "audio": "sine"}, "music": {"source": "sine", "duration": 1}}
    plan = ffx.render(ffx.Recipe(inputs=inputs, steps=[{"audio": {"track": "music", "volume": "100dB"}}],
                                 output=str(tmp_path / "loud.mp4")))
    assert (tmp_path / "loud.mp4").stat().st_size > 0 and plan.result.has_audio


@pytest.mark.parametrize("step, match", [
    ({"rotate": 1e308}, "rotate.angle"),
    ({"freeze": {"p1": [10 ** 400, 0], "p2": [0, 5]}}, "freeze.p1"),  # was OverflowError
    ({"crop": {"x1": 10 ** 30}}, "crop.x1"),
])
def test_unbounded_numbers_of_effects_are_bounded(step, match):
    one_line_error(lambda: recipe(steps=[step]), match)


@pytest.mark.parametrize("options, option", [
    ({"name": "scale", "w": 100_000, "h": 100_000}, "w"),
    ({"name": "scale", "w": "100000", "h": "100000"}, "w"),
    ({"name": "scale", "w": 3_000_000, "h": -1}, "w"),
    ({"name": "scale", "width": "iw*2", "height": "20000*2000"}, "height"),
    ({"name": "pad", "width": 40_000, "height": 40_000}, "width"),
    ({"name": "zscale", "w": 20_000, "h": 20_000}, "w"),
    ({"name": "v360", "w": 32_767, "h": 32_767}, "w"),
    ({"name": "rotate", "angle": 1, "ow": 100_000, "oh": 100_000}, "ow"),
])
def test_a_raw_filter_frame_size_ffmpeg_cannot_allocate_is_refused(options, option):
    one_line_error(lambda: ffx.compile_recipe(recipe(steps=[{"filter": options}])),
                   f"steps\\[0\\].filter.{option}: .*larger than FFmpeg can allocate")


@pytest.mark.parametrize("options", [{"name": "scale", "w": 1920, "h": 1080}, {"name": "scale", "w": "iw*2", "h": -2},
                                     {"name": "pad", "width": 320, "height": 180}, {"name": "crop", "w": 80, "h": 45}])
def test_raw_filter_frame_sizes_ffmpeg_allocates_still_compile(options):
    ffx.compile_recipe(recipe(steps=[{"filter": options}]))


def test_a_text_of_200000_characters_is_refused_and_10000_kept():
    one_line_error(lambda: recipe(steps=[{"text": "a" * 200_000}]), "at most 10000 characters")
    one_line_error(lambda: recipe(steps=[{"text": "a" * 10_001}]), "at most 10000 characters")
    assert len(recipe(steps=[{"text": "a" * 10_000}]).steps[0].text) == 10_000


def test_a_fitted_text_may_gain_line_breaks_past_the_limit():
    wrapped = recipe(steps=[{"text": {"text": "a" * 10_000, "fit": "wrap"}}])
    ffx.compile_recipe(wrapped)


# --- raw filters' generic options -----------------------------------------------------------------

@pytest.mark.parametrize("threads", ["abc", -1, [1, 2], "many", 1e12, 1.5, True, "0x10", 2**40])
def test_a_raw_filter_threads_value_is_checked(threads):
    one_line_error(lambda: ffx.effects.RawFilter(name="hflip", threads=threads),
                   "filter: option 'threads': .* is not a number of threads; give a whole number from 0 "
                   "\\(FFmpeg chooses\\) to 2147483647, or auto")


@pytest.mark.parametrize("threads", [0, 4, "auto", "8"])
def test_a_raw_filter_threads_count_is_kept(threads):
    ffx.compile_recipe(recipe(steps=[{"filter": {"name": "hflip", "threads": threads}}]))


def test_the_plain_nested_models_copy_checked_too():
    from ffx.effects.audio import Duck
    from ffx.effects.concat import Transition
    from ffx.effects.crop import Rectangle
    from ffx.effects.motion import Glow

    one_line_error(lambda: Duck().model_copy(update={"ratio": math.nan}), "duck.ratio")
    one_line_error(lambda: Glow().model_copy(update={"sigma": -1}), "glow.sigma")
    one_line_error(lambda: Transition(name="fade").model_copy(update={"name": "x;y"}), "transition.name")
    one_line_error(lambda: Rectangle(x1=0.5).model_copy(update={"x1": 10 ** 30}), "rectangle.x1")
    assert Duck().model_copy(update={"ratio": 4}).ratio == 4


@pytest.mark.parametrize("step, match", [
    ({"hold": {"duration": 1e300}}, "hold.duration"),  # compiled to a result 1e300 s long
    ({"loop": {"duration": 1e300}}, "loop.duration"),
    ({"accel_decel": {"new_duration": 1e300}}, "accel_decel.new_duration"),
    ({"trim": {"start": "2777:46:41"}}, "trim.start"),
])
def test_times_past_115_days_are_refused(step, match):
    one_line_error(lambda: recipe(steps=[step]), match)
