"""A compiled plan as an ffmpeg-python graph: ``plan.to_ffmpeg_python()``.

For code that goes on in ffmpeg-python (its ``.run()``, ``.run_async()``, its
own ``-map``s), the plan's one FFmpeg command is rebuilt node by node from its
argv: the inputs with their options, every filter of the ``-filter_complex``
with its options unescaped (ffmpeg-python escapes them again), the output
streams and options. Running its ``.compile()`` gives the frames and samples
``ffx render`` gives; the argv differs in order only.

ffmpeg-python walks a graph recursively, so a graph deeper than Python's
recursion limit (about 990 filters in a row) fails in it; such plans, and plans
of several commands or fed through pipes, are refused here in one line.

>>> import ffx
>>> recipe = ffx.Recipe(input={"source": "testsrc2", "duration": 1}, steps=["mirror"], output="/tmp/m.mkv")
>>> argv = ffx.compile_recipe(recipe).to_ffmpeg_python().compile()
>>> argv[argv.index("-filter_complex") + 1], argv[-1]
('[0:v:0]hflip[s0]', 'file:/tmp/m.mkv')
"""

from __future__ import annotations

import re
import sys
from typing import Any

from ..errors import CapabilityError

_INPUT_LABEL = re.compile(r"^(\d+)(?::(.+))?$")
_MARGIN = 60  # frames of Python's stack ffmpeg-python's own callers take


def ffmpeg_python_graph(plan: Any) -> Any:
    """An ffmpeg-python output node that writes what ``plan`` (a :class:`~ffx.compile.plan.Plan`) writes."""
    # imported here: every plan module loads this one, and only this method needs the graph reader
    from ..filtergraph.ffmpeg_python import ffmpeg_python
    from ..filtergraph.text import parse_filtergraph

    ffmpeg = ffmpeg_python()
    if plan.feeds:
        raise CapabilityError("this plan feeds FFmpeg through pipes from other processes (a segmented reverse, "
                              "a numpy step); ffmpeg-python writes one command: render it with ffx.render")
    if len(plan.stages) != 1:
        raise CapabilityError(f"this plan runs {len(plan.stages)} FFmpeg commands (a palette pass, stabilize); "
                              "ffmpeg-python writes one: render it with ffx.render")
    inputs, graph_text, maps, options, url = _read_argv(list(plan.stages[0].args))
    streams = [ffmpeg.input(name, **kwargs) for name, kwargs in inputs]
    labels: dict[str, Any] = {}
    depth: dict[str, int] = {}
    deepest = 0
    for parsed in parse_filtergraph(graph_text or ""):
        upstream = [_stream(label, streams, labels) for label in parsed.inputs]
        level = 1 + max((depth.get(label, 0) for label in parsed.inputs), default=0)
        deepest = max(deepest, level)
        args = [value for key, value in parsed.options if key is None]
        kwargs = {key: _checked(value, parsed.name, key) for key, value in parsed.options if key is not None}
        if parsed.name in ("split", "asplit"):
            node = ffmpeg.filter_multi_output(upstream, parsed.name)  # ffmpeg-python counts the branches itself
        elif len(parsed.outputs) > 1:
            node = ffmpeg.filter_multi_output(upstream, parsed.name, *args, **kwargs)
        else:
            node = None
        for index, label in enumerate(parsed.outputs):
            labels[label] = node[index] if node is not None else ffmpeg.filter(upstream, parsed.name, *args, **kwargs)
            depth[label] = level
    if deepest + _MARGIN >= sys.getrecursionlimit():
        raise CapabilityError(f"the graph is {deepest} filters deep; ffmpeg-python walks it recursively and stops at "
                              f"about {sys.getrecursionlimit() - _MARGIN}: render it with ffx.render")
    mapped = [_stream(label.strip("[]"), streams, labels) for label in maps]
    return ffmpeg.output(*mapped, url, **options)


def _checked(value: str, name: str, key: str) -> str:
    if value != value.strip():
        # ffmpeg-python escapes with backslashes, which cannot keep a value's leading or trailing space
        raise CapabilityError(f"the {name} filter's {key} starts or ends with a space, which ffmpeg-python "
                              "cannot pass: render it with ffx.render")
    return value


def _stream(label: str, streams: list, labels: dict) -> Any:
    if label in labels:
        return labels[label]
    match = _INPUT_LABEL.match(label)
    if not match:
        raise CapabilityError(f"the plan's graph reads the stream [{label}], which ffmpeg-python cannot name")
    stream = streams[int(match.group(1))]
    return stream[match.group(2)] if match.group(2) else stream


def _read_argv(args: list[str]) -> tuple[list, str | None, list[str], dict, str]:
    """Inputs (url, options), the filtergraph, the ``-map`` labels, output options, output url."""
    inputs: list = []
    pending: dict = {}
    graph_text = None
    maps: list[str] = []
    options: dict = {}
    url = args.pop()
    last_input = max((i for i, token in enumerate(args) if token == "-i"), default=-1)
    i = 0
    while i < len(args):
        key = args[i]
        value = args[i + 1] if i + 1 < len(args) and not _is_flag(args[i + 1]) else None
        i += 2 if value is not None else 1
        if key == "-i":
            inputs.append((value, pending))
            pending = {}
        elif i <= last_input:  # options before an -i are that input's
            pending[_name(key)] = value
        elif key in ("-filter_complex", "-/filter_complex", "-filter_complex_script"):
            graph_text = value
        elif key == "-map":
            maps.append(value)
        else:
            options[_name(key)] = value
    return inputs, graph_text, maps, options, url


def _name(key: str) -> str:
    name = key[1:]
    return "format" if name == "f" else name


def _is_flag(token: str) -> bool:
    return token.startswith("-") and not re.match(r"^-[\d.]", token)
