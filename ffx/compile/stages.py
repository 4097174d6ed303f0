"""Python stages: numpy work between two FFmpeg commands, joined by pipes.

A stage reads raw frames on standard input and writes raw frames on standard
output, so a plan runs it between an FFmpeg that decodes (and does all the
FFmpeg-expressible work first) and the FFmpeg that encodes; printed plans
show it as ``python3 -m ffx stage ...``. It holds only what it builds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from .plan import Lane


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    chunks, got = [], 0
    while got < size:
        chunk = stream.read(size - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def slitscan_image(source: BinaryIO, target: BinaryIO, *, slits: int, length: int, thickness: int,
                   axis: str) -> None:
    """Put ``slits`` RGB slits side by side (column) or one under another (row), as one raw picture.

    A column slit is ``length`` rows by ``thickness`` columns; a row slit is
    ``thickness`` rows by ``length`` columns.
    """
    import numpy as np

    shape = (length, thickness, 3) if axis == "column" else (thickness, length, 3)
    size = shape[0] * shape[1] * 3
    image = np.zeros((length, slits * thickness, 3) if axis == "column" else (slits * thickness, length, 3),
                     np.uint8)
    for k in range(slits):
        raw = _read_exact(source, size)
        if len(raw) < size:
            raise SystemExit(f"slitscan stage: the input ended after {k} of {slits} slits")
        slit = np.frombuffer(raw, np.uint8).reshape(shape)
        if axis == "column":
            image[:, k * thickness:(k + 1) * thickness] = slit
        else:
            image[k * thickness:(k + 1) * thickness] = slit
    target.write(image.tobytes())
    target.flush()


def stage_argv(kernel: str, options: dict[str, int | str]) -> tuple[str, ...]:
    """The arguments of ``python -m ffx`` that run ``kernel`` with ``options`` (``ffx stage``, hidden).

    >>> stage_argv("slitscan", {"slits": 4, "axis": "column"})
    ('stage', 'slitscan', '--slits', '4', '--axis', 'column')
    """
    return ("stage", kernel, *(word for name, value in options.items() for word in (f"--{name}", str(value))))


@dataclass(frozen=True)
class StagedFeed:
    """An FFmpeg that decodes into a pipe, and a Python stage that turns it into what the encoder reads."""

    decoder: tuple[str, ...]  # FFmpeg argv (no binary), writing the token ``raw``
    stage: tuple[str, ...]  # arguments of ``python -m ffx``
    raw: str
    result: str

    def lanes(self) -> list[Lane]:
        return [Lane(self.raw, (self.decoder,)), Lane(self.result, (self.stage,), reads=self.raw, python=True)]
