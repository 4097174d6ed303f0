"""ffx batch on a Dask LocalCluster (worker processes): the same outputs, resume and failures as on this machine."""

import dataclasses
import json
import os
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import ffx
from conftest import decode_frames, make_clip
from ffx.scale.batch import cluster as dask_cluster
from ffx.scale.batch.jobs import RenderJob
from ffx.cli import app

distributed = pytest.importorskip("distributed")

RECIPE = """\
vars: {width: 80}
steps:
  - resize: {width: "${width}"}
  - fade: {in: 0.2}
output: {path: unused.mkv, codec: ffv1}
"""
WORKER_MEMORY = 512 * 2**20


@pytest.fixture(scope="module")
def scheduler():
    """One cluster for the module: two worker processes of one thread, each declaring 512 MiB."""
    import logging

    with dask_cluster._sigint_ignored():
        local = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                         silence_logs=logging.ERROR, resources={"MEMORY": WORKER_MEMORY})
    yield local.scheduler_address
    local.close()


@pytest.fixture
def clips(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "clips"
    folder.mkdir()
    return [make_clip(folder / f"{name}.mkv", duration=0.6, audio=None) for name in ("a", "b", "c", "d")]


@pytest.fixture
def recipe(tmp_path: Path) -> Path:
    path = tmp_path / "r.yaml"
    path.write_text(RECIPE)
    return path


def test_the_cluster_makes_the_same_outputs_as_this_machine_and_resumes_alike(tmp_path, clips, recipe, scheduler):
    pattern = str(tmp_path / "clips" / "*.mkv")
    here = ffx.batch(recipe, pattern, output=str(tmp_path / "here/{stem}.mkv"), jobs=2)
    there = ffx.batch(recipe, pattern, output=str(tmp_path / "there/{stem}.mkv"), cluster=scheduler)
    assert [r.status for r in here] == [r.status for r in there] == ["ok"] * 4
    for mine, theirs in zip(here, there):
        assert np.array_equal(decode_frames(mine.output), decode_frames(theirs.output))
        assert theirs.bytes == os.path.getsize(theirs.output)
    manifest = json.loads((tmp_path / "there" / ".ffx-batch.json").read_text())
    assert sorted(manifest["outputs"]) == ["a.mkv", "b.mkv", "c.mkv", "d.mkv"]
    again = ffx.batch(recipe, pattern, output=str(tmp_path / "there/{stem}.mkv"), cluster=scheduler,
                      variables={"width": 80})
    assert [r.status for r in again] == ["skipped"] * 4
    changed = ffx.batch(recipe, pattern, output=str(tmp_path / "there/{stem}.mkv"), cluster=scheduler,
                        variables={"width": 64})
    assert [r.status for r in changed] == ["ok"] * 4
    assert decode_frames(changed[0].output).shape[2] == 64


def test_a_corrupt_input_fails_alone_on_the_cluster_without_retries(tmp_path, clips, recipe, scheduler):
    clips[1].write_bytes(clips[1].read_bytes()[:3000])  # cut short: the header reads, the frames do not
    results = ffx.batch(recipe, [str(c) for c in clips], output=str(tmp_path / "out/{stem}.mkv"), cluster=scheduler,
                        report=tmp_path / "report.json")
    assert [r.status for r in results] == ["ok", "failed", "ok", "ok"]
    assert results[1].error
    assert json.loads((tmp_path / "report.json").read_text())["counts"]["failed"] == 1


def test_a_job_heavier_than_every_worker_runs_alone_or_is_refused_when_strict(tmp_path, clips, recipe, scheduler):
    plan = ffx.compile_recipe(recipe, inputs=[str(clips[0])], output=str(tmp_path / "heavy.mkv"))
    heavy = RenderJob(key="1", input=str(clips[0]), output=str(tmp_path / "heavy.mkv"),
                      plan=dataclasses.replace(plan, memory_estimate=10 * WORKER_MEMORY))

    class Recorder:
        outcomes: dict = {}

        def started(self, job):
            pass

        def finished(self, job, outcome):
            self.outcomes[job.key] = outcome

    notes: list[str] = []
    recorder = Recorder()
    dask_cluster.run_on_cluster([heavy], recorder, cluster=scheduler, budget=WORKER_MEMORY, strict=True,
                                note=notes.append)
    assert recorder.outcomes["1"].status == "failed" and "over the memory budget of 512 MiB" in recorder.outcomes["1"].error
    assert not (tmp_path / "heavy.mkv").exists()
    dask_cluster.run_on_cluster([heavy], recorder, cluster=scheduler, budget=WORKER_MEMORY, note=notes.append)
    assert recorder.outcomes["1"].status == "ok" and (tmp_path / "heavy.mkv").exists()
    assert notes == ["1: needs ~5120 MiB by its plan's estimate, over the memory budget of 512 MiB of the largest "
                     "worker; it runs alone there"]


def test_workers_without_a_memory_resource_are_noticed():
    class Client:
        def scheduler_info(self):
            return {"workers": {"tcp://a": {"resources": {}}, "tcp://b": {}}}

    assert dask_cluster.worker_memory(Client()) is None

    class Declared(Client):
        def scheduler_info(self):
            return {"workers": {"tcp://a": {"resources": {"MEMORY": 4e9}}, "tcp://b": {"resources": {"MEMORY": 8e9}}}}

    assert dask_cluster.worker_memory(Declared()) == 8_000_000_000


def test_cluster_local_n_from_the_command_line(tmp_path, clips, recipe):
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(app, ["batch", str(recipe), "-i", "clips/*.mkv", "-o", "out/{stem}.mkv",
                                          "--cluster", "local:2", "--memory-budget", "1G"], env={"COLUMNS": "200"})
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1].startswith("4 jobs: 4 ok")
    assert decode_frames(tmp_path / "out" / "d.mkv").shape == (15, 45, 80, 3)


@pytest.mark.parametrize("text, message", [("local:0", "write local:N"), ("local:x", "write local:N"),
                                           ("nowhere", "not a scheduler address")])
def test_a_bad_cluster_is_one_line(text, message):
    with pytest.raises(ffx.RecipeError, match=message):
        dask_cluster.parse_cluster(text)
