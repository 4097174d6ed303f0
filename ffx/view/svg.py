"""The picture as a standalone SVG, laid out here (longest-path layers left to right, clusters stacked top
to bottom), so a machine without Graphviz or any system package can draw it.
"""

from __future__ import annotations

import html

from .picture import Box, Picture

CHAR_WIDTH = 6.6  # px per character at font-size 11 (a rough sans-serif average)
LABEL_CHAR_WIDTH = 5.4  # at font-size 9
LINE_HEIGHT = 14
LAYER_GAP = 70
NODE_GAP = 18
CLUSTER_GAP = 40
PAD = 12


def _layers(picture: Picture, cluster: int) -> list[list[Box]]:
    """Longest-path layering of one cluster, nodes in a layer ordered by their sources' positions."""
    boxes = [box for box in picture.boxes if box.cluster == cluster]
    ids = {box.id for box in boxes}
    sources: dict[str, list[str]] = {box.id: [] for box in boxes}
    for arrow in picture.arrows:
        if arrow.source in ids and arrow.target in ids:
            sources[arrow.target].append(arrow.source)
    layer: dict[str, int] = {}
    for box in boxes:  # boxes are listed after what they read (argv order), so one pass suffices
        layer[box.id] = 0 if box.kind == "input" else 1 + max((layer.get(s, 0) for s in sources[box.id]), default=0)
    inner = max((layer[b.id] for b in boxes if b.kind != "output"), default=0)
    for box in boxes:
        if box.kind == "output":  # outputs on the far right
            layer[box.id] = inner + 1
    result: list[list[Box]] = [[] for _ in range(max(layer.values(), default=0) + 1)]
    for box in boxes:
        result[layer[box.id]].append(box)
    position: dict[str, float] = {}
    for column in result:
        column.sort(key=lambda b: sum(position.get(s, 0) for s in sources[b.id]) / max(1, len(sources[b.id])))
        for index, box in enumerate(column):
            position[box.id] = index
    return result


def _size(box: Box) -> tuple[float, float]:
    return max(len(line) for line in box.lines) * CHAR_WIDTH + 2 * PAD, len(box.lines) * LINE_HEIGHT + PAD


def _xml(text: str) -> str:
    return html.escape(text, quote=True).replace("\n", "&#10;")


def to_svg(picture: Picture) -> str:
    """A standalone SVG: clusters stacked top to bottom, each laid out in layers left to right."""
    where: dict[str, tuple[float, float, float, float]] = {}  # id -> x, y, width, height
    frames = []
    top = CLUSTER_GAP / 2
    width = 0.0
    for number, title in enumerate(picture.clusters):
        columns = _layers(picture, number)
        x = PAD * 2
        heights = []
        for index, column in enumerate(columns):
            ids = {b.id for b in column}
            labels = [len(a.label) for a in picture.arrows if a.target in ids and a.label]
            if index:  # room for the longest label of the arrows coming in
                x += max(0.0, max(labels, default=0) * LABEL_CHAR_WIDTH + PAD - LAYER_GAP)
            column_width = max((_size(b)[0] for b in column), default=0)
            y = top + 2 * LINE_HEIGHT
            for box in column:
                w, h = _size(box)
                where[box.id] = (x, y, w, h)
                y += h + NODE_GAP
            heights.append(y)
            x += column_width + LAYER_GAP
        bottom = max(heights, default=top + 2 * LINE_HEIGHT)
        frames.append((title, top, x - LAYER_GAP + PAD * 2, bottom))
        width = max(width, x)
        top = bottom + CLUSTER_GAP
    height = top
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif" font-size="11">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
           '<rect width="100%" height="100%" fill="white"/>']
    for title, y, right, bottom in frames:
        out.append(f'<g class="cluster"><rect x="{PAD}" y="{y:.1f}" width="{right - PAD:.1f}" '
                   f'height="{bottom - y:.1f}" rx="6" fill="#f7f7fb" stroke="#aab"/>'
                   f'<text x="{PAD * 2}" y="{y + LINE_HEIGHT:.1f}" font-weight="bold">{_xml(title)}</text></g>')
    fills = {"input": "#e3f1e3", "filter": "#ffffff", "output": "#e3ecf8"}
    for arrow in picture.arrows:
        sx, sy, sw, sh = where[arrow.source]
        tx, ty, tw, th = where[arrow.target]
        start, end = (sx + sw, sy + sh / 2), (tx, ty + th / 2)
        if tx <= sx:  # to a later cluster (below): leave from the bottom, enter from the top
            start, end = (sx + sw / 2, sy + sh), (tx + tw / 2, ty)
        middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
        out.append(f'<g class="edge"><polyline points="{start[0]:.1f},{start[1]:.1f} {end[0]:.1f},{end[1]:.1f}" '
                   f'fill="none" stroke="#555" marker-end="url(#arrow)"/>'
                   + (f'<text x="{middle[0]:.1f}" y="{middle[1] - 3:.1f}" text-anchor="middle" font-size="9" '
                      f'fill="#335">{_xml(arrow.label)}</text>' if arrow.label else "") + "</g>")
    for box in picture.boxes:
        x, y, w, h = where[box.id]
        radius = h / 2 if box.kind != "filter" else 3
        out.append(f'<g class="node {box.kind}" id="{_xml(box.id)}"><rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" '
                   f'height="{h:.1f}" rx="{min(radius, 14):.1f}" fill="{fills[box.kind]}" stroke="#333"/>')
        for index, line in enumerate(box.lines):
            weight = ' font-weight="bold"' if index == 0 else ""
            out.append(f'<text x="{x + PAD:.1f}" y="{y + PAD / 2 + (index + 0.8) * LINE_HEIGHT:.1f}"{weight}>'
                       f'{_xml(line)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
