import pytest

from ffx.errors import RecipeError
from ffx.recipe import load_recipe
from ffx.yamlsource import load_yaml, resolve_plain


@pytest.mark.parametrize("text, expected", [
    ("12", 12), ("-3", -3), ("0", 0), ("0.5", 0.5), ("1e3", 1000.0), ("true", True), ("False", False),
    ("null", None), ("~", None), ("hello", "hello"), ("1:30 pm", "1:30 pm"), ("yesterday", "yesterday"),
])
def test_plain_scalars_resolve_by_yaml_1_2_core_rules(text, expected):
    assert resolve_plain(text) == expected and type(resolve_plain(text)) is type(expected)


@pytest.mark.parametrize("text, fragment", [
    ("no", "write false"), ("Yes", "write true"), ("off", "write false"), ("010", "octal"),
    ("1:30", "base-60"), ("1:22.65", "base-60"), (".nan", "finite"), ("-.inf", "finite"), ("0x1F", "decimal"),
    ("1_000", "decimal"),
])
def test_yaml_1_1_surprises_are_rejected_with_a_hint(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        resolve_plain(text)


def test_quoted_scalars_stay_text():
    assert load_yaml("a: 'no'\nb: \"1:30\"\nc: '010'\n").data == {"a": "no", "b": "1:30", "c": "010"}


def test_problems_carry_line_and_column():
    located = load_yaml("steps:\n  - trim: {start: 1:30}\n", "r.yaml")
    (problem,) = located.problems
    assert (problem.line, problem.column, problem.field) == (2, 19, "steps[0].trim.start")


def test_duplicate_keys_and_tags_are_errors():
    assert "twice" in str(load_yaml("a: 1\na: 2\n").problems[0])
    assert "tags" in str(load_yaml("a: !!python/object:os.system x\n").problems[0])


def test_alias_expansion_is_bounded():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 8):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]\n"
    with pytest.raises(RecipeError, match="too large"):
        load_yaml(bomb)


def test_invalid_yaml_names_the_line():
    with pytest.raises(RecipeError) as info:
        load_recipe("r.yaml", text="steps:\n  - trim: {start: 1\n")
    assert info.value.problems[0].line is not None
