"""The FFmpeg program itself: which binary runs (``FFX_FFMPEG``, the bundled one, or ``ffmpeg`` on PATH),
what it can do (filters, encoders, read once and cached), and how its processes are started and stopped.

The bottom floor: it imports only :mod:`ffx.errors`. Everything that runs FFmpeg (probing, rendering)
starts it through :mod:`ffx.ffmpeg.process`.
"""
