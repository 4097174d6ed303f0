"""Every filter and option name an effect writes is one the filter table knows, for every effect's example.

FFmpeg reports a misspelled option only when the graph starts ("Option not
found", naming no effect), and only for the branch of the effect that ran; here
each example is compiled and every filter of every command it plans (stages,
feeder lanes, lavfi inputs) is checked against ``ffx/filtergraph/filter_table.py``:
the filter is one FFmpeg lists, each option is named (a positional option could
not be checked), is in the filter's option table, and its value passes the
table's type and range check.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache

import pytest
from conftest import FFMPEG
from effect_examples import NAMES, RECIPES, example_recipe
from test_golden import graph_values

import ffx
from ffx.filtergraph import filter_table
from ffx.filtergraph.filter_options import (
    GENERIC_OPTIONS,
    filter_options,
    value_problem,
)
from ffx.filtergraph.text import parse_filtergraph

# Options the table does not hold although FFmpeg takes them: each is checked against the bundled FFmpeg's
# own help instead. The list is exact: an entry the table comes to hold, or no example writes, must go.
NOT_IN_TABLE = {
    # filters that read files have no option table (safety.UNSAFE_FILTERS: a raw step may not use them)
    ("subtitles", "filename"): "unsafe filter", ("subtitles", "fontsdir"): "unsafe filter",
    ("subtitles", "force_style"): "unsafe filter", ("subtitles", "original_size"): "unsafe filter",
    ("vidstabdetect", "accuracy"): "unsafe filter", ("vidstabdetect", "result"): "unsafe filter",
    ("vidstabdetect", "shakiness"): "unsafe filter", ("vidstabtransform", "input"): "unsafe filter",
    ("vidstabtransform", "smoothing"): "unsafe filter",
}
HELP_OPTION = re.compile(r"^\s+-?([A-Za-z_][A-Za-z0-9_]*)\s+\[?<", re.M)


@cache
def example_filters(name: str) -> list:
    """The filters of every FFmpeg command the example's plan runs, as FFmpeg reads them."""
    plan = ffx.compile_recipe(example_recipe(name, {"path": "out.mkv", "codec": "ffv1", "audio_codec": "pcm_s16le"}))
    commands = [list(stage.args) for stage in plan.stages]
    commands += [list(command) for feed in plan.feeds for lane in feed.lanes() if not lane.python
                 for command in lane.commands]
    return [one for words in commands for at in sorted(graph_values(words)) for one in parse_filtergraph(words[at])]


def table_options(name: str) -> set[str]:
    return set(filter_options(name)) | GENERIC_OPTIONS | ({"enable"} if name in filter_table.TIMELINE else set())


@cache
def ffmpeg_options(name: str) -> set[str]:
    """The options the bundled FFmpeg's help lists for a filter (its own and its children's)."""
    done = subprocess.run([FFMPEG, "-hide_banner", "-h", f"filter={name}"], capture_output=True, text=True)
    return set(HELP_OPTION.findall(done.stdout))


@pytest.fixture(autouse=True)
def in_recipes_folder(monkeypatch):
    monkeypatch.chdir(RECIPES)  # where the files examples name are, whether paths follow the recipe or the cwd


@pytest.mark.parametrize("name", NAMES)
def test_every_filter_and_option_the_example_writes_is_in_the_filter_table(name):
    problems = []
    for one in example_filters(name):
        if one.name not in filter_table.KNOWN_FILTERS:
            problems.append(f"{one.name}: FFmpeg has no such filter")
            continue
        table = filter_options(one.name)
        for option, value in one.options:
            if option is None:
                problems.append(f"{one.name}: {value!r} is positional; name the option")
            elif option not in table_options(one.name) and (one.name, option) not in NOT_IN_TABLE:
                known = f"its options: {', '.join(sorted(table))}" if table else "the table lists none for it"
                problems.append(f"{one.name}: no option {option!r} ({known})")
            elif option in table and (problem := value_problem(table[option], value)):
                problems.append(f"{one.name}: {option}={value!r}: {problem}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("missing", sorted(NOT_IN_TABLE), ids=".".join)
def test_an_option_missing_from_the_table_is_one_ffmpeg_lists_and_an_example_writes(missing):
    name, option = missing
    assert option not in table_options(name), f"the table holds {name} {option} now: drop it from NOT_IN_TABLE"
    assert option in ffmpeg_options(name), f"FFmpeg's {name} filter has no option {option!r}"
    assert any((one.name, option) == missing for example in NAMES for one in example_filters(example)
               for option, _ in one.options), f"no example writes {name} {option}: drop it from NOT_IN_TABLE"
