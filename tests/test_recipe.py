import pytest

import ffx
from ffx.errors import RecipeError
from ffx.recipe.loading import load_recipe
from ffx.recipe.variables import parse_set

BAD = """\
input: {source: testsrc2, duration: 2}
steps:
  - resize: {width: 320, colour: red}
  - trim: {start: true}
  - speed: "2"
  - rverse
  - crop: {x1: .inf}
output: {path: out.mp4, crf: 2.5}
"""


def problems(text: str, **kw) -> dict[str, str]:
    with pytest.raises(RecipeError) as info:
        load_recipe("bad.yaml", text=text, **kw)
    return {p.field: str(p) for p in info.value.problems}


def test_every_problem_is_reported_at_once_with_line_field_and_hint():
    found = problems(BAD)
    assert found["steps[0].resize.colour"].startswith("bad.yaml:3:")
    assert "unknown key 'colour'" in found["steps[0].resize.colour"]
    assert "true/false" in found["steps[1].trim.start"]
    assert "without quotes" in found["steps[2].speed.factor"]
    assert "did you mean 'reverse'" in found["steps[3]"]
    assert "finite" in found["steps[4].crop.x1"]
    assert "whole number" in found["output.crf"]
    assert all(":" in message.split(" ")[0] for message in found.values())


def test_unknown_key_suggests_the_close_one():
    found = problems("input: a.mp4\nsteps: [{trim: {strat: 1}}]\noutput: o.mp4\n")
    assert "did you mean 'start'" in found["steps[0].trim.strat"]


def test_booleans_are_not_numbers_and_nan_is_refused():
    found = problems("input: a.mp4\nsteps:\n  - resize: {width: true}\n  - speed: .nan\noutput: o.mp4\n")
    assert "true/false" in found["steps[0].resize.width"]
    assert "finite" in found["steps[1].speed"]


def test_shorthand_forms_desugar():
    recipe = load_recipe("r.yaml", text="input: a.mp4\nsteps:\n  - reverse\n  - resize: 0.3\n"
                                        "  - trim: {start: \"0:01\"}\n    as: cut\noutput: o.mp4\n")
    reverse, resize, trim = recipe.steps
    assert reverse == ffx.effects.Reverse()
    assert resize == ffx.effects.Resize(0.3) == ffx.effects.Resize(factor=0.3)
    assert trim.start == 1.0 and trim.target == "cut"


def test_dump_loads_back_to_an_equal_recipe():
    text = ("input: {source: testsrc2, size: 320x240, duration: 2}\nvars: {w: 100}\nsteps:\n  - trim: [0, 1.5]\n"
            "  - resize: {width: \"${w}\"}\n  - split: [a, b]\n  - blend: {with: b, all_mode: average}\n    from: a\n"
            "  - boomerang: {drop_last_frame: true}\n  - filter: {name: negate, stream: video}\n"
            "output: {path: out.gif, colors: 64}\n")
    original = load_recipe("r.yaml", text=text.replace("trim: [0, 1.5]", "trim: {start: 0, end: 1.5}"))
    again = load_recipe("again.yaml", text=original.to_yaml())
    assert again == original
    assert ffx.Recipe.model_validate(original.to_dict()) == original


def test_vars_and_set_overrides_keep_types():
    text = "input: a.mp4\nvars: {factor: 0.5, label: x}\nsteps:\n  - speed: \"${factor}\"\noutput: \"${label}.mp4\"\n"
    assert load_recipe("r.yaml", text=text).steps[0].factor == 0.5
    recipe = load_recipe("r.yaml", text=text, variables=parse_set(["factor=2", "label=fast"]))
    assert recipe.steps[0].factor == 2 and recipe.output.path == "fast.mp4"


def test_set_of_an_unknown_variable_and_a_missing_variable_are_errors():
    with pytest.raises(RecipeError, match="no such variable"):
        load_recipe("r.yaml", text="vars: {a: 1}\n", variables={"b": 2})
    found = problems("input: a.mp4\nsteps:\n  - speed: \"${nope}\"\noutput: o.mp4\n")
    assert "unknown variable ${nope}" in found["steps[0].speed"]


def test_set_values_parse_strictly():
    assert parse_set(["a=8", "b=0.5", "c=hello: world", "d=no", "e=true"]) == {
        "a": 8, "b": 0.5, "c": "hello: world", "d": "no", "e": True}
    with pytest.raises(RecipeError):
        parse_set(["novalue"])


def test_python_construction_matches_yaml():
    built = ffx.Recipe(input="a.mp4", steps=[ffx.effects.Trim(start=1, end=2), "reverse"], output="o.mp4")
    loaded = load_recipe("r.yaml", text="input: a.mp4\nsteps: [{trim: {start: 1, end: 2}}, reverse]\noutput: o.mp4\n")
    assert built == loaded


def test_with_io_replaces_input_and_output():
    recipe = ffx.Recipe(steps=["reverse"], output="o.mp4").with_io(inputs=["in.mkv"], output="x.gif")
    assert recipe.input.path == "in.mkv" and recipe.output.path == "x.gif"


def test_schema_describes_the_shorthand_forms():
    from ffx.recipe.schema import recipe_json_schema

    schema = recipe_json_schema()
    variants = schema["properties"]["steps"]["items"]["anyOf"]
    assert {"const": "reverse"} in variants
    assert any("resize" in v.get("properties", {}) for v in variants)


def test_paths_written_in_a_recipe_start_from_its_folder():
    text = ("inputs:\n  a: clip.mp4\n  b: {path: /abs/b.png}\n  cam: {device: /dev/video0}\n  s: {source: testsrc2}\n"
            "vars: {logo: logo.png}\nsteps:\n  - text: {text: one, font: fonts/A.ttf}\n  - text: {text: two, font: DejaVu Serif}\n"
            "  - text: three\n  - title: {text: four, font: B.otf}\noutput: {path: '${out}', crf: 20}\n")
    recipe = load_recipe("sub/dir/r.yaml", text=text.replace("${out}", "o.mp4"))
    assert recipe.inputs["a"].path == "sub/dir/clip.mp4" and recipe.inputs["b"].path == "/abs/b.png"
    assert recipe.inputs["cam"].device == "/dev/video0" and recipe.output.path == "sub/dir/o.mp4"
    assert [s.font for s in recipe.steps] == ["sub/dir/fonts/A.ttf", "DejaVu Serif", "sans", "sub/dir/B.otf"]
    assert recipe.output.crf == 20
    # a value given whole with --set is the caller's, relative to the working directory
    text = text.replace("vars: {", "vars: {out: x.mp4, ")
    assert load_recipe("sub/r.yaml", text=text).output.path == "sub/x.mp4"
    assert load_recipe("sub/r.yaml", text=text, variables={"out": "y.mp4"}).output.path == "y.mp4"
    # -i and -o are relative to the working directory too
    replaced = load_recipe("sub/r.yaml", text=text).with_io(inputs=["c.mp4"], output="z.gif")
    assert replaced.inputs["a"].path == "c.mp4" and replaced.output.path == "z.gif" and replaced.output.crf == 20


def test_with_io_checks_what_it_is_given():
    recipe = ffx.Recipe(steps=["reverse"], output={"path": "o.mp4", "crf": 20})
    with pytest.raises(RecipeError, match="^output: cannot tell the format from '.xyz'"):
        recipe.with_io(output="o.xyz")
    with pytest.raises(RecipeError, match="^output: 'dir/' is a folder"):
        recipe.with_io(output="dir/")
    assert recipe.with_io(output="o.mkv").output.crf == 20
