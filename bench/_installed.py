"""ffx installed as users get it: ``pip install .`` (not editable) into a virtual environment of its own.

An editable install runs ffx through an import hook and from the source tree;
start-up figures are only meaningful for the installed package.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from _common import ROOT


def installed_ffx(folder: Path) -> str:
    """The ``ffx`` command of a fresh non-editable install of this checkout in ``folder`` (made once, then reused
    while it exists: delete the folder to reinstall)."""
    command = folder / "bin" / "ffx"
    if not command.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "install", "-q", str(ROOT)], check=True)
    else:  # the same environment, this checkout's code
        subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall",
                        str(ROOT)], check=True)
    subprocess.run([str(folder / "bin" / "python"), "-m", "compileall", "-q",
                    str(next((folder / "lib").glob("python*/site-packages/ffx")))], check=True)
    return str(command)
