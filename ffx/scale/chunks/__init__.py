"""One long render in parallel pieces, joined by stream copy: ``ffx render --chunks N``.

``spans`` decides, without I/O, whether a recipe may be split and where;
``jobs`` turns that into FFmpeg commands as plain data (one per piece, one for
the sound, one join) and runs one job (:func:`run_chunk`), anywhere;
``local`` runs them all on this machine; ``cluster`` runs the pieces as Dask
tasks writing named files beside the output, and joins them here;
:func:`chunked_runner` plans a render and picks one of the two.
"""

from __future__ import annotations

from .jobs import ChunkedRender, ChunkJob, plan_chunked_render, read_frames, run_chunk
from .spans import Span, choose_seams, overlap_frames, plan_spans

__all__ = ["ChunkJob", "ChunkedRender", "Span", "choose_seams", "chunked_runner", "overlap_frames", "plan_chunked_render", "plan_spans",
           "read_frames", "run_chunk"]


def chunked_runner(recipe, plain, chunks: int, *, allow_unsafe: bool = False,
                   max_memory: int | None = None, cluster=None, probes=None):
    """Plan ``recipe`` (compiled whole as ``plain``) in at most ``chunks`` pieces now; return what runs it:
    here, or with ``cluster`` (``"local:N"``, a Dask scheduler's address or a Client) as Dask tasks.

    Raises a :class:`~ffx.errors.RecipeError` when it cannot be split. A clip
    with a single keyframe interval (one piece) is rendered whole, with a note.
    """
    if cluster is not None:  # a missing extra or a malformed address is said before any planning
        from ..batch.cluster import import_distributed, parse_cluster

        if not isinstance(cluster, import_distributed().Client):
            if not isinstance(cluster, str):
                from ...errors import UsageError

                raise UsageError(f"cluster is local:N, a Dask scheduler's address or a distributed.Client, "
                                 f"not {type(cluster).__name__}")
            parse_cluster(cluster)
    import warnings

    from ...ffmpeg.binary import ffmpeg_binary
    from ...errors import FfxWarning
    from ...run.runner import run_plan

    chunked = plan_chunked_render(recipe, plain, chunks, binary=ffmpeg_binary(plain.binary_path),
                                  allow_unsafe=allow_unsafe, max_memory=max_memory, probes=probes)
    for note in chunked.notes:
        warnings.warn(note, FfxWarning, stacklevel=3)

    def run(plan, on_progress=None) -> None:
        if len(chunked.chunks) < 2:
            run_plan(plan, on_progress=on_progress)
        elif cluster is not None:
            from .cluster import run_chunked_on_cluster

            run_chunked_on_cluster(chunked, cluster=cluster, overwrite=plan.overwrite, on_progress=on_progress)
        else:
            from .local import run_chunked

            run_chunked(chunked, workers=chunks, overwrite=plan.overwrite, on_progress=on_progress)
    return run
