"""`ffx graph`: every shipped recipe drawn as SVG, DOT and Mermaid, with one node per filter and its step."""

import xml.etree.ElementTree as ET

import pytest
from conftest import decode_frames
from effect_examples import NAMES, example_recipe
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cli import RECIPES, ffx, shipped_recipe_args

import ffx as api
from ffx.filtergraph.text import parse_filtergraph
from ffx.view.layout import Rect, lay_out
from ffx.view.picture import Arrow, Box, Picture, picture_of
from ffx.view.svg import to_svg
from ffx.view.text_formats import to_dot, to_mermaid

SVG = "{http://www.w3.org/2000/svg}"


def filtergraph_of(argv) -> list:
    argv = list(argv)
    return parse_filtergraph(argv[argv.index("-filter_complex") + 1]) if "-filter_complex" in argv else []


def svg_nodes(root, kind: str) -> list:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == f"node {kind}"]


def node_text(node) -> list[str]:
    return [t.text or "" for t in node.iter(f"{SVG}text")]


@pytest.mark.parametrize("name", sorted(p.stem for p in RECIPES.glob("*.yaml")))
def test_every_shipped_recipe_draws_one_node_per_filter_with_its_step(tmp_path, clip, name):
    out = tmp_path / "graph.svg"
    own_input = name in ("demo", "lecture-cut")  # the test clip has no pause to cut: the recipe's own talk has
    args = [] if own_input else shipped_recipe_args(name, clip)
    result = ffx("graph", str(RECIPES / f"{name}.yaml"), "-o", str(out), *args)
    assert result.exit_code == 0, result.output
    root = ET.parse(out).getroot()
    plan = api.compile_recipe(RECIPES / f"{name}.yaml", inputs=None if own_input else [str(clip)],
                              variables={"subs": str(RECIPES / "captions.srt")} if name == "subtitles" else None)
    filters = [f for stage in plan.stages for f in filtergraph_of(stage.args)]
    drawn = svg_nodes(root, "filter")
    assert len(drawn) == len(filters) > 0
    assert [node_text(n)[0] for n in drawn] == [f.name for f in filters]
    drawn_text = {line for n in drawn for line in node_text(n)}
    steps = {step for stage in plan.stages for _, step in stage.filter_steps if step}
    assert steps and steps <= drawn_text
    assert len(svg_nodes(root, "output")) == len(plan.stages)
    # the result's size and duration label the arrow into the output
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("fill") == "#335"]
    assert any(f"{plan.result.duration:.2f} s" in label for label in labels), labels

    picture = picture_of(plan)
    dot, mermaid = to_dot(picture), to_mermaid(picture)
    for box in picture.filters():
        assert f"{box.id} [shape=box" in dot and f'{box.id}["' in mermaid
    assert dot.count("[shape=box") == len(filters)


def test_a_two_pass_gif_is_two_clusters_joined_by_its_palette_file(clip):
    plan = api.compile_recipe(RECIPES / "gif.yaml", inputs=[str(clip)], max_memory="66M")
    assert len(plan.stages) == 2
    picture = picture_of(plan)
    assert picture.clusters == ["pass 1", "pass 2"]
    joins = [a for a in picture.arrows if a.label == "file"]
    assert [(a.source, a.target) for a in joins] == [("c0_out", "c1_in1")]
    assert ET.fromstring(to_svg(picture)).tag == f"{SVG}svg"


def test_stabilize_lanes_are_clusters_that_feed_the_final_command(tmp_path, clip):
    recipe = tmp_path / "stab.yaml"
    recipe.write_text("steps:\n  - stabilize: {}\noutput: o.mp4\n")
    picture = picture_of(api.compile_recipe(recipe, inputs=[str(clip)]))
    assert picture.clusters[-1] == "final command" and len(picture.clusters) == 3
    assert {b.lines[0] for b in picture.filters()} >= {"vidstabdetect", "vidstabtransform"}
    assert any(a.label == "pipe" for a in picture.arrows)


HOSTILE = "it's <b>\"5 & 6\"</b>; [x], a:b\nnext line"


