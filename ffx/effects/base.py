"""What every effect is: a frozen pydantic model that checks itself against the
media it receives, adds its filters to the graph and says what it hands on.

An effect never touches FFmpeg or the disk; it sees a :class:`Clip` (graph pads
plus :class:`~ffx.media.MediaInfo`) and a :class:`StepContext` that knows which
recipe step is being built, so every filter can be traced back to it.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import UsageError
from ..syntax.problems import model_error
from .context import Clip, Need, StepContext, require
from .fields import StreamName, StreamRef


class CheckedCopy(BaseModel):
    """A model whose ``model_copy(update=...)`` is checked like its constructor.

    pydantic's own ``model_copy`` sets the update as given, unvalidated: a nested step or output copied
    with ``crf=nan``, ``format="x;y"`` or ``color="white:box=1"`` would reach the compiler (or FFmpeg)
    as if it had been checked. Every ffx model (effects, inputs, outputs, the recipe) copies through its
    own constructor instead, so the copy raises the constructor's one-line error. A copy without an
    update stays pydantic's cheap one: nothing in it changes.
    """

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> CheckedCopy:
        if not update:
            return super().model_copy(deep=deep)
        source = super().model_copy(deep=True) if deep else self
        data = {name: getattr(source, name) for name in source.model_fields_set}
        data.update(source.model_extra or {})
        data.update(update)
        try:
            copy = type(self)(**data)
        except ValidationError as exc:  # a nested model with no readable __init__ of its own (Duck, Glow, ...)
            raise model_error(type(self).__name__.lower(), exc, type(self)) from None
        if self.__pydantic_private__:  # where a recipe was read from, what the call gave: kept, as pydantic does
            object.__setattr__(copy, "__pydantic_private__", dict(source.__pydantic_private__))
        return copy

    def derived(self, **update: Any) -> CheckedCopy:
        """A copy made by ffx itself from this checked model, which may leave the limits a recipe is held
        to: a text fitted to the frame holds the line breaks it gained (10,000 characters may wrap to
        more). Never for values a user gives: those go through :meth:`model_copy`."""
        return super().model_copy(update=update)


class Effect(CheckedCopy):
    """Base of all effects. Subclasses set ``effect`` to a literal name."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False, defer_build=True,
                              populate_by_name=True)

    effect: str
    source: StreamRef | None = Field(None, alias="from", description="take this named stream instead of the previous step's")
    target: StreamName | None = Field(None, alias="as", description="name this step's result so later steps can use it")

    main_parameter: ClassVar[str | None] = None  # `- resize: 0.3` sets this field
    file_fields: ClassVar[tuple[str, ...]] = ()  # fields naming files: relative to the recipe's folder
    example: ClassVar[str] = ""
    # How far back each frame this step puts out depends on the frames it receives, so that ``render
    # --chunks`` splits a render only where the pieces provably join into the same frames (ffx/chunking):
    # "none" (on its own frame only, never on the time), "bounded" (also on the few frames just before it:
    # frames_of_state() says how many) or "unbounded" (on frames without limit, on the whole clip or on the
    # time). Unbounded is the default, so nothing is split by accident. Steps that are split leave the sound
    # alone or treat it the same whoever renders it: the sound is always rendered in one piece.
    frame_state: ClassVar[Literal["none", "bounded", "unbounded"]] = "unbounded"
    unbounded_because: ClassVar[str] = ("is not declared safe to split: its frames may depend on the time or on "
                                        "frames far back")
    # "index" for steps that re-time frame n to n / fps (StepContext.constant_rate): where the pieces of a
    # split render start on the output's clock then follows from frame numbers, not from the input's times
    frame_clock: ClassVar[Literal["kept", "index"]] = "kept"
    # what the stream it receives must have (video, audio, known_length, frame_count, frame_rate): the compiler
    # checks it before apply, each with its one message (context.NEEDS), so apply can count on it
    requires: ClassVar[frozenset[Need]] = frozenset()

    def __init__(self, main: Any = None, /, **data: Any):
        if main is not None:
            if not self.main_parameter:
                raise UsageError(f"{type(self).__name__} takes keyword arguments only")
            data[self.main_parameter] = main
        if "effect" not in data:
            data["effect"] = type(self).model_fields["effect"].default
        try:
            super().__init__(**data)
        except ValidationError as exc:
            # ``Resize("abc")`` in Python reads like the YAML's error, not pydantic's dump; the
            # recipe loader, which validates through here too, maps ``validation`` to YAML lines
            raise model_error(type(self).model_fields["effect"].default, exc, type(self)) from None

    def relative_to(self, folder: str, keep: frozenset = frozenset()) -> Effect:
        """This step with the relative paths of its :attr:`file_fields` taken from ``folder`` (the recipe
        file's), except for the fields in ``keep`` (given on the command line)."""
        update = {name: os.path.join(folder, value) for name in self.file_fields
                  if name not in keep and isinstance(value := getattr(self, name), str) and not os.path.isabs(value)}
        return self.model_copy(update=update) if update else self

    def files_read(self) -> list[tuple[str, str]]:
        """The files this step reads itself, not as a stream: ``(field, path)`` for each of its
        :attr:`file_fields` and for a font named by its file (``font``, as the text effects read it;
        ``sans`` is the font ffx ships). The compiler refuses an output that is one of them."""
        from .fonts import (  # the font module reads files: only when asked
            FONT_FILE_SUFFIXES,
            SHIPPED_FONT,
        )

        files = [(name, value) for name in self.file_fields if isinstance(value := getattr(self, name), str)]
        font = getattr(self, "font", None)
        if isinstance(font, str):
            if font == "sans":
                files.append(("font", str(SHIPPED_FONT)))
            elif font.lower().endswith(FONT_FILE_SUFFIXES) or os.sep in font:
                files.append(("font", font))
        return files

    def frames_of_state(self) -> int | str:
        """How many frames before each output frame it depends on (0 for "none"), or, as text, why no bound
        holds: what ``--chunks`` says when it refuses to split. Bounded effects say their count."""
        if self.frame_state == "none":
            return 0
        return self.unbounded_because

    def check_requirements(self, clip: Clip) -> None:
        """Refuse a stream that lacks what this effect :attr:`requires` (StepError: the first unmet need)."""
        require(clip, self.requires)

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:  # pragma: no cover - abstract
        raise NotImplementedError


__all__ = ["CheckedCopy", "Effect"]
