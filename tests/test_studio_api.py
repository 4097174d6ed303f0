"""ffx studio's HTTP API: the token, the host check, the folder it is confined to, and what it answers."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

import ffx  # noqa: E402
from conftest import FFMPEG, decode_frames, make_clip  # noqa: E402
from ffx.studio.app import create_app  # noqa: E402
from ffx.studio.session import Studio  # noqa: E402
from ffx.media.probe import probe  # noqa: E402

TOKEN = "secret-token"
PORT = 8765
RECIPE = """\
vars:
  width: 96
steps:
  - trim: {duration: 1}
  - resize: {width: "${width}"}
  - black_white
output: out.mp4
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    make_clip(tmp_path / "clip.mkv", duration=2.0, size="160x90")
    (tmp_path / "recipe.yaml").write_text(RECIPE.replace("vars:", "input: clip.mkv\nvars:"))
    return tmp_path


@pytest.fixture
def client(folder: Path):
    studio = Studio(folder, str(folder / "recipe.yaml"))
    with TestClient(create_app(studio, TOKEN, PORT), base_url=f"http://127.0.0.1:{PORT}",
                    headers={"X-Ffx-Token": TOKEN}) as client:
        client.studio = studio
        yield client
    studio.close()


def test_every_request_needs_the_token(client):
    assert client.get("/", headers={"X-Ffx-Token": ""}).status_code == 403
    assert client.get("/api/state", headers={"X-Ffx-Token": "wrong"}).status_code == 403
    assert client.post("/api/save", headers={"X-Ffx-Token": "wrong"},
                       json={"name": "recipe.yaml", "text": "x"}).status_code == 403
    assert client.get("/static/app.js", headers={"X-Ffx-Token": ""}).status_code == 403
    page = client.get(f"/?token={TOKEN}", headers={"X-Ffx-Token": ""})
    assert page.status_code == 200 and f"/static/app.js?token={TOKEN}" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/index.html").status_code == 404  # only the page's own assets


def test_another_host_or_origin_is_refused(client):
    assert client.get("/api/state", headers={"Host": "evil.example:8765"}).status_code == 400  # DNS rebinding
    assert client.get("/api/state", headers={"Host": "127.0.0.1:9999"}).status_code == 400
    assert client.get("/api/state", headers={"Host": f"localhost:{PORT}"}).status_code == 200
    assert client.post("/api/validate", headers={"Origin": "http://evil.example"},
                       json={"text": RECIPE}).status_code == 403


def test_the_state_is_the_recipe_and_the_media_under_the_folder(client, folder):
    (folder / "sub").mkdir()
    make_clip(folder / "sub" / "b.mp4", duration=0.2, audio=None)
    os.symlink("/etc", folder / "etc")
    state = client.get("/api/state").json()
    assert state["name"] == "recipe.yaml" and state["text"] == (folder / "recipe.yaml").read_text()
    assert state["media"] == ["clip.mkv", "sub/b.mp4"] and state["problems"] == []
    os.unlink(folder / "recipe.yaml")
    os.mkfifo(folder / "recipe.yaml")  # read as ffx reads recipes: no hanging on a pipe
    state = client.get("/api/state").json()
    assert state["text"] == "" and "not a regular file" in state["problems"][0]["text"]


@pytest.mark.parametrize("name", ["../recipe.yaml", "/etc/passwd", "sub/../../x.yaml", "out/link.yaml"])
def test_paths_leading_out_of_the_folder_are_refused(client, folder, tmp_path_factory, name):
    outside = tmp_path_factory.mktemp("outside")
    (folder / "out").symlink_to(outside)
    answer = client.post("/api/save", json={"name": name, "text": RECIPE})
    assert answer.status_code == 403 and "outside the folder" in answer.json()["problems"][0]["text"]
    assert list(outside.iterdir()) == []
    answer = client.post("/api/validate", json={"text": RECIPE, "name": name})
    assert not answer.json()["ok"] and "outside the folder" in answer.json()["problems"][0]["text"]


