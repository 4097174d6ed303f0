"""scenes: cut times found by scdet, scenes kept, one file per scene, one contact-sheet tile per scene.

The clip: six scenes of known lengths (solid colours, each with a test pattern moving across it, so frames
inside a scene differ too), cut hard at known frames, with a tone under them.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import FFMPEG, decode_frames
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cli import RECIPES, ffx

import ffx as api
from ffx.errors import RecipeError
from ffx.media.scenes import scene_spans
from ffx.recipe.scene_files import numbered_pattern

RATE = 25
LENGTHS = (25, 37, 20, 31, 28, 40)  # frames of each scene: cuts at 25, 62, 82, 113, 141
COLOURS = {"red": (255, 0, 0), "green": (0, 128, 0), "blue": (0, 0, 255), "yellow": (255, 255, 0),
           "magenta": (255, 0, 255), "cyan": (0, 255, 255)}
CUTS = [sum(LENGTHS[:i]) for i in range(1, len(LENGTHS))]


def five_cuts(path: Path, size: str = "160x120") -> Path:
    """A lossless clip of six scenes (LENGTHS frames, COLOURS), a pattern moving inside each, and a tone."""
    parts, joined = [], ""
    for i, (colour, frames) in enumerate(zip(COLOURS, LENGTHS)):
        parts.append(f"color=c={colour}:s={size}:r={RATE},trim=end_frame={frames}[b{i}];"
                     f"testsrc2=s=40x40:r={RATE},trim=end_frame={frames}[m{i}];"
                     f"[b{i}][m{i}]overlay=x='50+n*2':y='30+n':shortest=1[s{i}]")
        joined += f"[s{i}]"
    graph = ";".join(parts) + f";{joined}concat=n={len(LENGTHS)}:v=1:a=0,format=yuv420p"  # as players get it
    seconds = sum(LENGTHS) / RATE
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", graph, "-f", "lavfi", "-i",
                    f"sine=frequency=440:sample_rate=48000:duration={seconds}", "-c:v", "ffv1", "-c:a", "pcm_s16le",
                    "-shortest", str(path)], check=True)
    return path


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    """Answers of the passes kept in the test's own folder, not the user's cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def cuts_clip(tmp_path_factory) -> Path:
    return five_cuts(tmp_path_factory.mktemp("scenes") / "cuts.mkv")


def frame_count(path: Path) -> int:
    listing = subprocess.run([FFMPEG, "-nostdin", "-i", str(path), "-map", "0:v:0", "-f", "framecrc", "-"],
                             capture_output=True, text=True, check=True).stdout
    return sum(line.startswith("0,") for line in listing.splitlines())


def colour_of(frame: np.ndarray) -> str:
    """The scene colour nearest the frame's top-left corner (the moving pattern never goes there)."""
    corner = frame[2:12, 2:12].reshape(-1, 3).mean(axis=0)
    return min(COLOURS, key=lambda name: np.abs(np.array(COLOURS[name]) - corner).sum())


def test_five_hard_cuts_give_five_scene_times_within_a_frame(cuts_clip, tmp_path):
    plan = api.compile_recipe(api.Recipe(input=str(cuts_clip), steps=["scenes"], output=str(tmp_path / "o.mkv")))
    said = [f for f in plan.findings if "scenes:" in f]
    assert len(said) == 1, plan.findings
    times = [float(t) for t in said[0].split(" at ")[1].split(", ")]
    assert len(times) == 5
    assert all(abs(t - cut / RATE) <= 1 / RATE for t, cut in zip(times, CUTS)), (times, CUTS)


