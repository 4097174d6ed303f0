"""An ``ffmpeg ...`` command line as a recipe: ``ffx from-command -- ffmpeg -i in.mp4 -vf hflip out.gif``.

The inputs, ``-vf``/``-af``/``-filter_complex`` (with labels, several inputs and
``-map``), ``-ss``/``-t``/``-to`` and the output options ffx models become the
recipe's. A filter whose meaning an ffx effect has exactly becomes that effect
(``hflip`` is ``mirror``, ``scale=320:-1`` is ``resize`` with FFmpeg's bicubic,
``fps``, ``trim``, ``reverse``, ``setpts=PTS/2`` is ``speed``); every other filter
stays a ``filter`` step. The graph is read by FFmpeg's own two levels of
escaping (ffx.graphview's parser). An option ffx does not model is named in a
note (a ``#`` line in the YAML), never dropped unsaid.

>>> converted = recipe_from_command(["ffmpeg", "-ss", "1", "-t", "3", "-i", "in.mp4",
...                                  "-vf", "hflip,scale=320:-1", "-movflags", "+faststart", "out.gif"])
>>> print(converted.yaml(), end="")
# note: left out: -movflags +faststart (ffx chooses the encoder's settings from the output's fields)
input: in.mp4
steps:
- trim:
    start: 1.0
    duration: 3.0
- mirror
- resize:
    width: 320
    flags: bicubic
output: out.gif
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..errors import RecipeError, UsageError
from ..filtergraph.ffmpeg_python import generated_input
from ..filtergraph.filter_options import filter_pads
from ..filtergraph.option_names import named_options
from ..filtergraph.text import parse_filtergraph
from ..recipe.document import Recipe
from .assembly import AUDIO, VIDEO, Op, input_key, lay_out, raw_step, recipe_step

# options that take no value
_FLAGS = {"-y", "-n", "-an", "-vn", "-sn", "-dn", "-hide_banner", "-nostdin", "-stats", "-nostats", "-shortest",
          "-re", "-copyts", "-benchmark", "-accurate_seek", "-noaccurate_seek"}
_SILENT = {"-y", "-n", "-hide_banner", "-nostdin", "-stats", "-nostats", "-loglevel", "-v", "-benchmark",
           "-progress", "-threads", "-filter_threads", "-filter_complex_threads"}  # how FFmpeg runs, not what it makes
_OUTPUT_FIELDS = {"-c:v": "codec", "-vcodec": "codec", "-codec:v": "codec", "-crf": "crf", "-pix_fmt": "pix_fmt",
                  "-r": "fps", "-preset": "preset", "-c:a": "audio_codec", "-acodec": "audio_codec",
                  "-codec:a": "audio_codec", "-b:a": "audio_bitrate", "-f": "format", "-loop": "loop"}
_TIMES = {"-ss": "start", "-t": "duration", "-to": "end"}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_SCALE_FLAGS = ("lanczos", "bicubic", "bilinear", "area", "neighbor", "spline")


@dataclass(frozen=True)
class Converted:
    """A recipe read from a command line, and the notes on what it leaves out."""

    recipe: Any
    notes: tuple[str, ...] = ()

    def yaml(self) -> str:
        """The recipe as YAML, the notes as comments above it."""
        return "".join(f"# note: {note}\n" for note in self.notes) + self.recipe.to_yaml()

    def python(self) -> str:
        """The same recipe as Python code building it from ffx's objects."""
        lines = ["import ffx", ""] + [f"# note: {note}" for note in self.notes]
        data = self.recipe.to_dict()
        lines.append("recipe = ffx.Recipe(")
        for key in ("input", "inputs"):
            if key in data:
                lines.append(f"    {key}={data[key]!r},")
        lines.append("    steps=[")
        for step in self.recipe.steps:
            lines.append(f"        {_python_step(step)},")
        lines.append("    ],")
        if "output" in data:
            lines.append(f"    output={data['output']!r},")
        lines.append(")")
        return "\n".join(lines) + "\n"


def _python_step(step: Any) -> str:
    params = step.model_dump(mode="json", by_alias=True, exclude_defaults=True, exclude={"effect"})
    plain = {k: v for k, v in params.items() if k.isidentifier() and k not in ("from", "as", "with")}
    aliased = {k: v for k, v in params.items() if k not in plain}
    words = [f"{k}={v!r}" for k, v in plain.items()] + ([f"**{aliased!r}"] if aliased else [])
    return f"ffx.effects.{type(step).__name__}({', '.join(words)})"


