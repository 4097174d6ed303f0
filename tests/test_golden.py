"""Golden graphs: what each effect's example compiles to, kept in tests/golden/ one filter a line.

A change of graph shape shows in review as a change of these files, line by
line: each command's inputs and options (up to the stream maps) one option a
line, and each filtergraph (``-filter_complex``, a lavfi input) one filter a
line, split at its ``;`` and ``,`` as FFmpeg's graph parser splits it, each
line ending with the separator that follows the filter. The layout is
reversible: the words read back from a golden are the command's, byte for
byte, and the test checks that too. After an intended change, rewrite the
files with ``pytest tests/test_golden.py --update-goldens``.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from effect_examples import NAMES, RECIPES, example_recipe

import ffx
from ffx.filtergraph.text import split_filtergraph

GOLDEN = Path(__file__).parent / "golden"
# folders that differ from one checkout to another: the bundled font's, the recipes' (captions.srt)
PACKAGE, REPOSITORY = str(Path(ffx.__file__).parent), str(Path(__file__).resolve().parent.parent)
GRAPH_OPTIONS = {"-filter_complex", "-lavfi", "-vf", "-af", "-filter:v", "-filter:a"}
FILTER_INDENT = "    "  # a filter's line; an option's line starts at the margin
OPTION_NAME = re.compile(r"^-[A-Za-z_]")


def command_words(plan: ffx.Plan) -> list[list[str]]:
    """Each command's inputs and filtergraph: everything before the streams are mapped to the output."""
    commands = []
    for stage in plan.stages:
        args = list(stage.args)
        end = args.index("-map") if "-map" in args else len(args) - 1
        commands.append([arg.replace(PACKAGE, "<ffx>").replace(REPOSITORY, "<repo>") for arg in args[:end]])
    return commands


def graph_values(words: list[str]) -> set[int]:
    """Which words are filtergraphs: a graph option's value, and the ``-i`` of a lavfi input."""
    found, input_format = set(), None
    for at, word in enumerate(words[:-1]):
        if word in GRAPH_OPTIONS or (word == "-i" and input_format == "lavfi"):
            found.add(at + 1)
        if word == "-f":
            input_format = words[at + 1]
        elif word == "-i":
            input_format = None
    return found


def layout(words: list[str]) -> str:
    """One command as lines: an option and its value on one line (shell-quoted), a filtergraph one
    filter a line, indented, as FFmpeg reads it (a graph holding a line break stays one quoted word)."""
    graphs, lines, at = graph_values(words), [], 0
    while at < len(words):
        if at in graphs and "\n" not in words[at] and "\r" not in words[at]:
            chains = split_filtergraph(words[at])
            lines += [FILTER_INDENT + text + ("," if number < len(chain) - 1 else ";" if c < len(chains) - 1 else "")
                      for c, chain in enumerate(chains) for number, text in enumerate(chain)]
            at += 1
        elif at + 1 < len(words) and at + 1 not in graphs and OPTION_NAME.match(words[at]) \
                and not OPTION_NAME.match(words[at + 1]):
            lines.append(shlex.join(words[at:at + 2]))
            at += 2
        else:
            lines.append(shlex.quote(words[at]))
            at += 1
    return "\n".join(lines)


def read_layout(text: str) -> list[str]:
    """The words of a command laid out by :func:`layout`: a run of filter lines is one word, their
    texts joined; the option lines between are shell words (an indented line inside a quoted word
    holding a line break is that word's)."""
    words, options, graph = [], [], None
    for line in text.split("\n") + [""]:
        if line.startswith(FILTER_INDENT) and _whole_words(options):
            words += shlex.split("\n".join(options))
            options, graph = [], (graph or "") + line[len(FILTER_INDENT):]
            continue
        if graph is not None:
            words.append(graph)
            graph = None
        options.append(line)
    return words + shlex.split("\n".join(options))


def _whole_words(lines: list[str]) -> bool:
    try:
        shlex.split("\n".join(lines))
    except ValueError:  # a quote still open: the next line continues its word
        return False
    return True


def golden_text(plan: ffx.Plan) -> str:
    """The plan's commands laid out, a blank line between two commands."""
    return "\n\n".join(layout(words) for words in command_words(plan)) + "\n"


@pytest.mark.parametrize("name", NAMES)
def test_the_example_compiles_to_its_golden_graph(name, tmp_path, request, monkeypatch):
    monkeypatch.chdir(RECIPES)  # where the files examples name are, whether paths follow the recipe or the cwd
    recipe = example_recipe(name, {"path": str(tmp_path / "out.mkv"), "codec": "ffv1", "audio_codec": "pcm_s16le"})
    plan = ffx.compile_recipe(recipe)
    text = golden_text(plan)
    golden = GOLDEN / f"{name}.txt"
    if request.config.getoption("--update-goldens"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(text)
    assert golden.exists(), f"no golden graph for {name!r}: run pytest tests/test_golden.py --update-goldens"
    assert text == golden.read_text()
    # the layout hides nothing: the golden read back is every word of every command, byte for byte
    assert [read_layout(command) for command in golden.read_text()[:-1].split("\n\n")] == command_words(plan)


def test_every_golden_graph_belongs_to_an_effect():
    assert sorted(p.stem for p in GOLDEN.glob("*.txt")) == NAMES


@pytest.mark.parametrize("words", [
    ["-i", "file:a b.mkv", "-vf", r"scale=w=2:h=2,drawtext=text=\'a\,b\;c\'", "-ss", "-1", "-an"],
    ["-f", "lavfi", "-i", "color=c=red[out0]", "-filter_complex", "[0:v:0]hflip[s0];; [s0]null,"],
    ["-filter_complex", "drawtext=text=\\'line one\nline two\\'", "-metadata", "title=a\n    b"],
])
def test_the_layout_reads_back_as_the_same_words(words):
    assert read_layout(layout(words)) == words