def test_validate_and_compile_say_the_scene_times(cuts_clip, tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("steps:\n  - scenes\noutput: o.mkv\n")
    for command in ("validate", "compile"):
        result = ffx(command, str(recipe), "-i", str(cuts_clip), "-o", str(tmp_path / "o.mkv"))
        assert result.exit_code == 0, result.output
        said = result.stdout if command == "validate" else result.stderr  # compile's stdout is the command alone
        assert "steps[0] (scenes): scenes: 5 cuts at 1.000, 2.480, 3.280, 4.520, 5.640" in said


def test_kept_scenes_are_their_frames_joined_with_their_sound(cuts_clip, tmp_path):
    out = tmp_path / "kept.mkv"
    plan = api.render(api.Recipe(input=str(cuts_clip), steps=[{"scenes": {"keep": [2, 4, -1]}}],
                                 output={"path": str(out), "codec": "ffv1", "audio_codec": "pcm_s16le"}))
    frames = decode_frames(out)
    want = LENGTHS[1] + LENGTHS[3] + LENGTHS[5]
    assert len(frames) == plan.result.frames == want
    names = list(COLOURS)
    colours = [colour_of(f) for f in frames]
    assert colours == [names[1]] * LENGTHS[1] + [names[3]] * LENGTHS[3] + [names[5]] * LENGTHS[5]
    # the first kept frame is scene 2's first: the pattern at the start of its scene
    whole = decode_frames(cuts_clip)
    assert np.array_equal(frames[0], whole[CUTS[0]]) and np.array_equal(frames[-1], whole[-1])
    sound = subprocess.run([FFMPEG, "-v", "error", "-i", str(out), "-map", "0:a", "-ac", "1", "-f", "s16le", "-"],
                           capture_output=True, check=True).stdout
    assert abs(len(sound) / 2 / 48000 - want / RATE) < 0.001  # the sound of the kept scenes, to the sample


def test_a_scene_that_is_not_there_is_refused_naming_it(cuts_clip, tmp_path):
    with pytest.raises(RecipeError, match=r"steps\[0\]\.scenes\.keep\.0: there is no scene 7: the clip has 6 scenes"):
        api.compile_recipe(api.Recipe(input=str(cuts_clip), steps=[{"scenes": {"keep": [7]}}],
                                      output=str(tmp_path / "o.mkv")))
    with pytest.raises(RecipeError, match="in their order"):
        api.compile_recipe(api.Recipe(input=str(cuts_clip), steps=[{"scenes": {"keep": [3, 1]}}],
                                      output=str(tmp_path / "o.mkv")))


def test_contact_sheet_at_scenes_has_one_tile_per_scene_in_its_colour(cuts_clip, tmp_path):
    out = tmp_path / "sheet.png"
    api.render(api.Recipe(input=str(cuts_clip), output=str(out), steps=[
        {"contact_sheet": {"at": "scenes", "columns": 4, "width": 648, "padding": 8, "timestamps": False}}]))
    sheet = decode_frames(out)[0]
    tile = (648 - 8 * 5) // 4 // 2 * 2  # 152 px wide, 114 high: two rows of four, the last two empty
    high = round(tile * 120 / 160 / 2) * 2
    assert sheet.shape[:2] == (2 * high + 3 * 8, 648)
    names = list(COLOURS)
    for index in range(8):
        row, column = divmod(index, 4)
        top, left = 8 + row * (high + 8), 8 + column * (tile + 8)
        corner = sheet[top + 2:top + 12, left + 2:left + 12].reshape(-1, 3).mean(axis=0)
        if index < len(names):
            assert np.abs(corner - COLOURS[names[index]]).max() < 12, (index, corner)
        else:
            assert corner.max() < 12, (index, corner)  # no seventh scene: the sheet's background


def test_one_file_per_scene_each_exactly_its_frames(cuts_clip, tmp_path):
    recipe = tmp_path / "split.yaml"
    recipe.write_text("steps:\n  - scenes\noutput: {path: parts/scene.mkv, codec: ffv1, audio_codec: pcm_s16le}\n")
    result = ffx("render", str(recipe), "-i", str(cuts_clip), "-o", str(tmp_path / "parts" / "scene_{index:02d}.mkv"),
                 "-q")
    assert result.exit_code == 0, result.output
    written = sorted((tmp_path / "parts").iterdir())
    assert [p.name for p in written] == [f"scene_{i:02d}.mkv" for i in range(1, 7)]
    whole = decode_frames(cuts_clip)
    for path, length, first in zip(written, LENGTHS, [0, *CUTS]):
        frames = decode_frames(path)
        assert len(frames) == frame_count(path) == length, path.name
        assert np.array_equal(frames, whole[first:first + length]), path.name
        sound = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-map", "0:a", "-ac", "1", "-f", "s16le", "-"],
                               capture_output=True, check=True).stdout
        assert abs(len(sound) / 2 / 48000 - length / RATE) < 0.05, path.name  # each file has its scene's sound


def test_one_file_per_scene_into_mp4_without_a_scenes_step(cuts_clip, tmp_path):
    plan = api.render(api.Recipe(input=str(cuts_clip), steps=[], output=str(tmp_path / "s_{index}.mp4")))
    assert any("6 files, one per scene" in said for said in plan.findings), plan.findings
    assert [frame_count(tmp_path / f"s_{i}.mp4") for i in range(1, 7)] == list(LENGTHS)


def test_one_file_per_scene_refuses_what_it_cannot_split(cuts_clip, tmp_path):
    for output, message in (({"path": str(tmp_path / "s_{index}.gif")}, "video files, not as gif"),
                            ({"path": str(tmp_path / "s_{index}.mp4"), "fps": 10}, "which fps would change"),
                            ({"path": str(tmp_path / "s_{index}_{index}.mp4")}, "with one {index}")):
        with pytest.raises(RecipeError, match=message):
            api.compile_recipe(api.Recipe(input=str(cuts_clip), steps=["scenes"], output=output))


def test_existing_scene_files_are_kept_without_overwrite(cuts_clip, tmp_path):
    (tmp_path / "s_3.mkv").write_bytes(b"precious")
    recipe = api.Recipe(input=str(cuts_clip), steps=["scenes"], output={"path": str(tmp_path / "s_{index}.mkv")})
    with pytest.raises(api.InputError, match="already exists"):
        api.render(recipe)
    assert (tmp_path / "s_3.mkv").read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["s_3.mkv"]


