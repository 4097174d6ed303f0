"""Keyframes: parameters that move, measured in the rendered pixels and samples, not in the graph's text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from conftest import decode_audio, decode_frames, run_ffmpeg

import ffx
from ffx.effects.keyframes import EASES, Keyframes, eased

RATE = 25


@pytest.fixture
def box(tmp_path: Path) -> Path:
    """A white 32x32 picture, laid over black."""
    path = tmp_path / "box.png"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=white:s=32x32", "-frames:v", "1", str(path))
    return path


def render_gray(tmp_path: Path, steps: list, inputs: dict | None = None, source: dict | None = None,
                pix_fmt: str = "gray") -> np.ndarray:
    """The steps over a black 320x90 clip of 3 s (or ``source``), decoded to gray (frames, rows, columns),
    or to ``pix_fmt`` (frames, rows, columns, channels)."""
    main = source or {"source": "color", "color": "black", "size": "320x90", "rate": RATE, "duration": 3}
    out = tmp_path / "o.mkv"
    recipe = ffx.Recipe(inputs={"main": main, **(inputs or {})}, steps=steps,
                        output={"path": str(out), "codec": "ffv1", "pix_fmt": "yuv444p"})
    ffx.render(recipe, overwrite=True)
    frames = decode_frames(out, pix_fmt).astype(int)
    return frames[..., 0] if pix_fmt == "gray" else frames


def left_edge(frame: np.ndarray) -> int:
    """The first column holding white."""
    return int(np.nonzero(frame.max(axis=0) > 128)[0].min())


def expected(keys: dict, t: float) -> float:
    return Keyframes.parse(keys).value_at(t)


def test_an_overlay_follows_its_keyframes_linear_and_eased(tmp_path, box):
    linear = {0: 0, 2: 200}
    frames = render_gray(tmp_path, [{"overlay": {"with": "box", "x": linear, "y": 20}}], {"box": str(box)})
    assert left_edge(frames[0]) == 0
    assert abs(left_edge(frames[RATE]) - 100) <= 1  # 1 s: half way
    assert abs(left_edge(frames[RATE // 2]) - 50) <= 2  # 0.5 s
    assert left_edge(frames[2 * RATE]) == 200 and left_edge(frames[-1]) == 200  # arrived, and stays
    smooth = {**linear, "ease": "in_out"}
    eased_frames = render_gray(tmp_path, [{"overlay": {"with": "box", "x": smooth, "y": 20}}], {"box": str(box)})
    for k in (RATE // 2, RATE, RATE + RATE // 2):
        t = k / RATE
        want = 200 * eased("in_out", t / 2)
        assert want == expected(smooth, t)
        assert abs(left_edge(eased_frames[k]) - want) <= 2, (k, left_edge(eased_frames[k]), want)
    # visibly not linear: a quarter of the way in, in_out is 19 px behind
    assert left_edge(frames[RATE // 2]) - left_edge(eased_frames[RATE // 2]) >= 15


def test_keyframe_mistakes_are_one_line_naming_the_field(box):
    inputs = {"main": {"source": "color", "size": "160x90", "duration": 2}, "box": str(box)}
    for x, message in (({0: 0, 1: 20000}, "at most 16384"), ({}, "at least one"), ({"0:01": 1, 1: 2}, "same time"),
                       ({-1: 0}, "outside 0"), ({0: 1, "ease": "bouncy"}, "ease 'bouncy'"),
                       ({0: "left"}, "not a number"), ({i: i for i in range(1002)}, "more than 1000")):
        with pytest.raises(ffx.RecipeError, match=message) as caught:
            ffx.Recipe(inputs=inputs, steps=[{"overlay": {"with": "box", "x": x}}], output="o.mp4")
        assert str(caught.value).count("\n") == 0 and "steps[0].overlay.x" in str(caught.value)


def bar_clip(tmp_path: Path, x: int = 200, duration: float = 3) -> Path:
    """Black 320x90, 25 fps, with a white bar 10 px wide whose left edge is at ``x``."""
    path = tmp_path / "bar.mkv"
    run_ffmpeg("-f", "lavfi", "-i", f"color=black:s=320x90:r={RATE}:d={duration}",
               "-vf", f"drawbox=x={x}:y=0:w=10:h=90:c=white:t=fill", "-c:v", "ffv1", "-pix_fmt", "yuv444p", str(path))
    return path


def test_crop_pans_along_its_keyframes(tmp_path):
    frames = render_gray(tmp_path, [{"crop": {"x1": {0: 0, 2: 160}, "width": 160}}],
                         source={"path": str(bar_clip(tmp_path))})
    assert frames.shape[1:] == (90, 160)
    assert frames[0].max() < 30  # the window is 0..160: the bar at 200 is outside it
    assert left_edge(frames[RATE]) == 200 - 80  # 1 s: the window starts at 80
    assert left_edge(frames[2 * RATE]) == left_edge(frames[-1]) == 200 - 160


def test_crop_size_cannot_move():
    for crop, message in (({"x1": 0, "width": {0: 100, 1: 50}}, "crop.width: this parameter cannot move: the crop's size"),
                          ({"x1": {0: 0, 1: 50}, "x2": 300}, "x1 moves, so give width too")):
        with pytest.raises(ffx.RecipeError, match=message):
            ffx.compile_recipe(ffx.Recipe(input={"source": "color", "size": "320x90", "duration": 1},
                                          steps=[{"crop": crop}], output="o.mp4"))


@pytest.mark.parametrize("step, field", [({"resize": {"width": {0: 100, 1: 200}}}, "resize.width"),
                                         ({"sharpen": {"amount": {0: 1, 2: 3}}}, "sharpen.amount")])
def test_keyframes_on_a_number_that_takes_none_say_so(tmp_path, step, field):
    """Any other number given keyframes is refused in the same words, at its line, with where to look."""
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"input: {{source: color, size: 320x90, duration: 1}}\nsteps:\n  - {step}\noutput: o.mp4\n")
    with pytest.raises(ffx.RecipeError) as refused:
        ffx.compile_recipe(recipe)
    [line] = str(refused.value).splitlines()
    assert "r.yaml:3:" in line and f"steps[0].{field}: this parameter cannot move" in line
    assert f"ffx effects {field.split('.')[0]}" in line


def rms_db(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(samples.astype(float) ** 2))))


def test_volume_follows_its_keyframes_within_a_quarter_of_a_decibel(tmp_path):
    keys = {0: 1, 1: 1, 2: "-20dB", "ease": "in_out"}
    out = tmp_path / "o.mkv"
    recipe = ffx.Recipe(inputs={"main": {"source": "color", "size": "64x36", "rate": RATE, "duration": 3},
                                "tone": {"source": "sine", "frequency": 1000, "duration": 3}},
                        steps=[{"audio": {"track": "tone", "volume": keys}}],
                        output={"path": str(out), "codec": "ffv1", "audio_codec": "pcm_s16le"})
    ffx.render(recipe)
    sound = decode_audio(out)
    reference = rms_db(sound[int(0.2 * 48000):int(0.8 * 48000)])  # gain 1 until 1 s
    curve = ffx.effects.Audio(track="tone", volume=keys).volume  # -20 dB read as the factor 0.1
    assert curve.value_at(2.5) == pytest.approx(0.1)
    for t in np.arange(1.05, 2.9, 0.1):  # windows of 20 ms, in the fall and after it
        window = sound[int((t - 0.01) * 48000):int((t + 0.01) * 48000)]
        want = reference + 20 * np.log10(curve.value_at(t))
        assert abs(rms_db(window) - want) < 0.25, (t, rms_db(window), want)  # measured: at most 0.11 dB


def still_equivalents(tmp_path: Path, effect: str, field: str, keys: dict, times: list[float], source: dict,
                      pix_fmt: str = "gray", **fixed) -> list[tuple[np.ndarray, np.ndarray]]:
    """Frames at ``times`` of the step with ``field`` moving, each beside the same frame rendered with the
    field held at the curve's value for that time."""
    moving = render_gray(tmp_path, [{effect: {field: keys, **fixed}}], source=source, pix_fmt=pix_fmt)
    curve = getattr(ffx.effects.REGISTRY[effect](**{field: keys, **fixed}), field)
    pairs = []
    for t in times:
        still = render_gray(tmp_path, [{effect: {field: curve.value_at(t), **fixed}}], source=source,
                            pix_fmt=pix_fmt)
        pairs.append((moving[round(t * RATE)], still[round(t * RATE)]))
    return pairs


