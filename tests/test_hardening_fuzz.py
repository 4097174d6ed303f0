"""A bounded fuzz of batch's templates, globs, input lists and manifests, and of the studio's endpoints.

Every try must end as a result or as one of ffx's own errors (a status the studio means, for HTTP), within
a deadline, without the studio's memory, jobs or scratch growing. ``FFX_FUZZ_EXAMPLES`` scales the run
(default 40 a property, well under a minute in all); the counts are printed at the end of the module.
"""

from __future__ import annotations

import glob
import json
import os
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from fuzzing import FAST, SLOW, Tally
from ffx.scale.batch.inputs import (LONGEST_OUTPUT, MOST_INPUTS, bounded_glob, expand_inputs, output_for,
                                    read_input_list, template_fields)
from ffx.scale.batch.manifest import read_manifest

TALLY = Tally("hardening fuzz")
report = TALLY.reporter()
outcome = TALLY.outcome


# --- batch: templates -------------------------------------------------------------------------------

FIELDS = st.sampled_from(["stem", "name", "parent", "index", "width", "title", "0", "", "stem.x", "stem!r"])
SPECS = st.one_of(st.just(""), st.from_regex(r":[0x ]?[<>^=]?[-+ ]?#?0?[0-9]{0,11}[,_]?(\.[0-9]{0,11})?[sdxXbo%]?",
                                              fullmatch=True), st.text(":{}0123456789.>x", max_size=12))
PIECES = st.one_of(st.text("ab/._- {}", max_size=6), st.builds(lambda f, s: "{" + f + s + "}", FIELDS, SPECS),
                   st.just("../"), st.just("d/" * 40), st.just("\0"))
TEMPLATES = st.lists(PIECES, max_size=12).map("".join)
VARIABLES = st.fixed_dictionaries({}, optional={
    "width": st.one_of(st.integers(-10**30, 10**30), st.floats(allow_nan=True), st.booleans()),
    "title": st.one_of(st.text(max_size=50), st.just("t/" * 3000), st.just("x" * 5000))})


@SLOW
@given(template=TEMPLATES, variables=VARIABLES, index=st.integers(1, 10**6), name=st.text(min_size=1, max_size=40))
def test_templates_fill_or_refuse_and_stay_bounded(template, variables, index, name):
    path = "clips/" + name.replace("/", "_").replace("\0", "_")

    def fill():
        template_fields(template, variables)
        return output_for(template, path, index, variables)

    filled = outcome("batch output templates", fill)
    if isinstance(filled, str):
        assert len(os.fsencode(filled)) <= LONGEST_OUTPUT


# --- batch: globs, input lists, manifests -----------------------------------------------------------


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """Folders three deep with clips, hidden names, odd names; a symlink loop beside, in a copy of its own."""
    root = tmp_path_factory.mktemp("tree")
    plain = root / "plain"
    for folder in ["a", "a/b", "a/b/c", "d", ".hidden", "e[1]", "f*g"]:
        (plain / folder).mkdir(parents=True)
        for name in ["x.mp4", "y.mkv", ".z.mp4", "[1].mp4", "q?.mov"]:
            (plain / folder / name).write_bytes(b"x")
    looped = root / "looped"
    (looped / "a" / "b").mkdir(parents=True)
    (looped / "a" / "b" / "x.mp4").write_bytes(b"x")
    os.symlink("../..", looped / "a" / "b" / "up")  # a/b/up -> looped: ** would run in circles
    return root


PATTERN_PARTS = st.sampled_from(["**", "*", "a", "b", "c", "d", "?", "[ab]", "[!a]", "[", "]", ".*", ".hidden",
                                 "*.mp4", "*.mkv", "x.mp4", "[[]1]*", "f[*]g", "..", ".", "", "up", "e[1]",
                                 "*[1]*", "\\*"])


@SLOW
@given(parts=st.lists(PATTERN_PARTS, min_size=1, max_size=8))
def test_bounded_glob_matches_what_glob_matches(tree, parts):
    assume(parts.count("..") <= 1)  # one leads to the tree's root; two would compare /tmp as it changes
    pattern = str(tree / "plain") + "/" + "/".join(parts)
    found = outcome("batch globs (compared with glob.glob)", lambda: bounded_glob(pattern))
    if isinstance(found, list):
        # compared as files, not spellings: through a symlink ('..' leads to the loop beside) glob.glob lists
        # one file under many names, which expand_inputs would keep once anyway; and glob.glob("x.mp4/**")
        # answers 'x.mp4/', which is no file
        files = {real for real in map(os.path.realpath, found) if os.path.isfile(real)}
        if parts.count("**") <= 3:  # glob.glob itself takes exponential time beyond
            expected = {os.path.realpath(p) for p in glob.glob(pattern, recursive=True)
                        if os.path.lexists(p) and os.path.isfile(os.path.realpath(p))}
            assert files == expected, pattern


