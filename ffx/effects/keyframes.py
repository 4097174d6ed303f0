"""Keyframes: a number that moves over the step's time, for the parameters FFmpeg can vary per frame.

A moving parameter takes a mapping of times to values instead of one number::

    x: {0: 0, 1.5: 200}                    # linear from 0 at 0 s to 200 at 1.5 s, then stays
    opacity: {0: 0, 0.5: 1, 3: 1, 3.5: 0, ease: in_out}
    y: {0: [300, out], 1: 240}             # one key's own ease: how the value leaves that key

Times are seconds or clock strings (``"0:01.5"``) on the step's clock, the rule of ``overlay.start``:
0 is the first frame the step receives, and the frame at ``k / fps`` takes the value at ``k / fps``.
Before the first key the value is the first key's, after the last the last key's. Between two keys it
moves by the ease of the key it leaves (``ease:`` sets it for every key; linear by default), with ``u``
the share of the way from one key's time to the next:

* ``linear``: u; ``in``: u²; ``out``: u·(2 − u); ``in_out``: u²·(3 − 2u) (smoothstep);
* ``hold``: the value stays until the next key's time, then jumps.

The curve is lowered to FFmpeg in one of two ways, whichever the filter takes:
:meth:`Keyframes.as_expression` writes it as an expression in ``t`` (nested ``if(lt(t,T),...)`` halving
the keys, so 1,000 keys nest ten deep) for options evaluated on every frame (overlay, crop, eq, volume,
drawtext, zoompan); :meth:`Keyframes.as_commands` writes ``sendcmd``/``asendcmd`` commands for options a
filter takes as a runtime command (gblur's sigma, colorchannelmixer's alpha): one ``[expr]`` command per
stretch between keys, sent on every frame of it. Both are plain option values: the filtergraph layer
escapes them like any other. FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#sendcmd_002c-asendcmd

>>> keys = Keyframes.parse({0: 0, 2: 200})
>>> keys.value_at(1.0), Keyframes.parse({0: 0, 2: 200, "ease": "in_out"}).value_at(0.5)
(100.0, 31.25)
>>> keys.as_expression()
'if(lt(t,0),0,if(lt(t,2),0+200*((t-0)/2),200))'
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin

from pydantic import BeforeValidator, GetCoreSchemaHandler, PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import core_schema

from ..errors import quote
from ..filtergraph import graph
from ..filtergraph.graph import format_number
from ..syntax.timecode import parse_time
from .fields import MAX_SECONDS

EASES = ("linear", "in", "out", "in_out", "hold")
MAX_KEYS = 1000  # a 1,000-key curve is an expression of about 60 KB, evaluated ten ifs deep per frame
_NAME = re.compile(r"[^A-Za-z0-9]+")


def eased(ease: str, u: float) -> float:
    """How far (0 to 1) a value has gone at share ``u`` of the way between two keys.

    >>> [eased(e, 0.5) for e in ("linear", "in", "out", "in_out", "hold")]
    [0.5, 0.25, 0.75, 0.5, 0.0]
    """
    return {"linear": u, "in": u * u, "out": u * (2 - u), "in_out": u * u * (3 - 2 * u), "hold": 0.0}[ease]


def _eased_text(ease: str, u: str) -> str:
    """:func:`eased` as FFmpeg expression text, ``u`` an expression (no commas: sendcmd's arguments too)."""
    return {"linear": u, "in": f"{u}*{u}", "out": f"{u}*(2-{u})", "in_out": f"{u}*{u}*(3-2*{u})"}[ease]


@dataclass(frozen=True)
class Key:
    """One key: at ``time`` seconds the value is ``value``; it leaves towards the next key by ``ease``."""

    time: float
    value: float
    ease: str = "linear"


class Keyframes:
    """Values at times, and the eased curve between them (see the module's text)."""

    __slots__ = ("keys",)

    def __init__(self, keys: tuple[Key, ...]):
        keys = tuple(keys)
        # the last key leaves towards nothing: its ease is no part of the curve
        self.keys = keys[:-1] + (Key(keys[-1].time, keys[-1].value),) if keys else keys

    def __repr__(self) -> str:
        return f"Keyframes({self.to_data()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Keyframes) and other.keys == self.keys

    def __hash__(self) -> int:
        return hash(self.keys)

    # Reading -------------------------------------------------------------------------------------------

    @classmethod
    def parse(cls, data: object, convert: Callable[[object], float] | None = None) -> Keyframes:
        """Keyframes from ``{time: value, ..., ease: name}`` (a value may be ``[value, ease]``); ValueError
        with one line otherwise. ``convert`` reads each value (a gain in dB, ...); numbers by default."""
        if isinstance(data, Keyframes):
            return data
        if not isinstance(data, Mapping):
            raise ValueError("keyframes are a mapping of times to values, such as {0: 0, 1.5: 200}")
        default = data.get("ease", "linear")
        if default not in EASES:
            raise ValueError(f"ease {default!r} is not one of {', '.join(EASES)}")
        keys: dict[float, Key] = {}
        written: dict[float, object] = {}
        for when, what in data.items():
            if when == "ease":
                continue
            try:
                time = parse_time(when) if not isinstance(when, str) or when.strip() else parse_time(None)
            except ValueError as exc:
                raise ValueError(f"keyframe time {when!r}: {exc}") from None
            if not 0 <= time <= MAX_SECONDS:
                raise ValueError(f"keyframe time {when!r} is outside 0 to {MAX_SECONDS:,} s "
                                 "(times count from the step's start)")
            ease = default
            if isinstance(what, (list, tuple)):
                if len(what) != 2 or what[1] not in EASES:
                    raise ValueError(f"keyframe {when!r}: write a value, or [value, ease] with ease one of "
                                     f"{', '.join(EASES)}")
                what, ease = what
            try:
                value = convert(what) if convert is not None else _number(what)
            except ValueError as exc:
                raise ValueError(f"keyframe {when!r}: {exc}") from None
            if time in keys:
                raise ValueError(f"keyframe times {written[time]!r} and {when!r} are the same time")
            keys[time], written[time] = Key(time, value, ease), when
            if len(keys) > MAX_KEYS:
                raise ValueError(f"more than {MAX_KEYS} keyframes")
        if not keys:
            raise ValueError("keyframes need at least one time: value, such as {0: 0, 1.5: 200}")
        return cls(tuple(keys[t] for t in sorted(keys)))

    def to_data(self) -> dict:
        """The mapping a recipe writes (times in seconds), which :meth:`parse` reads back equal."""
        eases = {k.ease for k in self.keys[:-1]} or {"linear"}
        common = eases.pop() if len(eases) == 1 else "linear"
        data: dict[Any, Any] = {_plain(k.time): _plain(k.value) if k.ease == common or k is self.keys[-1]
                                else [_plain(k.value), k.ease] for k in self.keys}
        if common != "linear":
            data["ease"] = common
        return data

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.parse, serialization=core_schema.plain_serializer_function_ser_schema(lambda k: k.to_data()))

    # The curve -----------------------------------------------------------------------------------------

    @property
    def first(self) -> float:
        return self.keys[0].value

    @property
    def values(self) -> list[float]:
        return [k.value for k in self.keys]

    def value_at(self, t: float) -> float:
        """The value at ``t`` seconds on the step's clock (what the filters compute, in Python)."""
        keys = self.keys
        if t < keys[0].time:
            return keys[0].value
        for key, after in zip(keys, keys[1:]):
            if t < after.time:
                u = (t - key.time) / (after.time - key.time)
                return key.value + (after.value - key.value) * eased(key.ease, u)
        return keys[-1].value

    def mapped(self, change: Callable[[float], float]) -> Keyframes:
        """The same times and eases with every value changed (pixels from fractions, a size to a factor)."""
        return Keyframes(tuple(Key(k.time, change(k.value), k.ease) for k in self.keys))

    def _stretch(self, i: int, u: str) -> str:
        """The value between key ``i`` and the next, ``u`` the share of the way (an expression)."""
        key, after = self.keys[i], self.keys[i + 1]
        delta = after.value - key.value
        if key.ease == "hold" or delta == 0:
            return _num(key.value)
        return f"{_num(key.value)}+{_signed(delta)}*{_eased_text(key.ease, u)}"

    def as_expression(self, var: str = "t") -> str:
        """The curve as an FFmpeg expression of ``var`` (seconds on the step's clock).

        >>> Keyframes.parse({0: 10, 2: 20, 3: 0, "ease": "hold"}).as_expression()
        'if(lt(t,2),10,if(lt(t,3),20,0))'
        """
        keys = self.keys
        # pieces[0] before the first key, pieces[i + 1] from key i to key i + 1, the last after the last key;
        # piece j starts at keys[j - 1].time. The if-tree halves them, so its depth is log2 of the keys.
        pieces = [_num(keys[0].value)]
        pieces += [self._stretch(i, f"(({var}-{_num(keys[i].time)})/{_num(keys[i + 1].time - keys[i].time)})")
                   for i in range(len(keys) - 1)]
        pieces.append(_num(keys[-1].value))
        starts = [k.time for k in keys]

        def tree(low: int, high: int) -> str:
            if len(set(pieces[low:high + 1])) == 1:  # one value all along (a hold, a still start)
                return pieces[low]
            middle = (low + high + 1) // 2
            return f"if(lt({var},{_num(starts[middle - 1])}),{tree(low, middle - 1)},{tree(middle, high)})"

        return tree(0, len(pieces) - 1)

    def as_commands(self, target: str, option: str) -> str:
        """``sendcmd``/``asendcmd`` commands setting ``option`` of the filter instance ``target`` along the
        curve. The filter starts at :attr:`first` (its option set to it); every stretch between two keys is
        one ``[expr]`` interval, evaluated on each of its frames with ``TI`` its share of the way.

        >>> Keyframes.parse({0: 1, 2: 5}).as_commands("gblur@blur", "sigma")
        "0-2 [expr] gblur@blur sigma '1+4*TI'; 2 [enter] gblur@blur sigma 5"
        """
        keys = self.keys
        commands = []
        for i, (key, after) in enumerate(zip(keys, keys[1:])):
            span = f"{_num(key.time)}-{_num(after.time)}"
            if key.ease == "hold" or after.value == key.value:
                commands.append(f"{span} [enter] {target} {option} {_num(key.value)}")
            else:  # quoted for sendcmd's own parser; the graph layer escapes the whole text again
                commands.append(f"{span} [expr] {target} {option} '{self._stretch(i, 'TI')}'")
        commands.append(f"{_num(keys[-1].time)} [enter] {target} {option} {_num(keys[-1].value)}")
        return "; ".join(commands)


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{value!r} is not a number")
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    return float(value)