def sharpness(frame: np.ndarray) -> int:
    return int(np.abs(np.diff(frame, axis=1)).max())


@pytest.mark.parametrize("effect", ["blur", "gblur"])
def test_blur_sigma_moves_as_sent_commands(tmp_path, effect):
    source = {"path": str(bar_clip(tmp_path))}
    pairs = still_equivalents(tmp_path, effect, "sigma", {0: 0.1, 2: 6, "ease": "out"}, [0, 0.6, 1, 2.4], source)
    edges = [sharpness(moving) for moving, _ in pairs]
    assert edges == sorted(edges, reverse=True) and edges[0] > 200 and edges[-1] < 60  # sharp, then soft
    for moving, still in pairs:  # each frame as blurred as a still sigma at its time
        assert np.abs(moving - still).max() <= 1


def test_brightness_and_contrast_follow_their_keyframes(tmp_path):
    source = {"source": "testsrc2", "size": "160x90", "rate": RATE, "duration": 3}
    for field, keys in (("brightness", {0: -0.4, 2: 0.2}), ("contrast", {0: 0.2, 2.5: 1.8, "ease": "in"})):
        pairs = still_equivalents(tmp_path, "color", field, keys, [0, 0.8, 1.6, 2.8], source)
        for moving, still in pairs:
            assert np.abs(moving - still).max() <= 1
        if field == "brightness":
            means = [moving.mean() for moving, _ in pairs]
            assert means == sorted(means) and means[-1] - means[0] > 60
        else:
            spreads = [moving.std() for moving, _ in pairs]
            assert spreads == sorted(spreads) and spreads[-1] > 3 * spreads[0]


