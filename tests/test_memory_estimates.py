"""Memory: the shipped recipes that hold frames, on a landscape, a portrait and a 4K clip, have a plan's estimate
within twice the measured peak of the FFmpeg that runs them, both ways: the budget neither refuses what fits
(a contact sheet of a portrait clip was estimated at 4.2 GiB for a 0.2 GiB peak) nor lets through what does not
(a GIF of a 4K clip, at half its peak)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_ffmpeg

MiB = 2**20
RECIPES = Path(__file__).resolve().parent.parent / "recipes"

# shape -> (size, seconds, the recipes run on it). Every frame-holding recipe on the landscape clip; on the
# portrait and the 4K clip those whose result is much smaller or much larger than the input's frames (pictures,
# GIFs), and one of each kind that keeps frames at the input's size. Short clips, so the whole runs in seconds.
SHAPES = {
    "landscape": ("640x360", 1.0, ["reverse", "boomerang", "boomerang-gif", "contact-sheet", "slitscan",
                                   "slitscan-rolling", "motion-bloom", "motion-difference", "motion-gray",
                                   "motion-side-by-side", "motion-tmix", "gif", "loop-crossfade", "fade-in-loop",
                                   "freeze-mask", "freeze-region"]),
    "portrait": ("200x2000", 1.0, ["reverse", "contact-sheet", "slitscan", "motion-gray", "gif"]),
    "4k": ("3840x2160", 1.0, ["contact-sheet", "slitscan", "gif", "freeze-mask"]),
}

# Compiled in this Python, rendered in a fork whose children are the render's FFmpegs alone (the compile's probes
# and palette trials are not the plan's): RUSAGE_CHILDREN is then the largest FFmpeg's peak, the tree's when
# the plan is one FFmpeg (checked).
MEASURE = """
import json, os, resource, sys
import yaml
import ffx
from ffx.media.cache import ProbeCache
clip, seconds, folder, names = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4].split(",")
probes = ProbeCache()
for name in names:
    recipe = os.path.join(sys.argv[5], name + ".yaml")
    document = yaml.safe_load(open(recipe))
    length = {"duration": seconds} if "duration" in document.get("vars", {}) else None
    output = document["output"] if isinstance(document["output"], str) else document["output"]["path"]
    plan = ffx.compile_recipe(recipe, inputs=[clip], output=os.path.join(folder, name + os.path.splitext(output)[1]),
                              variables=length, max_memory="64G", probes=probes)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        ffx.render_plan(plan)
        os.write(write, str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024).encode())
        os._exit(0)
    os.close(write)
    peak = int(os.read(read, 64) or 0)
    os.waitpid(child, 0)
    print(json.dumps({"recipe": name, "estimate": plan.memory_estimate, "peak": peak,
                      "commands": len(plan.stages) + len(plan.feeds)}), flush=True)
"""


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """shape -> recipe -> (estimate, peak, FFmpeg commands), measured once per shape when first asked."""
    found: dict[str, dict[str, tuple[int, int, int]]] = {}

    def measure(shape: str) -> dict[str, tuple[int, int, int]]:
        if shape not in found:
            size, seconds, names = SHAPES[shape]
            folder = tmp_path_factory.mktemp(shape)
            clip = folder / "clip.mp4"  # what a camera gives: H.264 and AAC
            run_ffmpeg("-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}", "-f", "lavfi",
                       "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}", "-c:v", "libx264",
                       "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(clip))
            done = subprocess.run([sys.executable, "-c", MEASURE, str(clip), str(seconds), str(folder), ",".join(names),
                                   str(RECIPES)], capture_output=True, text=True, timeout=300, check=False)
            assert done.returncode == 0, done.stderr[-2000:]
            rows = [json.loads(line) for line in done.stdout.splitlines()]
            found[shape] = {row["recipe"]: (row["estimate"], row["peak"], row["commands"]) for row in rows}
        return found[shape]
    return measure


@pytest.mark.parametrize("shape, recipe", [(shape, name) for shape, (_, _, names) in SHAPES.items() for name in names])
def test_the_estimate_is_within_twice_the_peak(measured, shape, recipe):
    estimate, peak, commands = measured(shape)[recipe]
    assert commands == 1  # one FFmpeg: its peak is the whole tree's
    assert peak / 2 <= estimate <= 2 * peak, f"{recipe} on {SHAPES[shape][0]}: estimate {estimate // MiB} MiB, " \
                                              f"peak {peak // MiB} MiB"