def _num(value: float) -> str:
    return format_number(round(value, 9))


def _signed(value: float) -> str:
    return _num(value) if value >= 0 else f"({_num(value)})"


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


# The field types -------------------------------------------------------------------------------------------

class _Moves:
    """Marks a field that takes keyframes (see :func:`moving_fields`)."""

    def __repr__(self) -> str:
        return "Moves"


MOVES = _Moves()


def moving(number: type = float, *, ge: float | None = None, gt: float | None = None, le: float | None = None,
           lt: float | None = None, plain: Callable[[object], object] | None = None,
           convert: Callable[[object], float] | None = None, number_schema: dict | None = None) -> Any:
    """A numeric field type that also takes :class:`Keyframes`, their values held to the same range.

    ``number`` (int or float) with its bounds is what a plain value is checked as (``plain`` checks it
    instead where the field takes more than numbers, as a gain in dB); ``convert`` reads a keyframe's value
    where it is not a plain number, ``number_schema`` is the plain value's JSON schema. One validator reads
    both, so a mistake is one line naming the field.
    """
    bounds = {"ge": ge, "gt": gt, "le": le, "lt": lt}

    def check(value: float) -> float:
        for name, limit in bounds.items():
            if limit is None:
                continue
            ok = {"ge": value >= limit, "gt": value > limit, "le": value <= limit, "lt": value < limit}[name]
            if not ok:
                word = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}[name]
                raise ValueError(f"{_plain(value)} is out of range: the value must be {word} {_plain(limit)}")
        return value

    def read_number(value: object) -> int | float:
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is true/false, not a number")
        if isinstance(value, str):
            raise ValueError(f"{value!r} is text, not a number (write the number without quotes)")
        if number is int and isinstance(value, float):
            raise ValueError(f"{value!r} must be a whole number")
        if not isinstance(value, (int, float)):
            raise ValueError(f"{type(value).__name__} is not a number, nor keyframes such as {{0: 0, 1.5: 200}}")
        if not (isinstance(value, int) and abs(value) < 10**300 or isinstance(value, float) and math.isfinite(value)):
            raise ValueError(f"{quote(value)} is not a finite number")  # an int past a float's range too
        return check(value if number is int else float(value))

    def read(value: object) -> object:
        if isinstance(value, (Mapping, Keyframes)):
            keys = Keyframes.parse(value, lambda v: check(convert(v) if convert is not None else _number(v)))
            for key in keys.keys:
                check(key.value)
            return keys
        return plain(value) if plain is not None else read_number(value)

    schema = number_schema or {"type": "integer" if number is int else "number",
                               **{_JSON_BOUND[k]: v for k, v in bounds.items() if v is not None}}
    return Annotated[number | Keyframes, PlainValidator(read), MOVES,
                     PlainSerializer(lambda v: v.to_data() if isinstance(v, Keyframes) else v),
                     WithJsonSchema({"anyOf": [schema, keyframes_schema(schema)]})]


