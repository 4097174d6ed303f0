"""Setting values by looking, in a real browser (the system's Chromium, headless, driven by Playwright).

The page looks at a step (the recipe cut before it), a rectangle is dragged on its frame with the browser's
mouse, the player is seeked and its time put into a keyframe and a trim. The recipe's text must then hold
the numbers in the pixels the step sees (the preview is shown scaled: 640 pixels across in 480), validate
must pass, and a render of the text must crop and blur exactly where the mouse went. Without
/usr/bin/chromium the test is skipped, unless FFX_REQUIRE_BROWSER=1 makes that a failure.
FFX_STUDIO_SCREENSHOTS=docs writes the page's picture for the README.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import decode_frames, make_clip
from test_studio_browser import _browser_or_skip, studio_page

RECIPE = """\
# The crop and the blur are set by dragging on the frames they receive.
input: clip.mkv
steps:
  - resize: {width: 640}  # the steps after it see 640x360
  - crop: {x2: 320, y2: 180}
  - blur: {sigma: 12}
output: {path: out.mkv, codec: ffv1, pix_fmt: yuv444p}
"""
CROP = re.compile(r"- crop: \{x1: \{0: (\d+), 0\.8: (\d+)\}, y1: (\d+), width: (\d+), height: (\d+)\}\n")
BLUR = re.compile(r"- blur: \{sigma: 12, region: \{x1: (\d+), y1: (\d+), x2: (\d+), y2: (\d+)\}\}\n")


@pytest.fixture
def folder(tmp_path: Path):
    pytest.importorskip("starlette")
    make_clip(tmp_path / "clip.mkv", duration=2.0, size="320x180", pix_fmt="yuv444p", audio=None)
    (tmp_path / "looked.yaml").write_text(RECIPE)
    return tmp_path


def _cursor_at(page, word: str, expected: str) -> None:
    """The editor's cursor on the last character of ``word`` (its first place in the text), then the page's own answer
    to where it is (``step:option``) awaited."""
    page.evaluate("""(word) => {
        const editor = document.getElementById("recipe");
        const at = editor.value.indexOf(word) + word.length - 1;
        editor.focus();
        editor.setSelectionRange(at, at);
        editor.dispatchEvent(new KeyboardEvent("keyup"));
    }""", word)
    page.wait_for_function("(expected) => document.body.dataset.spot === expected", arg=expected)


def _look(page, step: int) -> None:
    before = page.evaluate("() => document.body.dataset.preview || ''")
    page.click("#look")
    page.wait_for_function("""([step, before]) => {
        const video = document.getElementById("video");
        return document.body.dataset.preview !== before && document.body.dataset.look === String(step)
               && video.readyState >= 2;
    }""", arg=[step, before], timeout=120_000)


def _seek(page, seconds: float) -> None:
    page.evaluate("(t) => { const video = document.getElementById('video'); video.pause(); video.currentTime = t; }",
                  seconds)
    page.wait_for_function("(t) => { const v = document.getElementById('video'); "
                           "return !v.seeking && v.readyState >= 2 && Math.abs(v.currentTime - t) < 1e-6; }",
                           arg=seconds)


def _drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """A drag with the mouse from and to fractions of the frame's picture."""
    page.locator("#frame").scroll_into_view_if_needed()
    box = page.locator("#frame").bounding_box()
    page.mouse.move(box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1], steps=6)
    page.mouse.up()


def _edited(page, count: int) -> str:
    """The editor's text after the page's ``count``-th edit, once validate has passed on it."""
    page.wait_for_function("(n) => document.body.dataset.edited === String(n)", arg=count)
    checked = int(page.evaluate("() => document.body.dataset.checked"))
    page.wait_for_function("(n) => Number(document.body.dataset.checked) > n && "
                           "document.getElementById('status').classList.contains('ok')", arg=checked, timeout=30_000)
    assert page.locator("#problems li").count() == 0
    return page.locator("#recipe").input_value()


