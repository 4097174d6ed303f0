"""ffx studio under hostile requests: image patterns leading out, oversized and deeply nested bodies,
scratch folders left by a killed studio."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import ffx

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from conftest import ADVERSARIAL, run_ffmpeg  # noqa: E402
from ffx.studio.app import create_app  # noqa: E402
from ffx.studio.session import Job, PageRequest, Studio  # noqa: E402
from test_studio_api import finished  # noqa: E402  (the studio tests' wait for a preview)

TOKEN = "secret-token"
PORT = 8765


def picture(path: Path, colour: str) -> Path:
    run_ffmpeg("-f", "lavfi", "-i", f"color={colour}:size=32x32", "-frames:v", "1", "-y", str(path))
    return path


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """The studio's folder with a picture of its own, and a folder outside it holding a secret picture."""
    inside, outside = tmp_path / "studio", tmp_path / "outside"
    inside.mkdir()
    outside.mkdir()
    picture(inside / "a.png", "blue")
    picture(outside / "secret.png", "red")
    return inside, outside


@pytest.fixture
def client(folders):
    studio = Studio(folders[0])
    with TestClient(create_app(studio, TOKEN, PORT), base_url=f"http://127.0.0.1:{PORT}",
                    headers={"X-Ffx-Token": TOKEN}) as client:
        client.studio = studio
        yield client
    studio.close()


def recipe(given: str) -> str:
    return f"input: {given}\nsteps: []\noutput: out.mp4\n"




# --- 1. image patterns: every file they match, not only their folder ---------------------------------


@pytest.mark.parametrize("given, link, named", [
    ("{images: '*.png', rate: 1}", "zz.png", "zz.png"),
    ("{images: 'frames/%04d.png', rate: 1}", "frames/0002.png", "frames/0002.png"),
    ("{images: 'frames/*.png', rate: 1}", "frames/0002.png", "frames/0002.png"),
])
def test_an_image_pattern_matching_a_symlink_out_is_refused_and_nothing_is_rendered(client, folders, given, link,
                                                                                   named):
    inside, outside = folders
    (inside / "frames").mkdir()
    picture(inside / "frames" / "0001.png", "blue")
    os.symlink(outside / "secret.png", inside / link)
    answer = client.post("/api/validate", json={"text": recipe(given), "name": "r.yaml"}).json()
    assert not answer["ok"]
    [problem] = answer["problems"]
    assert problem["line"] == 1 and f"matches '{named}', which leads outside the folder" in problem["text"]
    answer = client.post("/api/preview", json={"text": recipe(given), "name": "r.yaml"})
    assert answer.status_code == 422 and "leads outside the folder" in answer.json()["problems"][0]["text"]
    assert client.studio.jobs == {}
    ADVERSARIAL["clear errors"] += 1


def test_an_image_pattern_with_braces_is_refused(client, folders):
    # FFmpeg's image2 globs with GLOB_BRACE, which Python's glob does not: '{a,../outside/secret}*.png'
    answer = client.post("/api/validate", json={"text": recipe("{images: '[a]{.png,x}*', rate: 1}")}).json()
    assert not answer["ok"] and "braces and backslashes" in answer["problems"][0]["text"]
    ADVERSARIAL["clear errors"] += 1


def test_a_pattern_inside_still_previews(client, folders):
    job = finished(client, client.post("/api/preview", json={"text": recipe("{images: '*.png', rate: 1}"),
                                                           "name": "r.yaml"}).json())
    assert job["state"] == "done", job
    assert client.get(f"/api/preview/{job['id']}/video").status_code == 200


def test_the_pictures_are_checked_again_when_the_preview_renders(client, folders):
    inside, outside = folders
    studio = client.studio
    request = PageRequest(text=recipe("{images: '*.png', rate: 1}"), name="r.yaml")
    loaded = studio.load(request)  # checked now, while every picture is inside
    os.symlink(outside / "secret.png", inside / "zz.png")  # then a symlink out appears
    job = Job(id="late", folder=str(inside.parent / "scratch"))
    os.mkdir(job.folder)
    studio._render_preview(job, loaded, request, 1.0)
    assert job.state == "failed" and "zz.png" in job.problems[0]["text"], job
    assert job.video is None and os.listdir(job.folder) == []
    ADVERSARIAL["clear errors"] += 1


# --- 5. request bodies: counted as they stream, nesting bounded ---------------------------------------


def test_a_chunked_body_is_refused_once_past_the_limit_without_reading_the_rest(folders):
    import asyncio

    from ffx.studio.app import LARGEST_REQUEST

    studio = Studio(folders[0])
    app = create_app(studio, TOKEN, PORT)
    chunk, chunks, pulled, sent = b"x" * (1 << 20), 64, [0], []

    async def receive():
        pulled[0] += 1
        return {"type": "http.request", "body": chunk, "more_body": pulled[0] < chunks}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/validate", "raw_path": b"/api/validate",
             "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
             "server": ("127.0.0.1", PORT), "client": ("127.0.0.1", 1),
             "headers": [(b"host", f"127.0.0.1:{PORT}".encode()), (b"x-ffx-token", TOKEN.encode()),
                         (b"transfer-encoding", b"chunked"), (b"content-type", b"application/json")]}
    try:
        asyncio.run(app(scope, receive, send))
    finally:
        studio.close()
    assert sent[0]["status"] == 413
    assert pulled[0] <= LARGEST_REQUEST // len(chunk) + 1  # 5 of the 64 MiB, not all of them
    assert b"larger than 4 MiB" in sent[1]["body"]
    ADVERSARIAL["clear errors"] += 1