def test_the_scene_sheet_recipe_renders_without_media(tmp_path):
    said = ffx("validate", str(RECIPES / "scene-sheet.yaml"))
    assert said.exit_code == 0, said.output
    # the generated clip cuts to a new look every 1.5 s: at frames 38, 75, 113, 150, 188 of 25 fps
    assert "scenes: 5 cuts at 1.520, 3.000, 4.520, 6.000, 7.520" in said.stdout
    out = tmp_path / "sheet.png"
    result = ffx("render", str(RECIPES / "scene-sheet.yaml"), "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    sheet = decode_frames(out)[0]
    tile = (1600 - 4 * 4) // 3 // 2 * 2  # three across, two rows: one tile per scene
    high = round(tile * 360 / 640 / 2) * 2
    strip = max(8, high // 9) + 2 * max(2, max(8, high // 9) // 4)
    strip += strip % 2
    assert sheet.shape[:2] == (2 * (high + strip) + 3 * 4, 3 * tile + 4 * 4)
    corners = {tuple(sheet[4 + r * (high + strip + 4) + high // 2, 4 + c * (tile + 4) + 2]) for r in (0, 1)
               for c in range(3)}
    assert len(corners) == 6  # the first stripe of each tile: six scenes, six hues


def test_a_contact_sheet_after_a_scenes_step_uses_its_threshold(cuts_clip, tmp_path):
    # the cuts score 45, 46, 88, 63 and 63 (scdet on RGB): at 70 only the third is a cut: two scenes, two tiles
    out = tmp_path / "sheet.png"
    plan = api.render(api.Recipe(input=str(cuts_clip), output=str(out), steps=[
        {"scenes": {"threshold": 70}},
        {"contact_sheet": {"at": "scenes", "columns": 4, "width": 648, "padding": 8, "timestamps": False}}]))
    assert [f for f in plan.findings if "scenes:" in f] == ["steps[0] (scenes): scenes: 1 cut at 3.280"]
    sheet = decode_frames(out)[0]
    tile = (648 - 8 * 3) // 2 // 2 * 2  # two across: the first scene's middle frame, then the second's
    assert sheet.shape[1] == 2 * tile + 3 * 8
    names = list(COLOURS)
    assert [colour_of(sheet[8:, 8 + c * (tile + 8):]) for c in (0, 1)] == [names[1], names[4]]


def test_a_chunked_render_refuses_scene_files_and_crop_auto(cuts_clip, tmp_path):
    for steps, output, said in (([], "s_{index}.mp4", "one file per scene"),
                                ([{"crop": "auto"}], "o.mp4", "sample anew")):
        with pytest.raises(RecipeError, match=said):
            api.render(api.Recipe(input=str(cuts_clip), steps=steps, output=str(tmp_path / output)), chunks=2)


@settings(max_examples=200, deadline=None)
@given(cuts=st.lists(st.integers(-5, 300)), frames=st.integers(1, 250))
def test_scenes_are_contiguous_spans_that_cover_the_clip(cuts, frames):
    spans = scene_spans(cuts, frames)
    assert spans[0][0] == 0 and spans[-1][1] == frames
    assert all(first < end for first, end in spans)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    assert [first for first, _ in spans[1:]] == sorted({c for c in cuts if 0 < c < frames})


@settings(max_examples=200, deadline=None)
@given(head=st.text(st.characters(blacklist_characters="{}/\x00"), max_size=20),
       tail=st.text(st.characters(blacklist_characters="{}/\x00"), max_size=20),
       width=st.sampled_from(["", ":03d", ":2d", ":d"]), index=st.integers(1, 999))
def test_the_numbered_file_is_the_template_filled_in(head, tail, width, index):
    pattern = numbered_pattern(f"out/{head}{{index{width}}}{tail}.mp4")
    spec = width[1:] if width else "d"
    assert pattern % index == f"out/{head}{index:{spec}}{tail}.mp4"


def test_scenes_of_named_streams_join_in_any_order(cuts_clip, tmp_path):
    out = tmp_path / "joined.mkv"
    api.render(api.Recipe(input=str(cuts_clip), output={"path": str(out), "codec": "ffv1", "audio_codec": "pcm_s16le"},
                          steps=[{"scenes": {"keep": [5]}, "as": "five"}, {"from": "input", "scenes": {"keep": [2]}},
                                 {"concat": {"with": ["five"]}}]))
    names = list(COLOURS)
    assert [colour_of(f) for f in decode_frames(out)] == [names[1]] * LENGTHS[1] + [names[4]] * LENGTHS[4]



def test_render_names_the_files_it_wrote_not_ffmpegs_pattern(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("input: {source: cuts, size: 160x90, duration: 6}\nsteps:\n  - scenes\noutput: x.mp4\n")
    done = ffx("render", str(recipe), "-o", str(tmp_path / "shots" / "scene_{index:02d}.mp4"))
    assert done.exit_code == 0, done.output
    files = sorted((tmp_path / "shots").iterdir())
    assert len(files) == 4
    assert f"wrote 4 files: {files[0]} ... {files[-1]}" in done.output
