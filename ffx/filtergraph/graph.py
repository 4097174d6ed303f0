"""The filter graph: what effects build, how it is escaped, how it becomes argv.

This is the only module that knows how a graph is written for FFmpeg, so the
backend can be swapped. Effects build a small graph of :class:`Node` objects;
:func:`lower` repairs it (a stream used twice gets an explicit
``split``/``asplit``, streams nobody uses are dropped), orders it, names its
streams and assembles the argv. It once handed the last three to ffmpeg-python,
whose recursive walk stopped at about 1,000 filters and took quadratic time;
the argv it wrote (its order, its labels ``s0, s1, ...``) is kept.

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


OPTION_NAME = re.compile(r"^[a-z][A-Za-z0-9_]*$")  # a few of FFmpeg's hold capitals (gblur's sigmaV)
FILTER_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
INSTANCE_NAME = re.compile(r"^[a-z][a-z0-9_]*@[A-Za-z0-9_]+$")  # a class and the instance name sendcmd addresses
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
    if not (FILTER_NAME.match(name) or INSTANCE_NAME.match(name)):
        raise ValueError(f"{name!r} is not a valid filter name")
    parts = []
    for key, value in options:
        if not OPTION_NAME.match(key):
            raise ValueError(f"{key!r} is not a valid option name (a lowercase letter, then letters, digits, _)")
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
    streams: dict[str, str] = field(default_factory=dict)  # an input's stream of each kind, when not v:0 / a:0
    instance: str | None = None  # a filter's instance name (``gblur@NAME``), for sendcmd's commands to address
    uid: int = field(default_factory=lambda: next(_ids))

    def pad(self, index: int = 0) -> Pad:
        return Pad(self, index, self.output_kinds[index])


def input_node(url: str, args: list[tuple[str, str]], has_video: bool, has_audio: bool) -> Node:
    kinds = tuple(k for k, present in ((VIDEO, has_video), (AUDIO, has_audio)) if present)
    return Node(name=url, is_input=True, input_args=list(args), output_kinds=kinds)


def input_pad(node: Node, kind: str) -> Pad:
    return Pad(node, node.output_kinds.index(kind), kind)


def filter_node(name: str, inputs: list[Pad], options: dict | list | None = None,
                outputs: tuple[str, ...] | None = None, step: str | None = None, instance: str | None = None) -> Node:
    """A filter applied to ``inputs``; options keep the order given (skip ``None`` values). ``instance``
    names it (``name@instance``), the target of ``sendcmd`` commands."""
    items = list(options.items()) if isinstance(options, dict) else list(options or [])
    rendered = [(k, option_text(v)) for k, v in items if v is not None]
    filter_spec(instance_of(name, instance), rendered)  # validate names early, where the effect can be blamed
    if outputs is None:
        outputs = (inputs[0].kind,) if inputs else (VIDEO,)
    return Node(name=name, options=rendered, inputs=tuple(inputs), output_kinds=outputs, step=step,
                instance=instance)


def instance_of(name: str, instance: str | None) -> str:
    """How a filter is written in a graph: its class, and its instance name if it has one."""
    return name if instance is None else f"{name}@{instance}"


# Lowering -------------------------------------------------------------------------------------------------
#
# A pure function of the pads it is given: the effects' nodes are read, never changed, so a graph can be
# lowered again (or in part, for the preview) with the same result. Every walk is iterative: a recipe of
# thousands of steps is a chain thousands of nodes deep. The argv is the one ffmpeg-python used to build:
# nodes in depth-first post-order from the outputs, inputs numbered in that order, labels s0, s1, ... in
# that order, input options with -f and -video_size first and the rest sorted, output options likewise.


@dataclass(frozen=True)
class LoweredFilter:
    """One filter of a lowered graph, as FFmpeg numbers it (``Parsed_<name>_<n>``) and a picture draws it.

    Plain strings only (no links to the effects' nodes), so a stage holding its
    filters pickles flat however long the chain.
    """

    name: str
    options: tuple[tuple[str, str], ...]
    inputs: tuple[str, ...]  # the streams it reads: "0:v:0" (an input's), "s3" (another filter's)
    outputs: tuple[str, ...]  # the labels of the streams it makes that something reads
    step: str | None  # the recipe step that made it
    text: str  # ``name=options``, escaped for the graph


@dataclass(frozen=True)
class LoweredInput:
    """One ``-i`` of a lowered command: the URL FFmpeg opens and the options before it."""

    url: str
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lowered:
    """A graph ready for FFmpeg: its parts (inputs, graph, maps, output options, URL), its argv (no
    binary), and which step made each filter.

    It keeps what :meth:`part` needs to write a piece of the same graph as a
    command of its own (the preview) without escaping any filter again.
    """

    args: list[str]
    filter_steps: list[tuple[str, str | None]]  # FFmpeg's "Parsed_<name>_<n>" order
    nodes: dict[int, Node] = field(default_factory=dict, repr=False)  # uid -> node, the effects' own
    texts: dict[int, str] = field(default_factory=dict, repr=False)  # uid -> escaped filter text
    inputs: tuple[LoweredInput, ...] = ()
    graph: str = ""  # the -filter_complex text ("" when the command has no filter)
    filters: tuple[LoweredFilter, ...] = ()  # in the graph's order
    maps: tuple[str, ...] = ()  # what each -map names: "[s3]" or "0:v:0"
    output_options: tuple[str, ...] = ()
    url: str = ""

    def part(self, outputs: list[Pad], url: str, output_args: list[tuple[str, str]]) -> Lowered | None:
        """The command that writes ``outputs`` (pads of this graph) alone, or None if one is not in it."""
        if any(self.nodes.get(pad.node.uid) is not pad.node for pad in outputs):
            return None
        wiring, outputs = _insert_splits(outputs)
        return _emit(outputs, wiring, url, output_args, dict(self.texts))


def _reachable(outputs: list[Pad]) -> list[Node]:
    """Every node the outputs are made from (each once)."""
    found: list[Node] = []
    seen: set[int] = set()
    stack = [pad.node for pad in reversed(outputs)]
    while stack:
        node = stack.pop()
        if node.uid not in seen:
            seen.add(node.uid)
            found.append(node)
            stack.extend(pad.node for pad in node.inputs)
    return found


def _insert_splits(outputs: list[Pad]) -> tuple[dict[int, tuple[Pad, ...]], list[Pad]]:
    """Every node's inputs, and the outputs, with each consumer of a shared stream on its own branch of a
    ``split``/``asplit``. Streams nobody reaches are left out. The nodes themselves are not changed."""
    reachable = sorted(_reachable(outputs), key=lambda n: n.uid)
    consumers: dict[tuple[int, int], int] = {}
    for pad in [p for n in reachable for p in n.inputs] + list(outputs):
        consumers[pad.node.uid, pad.index] = consumers.get((pad.node.uid, pad.index), 0) + 1
    splits: dict[tuple[int, int], Node] = {}
    branches_used: dict[tuple[int, int], int] = {}
    wiring: dict[int, tuple[Pad, ...]] = {}

    def branch(pad: Pad) -> Pad:
        key = (pad.node.uid, pad.index)
        count = consumers.get(key, 0)
        if count <= 1:
            return pad
        if key not in splits:
            name = "split" if pad.kind == VIDEO else "asplit"
            splits[key] = Node(name=name, inputs=(pad,), output_kinds=(pad.kind,) * count, step=pad.node.step)
            wiring[splits[key].uid] = (pad,)
        used = branches_used.get(key, 0)
        branches_used[key] = used + 1
        return Pad(splits[key], used, pad.kind)

    for node in reachable:
        wiring[node.uid] = tuple(branch(p) for p in node.inputs)
    return wiring, [branch(p) for p in outputs]


def _node_key(node: Node) -> object:
    # identical inputs (same URL, same options) are one input, as ffmpeg-python's hashing made them
    return ("input", node.name, tuple(node.input_args)) if node.is_input else node.uid


def _post_order(outputs: list[Pad], wiring: dict[int, tuple[Pad, ...]]) -> list[Node]:
    """Nodes depth-first from the outputs, each after everything it reads (its inputs in order)."""
    order: list[Node] = []
    done: set[object] = set()
    for pad in outputs:
        stack = [(pad.node, 0)]
        while stack:
            node, next_input = stack[-1]
            if _node_key(node) in done:
                stack.pop()
                continue
            inputs = wiring.get(node.uid, ())
            if next_input < len(inputs):
                stack[-1] = (node, next_input + 1)
                stack.append((inputs[next_input].node, 0))
            else:
                stack.pop()
                done.add(_node_key(node))
                order.append(node)
    return order


def _options_args(options: dict[str, str], first: tuple[str, ...]) -> list[str]:
    args: list[str] = []
    for key in [k for k in first if k in options] + sorted(k for k in options if k not in first):
        args += [f"-{key}"] + ([] if options[key] is None else [str(options[key])])
    return args


def _input(node: Node) -> LoweredInput:
    options = {key.lstrip("-"): value for key, value in node.input_args}
    return LoweredInput(node.name, tuple(_options_args(options, ("f", "video_size"))))


def _emit(outputs: list[Pad], wiring: dict[int, tuple[Pad, ...]], url: str,
          output_args: list[tuple[str, str]], texts: dict[int, str]) -> Lowered:
    """Number the inputs, name the streams and write the argv; ``texts`` caches each filter's escaped text."""
    order = _post_order(outputs, wiring)
    input_numbers: dict[object, int] = {}
    for node in order:
        if node.is_input:
            input_numbers.setdefault(_node_key(node), len(input_numbers))
    filters = [node for node in order if not node.is_input]
    # how often each stream is read (by filters and by the output): a split has an output per reader
    consumed: dict[tuple[int, int], int] = {}
    for node in filters:
        for pad in wiring.get(node.uid, ()):
            consumed[pad.node.uid, pad.index] = consumed.get((pad.node.uid, pad.index), 0) + 1
    for pad in outputs:
        consumed[pad.node.uid, pad.index] = consumed.get((pad.node.uid, pad.index), 0) + 1
    labels: dict[tuple[int, int], str] = {}
    for node in filters:
        for index in range(len(node.output_kinds)):
            if (node.uid, index) in consumed:
                labels[node.uid, index] = f"s{len(labels)}"
    # an output nobody reads (the pieces segment cuts away, a concat's sound where only its picture is looked
    # at) is drained into a null sink after every other filter: FFmpeg refuses an unconnected output
    drained = []
    for node in filters:
        for index, kind in enumerate(node.output_kinds):
            if (node.uid, index) not in labels:
                labels[node.uid, index] = f"s{len(labels)}"
                drained.append((labels[node.uid, index], kind, node.step))

    def name(pad: Pad) -> str:
        if pad.node.is_input:
            chosen = pad.node.streams.get(pad.kind) or ("v:0" if pad.kind == VIDEO else "a:0")
            return f"{input_numbers[_node_key(pad.node)]}:{chosen}"
        return labels[pad.node.uid, pad.index]

    specs = []
    lowered_filters = []
    for node in filters:
        options = node.options
        if node.name in ("split", "asplit"):
            options = [("outputs", str(sum(consumed.get((node.uid, i), 0) for i in range(len(node.output_kinds)))))]
        if node.uid not in texts:
            texts[node.uid] = filter_spec(instance_of(node.name, node.instance), options)
        ins = tuple(name(pad) for pad in wiring.get(node.uid, ()))
        outs = tuple(labels[node.uid, i] for i in range(len(node.output_kinds)) if (node.uid, i) in labels)
        lowered_filters.append(LoweredFilter(node.name, tuple(options), ins, outs, node.step, texts[node.uid]))
        specs.append("".join(f"[{label}]" for label in ins) + texts[node.uid] + "".join(f"[{label}]" for label in outs))
    for label, kind, step in drained:
        sink = "nullsink" if kind == VIDEO else "anullsink"
        lowered_filters.append(LoweredFilter(sink, (), (label,), (), step, sink))
        specs.append(f"[{label}]{sink}")
    inputs: list[LoweredInput] = []
    seen_inputs: set[object] = set()
    for node in order:
        if node.is_input and _node_key(node) not in seen_inputs:
            seen_inputs.add(_node_key(node))
            inputs.append(_input(node))
    maps = tuple(name(pad) if pad.node.is_input else f"[{name(pad)}]" for pad in outputs)
    output_options = tuple(_options_args({key.lstrip("-"): value for key, value in output_args}, ("f",)))
    text = ";".join(specs)
    args = [word for one in inputs for word in (*one.options, "-i", one.url)]
    if text:
        args += ["-filter_complex", text]
    args += [word for stream in maps for word in ("-map", stream)]
    args += [*output_options, url]
    nodes = {node.uid: node for node in order}
    return Lowered(args=args, filter_steps=[(n.name, n.step) for n in filters], nodes=nodes, texts=texts,
                   inputs=tuple(inputs), graph=text, filters=tuple(lowered_filters), maps=maps,
                   output_options=output_options, url=url)


def lower(outputs: list[Pad], url: str, output_args: list[tuple[str, str]]) -> Lowered:
    """Argv (without the binary) for one FFmpeg command writing ``outputs`` to ``url``.

    >>> source = input_node("file:in.mkv", [], True, False)
    >>> flipped = filter_node("hflip", [input_pad(source, VIDEO)]).pad()
    >>> " ".join(lower([flipped], "file:out.mkv", [("-c:v", "ffv1")]).args)
    '-i file:in.mkv -filter_complex [0:v:0]hflip[s0] -map [s0] -c:v ffv1 file:out.mkv'
    """
    wiring, outputs = _insert_splits(outputs)
    return _emit(outputs, wiring, url, output_args, {})
