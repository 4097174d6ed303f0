"""Where each box of a picture stands and which way each arrow runs: a layered (Sugiyama) layout.

Each cluster (one FFmpeg command) is laid out left to right, the clusters stacked
top to bottom:

1. layers by longest path: inputs in the first, outputs in the last, any other box
   one layer right of the furthest box it reads (a source filter just left of what it feeds);
2. an arrow spanning several layers gets a dummy node in each layer between, so it
   passes each layer through a gap of its own instead of through a box;
3. the order within the layers comes from barycentre sweeps, down and up, keeping the
   order with the fewest crossings;
4. each node is moved near the mean height of its neighbours, keeping the order and the
   gaps (an isotonic regression per layer), so a chain of filters reads as a straight line;
5. an arrow runs level through each layer it passes (at its box's port or its dummy) and
   straight across the empty gap between two layers.

An arrow from one command's output to a later command's input (a palette file, a
feeder's pipe) leaves the output downwards, runs along the gap below its cluster,
down a lane in the left margin and into the input. No arrow crosses a box it does
not connect, which ``tests/test_graphview.py`` checks on every shipped recipe.

A small implementation of our own rather than a layout library: grandalf, the pure
Python one, has had no release since 2023, and the others wrap Graphviz or are
compiled; this needs a few hundred lines and no dependency.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from .box_text import box_size, text_width
from .picture import Arrow, Box, Picture

LAYER_GAP = 44  # px between two layers, at least
NODE_GAP = 14  # px between two boxes of a layer, or a box and an arrow passing it
LANE_GAP = 7  # px between two arrows passing through a layer side by side
LABEL_PAD = 6  # px of line before and after an arrow's label
CLUSTER_GAP = 36
MARGIN = 12
TITLE_HEIGHT = 24  # room for a cluster's title above its boxes
JOIN_LANE = 7  # px between the left-margin lanes of arrows joining two clusters
SWEEPS = 8  # barycentre sweeps when ordering the layers
ROUNDS = 6  # down-and-up rounds when placing nodes

Point = tuple[float, float]


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass(frozen=True)
class Route:
    """An arrow as drawn: its polyline and where its label starts (the label reads left to right)."""

    source: str
    target: str
    label: str
    points: tuple[Point, ...]
    label_at: Point | None = None


@dataclass(frozen=True)
class Frame:
    title: str
    rect: Rect


@dataclass(frozen=True)
class Layout:
    boxes: dict[str, Rect]
    routes: tuple[Route, ...]
    frames: tuple[Frame, ...]
    width: float
    height: float


@dataclass
class _Node:
    """A box or a dummy (an arrow passing a layer) while the cluster is laid out."""

    width: float
    height: float
    layer: int
    kind: str  # input, filter, output, dummy
    y: float = 0.0


def lay_out(picture: Picture) -> Layout:
    """Every box's rectangle, every arrow's polyline and every cluster's frame."""
    cluster_of = {box.id: box.cluster for box in picture.boxes}
    joins = [a for a in picture.arrows if cluster_of[a.source] != cluster_of[a.target]]
    left = MARGIN + JOIN_LANE * (len(joins) + 1)  # the boxes stand right of the joining lanes
    rects: dict[str, Rect] = {}
    routes: list[Route] = []
    frames: list[Frame] = []
    top = MARGIN
    for number, title in enumerate(picture.clusters):
        boxes = [box for box in picture.boxes if box.cluster == number]
        arrows = [a for a in picture.arrows if cluster_of[a.source] == cluster_of[a.target] == number]
        placed, drawn = _lay_out_cluster(boxes, arrows, left, top + TITLE_HEIGHT)
        rects.update(placed)
        routes += drawn
        right = max((rect.right for rect in placed.values()), default=left)
        bottom = max((rect.bottom for rect in placed.values()), default=top + TITLE_HEIGHT)
        frames.append(Frame(title, Rect(MARGIN, top, right, bottom + MARGIN - top)))
        top = bottom + MARGIN + CLUSTER_GAP
    leaving: dict[int, list[Arrow]] = {}
    for arrow in joins:
        leaving.setdefault(cluster_of[arrow.source], []).append(arrow)
    for lane, arrow in enumerate(joins):
        source, target = rects[arrow.source], rects[arrow.target]
        below = leaving[cluster_of[arrow.source]]
        gap_y = frames[cluster_of[arrow.source]].rect.bottom + CLUSTER_GAP / 2 + \
            LANE_GAP * (below.index(arrow) - (len(below) - 1) / 2)
        lane_x = MARGIN + JOIN_LANE * (lane + 1)
        middle_x, middle_y = source.x + source.width / 2, target.y + target.height / 2
        label_at = (middle_x - LABEL_PAD - text_width(arrow.label, "label"), gap_y - 3) if arrow.label else None
        routes.append(Route(arrow.source, arrow.target, arrow.label, (
            (middle_x, source.bottom), (middle_x, gap_y), (lane_x, gap_y), (lane_x, middle_y), (target.x, middle_y)),
            label_at))
    width = max((frame.rect.right for frame in frames), default=0.0) + MARGIN
    return Layout(rects, tuple(routes), tuple(frames), width, top - CLUSTER_GAP + MARGIN if frames else MARGIN)