_JSON_BOUND = {"ge": "minimum", "gt": "exclusiveMinimum", "le": "maximum", "lt": "exclusiveMaximum"}


def keyframes_schema(value: dict) -> dict:
    """The JSON schema of keyframes whose values are ``value``."""
    time = r"^(\d+(\.\d*)?|\.\d+|(\d+:)?\d+:\d+(\.\d*)?)$"
    return {"type": "object", "title": "Keyframes", "minProperties": 1, "maxProperties": MAX_KEYS + 1,
            "description": "keyframes, this parameter moving over time: {time: value, ...} with times in seconds "
                           "or \"m:ss\" on the step's clock; ease: linear | in | out | in_out | hold (for every "
                           "key), or a key's value as [value, ease]",
            "properties": {"ease": {"enum": list(EASES)}},
            "patternProperties": {time: {"anyOf": [value, {"type": "array", "prefixItems": [
                value, {"enum": list(EASES)}], "minItems": 2, "maxItems": 2}]}},
            "additionalProperties": False}


def fixed(number: Any, why: str) -> Any:
    """A numeric field that cannot move: keyframes given to it are refused with ``why``."""
    def refuse(value: object) -> object:
        if isinstance(value, (Mapping, Keyframes)):
            raise ValueError(f"this parameter cannot move: {why}")
        return value

    return Annotated[number, BeforeValidator(refuse)]