@SLOW
@given(parts=st.lists(PATTERN_PARTS, min_size=1, max_size=30), repeat=st.integers(1, 50))
def test_globs_over_a_symlink_loop_and_stacked_stars_end(tree, parts, repeat):
    assume(parts.count("..") <= 1)  # within the tree
    pattern = str(tree / "looped") + "/" + "/".join(parts[:1] * repeat + parts[1:])
    found = outcome("batch globs (symlink loop, stacked **)", lambda: expand_inputs([pattern]))
    if isinstance(found, list):
        assert len(found) <= MOST_INPUTS


@FAST
@given(data=st.one_of(st.binary(max_size=2000),
                      st.lists(st.text(max_size=30), max_size=50).map(lambda lines: "\n".join(lines).encode(
                          "utf-8", "surrogatepass"))))
def test_input_lists_read_or_refuse(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("list") / "list.txt"
    path.write_bytes(data)
    lines = outcome("batch --inputs-from", lambda: read_input_list(str(path)))
    if isinstance(lines, list):
        assert len(lines) <= MOST_INPUTS and all(line.strip() and "\0" not in line for line in lines)


JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20)
ENTRY = st.fixed_dictionaries({"made_by": st.text(max_size=64), "input": st.text(max_size=10),
                               "input_id": st.one_of(st.none(), st.lists(st.integers(-5, 2**65), max_size=5), JSON),
                               "output": st.one_of(JSON, st.fixed_dictionaries(
                                   {key: st.one_of(st.integers(-1, 2**65), st.booleans(), st.text(max_size=64))
                                    for key in ("device", "inode", "size", "mtime_ns", "sha256")}))})
MANIFESTS = st.one_of(JSON, st.fixed_dictionaries({"version": st.sampled_from([1, 2, "2", 2.0, None]),
                                                   "outputs": st.one_of(JSON, st.dictionaries(
                                                       st.text(max_size=10), st.one_of(ENTRY, JSON), max_size=5))}))


@FAST
@given(manifest=MANIFESTS, garbage=st.binary(max_size=20))
def test_manifests_read_as_entries_or_nothing(tmp_path_factory, manifest, garbage):
    path = tmp_path_factory.mktemp("manifest") / ".ffx-batch.json"
    for content in (json.dumps(manifest).encode(), json.dumps(manifest).encode()[:-3] + garbage):
        path.write_bytes(content)
        entries = outcome("batch manifests", lambda: read_manifest(str(path)))
        assert isinstance(entries, dict)
        for name, entry in entries.items():  # only entries every field of which is as written
            assert "/" not in name and isinstance(entry["output"]["sha256"], str)


# --- the studio's endpoints --------------------------------------------------------------------------

starlette = pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from conftest import make_clip  # noqa: E402
from ffx.studio.app import create_app  # noqa: E402
from ffx.studio.session import KEPT_PREVIEWS, Studio  # noqa: E402

TOKEN, PORT = "fuzz-token", 8765
EXPECTED = {200, 400, 403, 404, 409, 413, 422}
RECIPE_TEXT = st.one_of(
    st.text(max_size=200),
    st.builds(lambda given, steps: f"input: {given}\nsteps: {steps}\noutput: out.mp4\n",
              st.sampled_from(["clip.mkv", "link.mkv", "../clip.mkv", "/etc/passwd", "{images: '*.png', rate: 1}",
                               "{images: '../*.png', rate: 1}", "{images: '{a,b}*.png', rate: 1}",
                               "{source: testsrc2, duration: 0.2}", "{url: 'http://x'}", "{device: /dev/video0}"]),
              st.sampled_from(["[]", "[reverse]", "[{resize: {width: 32}}]", "[{subtitles: {file: /etc/passwd}}]",
                               "[{filter: {name: movie, filename: /etc/passwd}}]", "[[[[[]]]]]", "{a: b}",
                               "[{crop: {x1: 1}}, blur, {trim: {end: 0.2}}, {overlay: {with: x, x: {0: 1}}}]"])))