def _lay_out_cluster(boxes: list[Box], arrows: list[Arrow], left: float, top: float) \
        -> tuple[dict[str, Rect], list[Route]]:
    nodes = {box.id: _Node(*box_size(box), layer, box.kind) for box, layer in zip(boxes, _layers(boxes, arrows))}
    chains: list[list[str]] = []  # each arrow as the nodes it runs through, dummies between its ends
    for number, arrow in enumerate(arrows):
        chain = [arrow.source]
        for layer in range(nodes[arrow.source].layer + 1, nodes[arrow.target].layer):
            chain.append(f"~{number}.{layer}")
            nodes[chain[-1]] = _Node(0.0, 0.0, layer, "dummy")
        chains.append(chain + [arrow.target])
    up: dict[str, list[str]] = {name: [] for name in nodes}
    down: dict[str, list[str]] = {name: [] for name in nodes}
    for chain in chains:
        for before, after in pairwise(chain):
            down[before].append(after)
            up[after].append(before)
    columns: list[list[str]] = [[] for _ in range(max((n.layer for n in nodes.values()), default=0) + 1)]
    for name, node in nodes.items():
        columns[node.layer].append(name)
    columns = _order(columns, up, down)
    _place(columns, nodes, up, down)

    widths = [max((nodes[name].width for name in column), default=0.0) for column in columns]
    gaps = [LAYER_GAP] * len(columns)
    for arrow in arrows:
        if arrow.label:  # its gap wide enough for the label and a bend
            layer = nodes[arrow.target].layer - 1 if _label_at_target(arrow, nodes) else nodes[arrow.source].layer
            gaps[layer] = max(gaps[layer], text_width(arrow.label, "label") + 2 * LABEL_PAD + LAYER_GAP / 2)
    lefts = [left]
    for layer in range(len(columns) - 1):
        lefts.append(lefts[-1] + widths[layer] + gaps[layer])
    rects = {}
    for box in boxes:
        node = nodes[box.id]
        slack = widths[node.layer] - node.width
        shift = 0.0 if box.kind == "input" else slack if box.kind == "output" else slack / 2
        rects[box.id] = Rect(lefts[node.layer] + shift, top + node.y, node.width, node.height)

    return rects, _route(arrows, chains, nodes, rects, (lefts, widths, top))