@pytest.mark.parametrize("body, status, message", [
    (b"[" * 100_000 + b"]" * 100_000, 400, "nested more than 32 levels deep"),
    (b'{"text": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001, 400, "nested more than 32 levels deep"),
    (b'{"text": "\xff"}', 400, "not JSON"),
    (b"{", 400, "not JSON"),
    (b"x" * ((4 << 20) + 1), 413, "larger than 4 MiB"),
])
def test_a_hostile_body_is_one_line_and_no_server_error(folders, body, status, message, capsys):
    studio = Studio(folders[0])
    try:
        with TestClient(create_app(studio, TOKEN, PORT), base_url=f"http://127.0.0.1:{PORT}",
                        headers={"X-Ffx-Token": TOKEN}, raise_server_exceptions=False) as client:
            for path in ("/api/validate", "/api/compile", "/api/save", "/api/preview"):
                answer = client.post(path, content=body, headers={"content-type": "application/json"})
                assert answer.status_code == status, (path, answer.text[:300])
                [problem] = answer.json()["problems"]
                assert message in problem["text"] and "\n" not in problem["text"]
    finally:
        studio.close()
    assert "Traceback" not in capsys.readouterr().err
    ADVERSARIAL["clear errors"] += 1


def test_a_content_length_that_is_not_a_number_is_a_bad_request(client):
    answer = client.post("/api/validate", content=b"{}", headers={"content-length": "abc"})
    assert answer.status_code == 400 and "Content-Length" in answer.json()["problems"][0]["text"]


# --- 6. scratch folders of a killed studio are swept by the next one ----------------------------------


CHILD = """
import os, sys, time
from ffx.studio.session import Studio
studio = Studio(sys.argv[1])
job = studio.start_preview({"text": sys.argv[2], "name": "slow.yaml"})
print(studio.scratch, flush=True)
time.sleep(600)
"""
SLOW = """\
input: {source: testsrc2, size: 1280x720, rate: 25, duration: 60}
steps:
  - filter: {name: gblur, sigma: 20, steps: 6}
output: slow.mp4
"""


def test_a_killed_studio_leaves_its_scratch_and_the_next_studio_sweeps_it(folders, tmp_path, monkeypatch):
    import signal
    import subprocess
    import sys
    import tempfile

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(folders[0]), SLOW], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "TMPDIR": str(temporary)})
    try:
        scratch = Path(child.stdout.readline().strip())
        for _ in range(300):  # until FFmpeg writes the preview
            if any(path.is_file() for path in scratch.rglob("*")):
                break
            time.sleep(0.1)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert scratch.parent == temporary and any(path.is_file() for path in scratch.rglob("*"))  # left behind
    studio = Studio(folders[0])
    studio.close()
    assert not scratch.exists()  # the next studio removed it

    from ffx.studio.scratch import HOST, start_time

    me = os.getpid()
    live = temporary / f"ffx-studio-{HOST}-{me}-{start_time(me)}-live"  # a running studio's: kept
    reused = temporary / f"ffx-studio-{HOST}-{me}-{start_time(me) - 1}-reused"  # the pid now runs another process
    other_naming = temporary / "ffx-studio-abc123"  # owner unknown: kept
    other_host = temporary / f"ffx-studio-{'0' * 8 if HOST != '0' * 8 else '1' * 8}-{child.pid}-1-x"
    for path in (live, reused, other_naming, other_host):
        path.mkdir()
    studio = Studio(folders[0])
    try:
        assert studio.swept == [str(reused)]
        assert sorted(p.name for p in temporary.iterdir()) == sorted(
            [live.name, other_naming.name, other_host.name, os.path.basename(studio.scratch)])
    finally:
        studio.close()
    assert not os.path.exists(studio.scratch)
    ADVERSARIAL["clean aborts"] += 1


def test_a_port_in_use_leaves_no_scratch_folder(folders, tmp_path, monkeypatch):
    import tempfile

    from ffx.studio.server import bind, serve

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    taken = bind()
    studio = Studio(folders[0])
    try:
        with pytest.raises(ffx.InputError, match="cannot serve on 127.0.0.1"):
            serve(studio, port=taken.getsockname()[1], announce=lambda url: None)
    finally:
        taken.close()
    assert not os.path.exists(studio.scratch)


@pytest.mark.parametrize("body", [b'{"text": "steps: []", "at": Infinity}', b'{"text": "x", "seconds": NaN}',
                                  b'{"text": "x", "at": -Infinity}'])
def test_nan_and_infinity_are_not_json(client, body):
    answer = client.post("/api/validate", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 400 and answer.json()["problems"][0]["text"] == "the request is not JSON"
