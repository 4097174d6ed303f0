"""A compiled plan as a picture: boxes (inputs, filters, outputs) and arrows, one cluster per FFmpeg command.

Each stage is drawn from its own parts (inputs, lowered filters with the recipe
step behind each, maps, target): the data its argv is written from, so the
picture shows what FFmpeg will build. A feeder lane is known only by its argv;
its filtergraph is read back from the text (:mod:`ffx.filtergraph.text`). Everything
here is pure: plan in, boxes and arrows out; ``svg`` and ``text_formats``
write them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..compile.plan import FfmpegStage, Plan
from ..effects.keyframes import moving_options
from ..filtergraph.graph import LoweredFilter
from ..media.info import MediaInfo
from ..filtergraph.text import ParsedFilter, parse_filtergraph

LONGEST_VALUE = 28  # option values longer than this are shortened in the picture
KEY_OPTIONS = 4  # options shown per filter node; the rest are summarised as "+N more"


@dataclass
class Box:
    """A node of the picture: an input, a filter or an output, with its lines of text."""

    id: str
    lines: list[str]
    kind: str  # input, filter, output
    cluster: int
    url: str = ""  # an input's or output's file or pipe, as the argv names it
    step: str = ""  # a filter's recipe step (also its second line), drawn as a caption in SVG


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


def _filter_lines(one: LoweredFilter | ParsedFilter, step: str | None) -> list[str]:
    shown = [f"{k}={_short(v)}" if k else _short(v) for k, v in one.options[:KEY_OPTIONS]]
    if len(one.options) > KEY_OPTIONS:
        shown.append(f"+{len(one.options) - KEY_OPTIONS} more")
    moving = moving_options(one.name, one.options)
    # as the graph names it: a filter that sendcmd addresses has its instance name (gblur@steps_1_blur_sigma)
    name = one.text.split("=", 1)[0] if isinstance(one, LoweredFilter) else one.name
    return [name, *([step] if step else []), *shown, *([f"moves: {', '.join(moving)}"] if moving else [])]


def _display_url(url: str) -> str:
    return url[5:] if url.startswith("file:") else url


@dataclass(frozen=True)
class _Command:
    """What the picture shows of one FFmpeg command: the URLs it reads, its filters (each with its recipe
    step), what it maps to its output and the URL it writes."""

    urls: list[str]
    filters: list[tuple[LoweredFilter | ParsedFilter, str | None]]
    maps: list[str]
    target: str


def _stage_command(stage: FfmpegStage) -> _Command:
    """A stage as it holds itself: its inputs and lowered filters, the data its argv is written from."""
    return _Command([one.url for one in stage.inputs], [(one, one.step) for one in stage.filters],
                    list(stage.maps), stage.target)


def _argv_command(args: list[str]) -> _Command:
    """A command known only by its argv (a feeder lane's): its filtergraph read back from the text.

    A ``-vf``/``-af`` chain reads the first input's stream and its end is what
    FFmpeg maps by default; without a graph, the inputs' streams are copied.
    """
    urls = [args[i + 1] for i, word in enumerate(args[:-1]) if word == "-i"]
    text = next((args[args.index(flag) + 1] for flag in ("-filter_complex", "-vf", "-af", "-filter:v", "-filter:a")
                 if flag in args[:-1]), None)
    filters = parse_filtergraph(text) if text else []
    chained = "-filter_complex" not in args
    if chained and filters:
        if not filters[0].inputs:
            filters[0].inputs.append("0:a:0" if "-af" in args or "-filter:a" in args else "0:v:0")
        for one in filters:
            if not one.outputs:
                one.outputs.append(_CHAIN_END)
    maps = [args[i + 1] for i, word in enumerate(args[:-1]) if word == "-map"]
    if not maps:  # FFmpeg's default: the chain's end, else the inputs' streams as they are
        maps = [_CHAIN_END] if filters and chained else [] if filters else [str(n) for n in range(len(urls))]
    return _Command(urls, [(one, None) for one in filters], maps, args[-1])


_CHAIN_END = "_last"  # the label given to the end of a -vf/-af chain, which FFmpeg maps without a -map


def _add_command(picture: Picture, command: _Command, title: str, inputs_info: dict[str, MediaInfo] | None = None,
                 result: str = "") -> None:
    """One FFmpeg command as a cluster: its inputs, its filters (with their steps) and its output."""
    cluster = len(picture.clusters)
    picture.clusters.append(title)
    prefix = f"c{cluster}_"
    inputs_info = inputs_info or {}
    producers: dict[str, str] = {}  # link label -> box id
    for number, url in enumerate(command.urls):
        box = Box(f"{prefix}in{number}", [f"input {number}", _short_path(_display_url(url))], "input", cluster,
                  _display_url(url))
        picture.boxes.append(box)
        producers[str(number)] = box.id
    for index, (one, step) in enumerate(command.filters):
        box = Box(f"{prefix}f{index}", _filter_lines(one, step), "filter", cluster, step=step or "")
        picture.boxes.append(box)
        for label in one.inputs:
            stream = label.split(":")
            if stream[0].isdigit():
                source = producers.get(stream[0])
                if source:
                    info = inputs_info.get(command.urls[int(stream[0])])
                    picture.arrows.append(Arrow(source, box.id, _stream_label(label, info)))
            elif label in producers:
                picture.arrows.append(Arrow(producers[label], box.id, ""))
        for label in one.outputs:
            producers[label] = box.id
    output = Box(f"{prefix}out", ["output", _short_path(_display_url(command.target))], "output", cluster,
                 _display_url(command.target))
    picture.boxes.append(output)
    for mapped in command.maps:
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
                _add_command(picture, _argv_command(list(command)), title, inputs_info)
    for number, stage in enumerate(plan.stages):
        last = number == len(plan.stages) - 1
        title = "command" if len(plan.stages) == 1 and not lanes else "final command" if last and lanes \
            else f"pass {number + 1}"
        result = describe(plan.result) if last else _stage_result(stage)
        _add_command(picture, _stage_command(stage), title, inputs_info, result)
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