def test_hostile_text_stays_escaped_in_svg_dot_and_mermaid(tmp_path, clip):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("steps:\n  - text: {text: %s}\noutput: o.mp4\n" % __import__("json").dumps(HOSTILE))
    plan = api.compile_recipe(recipe, inputs=[str(clip)])
    picture = picture_of(plan)
    svg = to_svg(picture)
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "&amp;" in svg
    root = ET.fromstring(svg)
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert any(t.startswith("text=it's <b>\"5 & 6\"</b>; [x]") for t in texts), texts  # read back as written
    assert not any(el.tag.endswith("b") for el in root.iter())
    mermaid = to_mermaid(picture)
    assert "<b>" not in mermaid and "#60;b#62;" in mermaid and "\"5" not in mermaid
    dot = to_dot(picture)
    assert '\\"5 & 6\\"' in dot and "\nnext line" not in dot
    whole = Picture(["a <title> & \"more\""], [Box("b0", [HOSTILE], "filter", 0)])
    root = ET.fromstring(to_svg(whole))
    assert [t.text for t in root.iter(f"{SVG}text")] == ['a <title> & "more"', HOSTILE]  # newline kept as &#10;
    assert "\nnext line" not in to_dot(whole) and "\nnext line" not in to_mermaid(whole)


def test_parse_filtergraph_reads_escapes_chains_and_labels():
    chains = parse_filtergraph(r"[0:v:0]drawtext=text=\'a\\\\\'\\\\\'\'\,b\'[s0];[s0][1:v:0]overlay[s1];"
                               r"scale=w=2:h=2,hflip")
    assert [f.name for f in chains] == ["drawtext", "overlay", "scale", "hflip"]
    assert chains[1].inputs == ["s0", "1:v:0"] and chains[1].outputs == ["s1"]
    assert chains[3].inputs == chains[2].outputs  # a "," chain is linked
    assert chains[2].options == [("w", "2"), ("h", "2")]


@pytest.mark.parametrize("name", ["g.jpg", "g.txt", "noext"])
def test_an_unknown_picture_format_is_one_line_naming_the_formats(tmp_path, clip, name):
    result = ffx("graph", str(RECIPES / "reverse.yaml"), "-i", str(clip), "-o", str(tmp_path / name))
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert ".svg, .dot, .mmd, .png" in line
    assert not (tmp_path / name).exists()


def test_png_is_drawn_by_the_bundled_ffmpeg(tmp_path, clip):
    out = tmp_path / "graph.png"
    result = ffx("graph", str(RECIPES / "reverse.yaml"), "-i", str(clip), "-o", str(out))
    assert result.exit_code == 0, result.output
    frames = decode_frames(out)
    assert frames.shape[0] == 1 and frames.shape[1] > 50 and frames.shape[2] > 200
    assert frames.min() < 100 < frames.max()  # dark text and lines on white


def test_a_simple_filter_chain_reads_the_first_input_and_a_command_without_filters_copies_it():
    from ffx.view.picture import _add_command, _argv_command

    chain = Picture()
    _add_command(chain, _argv_command(["-i", "file:a.mkv", "-af", "volume=2,aresample=48000", "file:b.mkv"]), "x")
    assert [(a.source, a.target, a.label) for a in chain.arrows] == [
        ("c0_in0", "c0_f0", "0:a:0"), ("c0_f0", "c0_f1", ""), ("c0_f1", "c0_out", "")]
    copy = Picture()
    _add_command(copy, _argv_command(["-i", "file:a.mkv", "-c", "copy", "file:b.mkv"]), "x")
    assert [(a.source, a.target) for a in copy.arrows] == [("c0_in0", "c0_out")]


def segment_enters(start, end, rect, inset: float = 0.5) -> bool:
    """Whether the segment passes through the rectangle's inside (its border shrunk by ``inset``): the
    segment clipped to the rectangle's slabs (Liang-Barsky) keeps a piece."""
    (x0, y0), (x1, y1) = start, end
    low, high = 0.0, 1.0
    for delta, offset, near, far in ((x1 - x0, x0, rect.x + inset, rect.right - inset),
                                     (y1 - y0, y0, rect.y + inset, rect.bottom - inset)):
        if delta == 0:
            if not near < offset < far:
                return False
            continue
        t0, t1 = sorted(((near - offset) / delta, (far - offset) / delta))
        low, high = max(low, t0), min(high, t1)
    return low < high


def test_segment_enters_a_box_only_through_its_inside():
    box = Rect(10, 10, 20, 10)
    assert segment_enters((0, 15), (40, 15), box) and segment_enters((0, 0), (40, 30), box)
    assert not segment_enters((0, 10), (40, 10), box)  # along the border
    assert not segment_enters((0, 0), (9, 30), box) and not segment_enters((30, 15), (40, 15), box)


