"""A live preview command: the recipe's video chain as an ``ffplay`` command.

ffplay takes one input and a simple filtergraph (``-vf``) whose open ends are
called ``[in]`` and ``[out]``. The compiled graph already has every value
escaped, and its input and output labels can only appear as labels (inside a
value ``[`` and ``]`` are backslash-escaped), so renaming them is exact. The
preview shows video only: the output stage (encoder, palette, pixel format)
does not apply to a screen.
"""

from __future__ import annotations

from ..filtergraph import graph
from ..errors import Problem, RecipeError
from ..filtergraph.graph import Pad


def ffplay_args(video: Pad | None, input_count: int, render: graph.Lowered | None = None) -> tuple[str, ...]:
    """ffplay arguments (no binary) that play ``video``, the recipe's result before the output stage.

    ``render`` is the lowered render graph: the preview is the part of it that
    makes ``video``, so the graph is not repaired a second time.
    """
    if video is None:
        raise RecipeError("a preview needs video, and this recipe's result has none")
    if input_count != 1:
        raise RecipeError(Problem(f"a preview plays one input, and this recipe has {input_count}",
                                  hint="render it instead, or preview a recipe with one input"))
    lowered = render.part([video], "-", []) if render is not None else None
    if lowered is None:  # the render does not use the video (an audio output)
        lowered = graph.lower([video], "-", [])
    args = list(lowered.args)
    if "-filter_complex" not in args:  # nothing but input options (e.g. a fast seek); ffplay has no -map
        return (*args[:args.index("-map")], "-an")
    at = args.index("-filter_complex")
    chain = args[at + 1]
    label = args[args.index("-map") + 1]
    chain = chain.replace("[0:v:0]", "[in]").replace(label, "[out]")
    head = args[:at]
    return (*head, "-vf", chain, "-an")
