"""A compiled plan drawn as SVG, DOT or Mermaid text, with no Graphviz needed (``ffx graph``).

The picture (``picture``) is built from the plan's stages, each filter with the
recipe step that made it; ``layout`` places its boxes in layers and routes its
arrows between them, ``svg`` writes that, ``text_formats`` writes DOT and
Mermaid. Everything is pure: plan in, text out.
"""

from __future__ import annotations

from ..compile.plan import Plan
from ..media.info import MediaInfo
from .picture import picture_of
from .svg import to_svg
from .text_formats import to_dot, to_mermaid

FORMATS = (".svg", ".dot", ".mmd")


def render_picture(plan: Plan, suffix: str, inputs_info: dict[str, MediaInfo] | None = None) -> str:
    """The plan's picture in the format its file suffix names (.svg, .dot or .mmd)."""
    picture = picture_of(plan, inputs_info)
    writers = {".svg": to_svg, ".dot": to_dot, ".mmd": to_mermaid}
    if suffix.lower() not in writers:
        raise ValueError(f"cannot draw a graph as {suffix or 'a file without a suffix'}: "
                         f"write {', '.join(FORMATS)} (.png needs a rasteriser ffx does not ship)")
    return writers[suffix.lower()](picture)