def layout_problems(picture: Picture) -> list[str]:
    """What makes a laid-out picture hard to follow: an arrow through a box it does not connect, boxes
    overlapping, an input not left of every other box of its command or an output not right of them."""
    layout = lay_out(picture)
    problems = []
    for route in layout.routes:
        assert route.points[0][0] >= layout.boxes[route.source].x and \
            route.points[-1][0] == layout.boxes[route.target].x  # it leaves its source and arrives at its target
        for box_id, rect in layout.boxes.items():
            if box_id in (route.source, route.target):
                continue
            if any(segment_enters(a, b, rect) for a, b in zip(route.points, route.points[1:])):
                problems.append(f"{route.source} -> {route.target} runs through {box_id}")
    placed = [(box, layout.boxes[box.id]) for box in picture.boxes]
    for index, (one, a) in enumerate(placed):
        for other, b in placed[index + 1:]:
            if a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom:
                problems.append(f"{one.id} overlaps {other.id}")
    for cluster in range(len(picture.clusters)):
        mine = [(box, rect) for box, rect in placed if box.cluster == cluster]
        for kind, outside in (("input", lambda r, others: r.right < min(o.x for o in others)),
                              ("output", lambda r, others: r.x > max(o.right for o in others))):
            others = [rect for box, rect in mine if box.kind != kind]
            for box, rect in mine:
                if box.kind == kind and others and not outside(rect, others):
                    problems.append(f"{box.id} is not {'left' if kind == 'input' else 'right'} of the others")
    return problems


@pytest.mark.parametrize("name", sorted(p.stem for p in RECIPES.glob("*.yaml")))
def test_a_shipped_recipes_arrows_pass_no_box_and_it_flows_from_inputs_on_the_left(clip, name):
    plan = api.compile_recipe(RECIPES / f"{name}.yaml", inputs=None if name == "demo" else [str(clip)],
                              variables={"subs": str(RECIPES / "captions.srt")} if name == "subtitles" else None)
    picture = picture_of(plan)
    assert picture.arrows and not layout_problems(picture), layout_problems(picture)


@pytest.mark.parametrize("name", NAMES)
def test_an_effect_examples_arrows_pass_no_box_and_it_flows_from_inputs_on_the_left(name, monkeypatch):
    monkeypatch.chdir(RECIPES)  # where the files examples name are
    plan = api.compile_recipe(example_recipe(name, {"path": "out.mkv", "codec": "ffv1", "audio_codec": "pcm_s16le"}))
    picture = picture_of(plan)
    assert picture.arrows and not layout_problems(picture), layout_problems(picture)


def test_a_gap_spanning_arrow_goes_around_the_boxes_between():
    """The boomerang's shape: a split whose first branch passes two filters and whose second joins the
    concat directly; the direct arrow must bend around the branch, not run through it."""
    boxes = [Box("in", ["input 0"], "input", 0), Box("split", ["split"], "filter", 0),
             Box("a", ["reverse"], "filter", 0), Box("b", ["setpts"], "filter", 0),
             Box("concat", ["concat"], "filter", 0), Box("out", ["output"], "output", 0)]
    arrows = [Arrow("in", "split"), Arrow("split", "a"), Arrow("a", "b"), Arrow("b", "concat"),
              Arrow("split", "concat"), Arrow("concat", "out", "2.00 s")]
    picture = Picture(["command"], boxes, arrows)
    assert not layout_problems(picture)
    layout = lay_out(picture)
    direct = next(r for r in layout.routes if (r.source, r.target) == ("split", "concat"))
    assert len(direct.points) > 2  # it bends through the gaps
    assert [layout.boxes[b].x for b in ("in", "split", "a", "b", "concat", "out")] == \
        sorted(layout.boxes[b].x for b in ("in", "split", "a", "b", "concat", "out"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 99), min_size=0, max_size=3), min_size=1, max_size=25),
       st.integers(1, 3), st.lists(st.integers(0, 99), min_size=1, max_size=3))
def test_any_filtergraph_is_laid_out_with_no_arrow_through_a_box(reads, inputs, written):
    """Random graphs: each filter reads up to three earlier boxes (inputs or filters), the output some."""
    boxes = [Box(f"in{n}", [f"input {n}", "clip.mkv"], "input", 0) for n in range(inputs)]
    arrows = []
    for index, sources in enumerate(reads):
        earlier = [box.id for box in boxes]
        boxes.append(Box(f"f{index}", [f"filter{index}", "x=" + "1" * (index % 7)], "filter", 0))
        arrows += [Arrow(earlier[s % len(earlier)], boxes[-1].id, "0:v:0" if s % 5 == 0 else "") for s in sources]
    earlier = [box.id for box in boxes]
    boxes.append(Box("out", ["output", "o.mkv"], "output", 0))
    arrows += [Arrow(earlier[s % len(earlier)], "out", "2.00 s") for s in written]
    picture = Picture(["command"], boxes, arrows)
    assert not layout_problems(picture), layout_problems(picture)
    assert ET.fromstring(to_svg(picture)).tag == f"{SVG}svg"
