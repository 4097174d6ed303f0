"""ffx studio in a real browser: the system's Chromium, headless, driven by Playwright.

The page is loaded from the real server (uvicorn on 127.0.0.1), a mistake is
typed into the editor and must be flagged at its line with ``ffx validate``'s
message, the fix must clear it, and Preview must end with a video the browser
can play and a contact sheet it could decode. Without /usr/bin/chromium the
test is skipped, unless FFX_REQUIRE_BROWSER=1 (CI) makes that a failure.
FFX_STUDIO_SCREENSHOTS=docs writes the page's pictures for the README.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from conftest import make_clip

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RECIPE = """\
# Excerpt, smaller, in black and white, with a caption.
input: clip.mp4
vars:
  width: 240
  caption: "ffx studio"
steps:
  - trim: {start: 0.5, duration: 1.5}
  - resize: {width: "${width}"}
  - black_white
  - text: {text: "${caption}", position: bottom, size: 18, box: black@0.5}
output: caption.mp4
"""
MISTAKE_LINE = 8  # the resize step


def _browser_or_skip():
    required = os.environ.get("FFX_REQUIRE_BROWSER") == "1"
    why = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        why = "Playwright for Python is not installed (pip install 'ffx[test]')"
    if why is None and not os.access(CHROMIUM, os.X_OK):
        why = f"no system Chromium at {CHROMIUM} (apt-get install chromium)"
    if why:
        if required:
            pytest.fail(f"FFX_REQUIRE_BROWSER=1 but {why}")
        pytest.skip(why)
    return sync_playwright


@contextlib.contextmanager
def studio_page(playwright, url: str):
    """Chromium on the studio's page once its first validate has answered: the page, and the errors its
    scripts report (a test ends by checking there were none)."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    try:
        page = browser.new_page(viewport={"width": 1360, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.goto(url)
        page.wait_for_selector("#status.ok", timeout=30_000)
        yield page, errors
    finally:
        browser.close()


@pytest.fixture
def studio_url(tmp_path: Path):
    pytest.importorskip("starlette")
    from ffx.studio.server import running
    from ffx.studio.session import Studio

    make_clip(tmp_path / "clip.mp4", duration=2.5, size="320x180", codec="libx264", pix_fmt="yuv420p")
    (tmp_path / "caption.yaml").write_text(RECIPE)
    with running(Studio(tmp_path, str(tmp_path / "caption.yaml"))) as url:
        yield url


def _select_on_line(page, line: int, word: str) -> None:
    """Put the editor's selection on ``word`` in ``line`` (1-based), as a double click would."""
    page.evaluate("""([line, word]) => {
        const editor = document.getElementById("recipe");
        const lines = editor.value.split("\\n");
        const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0)
                      + lines[line - 1].indexOf(word);
        editor.focus();
        editor.setSelectionRange(start, start + word.length);
    }""", [line, word])


def test_the_page_flags_a_mistake_at_its_line_and_previews_the_fix(studio_url):
    sync_playwright = _browser_or_skip()
    shots = os.environ.get("FFX_STUDIO_SCREENSHOTS")
    with sync_playwright() as playwright:
        with studio_page(playwright, studio_url) as (page, errors):
            page.wait_for_function("() => document.getElementById('command').textContent.includes('drawtext')")
            assert page.locator("#graph").evaluate("img => img.complete && img.naturalWidth > 0")

            _select_on_line(page, MISTAKE_LINE, "width:")
            page.keyboard.type("widht:")
            flagged = page.locator(f"#gutter span.bad:text-is('{MISTAKE_LINE}')")
            flagged.wait_for(timeout=15_000)
            assert page.locator("#gutter span.bad").count() == 1
            assert page.locator(f"#marks div[data-line='{MISTAKE_LINE}']").count() == 1
            message = page.locator("#problems li").first.inner_text()
            assert message == ("caption.yaml:8:14 steps[1].resize.widht: unknown key 'widht' "
                               "(did you mean 'width'?)"), message
            assert page.locator("#status").inner_text() == "1 problem"
            if shots:
                page.screenshot(path=str(Path(shots) / "studio-error.png"))

            _select_on_line(page, MISTAKE_LINE, "widht:")
            page.keyboard.type("width:")
            page.wait_for_selector("#status.ok", timeout=15_000)
            assert page.locator("#gutter span.bad").count() == 0 and page.locator("#problems li").count() == 0

            page.locator("#vars input[data-name='width']").fill("200")  # the form feeds --set width=200
            page.wait_for_function("() => document.getElementById('command').textContent.includes('w=200')")

            page.click("#preview")
            page.wait_for_function("""() => {
                const video = document.getElementById("video"), sheet = document.getElementById("sheet");
                return !video.hidden && Number.isFinite(video.duration) && video.duration > 0
                       && sheet.complete && sheet.naturalWidth > 0;
            }""", timeout=120_000)
            duration = page.locator("#video").evaluate("video => video.duration")
            assert duration == pytest.approx(1.5, abs=0.1)
            # 200 pixels across; the display width may be 201, from the sample aspect that keeps 320x180's shape
            assert page.locator("#video").evaluate("video => video.videoWidth") in (200, 201)
            if shots:
                page.locator("#video").evaluate("video => { video.pause(); video.currentTime = 0.75; }")
                page.wait_for_function("() => document.getElementById('video').readyState >= 2")
                page.screenshot(path=str(Path(shots) / "studio.png"))
            assert errors == []
