"""The command line: exact outputs, exit codes, errors without tracebacks, pasteable commands."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import ADVERSARIAL, FFMPEG, decode_frames
from ffx.cli import app

ROOT = Path(__file__).resolve().parent.parent
RECIPES = ROOT / "recipes"
runner = CliRunner()


def ffx(*args: str, cwd: Path | None = None):
    old = os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        return runner.invoke(app, list(args), env={"COLUMNS": "120"})
    finally:
        os.chdir(old)


def test_validate_lists_every_problem_with_exit_1_and_no_traceback(tmp_path):
    recipe = tmp_path / "bad.yaml"
    recipe.write_text("input: {source: testsrc2}\nsteps:\n  - resize: {width: yes}\n  - trim: {start: 010}\n"
                      "output: {path: o.mp4, crf: .nan}\n")
    result = ffx("validate", str(recipe))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"error: {recipe}:3:21 steps[0].resize.width:")
    assert "Traceback" not in result.output


def test_validate_a_good_recipe_reports_what_comes_out():
    result = ffx("validate", str(RECIPES / "demo.yaml"))
    assert result.exit_code == 0, result.output
    assert "640x360 @ 30 fps, 5.97 s (179 frames), with audio" in result.stdout


def test_compile_prints_only_the_command(tmp_path):
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "ffmpeg").symlink_to(FFMPEG)  # the FFmpeg ffx runs is `ffmpeg` on this PATH
    result = runner.invoke(app, ["compile", str(RECIPES / "demo.yaml"), "-o", str(tmp_path / "x.mp4")],
                           env={"COLUMNS": "120", "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"})
    assert result.exit_code == 0
    assert result.stdout.startswith("ffmpeg -hide_banner -nostdin -f lavfi ")
    assert result.stderr == ""


def test_without_ffmpeg_on_path_the_printed_command_names_the_binary_and_runs_as_pasted(tmp_path):
    result = runner.invoke(app, ["compile", str(RECIPES / "demo.yaml"), "-o", str(tmp_path / "x.mp4")],
                           env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"})
    assert result.exit_code == 0
    assert result.stdout.startswith(FFMPEG + " -hide_banner ")
    done = subprocess.run(["bash", "-c", result.stdout], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "x.mp4").stat().st_size > 1000


def test_compile_json_gives_argv_lists(tmp_path):
    result = ffx("compile", str(RECIPES / "reverse.yaml"), "--json", "-i", "in put.mkv", "-o", str(tmp_path / "o.mp4"))
    # the input does not exist: compile needs to probe it
    assert result.exit_code == 1 and "does not exist" in result.stderr


def test_compiled_command_pasted_into_bash_gives_the_same_frames_as_render(tmp_path, clip):
    weird = tmp_path / "it's a [clip]; $(touch pwned).mkv"
    weird.write_bytes(clip.read_bytes())
    result = ffx("compile", str(RECIPES / "reverse.yaml"), "-i", str(weird), "-o", str(tmp_path / "shell.mkv"))
    assert result.exit_code == 0, result.output
    done = subprocess.run(["bash", "-c", result.stdout], capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "pwned").exists()
    rendered = ffx("render", str(RECIPES / "reverse.yaml"), "-i", str(weird), "-o", str(tmp_path / "render.mkv"), "-q")
    assert rendered.exit_code == 0, rendered.output
    shell_frames = decode_frames(tmp_path / "shell.mkv")
    assert np.array_equal(shell_frames, decode_frames(tmp_path / "render.mkv"))
    # x264 at crf 18: the first frame is the source's last, up to coding noise
    first, last = shell_frames[0].astype(int), decode_frames(clip)[-1].astype(int)
    assert np.abs(first - last).mean() < 2 < np.abs(first - decode_frames(clip)[0].astype(int)).mean()


def test_render_refuses_an_existing_output_without_overwrite(tmp_path, clip):
    out = tmp_path / "o.mp4"
    out.write_bytes(b"precious")
    result = ffx("render", str(RECIPES / "reverse.yaml"), "-i", str(clip), "-o", str(out), "-q")
    assert result.exit_code == 1 and "already exists; use --overwrite" in result.stderr
    assert out.read_bytes() == b"precious"
    result = ffx("render", str(RECIPES / "reverse.yaml"), "-i", str(clip), "-o", str(out), "-q", "--overwrite")
    assert result.exit_code == 0 and out.stat().st_size > 1000


@pytest.mark.parametrize("spelling", ["same", "dot", "absolute", "symlink", "hardlink"])
def test_an_output_that_is_the_input_is_refused_however_spelled(tmp_path, clip, spelling):
    before = clip.read_bytes()
    if spelling == "same":
        out = clip.name
    elif spelling == "dot":
        out = f"./{clip.name}"
    elif spelling == "absolute":
        out = str(clip)
    elif spelling == "symlink":
        out = "link.mkv"
        (tmp_path / out).symlink_to(clip)
    else:
        out = "hard.mkv"
        os.link(clip, tmp_path / out)
    result = ffx("render", str(RECIPES / "reverse.yaml"), "-i", clip.name, "-o", out, "--overwrite", "-q", cwd=tmp_path)
    assert result.exit_code == 1
    assert "never writes over an input" in result.stderr
    assert clip.read_bytes() == before


def test_missing_input_and_bad_usage_exit_codes(tmp_path):
    result = ffx("render", str(RECIPES / "reverse.yaml"), "-i", str(tmp_path / "nope.mp4"), "-o", str(tmp_path / "o.mp4"))
    assert result.exit_code == 1 and "does not exist" in result.stderr
    assert not (tmp_path / "o.mp4").exists()
    assert ffx("render").exit_code == 2
    assert ffx("render", str(RECIPES / "reverse.yaml"), "--no-such-flag").exit_code == 2


def test_recipe_without_input_asks_for_one(tmp_path):
    result = ffx("validate", str(RECIPES / "reverse.yaml"))
    assert result.exit_code == 1 and "give one with -i FILE" in result.stderr


def test_ffmpeg_failure_is_reported_with_the_step_and_leaves_nothing(tmp_path, clip):
    recipe = tmp_path / "r.yaml"
    # scale to an expression FFmpeg rejects at run time
    recipe.write_text("steps:\n  - resize: 0.5\n  - filter: {name: scale, w: \"iw*nope\", h: 10}\noutput: o.mkv\n")
    result = ffx("render", str(recipe), "-i", str(clip), "-o", str(tmp_path / "o.mkv"), "-q")
    assert result.exit_code == 1
    assert "steps[1] (filter)" in result.stderr and "command: " in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mkv", "r.yaml"]


def test_effects_and_schema_commands():
    listing = ffx("effects")
    assert listing.exit_code == 0 and "reverse" in listing.stdout and "boomerang" in listing.stdout
    detail = ffx("effects", "crop")
    assert "x_center" in detail.stdout and "example:" in detail.stdout
    assert ffx("effects", "crpo").exit_code == 1
    schema = json.loads(ffx("schema").stdout)
    assert schema["title"] == "ffx recipe"


def test_python_dash_m_works():
    done = subprocess.run([sys.executable, "-m", "ffx", "effects"], capture_output=True, text=True)
    assert done.returncode == 0 and "trim" in done.stdout


def test_entry_point_delivers_piped_output_whole_and_keeps_exit_codes(tmp_path):
    """The command ends without the interpreter's teardown, so what it buffered for a pipe must still arrive."""
    schema = subprocess.run([sys.executable, "-m", "ffx", "schema"], capture_output=True, text=True)
    assert schema.returncode == 0 and json.loads(schema.stdout)["title"] == "ffx recipe"
    missing = subprocess.run([sys.executable, "-m", "ffx", "compile", str(tmp_path / "none.yaml")],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    usage = subprocess.run([sys.executable, "-m", "ffx", "render", "--no-such-option"], capture_output=True, text=True)
    assert usage.returncode == 2 and "No such option" in usage.stderr


@pytest.mark.parametrize("name", sorted(p.stem for p in RECIPES.glob("*.yaml")))
def test_every_shipped_recipe_compiles_and_renders(tmp_path, clip, name):
    import ffx as api

    suffix = Path(api.load_recipe(RECIPES / f"{name}.yaml").output.path).suffix  # GIF recipes make GIFs
    out = tmp_path / f"{name}{suffix}"
    args = ["render", str(RECIPES / f"{name}.yaml"), "-o", str(out), "-q", *shipped_recipe_args(name, clip)]
    result = ffx(*args)
    assert result.exit_code == 0, result.output
    frames = decode_frames(out)
    assert frames.shape[0] == 1 if suffix == ".png" else frames.shape[0] > 10
    # what `ffx compile` prints, pasted into bash as is, makes the same frames
    printed = tmp_path / f"printed{suffix}"
    args[args.index("-o") + 1] = str(printed)
    args[0] = "compile"
    script = ffx(*[a for a in args if a != "-q"])
    assert script.exit_code == 0, script.output
    done = subprocess.run(["bash", "-c", script.stdout], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PATH": f"{shims(tmp_path)}:{os.environ['PATH']}"})
    assert done.returncode == 0, done.stderr
    assert np.array_equal(decode_frames(printed), frames)


def shipped_recipe_args(name: str, clip: Path) -> list[str]:
    """What a shipped recipe needs on the command line: the clip (the demo makes its own) and, for the
    subtitles recipe, its captions file."""
    args = [] if name == "demo" else ["-i", str(clip)]
    if name == "subtitles":
        args += ["--set", f"subs={RECIPES / 'captions.srt'}"]
    return args


def shims(folder: Path) -> Path:
    """`ffmpeg` and `python3` as a pasted command finds them on a user's PATH: the bundled FFmpeg, and the
    Python that has ffx installed (for Python stages)."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, target in (("ffmpeg", FFMPEG), ("python3", sys.executable)):
        shim = bin_dir / name
        shim.write_text(f'#!/bin/sh\nexec "{target}" "$@"\n')
        shim.chmod(0o755)
    return bin_dir


def test_compile_ffplay_prints_a_live_preview_for_a_camera(tmp_path):
    result = ffx("compile", str(RECIPES / "motion-side-by-side.yaml"), "--live", "-i", "/dev/video0",
                 "-o", str(tmp_path / "o.mp4"), "--ffplay", "--set", "delay=5")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ffplay -hide_banner -f v4l2 -video_size 640x480 -framerate 30 -i /dev/video0 -vf '[in]")
    assert "tpad=start=5:start_mode=clone" in result.stdout and "[out]' -an" in result.stdout


@pytest.mark.parametrize("name", ["out.xyz", "noext", "outdir/", ".mp4"])
def test_a_bad_output_name_on_the_command_line_is_one_line(tmp_path, clip, name):
    (tmp_path / "outdir").mkdir()
    result = ffx("compile", str(RECIPES / "reverse.yaml"), "-i", str(clip), "-o", name, cwd=tmp_path)
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: output: ") and ("folder" in line if name == "outdir/" else "format" in line), line
    ADVERSARIAL["clear errors"] += 1


@pytest.mark.parametrize("field, yaml_text", [
    ("input", 'input: "clip\\0.mkv"\noutput: o.mp4\n'),
    ("output", 'input: clip.mkv\noutput: "o\\0.mp4"\n'),
    ("steps[0].text.font", 'input: clip.mkv\nsteps:\n  - text: {text: hi, font: "a\\0.ttf"}\noutput: o.mp4\n'),
    ("steps[0].filter.brightness", 'input: clip.mkv\nsteps:\n  - filter: {name: eq, brightness: "0.1\\0"}\noutput: o.mp4\n'),
    ("vars.t", 'input: clip.mkv\nvars: {t: "a\\0"}\nsteps:\n  - text: "${t}"\noutput: o.mp4\n'),
])
def test_a_nul_character_anywhere_is_refused_naming_the_field(tmp_path, clip, field, yaml_text):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(yaml_text)
    # the entry point itself: its early probe runs outside the command's error handling
    done = subprocess.run([sys.executable, "-m", "ffx", "render", str(recipe), "-q"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    line = done.stderr.splitlines()[0]  # a refused variable's uses may be reported too
    assert f" {field}: the NUL character" in line and "Traceback" not in done.stderr, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mkv", "r.yaml"]
    ADVERSARIAL["clear errors"] += 1


def test_hostile_recipe_files_are_refused_quickly_in_one_line(tmp_path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "[" * 1000 + "]" * 1000 + "\n")
    for recipe, fragment in (("/dev/zero", "not a regular file"), (str(fifo), "not a regular file"),
                             (str(deep), "nest")):
        done = subprocess.run([sys.executable, "-m", "ffx", "validate", recipe], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 1 and len(done.stderr.splitlines()) == 1 and fragment in done.stderr, done.stderr
        ADVERSARIAL["clear errors"] += 1


def test_paths_in_a_recipe_are_relative_to_its_folder_and_command_line_paths_to_the_cwd(tmp_path, clip):
    project = tmp_path / "project"
    (project / "fonts").mkdir(parents=True)
    (project / "fonts" / "Sans.ttf").write_bytes((ROOT / "ffx" / "fonts" / "DejaVuSans.ttf").read_bytes())
    clip.rename(project / "clip.mkv")
    (project / "r.yaml").write_text("input: clip.mkv\nvars: {name: out.mkv}\nsteps:\n"
                                    "  - text: {text: Hi, font: fonts/Sans.ttf}\n"
                                    "output: {path: '${name}', codec: ffv1}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = ffx("render", "../project/r.yaml", "-q", cwd=elsewhere)
    assert result.exit_code == 0, result.output
    written = decode_frames(project / "out.mkv")
    assert written.shape[0] == 50
    # -o and a --set value given whole are the caller's, relative to the working directory
    assert ffx("render", "../project/r.yaml", "-q", "-o", "o.mkv", cwd=elsewhere).exit_code == 0
    assert ffx("render", "../project/r.yaml", "-q", "--set", "name=s.mkv", cwd=elsewhere).exit_code == 0
    assert sorted(p.name for p in elsewhere.iterdir()) == ["o.mkv", "s.mkv"]
    # the printed command runs as it is from where it was printed
    printed = ffx("compile", "../project/r.yaml", "-o", "printed.mkv", cwd=elsewhere)
    assert printed.exit_code == 0, printed.output
    done = subprocess.run(["bash", "-c", printed.stdout], capture_output=True, text=True,
                          cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert np.array_equal(decode_frames(elsewhere / "printed.mkv"), written)


HOSTILE_RECIPES = {
    "1,000 nested lists": ("a: " + "[" * 1000 + "]" * 1000 + "\n", "nesting"),
    "150 nested maps": ("a: " + "{a: " * 150 + "1" + "}" * 150 + "\n", "nested more than 100"),
    "400 nested blocks": ("".join("  " * i + f"k{i}:\n" for i in range(400)), "nested more than 100"),
    "aliases nesting 1,200 deep": ("a0: &a0 [[[[[[[[[[1]]]]]]]]]]\n" + "".join(
        f"a{i}: &a{i} [[[[[[[[[[*a{i - 1}]]]]]]]]]]\n" for i in range(1, 120)), "nested more than 100"),
    "alias bomb": ("a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(7)),
        "too large"),
    "recursive alias": ("a: &x [1, *x]\n", "contains it"),
    "undefined alias": ("input: *nope\n", "names no anchor"),
    "two documents": ("input: a.mp4\n---\noutput: o.mp4\n", "one YAML document"),
    "raw ESC": ("steps:\n  - text: a\x1bb\n", "#x001b is not allowed"),
    "raw NUL": ("steps:\n  - text: a\0b\n", "#x0000 is not allowed"),
    "NUL escape in a key": ('"a\\0": 1\n', "plain names"),
    "binary": (bytes(range(256)) * 4, "not UTF-8"),
    "UTF-16": ("input: a.mp4\n".encode("utf-16"), "not UTF-8"),
    "a list": ("- a\n- b\n", "is a mapping"),
    "vars is a list": ("vars: [1, 2]\n", "vars: list"),
    "steps is a mapping": ("steps: {reverse: 1}\n", "steps: dict"),
    "python tag": ("input: !!python/object/apply:os.system [ls]\n", "tags"),
    "merge key": ("base: &b {x: 1}\ninput: {<<: *b}\n", "merge keys"),
    "complex key": ("? [a, b]\n: 1\n", "plain names"),
    "tab indentation": ("steps:\n\t- reverse\n", "not valid YAML"),
    "5,000 problems": ("steps:\n" + "  - resize: {width: x}\n" * 5000, "and 4950 more problems"),
    "a 1 MB value": ("steps:\n  - resize: {width: '" + "9" * 1_000_000 + "'}\n", "…"),
}


@pytest.mark.parametrize("name", HOSTILE_RECIPES)
def test_a_hostile_recipe_file_is_a_short_clear_error(tmp_path, name):
    text, fragment = HOSTILE_RECIPES[name]
    recipe = tmp_path / "r.yaml"
    recipe.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = ffx("validate", str(recipe))
    lines = result.stderr.splitlines()
    assert result.exit_code == 1 and fragment in result.stderr, result.stderr[:2000]
    assert 1 <= len(lines) <= 51 and all(len(line) < 1100 for line in lines), result.stderr[:2000]
    assert all(line.startswith("error: ") for line in lines)
    ADVERSARIAL["clear errors"] += 1