def moving_fields(cls: type) -> tuple[str, ...]:
    """The names (as written in a recipe) of a model's fields that take keyframes."""
    return _moving_fields(cls)


@functools.cache
def _moving_fields(cls: type) -> tuple[str, ...]:
    return tuple(info.alias or name for name, info in cls.model_fields.items()
                 if _moves(info.annotation, info.metadata))


def _moves(annotation: Any, metadata: list) -> bool:
    if any(m is MOVES for m in metadata):
        return True
    if get_origin(annotation) is Annotated:
        return any(m is MOVES for m in get_args(annotation)[1:]) or _moves(get_args(annotation)[0], [])
    return any(_moves(arg, []) for arg in get_args(annotation))


# what ``render --chunks`` says of a step whose parameters move: its frames depend on the time
MOVES_OVER_TIME = "moves over time (keyframes), and a chunk's clock starts at its own beginning"


def moves(step: Any) -> bool:
    """Whether any parameter of ``step`` is given as keyframes."""
    return any(isinstance(getattr(step, name, None), Keyframes) for name in type(step).model_fields)


def commanded(ctx: Any, pad: graph.Pad, name: str, options: dict, option: str, keys: Keyframes,
              field: str) -> graph.Pad:
    """The filter ``name`` with ``option`` following ``keys``: started at the first value, then set frame by
    frame by a ``sendcmd`` (``asendcmd`` for sound) just before it, which addresses it by an instance name
    made from the step's label and ``field``."""
    target = instance_name(ctx.label, field)
    send = "asendcmd" if pad.kind == graph.AUDIO else "sendcmd"
    pad = ctx.chain(pad, send, {"commands": keys.as_commands(graph.instance_of(name, target), option)})
    ctx.filters_used.setdefault(name, ctx.label)
    return graph.filter_node(name, [pad], {**options, option: keys.first}, step=ctx.label, instance=target).pad()


_TREE = re.compile(r"\blt\((t|ot),")  # the curve's first test, in every expression of more than one key
_COMMAND = re.compile(r"\] [a-z0-9_]+@[A-Za-z0-9_]+ ([a-z_]+) ")


def moving_options(name: str, options: tuple[tuple[str, str], ...] | list) -> list[str]:
    """The options of a lowered filter that follow keyframes (for pictures of a plan): expressions of the
    curve's form, and the options a ``sendcmd`` sets.

    >>> moving_options("overlay", [("x", "if(lt(t,2),0+200*((t-0)/2),200)"), ("y", "10")])
    ['x']
    """
    if name in ("sendcmd", "asendcmd"):
        return sorted({option for _, text in options for option in _COMMAND.findall(text)})
    return [key for key, value in options if _TREE.search(value)]


def instance_name(label: str, field: str) -> str:
    """A filter instance name for ``sendcmd`` to address, the same on every compile: the step's label and
    the field (``steps[2] (blur)``, ``sigma`` -> ``steps_2_blur_sigma``)."""
    return _NAME.sub("_", f"{label}_{field}").strip("_") or field


__all__ = ["EASES", "MAX_KEYS", "MOVES_OVER_TIME", "Key", "Keyframes", "commanded", "eased", "fixed",
           "instance_name", "keyframes_schema", "moves", "moving", "moving_fields", "moving_options"]
