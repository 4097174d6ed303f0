"""A compiled plan as a picture: DOT, Mermaid and SVG text, with no Graphviz needed.

The picture is read back from the plan's own argv (the ``-filter_complex``
text each stage hands FFmpeg), so it shows exactly what FFmpeg will build and
the compiler stays untouched. Each filter is matched to its recipe step by
FFmpeg's ``Parsed_<name>_<n>`` order (the stage's ``filter_steps``). Everything
here is pure: plan in, text out; the SVG is laid out here too (longest-path
layers left to right), so a fresh machine without system packages can draw it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from ..media.info import MediaInfo
from ..compile.plan import FfmpegStage, Plan
from .filtergraph_text import ParsedFilter, parse_filtergraph

FORMATS = (".svg", ".dot", ".mmd")
LONGEST_VALUE = 28  # option values longer than this are shortened in the picture
KEY_OPTIONS = 4  # options shown per filter node; the rest are summarised as "+N more"


# The picture as plain data --------------------------------------------------------------------------------

@dataclass
class Box:
    """A node of the picture: an input, a filter or an output, with its lines of text."""

    id: str
    lines: list[str]
    kind: str  # input, filter, output
    cluster: int
    url: str = ""  # an input's or output's file or pipe, as the argv names it


@dataclass
class Arrow:
    source: str
    target: str
    label: str = ""


@dataclass
class Picture:
    """Boxes and arrows grouped in clusters (one per FFmpeg command); what every format is written from."""

    clusters: list[str] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)

    def filters(self) -> list[Box]:
        return [box for box in self.boxes if box.kind == "filter"]


def describe(info: MediaInfo | None) -> str:
    """Size, rate and duration of a stream in a few words.

    >>> from fractions import Fraction
    >>> describe(MediaInfo(width=320, height=180, fps=Fraction(12), duration=2.0, frames=24))
    '320x180 @ 12 fps, 2.00 s (24 frames)'
    """
    if info is None:
        return ""
    parts = info.picture_and_length()  # a long file is not read whole for a label
    if info.has_audio and info.sample_rate:
        parts.append(f"audio {info.sample_rate} Hz")
    return ", ".join(parts)


def _short(value: str) -> str:
    value = " ".join(value.split()) if "\n" not in value else value.replace("\n", "\\n")
    return value if len(value) <= LONGEST_VALUE else value[:LONGEST_VALUE - 1] + "…"


def _short_path(url: str) -> str:
    """A long path keeps its end (the file's name), not its start."""
    if len(url) <= LONGEST_VALUE or "=" in url:  # a generated source (lavfi) reads best from its start
        return _short(url)
    return "…" + url[-(LONGEST_VALUE - 1):]


def _filter_lines(parsed: ParsedFilter, step: str | None) -> list[str]:
    shown = [f"{k}={_short(v)}" if k else _short(v) for k, v in parsed.options[:KEY_OPTIONS]]
    if len(parsed.options) > KEY_OPTIONS:
        shown.append(f"+{len(parsed.options) - KEY_OPTIONS} more")
    return [parsed.name, *([step] if step else []), *shown]


def _input_urls(args: list[str]) -> list[str]:
    return [args[i + 1] for i, word in enumerate(args[:-1]) if word == "-i"]


def _graph_text(args: list[str]) -> str | None:
    for flag in ("-filter_complex", "-vf", "-af", "-filter:v", "-filter:a"):
        if flag in args[:-1]:
            return args[args.index(flag) + 1]
    return None


def _display_url(url: str) -> str:
    return url[5:] if url.startswith("file:") else url


def _add_command(picture: Picture, args: list[str], title: str, filter_steps=(), inputs_info=None,
                 result: str = "") -> None:
    """One FFmpeg command as a cluster: its inputs, its filters (with their steps) and its output."""
    cluster = len(picture.clusters)
    picture.clusters.append(title)
    prefix = f"c{cluster}_"
    inputs_info = inputs_info or {}
    producers: dict[str, str] = {}  # link label -> box id
    for number, url in enumerate(_input_urls(args)):
        box = Box(f"{prefix}in{number}", [f"input {number}", _short_path(_display_url(url))], "input", cluster,
                  _display_url(url))
        picture.boxes.append(box)
        producers[str(number)] = box.id
    text = _graph_text(args)
    parsed = parse_filtergraph(text) if text else []
    chained = "-filter_complex" not in args
    for index, one in enumerate(parsed):
        step = None
        if index < len(filter_steps) and filter_steps[index][0] == one.name:
            step = filter_steps[index][1]
        box = Box(f"{prefix}f{index}", _filter_lines(one, step), "filter", cluster)
        picture.boxes.append(box)
        implicit = "0:a:0" if "-af" in args or "-filter:a" in args else "0:v:0"  # -vf/-af read the first input
        sources = one.inputs or ([implicit] if index == 0 and chained else [])
        for label in sources:
            stream = label.split(":")
            if stream[0].isdigit():
                source = producers.get(stream[0])
                if source:
                    number = int(stream[0])
                    info = inputs_info.get(_input_urls(args)[number])
                    picture.arrows.append(Arrow(source, box.id, _stream_label(label, info)))
            elif label in producers:
                picture.arrows.append(Arrow(producers[label], box.id, ""))
        for label in one.outputs:
            producers[label] = box.id
        if chained and not one.outputs:
            producers["_last"] = box.id
    output = Box(f"{prefix}out", ["output", _short_path(_display_url(args[-1]))], "output", cluster,
                 _display_url(args[-1]))
    picture.boxes.append(output)
    maps = [args[i + 1] for i, word in enumerate(args[:-1]) if word == "-map"]
    if not maps:  # FFmpeg's default: the chain's end, else the inputs' streams as they are
        maps = ["_last"] if parsed and chained else [] if parsed else [str(n) for n in range(len(_input_urls(args)))]
    for mapped in maps:
        label = mapped.strip("[]")
        if label in producers:
            picture.arrows.append(Arrow(producers[label], output.id, result))
        elif label.split(":")[0].isdigit() and label.split(":")[0] in producers:
            picture.arrows.append(Arrow(producers[label.split(":")[0]], output.id, result or label))


def _stream_label(label: str, info: MediaInfo | None) -> str:
    kind = label.split(":")[1] if ":" in label else ""
    if info is None:
        return label
    if kind == "a":
        return f"{label} audio {info.sample_rate} Hz" if info.sample_rate else label
    return f"{label} {describe(info.replace(has_audio=False))}".strip()


def picture_of(plan: Plan, inputs_info: dict[str, MediaInfo] | None = None) -> Picture:
    """The plan as boxes and arrows: feeder commands (lanes) and every stage, each its own cluster.

    ``inputs_info`` maps an input URL as it stands in the argv (``file:clip.mkv``) to what was probed of it,
    for the arrows leaving the inputs; the arrow into the last output carries the plan's result.
    """
    picture = Picture()
    lanes = [lane for feed in plan.feeds for lane in feed.lanes()]
    for number, lane in enumerate(lanes):
        for step, command in enumerate(lane.commands):
            title = f"feeder {number + 1}" + (f" ({step + 1}/{len(lane.commands)})" if len(lane.commands) > 1 else "")
            if lane.python:
                _add_python(picture, list(command), lane, title)
            else:
                _add_command(picture, list(command), title, inputs_info=inputs_info)
    for number, stage in enumerate(plan.stages):
        last = number == len(plan.stages) - 1
        title = "command" if len(plan.stages) == 1 and not lanes else "final command" if last and lanes \
            else f"pass {number + 1}"
        result = describe(plan.result) if last else _stage_result(stage)
        _add_command(picture, list(stage.args), title, stage.filter_steps, inputs_info, result)
    _join_clusters(picture)
    return picture


def _stage_result(stage: FfmpegStage) -> str:
    parts = [stage.kind]
    if stage.duration is not None:
        parts.append(f"{stage.duration:.2f} s")
    if stage.frames is not None:
        parts.append(f"{stage.frames} frames")
    return ", ".join(parts)


def _add_python(picture: Picture, argv: list[str], lane, title: str) -> None:
    cluster = len(picture.clusters)
    picture.clusters.append(title)
    prefix = f"c{cluster}_"
    picture.boxes.append(Box(f"{prefix}in0", ["input 0", lane.reads or "stdin"], "input", cluster,
                             f"pipe:{lane.reads}" if lane.reads else ""))
    picture.boxes.append(Box(f"{prefix}f0", ["python -m ffx " + " ".join(argv[:1]), *[_short(a) for a in argv[1:5]]],
                             "filter", cluster))
    picture.boxes.append(Box(f"{prefix}out", ["output", lane.writes], "output", cluster, f"pipe:{lane.writes}"))
    picture.arrows += [Arrow(f"{prefix}in0", f"{prefix}f0"), Arrow(f"{prefix}f0", f"{prefix}out")]


def _join_clusters(picture: Picture) -> None:
    """An arrow from a command's output to a later command's input of the same file or pipe."""
    outputs = {box.url: box for box in picture.boxes if box.kind == "output"}
    for box in picture.boxes:
        source = outputs.get(box.url)
        if box.kind == "input" and source is not None and source.cluster < box.cluster:
            picture.arrows.append(Arrow(source.id, box.id, "pipe" if box.url.startswith("pipe:") else "file"))


# Writing it -----------------------------------------------------------------------------------------------

def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(picture: Picture) -> str:
    """Graphviz DOT text (``dot -Tsvg`` draws it where Graphviz is installed)."""
    shapes = {"input": "ellipse", "filter": "box", "output": "ellipse"}
    lines = ["digraph ffx {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']
    for number, title in enumerate(picture.clusters):
        lines.append(f"  subgraph cluster_{number} {{")
        lines.append(f"    label={_dot_quote(title)};")
        for box in picture.boxes:
            if box.cluster == number:
                label = "\\n".join(_dot_quote(line)[1:-1] for line in box.lines)
                lines.append(f'    {box.id} [shape={shapes[box.kind]}, label="{label}"];')
        lines.append("  }")
    for arrow in picture.arrows:
        label = f" [label={_dot_quote(arrow.label)}]" if arrow.label else ""
        lines.append(f"  {arrow.source} -> {arrow.target}{label};")
    lines.append("}")
    return "\n".join(lines) + "\n"


_MERMAID_SPECIAL = re.compile(r"[#\"<>&|'\[\](){}`]")


def _mermaid_text(text: str) -> str:
    """Label text for Mermaid, whose own entities are ``#<code>;``; a newline (it would end the statement)
    becomes a line break of the label.

    >>> _mermaid_text('a "b" <c> #1')
    'a #34;b#34; #60;c#62; #35;1'
    """
    escaped = _MERMAID_SPECIAL.sub(lambda m: f"#{ord(m.group())};", text)
    return escaped.replace("\r", "").replace("\n", "<br/>")


def to_mermaid(picture: Picture) -> str:
    """Mermaid flowchart text (GitHub and many editors draw it)."""
    lines = ["flowchart LR"]
    for number, title in enumerate(picture.clusters):
        lines.append(f'  subgraph cluster_{number}["{_mermaid_text(title)}"]')
        for box in picture.boxes:
            if box.cluster == number:
                label = "<br/>".join(_mermaid_text(line) for line in box.lines)
                left, right = ("([", "])") if box.kind != "filter" else ("[", "]")
                lines.append(f'    {box.id}{left}"{label}"{right}')
        lines.append("  end")
    for arrow in picture.arrows:
        label = f'|"{_mermaid_text(arrow.label)}"|' if arrow.label else ""
        lines.append(f"  {arrow.source} -->{label} {arrow.target}")
    return "\n".join(lines) + "\n"


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


def render_picture(plan: Plan, suffix: str, inputs_info: dict[str, MediaInfo] | None = None) -> str:
    """The plan's picture in the format its file suffix names (.svg, .dot or .mmd)."""
    picture = picture_of(plan, inputs_info)
    writers = {".svg": to_svg, ".dot": to_dot, ".mmd": to_mermaid}
    if suffix.lower() not in writers:
        raise ValueError(f"cannot draw a graph as {suffix or 'a file without a suffix'}: "
                         f"write {', '.join(FORMATS)} (.png needs a rasteriser ffx does not ship)")
    return writers[suffix.lower()](picture)