def test_a_drag_a_keyframe_and_a_trim_set_by_looking_render_where_they_were_set(folder):
    sync_playwright = _browser_or_skip()
    shots = os.environ.get("FFX_STUDIO_SCREENSHOTS")  # a folder: the page's picture for the README
    from ffx.studio.server import running
    from ffx.studio.session import Studio

    with running(Studio(folder, str(folder / "looked.yaml"))) as url, sync_playwright() as playwright:
        with studio_page(playwright, url) as (page, errors):
            # the crop, dragged on what it receives: 640x360, shown 480 pixels across
            _cursor_at(page, "- crop", "1:")
            assert page.locator("#trim-start").is_disabled()  # nothing looked at yet
            _look(page, 1)
            assert page.locator("#shown").inner_text() == "what steps[1] receives: 640x360, its clock from 0 s"
            assert page.locator("#frame").bounding_box()["width"] == pytest.approx(480, abs=1)  # fitted in 480x360
            _seek(page, 0.4)
            _drag(page, (0.25, 0.25), (0.75, 0.75))
            page.wait_for_function("() => document.body.dataset.edited === '1'")
            text = page.locator("#recipe").input_value()
            dragged = [int(n) for n in re.search(r"crop: \{x1: (\d+), y1: (\d+), width: (\d+), height: (\d+)\}",
                                                 text).groups()]
            assert dragged == pytest.approx([160, 90, 320, 180], abs=2)  # the step's pixels, not the preview's
            rect = [dragged[0], dragged[1], dragged[0] + dragged[2], dragged[1] + dragged[3]]
            page.wait_for_function("(rect) => document.body.dataset.shape === JSON.stringify({rect})", arg=rect)
            assert page.locator("#shape").is_visible()  # the crop as written, drawn where the mouse went
            frame, drawn = page.locator("#frame").bounding_box(), page.locator("#shape").bounding_box()
            assert [drawn["x"] - frame["x"], drawn["y"] - frame["y"], drawn["width"], drawn["height"]] == \
                pytest.approx([120, 67.5, 240, 135], abs=3)

            # a keyframe for x1 at the player's time, on the crop's clock
            _cursor_at(page, "x1:", "1:x1")
            _seek(page, 0.8)
            page.click("#keyframe")
            text = _edited(page, 2)
            x1, x1_later, y1, width, height = (int(n) for n in CROP.search(text).groups())
            assert [x1, x1_later, y1, width, height] == [dragged[0], *dragged]

            # the blur's region, dragged on what the blur receives: the crop
            _cursor_at(page, "- blur", "2:")
            _look(page, 2)
            assert page.locator("#shown").inner_text() == f"what steps[2] receives: {width}x{height}, its clock from 0 s"
            _drag(page, (0.5, 0.25), (0.95, 0.9))
            text = _edited(page, 3)
            region = [int(n) for n in BLUR.search(text).groups()]
            assert region == pytest.approx([0.5 * width, 0.25 * height, 0.95 * width, 0.9 * height], abs=2)
            if shots:
                page.wait_for_function("(rect) => document.body.dataset.shape === JSON.stringify({rect})", arg=region)
                page.screenshot(path=str(Path(shots) / "studio-looking.png"), clip={"x": 0, "y": 0, "width": 1360,
                                                                                     "height": 1020}, full_page=True)

            # a trim from the player: "Start here" adds one before the blur, "End here" ends it
            _seek(page, 0.4)
            page.click("#trim-start")
            text = _edited(page, 4)
            assert "  - trim: {start: 0.4}\n  - blur:" in text
            _seek(page, 1.6)
            page.click("#trim-end")
            text = _edited(page, 5)
            assert "  - trim: {start: 0.4, end: 1.6}\n  - blur:" in text
            page.keyboard.press("Control+z")  # a tool's edit is undone as typing is
            assert "  - trim: {start: 0.4}\n  - blur:" in page.locator("#recipe").input_value()
            page.keyboard.press("Control+Shift+z")
            assert page.locator("#recipe").input_value() == text
            assert text.startswith("# The crop and the blur are set by dragging")  # the rest as written
            assert "  - resize: {width: 640}  # the steps after it see 640x360\n" in text
            assert errors == []

    (folder / "looked.yaml").write_text(text)
    ffx.render(str(folder / "looked.yaml"), overwrite=True)
    (folder / "big.yaml").write_text("input: clip.mkv\nsteps: [{resize: {width: 640}}]\n"
                                     "output: {path: big.mkv, codec: ffv1, pix_fmt: yuv444p}\n")
    ffx.render(str(folder / "big.yaml"), overwrite=True)
    got = decode_frames(folder / "out.mkv").astype(int)
    expected = decode_frames(folder / "big.mkv")[10:40, y1:y1 + height, x1:x1 + width].astype(int)  # 0.4-1.6 s
    assert got.shape == expected.shape == (30, height, width, 3)
    difference = np.abs(got - expected)
    inside = np.zeros(difference.shape, bool)
    inside[:, region[1]:region[3], region[0]:region[2]] = True
    assert difference[~inside].max() <= 4 and difference[~inside].mean() < 0.5  # cropped where dragged
    assert difference[inside].mean() > 8  # blurred where dragged
