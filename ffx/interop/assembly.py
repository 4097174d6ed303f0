"""A graph of filters (from ffmpeg-python or a command line) laid out as recipe steps wired by name.

A recipe step changes one kind of stream and hands the other on untouched from
the clip it reads (``from:``). So the picture's filters come first and the
sound's after them, each sound step reading the latest clip that holds its
sound: the last step then holds both results, as FFmpeg's ``-map`` pair did.
``from:`` is left out where a step reads the step just before it, and ``as:``
where nobody reads the name. Shared streams need no ``split``: ffx inserts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Hashable

from ..errors import RecipeError
from ..filtergraph.ffmpeg_python import AUDIO, VIDEO, Op, input_key

__all__ = ["AUDIO", "VIDEO", "Layout", "Op", "input_key", "lay_out", "raw_step", "recipe_step"]


@dataclass
class Layout:
    """The steps (mappings, as a recipe's YAML holds them) and what was noted on the way."""

    steps: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    audio_kept: bool = True


def raw_step(op: Op, others: list[str]) -> dict:
    """The default step for an op: ``filter`` with its options flat beside ``name``."""
    reserved = {"effect", "name", "stream", "with", "from", "as"} & {key for key, _ in op.options}
    if reserved:
        raise RecipeError(f"the {op.name} filter's option {sorted(reserved)[0]!r} has the name of a step field; "
                          "ffx cannot write it as a filter step")
    step: dict = {"effect": "filter", "name": op.name, **dict(op.options)}
    if op.kind == AUDIO:
        step["stream"] = AUDIO
    if others:
        step["with"] = others
    return step


def lay_out(ops: list[Op], inputs: list[str], video: Hashable | None, audio: Hashable | None,
            make: Callable[[Op, list[str]], dict] = raw_step, trims: dict[str, dict] | None = None) -> Layout:
    """Steps computing ``video`` and ``audio`` (stream keys; None for none) from the ops, given in an
    order where each op follows what it reads; ``inputs`` are the recipe's input names, first first;
    ``trims`` cuts inputs first (``-ss``/``-t`` before ``-i``: {name: trim's fields})."""
    layout = Layout()
    ops = _needed(ops, [key for key in (video, audio) if key is not None])
    ordered = [op for op in ops if op.kind == VIDEO] + [op for op in ops if op.kind == AUDIO]
    # the clips that exist so far, by name: (video key, audio key)
    clips: list[tuple[str, Hashable, Hashable]] = [(n, input_key(n, VIDEO), input_key(n, AUDIO)) for n in inputs]
    names: dict[Hashable, str] = {}
    for name, trim in (trims or {}).items():
        layout.steps.append({"effect": "trim", **trim, "from": name, "as": f"{name}_cut"})
        clips.append((f"{name}_cut", input_key(name, VIDEO), input_key(name, AUDIO)))
    for op in ordered:
        main, *rest = op.inputs
        source = _holding(clips, op.kind, main, op.name)
        others = [_holding(clips, kind, key, op.name)[0] for key, kind in zip(rest, _kinds(op, len(rest)))]
        name = names.setdefault(op.output, f"s{len(names)}")
        step = make(op, others)
        layout.steps.append({**step, "from": source[0], "as": name})
        carried = (name, op.output, source[2]) if op.kind == VIDEO else (name, source[1], op.output)
        clips.append(carried)
    last = _final(clips, video, audio)
    if last is None:
        # the picture and the sound come from clips that never met: lay the sound under the picture
        picture = _holding(clips, VIDEO, video, "output")
        sound = _holding(clips, AUDIO, audio, "output")
        layout.steps.append({"effect": "audio", "track": sound[0], "from": picture[0], "as": "output"})
        layout.notes.append("the sound is laid under the picture with the audio step, which cuts or pads it "
                            "to the picture's length")
    elif last[0] != clips[-1][0]:
        null = "null" if video is not None else "anull"
        layout.steps.append({"effect": "filter", "name": null, "from": last[0], "as": "output",
                             **({"stream": AUDIO} if video is None else {})})
    layout.audio_kept = audio is not None
    layout.steps = _shortened(layout.steps, inputs[0] if inputs else None)
    return layout


def _needed(ops: list[Op], wanted: list[Hashable]) -> list[Op]:
    """The ops the output reads, directly or not (a -af chain under -an is left out)."""
    making = {op.output: op for op in ops}
    needed: set[Hashable] = set()
    stack = list(wanted)
    while stack:
        key = stack.pop()
        if key in making and key not in needed:
            needed.add(key)
            stack.extend(making[key].inputs)
    return [op for op in ops if op.output in needed]


def _kinds(op: Op, count: int) -> list[str]:
    return [op.kind] * count


def _holding(clips: list[tuple[str, Hashable, Hashable]], kind: str, key: Hashable, reader: str):
    """The latest clip whose ``kind`` stream is ``key``."""
    index = 1 if kind == VIDEO else 2
    for clip in reversed(clips):
        if clip[index] == key:
            return clip
    raise RecipeError(f"the {reader} filter reads a {kind} stream no step makes ({key!r})")


def _final(clips, video, audio):
    for clip in reversed(clips):
        if (video is None or clip[1] == video) and (audio is None or clip[2] == audio):
            return clip
    return None


def _shortened(steps: list[dict], first_input: str | None) -> list[dict]:
    """Leave out ``from:`` where the step reads the one before it, then ``as:`` where no one reads the name."""
    previous = first_input
    for step in steps:
        if step["from"] == previous:
            del step["from"]
        previous = step["as"]
    read = {step.get("from") for step in steps} | {name for step in steps for name in step.get("with", [])}
    read |= {step["track"] for step in steps if "track" in step}
    for step in steps:
        if step["as"] not in read:
            del step["as"]
    return steps


def recipe_step(step: dict) -> dict:
    """A laid-out step in the YAML's short form: ``{filter: {name: hflip}, as: s0}``."""
    body = {k: v for k, v in step.items() if k not in ("effect", "from", "as")}
    routing = {k: step[k] for k in ("from", "as") if k in step}
    return {step["effect"]: body or None, **routing}