def _route(arrows: list[Arrow], chains: list[list[str]], nodes: dict[str, _Node], rects: dict[str, Rect],
           grid: tuple[list[float], list[float], float]) -> list[Route]:
    """Each arrow level through the layers it passes (at its ports, then at its dummies' heights) and
    straight across the gaps between them; ``grid`` is the layers' left edges and widths, and the top."""
    lefts, widths, top = grid
    ends: dict[tuple[str, bool], list[int]] = {}  # (box, outgoing) -> its arrows' numbers
    for number, chain in enumerate(chains):
        ends.setdefault((chain[0], True), []).append(number)
        ends.setdefault((chain[-1], False), []).append(number)

    def ports(name: str, outgoing: bool) -> dict[int, float]:
        """The heights where a box's arrows leave (or enter) it, spread in the order of their neighbours."""
        mine = ends.get((name, outgoing), [])
        neighbours = [nodes[chains[i][1 if outgoing else -2]] for i in mine]
        order = sorted(range(len(mine)), key=lambda k: (neighbours[k].y + neighbours[k].height / 2, k))
        mine = [mine[k] for k in order]
        rect = rects[name]
        return {i: rect.y + rect.height * (k + 1) / (len(mine) + 1) for k, i in enumerate(mine)}

    leaving = {name: ports(name, True) for name in rects}
    entering = {name: ports(name, False) for name in rects}
    routes, labelled = [], set()
    for number, (arrow, chain) in enumerate(zip(arrows, chains)):
        source, target = rects[arrow.source], rects[arrow.target]
        first, last = nodes[arrow.source].layer, nodes[arrow.target].layer
        start_y, end_y = leaving[arrow.source][number], entering[arrow.target][number]
        column_right = lefts[first] + widths[first]
        run = text_width(arrow.label, "label") + 2 * LABEL_PAD if arrow.label else 0.0
        at_target = _label_at_target(arrow, nodes)
        points = [(source.right, start_y)]
        if source.right < column_right or (run and not at_target):
            points.append((column_right + (0.0 if at_target else run), start_y))
        for name in chain[1:-1]:
            layer, y = nodes[name].layer, top + nodes[name].y
            points += [(lefts[layer], y), (lefts[layer] + widths[layer], y)]
        if target.x > lefts[last] or (run and at_target):
            points.append((lefts[last] - (run if at_target else 0.0), end_y))
        points.append((target.x, end_y))
        label_at = None
        shared = (arrow.target if at_target else arrow.source, arrow.label)  # one label where several say it
        if arrow.label and shared not in labelled:
            labelled.add(shared)
            label_at = (lefts[last] - run + LABEL_PAD if at_target else column_right + LABEL_PAD,
                        (end_y if at_target else start_y) - 3)
        routes.append(Route(arrow.source, arrow.target, arrow.label, tuple(points), label_at))
    return routes


def _label_at_target(arrow: Arrow, nodes: dict[str, _Node]) -> bool:
    """An arrow into an output (what the command writes) is labelled where it arrives, so the arrows that
    carry one result share one label; any other where it leaves (the stream an input hands on)."""
    return nodes[arrow.target].kind == "output"


def _layers(boxes: list[Box], arrows: list[Arrow]) -> list[int]:
    """Each box's layer: longest path from the inputs, outputs last, empty layers dropped."""
    kind = {box.id: box.kind for box in boxes}
    sources: dict[str, list[str]] = {box.id: [] for box in boxes}
    targets: dict[str, list[str]] = {box.id: [] for box in boxes}
    for arrow in arrows:
        sources[arrow.target].append(arrow.source)
        targets[arrow.source].append(arrow.target)
    waiting = {name: len(found) for name, found in sources.items()}
    order = [name for name in sources if not waiting[name]]
    for name in order:  # Kahn's topological order, argv order among the ready
        for target in targets[name]:
            waiting[target] -= 1
            if not waiting[target]:
                order.append(target)
    ordered = set(order)
    order += [name for name in sources if name not in ordered]  # a cycle (none in a filtergraph): argv order
    layer: dict[str, int] = {}
    for name in order:
        layer[name] = 0 if kind[name] == "input" else max((layer.get(s, 0) + 1 for s in sources[name]), default=1)
    last = max((layer[name] for name in order if kind[name] != "output"), default=0) + 1
    for name in order:
        if kind[name] == "output":
            layer[name] = last
    for name in reversed(order):  # a source filter (color, anullsrc) stands just left of what it feeds
        if kind[name] == "filter" and not sources[name] and targets[name]:
            layer[name] = max(1, min(layer[t] for t in targets[name]) - 1)
    used = sorted(set(layer.values()))
    return [used.index(layer[box.id]) for box in boxes]


