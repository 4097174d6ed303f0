"""An ffmpeg-python graph as an ffx recipe: ``ffx.from_ffmpeg_python(node) -> ffx.Recipe``.

Every filter becomes a ``filter`` step wired by stream names, so the recipe
gets what ffx adds: options checked against FFmpeg's table before anything
runs, the file-touching ones refused, splits inserted, long graphs passed as a
filter script, progress, atomic output, YAML to keep.

The graph is walked without recursion (a chain of thousands of filters is as
deep as it is long) and nodes are told apart by identity: ffmpeg-python's own
hash makes two ``hflip`` of one stream the same node, which they are not.
``split`` nodes disappear (ffx splits what several filters read). Unnamed
options are named (``scale`` 320, -1 becomes ``w: 320, h: -1``), options are kept
in the order ffmpeg-python writes them, and ``drawtext`` text, which
ffmpeg-python stores escaped, is turned back into its literal characters.

>>> import ffmpeg, ffx
>>> graph = ffmpeg.input("in.mp4").hflip().filter("scale", 320, -1).output("out.mkv", vcodec="ffv1")
>>> print(ffx.from_ffmpeg_python(graph).to_yaml(), end="")
input: in.mp4
steps:
- filter: hflip
- filter:
    name: scale
    w: 320
    h: -1
output:
  path: out.mkv
  codec: ffv1
  audio: false
"""

from __future__ import annotations

import warnings
from typing import Any

from ..errors import FfxWarning
from ..filtergraph.ffmpeg_python import GraphWalk, Op, ffmpeg_python
from ..filtergraph.option_names import literal_drawtext
from ..recipe.document import Recipe
from .assembly import lay_out, raw_step

_OUTPUT_FIELDS = {"vcodec": "codec", "c:v": "codec", "codec:v": "codec", "acodec": "audio_codec",
                  "c:a": "audio_codec", "codec:a": "audio_codec", "crf": "crf", "pix_fmt": "pix_fmt",
                  "r": "fps", "preset": "preset", "audio_bitrate": "audio_bitrate", "b:a": "audio_bitrate",
                  "ab": "audio_bitrate", "format": "format", "loop": "loop"}
_INPUT_SOURCES = ("testsrc2", "testsrc", "smptebars", "smptehdbars", "rgbtestsrc", "color", "mandelbrot",
                  "yuvtestsrc", "sine", "anoisesrc")


def from_ffmpeg_python(node: Any) -> Any:
    """The recipe an ffmpeg-python stream or output node describes (see the module's docstring).

    Output options ffx models (codec, crf, pix_fmt, r, t, ss...) become the
    recipe's; others are named in an :class:`ffx.FfxWarning` (ffx writes its
    own encoder settings). A graph ffx cannot express raises :class:`ffx.RecipeError`.
    """
    ffmpeg = ffmpeg_python()
    walk = GraphWalk(ffmpeg)
    target, output_kwargs = walk.start(node)
    ops, video, audio = walk.run(target)
    layout = lay_out(ops, list(walk.inputs.values()), video, audio, make=_step, trims=walk.trims())
    steps = layout.steps
    if len(walk.inputs) == 1:  # one input is the recipe's `input`, read by that name
        _renamed(steps, next(iter(walk.inputs.values())), "input")
    output, notes = _output(output_kwargs, layout.audio_kept, video is not None)
    trim = output.pop("trim", None)
    if trim:
        steps.append({"effect": "trim", **trim})
    for note in walk.notes + layout.notes + notes:
        warnings.warn(note, FfxWarning, stacklevel=2)
    specs = walk.input_specs()
    io: dict = {"input": specs["input"]} if list(specs) == ["input"] else {"inputs": specs}
    return Recipe(**io, steps=steps, **({"output": output} if output else {}))


def _renamed(steps: list[dict], old: str, new: str) -> None:
    for step in steps:
        for key in ("from", "track"):
            if step.get(key) == old:
                step[key] = new
        if "with" in step:
            step["with"] = [new if name == old else name for name in step["with"]]


def _step(op: Op, others: list[str]) -> dict:
    options = list(op.options)
    if op.name == "drawtext":
        options = literal_drawtext(options)
    return raw_step(Op(op.name, tuple(options), op.inputs, op.output, op.kind), others)


def _output(kwargs: dict, audio_kept: bool, has_video: bool) -> tuple[dict, list[str]]:
    """The recipe's output from ffmpeg-python's output options; the rest named in notes."""
    notes: list[str] = []
    if not kwargs:
        return {}, notes
    kwargs = dict(kwargs)
    output: dict = {"path": str(kwargs.pop("filename"))}
    trim: dict = {}
    left: list[str] = []
    for key, value in kwargs.items():
        field = _OUTPUT_FIELDS.get(key)
        if field in ("crf", "loop"):
            output[field] = int(value)
        elif field == "fps":
            output[field] = value if isinstance(value, (int, float)) else str(value)
        elif field:
            output[field] = str(value)
        elif key in ("t", "ss", "to"):
            trim[{"t": "duration", "ss": "start", "to": "end"}[key]] = value if isinstance(value, (int, float)) \
                else str(value)
        elif key == "an":
            audio_kept = False
        else:
            left.append(f"{key}={value}" if value is not None else key)
    if not audio_kept:
        output["audio"] = False
    if left:
        notes.append(f"left out: the output option{'s' * (len(left) > 1)} {', '.join(left)} (ffx chooses the "
                     "encoder's settings from the output's fields: codec, crf, preset, pix_fmt, fps...)")
    if trim:
        output["trim"] = trim
    return output, notes