def test_a_held_value_stays_until_the_next_key(tmp_path):
    source = {"source": "color", "color": "#907060", "size": "160x90", "rate": RATE, "duration": 3}  # muted
    keys = {0: 0, 1: [1, "hold"], 2: 2}  # grey to full colour, held there for a second, then doubled at once
    curve = ffx.effects.Color(saturation=keys).saturation
    assert [curve.value_at(t) for t in (0.5, 1.2, 1.96, 2.0, 2.8)] == [0.5, 1, 1, 2, 2]
    pairs = still_equivalents(tmp_path, "color", "saturation", keys, [0.4, 1.2, 1.96, 2.0, 2.8], source, "rgb24")
    for moving, still in pairs:
        assert np.abs(moving - still).max() <= 1
    # without the hold it would be nearly twice as colourful just before 2 s: how far channels stand apart
    linear = render_gray(tmp_path, [{"color": {"saturation": {0: 0, 1: 1, 2: 2}}}], source=source, pix_fmt="rgb24")
    k = round(1.96 * RATE)
    assert np.ptp(linear[k], axis=-1).mean() > 1.5 * np.ptp(pairs[2][0], axis=-1).mean()


def test_zoom_follows_its_eased_factor(tmp_path):
    square = tmp_path / "square.mkv"  # a white 40x40 square in the middle of a black 320x180 frame
    run_ffmpeg("-f", "lavfi", "-i", f"color=black:s=320x180:r={RATE}:d=3",
               "-vf", "drawbox=x=140:y=70:w=40:h=40:c=white:t=fill", "-c:v", "ffv1", "-pix_fmt", "yuv444p", str(square))
    keys = {0: 1, 2: 2, "ease": "in_out"}
    frames = render_gray(tmp_path, [{"zoom": {"factor": keys}}], source={"path": str(square)})
    curve = ffx.effects.Zoom(factor=keys).factor
    for k in (0, RATE // 2, RATE, 3 * RATE // 2, 2 * RATE, 3 * RATE - 1):
        columns = np.nonzero(frames[k].max(axis=0) > 128)[0]
        width = columns.max() - columns.min() + 1
        assert abs(width - 40 * curve.value_at(k / RATE)) <= 2, (k, width)
        assert abs((columns.max() + columns.min() + 1) / 2 - 160) <= 1.5  # centred
    assert curve.value_at(0.5) < 1.2  # eased: slow to start (linear would be 1.25)


def test_pad_moves_the_picture_on_its_canvas(tmp_path):
    white = {"source": "color", "color": "white", "size": "40x40", "rate": RATE, "duration": 3}
    frames = render_gray(tmp_path, [{"pad": {"width": 320, "height": 90, "x": {0: 0, 2: 200, "ease": "in"}, "y": 20}}],
                         source=white)
    assert frames.shape[1:] == (90, 320)
    for k in (0, RATE // 2, RATE, 2 * RATE):
        assert left_edge(frames[k]) == int(200 * eased("in", min(1, k / RATE / 2)))  # overlay drops the fraction
        assert np.nonzero(frames[k].max(axis=1) > 128)[0].min() == 20
    with pytest.raises(ffx.RecipeError, match="margins place it themselves"):
        ffx.Recipe(input=white, steps=[{"pad": {"margin": 10, "x": {0: 0, 1: 5}}}], output="o.mp4")


def test_text_moves_fades_and_grows_as_its_still_renders_at_each_time(tmp_path):
    moving = {"text": "Hg", "position": [{0: 0, 2: 200}, {0: 10, 2: 30}], "opacity": {0: 0.2, 2: 1},
              "size": {0: 20, 2: 40}}
    frames = render_gray(tmp_path, [{"text": moving}])
    for t in (0, 0.6, 1, 1.4, 2.5):  # times of frames (k / 25)
        x, y, alpha = 200 * min(t, 2) / 2, 10 + 20 * min(t, 2) / 2, 0.2 + 0.8 * min(t, 2) / 2
        size = 20 + 20 * min(t, 2) / 2
        still = render_gray(tmp_path, [{"text": {"text": "Hg", "position": [round(x), round(y)], "opacity": alpha,
                                                 "size": round(size)}}])
        k = round(t * RATE)
        assert np.abs(frames[k] - still[k]).max() <= 2, t
    inked = [int(np.nonzero(frames[k].max(axis=0) > 20)[0].min()) for k in (0, RATE, 2 * RATE)]
    assert abs(inked[1] - inked[0] - 100) <= 2 and abs(inked[2] - inked[1] - 100) <= 2  # the ink moves with x
    brightest = [frames[k].max() for k in (0, RATE, 2 * RATE)]
    assert brightest[0] < 70 and 130 < brightest[1] < 170 and brightest[2] > 245  # 0.2, 0.6, 1 of white


def test_a_moving_size_is_refused_for_lines_it_cannot_keep_apart():
    with pytest.raises(ffx.RecipeError, match="steps\\[0\\].text.size: size can move only for one line"):
        ffx.compile_recipe(ffx.Recipe(input={"source": "color", "size": "320x90", "duration": 1},
                                      steps=[{"text": {"text": "one\ntwo", "size": {0: 20, 1: 30}}}], output="o.mp4"))


def test_keyframes_are_on_the_steps_clock_after_a_trim(tmp_path, box):
    """0 is the first frame the step receives, as for overlay.start: after a trim from 1 s (seeked in the
    input, or cut in the graph after another step) a key at 1 s is reached on the trimmed clip's frame 25."""
    source = {"path": str(bar_clip(tmp_path, x=300, duration=4))}
    keys = {0: 0, 2: 200}
    for first in ([{"trim": {"start": 1, "duration": 2.4}}],
                  [{"fps": RATE}, {"trim": {"start": 1, "duration": 2.4}}]):
        frames = render_gray(tmp_path, [*first, {"overlay": {"with": "box", "x": keys, "y": 20}}],
                             {"box": str(box)}, source=source)
        assert len(frames) == 60
        assert left_edge(frames[0]) == 0 and abs(left_edge(frames[RATE]) - 100) <= 1
        dimmed = render_gray(tmp_path, [*first, {"color": {"brightness": {0: 0, 2: -0.5}}},
                                        {"blur": {"sigma": {0: 0.1, 1: [0.1, "hold"], 1.2: 6}}}], source=source)
        quarter = render_gray(tmp_path, [*first, {"color": {"brightness": -0.25}}], source=source)
        bright = dimmed.max(axis=(1, 2))
        assert bright[0] > 240 and abs(bright[RATE] - quarter[RATE].max()) <= 1  # -0.25 at 1 s on this clock
        assert sharpness(dimmed[RATE - 1]) > 150 and sharpness(dimmed[RATE + 5]) < 60  # blurred from 1 s on


def test_the_schema_the_effects_list_and_the_graph_say_what_can_move(box):
    from ffx.recipe.schema import recipe_json_schema
    from ffx.view.catalog import describe_effect
    from ffx.view.graphview import render_picture

    assert "can move: x, y, opacity, scale" in "\n".join(describe_effect("overlay"))
    assert "can move" not in "\n".join(describe_effect("trim"))
    steps = recipe_json_schema()["properties"]["steps"]["items"]["anyOf"]
    bodies = {name: variant["properties"][name]["anyOf"][0] for variant in steps if "properties" in variant
              for name in variant["properties"] if name not in ("from", "as")}
    assert bodies["color"]["x-can-move"] == ["brightness", "contrast", "saturation", "gamma", "hue"]
    assert "Keyframes" in str(bodies["overlay"]["properties"]["x"]) and "x-can-move" not in bodies["trim"]
    recipe = ffx.Recipe(inputs={"main": {"source": "color", "size": "160x90", "duration": 1}, "box": str(box)},
                        steps=[{"overlay": {"with": "box", "x": {0: 0, 1: 50}}}, {"gblur": {"sigma": {0: 1, 1: 3}}}],
                        output="o.mp4")
    picture = render_picture(ffx.compile_recipe(recipe), ".mmd")
    assert "moves: x" in picture and "moves: sigma" in picture


def test_a_picture_at_another_rate_keeps_every_frame_of_a_clip_with_a_gap(tmp_path):
    """The lower third's bar (a generated picture, 1/25 time base) over a variable-rate clip averaging 50/3 fps:
    re-timed in microseconds, it pairs with all 50 frames."""
    import zoo

    clip = zoo.gap(tmp_path)
    out = tmp_path / "o.mp4"
    plan = ffx.render(ffx.Recipe(inputs={"main": str(clip), "bar": {"source": "color", "color": "white",
                                                                    "size": "62x12", "rate": 25, "duration": 0.04}},
                                 steps=[{"overlay": {"with": "bar", "x": {0: 0, 3: 90}, "y": 40}}], output=str(out)))
    frames = decode_frames(out, "gray")[..., 0]
    assert plan.result.frames == len(frames) == 50
    assert frames[0][41:51, 1:60].min() > 230 and frames[-1][41:51, 92:150].min() > 230  # the bar, moved


def test_the_vertical_blur_cannot_move():
    with pytest.raises(ffx.RecipeError, match="blur.sigma_y: this parameter cannot move"):
        ffx.effects.Blur(sigma=2, sigma_y={0: 1, 1: 3})


def test_gamma_and_hue_follow_their_keyframes(tmp_path):
    source = {"source": "testsrc2", "size": "160x90", "rate": RATE, "duration": 3}
    plain = render_gray(tmp_path, [{"color": {}}], source=source, pix_fmt="rgb24")
    for field, keys in (("gamma", {0: 0.5, 2: 2, "ease": "out"}), ("hue", {0: 0, 2.4: 180})):
        pairs = still_equivalents(tmp_path, "color", field, keys, [0.4, 1.2, 2.8], source, "rgb24")
        for moving, still in pairs:
            assert np.abs(moving - still).max() <= 1
        assert np.abs(pairs[2][0] - plain[round(2.8 * RATE)]).mean() > 10  # and they change the picture


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(points=st.dictionaries(st.integers(0, 3000).map(lambda n: n / 100), st.floats(-1000, 1000), min_size=1,
                              max_size=60),
       ease=st.sampled_from(EASES), times=st.lists(st.floats(-1, 32), min_size=1, max_size=20))
def test_the_expression_ffmpeg_evaluates_is_the_curve(points, ease, times):
    """The if-tree halving the keys gives, at any time, the value the curve has (read in Python)."""
    keys = Keyframes.parse({**points, "ease": ease})
    expression = keys.as_expression().replace("if(", "pick(").replace("lt(", "less(")
    at = eval(f"lambda t: {expression}", {"pick": lambda c, a, b: a if c else b, "less": lambda a, b: a < b})
    for t in times + [k.time for k in keys.keys]:
        assert at(t) == pytest.approx(keys.value_at(t), abs=1e-6)
        assert sent(keys.as_commands("gblur@g", "sigma"), keys.first, t) == pytest.approx(keys.value_at(t), abs=1e-6)


def sent(commands: str, first: float, t: float) -> float:
    """What sendcmd leaves the option at for a frame at ``t``: the command of the interval [start, end) holding
    it (an [expr] evaluated with TI its share of the way), else the filter's first value."""
    for command in commands.split("; "):
        span, flag, target, option, argument = command.split(" ", 4)
        start, _, end = span.partition("-")
        if float(start) <= t < (float(end) if end else float("inf")):
            assert (target, option) == ("gblur@g", "sigma") and flag in ("[enter]", "[expr]")
            share = (t - float(start)) / (float(end) - float(start)) if end else 0.0
            return eval(argument.strip("'"), {"TI": share}) if flag == "[expr]" else float(argument)
    return first


def test_an_overlay_grows_about_its_place_and_fades_in(tmp_path, box):
    frames = render_gray(tmp_path, [{"overlay": {"with": "box", "position": "center", "scale": {0: 1, 2: 2},
                                                 "opacity": {0: 0.2, 2: 1, "ease": "in"}}}], {"box": str(box)})
    curve = ffx.effects.Overlay(**{"with": "box", "opacity": {0: 0.2, 2: 1, "ease": "in"}}).opacity
    for k in (0, RATE, 2 * RATE, 3 * RATE - 1):
        t = min(k / RATE, 2)
        ys, xs = np.nonzero(frames[k] > 20)
        assert xs.max() - xs.min() + 1 == round(32 * (1 + t / 2))  # scaled by the curve
        assert (xs.min() + xs.max() + 1) / 2 == 160  # and still centred: overlay reads its size on each frame
        assert abs(frames[k][ys.min() + 4:ys.max() - 4, xs.min() + 4:xs.max() - 4].mean() - 255 * curve.value_at(t)) < 4


def test_zoom_pans_along_its_focus_keyframes(tmp_path):
    frames = render_gray(tmp_path, [{"zoom": {"factor": 2, "focus": [{0: 0, 2: 1}, 0.5]}}],
                         source={"path": str(bar_clip(tmp_path))})
    assert frames[0].max() < 30  # the window 0..160 misses the bar at 200
    for k, window in ((RATE, 80), (2 * RATE, 160)):  # the window's left edge: focus x * (320 - 160)
        assert abs(left_edge(frames[k]) - (200 - window) * 2) <= 2, k
