"""A step written with ffmpeg-python: ``ffx.effects.FfmpegPython(lambda s: s.filter("hue", s=0).hflip())``.

The function is called on a stand-in ffmpeg-python stream when the recipe is
compiled; the filters it chains are checked and added to ffx's graph as ``filter``
steps are, so the step sits between ffx effects like any other. ffx knows how
long the result is only where every filter is known to keep each frame and its
time (:data:`FRAME_PRESERVING`); otherwise it warns and plans with the length
unchanged. The step is Python only: a function cannot be written in YAML, so
``to_yaml`` refuses it and ``ffx effects`` and the JSON Schema do not list it (this module's name
starts with ``_``, so the registry leaves it out).

>>> import ffx
>>> step = ffx.effects.FfmpegPython(lambda s: s.filter("hue", s=0).hflip())
>>> recipe = ffx.Recipe(input={"source": "testsrc2", "duration": 1}, steps=[step], output="gray.mp4")
>>> "hue=s=0[s0];[s0]hflip" in ffx.compile_recipe(recipe).shell()
True
"""

from __future__ import annotations

import warnings
from typing import Annotated, Any, Callable, ClassVar, Literal

from pydantic import Field, PlainSerializer

from ..errors import FfxError, FfxWarning
from ..filtergraph.ffmpeg_python import AUDIO, VIDEO, GraphWalk, ffmpeg_python
from .base import Effect
from .context import Clip, StepContext, StepError
from .filter import RawFilter

# filters that hand on every frame they receive at its own time: the length is known exactly
FRAME_PRESERVING = frozenset({
    "hflip", "vflip", "hue", "eq", "scale", "crop", "format", "transpose", "negate", "gblur", "boxblur",
    "unsharp", "drawtext", "drawbox", "colorchannelmixer", "lutrgb", "lutyuv", "curves", "pad", "rotate",
    "overlay", "colorbalance", "colorlevels", "vignette", "edgedetect", "null", "volume", "anull", "setsar",
    "smartblur", "avgblur", "colorkey", "chromakey", "geq", "convolution", "noise", "deband"})
_PLACEHOLDER = "ffx-step-input"


def _described(fn: Callable) -> str:
    return f"<python function {getattr(fn, '__qualname__', type(fn).__name__)}>"


class FfmpegPython(Effect):
    """Filters written with ffmpeg-python: a function from a stream to a stream (Python recipes only)."""

    effect: Literal["ffmpeg_python"] = "ffmpeg_python"
    fn: Annotated[Callable[[Any], Any], PlainSerializer(_described, when_used="json")] = Field(
        description="fn(stream) -> stream, building the filters with ffmpeg-python")

    main_parameter = "fn"
    python_only: ClassVar[bool] = True
    unbounded_because = "is Python code, whose state across frames ffx cannot know"

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        ffmpeg = ffmpeg_python()
        stand_in = ffmpeg.input(_PLACEHOLDER)
        try:
            result = self.fn(stand_in.video)
        except FfxError:
            raise
        except Exception as exc:  # the user's function: its own error, on one line
            raise StepError(f"the function raised {type(exc).__name__}: {exc}", field="fn") from None
        if not isinstance(result, ffmpeg.nodes.FilterableStream):
            raise StepError(f"the function must return an ffmpeg-python stream, not {type(result).__name__}",
                            field="fn", hint="return the stream, e.g. lambda s: s.hflip()")
        walk = GraphWalk(ffmpeg)
        ops, video, audio = walk.run([(result.node, result.label, result.selector)])
        if len(walk.inputs) != 1 or result.node is not stand_in.node and not ops:
            raise StepError("the function may read only the stream it is given", field="fn",
                            hint="name other streams with as: and join them with overlay, blend... steps")
        (name,) = walk.inputs.values()
        pads = {("input", name, VIDEO): clip.video, ("input", name, AUDIO): clip.audio}
        unplanned = sorted({op.name for op in ops} - FRAME_PRESERVING)
        for index, op in enumerate(ops):
            temporary = [f"_ffx_with_{index}_{i}" for i in range(len(op.inputs) - 1)]
            for stream_name, key in zip(temporary, op.inputs[1:]):
                ctx.streams[stream_name] = clip.evolve(**{op.kind: pads[key]})
            try:
                step = RawFilter(name=op.name, stream=op.kind, **{"with": temporary}, **dict(op.options))
                done = step.apply(clip.evolve(**{op.kind: pads[op.inputs[0]]}), ctx)
            except FfxError as exc:
                raise StepError(f"{op.name}: {exc}", field="fn") from None
            except StepError as exc:
                raise StepError(f"{op.name}: {exc.message}", field="fn", hint=exc.hint) from None
            finally:
                for stream_name in temporary:
                    ctx.streams.pop(stream_name, None)
            pads[op.output] = getattr(done, op.kind)
        if unplanned:
            warnings.warn(f"{ctx.label}: ffx cannot know how {', '.join(unplanned)} change{'s' * (len(unplanned) == 1)}"
                          " the length; it plans with the length unchanged", FfxWarning, stacklevel=2)
        changed = {kind: pads[key] for kind, key in ((VIDEO, video), (AUDIO, audio)) if key is not None}
        return clip.evolve(**changed, info=clip.info)
