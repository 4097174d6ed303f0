"""An ffmpeg-python graph read as filter operations: the walk both its importer and its Python step use.

ffmpeg-python (the ``ffx[ffmpeg-python]`` extra) is imported only when a walk needs it, so ``ffx --help``
and ``ffx compile`` never load it. The graph is walked without recursion (a chain of thousands of
filters is as deep as it is long) and nodes are told apart by identity: ffmpeg-python's own hash makes
two ``hflip`` of one stream the same node, which they are not. ``split`` nodes disappear (ffx splits what
several filters read). Unnamed options are named (:mod:`ffx.filtergraph.option_names`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Hashable

from ..errors import RecipeError, UsageError
from .filter_options import filter_pads
from .option_names import named_options

VIDEO, AUDIO = "video", "audio"
_SELECTORS = {"v": VIDEO, "a": AUDIO, "V": VIDEO}
_SPLITS = ("split", "asplit")
# what ffmpeg-python adds on its own: FFmpeg's defaults, or counts ffx works out from the streams
_ADDED = {"overlay": {"eof_action": "repeat"}}
_INPUT_SOURCES = ("testsrc2", "testsrc", "smptebars", "smptehdbars", "rgbtestsrc", "color", "mandelbrot",
                  "yuvtestsrc", "sine", "anoisesrc")

INSTALL = "pip install 'ffx[ffmpeg-python]'"


def ffmpeg_python() -> ModuleType:
    """The ``ffmpeg`` module of ffmpeg-python, or :class:`ffx.UsageError` saying how to install it."""
    try:
        import ffmpeg
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in ("ffmpeg", "future", "past", "builtins"):
            raise
        raise UsageError(f"this needs ffmpeg-python, which is not installed: {INSTALL}") from None
    if not hasattr(ffmpeg, "nodes"):  # another distribution also named ffmpeg
        raise UsageError(f"the installed 'ffmpeg' module is not ffmpeg-python: {INSTALL}")
    return ffmpeg


@dataclass(frozen=True)
class Op:
    """One filter: its name, named options, the streams it reads (keys) and the one it hands on."""

    name: str
    options: tuple[tuple[str, Any], ...]
    inputs: tuple[Hashable, ...]
    output: Hashable
    kind: str  # VIDEO or AUDIO: what it reads first and hands on


def input_key(name: str, kind: str) -> tuple:
    """The key of an input's video or audio stream."""
    return ("input", name, kind)