def _order(columns: list[list[str]], up: dict[str, list[str]], down: dict[str, list[str]]) -> list[list[str]]:
    """Barycentre sweeps: each layer sorted by the mean position of its neighbours in the layer just swept."""
    position = {name: index for column in columns for index, name in enumerate(column)}
    best, fewest = [column[:] for column in columns], _crossings(columns, down, position)
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        near = up if downward else down
        for layer in range(1, len(columns)) if downward else range(len(columns) - 2, -1, -1):
            columns[layer].sort(key=lambda name, near=near: _barycentre(near[name], position, position[name]))
            position.update((name, index) for index, name in enumerate(columns[layer]))
        crossings = _crossings(columns, down, position)
        if crossings < fewest:
            best, fewest = [column[:] for column in columns], crossings
    return best


def _barycentre(neighbours: list[str], position: dict[str, int], alone: float) -> float:
    """The mean position of a node's neighbours in the layer just swept; where it has none, where it is."""
    return sum(position[n] for n in neighbours) / len(neighbours) if neighbours else alone


def _crossings(columns: list[list[str]], down: dict[str, list[str]], position: dict[str, int]) -> int:
    count = 0
    for column in columns:
        edges = [(position[a], position[b]) for a in column for b in down[a]]
        count += sum(1 for i, (a, b) in enumerate(edges) for c, d in edges[i + 1:] if (a - c) * (b - d) < 0)
    return count


def _place(columns: list[list[str]], nodes: dict[str, _Node], up: dict[str, list[str]],
           down: dict[str, list[str]]) -> None:
    """Heights near the mean of each node's neighbours, alternately those left and right of it."""
    def middle(name: str) -> float:
        return nodes[name].y + nodes[name].height / 2

    for column in columns:
        _fit(column, nodes, [0.0] * len(column))
    for sweep in range(2 * ROUNDS):
        near = up if sweep % 2 == 0 else down
        for column in columns if sweep % 2 == 0 else reversed(columns):
            wanted = [sum(map(middle, near[name])) / len(near[name]) if near[name] else middle(name)
                      for name in column]
            _fit(column, nodes, wanted)
    lowest = min((node.y for node in nodes.values()), default=0.0)
    for node in nodes.values():
        node.y -= lowest


def _fit(column: list[str], nodes: dict[str, _Node], wanted: list[float]) -> None:
    """Place a layer's nodes in their order, the gaps kept, as near their wanted middles as can be (least
    squares): pool-adjacent-violators on each node's height less the room the nodes above it need."""
    offsets, room = [], 0.0
    for index, name in enumerate(column):
        offsets.append(room)
        after = column[index + 1] if index + 1 < len(column) else None
        both_dummies = after is not None and nodes[name].kind == nodes[after].kind == "dummy"
        room += nodes[name].height + (LANE_GAP if both_dummies else NODE_GAP)
    blocks: list[list[float]] = []  # [weighted sum, weight, count]
    for name, offset, middle in zip(column, offsets, wanted):
        weight = 0.5 if nodes[name].kind == "dummy" else 1.0
        blocks.append([(middle - nodes[name].height / 2 - offset) * weight, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, weight, count = blocks.pop()
            blocks[-1] = [blocks[-1][0] + total, blocks[-1][1] + weight, blocks[-1][2] + count]
    index = 0
    for total, weight, count in blocks:
        for _ in range(int(count)):
            nodes[column[index]].y = total / weight + offsets[index]
            index += 1