def test_a_recipe_may_not_read_files_outside_the_folder(client, folder, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    make_clip(outside / "secret.mkv", duration=0.2, audio=None)
    os.symlink(outside / "secret.mkv", folder / "link.mkv")
    for given, where in [(f"input: {outside / 'secret.mkv'}\n", 1), ("input: ../" + outside.name + "/secret.mkv\n", 1),
                         ("input: link.mkv\n", 1)]:
        answer = client.post("/api/validate", json={"text": given + RECIPE}).json()
        assert not answer["ok"]
        assert answer["problems"][0]["line"] == where and "is outside the folder" in answer["problems"][0]["text"]
    subtitles = RECIPE.replace("  - black_white", f"  - subtitles: {{file: {outside}/captions.srt}}")
    answer = client.post("/api/validate", json={"text": "input: clip.mkv\n" + subtitles}).json()
    assert answer["problems"][0]["line"] == 7 and "steps[2].subtitles.file" in answer["problems"][0]["text"]
    answer = client.post("/api/validate", json={"text": RECIPE, "input": "link.mkv"}).json()
    assert "outside the folder" in answer["problems"][0]["text"]
    answer = client.post("/api/preview", json={"text": f"input: {outside / 'secret.mkv'}\n" + RECIPE})
    assert answer.status_code == 422 and "is outside the folder" in answer.json()["problems"][0]["text"]


def test_validate_places_a_mistake_at_its_line_with_the_message_ffx_validate_prints(client, folder):
    text = (folder / "recipe.yaml").read_text().replace("  - black_white", "  - black_white\n  - resize: {widht: 3}")
    answer = client.post("/api/validate", json={"text": text}).json()
    assert not answer["ok"]
    [problem] = answer["problems"]
    assert (problem["line"], problem["column"], problem["field"]) == (8, 14, "steps[3].resize.widht")
    (folder / "bad.yaml").write_text(text)
    printed = CliRunner().invoke(ffx.cli.app, ["validate", str(folder / "bad.yaml")], env={"COLUMNS": "200"}).output
    assert printed.strip() == "error: " + problem["text"].replace("recipe.yaml", str(folder / "bad.yaml"))
    fixed = client.post("/api/validate", json={"text": RECIPE.replace("vars:", "input: clip.mkv\nvars:")}).json()
    assert fixed["ok"] and fixed["problems"] == [] and fixed["vars"] == {"width": "96"}
    assert fixed["summary"].startswith("96x54 @ 25 fps, 1.00 s (25 frames)")



def test_validate_shows_what_steps_found_as_ffx_validate_does(client, folder):
    """A cut list (an analysis pass's finding) reaches the page's notes, in validate's words."""
    text = """input: {source: testsrc2, size: 96x54, rate: 25, duration: 4, audio: sine, pauses: [[1, 2.5]]}
steps:
  - cut_silence: {min: 0.5, keep: 0.1}
output: out.mp4
"""
    answer = client.post("/api/validate", json={"text": text}).json()
    assert answer["ok"], answer["problems"]
    [found] = [note for note in answer["notes"] if "cut_silence" in note]
    (folder / "cut.yaml").write_text(text)
    printed = CliRunner().invoke(ffx.cli.app, ["validate", str(folder / "cut.yaml")], env={"COLUMNS": "300"}).output
    assert found in printed
    # the pause less 0.1 s kept at each side, on frame boundaries: 1.1 s is frame 27.5, a tie, so frame 27
    assert "1.08–2.40" in found

def test_compile_answers_the_command_ffx_compile_prints_and_the_graph(client, folder):
    text = (folder / "recipe.yaml").read_text()
    answer = client.post("/api/compile", json={"text": text, "set": {"width": "64"}}).json()
    assert answer["ok"], answer
    printed = CliRunner().invoke(ffx.cli.app, ["compile", str(folder / "recipe.yaml"), "--set", "width=64"]).stdout
    assert answer["command"] == printed.strip()
    assert "scale=w=64" in answer["command"] and answer["svg"].startswith("<svg")
    answer = client.post("/api/compile", json={"text": text, "set": {"width": "abc"}}).json()
    assert not answer["ok"] and "--set width=abc" in answer["problems"][0]["text"]


def test_save_writes_the_recipe_in_one_step_and_nothing_else(client, folder):
    recipe = folder / "recipe.yaml"
    inode = recipe.stat().st_ino
    recipe.chmod(0o640)
    answer = client.post("/api/save", json={"name": "recipe.yaml", "text": "steps: []\n"})
    assert answer.json() == {"ok": True, "name": "recipe.yaml"}
    assert recipe.read_text() == "steps: []\n"
    assert recipe.stat().st_ino != inode and recipe.stat().st_mode & 0o777 == 0o640  # renamed over, mode kept
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no temporary left
    (folder / "other.yaml").write_text("mine\n")
    for name, text in [("other.yaml", "theirs\n"), ("clip.mkv", "x"), ("notes.txt", "x")]:
        assert client.post("/api/save", json={"name": name, "text": text}).status_code == 403
    assert (folder / "other.yaml").read_text() == "mine\n" and (folder / "clip.mkv").stat().st_size > 1000
    assert client.post("/api/save", json={"name": "new.yaml", "text": "a\n"}).json()["name"] == "new.yaml"
    assert client.post("/api/save", json={"name": "new.yaml", "text": "b\n"}).status_code == 200  # its own now
    assert (folder / "new.yaml").read_text() == "b\n" and client.get("/api/state").json()["name"] == "new.yaml"


def test_preview_renders_a_playable_video_and_a_contact_sheet(client, folder):
    text = (folder / "recipe.yaml").read_text()
    job = client.post("/api/preview", json={"text": text}).json()
    assert job["state"] == "running"
    again = client.post("/api/preview", json={"text": text})
    job = finished(client, job)
    if again.status_code == 200:  # the first was done already
        finished(client, again.json())
    else:
        assert again.status_code == 409 and "being rendered" in again.json()["problems"][0]["text"]  # one at a time
    assert job["state"] == "done", job
    video = client.get(f"/api/preview/{job['id']}/video")
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    saved = folder / "got.mp4"
    saved.write_bytes(video.content)
    info = probe(str(saved), FFMPEG)
    assert info.duration == pytest.approx(1.0, abs=0.05) and info.size == "96x54"
    assert decode_frames(saved).shape[0] == 25
    sheet = client.get(f"/api/preview/{job['id']}/sheet")
    assert sheet.content.startswith(b"\x89PNG") and sheet.headers["content-type"] == "image/png"
    assert not list(folder.glob("*.preview.*")) and not list(folder.glob("*.sheet.*"))  # not in the user's folder
    assert client.get("/api/preview/nosuchjob/video").status_code == 404
    window = finished(client, client.post("/api/preview", json={"text": text, "at": 0.2, "seconds": 0.4}).json())
    saved.write_bytes(client.get(f"/api/preview/{window['id']}/video").content)
    assert decode_frames(saved).shape[0] == 10  # 0.4 s of the result at 25 fps


def finished(client, job: dict) -> dict:
    for _ in range(600):
        job = client.get(f"/api/preview/{job['id']}").json()
        if job["state"] != "running":
            return job
        time.sleep(0.1)
    raise AssertionError(f"the preview did not finish: {job}")


def test_the_command_without_the_extra_says_how_to_install_it(monkeypatch):
    import sys

    for name in [n for n in sys.modules if n.startswith(("ffx.studio", "starlette"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "starlette", None)
    result = CliRunner().invoke(ffx.cli.app, ["studio"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == ["error: ffx studio needs its extra (starlette is missing): "
                                                 "pip install 'ffx[studio]'"]


def test_the_command_refuses_a_recipe_outside_its_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(ffx.cli.app, ["studio", "/etc/hostname"])
    assert result.exit_code == 1 and "start ffx studio in the recipe's folder" in result.output


def test_the_command_helps_like_the_others():
    text = CliRunner().invoke(ffx.cli.app, ["studio", "-h"], env={"COLUMNS": "120"}).output
    assert "studio [OPTIONS] [RECIPE]" in text and "PORT" in text and "--open" in text
    assert "<int>" not in text and "<bool>" not in text and "<path>" not in text and "[default: 0]" not in text


def test_a_port_in_use_is_one_line(tmp_path, monkeypatch):
    from ffx.studio.server import bind

    monkeypatch.chdir(tmp_path)
    taken = bind()
    try:
        result = CliRunner().invoke(ffx.cli.app, ["studio", "--port", str(taken.getsockname()[1])])
    finally:
        taken.close()
    assert result.exit_code == 1 and result.output.startswith("error: cannot serve on 127.0.0.1:")
    assert len(result.output.strip().splitlines()) == 1
