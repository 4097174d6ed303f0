"""filter: any FFmpeg filter by name, for what ffx has no effect for yet.

Options are written flat beside ``name``; they are escaped like every other
value, and filters or options that can touch files, devices or code are refused
unless the recipe is trusted (``--allow-unsafe``). Every option is checked
against FFmpeg's own table (name, type, range, the options a filter cannot
start without; see filter_options.py), and a filter of several inputs reads
the current stream and then the streams named in ``with``:
``- filter: {name: xfade, with: [b], duration: 1, offset: 2}``.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from ..errors import quote
from ..filtergraph import graph
from ..filtergraph.filter_options import (
    GENERIC_SPECS,
    OptionError,
    check_options,
    filter_pads,
    given_outputs,
    needed_inputs,
    value_problem,
)
from ..filtergraph.graph import FILTER_NAME, OPTION_NAME
from ..filtergraph.filter_table import WORLD_OPTIONS
from ..filtergraph.safety import UNSAFE_OPTIONS, unsafe_filter_reason
from .context import Clip, StepContext, StepError
from .base import Effect
from .fields import StreamRef

MOST_THREADS = 2**31 - 1  # FFmpeg's int option


def threads_problem(value: object) -> str | None:
    """What is wrong with a raw filter's ``threads``: a whole number (0 lets FFmpeg choose) or ``auto``.

    >>> threads_problem("4"), threads_problem("auto"), threads_problem(1.5)
    (None, None, '1.5 is not a number of threads; give a whole number from 0 (FFmpeg chooses) to 2147483647, or auto')
    """
    text = value.strip() if isinstance(value, str) else None
    if text == "auto":
        return None
    count = int(text) if text is not None and text.isascii() and text.isdigit() and len(text) <= 10 else value
    if isinstance(count, int) and not isinstance(count, bool) and 0 <= count <= MOST_THREADS:
        return None
    return (f"{quote(value, 60)} is not a number of threads; give a whole number from 0 (FFmpeg chooses) to "
            f"{MOST_THREADS}, or auto")

Scalar = str | int | float | bool
_KIND_NAMES = {"V": "video", "A": "audio"}


class RawFilter(Effect):
    """Apply one FFmpeg filter: ``{name: tmix, frames: 3, weights: "-1 0 1"}``.

    Its options are checked against FFmpeg's own table; a filter of several
    inputs reads this stream, then those named in ``with``. ffx cannot know what
    an arbitrary filter does to the stream, so it assumes size, rate and length
    unchanged; later checks rely on that.
    """

    model_config = ConfigDict(extra="allow")

    effect: Literal["filter"] = "filter"
    name: str = Field(pattern=FILTER_NAME.pattern, max_length=64, description="the FFmpeg filter's name")
    stream: Literal["video", "audio"] = Field(
        "video", description="which stream the filter applies to (by default the kind the filter reads)")
    others: list[StreamRef] = Field([], alias="with", max_length=15,  # pydantic copies the default
                                    description="named streams read after this one, by filters of several inputs")

    main_parameter = "name"
    example = "- filter: {name: tmix, frames: 3, weights: \"-1 0 1\", scale: 2}"
    unbounded_because = "is a raw FFmpeg filter, whose state across frames ffx cannot know"

    @model_validator(mode="after")
    def _options(self):
        for key, value in (self.model_extra or {}).items():
            if not OPTION_NAME.match(key):
                raise ValueError(f"option name {key!r} must be a lowercase letter, then letters, digits and _")
            values = value if isinstance(value, list) else [value]
            for item in values:
                if not isinstance(item, (str, int, float, bool)):
                    raise ValueError(f"option {key!r} must be a number, text or a list of them")
                if isinstance(item, float) and not math.isfinite(item):
                    raise ValueError(f"option {key!r} must be finite")
            # options every filter takes (threads) need no table: checked as the step is made
            problem = (threads_problem(value) if key == "threads" else
                       key in GENERIC_SPECS and value_problem(GENERIC_SPECS[key], value))
            if problem:
                raise ValueError(f"option {key!r}: {problem}")
        return self

    def options(self) -> dict:
        return dict(self.model_extra or {})

    def files_read(self) -> list[tuple[str, str]]:
        """Also the files its options name (a LUT, a model: allowed only with ``--allow-unsafe``)."""
        world = UNSAFE_OPTIONS | set(WORLD_OPTIONS.get(self.name, ()))
        return super().files_read() + [(key, value) for key, value in self.options().items()
                                       if key in world and isinstance(value, str)]

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        options = self.options()
        reason = unsafe_filter_reason(self.name, list(options))
        if reason and not ctx.allow_unsafe:
            raise StepError(f"refused: {reason}", field="name",
                            hint="only for recipes you trust: --allow-unsafe")
        if reason:  # trusted and unreviewed: ffx knows nothing of its options or pads
            return self._chain_unchecked(clip, ctx, options)
        try:
            check_options(self.name, options)
        except OptionError as exc:
            raise StepError(exc.message, field=exc.option or "name", hint=exc.hint) from None
        inputs, outputs = filter_pads(self.name)
        self._refuse_unfit_pads(inputs, outputs, options)
        given = [clip] + [ctx.stream(name, "with") for name in self.others]
        kinds = self._input_kinds(inputs, outputs, options)
        if kinds is None:  # a variable number the table cannot tell: as many as given
            kinds = self._default_kind(inputs, outputs) * len(given)
        elif len(given) != len(kinds):
            raise StepError(
                f"the {self.name} filter reads {len(kinds)} stream{'s' * (len(kinds) > 1)}; it was given "
                f"{len(given)}", field="with" if self.others else "name",
                hint="name the other streams in with: [name, ...]" if len(given) < len(kinds) else
                "give fewer streams in with:")
        pads = []
        for index, (stream, kind) in enumerate(zip(given, kinds)):
            pad = stream.video if kind == "V" else stream.audio
            if pad is None:
                which = "the stream it receives" if index == 0 else f"stream {self.others[index - 1]!r}"
                raise StepError(f"the {self.name} filter reads {_KIND_NAMES[kind]}, and {which} has none",
                                field="with" if index else "stream")
            pads.append(pad)
        video = (outputs or kinds)[0] == "V"
        node = ctx.filter(self.name, pads, options, outputs=(graph.VIDEO if video else graph.AUDIO,))
        return clip.evolve(video=node.pad()) if video else clip.evolve(audio=node.pad())

    def _refuse_unfit_pads(self, inputs: str | None, outputs: str | None, options: dict) -> None:
        """Sources, sinks, and filters that hand on several streams or another kind cannot be one step."""
        if inputs == "" or outputs == "":
            raise StepError(f"the {self.name} filter is a {'source' if inputs == '' else 'sink'}: "
                            "it cannot be a step", field="name",
                            hint="generated inputs are written as input: {source: testsrc2, ...}")
        count = len(outputs) if outputs is not None else given_outputs(self.name, options) or 1
        if count > 1:
            raise StepError(f"the {self.name} filter hands on {count} streams; a step hands on one",
                            field="name", hint="split streams with split and as:, or use an effect")
        if outputs is not None and inputs is not None and inputs[0] != outputs:
            raise StepError(f"the {self.name} filter turns {_KIND_NAMES[inputs[0]]} into {_KIND_NAMES[outputs]}: "
                            "ffx follows only filters that hand on the kind of stream they read",
                            field="name", hint="use an effect")
        said = inputs or outputs
        if said and "stream" in self.model_fields_set and _KIND_NAMES[said[0]] != self.stream:
            raise StepError(f"the {self.name} filter reads {_KIND_NAMES[said[0]]}, not {self.stream}",
                            field="stream", hint=f"leave stream out, or write stream: {_KIND_NAMES[said[0]]}")

    def _input_kinds(self, inputs: str | None, outputs: str | None, options: dict) -> str | None:
        """The kind of each input ("VV"), or None where the number depends on options the table cannot read."""
        if inputs is not None:
            return inputs
        count = needed_inputs(self.name, options)
        return None if count is None else self._default_kind(inputs, outputs) * count

    def _default_kind(self, inputs: str | None, outputs: str | None) -> str:
        said = inputs or outputs
        if said and "stream" not in self.model_fields_set:
            return said[0]  # the filter says what it reads: volume takes the audio without stream: audio
        return "V" if self.stream == "video" else "A"

    def _chain_unchecked(self, clip: Clip, ctx: StepContext, options: dict) -> Clip:
        pad = clip.video if self.stream == "video" else clip.audio
        if pad is None:
            raise StepError(f"the stream has no {self.stream}", field="stream")
        out = ctx.chain(pad, self.name, options)
        if self.stream == "video":
            return clip.evolve(video=out)
        return clip.evolve(audio=out)
