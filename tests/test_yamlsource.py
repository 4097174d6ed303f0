import os
import threading

import pytest
import yaml

from ffx.syntax import yamlsource
from ffx.errors import RecipeError
from ffx.recipe.loading import load_recipe
from ffx.syntax.yamlsource import load_yaml, resolve_plain


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


SAMPLE = ("# a recipe\ninput: {path: 'a b.mp4'}\nvars: {n: 3}\nsteps:\n  - trim: {start: 1:30, end: \"2\"}\n"
          "  - text: |\n      two\n      lines\n  - resize: [0.5, no]\noutput: &o o.mp4\nalso: *o\nbad: !!binary eA==\n")


def test_the_c_parser_gives_the_same_values_marks_and_refusals_as_the_pure_one(monkeypatch):
    assert yamlsource._Parser is yaml.CSafeLoader  # PyYAML wheels ship libyaml
    fast = load_yaml(SAMPLE, "r.yaml")
    monkeypatch.setattr(yamlsource, "_Parser", yaml.SafeLoader)
    pure = load_yaml(SAMPLE, "r.yaml")
    assert fast == pure
    assert fast.marks[("steps", 0, "trim", "end")] == (5, 30)
    assert [(p.line, p.column, p.field) for p in fast.problems] == [
        (5, 19, "steps[0].trim.start"), (9, 19, "steps[2].resize[1]"), (12, 6, "bad")]


@pytest.mark.parametrize("parser", ["c", "pure"])
def test_deep_nesting_is_a_clear_error_not_a_recursion_error(parser, monkeypatch):
    if parser == "pure":
        monkeypatch.setattr(yamlsource, "_Parser", yaml.SafeLoader)
    for depth in (150, 1000, 5000):
        with pytest.raises(RecipeError) as info:
            load_yaml("a: " + "[" * depth + "]" * depth, "r.yaml")
        assert str(info.value).startswith("r.yaml:1:"), str(info.value)
        assert "nest" in str(info.value)
    block = "".join("  " * i + f"k{i}:\n" for i in range(300))
    with pytest.raises(RecipeError, match=f"nested more than {yamlsource.MAX_DEPTH} levels"):
        load_yaml(block)


def test_aliases_cannot_nest_deeper_than_the_text():
    text = "a0: &a0 [[[[[[[[[[1]]]]]]]]]]\n" + "".join(
        f"a{i}: &a{i} [[[[[[[[[[*a{i - 1}]]]]]]]]]]\n" for i in range(1, 12))
    with pytest.raises(RecipeError, match="nested more than"):
        load_yaml(text)


def test_nul_and_control_characters_are_one_line_errors():
    (problem,) = load_yaml('a: "x\\0y"\n', "r.yaml").problems
    assert str(problem) == r"r.yaml:1:4 a: the NUL character (\0) is not allowed in recipe values"
    for raw in ("\0", "\x1b"):
        with pytest.raises(RecipeError) as info:
            load_yaml(f"a: 1\nb: x{raw}y\n", "r.yaml")
        assert str(info.value).startswith("r.yaml:2:5: not valid YAML: character #x00")
        assert "\n" not in str(info.value)


def test_one_document_per_recipe_and_aliases_need_anchors():
    with pytest.raises(RecipeError, match="r.yaml:2: a recipe is one YAML document"):
        load_yaml("a: 1\n---\nb: 2\n", "r.yaml")
    with pytest.raises(RecipeError, match="alias \\*x names no anchor"):
        load_yaml("a: *x\n")
    with pytest.raises(RecipeError, match="refers to a collection that contains it"):
        load_yaml("a: &x [1, *x]\n")


def test_a_huge_value_is_quoted_short_in_its_message():
    huge = "x" * 1_000_000
    with pytest.raises(RecipeError) as info:
        load_recipe("r.yaml", text=f"input: {{source: testsrc2, size: '{huge}'}}\nsteps:\n  - {huge[:5000]}\n",
                    max_recipe_size="4M")
    lines = str(info.value).splitlines()
    assert len(lines) == 2 and all(len(line) < 400 for line in lines)
    assert "'xxx" in lines[0] and "…" in lines[0]


def test_a_recipe_is_a_small_regular_file(tmp_path):
    sparse = tmp_path / "sparse.yaml"
    with open(sparse, "wb") as handle:
        handle.truncate(3 << 30)  # 3 GB of nothing, no disk used
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    cases = {"/dev/zero": "not a regular file", "/dev/urandom": "not a regular file", str(fifo): "not a regular file",
             str(sparse): "larger than 1 MiB", str(tmp_path): "is a folder", str(tmp_path / "none.yaml"): "does not exist"}
    for path, fragment in cases.items():
        outcome: list = []
        reader = threading.Thread(target=lambda: outcome.append(_error_of(lambda: load_recipe(path))), daemon=True)
        reader.start()
        reader.join(10)
        assert outcome, f"{path}: still reading"
        assert fragment in outcome[0] and "\n" not in outcome[0], outcome[0]


def test_the_size_limit_can_be_raised(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("input: a.mp4\n# " + "x" * (2 << 20) + "\n")
    assert "larger than 1 MiB" in _error_of(lambda: load_recipe(recipe))
    assert "larger than 2 MiB" in _error_of(lambda: load_recipe(recipe, max_recipe_size="2M"))
    assert load_recipe(recipe, max_recipe_size="3M").input.path == str(tmp_path / "a.mp4")
    assert "not UTF-8" in _error_of(lambda: load_recipe(tmp_path / "r.yaml", text=None, max_recipe_size=8)
                                    if recipe.write_bytes(b"a: \xff\n") else None)


def _error_of(action) -> str:
    try:
        action()
    except RecipeError as exc:
        return str(exc)
    return "no error"
