"""render --chunks --cluster: the pieces rendered by Dask worker processes, written under their own names beside
the output and joined here, give the plain render's frames, timestamps and samples, and leave no piece behind."""

import dataclasses
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ffx
from ffx.run import partfile
from conftest import decode_frames, make_clip
from ffx.scale.batch import cluster as dask_cluster
from ffx.ffmpeg.binary import ffmpeg_binary
from ffx.scale.chunks import plan_chunked_render
from ffx.scale.chunks.cluster import PieceJob, piece_paths, run_chunked_on_cluster
from ffx.cli import app
from ffx.effects import BlackWhite, Crop, Motion, Text
from test_chunks import LOSSLESS, assert_same_render

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler():
    """One cluster for the module: two worker processes of one thread, each declaring 512 MiB."""
    import logging

    with dask_cluster._sigint_ignored():
        local = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                         silence_logs=logging.ERROR, resources={"MEMORY": 512 * 2**20})
    yield local.scheduler_address
    local.close()


@pytest.fixture
def gop12(tmp_path: Path) -> Path:
    """3 s at 25 fps with a keyframe every 12 frames, and a rising tone."""
    return make_clip(tmp_path / "gop12.mkv", duration=3, keyint=12)


def test_pieces_get_hidden_unique_names_beside_the_output(tmp_path, gop12):
    (tmp_path / "out").mkdir()
    recipe = ffx.Recipe(input=str(gop12), output={"path": str(tmp_path / "out" / "film.mkv"), **LOSSLESS})
    chunked = plan_chunked_render(recipe, ffx.compile_recipe(recipe), 3, binary=ffmpeg_binary())
    pieces, sound = piece_paths(chunked.output, chunked)
    other, _ = piece_paths(chunked.output, chunked)
    assert [os.path.dirname(p) for p in [*pieces, sound]] == [str(tmp_path / "out")] * 4
    names = [partfile.PART_NAME.match(os.path.basename(p)) for p in [*pieces, sound]]
    assert [n and n.group(4) for n in names] == ["-piece0", "-piece1", "-piece2", "-sound"]
    assert all(int(n.group(2)) == os.getpid() for n in names) and pieces[0].endswith(".mkv")
    assert set(pieces).isdisjoint(other)
    job = PieceJob("piece-1", chunked.chunks[1])
    assert job.memory >= chunked.chunks[1].memory and job.seconds == pytest.approx(chunked.spans[1].frames / 25)


def test_chunked_on_the_cluster_equals_plain_and_leaves_no_piece(tmp_path, gop12, scheduler):
    steps = [Crop(x1=10, x2=150), BlackWhite(), Motion(delay=2), Text(text="seam")]
    recipe = ffx.Recipe(input=str(gop12), steps=steps, output={"path": str(tmp_path / "plain.mkv"), **LOSSLESS})
    plain = Path(ffx.render(recipe).stages[-1].output_path)
    chunked = tmp_path / "chunked.mkv"
    reports = []
    ffx.render(recipe, output=str(chunked), chunks=3, cluster=scheduler, progress=reports.append)
    assert_same_render(plain, chunked)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chunked.mkv", "gop12.mkv", "plain.mkv"]
    assert reports and reports[-1].done == pytest.approx(3)


def test_a_failing_piece_fails_the_render_and_leaves_nothing(tmp_path, gop12, scheduler):
    recipe = ffx.Recipe(input=str(gop12), steps=[Crop(x2=0.5)], output={"path": str(tmp_path / "out.mkv"), **LOSSLESS})
    chunked = plan_chunked_render(recipe, ffx.compile_recipe(recipe), 3, binary=ffmpeg_binary())
    broken = chunked.chunks[1]
    stage = broken.stage.with_urls({"file:" + str(gop12): "file:" + str(tmp_path / "missing.mkv")})
    args = stage.args
    assert args != broken.stage.args
    broken = dataclasses.replace(broken, stage=stage)
    chunked = dataclasses.replace(chunked, chunks=(chunked.chunks[0], broken, chunked.chunks[2]))
    with pytest.raises(ffx.RenderError, match="^piece 2 of the chunked render failed: FFmpeg failed: Error opening input files: No such file"):
        run_chunked_on_cluster(chunked, cluster=scheduler)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gop12.mkv"]


def test_cluster_local_n_from_the_command_line(tmp_path, gop12):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("steps:\n  - crop: {x2: 0.5}\noutput: {path: out.mkv, codec: ffv1, audio_codec: pcm_s16le}\n")
    result = CliRunner().invoke(app, ["render", str(recipe), "-i", str(gop12), "-q", "--chunks", "2",
                                      "--cluster", "local:2"])
    assert result.exit_code == 0, result.output
    assert decode_frames(tmp_path / "out.mkv").shape == (75, 90, 80, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gop12.mkv", "out.mkv", "r.yaml"]


@pytest.mark.parametrize("extra", [[], ["--chunks", "1"]], ids=["no chunks", "one chunk"])
def test_cluster_without_chunks_is_refused_in_one_line(tmp_path, gop12, extra):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("output: out.mkv\n")
    result = CliRunner().invoke(app, ["render", str(recipe), "-i", str(gop12), "--cluster", "local:2", *extra])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: --cluster runs the pieces of a chunked render: give --chunks N (2 or more) too"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gop12.mkv", "r.yaml"]


@pytest.mark.parametrize("cluster, error, message", [("local:0", ffx.RecipeError, "write local:N"),
                                                      (2, ffx.UsageError, "cluster is local:N, .* not int")])
def test_a_bad_cluster_is_refused_before_anything_runs(tmp_path, gop12, cluster, error, message):
    recipe = ffx.Recipe(input=str(gop12), output={"path": str(tmp_path / "out.mkv"), **LOSSLESS})
    with pytest.raises(error, match=message):
        ffx.render(recipe, chunks=2, cluster=cluster)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gop12.mkv"]
