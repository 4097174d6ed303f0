"""Publishing an image sequence: many files, all or none.

A recipe whose output is ``frames/%04d.png`` writes one file per frame.
FFmpeg writes them into a private folder beside the target; only when it
has succeeded and the files are all there are they moved into place, so a
failed or interrupted render leaves no partial sequence behind, and an
existing file is never replaced without ``overwrite``.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from ..compile.plan import FfmpegStage, Plan
from ..errors import InputError, RenderError
from ..recipe.scene_files import files_expected
from .executor import execute
from .partfile import make_folders
from .progress import ProgressCallback
from .runner import private_intermediates, run_plan, run_stage

# how many numbered files are checked for a clash when the plan does not know its frame count
_UNKNOWN_COUNT_CHECK = 100_000


def numbered(pattern: str, count: int) -> list[str]:
    """The first ``count`` file names of an image2 pattern, numbered from 1.

    >>> numbered("out/%03d.png", 2)
    ['out/001.png', 'out/002.png']
    """
    directory, name = os.path.split(pattern)
    return [os.path.join(directory, name % number) for number in range(1, count + 1)]


def written(plan: Plan) -> str:
    """What a plan writes, for ``wrote ...``: its output, or a sequence's or the scenes' files by name (not
    FFmpeg's ``%03d``): ``4 files: shots/scene_01.mp4 ... shots/scene_04.mp4``."""
    stage = plan.stages[-1]
    count = (files_expected(stage.output_option("-segment_frames")) if stage.kind == "scenes" else
             plan.result.counted_exactly().frames if stage.kind == "sequence" else None)
    if not count:
        return stage.output_path
    files = numbered(stage.output_path, count)
    return files[0] if count == 1 else f"{count} files: {files[0]} ... {files[-1]}"


def run_any_plan(plan: Plan, *, on_progress: ProgressCallback | None = None) -> None:
    """Run ``plan`` whatever its output: one file, or a sequence of pictures published together."""
    if plan.stages[-1].kind in ("sequence", "scenes"):  # many files: pictures, or a video per scene
        run_sequence_plan(plan, on_progress=on_progress)
    else:
        run_plan(plan, on_progress=on_progress)


def run_sequence_plan(plan: Plan, *, on_progress: ProgressCallback | None = None) -> None:
    """Run a plan whose last stage writes an image sequence (``stage.kind == "sequence"``)."""
    with private_intermediates(plan) as stages:
        *earlier, stage = stages
        for first in earlier:
            run_stage(first, plan.binary_path, overwrite=plan.overwrite)
        _run_last(plan, stage, on_progress)


def _run_last(plan: Plan, stage: FfmpegStage, on_progress: ProgressCallback | None) -> None:
    pattern = stage.output_path
    directory = os.path.dirname(os.path.abspath(pattern))
    expected = (files_expected(stage.output_option("-segment_frames")) if stage.kind == "scenes"
                else plan.result.counted_exactly().frames)  # every file written is checked for
    if not plan.overwrite:
        for name in numbered(pattern, expected or _UNKNOWN_COUNT_CHECK):
            if os.path.lexists(name):
                raise InputError(f"the output {name!r} already exists; use --overwrite to replace it")
    make_folders(directory)  # the missing folders of the path, as a single file's render makes them
    try:
        private = tempfile.mkdtemp(prefix=".ffx-frames-", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write in {directory!r}: {exc.strerror}") from None
    try:
        inside = os.path.join(private, os.path.basename(pattern))
        # no output_path: the runner writes straight to the private folder, which is itself the temporary
        staged = stage.to("file:" + inside)
        execute(staged, binary=plan.binary_path, feeds=plan.feeds, progress=on_progress)
        written = sorted(os.listdir(private))
        if not written or (expected is not None and len(written) != expected):
            what = "files" if stage.kind == "scenes" else "images"
            raise RenderError(f"FFmpeg wrote {len(written)} {what} where the plan expected {expected}: "
                              "an input is probably damaged or truncated", command=list(staged.args), returncode=0)
        _publish_all(private, directory, written, plan.overwrite)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _publish_all(private: str, directory: str, names: list[str], overwrite: bool) -> None:
    """Move the files into place; without ``overwrite``, a clash takes back the ones already placed."""
    placed: list[str] = []
    try:
        for name in names:
            source, target = os.path.join(private, name), os.path.join(directory, name)
            if overwrite:
                os.replace(source, target)
                continue
            try:
                os.link(source, target)  # atomic, and fails if the file appeared meanwhile
            except FileExistsError:
                raise InputError(f"{target!r} appeared while rendering; use --overwrite to replace it") from None
            placed.append(target)
    except BaseException:
        for target in placed:
            os.unlink(target)
        raise
