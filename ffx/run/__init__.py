"""Running a plan: FFmpeg children with progress, feeders through pipes, outputs published atomically
and checked against the plan, bytes and frames in memory.

Imports the plan (:mod:`ffx.compile`), media and :mod:`ffx.ffmpeg`; never the faces above it.
"""