def command_text(*, argv: list[str], python: bool = False) -> str:
    """What ``ffx from-command`` prints: the recipe as YAML, or as Python with ``python``."""
    converted = recipe_from_command(argv)
    return converted.python() if python else converted.yaml()


def command_to_python(argv: list[str] | str) -> str:
    """The recipe of a command line as Python code."""
    return recipe_from_command(argv).python()


@dataclass
class _Command:
    inputs: list[tuple[str, dict]] = field(default_factory=list)  # url, its options
    output: str | None = None
    options: list[tuple[str, str | None]] = field(default_factory=list)


def _split_argv(argv: list[str]) -> _Command:
    words = list(argv)
    if words and (words[0] == "ffmpeg" or words[0].endswith("/ffmpeg")):
        words = words[1:]
    command, pending = _Command(), {}
    i = 0
    while i < len(words):
        word = words[i]
        if word == "-i":
            if i + 1 >= len(words):
                raise RecipeError("-i needs a file")
            command.inputs.append((words[i + 1], pending))
            pending, i = {}, i + 2
        elif word.startswith("-") and len(word) > 1 and not _NUMBER.match(word):
            value = None if word in _FLAGS or i + 1 >= len(words) else words[i + 1]
            i += 1 if value is None else 2
            if command.inputs or word not in _TIMES and word not in ("-f", "-stream_loop", "-r", "-framerate"):
                command.options.append((word, value))
            else:
                pending[word] = value
        else:
            if command.output is not None:
                raise RecipeError(f"two outputs ({command.output!r}, {word!r}): a recipe writes one; convert each alone")
            command.output, i = word, i + 1
    if not command.inputs:
        raise RecipeError("the command has no -i input")
    return command


def recipe_from_command(argv: list[str] | str) -> Converted:
    """The recipe (and notes) of an ``ffmpeg`` command line, given as argv words or one shell string."""
    if isinstance(argv, str):
        argv = shlex.split(argv)
    if not isinstance(argv, (list, tuple)) or not all(isinstance(w, str) for w in argv):
        raise UsageError("recipe_from_command takes the command's words (a list of str) or one string")
    command = _split_argv(list(argv))
    notes: list[str] = []
    names = _input_names([url for url, _ in command.inputs])
    specs: dict[str, Any] = {}
    trims: dict[str, dict] = {}
    for name, (url, options) in zip(names, command.inputs):
        fmt = options.pop("-f", None)
        trim = {_TIMES[k]: _time(v) for k, v in options.items() if k in _TIMES}
        if trim:
            trims[name] = trim
        for key in [k for k in options if k not in _TIMES]:
            notes.append(f"left out: the input option {key} {options[key]} of {url!r} (ffx reads the file as it is)")
        specs[name] = generated_input(url, {}) if fmt == "lavfi" else url
        if fmt not in (None, "lavfi"):
            notes.append(f"left out: -f {fmt} for {url!r} (ffx lets FFmpeg find the format)")
    graph = _Graph(names)
    output: dict = {"path": command.output} if command.output else {}
    end_trim: dict = {}
    maps: list[str] = []
    video_chain = audio_chain = None
    no_audio = no_video = False
    for key, value in command.options:
        if key in ("-vf", "-filter:v"):
            video_chain = value
        elif key in ("-af", "-filter:a"):
            audio_chain = value
        elif key in ("-filter_complex", "-lavfi"):
            graph.complex(value)
        elif key == "-map":
            maps.append(value)
        elif key in _TIMES:
            end_trim[_TIMES[key]] = _time(value)
        elif key in _OUTPUT_FIELDS:
            field_name = _OUTPUT_FIELDS[key]
            output[field_name] = int(value) if field_name in ("crf", "loop") else _number(value) \
                if field_name == "fps" else value
        elif key == "-an":
            no_audio = True
        elif key == "-vn":
            no_video = True
        elif key not in _SILENT:
            notes.append(f"left out: {key}{'' if value is None else ' ' + value} (ffx chooses the encoder's "
                         "settings from the output's fields)")
    video, audio = graph.outputs(maps, video_chain, audio_chain)
    if no_audio:
        audio, output["audio"] = None, False
    elif audio is None:
        output["audio"] = False
    if no_video:
        raise RecipeError("-vn: ffx writes pictures (an audio-only output is a .wav, .mp3 or .flac path)")
    mapper = _Mapper(graph.ops, no_audio or audio is None, audio_chain, notes)
    layout = lay_out(graph.ops, names, video, audio, make=mapper.step, trims=trims)
    notes += layout.notes
    steps = [recipe_step(step) for step in layout.steps]
    if end_trim:
        steps.append({"trim": end_trim})
    if output and list(output) == ["path"]:
        output = output["path"]
    io = {"input": specs[names[0]]} if len(names) == 1 else {"inputs": specs}
    return Converted(Recipe(**io, steps=steps, **({"output": output} if output else {})), tuple(notes))


