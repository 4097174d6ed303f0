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

import difflib
import os
import typing
from typing import Annotated, Any, Union

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    SerializeAsAny,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_core.core_schema import ErrorType

from ..effects import REGISTRY
from ..effects.base import CheckedCopy, Effect
from ..effects.fields import StreamName
from ..errors import Problem, RecipeError, UsageError, quote
from ..syntax.problems import distinct as _distinct
from ..syntax.problems import field_names, problem
from ..syntax.problems import unwrapped as _unwrapped
from ..syntax.yamlsource import Located
from .desugar import desugar_step, path_sugar
from .inputs import Input
from .limits import MAX_INPUTS, MAX_STEPS, at_most, nul_problems
from .output import Output
from .paths import path_text
from .variables import within_limits
from .sizes import BYTES, parse_bytes


def _desugared(value: Any) -> Any:
    """A step in its long form (:func:`ffx.recipe.desugar.desugar_step`), told each effect's main parameter."""
    if isinstance(value, Effect):
        return value
    return desugar_step(value, lambda name: _effect_class(name).main_parameter,
                        lambda name: field_names(_effect_class(name)))


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
    step = _desugared(value)
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

class Recipe(CheckedCopy):
    """A declarative video effect: inputs, variables, a chain of steps, an output."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    input: Annotated[Input, BeforeValidator(path_sugar)] | None = Field(None, description="the input: a file path, or {source: testsrc2, size: 640x360, rate: 30, duration: 5}")
    inputs: Annotated[dict[StreamName, Annotated[Input, BeforeValidator(path_sugar)]] | None,
                      BeforeValidator(at_most(MAX_INPUTS, "inputs"))] = Field(None, description="several named inputs; steps start from the first, others are used by name")
    vars: Annotated[dict[StreamName, VarValue], BeforeValidator(within_limits)] = Field({}, description="values written ${name} in the recipe, overridable with --set name=value")
    steps: Annotated[list[Step], BeforeValidator(at_most(MAX_STEPS, "steps"))] = Field([], description="the effects, applied in order")
    output: Annotated[Output, BeforeValidator(path_sugar)] | None = Field(None, description="the output file, or {path: out.gif, fps: 15, colors: 128, ...}")
    max_memory: str | None = Field(None, pattern=BYTES, description="memory budget for buffering steps such as reverse, e.g. 512M or 2G (default 1G)")

    _source: Located | None = PrivateAttr(None)
    _given: frozenset[str] = PrivateAttr(frozenset())  # inputs the command line or the call gave

    def __init__(self, **data: Any):
        # Python users get the same readable problems as YAML users (RecipeError is a ValueError)
        try:
            super().__init__(**data)
        except ValidationError as exc:
            error = RecipeError(_distinct([_problem(err, data, None) for err in _unwrapped(exc.errors())]))
            error.validation = exc  # validate_recipe maps these back to YAML lines
            raise error from None
        nul = nul_problems(self)
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

    def files_read(self) -> list[tuple[str, str]]:
        """Every file the render reads by name, ``(what reads it, path)``: the inputs', the steps' (fonts,
        subtitles, any ``file_fields``) and the recipe file. The compiler refuses each as the output."""
        files = [(f"inputs.{name}" if self.inputs is not None else "input", spec.path)
                 for name, spec in self.named_inputs().items() if spec.path is not None]
        files += [(f"steps[{index}].{step.effect}.{field}", path)
                  for index, step in enumerate(self.steps) for field, path in step.files_read()]
        return files + ([("recipe", self._source.file)] if self._source is not None and self._source.file else [])

    def with_io(self, inputs: list[str | Input | tuple[str, str | Input]] | None = None,
                output: str | None = None) -> Recipe:
        """A copy whose inputs are replaced (``-i``) and/or whose output path is replaced (``-o``); the
        copy is validated whole.

        An item of ``inputs`` is a file path or an :class:`Input` (a live source), which fill the
        recipe's inputs in order, or a pair ``(name, path)`` that replaces the input of that name
        (``-i music=song.mp3``); the unnamed ones fill the inputs no pair named, in order.
        """
        update: dict[str, Any] = {}
        given: dict[str, Input] = {}
        if inputs is not None:
            if not isinstance(inputs, (list, tuple)):
                raise UsageError(f"inputs is a list of file paths or ffx.Input objects, not {type(inputs).__name__}")
            given = self._placed([_given_input(item, index) for index, item in enumerate(inputs)])
        if given:
            replaced = {**self.named_inputs(), **given}
            if self.inputs is not None:
                update["inputs"] = replaced
            else:
                update["input"] = replaced["input"]
        if output is not None:
            path = path_text("output", output, "a file path")
            if path.endswith(("/", os.sep)) or os.path.isdir(path):
                raise RecipeError(Problem(f"{quote(path)} is a folder", field="output",
                                          hint="give a file name such as out.mp4"))
            options = self.output.model_dump(exclude_unset=True) if self.output is not None else {}
            update["output"] = {**options, "path": path}
        if not update:
            return self
        copy = Recipe(**{**{name: getattr(self, name) for name in self.model_fields_set}, **update})
        copy._source = self._source
        copy._given = self._given | frozenset(given)
        return copy

    def _placed(self, items: list[tuple[str | None, Input]]) -> dict[str, Input]:
        """Given inputs by the name each replaces: named ones by their name, the others in order."""
        names = list(self.named_inputs()) or ["input"]
        placed: dict[str, Input] = {}
        for name, item in items:
            if name is None:
                continue
            if name not in names:
                raise RecipeError(Problem(f"the recipe has no input named {quote(name)}", field="inputs",
                                          hint=f"its inputs are {', '.join(names)}"))
            if name in placed:
                raise RecipeError(Problem(f"the input {quote(name)} is given twice", field="inputs"))
            placed[name] = item
        free = [name for name in names if name not in placed]
        unnamed = [item for name, item in items if name is None]
        if len(unnamed) > len(free):
            raise RecipeError(f"{len(items)} inputs given with -i, but the recipe has {len(names)}"
                              + (f" ({', '.join(placed)} given by name)" if placed else ""))
        placed.update(zip(free, unnamed))
        return placed

    def input_sources(self) -> list[tuple[str, str, bool]]:
        """Which file feeds which input: ``(name, what, given)`` each, ``what`` a path or a description
        of what the recipe generates, ``given`` whether it came with the command (``-i``) or call."""
        sources = []
        for name, spec in self.named_inputs().items():
            if spec.generated:
                what = f"generated {spec.source}" + (" (recipe default)" if name not in self._given else "")
            else:
                what = spec.path or spec.url or spec.device or "?"
            sources.append((name, what, name in self._given))
        return sources

    def relative_to(self, folder: str, keep: set | frozenset = frozenset()) -> Recipe:
        """A copy whose relative file paths (inputs, output, font files) start from ``folder``, the
        recipe file's own, so that they mean the same files from any working directory.

        ``keep`` holds the YAML paths of values given on the command line (``--set``), which stay
        relative to the working directory.

        >>> Recipe(input="clip.mp4", output="/tmp/out.mp4").relative_to("recipes").input.path
        'recipes/clip.mp4'
        """
        if not isinstance(folder, str):
            raise UsageError(f"folder is the recipe file's folder as text, not {type(folder).__name__}")
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
        """This recipe validated again, as every public function takes it: ffx's models check their
        ``model_copy(update=...)``, but pydantic's own ``BaseModel.model_copy`` and ``model_construct`` do
        not, so a recipe built through them may hold a str where an Input belongs."""
        copy = Recipe(**{name: getattr(self, name) for name in self.model_fields_set})
        copy._source, copy._given = self._source, self._given
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
        for index, step in enumerate(self.steps):
            if getattr(type(step), "python_only", False):  # a Python function has no YAML form
                raise RecipeError(Problem(f"{step.effect} is a Python step: it has no YAML form",
                                          field=f"steps[{index}]", hint="write it as filter steps to keep it in YAML"))
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


def _given_input(item: Any, index: int) -> tuple[str | None, Input]:
    """One ``-i`` value (a path, an :class:`Input` for a live source, or a ``(name, either)`` pair), checked."""
    name = None
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        name, item = item
    if isinstance(item, Input):
        return name, item
    path = path_text(f"inputs[{index}]", item, "a file path or an ffx.Input")
    return name, validated(Input, {"path": path}, ("inputs", index))


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


