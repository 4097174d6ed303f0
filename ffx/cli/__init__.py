"""The ``ffx`` command: thin over the Python API; the only package that prints or exits.

Exit codes: 0 success, 1 a user error (bad recipe, missing input, FFmpeg
refused the job), 2 bad command-line usage, 128 + the signal when stopped by
one: 130 Ctrl-C (SIGINT), 143 SIGTERM, 129 SIGHUP.
"""

from .commands import app
from .entry import main

__all__ = ["app", "main"]