BODIES = st.one_of(
    st.fixed_dictionaries({"text": RECIPE_TEXT}, optional={
        "name": st.one_of(st.sampled_from(["r.yaml", "../r.yaml", "/etc/x.yaml", "sub/r.yaml", "clip.mkv", "link.yaml",
                                           "a\0.yaml", "", ".", "new.yml"]), JSON),
        "set": st.one_of(st.dictionaries(st.text(max_size=8), st.text(max_size=20), max_size=3), JSON),
        "input": st.one_of(st.sampled_from(["clip.mkv", "link.mkv", "../x", "/etc/passwd", ""]), JSON),
        "at": st.one_of(st.floats(), st.integers(-5, 10**20), JSON),
        "seconds": st.one_of(st.floats(), st.integers(-5, 10**20), JSON),
        "upto": st.one_of(st.integers(-2, 6), JSON),  # the studio's look at a step, and its edits:
        "offset": st.one_of(st.integers(-5, 200), st.integers(0, 10**20), JSON),
        "action": st.one_of(st.sampled_from(["drag", "start", "end", "keyframe"]), JSON),
        "from": st.one_of(st.lists(st.one_of(st.integers(-5, 10**8), st.floats()), max_size=3), JSON),
        "to": st.one_of(st.lists(st.one_of(st.integers(-5, 10**8), st.floats()), max_size=3), JSON),
        "size": st.one_of(st.sampled_from(["64x36", "0x0", "99999x99999", "x", "64x36\n"]), JSON)}),
    JSON)
RAW = st.one_of(st.binary(max_size=300), st.integers(1, 200).map(lambda n: b"[" * n * 100 + b"]" * n * 100),
                st.integers(1, 5).map(lambda n: b'{"text": "' + b"\\" * n + b'"}'))


@pytest.fixture(scope="module")
def studio_client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("studio")
    outside = tmp_path_factory.mktemp("outside")
    make_clip(folder / "clip.mkv", duration=0.4, size="64x36", audio=None)
    make_clip(outside / "secret.mkv", duration=0.4, size="64x36", audio=None)
    os.symlink(outside / "secret.mkv", folder / "link.mkv")
    os.symlink(outside / "secret.mkv", folder / "zz.png")
    studio = Studio(folder, str(folder / "clip.mkv") if False else None)
    with TestClient(create_app(studio, TOKEN, PORT), base_url=f"http://127.0.0.1:{PORT}",
                    headers={"X-Ffx-Token": TOKEN}, raise_server_exceptions=False) as client:
        client.studio, client.outside = studio, outside
        yield client
    studio.close()


def ask(client, path: str, **request):
    started = time.monotonic()
    answer = client.post(path, **request)
    assert answer.status_code in EXPECTED, (path, answer.status_code, answer.text[:300])
    payload = answer.json()
    refused = answer.status_code != 200 or payload.get("ok") is False
    TALLY.count(f"studio {path}", "refusals" if refused else "results", time.monotonic() - started)
    if refused:
        assert payload["problems"] and all(problem["text"] for problem in payload["problems"])
    return payload


@SLOW
@given(body=BODIES, path=st.sampled_from(["/api/validate", "/api/compile", "/api/save", "/api/preview", "/api/cursor",
                                          "/api/edit"]))
def test_studio_endpoints_answer_json_bodies_with_a_meant_status(studio_client, body, path):
    # as a hostile client may write it: NaN and Infinity too, which JSON has not and the studio refuses
    ask(studio_client, path, content=json.dumps(body).encode(), headers={"content-type": "application/json"})


@SLOW
@given(body=RAW, path=st.sampled_from(["/api/validate", "/api/compile", "/api/save", "/api/preview", "/api/cursor",
                                       "/api/edit"]))
def test_studio_endpoints_answer_raw_bodies_with_a_meant_status(studio_client, body, path):
    ask(studio_client, path, content=body, headers={"content-type": "application/json"})


def test_the_fuzzed_studio_did_not_grow_or_leak(studio_client):
    """Run after the endpoints' fuzz: nothing outside was written or served, few previews are kept, and a
    further hundred requests leave the memory where it was."""
    studio = studio_client.studio
    for job in list(studio.jobs.values()):  # let a preview the fuzz started end before counting
        for _ in range(300):
            if job.state != "running":
                break
            time.sleep(0.1)
    assert len(studio.jobs) <= KEPT_PREVIEWS + 1
    assert len(os.listdir(studio.scratch)) <= KEPT_PREVIEWS + 1
    assert sorted(os.listdir(studio_client.outside)) == ["secret.mkv"]
    for job in studio.jobs.values():
        assert job.state != "done" or "secret" not in json.dumps(job.as_json())
    body = {"text": "input: clip.mkv\nsteps: [{resize: {width: 32}}]\noutput: out.mp4\n"}
    for _ in range(20):  # warm
        ask(studio_client, "/api/validate", json=body)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(100):
            ask(studio_client, "/api/validate", json=body)
            ask(studio_client, "/api/validate", content=b"[" * 10_000, headers={"content-type": "application/json"})
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 2 << 20, f"{grown} bytes kept after 200 requests"