def _input_names(urls: list[str]) -> list[str]:
    if len(urls) == 1:
        return ["input"]
    names: list[str] = []
    for url in urls:
        stem = re.sub(r"\W", "_", url.rsplit("/", 1)[-1].split(".")[0].split("=")[0])[:40]
        stem = stem if re.match(r"^[A-Za-z_]", stem) else f"in_{stem}"
        name, count = stem, 2
        while name in names:
            name, count = f"{stem}_{count}", count + 1
        names.append(name)
    return names


def _time(value: str) -> Any:
    return _number(value) if _NUMBER.match(value) else value


def _number(text: str) -> Any:
    if re.match(r"^-?\d+$", text):
        return int(text)
    if _NUMBER.match(text) and str(float(text)) == text:
        return float(text)
    return text


class _Graph:
    """The command's filters as ops, with FFmpeg's rules for unlabelled ends."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.ops: list[Op] = []
        self.labels: dict[str, Any] = {}  # a label made by a filter -> its key
        self.unlabelled: list[tuple[Any, str]] = []  # -filter_complex outputs without a label: auto-mapped

    def _input(self, label: str, kind: str) -> Any:
        match = re.match(r"^(\d+)(?::([va])(?::0)?)?$", label)
        if not match or int(match.group(1)) >= len(self.names):
            raise RecipeError(f"[{label}] is neither an input (0:v, 1:a) nor a label a filter makes")
        return input_key(self.names[int(match.group(1))], {"v": VIDEO, "a": AUDIO}.get(match.group(2), kind))

    def chain(self, text: str, source: Any, kind: str) -> Any:
        """A -vf/-af chain read from ``source``; the key of its end."""
        key = source
        for parsed in parse_filtergraph(text):
            key = self._op(parsed.name, parsed.options, [key], kind)
        return key

    def complex(self, text: str) -> None:
        made: dict[str, Any] = {}
        for parsed in parse_filtergraph(text):
            kinds = self._kinds(parsed.name, max(1, len(parsed.inputs)))
            ins = []
            for index, label in enumerate(parsed.inputs or [None]):
                if label is None:
                    ins.append(input_key(self.names[0], kinds[0]))
                elif label in made:
                    ins.append(made.pop(label))
                elif label in self.labels:
                    raise RecipeError(f"the label [{label}] is read twice: split it with split=2[a][b]")
                else:
                    ins.append(self._input(label, kinds[index] if index < len(kinds) else kinds[0]))
            if parsed.name in ("split", "asplit"):
                for label in parsed.outputs:
                    made[label] = ins[0]  # ffx splits what several steps read
                continue
            if len(parsed.outputs) > 1:
                raise RecipeError(f"the {parsed.name} filter hands on {len(parsed.outputs)} streams; "
                                  "a step hands on one")
            key = self._op(parsed.name, parsed.options, ins, kinds[0])
            if parsed.outputs:
                made[parsed.outputs[0]] = key
            else:
                self.unlabelled.append((key, self._kind(key)))
        self.labels.update(made)

    def _kinds(self, name: str, count: int) -> list[str]:
        try:
            ins, outs = filter_pads(name)
        except KeyError:
            raise RecipeError(f"FFmpeg has no filter named {name!r}") from None
        said = {"V": VIDEO, "A": AUDIO}
        if ins:
            return [said[k] for k in ins]
        return [said.get((outs or "V")[0], VIDEO)] * count

    def _kind(self, key: Any) -> str:
        return key[2] if key[0] == "input" else next(op.kind for op in self.ops if op.output == key)

    def _op(self, name: str, options: list, ins: list, kind: str) -> Any:
        self._kinds(name, 1)  # an unknown filter is refused here, by name
        args = [value for key, value in options if key is None]
        kwargs = {key: value for key, value in options if key is not None}
        named = [(key, _number(value) if isinstance(value, str) else value)
                 for key, value in named_options(name, args, kwargs)]
        output = ("op", len(self.ops))
        self.ops.append(Op(name, tuple(named), tuple(ins), output, kind))
        return output

    def outputs(self, maps: list[str], video_chain: str | None, audio_chain: str | None) -> tuple[Any, Any]:
        """The output's picture and sound: -map, else the unlabelled end of -filter_complex, else input 0."""
        video = audio = None
        if maps:
            for label in maps:
                label = label.strip("[]")
                key = self.labels.pop(label) if label in self.labels else self._input(label, VIDEO)
                if key[0] == "input" and re.match(r"^\d+$", label):
                    video, audio = input_key(key[1], VIDEO), input_key(key[1], AUDIO)
                    continue
                if self._kind(key) == VIDEO:
                    video = key
                else:
                    audio = key
        else:
            for key, kind in self.unlabelled:
                video, audio = (key, audio) if kind == VIDEO else (video, key)
            video = video or input_key(self.names[0], VIDEO)
            if not self.unlabelled or audio is None and not any(k == AUDIO for _, k in self.unlabelled):
                audio = audio or input_key(self.names[0], AUDIO)
        if video_chain:
            video = self.chain(video_chain, video, VIDEO)
        if audio_chain:
            audio = self.chain(audio_chain, audio, AUDIO)
        return video, audio


