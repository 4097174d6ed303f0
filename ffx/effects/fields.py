"""Field types every effect (and the recipe) shares: times, frame rates, colours and stream names.

A field typed :data:`StreamRef` reads a named stream; :func:`stream_references` finds every one.
"""

from __future__ import annotations

import functools

from fractions import Fraction
from typing import Annotated, Any, get_args, get_origin

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, PlainSerializer, WithJsonSchema

from ..syntax.timecode import parse_time

STREAM_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"

# about 115 days either way (negative times count from the end): longer than any file a camera writes,
# far inside FFmpeg's clock of 64-bit microseconds; a hold or loop of 1e300 s compiled to a render without end
MAX_SECONDS = 10_000_000

Time = Annotated[
    float,
    BeforeValidator(parse_time),
    Field(ge=-MAX_SECONDS, le=MAX_SECONDS),
    WithJsonSchema({
        "anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?(\d+:)?(\d+:)?\d+(\.\d*)?$"},
                  {"type": "array", "items": {"type": "number"}, "minItems": 1, "maxItems": 3}],
        "description": "seconds, a clock string such as \"1:22.65\", or [minutes, seconds]",
    }),
]


def parse_rate(value: object) -> Fraction:
    """A frame rate from 25, 12.5, "30000/1001" or "ntsc".

    >>> parse_rate("30000/1001"), parse_rate(12.5), parse_rate("ntsc")
    (Fraction(30000, 1001), Fraction(25, 2), Fraction(30000, 1001))
    """
    named = {"ntsc": Fraction(30000, 1001), "pal": Fraction(25), "film": Fraction(24), "ntsc_film": Fraction(24000, 1001)}
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, bool):
        raise ValueError("a frame rate must be a number such as 25 or \"30000/1001\"")
    elif isinstance(value, int):
        rate = Fraction(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("a frame rate must be finite")
        rate = Fraction(value).limit_denominator(1001)
        if abs(value * 1.001 - round(value * 1.001)) < 1e-3 and abs(value - round(value)) > 1e-3:
            rate = Fraction(round(value * 1.001) * 1000, 1001)  # 23.976 -> 24000/1001, exactly
    elif isinstance(value, str) and value.strip().lower() in named:
        rate = named[value.strip().lower()]
    elif isinstance(value, str):
        try:
            rate = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{value!r} is not a frame rate; write 25, 12.5 or \"30000/1001\"") from None
    else:
        raise ValueError("a frame rate must be a number such as 25 or \"30000/1001\"")
    if rate <= 0 or rate > 1000:
        raise ValueError(f"frame rate {rate} is outside 0-1000 fps")
    return rate


Rate = Annotated[
    Fraction,
    BeforeValidator(parse_rate),
    PlainSerializer(lambda r: int(r) if r.denominator == 1 else f"{r.numerator}/{r.denominator}"),
    WithJsonSchema({"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "string"}],
                    "description": "frames per second: 25, 12.5 or \"30000/1001\""}),
]

StreamName = Annotated[str, Field(pattern=STREAM_NAME, max_length=64)]


class _Reference:
    """Marks a field whose value names a stream this step reads (see :func:`stream_references`)."""

    def __repr__(self) -> str:
        return "StreamRef"


REFERENCE = _Reference()
StreamRef = Annotated[str, Field(pattern=STREAM_NAME, max_length=64), REFERENCE]
"A field that reads a named stream (an input or an earlier step's ``as:``): the compiler finds every one by this type."


def stream_references(step: BaseModel) -> list[str]:
    """The stream names a step reads, from every field typed :data:`StreamRef` (or a list of them).

    The compiler needs them all: an input read whole by a reference must not be
    fast-seeked by a first ``trim``, and an input nobody reads is a mistake.
    """
    names: list[str] = []
    for name in _reference_fields(type(step)):
        value = getattr(step, name)
        if isinstance(value, str):
            names.append(value)
        elif isinstance(value, (list, tuple)):
            names.extend(v for v in value if isinstance(v, str))
    return names


@functools.cache
def _reference_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a step class that name streams: read from the class once, not for every step
    (a recipe of 5,000 steps asked 70,000 times)."""
    return tuple(name for name, info in cls.model_fields.items() if _is_reference(info.annotation, info.metadata))


def _is_reference(annotation: Any, metadata: list) -> bool:
    if any(m is REFERENCE for m in metadata):
        return True
    if get_origin(annotation) is Annotated:
        return any(m is REFERENCE for m in get_args(annotation)[1:]) or _is_reference(get_args(annotation)[0], [])
    return any(_is_reference(arg, []) for arg in get_args(annotation))

COLOR = r"^(#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?|[a-zA-Z]{3,20})(@(0(\.[0-9]+)?|1(\.0+)?))?$"
RANDOM_COLORS = ("random", "bikeshed")  # FFmpeg draws a new colour for these names on every run


def fixed_color(value: str) -> str:
    """Refuse FFmpeg's random colours: a render must come out the same every time.

    >>> fixed_color("black@0.5")
    'black@0.5'
    """
    if isinstance(value, str) and value.split("@")[0].strip().lower() in RANDOM_COLORS:
        raise ValueError(f"{value!r} is a different colour on every render; "
                         "write a fixed colour such as white, #ff8800 or black@0.5")
    return value


Color = Annotated[str, Field(pattern=COLOR, max_length=32,
                             description="a colour name (white), #rrggbb, optionally @opacity (black@0.5)"),
                  AfterValidator(fixed_color)]


__all__ = ["COLOR", "Color", "Rate", "StreamName", "StreamRef", "Time", "fixed_color", "parse_rate", "stream_references"]
