"""A reverse over the memory budget: the refusal names which plan each number is for."""

from __future__ import annotations

import math
import re

from conftest import FFMPEG, make_clip
from typer.testing import CliRunner

import ffx
import ffx.cli
from ffx.effects.context import Clip
from ffx.effects.reverse import reverse_memory
from ffx.media.memory import encoder_frames, tree_memory
from ffx.media.probe import probe


def test_a_reverse_over_the_budget_says_what_the_plain_and_the_segmented_plans_need(tmp_path):
    """Under 75 MiB neither plan fits: the plain reverse of a small clip needs ~82 MiB, and reversing in
    segments at least the feeders' fixed cost (~340 MiB). One line says both, and the budget that works."""
    src = make_clip(tmp_path / "clip.mkv", duration=4.0, size="320x180")
    recipe = tmp_path / "reverse.yaml"
    recipe.write_text(f"input: {src}\nsteps:\n  - reverse\noutput: out.mp4\n")
    result = CliRunner().invoke(ffx.cli.app, ["validate", str(recipe), "--max-memory", "75M", "--no-cache"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    info = probe(str(src), FFMPEG)
    encoder = encoder_frames("libx264", None)
    plain = reverse_memory(Clip(video=object(), audio=object(), info=info), encoder)
    segmented = tree_memory(info, 1, encoder, segmented=True)
    assert f"steps[0] (reverse) needs ~{plain / 2**20:.0f} MiB as a plain reverse and" in lines[0], lines[0]
    assert f"reversed in segments, at least ~{segmented / 2**20:.0f} MiB" in lines[0], lines[0]
    assert "over the memory budget of 75 MiB" in lines[0]
    advised = re.search(r"raise --max-memory to (\d+)M or more", lines[0])
    assert advised and int(advised[1]) == math.ceil(min(plain, segmented) / 2**20)
    ok = CliRunner().invoke(ffx.cli.app, ["validate", str(recipe), "--max-memory", f"{advised[1]}M", "--no-cache"])
    assert ok.exit_code == 0, ok.output