class _Mapper:
    """Ops as ffx effects where the meaning is the same, else ``filter`` steps."""

    def __init__(self, ops: list[Op], silent: bool, audio_chain: str | None, notes: list[str]) -> None:
        self.silent = silent
        self.audio_reversed = bool(audio_chain) and audio_chain.strip() == "areverse"
        self.notes = notes

    def step(self, op: Op, others: list[str]) -> dict:
        options = dict(op.options)
        if not others and op.kind == VIDEO:
            mapped = self._effect(op.name, options)
            if mapped is not None:
                return mapped
        return raw_step(op, others)

    def _effect(self, name: str, options: dict) -> dict | None:
        if name in ("hflip", "vflip") and not options:
            return {"effect": "mirror"} if name == "hflip" else {"effect": "mirror", "x": False, "y": True}
        if name == "scale":
            return _resize(options)
        if name == "fps" and set(options) == {"fps"} and _rate(options["fps"]) is not None:
            return {"effect": "fps", "rate": options["fps"]}
        if name == "trim" and options and set(options) <= {"start", "end", "duration"} \
                and all(isinstance(v, (int, float)) for v in options.values()):
            return {"effect": "trim", **options}
        if name == "reverse" and not options and (self.silent or self.audio_reversed):
            return {"effect": "reverse"}
        if name == "setpts" and set(options) == {"expr"}:
            factor = _speed(str(options["expr"]))
            if factor is not None:
                if not self.silent:
                    self.notes.append("speed stretches the sound too (the command left it as it was; "
                                      "add audio: false to drop it)")
                return {"effect": "speed", "factor": factor}
        return None


def _resize(options: dict) -> dict | None:
    """``scale=320:-1`` as resize: FFmpeg's -1 keeps the aspect rounding to the nearest pixel, as resize does;
    -2 rounds to even, as resize's ``even`` does when the given side is even."""
    flags = options.get("flags", "bicubic")
    if set(options) - {"w", "h", "flags"} or flags not in _SCALE_FLAGS:
        return None
    w, h = options.get("w"), options.get("h")
    sides = [v for v in (w, h) if not (isinstance(v, int) and v in (-1, -2))]
    if not all(isinstance(v, int) and v > 0 for v in sides) or not sides:
        return None
    even = -2 in (w, h)
    if even and any(v % 2 for v in sides):
        return None
    step: dict = {"effect": "resize", "flags": flags}
    if isinstance(w, int) and w > 0:
        step["width"] = w
    if isinstance(h, int) and h > 0:
        step["height"] = h
    if even:
        step["even"] = True
    return step


def _rate(value: Any) -> Fraction | None:
    try:
        return Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None


def _speed(expr: str) -> float | None:
    """The speed a ``setpts`` expression plays at: PTS/2 and 0.5*PTS are 2x."""
    text = expr.replace(" ", "")
    match = re.fullmatch(r"PTS/(\d+(?:\.\d+)?)", text) or re.fullmatch(r"(\d*\.?\d+)\*PTS", text) \
        or re.fullmatch(r"PTS\*(\d*\.?\d+)", text)
    if not match:
        return None
    number = float(match.group(1))
    factor = number if text.startswith("PTS/") else 1 / number
    return factor if 0.01 < factor <= 100 and number > 0 else None
