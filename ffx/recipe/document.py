"""The recipe: YAML text -> variables -> desugared steps -> validated models.

A recipe is a frozen pydantic model, so the same objects serve YAML users and
Python users, and a recipe dumps back to YAML that loads to an equal recipe.
Errors point at the YAML: file, line, column, field path, and a hint.

>>> r = Recipe(input="clip.mp4", steps=["reverse", {"resize": 0.5}], output="out.mp4")
>>> [s.effect for s in r.steps]
['reverse', 'resize']
>>> Recipe.model_validate(r.to_dict()) == r
True
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field as dataclass_field
from fractions import Fraction
import math
import os
import re
import typing
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, PrivateAttr, SerializeAsAny,
                      ValidationError, field_validator, model_validator)
from pydantic_core import PydanticCustomError
from pydantic_core.core_schema import ErrorType

from ..effects import REGISTRY
from ..effects.fields import Color, Rate, StreamName, Time
from ..effects.base import Effect
from ..errors import Problem, RecipeError, UsageError, quote, shorten
from ..filtergraph.filter_options import image_size_problem
from .output import Output
from ..syntax.problems import distinct as _distinct, field_names, model_error, problem, unwrapped as _unwrapped
from ..syntax.yamlsource import (
    MAX_RECIPE_BYTES,
    Located,
    format_bytes,
    format_path,
    load_yaml,
    read_recipe_text,
    set_value,
)

SIZE = r"^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$"
VIDEO_SOURCES = ("testsrc2", "testsrc", "smptebars", "smptehdbars", "rgbtestsrc", "color", "mandelbrot", "yuvtestsrc")
AUDIO_SOURCES = ("sine", "anoisesrc")
BYTES = r"^[0-9]{1,6}(\.[0-9]{1,3})?\s*([KMGT]i?B?|B)?$"
VAR_REF = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


LIVE_URL = r"^(https?|rtsps?|rtmps?|srt|udp|tcp|rtp)://[^\s]+$"
DEVICE_FORMATS = ("v4l2", "avfoundation", "dshow", "x11grab", "gdigrab", "kmsgrab")


class Input(BaseModel):
    """A media file (``path``), a source FFmpeg generates (``source``) so no media is needed,
    or a live source: a capture ``device`` or a network stream ``url``.

    Live sources are never probed (they do not end); ``size`` and ``rate`` say
    what they deliver (a device is asked for exactly that).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    path: str | None = Field(None, min_length=1, max_length=4096, description="a media file")
    images: str | None = Field(None, min_length=1, max_length=4096,
                               description="a sequence of pictures, one frame each at `rate`: a pattern such as "
                                           "photos/*.jpg or frames/%04d.png")
    device: str | None = Field(None, min_length=1, max_length=4096, pattern=r"^[^-\s]", description="a live capture device, e.g. /dev/video0")
    device_format: Literal[DEVICE_FORMATS] = Field("v4l2", description="how FFmpeg opens the device: v4l2 (Linux), avfoundation (macOS), dshow (Windows), ...")
    url: str | None = Field(None, pattern=LIVE_URL, max_length=4096, description="a live network stream: rtsp://, srt://, udp://, http(s):// ...")
    source: Literal[VIDEO_SOURCES + AUDIO_SOURCES] | None = Field(None, description="a generated source: testsrc2, color, smptebars, mandelbrot, sine, ...")
    size: str | None = Field(None, pattern=SIZE, description="generated or live video: frame size WxH (default 640x360 generated, 640x480 live)")
    rate: Rate | None = Field(None, description="generated or live video: frames per second (default 25 generated, 30 live)")
    duration: float = Field(5.0, gt=0, le=86400, description="generated source, or a still image (PNG, JPEG...): length in seconds")
    color: Color = Field("black", description="color source: a colour name or #rrggbb")
    frequency: float = Field(440.0, gt=0, le=24000, description="sine: tone frequency in Hz (also the tone of `audio: sine`)")
    sample_rate: int = Field(48000, ge=8000, le=192000, description="generated audio: samples per second")
    audio: Literal["sine", "silence"] | None = Field(None, description="generated video: add an audio track")

    def __init__(self, **data: Any):
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise model_error("input", exc, Input) from None

    @field_validator("size")
    @classmethod
    def _allocatable(cls, value: str | None) -> str | None:
        problem = value and image_size_problem(*(int(side) for side in value.split("x")))
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _path_or_source(self):
        given = [k for k in ("path", "images", "source", "device", "url") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of path (a file), images (a pattern of pictures), source (a generated "
                             "source such as testsrc2), device (a camera) or url (a live stream)")
        if self.images is not None:
            extra = sorted(self.model_fields_set - {"images", "rate"})
            if extra:
                raise ValueError(f"{', '.join(extra)} do not apply to images (give images and rate)")
            return self
        generated_only = {"duration", "color", "frequency", "sample_rate", "audio"}
        if self.path is not None:
            generated_only.discard("duration")  # a still image's length; the compiler refuses it for a video
        if not self.generated:
            generated_only |= {"size", "rate"} if self.path is not None else set()
            extra = sorted(generated_only & self.model_fields_set)
            if extra:
                raise ValueError(f"{', '.join(extra)} only apply to generated sources" +
                                 ("; trim a file with a trim step" if self.path is not None else ""))
        if "device_format" in self.model_fields_set and self.device is None:
            raise ValueError("device_format only applies to a device")
        if self.source in AUDIO_SOURCES and self.audio:
            raise ValueError("audio only applies to video sources")
        return self

    @property
    def generated(self) -> bool:
        return self.source is not None

    @property
    def live(self) -> bool:
        return self.device is not None or self.url is not None

    @classmethod
    def live_source(cls, text: str) -> Input:
        """A camera (``/dev/video0``) or a stream URL (``rtsp://...``), as ``--live`` reads ``-i``."""
        if re.match(r"^[a-z]+://", text):
            return cls(url=text)
        return cls(device=text)

    @property
    def frame_size(self) -> tuple[int, int]:
        width, height = (self.size or ("640x480" if self.live else "640x360")).split("x")
        return int(width), int(height)

    @property
    def frame_rate(self) -> Fraction:
        return self.rate if self.rate is not None else Fraction(30 if self.live else 25)


def _input_sugar(value: Any) -> Any:
    return {"path": value} if isinstance(value, str) else value


def _output_sugar(value: Any) -> Any:
    return {"path": value} if isinstance(value, str) else value


def desugar_step(value: Any) -> Any:
    """``reverse`` / ``{resize: 0.3}`` / ``{trim: {...}, from: a}`` -> ``{effect: ..., ...}``."""
    if isinstance(value, Effect):
        return value
    if isinstance(value, str):
        _effect_class(value)  # unknown names get a did-you-mean here
        return {"effect": value}
    if not isinstance(value, dict):
        raise ValueError("a step is an effect name (- reverse) or a mapping (- resize: 0.3)")
    if "effect" in value:
        return value
    names = [k for k in value if k not in ("from", "as")]
    if len(names) != 1:
        raise ValueError("each step names exactly one effect" + (f"; found {', '.join(names)}" if names else ""))
    name = names[0]
    cls = _effect_class(name)
    params = value[name]
    routing = {k: value[k] for k in ("from", "as") if k in value}
    if params is None:
        params = {}
    elif not isinstance(params, dict):
        if not cls.main_parameter:
            fields = ", ".join(field_names(cls)) or "no options"
            raise ValueError(f"{name} takes a mapping of options ({fields}), not a single value")
        params = {cls.main_parameter: params}
    overlap = set(params) & set(routing)
    if overlap:
        raise ValueError(f"{', '.join(sorted(overlap))} given twice")
    return {"effect": name, **params, **routing}


def _effect_class(name: str) -> type[Effect]:
    if name not in REGISTRY:
        close = difflib.get_close_matches(name, list(REGISTRY), n=1)
        raise ValueError(f"unknown effect {quote(name)}" + (f"; did you mean {close[0]!r}?" if close else
                                                        "; `ffx effects` lists them"))
    return REGISTRY[name]


def validate_step(value: Any) -> Effect:
    """Desugar a step, then validate it with its effect's own model.

    A plain validator rather than a discriminated union of every effect, so
    only the effects a recipe names are imported and built. Errors keep the
    union's locations (``steps.0.resize.width``): they name the effect as the
    YAML does.
    """
    step = desugar_step(value)
    if isinstance(step, Effect):
        return step
    name = step.get("effect")
    if not isinstance(name, str):
        raise ValueError("effect must be the name of an effect")
    cls = _effect_class(name)
    try:
        return cls.model_validate(step)
    except ValidationError as exc:
        errors = _unwrapped(exc.errors(include_url=False))
        details = []
        for err in errors:
            kind = err["type"] if err["type"] in _CORE_ERRORS else PydanticCustomError(err["type"], err["msg"])
            details.append({"type": kind, "loc": (name, *err["loc"]), "input": err["input"],
                            **({"ctx": err["ctx"]} if "ctx" in err and kind is err["type"] else {})})
        raise ValidationError.from_exception_data(exc.title, details) from None


_CORE_ERRORS = frozenset(typing.get_args(ErrorType))


Step = Annotated[SerializeAsAny[Effect], PlainValidator(validate_step)]
VarValue = Union[bool, int, float, str]


class Recipe(BaseModel):
    """A declarative video effect: inputs, variables, a chain of steps, an output."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    input: Annotated[Input, BeforeValidator(_input_sugar)] | None = Field(None, description="the input: a file path, or {source: testsrc2, size: 640x360, rate: 30, duration: 5}")
    inputs: dict[StreamName, Annotated[Input, BeforeValidator(_input_sugar)]] | None = Field(None, description="several named inputs; steps start from the first, others are used by name")
    vars: dict[StreamName, VarValue] = Field({}, description="values written ${name} in the recipe, overridable with --set name=value")
    steps: list[Step] = Field([], description="the effects, applied in order")
    output: Annotated[Output, BeforeValidator(_output_sugar)] | None = Field(None, description="the output file, or {path: out.gif, fps: 15, colors: 128, ...}")
    max_memory: str | None = Field(None, pattern=BYTES, description="memory budget for buffering steps such as reverse, e.g. 512M or 2G (default 1G)")

    _source: Located | None = PrivateAttr(None)

    def __init__(self, **data: Any):
        # Python users get the same readable problems as YAML users (RecipeError is a ValueError)
        try:
            super().__init__(**data)
        except ValidationError as exc:
            error = RecipeError(_distinct([_problem(err, data, None) for err in _unwrapped(exc.errors())]))
            error.validation = exc  # validate_recipe maps these back to YAML lines
            raise error from None
        nul = _nul_problems(self)
        if nul:  # a C string ends at NUL: FFmpeg, the OS and Python's os functions would cut or refuse it
            raise RecipeError(nul)

    def __eq__(self, other: object) -> bool:
        # where a recipe was read from is not part of what it says
        return isinstance(other, Recipe) and self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _one_input_form(self):
        if self.input is not None and self.inputs is not None:
            raise ValueError("give input or inputs, not both")
        if self.inputs is not None and not self.inputs:
            raise ValueError("inputs is empty")
        return self

    # --- views ------------------------------------------------------------------

    def max_memory_bytes(self) -> int | None:
        return parse_bytes(self.max_memory) if self.max_memory else None

    def named_inputs(self) -> dict[str, Input]:
        if self.inputs is not None:
            return dict(self.inputs)
        return {"input": self.input} if self.input is not None else {}

    def with_io(self, inputs: list[str | Input] | None = None, output: str | None = None) -> Recipe:
        """A copy whose first inputs are replaced (``-i``: file paths, or :class:`Input` objects for
        live sources) and/or whose output path is replaced (``-o``); the copy is validated whole."""
        update: dict[str, Any] = {}
        if inputs is not None:
            if not isinstance(inputs, (list, tuple)):
                raise UsageError(f"inputs is a list of file paths or ffx.Input objects, not {type(inputs).__name__}")
            given = [_given_input(item, index) for index, item in enumerate(inputs)]
        if inputs:
            current = self.named_inputs()
            names = list(current) or ["input"]
            if len(given) > max(len(names), 1):
                raise RecipeError(f"{len(given)} inputs given with -i, but the recipe has {len(names)}")
            replaced = dict(current)
            for name, item in zip(names, given):
                replaced[name] = item
            if self.inputs is not None:
                update["inputs"] = replaced
            else:
                update["input"] = replaced["input"]
        if output is not None:
            if not isinstance(output, (str, os.PathLike)):
                raise UsageError(f"output is a file path, not {type(output).__name__}")
            path = os.fsdecode(os.fspath(output))
            if path.endswith(("/", os.sep)) or os.path.isdir(path):
                raise RecipeError(Problem(f"{quote(path)} is a folder", field="output",
                                          hint="give a file name such as out.mp4"))
            options = self.output.model_dump(exclude_unset=True) if self.output is not None else {}
            update["output"] = {**options, "path": path}
        if not update:
            return self
        copy = Recipe(**{**{name: getattr(self, name) for name in self.model_fields_set}, **update})
        copy._source = self._source
        return copy

    def relative_to(self, folder: str, keep: set | frozenset = frozenset()) -> Recipe:
        """A copy whose relative file paths (inputs, output, font files) start from ``folder``, the
        recipe file's own, so that they mean the same files from any working directory.

        ``keep`` holds the YAML paths of values given on the command line (``--set``), which stay
        relative to the working directory.

        >>> Recipe(input="clip.mp4", output="/tmp/out.mp4").relative_to("recipes").input.path
        'recipes/clip.mp4'
        """
        if not folder:
            return self
        update: dict[str, Any] = {}
        if self.input is not None:
            update["input"] = _input_from(self.input, folder, keep, ("input",))
        if self.inputs is not None:
            update["inputs"] = {name: _input_from(item, folder, keep, ("inputs", name))
                                for name, item in self.inputs.items()}
        if self.output is not None and not {("output",), ("output", "path")} & set(keep):
            update["output"] = self.output.model_copy(update={"path": _from_folder(self.output.path, folder)})
        steps = []
        for index, step in enumerate(self.steps):
            kept = {path[3] for path in keep if path[:2] == ("steps", index) and len(path) > 3}
            if ("steps", index, step.effect) in keep and type(step).main_parameter:
                kept.add(type(step).main_parameter)
            steps.append(step.relative_to(folder, keep=frozenset(kept)))
        update["steps"] = steps
        copy = self.model_copy(update=update)
        copy._source = self._source
        return copy

    def checked(self) -> Recipe:
        """This recipe validated again, as every public function takes it: pydantic's
        ``model_copy(update=...)`` does not validate, so a copy may hold a str where an Input belongs."""
        copy = Recipe(**{name: getattr(self, name) for name in self.model_fields_set})
        copy._source = self._source
        return copy

    def to_dict(self) -> dict:
        """The recipe in its short YAML form (shorthand steps, defaults left out)."""
        data: dict[str, Any] = {}
        if self.input is not None:
            data["input"] = _compact_io(self.input)
        if self.inputs is not None:
            data["inputs"] = {k: _compact_io(v) for k, v in self.inputs.items()}
        if self.vars:
            data["vars"] = dict(self.vars)
        if self.steps:
            data["steps"] = [_compact_step(s) for s in self.steps]
        if self.output is not None:
            data["output"] = _compact_io(self.output)
        return data

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    def location(self, path: tuple) -> tuple[str | None, int | None, int | None]:
        if self._source is None:
            return None, None, None
        line, column = self._source.where(path)
        return self._source.file, line, column


def _given_input(item: Any, index: int) -> Input:
    """One ``-i`` value (a path, or an :class:`Input` for a live source), checked."""
    if isinstance(item, Input):
        return item
    if not isinstance(item, (str, os.PathLike)):
        raise UsageError(f"inputs[{index}] is a file path or an ffx.Input, not {type(item).__name__}")
    return validated(Input, {"path": os.fsdecode(os.fspath(item))}, ("inputs", index))


def validated(model: type[BaseModel], data: dict, where: tuple) -> Any:
    """``model`` validated from ``data``, its problems a :class:`RecipeError` with fields under ``where``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RecipeError(_distinct([_problem({**err, "loc": where + tuple(err["loc"])}, data, None)
                                     for err in _unwrapped(exc.errors())])) from None


def _from_folder(path: str, folder: str) -> str:
    return path if os.path.isabs(path) else os.path.join(folder, path)


def _input_from(item: Input, folder: str, keep: set | frozenset, where: tuple) -> Input:
    field = "path" if item.path is not None else "images" if item.images is not None else None
    if field is None or {where, where + (field,)} & set(keep):
        return item
    return item.model_copy(update={field: _from_folder(getattr(item, field), folder)})


def _nul_problems(recipe: Recipe) -> list[Problem]:
    """Every string in the recipe that holds a NUL character, by field."""
    found: list[Problem] = []

    def visit(value: Any, path: tuple) -> None:
        if isinstance(value, str):
            if "\0" in value:
                found.append(Problem("the NUL character (\\0) is not allowed", field=format_path(path)))
        elif isinstance(value, dict):
            for key, item in value.items():
                visit(key, path)
                visit(item, path + (key,))
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                visit(item, path + (index,))

    def plain(value: Any) -> Any:
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json", by_alias=True)
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        return value

    for name in ("input", "inputs", "vars", "output", "max_memory"):
        visit(plain(getattr(recipe, name)), (name,))
    for index, step in enumerate(recipe.steps):
        visit(step.model_dump(mode="json", by_alias=True, exclude={"effect"}), ("steps", index, step.effect))
    return found


def _compact_io(model: BaseModel) -> Any:
    data = model.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    if list(data) == ["path"]:
        return data["path"]
    return data


def _compact_step(step: Effect) -> Any:
    params = step.model_dump(mode="json", by_alias=True, exclude_defaults=True, exclude={"effect", "source", "target"})
    routing = step.model_dump(mode="json", by_alias=True, include={"source", "target"}, exclude_none=True)
    if not params and not routing:
        return step.effect
    main = type(step).main_parameter
    value: Any = params or None
    if main and list(params) == [main]:
        value = params[main]
    return {step.effect: value, **routing}


# --- loading -------------------------------------------------------------------

def parse_bytes(text: str) -> int:
    """Bytes from "512M", "1.5G", "2GiB" or a plain number of bytes (at least 1 MiB).

    >>> parse_bytes("512M"), parse_bytes("1.5G"), parse_bytes("64MiB"), parse_bytes("2000000")
    (536870912, 1610612736, 67108864, 2000000)
    """
    value = _bytes(text)
    if value is None:
        raise ValueError(f"{quote(text)} is not a size; write e.g. 512M or 2G")
    if not 2**20 <= value <= 2**50:
        raise ValueError(f"{quote(text)} is not a sensible memory budget (1M to 1P)")
    return int(value)


def _bytes(text: str) -> int | None:
    match = re.match(r"^\s*([0-9]{1,15}(?:\.[0-9]{1,6})?)\s*([KMGT]?)(?:i?B)?\s*$", str(text), re.I)
    return int(float(match[1]) * 1024 ** " KMGT".index(match[2].upper() or " ")) if match else None


def parse_set(assignments: list[str]) -> dict[str, Any]:
    """``["delay=8", "text=Hi: there"]`` -> typed values, by the same strict rules as YAML."""
    values: dict[str, Any] = {}
    for item in assignments:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            raise RecipeError(Problem(f"--set {quote(item)}: write NAME=VALUE", hint="e.g. --set delay=8"))
        values[name] = set_value(text)
    return values


@dataclass
class _Given:
    """The variables a caller gave (``--set``), and the recipe paths whose values use one of them:
    a file path given on the command line is relative to the working directory, not to the recipe."""

    names: frozenset
    paths: set = dataclass_field(default_factory=set)
    uses: dict = dataclass_field(default_factory=dict)  # path -> the given variables its value uses


def _substitute(data: Any, variables: dict, path: tuple, problems: list, located: Located | None,
                given: _Given | None = None) -> Any:
    """Fill in ``${name}`` references (``$$`` is a dollar sign)."""
    if isinstance(data, dict):
        return {k: _substitute(v, variables, path + (k,), problems, located, given) for k, v in data.items()}
    if isinstance(data, list):
        return [_substitute(v, variables, path + (i,), problems, located, given) for i, v in enumerate(data)]
    if not isinstance(data, str) or "$" not in data:
        return data
    whole = VAR_REF.fullmatch(data)
    if given is not None and any(m.group(1) in given.names for m in VAR_REF.finditer(data)):
        given.paths.add(path)
        given.uses[path] = [m.group(1) for m in VAR_REF.finditer(data) if m.group(1) in given.names]
    if whole and whole.group(1):
        name = whole.group(1)
        if name in variables:
            return variables[name]
    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        if name not in variables:
            file, line, column = (located.file, *located.where(path)) if located else (None, None, None)
            known = ", ".join(sorted(variables)) or "none"
            problems.append(Problem(f"unknown variable ${{{quote(name)[1:-1]}}}", field=format_path(path), file=file,
                                    line=line, column=column, hint=f"define it under vars: (defined: {known})"))
            return match.group(0)
        value = variables[name]
        return value if isinstance(value, str) else _plain_text(value)
    return VAR_REF.sub(replace, data)


def _plain_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def load_recipe(source: str | os.PathLike, *, variables: dict[str, Any] | None = None, text: str | None = None,
                max_recipe_size: int | str = MAX_RECIPE_BYTES) -> Recipe:
    """Load a recipe file (or ``text``), apply ``--set`` variables, validate; all problems at once.

    The file must be a regular file of at most ``max_recipe_size`` bytes (1 MiB
    unless raised; "16M" works too). File paths the recipe writes (inputs,
    output, font files) are relative to the recipe file's folder, as in every
    configuration format; a path given whole in ``variables`` is relative to
    the working directory, like ``-i`` and ``-o``.
    """
    if not isinstance(source, (str, os.PathLike)):
        raise UsageError(f"load_recipe takes the path of a recipe file, not {type(source).__name__}; "
                         "for text, give load_recipe(name, text=...)")
    file = os.fsdecode(os.fspath(source))
    limit = recipe_size_limit(max_recipe_size)
    if variables is not None and not isinstance(variables, dict):
        raise UsageError(f"variables is a dict of name: value, not {type(variables).__name__}")
    if text is None:
        text = read_recipe_text(file, limit)
    elif not isinstance(text, str):
        raise UsageError(f"text is the recipe's YAML as str, not {type(text).__name__}")
    elif len(text) > limit:
        raise RecipeError(Problem(f"the recipe is larger than {format_bytes(limit)}", file=file,
                                  hint="raise the limit with max_recipe_size if you trust it"))
    located = load_yaml(text, file)
    data = located.data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RecipeError(Problem("a recipe is a mapping with input, steps and output", file=file, line=1))
    declared = data.get("vars") or {}
    if not isinstance(declared, dict):
        declared = {}
    variables = dict(variables or {})
    unknown = sorted(set(map(str, variables)) - set(declared))
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise RecipeError(Problem(f"--set {quote(unknown[0])[1:-1]}: the recipe has no such variable (it has: {known})"))
    merged = {**declared, **variables}
    if any(isinstance(v, float) and not math.isfinite(v) for v in merged.values()):
        raise RecipeError(Problem("variables must be finite numbers", field="vars"))
    problems: list[Problem] = []
    given = _Given(frozenset(variables))
    body = {k: (_substitute(v, merged, (k,), problems, located, given) if k != "vars" else
                ({**v, **variables} if isinstance(v, dict) else v))
            for k, v in data.items()}
    if problems:
        raise RecipeError(problems)
    try:
        recipe = validate_recipe(body, located)
    except RecipeError as exc:
        raise RecipeError([_from_command_line(p, given, declared, variables) for p in exc.problems]) from None
    return recipe.relative_to(os.path.dirname(file), keep=given.paths)


def _from_command_line(problem: Problem, given: _Given, declared: dict, variables: dict) -> Problem:
    """A problem with a value given by ``--set``: the hint speaks of the command line, not of the YAML."""
    names = next((names for path, names in given.uses.items() if format_path(path) == problem.field), None)
    if not names:
        return problem
    name = names[0]
    example = declared.get(name)
    hint = f"it comes from --set {name}={shorten(_plain_text(variables[name]))}"
    if isinstance(example, (int, float)) and not isinstance(example, bool):
        hint += f"; give a number, e.g. --set {name}={example}"
    return dataclasses.replace(problem, hint=hint)


def recipe_size_limit(value: int | str) -> int:
    """The largest recipe file to read, in bytes, from 1048576 or "16M".

    >>> recipe_size_limit("16M"), recipe_size_limit(4096)
    (16777216, 4096)
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise UsageError(f"max_recipe_size is a number of bytes or text such as 16M, not {type(value).__name__}")
    size = value if isinstance(value, int) else _bytes(value)
    if size is None or size < 1:
        raise RecipeError(Problem(f"{quote(value)} is not a size; write e.g. 4M", field="max_recipe_size"))
    return size


def validate_recipe(data: Any, located: Located | None = None) -> Recipe:
    early = list(located.problems) if located else []
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as exc:
        # model_validate runs Recipe.__init__, whose RecipeError pydantic wraps; take the original errors back
        inner = exc.errors()[0].get("ctx", {}).get("error") if exc.errors() else None
        if isinstance(inner, RecipeError) and getattr(inner, "validation", None) is None:
            raise inner from None  # found after the model was built (a NUL character from a variable)
        problems = _distinct([_problem(err, data, located) for err in _unwrapped(exc.errors())])
        # a bad scalar was read as null: its own message says more than the model's
        blamed = {p.field for p in early}
        problems = early + [p for p in problems if not any(_related(p.field, b) for b in blamed)]
        raise RecipeError(problems) from None
    if early:
        raise RecipeError(early)
    recipe._source = located
    return recipe


def _related(field: str, blamed: str) -> bool:
    """Same field, inside it, or the mapping holding it (whose check saw the null)."""
    return (field == blamed or field.startswith((blamed + ".", blamed + "["))
            or (bool(field) and blamed.startswith((field + ".", field + "["))))


def _problem(err: dict, data: Any, located: Located | None) -> Problem:
    return problem(err, located, _known_keys)


def _known_keys(path: tuple) -> list[str]:
    if not path:
        return field_names(Recipe)
    if path[0] == "steps" and len(path) >= 3 and path[2] in REGISTRY:
        return field_names(REGISTRY[path[2]])
    if path[0] == "output":
        return field_names(Output)
    if path[0] in ("input", "inputs"):
        return field_names(Input)
    return []


def recipe_json_schema() -> dict:
    """JSON Schema of the YAML form (shorthand steps included), for editors."""
    schema = Recipe.model_json_schema(mode="validation")
    defs = schema.setdefault("$defs", {})
    variants: list[dict] = []
    for name, cls in REGISTRY.items():
        params = cls.model_json_schema(mode="validation")
        for key, value in params.pop("$defs", {}).items():
            defs.setdefault(key, value)
        props = {k: v for k, v in params.get("properties", {}).items() if k not in ("effect", "from", "as")}
        body = {"type": "object", "properties": props, "additionalProperties": cls.model_config.get("extra") == "allow",
                "description": (cls.__doc__ or "").strip().split("\n")[0]}
        required = [r for r in params.get("required", []) if r != "effect"]
        if required:
            body["required"] = required
        value_forms: list[dict] = [body, {"type": "null"}]
        if cls.main_parameter:
            value_forms.append(props.get(cls.main_parameter, {}))
        variants.append({"type": "object", "required": [name], "additionalProperties": False,
                         "properties": {name: {"anyOf": value_forms}, "from": {"type": "string"}, "as": {"type": "string"}}})
        if not required:
            variants.append({"const": name})
    schema["properties"]["steps"] = {"type": "array", "items": {"anyOf": variants}, "description": "the effects, applied in order"}
    for key in ("input", "output"):
        schema["properties"][key] = {"anyOf": [{"type": "string"}, *schema["properties"][key].get("anyOf", [])]}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ffx recipe"
    return schema
