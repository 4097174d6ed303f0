"""Pictures made raster: an SVG drawing turned into PNG by the FFmpeg that renders everything else."""

from __future__ import annotations

import subprocess
import tempfile

from ..errors import CapabilityError
from ..ffmpeg import process


def svg_to_png(svg: str, binary: str) -> bytes:
    """Rasterise an SVG with FFmpeg's librsvg decoder (the bundled FFmpeg has it). The PNG comes back on
    stdout, so a failure leaves no file behind; the SVG goes in as a temporary file because the
    ``svg_pipe`` demuxer finds no picture in a pipe."""
    with tempfile.NamedTemporaryFile(suffix=".svg") as source:
        source.write(svg.encode())
        source.flush()
        child = process.popen([binary, "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "svg_pipe",
                               "-i", "file:" + source.name, "-frames:v", "1", "-f", "image2pipe", "-c:v", "png",
                               "pipe:1"], stdout=subprocess.PIPE)
        try:
            data, errors = child.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            process.stop(child)
            raise CapabilityError("drawing the PNG took too long; write .svg instead") from None
    if child.returncode != 0 or not data.startswith(b"\x89PNG"):
        last = errors.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise CapabilityError(f"this FFmpeg cannot draw SVG as PNG (it needs librsvg: {last[0]}); "
                              "write .svg, .dot or .mmd instead")
    return data
