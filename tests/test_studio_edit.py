"""Setting values by looking, on the server: the text edits the studio's tools make, each a splice that keeps
the rest of the recipe as written, and the two endpoints in front of them (/api/cursor, /api/edit)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ffx
from conftest import FFMPEG, decode_frames, make_clip
from ffx.errors import FfxError
from ffx.media.probe import probe
from ffx.recipe.loading import load_recipe
from ffx.studio.looking import drag, keyframe, spot, trim_here
from ffx.studio.textedit import number
from fuzzing import FAST

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from ffx.studio.app import create_app  # noqa: E402
from ffx.studio.session import Studio  # noqa: E402
from test_studio_api import finished  # noqa: E402  (the studio tests' wait for a preview)

TOKEN, PORT = "secret-token", 8765


def steps(*lines: str, crlf: bool = False) -> str:
    text = "input: clip.mkv  # ünïcode 😀 first\nsteps:\n" + "".join(f"  {line}\n" for line in lines) + "output: o.mp4\n"
    return text.replace("\n", "\r\n") if crlf else text


def valid(text: str, tmp_path: Path) -> None:
    """The edited text is a recipe ffx reads without a problem (the overlay's stream is given a name)."""
    (tmp_path / "clip.mkv").touch()
    load_recipe(tmp_path / "r.yaml", text=text.replace("input: clip.mkv", "inputs: {main: clip.mkv, logo: clip.mkv}"))


DRAGS = [  # (steps before, step index, from, to, steps after)
    (["- crop: {x1: 1, x2: 9}   # the face"], 0, (10, 20), (110, 70),
     ["- crop: {x1: 10, y1: 20, width: 100, height: 50}   # the face"]),
    (["- crop:", "    width: 80  # wide", "    x_center: 50", "- reverse"], 0, (110, 70), (10, 20),  # dragged up-left
     ["- crop:", "    width: 100  # wide", "    x_center: 60", "    y1: 20", "    height: 50", "- reverse"]),
    (["- crop:", "    x2: 100  # right", "    y2: 50", "- reverse"], 0, (10, 20), (110, 70),
     ["- crop:", "    x1: 10", "    y1: 20", "    width: 100", "    height: 50", "- reverse"]),
    (["- crop:"], 0, (10, 20), (110, 70), ["- crop: {x1: 10, y1: 20, width: 100, height: 50}"]),
    (["- crop: auto  # the bars"], 0, (10, 20), (110, 70), ["- crop: {x1: 10, y1: 20, width: 100, height: 50}  # the bars"]),
    (["- blur"], 0, (10, 20), (110, 70), ["- blur: {region: {x1: 10, y1: 20, x2: 110, y2: 70}}"]),
    (["- blur: 4"], 0, (10, 20), (110, 70), ["- blur: {sigma: 4, region: {x1: 10, y1: 20, x2: 110, y2: 70}}"]),
    (["- blur: {sigma: 8, region: {width: 0.5, height: 0.5}}"], 0, (10, 20), (110, 70),
     ["- blur: {sigma: 8, region: {x1: 10, y1: 20, x2: 110, y2: 70}}"]),
    (["- freeze: {at: 1, region: {x1: 0.5}}"], 0, (10, 20), (110, 70),
     ["- freeze: {at: 1, region: {x1: 10, y1: 20, x2: 110, y2: 70}}"]),
    (["- effect: freeze", "  at: 1", "  p1: [0, 0]", "  p2: [5, 5]"], 0, (110, 20), (10, 70),  # the line drawn
     ["- effect: freeze", "  at: 1", "  p1: [110, 20]", "  p2: [10, 70]"]),
    (["- freeze: {at: 1, mask: logo}"], 0, (10, 20), (110, 70),
     ["- freeze: {at: 1, region: {x1: 10, y1: 20, x2: 110, y2: 70}}"]),
    (["- overlay: {with: logo, position: top_right, scale: 0.5}"], 0, (10, 20), (110, 70),
     ["- overlay: {with: logo, x: 10, y: 20, width: 100}"]),
    (["- overlay: {with: logo, width: 40}"], 0, (10, 20), (11, 21), ["- overlay: {with: logo, width: 40, x: 10, y: 20}"]),
    (["- text: {text: hi, position: bottom}"], 0, (10, 20), (110, 70), ["- text: {text: hi, position: [10, 20]}"]),
    (["- reverse", "- text: hi"], 1, (10, 20), (110, 70), ["- reverse", "- text: {text: hi, position: [10, 20]}"]),
]


@pytest.mark.parametrize("before, index, start, end, after", DRAGS)
@pytest.mark.parametrize("crlf", [False, True])
def test_a_drag_sets_the_step_and_leaves_the_rest_as_written(before, index, start, end, after, crlf, tmp_path):
    edited = drag(steps(*before, crlf=crlf), index, start, end)
    assert edited == steps(*after, crlf=crlf)
    valid(edited, tmp_path)


def test_a_drag_at_a_time_keys_the_options_that_move_and_sets_the_others(tmp_path):
    panning = steps("- crop: {x1: {0: 10, 2: 50, ease: in}, y1: 5, width: 40, height: 30}")
    edited = drag(panning, 0, (20, 8), (60, 38), seconds=1.0)
    assert edited == steps("- crop: {x1: {0: 10, 1: 20, 2: 50, ease: in}, y1: 8, width: 40, height: 30}")
    edited = drag(edited, 0, (70, 8), (110, 38), seconds=2.0004)  # the key at 2 s moves
    assert edited == steps("- crop: {x1: {0: 10, 1: 20, 2: 70, ease: in}, y1: 8, width: 40, height: 30}")
    valid(edited, tmp_path)
    sliding = steps("- overlay:", "    with: logo", "    x: {0: 0, 3: 300}", "    y: 4")
    assert drag(sliding, 0, (120, 40), (121, 41), seconds=1.5) == \
        steps("- overlay:", "    with: logo", "    x: {0: 0, 1.5: 120, 3: 300}", "    y: 40")


def test_a_texts_position_moves_as_a_pair(tmp_path):
    text = steps("- text: {text: hi, position: [10, 20]}")
    text = keyframe(text, 0, "position", 1.5)
    assert text == steps("- text: {text: hi, position: [{0: 10, 1.5: 10}, {0: 20, 1.5: 20}]}")
    text = drag(text, 0, (40, 50), (41, 51), seconds=3)  # a click at 3 s: where the text is then
    text = keyframe(text, 0, "position", 2.25)  # on the curve between 1.5 s and 3 s
    assert text == steps("- text: {text: hi, position: [{0: 10, 1.5: 10, 2.25: 25, 3: 40}, "
                         "{0: 20, 1.5: 20, 2.25: 35, 3: 50}]}")
    valid(text, tmp_path)
    assert spot(text, text.index("position")).moves


def test_a_drag_on_a_step_list_written_in_one_line():
    text = "input: clip.mkv\nsteps: [reverse, blur]  # two\n"
    assert drag(text, 1, (1, 2), (30, 40)) == \
        "input: clip.mkv\nsteps: [reverse, {blur: {region: {x1: 1, y1: 2, x2: 30, y2: 40}}}]  # two\n"


@pytest.mark.parametrize("before, index, message", [
    (["- resize: 0.5"], 0, "resize has no region or position to drag"),
    (["- crop: {x1: 4}"], 3, "the recipe has 1 steps; there is no step 3"),
])
def test_a_drag_where_it_sets_nothing_is_one_line(before, index, message):
    with pytest.raises(FfxError, match=message):
        drag(steps(*before), index, (1, 1), (50, 50))
    with pytest.raises(FfxError, match="drag a rectangle across the picture"):
        drag(steps("- crop: {x1: 4}"), 0, (10, 10), (12, 40))


TRIMS = [  # (steps before, step index at the cursor or None, which, seconds, steps after)
    (["- trim: {start: 1, end: 3}"], 0, "start", 1.5, ["- trim: {start: 1.5, end: 3}"]),
    (["- trim: {start: 1, duration: 2}"], 0, "end", 2.75, ["- trim: {start: 1, end: 2.75}"]),
    (["- trim: {start: 1, duration: 2}"], 0, "start", 1.5, ["- trim: {start: 1.5, end: 3}"]),  # the end stays
    (["- trim", "- reverse"], 0, "end", 0.8, ["- trim: {end: 0.8}", "- reverse"]),
    (["- reverse", "- black_white  # grey"], 1, "start", 0.4,
     ["- reverse", "- trim: {start: 0.4}", "- black_white  # grey"]),
    (["- reverse"], None, "end", 1.2000001, ["- reverse", "- trim: {end: 1.2}"]),
    (["- text: {text: hi}", "- overlay: {with: logo, end: 3}"], 1, "start", 0.5,  # a span of its own: set
     ["- text: {text: hi}", "- overlay: {with: logo, end: 3, start: 0.5}"]),
    (["- text:", "    text: hi", "    start: 1"], 0, "end", 2.5, ["- text:", "    text: hi", "    start: 1", "    end: 2.5"]),
]


@pytest.mark.parametrize("before, index, which, seconds, after", TRIMS)
def test_start_and_end_here_set_a_trim_or_add_one_before_the_step(before, index, which, seconds, after, tmp_path):
    edited = trim_here(steps(*before), index, which, seconds)
    assert edited == steps(*after)
    valid(edited, tmp_path)


@pytest.mark.parametrize("text, after", [
    ("input: clip.mkv\n", "input: clip.mkv\nsteps: [{trim: {start: 0.5}}]\n"),
    ("input: clip.mkv\nsteps: []\n", "input: clip.mkv\nsteps: [{trim: {start: 0.5}}]\n"),
    ("input: clip.mkv\nsteps:\n", "input: clip.mkv\nsteps: [{trim: {start: 0.5}}]\n"),
    ("input: clip.mkv\nsteps: [reverse]\n", "input: clip.mkv\nsteps: [reverse, {trim: {start: 0.5}}]\n"),
])
def test_a_trim_is_added_to_a_recipe_with_no_steps_or_a_one_line_list(text, after):
    assert trim_here(text, None, "start", 0.5) == after


KEYFRAMES = [  # (steps before, field, seconds, steps after)
    (["- overlay: {with: logo, x: 100, y: 20}  # the logo"], "x", 2.4,
     ["- overlay: {with: logo, x: {0: 100, 2.4: 100}, y: 20}  # the logo"]),
    (["- overlay: {with: logo, x: 100}"], "x", 0, ["- overlay: {with: logo, x: {0: 100}}"]),
    (["- overlay: {with: logo, x: {0: 0, 2: 200}}"], "x", 1, ["- overlay: {with: logo, x: {0: 0, 1: 100, 2: 200}}"]),
    (["- overlay: {with: logo, x: {0: 0, 2: 200, ease: in_out}}"], "x", 3,
     ["- overlay: {with: logo, x: {0: 0, 2: 200, 3: 200, ease: in_out}}"]),
    (["- overlay: {with: logo, x: {0: 0, 2: 200, ease: in_out}}"], "x", 0.5,  # on the eased curve: 200 * 0.15625
     ["- overlay: {with: logo, x: {0: 0, 0.5: 31.25, 2: 200, ease: in_out}}"]),
    (["- overlay: {with: logo, x: {0: [0, in], \"0:02\": 200}}"], "x", 1,
     ["- overlay: {with: logo, x: {0: [0, in], 1: 50, \"0:02\": 200}}"]),
    (["- overlay: {with: logo, x: {0: 0, 2: 200}}"], "x", 2.0004, ["- overlay: {with: logo, x: {0: 0, 2: 200}}"]),
    (["- crop: {x1: 10, x2: 90}"], "x1", 0.04, ["- crop: {x1: {0: 10, 0.04: 10}, x2: 90}"]),
    (["- overlay:", "    with: logo", "    opacity:  # fades", "      0: 0", "      2: 1", "    y: 5"], "opacity", 0.5,
     ["- overlay:", "    with: logo", "    opacity:  # fades", "      0: 0", "      0.5: 0.25", "      2: 1", "    y: 5"]),
    (["- overlay:", "    with: logo", "    y: 5"], "y", 1.25,
     ["- overlay:", "    with: logo", "    y: {0: 5, 1.25: 5}"]),
]


@pytest.mark.parametrize("before, field, seconds, after", KEYFRAMES)
def test_a_keyframe_at_the_players_time(before, field, seconds, after, tmp_path):
    edited = keyframe(steps(*before), 0, field, seconds)
    assert edited == steps(*after)
    valid(edited, tmp_path)


@pytest.mark.parametrize("step, field, message", [
    ("- overlay: {with: logo, x: 1}", "with",
     r"steps\[0\].overlay.with: with cannot move; the overlay options that can: x, y, opacity, scale"),
    ("- trim: {start: 1}", "start", r"steps\[0\].trim.start: start cannot move; no option of trim takes keyframes"),
    ("- overlay: {with: logo, x: \"${left}\"}", "x", r"'\$\{left\}' is not a number; keyframes move numbers"),
    ("- overlay: {with: logo}", "x", r"steps\[0\].overlay.x: is not written in the step; write x: a number"),
    ("- overlay: {with: logo, x: {0: 1, 1: a}}", "x", r"steps\[0\].overlay.x: keyframe '1': 'a' is not a number"),
])
def test_a_keyframe_only_where_a_number_can_move(step, field, message):
    with pytest.raises(FfxError, match=message):
        keyframe(steps(step), 0, field, 1.0)


def test_the_cursor_is_in_a_step_and_on_an_option():
    text = steps("- resize: 0.5", "- overlay:", "    with: logo", "    x: 100  # px", "- blur")
    lines = text.split("\n")

    def at(line: int, column: int = 0):
        found = spot(text, sum(len(x) + 1 for x in lines[:line]) + column)
        return found.step, found.effect, found.field, found.rectangle

    assert at(0) == (None, None, None, None) and at(1, 3) == (None, None, None, None)
    assert at(2, 0) == (0, "resize", None, None) and at(2, 12) == (0, "resize", None, None)
    assert at(3, 4) == (1, "overlay", None, "position")
    assert at(4, 0) == (1, "overlay", "with", "position") and at(5, 11) == (1, "overlay", "x", "position")
    assert at(5, 0) == (1, "overlay", "x", "position")  # in the indentation before the option
    assert at(6, 3) == (2, "blur", None, "region") and spot(text, 0).steps == 3
    flow = "steps: [{overlay: {with: logo, x: 100, y: 4}}]\n"
    assert spot(flow, flow.index("100")).field == "x" and spot(flow, flow.index(" y:") + 4).field == "y"
    assert spot(flow, flow.index("100")).moves and not spot(flow, flow.index("logo")).moves


# --- the endpoints ---------------------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path):
    make_clip(tmp_path / "clip.mkv", duration=1.0, size="320x180", audio=None)
    studio = Studio(tmp_path)
    with TestClient(create_app(studio, TOKEN, PORT), base_url=f"http://127.0.0.1:{PORT}",
                    headers={"X-Ffx-Token": TOKEN}) as client:
        client.studio, client.folder = studio, tmp_path
        yield client
    studio.close()


LOOKED = """\
input: clip.mkv   # 320x180
steps:
  - resize: {width: 160}  # half: the crop sees 160x90
  - crop: {x1: 0}
output: {path: out.mkv, codec: ffv1}
"""


def test_a_look_at_a_step_is_the_recipe_cut_before_it_at_the_steps_size(client):
    job = finished(client, client.post("/api/preview", json={"text": LOOKED, "upto": 1}).json())
    assert job["state"] == "done" and (job["upto"], job["whole"], job["size"], job["at"]) == (1, False, "160x90", 0.0)
    whole = finished(client, client.post("/api/preview", json={"text": LOOKED, "at": 0.2}).json())
    assert (whole["upto"], whole["whole"], whole["size"], whole["at"]) == (2, True, "160x90", 0.2)
    answer = client.post("/api/preview", json={"text": LOOKED, "upto": 3})
    assert answer.status_code == 422 and "cannot be cut before step 3" in answer.json()["problems"][0]["text"]
    assert client.post("/api/preview", json={"text": LOOKED, "upto": -1}).status_code == 422


def test_a_look_before_an_overlay_leaves_out_the_inputs_only_later_steps_read(client):
    text = ("inputs: {main: clip.mkv, logo: clip.mkv, wipe: clip.mkv}\nsteps:\n  - blend: {with: wipe}\n"
            "  - overlay: {with: logo, x: 8, width: 16}\noutput: out.mp4\n")
    for upto, size in ((0, "320x180"), (1, "320x180"), (2, "320x180")):
        job = finished(client, client.post("/api/preview", json={"text": text, "upto": upto, "seconds": 0.2}).json())
        assert job["state"] == "done" and (job["upto"], job["size"]) == (upto, size), job


def test_a_drag_through_the_endpoint_crops_the_render_where_dragged(client):
    """The page sends the drag in the looked step's pixels; the render keeps exactly that rectangle."""
    offset = len(LOOKED[:LOOKED.index("- crop") + 2].encode("utf-16-le")) // 2
    where = client.post("/api/cursor", json={"text": LOOKED, "offset": offset}).json()
    assert where == {"ok": True, "steps": 2, "step": 1, "effect": "crop", "field": None, "rectangle": "edges",
                     "moves": False, "span": False}
    answer = client.post("/api/edit", json={"text": LOOKED, "offset": offset, "action": "drag",
                                            "from": [100, 60], "to": [20, 10]}).json()
    assert answer["ok"] and answer["text"] == LOOKED.replace("{x1: 0}", "{x1: 20, y1: 10, width: 80, height: 50}")
    assert answer["text"][answer["offset"]:].startswith("crop") and answer["spot"]["step"] == 1
    assert client.post("/api/validate", json={"text": answer["text"]}).json()["ok"]
    folder = client.folder
    (folder / "r.yaml").write_text(answer["text"])
    ffx.render(str(folder / "r.yaml"), overwrite=True)
    (folder / "half.yaml").write_text("input: clip.mkv\nsteps: [{resize: {width: 160}}]\noutput: {path: half.mkv, codec: ffv1}\n")
    ffx.render(str(folder / "half.yaml"), overwrite=True)
    assert probe(str(folder / "out.mkv"), FFMPEG).size == "80x50"
    got, half = decode_frames(folder / "out.mkv"), decode_frames(folder / "half.mkv")
    assert (got == half[:, 10:60, 20:100]).all()


@pytest.mark.parametrize("step, at, drawn", [
    ("- crop: {x1: 10, y1: 20, width: 100, height: 50}", 0, {"rect": [10, 20, 110, 70]}),
    ("- crop: {x1: {0: 0, 2: 200}, y1: 0.5, width: 100, height: 0.25}", 1, {"rect": [100, 90, 200, 135]}),
    ("- crop: {x1: {0: 0, 2: 200, ease: in_out}, width: 100}", 0.5, {"rect": [31, 0, 131, 180]}),
    ("- blur: {region: {x2: 0.5, y1: 0.5}}", 0, {"rect": [0, 90, 160, 180]}),
    ("- freeze: {p1: [0.5, 0], p2: [0.5, 1.0]}", 0, {"line": [[160, 0], [160, 180]]}),
    ("- overlay: {with: logo, x: {0: 0, 2: 200}, y: 7}", 1.5, {"point": [150, 7]}),
    ("- text: {text: hi, position: [{0: 0, 1: 30}, 40]}", 2, {"point": [30, 40]}),
    ("- overlay: {with: logo, position: center}", 0, None),
    ("- crop: {x1: 10, width: '${w}'}", 0, None),
    ("- crop: {x1: 300, width: 100}", 0, None),  # outside the frame: validate says so
])
def test_the_cursor_answer_draws_the_steps_shape_at_the_players_time(client, step, at, drawn):
    text = steps(step)
    answer = client.post("/api/cursor", json={"text": text, "offset": text.index(step) + 3, "size": "320x180",
                                              "at": at}).json()
    assert answer["step"] == 0 and answer["shape"] == drawn
    assert "shape" not in client.post("/api/cursor", json={"text": text, "offset": text.index(step)}).json()


def test_the_endpoints_answer_mistakes_in_one_line(client):
    assert client.post("/api/cursor", json={"text": "a: [", "offset": 1}).json()["ok"] is False
    for path in ("/api/validate", "/api/compile", "/api/save", "/api/preview", "/api/cursor", "/api/edit"):
        for body in ({"text": "# \ud800\n" + LOOKED, "offset": 60}, {"text": LOOKED, "name": "\udfff.yaml"},
                     {"text": LOOKED, "input": "a\ud800.mkv"}):  # JSON may carry it; no file holds it
            lone = client.post(path, content=json.dumps(body))
            assert lone.status_code == 400 and lone.json()["problems"][0]["text"] == \
                "the request holds a lone surrogate (\\ud800 to \\udfff), which is not text"
    assert client.post("/api/cursor", content=json.dumps({"text": "# 😀\n" + LOOKED, "offset": 60})).json()["ok"]
    for body, status, message in [
        ({"text": LOOKED, "offset": 10, "action": "drag", "from": [1, 1], "to": [9, 9]}, 422, "put the cursor in"),
        ({"text": LOOKED, "offset": 100, "action": "rotate"}, 422, "action is one of drag, start, end, keyframe"),
        ({"text": LOOKED, "offset": -1, "action": "start", "at": 1}, 422, "offset is where the cursor is"),
        ({"text": LOOKED, "offset": 0, "action": "start", "at": float("1e300")}, 422, "at is the player's time"),
        ({"text": LOOKED, "offset": 80, "action": "drag", "from": [1], "to": [9, 9]}, 422, "from is a point [x, y]"),
        ({"text": LOOKED, "offset": 0, "action": "keyframe", "at": 1}, 422, "put the cursor on the option"),
        ({"text": "x" * ((1 << 20) + 1), "offset": 0, "action": "start", "at": 1}, 422, "larger than 1 MiB"),
        ({"text": 5}, 422, "send a JSON object with the recipe as text"),
    ]:
        answer = client.post("/api/edit", content=json.dumps(body))  # escaped: a lone surrogate too
        assert answer.status_code == status, (body, answer.text)
        [problem] = answer.json()["problems"]
        assert message in problem["text"] and "\n" not in problem["text"]
    assert client.post("/api/edit", headers={"X-Ffx-Token": "wrong"}, json={"text": LOOKED}).status_code == 403
    for path in ("/api/cursor", "/api/edit"):
        for body, status in [(b"[" * 100_000 + b"]" * 100_000, 400), (b"x" * ((4 << 20) + 1), 413), (b"{", 400)]:
            answer = client.post(path, content=body, headers={"content-type": "application/json"})
            assert answer.status_code == status and "\n" not in answer.json()["problems"][0]["text"]


# --- any cursor, any tool: the rest of the recipe stays as written --------------------------------------

STEP_FORMS = ["- crop: {x1: 1, x2: 9}  # c", "- crop:\n    width: 10\n    height: 5", "- blur", "- blur: 4",
              "- overlay: {with: logo, x: 3, y: 4}", "- overlay:\n    with: logo\n    x: {0: 0, 2: 9}\n    y: 1",
              "- text: hi", "- trim: {start: 1, duration: 2}", "- reverse",
              "- effect: freeze\n  at: 1\n  p1: [0, 0]\n  p2: [4, 4]", "- freeze: {region: {width: 0.5, height: 0.5}}"]


@FAST
@given(forms=st.lists(st.sampled_from(STEP_FORMS), min_size=1, max_size=5), where=st.floats(0, 1),
       action=st.sampled_from(["drag", "start", "end", "keyframe"]), at=st.floats(0, 10),
       start=st.tuples(st.integers(0, 400), st.integers(0, 400)), end=st.tuples(st.integers(0, 400), st.integers(0, 400)),
       crlf=st.booleans())
def test_any_tool_at_any_cursor_changes_only_its_step(forms, where, action, at, start, end, crlf):
    from ffx.studio.tools import cursor_answer, edit_answer
    from ffx.syntax.yamlsource import load_yaml

    text = "# head 😀\ninput: clip.mkv\nsteps:\n" + "".join(
        "".join(f"  {line}\n" for line in form.split("\n")) for form in forms) + "output: o.mp4  # tail\n"
    text = text.replace("\n", "\r\n") if crlf else text
    offset = int(where * len(text))  # in UTF-16 units, as the page counts: the 😀 is two
    try:
        answer = edit_answer({"text": text, "offset": offset, "action": action, "at": at, "from": list(start),
                              "to": list(end)})
    except FfxError as exc:  # a refusal is one line
        assert "\n" not in str(exc)
        return
    before, after = load_yaml(text).data, load_yaml(answer["text"]).data
    assert answer["text"].startswith("# head 😀") and "output: o.mp4  # tail" in answer["text"]
    units = answer["text"].encode("utf-16-le")[:2 * answer["offset"]]  # where the page's cursor goes
    assert spot(answer["text"], len(units.decode("utf-16-le"))).as_json() == answer["spot"]
    offset = len(text.encode("utf-16-le")[:2 * offset].decode("utf-16-le", "ignore"))
    assert {k: v for k, v in before.items() if k != "steps"} == {k: v for k, v in after.items() if k != "steps"}
    old, new = before["steps"], after["steps"]
    step = spot(text, offset).step
    if len(new) == len(old) + 1:  # a trim was added before the cursor's step, or after the last
        added = len(old) if step is None else step
        assert action in ("start", "end") and new[added] == {"trim": {action: float(number(at))}}
        del new[added]
        assert new == old
    else:
        assert len(new) == len(old) and step is not None
        assert [s for i, s in enumerate(new) if i != step] == [s for i, s in enumerate(old) if i != step]
    assert ("\r\n" in answer["text"]) == crlf and ("\n" not in answer["text"].replace("\r\n", "")) == crlf
    drawn = cursor_answer({"text": answer["text"], "offset": answer["offset"], "size": "400x300", "at": at})["shape"]
    if drawn and "rect" in drawn:  # a rectangle drawn is one that fits the frame
        x1, y1, x2, y2 = drawn["rect"]
        assert 0 <= x1 < x2 <= 400 and 0 <= y1 < y2 <= 300