class GraphWalk:
    """One pass over the graph from its output: inputs, filters in the order they can run, notes."""

    def __init__(self, ffmpeg) -> None:
        self.nodes = ffmpeg.nodes
        self.inputs: dict[int, str] = {}  # id(input node) -> its name in the recipe
        self.input_nodes: dict[int, Any] = {}
        self.notes: list[str] = []
        self.kinds: dict[Any, str] = {}  # stream key -> kind, for filters whose table says nothing

    def start(self, node: Any) -> tuple[list, dict]:
        """The output's streams (node, label, selector) and its options, through -y and global args."""
        nodes = self.nodes
        if isinstance(node, nodes.Stream):
            if isinstance(node, nodes.FilterableStream):
                return [(node.node, node.label, node.selector)], {}
            node = node.node
        while isinstance(node, nodes.GlobalNode):
            words = " ".join(map(str, node.args))
            self.notes.append(f"left out: the global option{'s' * (len(node.args) > 1)} {words} "
                              "(ffx renders with overwrite=True for -y, and writes its own global options)")
            node = next(iter(node.incoming_edge_map.values()))[0]
        if isinstance(node, nodes.MergeOutputsNode):
            raise RecipeError("this graph writes several outputs; a recipe writes one: convert each output alone")
        if not isinstance(node, nodes.OutputNode):
            raise UsageError(f"from_ffmpeg_python takes an ffmpeg-python stream or output, not {type(node).__name__}")
        streams = [node.incoming_edge_map[label] for label in sorted(node.incoming_edge_map)]
        return streams, dict(node.kwargs)

    def run(self, outputs: list) -> tuple[list[Op], Any, Any]:
        order = self._order([edge[0] for edge in outputs])
        ops: list[Op] = []
        aliases: dict[int, Any] = {}  # id(split) -> the key of the stream it splits
        for node in order:
            if isinstance(node, self.nodes.InputNode):
                self._input(node)
            elif node.name in _SPLITS:
                (upstream,) = node.incoming_edge_map.values()
                aliases[id(node)] = self._key(upstream, aliases, VIDEO if node.name == "split" else AUDIO)
            else:
                ops.append(self._op(node, aliases))
        video = audio = None
        for edge in outputs:
            node, _label, selector = edge
            if isinstance(node, self.nodes.InputNode) and selector is None:
                kinds = [VIDEO, AUDIO]  # the input whole: -map N takes its picture and its sound
            else:
                kinds = [self._kind_of(edge, aliases)]
            for kind in kinds:
                key = self._key(edge, aliases, kind)
                if (video if kind == VIDEO else audio) is not None:
                    raise RecipeError(f"the output takes two {kind} streams; a recipe writes one picture and one sound")
                if kind == VIDEO:
                    video = key
                else:
                    audio = key
        return ops, video, audio

    def _order(self, outputs: list) -> list:
        """Every node the outputs read, each after the nodes it reads (iterative depth-first post-order)."""
        order: list = []
        done: set[int] = set()
        for top in outputs:
            stack = [(top, iter(self._upstream(top)))]
            if id(top) in done:
                continue
            done.add(id(top))
            while stack:
                node, pending = stack[-1]
                for upstream in pending:
                    if id(upstream) not in done:
                        done.add(id(upstream))
                        stack.append((upstream, iter(self._upstream(upstream))))
                        break
                else:
                    stack.pop()
                    order.append(node)
        return order

    @staticmethod
    def _upstream(node: Any) -> list:
        edges = node.incoming_edge_map
        return [edges[label][0] for label in sorted(edges, key=lambda label: (str(type(label)), label))]

    def _input(self, node: Any) -> None:
        if id(node) in self.inputs:
            return
        stem = re.sub(r"\W", "_", str(node.kwargs.get("filename", "input")).rsplit("/", 1)[-1].split(".")[0])
        stem = stem if re.match(r"^[A-Za-z_]", stem or "") else f"in_{stem}"
        name = stem[:40] or "input"
        taken = set(self.inputs.values())
        count = 2
        while name in taken:
            name, count = f"{stem[:40]}_{count}", count + 1
        self.inputs[id(node)] = name
        self.input_nodes[id(node)] = node

    def trims(self) -> dict[str, dict]:
        """The inputs read from ``ss`` for ``t`` (or to ``to``) seconds, as trim steps: FFmpeg seeks
        accurately, keeping the frames from ``ss`` on, which is what a first trim keeps."""
        found: dict[str, dict] = {}
        for ident, name in self.inputs.items():
            kwargs = self.input_nodes[ident].kwargs
            trim = {field: _time(kwargs[key]) for key, field in (("ss", "start"), ("t", "duration"), ("to", "end"))
                    if key in kwargs}
            if trim:
                found[name] = trim
        return found

    def input_specs(self) -> dict[str, Any]:
        """Each input as ffx writes it, with ``ss``/``t``/``to`` as a trim in ``self.trims``."""
        specs: dict[str, Any] = {}
        for ident, name in self.inputs.items():
            specs[name] = _input_spec(dict(self.input_nodes[ident].kwargs))
        if len(specs) == 1:
            return {"input": next(iter(specs.values()))}
        return specs

    def _key(self, edge: tuple, aliases: dict, kind: str) -> Any:
        node, label, selector = edge
        if isinstance(node, self.nodes.InputNode):
            self._input(node)
            return input_key(self.inputs[id(node)], _SELECTORS.get(selector, kind) if selector else kind)
        if id(node) in aliases:
            return aliases[id(node)]
        return ("filter", id(node))

    def _kind_of(self, edge: tuple, aliases: dict) -> str:
        node, _label, selector = edge
        if selector:
            if selector not in _SELECTORS:
                raise RecipeError(f"the stream selector {selector!r} is not one ffx follows: use 'v' or 'a'")
            return _SELECTORS[selector]
        if isinstance(node, self.nodes.InputNode):
            return VIDEO
        key = aliases.get(id(node), ("filter", id(node)))
        return key[2] if key[0] == "input" else self.kinds.get(key, VIDEO)

    def _op(self, node: Any, aliases: dict) -> Op:
        name = node.name
        edges = [node.incoming_edge_map[label] for label in sorted(node.incoming_edge_map)]
        try:
            ins, outs = filter_pads(name)
        except KeyError:
            raise RecipeError(f"FFmpeg has no filter named {name!r}") from None
        said = {"V": VIDEO, "A": AUDIO}
        fallback = said.get((outs or " ")[0], VIDEO)

        def kind_at(index: int, edge: tuple) -> str:
            upstream, _label, selector = edge
            if selector or not isinstance(upstream, self.nodes.InputNode):
                if selector or not ins:
                    return self._kind_of(edge, aliases)
            return said[ins[index]] if ins and index < len(ins) else fallback

        kinds = [kind_at(i, edge) for i, edge in enumerate(edges)]
        keys = tuple(self._key(edge, aliases, k) for edge, k in zip(edges, kinds))
        kwargs = {k: v for k, v in node.kwargs.items() if _ADDED.get(name, {}).get(k, object()) != v}
        options = named_options(name, list(node.args), dict(sorted(kwargs.items())))
        if name == "concat" and dict(options).get("n") == len(edges) == 2:
            options = [(k, v) for k, v in options if k != "n"]  # ffmpeg-python counts the segments; 2 is FFmpeg's default
        output = ("filter", id(node))
        self.kinds[output] = kinds[0]
        return Op(name, tuple(options), keys, output, kinds[0])


