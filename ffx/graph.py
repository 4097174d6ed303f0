"""The filter graph: what effects build, how it is escaped, how it becomes argv.

This is the only module that imports ffmpeg-python, so the backend can be
swapped. Effects build a small graph of :class:`Node` objects; :func:`lower`
repairs it (a stream used twice gets an explicit ``split``/``asplit``, streams
nobody uses are dropped) and hands it to ffmpeg-python for label allocation,
ordering and argv assembly.

Escaping is ffx's own, because ffmpeg-python's is not safe: it double-escapes
positional arguments and cannot protect leading or trailing whitespace. FFmpeg
parses a filtergraph twice. Level 2 (the graph) splits on ``[ ] , ;``; level 1
(the filter's options) splits on ``:``. Both honour ``'...'`` quotes and ``\\``
escapes and strip unquoted whitespace at the ends. So a value is quoted for
level 1 when it needs it, and the whole ``name=options`` text is then
backslash-escaped for level 2.

>>> escape_value("1:30")
"'1:30'"
>>> filter_spec("drawtext", [("text", "it's 5:00, [ok]; %{pts}")])
"drawtext=text=\\\\'it\\\\'\\\\\\\\\\\\'\\\\'s 5:00\\\\, \\\\[ok\\\\]\\\\; %{pts}\\\\'"
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction

import ffmpeg
from ffmpeg.dag import topo_sort
from ffmpeg.nodes import FilterNode as _FfmpegFilterNode
from ffmpeg.nodes import get_stream_spec_nodes

OPTION_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
FILTER_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_LEVEL1_SPECIAL = re.compile(r"[\\':]")
_LEVEL2_SPECIAL = re.compile(r"([\\'\[\],;])")
_WHITESPACE = " \n\t\r"

VIDEO = "video"
AUDIO = "audio"


def format_number(value: float | int | Fraction) -> str:
    """FFmpeg-friendly number text: no exponent, no float noise.

    >>> format_number(0.1 + 0.2), format_number(Fraction(30000, 1001)), format_number(2.0)
    ('0.3', '30000/1001', '2')
    """
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    text = f"{value:.9f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def option_text(value: object) -> str:
    """The text FFmpeg should receive for an option value."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float, Fraction)):
        return format_number(value)
    if isinstance(value, (list, tuple)):
        return " ".join(option_text(v) for v in value)
    raise TypeError(f"cannot pass {type(value).__name__} as a filter option")


def escape_value(text: str) -> str:
    """Protect one option value for level 1 (the filter's own option parser)."""
    if text and not _LEVEL1_SPECIAL.search(text) and text[0] not in _WHITESPACE and text[-1] not in _WHITESPACE:
        return text
    if not text:
        return "''"
    return "'" + text.replace("'", "'\\''") + "'"


def escape_graph(text: str) -> str:
    """Protect a filter's ``name=options`` text for level 2 (the graph parser)."""
    return _LEVEL2_SPECIAL.sub(r"\\\1", text)


def filter_spec(name: str, options: list[tuple[str, str]]) -> str:
    """One filter as it appears in a filtergraph, escaped for both levels."""
    if not FILTER_NAME.match(name):
        raise ValueError(f"{name!r} is not a valid filter name")
    parts = []
    for key, value in options:
        if not OPTION_NAME.match(key):
            raise ValueError(f"{key!r} is not a valid option name (lowercase letters, digits, _)")
        parts.append(f"{key}={escape_value(value)}")
    return escape_graph(name + ("=" + ":".join(parts) if parts else ""))


@dataclass(frozen=True, eq=False)
class Pad:
    """One stream leaving a node: an input's video or audio, or a filter's n-th output."""

    node: Node
    index: int
    kind: str  # VIDEO or AUDIO


_ids = itertools.count()


@dataclass(eq=False)
class Node:
    """An input (``name`` is its URL) or a filter, with the recipe step it came from."""

    name: str
    options: list[tuple[str, str]] = field(default_factory=list)
    inputs: tuple[Pad, ...] = ()
    output_kinds: tuple[str, ...] = (VIDEO,)
    step: str | None = None
    is_input: bool = False
    input_args: list[tuple[str, str]] = field(default_factory=list)  # -f lavfi, -ss ... for inputs
    uid: int = field(default_factory=lambda: next(_ids))

    def pad(self, index: int = 0) -> Pad:
        return Pad(self, index, self.output_kinds[index])


def input_node(url: str, args: list[tuple[str, str]], has_video: bool, has_audio: bool) -> Node:
    kinds = tuple(k for k, present in ((VIDEO, has_video), (AUDIO, has_audio)) if present)
    return Node(name=url, is_input=True, input_args=list(args), output_kinds=kinds)


def input_pad(node: Node, kind: str) -> Pad:
    return Pad(node, node.output_kinds.index(kind), kind)


