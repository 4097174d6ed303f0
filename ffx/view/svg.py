"""The picture as a standalone SVG, so a machine without Graphviz or any system package can draw it.

``layout`` decides where the boxes stand and how the arrows run; this writes
them: one ``<g class="cluster">`` per FFmpeg command, one ``<g class="edge">``
per arrow, one ``<g class="node KIND">`` per box. The SVG is self-contained (no
script, no style sheet, no link), so the studio shows it under its strict
content security policy.
"""

from __future__ import annotations

import html

from .box_text import PAD, STYLES, shown_lines
from .layout import lay_out
from .picture import Picture

FILLS = {"input": "#e3f1e3", "filter": "#ffffff", "output": "#e3ecf8"}


def _xml(text: str) -> str:
    return html.escape(text, quote=True).replace("\n", "&#10;")


def to_svg(picture: Picture) -> str:
    """A standalone SVG: clusters stacked top to bottom, each flowing left to right, inputs to outputs."""
    layout = lay_out(picture)
    width, height = f"{layout.width:.0f}", f"{layout.height:.0f}"
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" font-size="11">'),
           ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>'),
           '<rect width="100%" height="100%" fill="white"/>']
    for frame in layout.frames:
        rect = frame.rect
        out.append(f'<g class="cluster"><rect x="{rect.x}" y="{rect.y:.1f}" width="{rect.width:.1f}" '
                   f'height="{rect.height:.1f}" rx="6" fill="#f7f7fb" stroke="#aab"/>'
                   f'<text x="{rect.x + PAD:.1f}" y="{rect.y + 16:.1f}" font-weight="bold">{_xml(frame.title)}'
                   '</text></g>')
    for route in layout.routes:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in route.points)
        label = ""
        if route.label and route.label_at:
            label = (f'<text x="{route.label_at[0]:.1f}" y="{route.label_at[1]:.1f}"{STYLES["label"].attributes}>'
                     f'{_xml(route.label)}</text>')
        out.append(f'<g class="edge"><polyline points="{points}" fill="none" stroke="#555" '
                   f'stroke-linejoin="round" marker-end="url(#arrow)"/>{label}</g>')
    for box in picture.boxes:
        rect = layout.boxes[box.id]
        radius = min(rect.height / 2, 14) if box.kind != "filter" else 3
        out.append(f'<g class="node {box.kind}" id="{_xml(box.id)}"><rect x="{rect.x:.1f}" y="{rect.y:.1f}" '
                   f'width="{rect.width:.1f}" height="{rect.height:.1f}" rx="{radius:.1f}" fill="{FILLS[box.kind]}" '
                   'stroke="#333"/>')
        baseline = rect.y + PAD / 2
        for line in shown_lines(box):
            style = STYLES[line.style]
            baseline += style.line_height
            out.append(f'<text x="{rect.x + PAD:.1f}" y="{baseline - 3:.1f}"{style.attributes}>{_xml(line.text)}'
                       '</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
