"""ffmpeg-python's own .compile() against ffx's import + compile of the same graph.

Two graphs: a chain of 5,000 filters and a seeded random graph of splits,
overlays and flips (tests/test_interop_ffmpeg_python.py's). ffx's time is a
fresh process: Python start, ``import ffx``, from_ffmpeg_python and
compile_recipe (which probes the input); ffmpeg-python's is its .compile()
in the process that built the graph. Run: ``python bench/interop.py``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, machine, median, write_section

sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

BUILD = """
import random, sys
sys.path.insert(0, {tests!r})
import ffmpeg
from test_interop_ffmpeg_python import random_graph
def build(kind, clip):
    if kind == "chain":
        rng = random.Random(3)
        stream = ffmpeg.input(clip).video
        for _ in range(5000):
            stream = stream.filter(rng.choice(["hflip", "vflip", "negate"]))
        return stream.output("/tmp/ffx-bench-interop.mkv", vcodec="ffv1")
    return random_graph(ffmpeg.input(clip).video, seed=7, size=160).output("/tmp/ffx-bench-interop.mkv", vcodec="ffv1")
"""

FFMPEG_PYTHON = BUILD + """
import time
node = build({kind!r}, {clip!r})
start = time.perf_counter()
try:
    node.compile()
    print(time.perf_counter() - start)
except RecursionError:
    print("RecursionError")
"""

FFX = BUILD + """
node = build({kind!r}, {clip!r})
import time
start = time.perf_counter()
import ffx
plan = ffx.compile_recipe(ffx.from_ffmpeg_python(node), overwrite=True)
print(time.perf_counter() - start, len(plan.stages[0].filter_steps))
"""


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(done.stderr)
    return done.stdout.strip()


def main() -> None:
    from conftest import make_clip

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        clip = str(make_clip(Path(folder) / "small.mkv", duration=0.4, size="64x48"))
        for kind, label in (("chain", "chain of 5,000 filters"), ("random", "random graph (seed 7, 160 operations)")):
            fields = dict(tests=str(ROOT / "tests"), kind=kind, clip=clip)
            theirs = [run(FFMPEG_PYTHON.format(**fields)) for _ in range(3)]
            ours = [run(FFX.format(**fields)).split() for _ in range(3)]
            filters = ours[0][1]
            their_time = theirs[0] if theirs[0] == "RecursionError" else f"{median([float(t) for t in theirs]):.3f} s"
            rows.append(f"| {label} | {filters} | {their_time} | {median([float(o[0]) for o in ours]):.3f} s |")
    body = "\n".join([
        "## ffmpeg-python graphs: ffmpeg-python's .compile() against ffx's import + compile",
        "",
        f"`python bench/interop.py` on {machine()}; the median of 3 runs. ffx's time is `import ffx`, "
        "`from_ffmpeg_python` and `compile_recipe` (which probes the input) in a fresh process; "
        "ffmpeg-python's is its `.compile()` alone.",
        "",
        "| graph | filters | ffmpeg-python .compile() | ffx import + from_ffmpeg_python + compile |",
        "|---|---|---|---|",
        *rows,
    ])
    write_section("interop", body)
    print(body)


if __name__ == "__main__":
    start = time.perf_counter()
    main()
