"""One long render in parallel pieces, joined by stream copy: ``ffx render --chunks N``.

``spans`` decides, without I/O, whether a recipe may be split and where;
``jobs`` turns that into FFmpeg commands as plain data (one per piece, one for
the sound, one join) and runs one job (:func:`run_chunk`), anywhere;
``local`` runs them all on this machine.
"""

from __future__ import annotations

from .jobs import ChunkedRender, ChunkJob, plan_chunked_render, read_frames, run_chunk
from .spans import Span, choose_seams, overlap_frames, plan_spans

__all__ = ["ChunkJob", "ChunkedRender", "Span", "choose_seams", "overlap_frames", "plan_chunked_render", "plan_spans",
           "read_frames", "run_chunk"]