def _time(value: Any) -> Any:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def _input_spec(kwargs: dict) -> Any:
    filename = str(kwargs.pop("filename"))
    fmt = kwargs.pop("format", None)
    for key in ("ss", "t", "to"):
        kwargs.pop(key, None)  # a trim step, written by _input_trims
    if fmt == "lavfi":
        return generated_input(filename, kwargs)
    if fmt is not None or kwargs:
        given = sorted(kwargs) + (["f"] if fmt else [])
        raise RecipeError(f"the input option{'s' * (len(given) > 1)} {', '.join(given)} of {filename!r} "
                          "are not modelled by ffx (it reads the container as it is)")
    return filename


def generated_input(text: str, kwargs: dict) -> dict:
    """A lavfi input ffx generates itself: ``testsrc2=size=64x48:rate=25:duration=1``."""
    name, _, rest = text.partition("=")
    options = dict(item.partition("=")[::2] for item in rest.split(":") if item)
    known = {"size", "s", "rate", "r", "duration", "d", "color", "c", "frequency", "f", "sample_rate"}
    if name not in _INPUT_SOURCES or set(options) - known or kwargs:
        raise RecipeError(f"the lavfi input {text!r} is not a source ffx generates (testsrc2, color, sine... "
                          "with size, rate, duration)")
    spec: dict = {"source": name}
    for short, key in (("s", "size"), ("r", "rate"), ("d", "duration"), ("c", "color"), ("f", "frequency")):
        if short in options:
            options[key] = options.pop(short)
    for key, value in options.items():
        spec[key] = value if key in ("size", "color") else (float(value) if key in ("duration", "frequency")
                                                              else int(value) if value.isdigit() else value)
    return spec