def filter_node(name: str, inputs: list[Pad], options: dict | list | None = None,
                outputs: tuple[str, ...] | None = None, step: str | None = None) -> Node:
    """A filter applied to ``inputs``; options keep the order given (skip ``None`` values)."""
    items = list(options.items()) if isinstance(options, dict) else list(options or [])
    rendered = [(k, option_text(v)) for k, v in items if v is not None]
    filter_spec(name, rendered)  # validate names early, where the effect can be blamed
    if outputs is None:
        outputs = (inputs[0].kind,) if inputs else (VIDEO,)
    return Node(name=name, options=rendered, inputs=tuple(inputs), output_kinds=outputs, step=step)


class _SpecNode(_FfmpegFilterNode):
    """ffmpeg-python filter node whose text comes from ffx's escaping."""

    def __init__(self, streams, ffx_node: Node, n_outputs: int):
        self.ffx_node = ffx_node
        self.n_outputs = n_outputs
        # the uid keeps identical filters on identical inputs from being merged by ffmpeg-python's hashing
        super().__init__(streams, ffx_node.name, max_inputs=None, kwargs={"ffx_uid": ffx_node.uid})

    def _get_filter(self, outgoing_edges):
        options = self.ffx_node.options
        if self.ffx_node.name in ("split", "asplit"):
            options = [("outputs", str(len(outgoing_edges)))]
        return filter_spec(self.ffx_node.name, options)


@dataclass(frozen=True)
class Lowered:
    """A graph ready for FFmpeg: its argv (no binary) and which step made each filter."""

    args: list[str]
    filter_steps: list[tuple[str, str | None]]  # FFmpeg's "Parsed_<name>_<n>" order


def _insert_splits(outputs: list[Pad]) -> list[Pad]:
    """Give every consumer of a shared stream its own branch of a split."""
    reachable: list[Node] = []
    seen: set[int] = set()
    stack = [pad.node for pad in outputs]
    while stack:
        node = stack.pop()
        if node.uid in seen:
            continue
        seen.add(node.uid)
        reachable.append(node)
        stack.extend(p.node for p in node.inputs)
    consumers: dict[tuple[int, int], int] = {}
    for pad in [p for n in reachable for p in n.inputs] + list(outputs):
        consumers[pad.node.uid, pad.index] = consumers.get((pad.node.uid, pad.index), 0) + 1
    splits: dict[tuple[int, int], tuple[Node, list[int]]] = {}

    def branch(pad: Pad) -> Pad:
        key = (pad.node.uid, pad.index)
        count = consumers.get(key, 0)
        if count <= 1:
            return pad
        if key not in splits:
            name = "split" if pad.kind == VIDEO else "asplit"
            splits[key] = (Node(name=name, inputs=(pad,), output_kinds=(pad.kind,) * count, step=pad.node.step), [0])
        node, used = splits[key]
        used[0] += 1
        return Pad(node, used[0] - 1, pad.kind)

    for node in sorted(reachable, key=lambda n: n.uid):
        node.inputs = tuple(branch(p) for p in node.inputs)
    return [branch(p) for p in outputs]


def lower(outputs: list[Pad], url: str, output_args: list[tuple[str, str]]) -> Lowered:
    """Argv (without the binary) for one FFmpeg command writing ``outputs`` to ``url``."""
    outputs = _insert_splits(outputs)
    built: dict[int, object] = {}
    inputs_in_order: list[Node] = []

    def build(node: Node):
        if node.uid in built:
            return built[node.uid]
        if node.is_input:
            args = {k.lstrip("-"): v for k, v in node.input_args}
            if "video_size" in args:  # ffmpeg-python formats this one from a (width, height) pair
                args["video_size"] = tuple(args["video_size"].split("x"))
            result = ffmpeg.input(node.name, **args)
            inputs_in_order.append(node)
        else:
            streams = []
            for pad in node.inputs:
                upstream = build(pad.node)
                if pad.node.is_input:
                    selector = "v:0" if pad.kind == VIDEO else "a:0"
                    streams.append(upstream[selector])
                else:
                    streams.append(upstream.stream(label=pad.index))
            result = _SpecNode(streams, node, len(node.output_kinds))
        built[node.uid] = result
        return result

    streams = []
    for pad in outputs:
        upstream = build(pad.node)
        if pad.node.is_input:
            streams.append(upstream["v:0" if pad.kind == VIDEO else "a:0"])
        else:
            streams.append(upstream.stream(label=pad.index))
    kwargs = {}
    for key, value in output_args:
        kwargs[key.lstrip("-")] = value
    out = ffmpeg.output(*streams, url, **kwargs)
    args = ffmpeg.get_args(out)
    sorted_nodes, _ = topo_sort(get_stream_spec_nodes(out))
    steps = [(n.ffx_node.name, n.ffx_node.step) for n in sorted_nodes if isinstance(n, _SpecNode)]
    return Lowered(args=args, filter_steps=steps)
