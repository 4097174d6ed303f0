"""Pictures read as one stream: a glob or a numbered pattern, in FFmpeg's order.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from fractions import Fraction

from ..errors import InputError
from .cache import ProbeCache
from .info import MediaInfo
from .probe import check_readable_file, depends_on, probe

_SEQUENCE_NUMBER = re.compile(r"%(0?\d*)d")
_GLOB_CHARS = re.compile(r"[*?\[]")
MAX_PICTURES = 1_000_000


@dataclass(frozen=True)
class PictureSequence:
    """Pictures read as one stream: how FFmpeg's image2 demuxer is told to find them, and what they hold."""

    pattern: str  # absolute
    input_args: tuple[tuple[str, str], ...]
    files: tuple[str, ...]
    info: MediaInfo


def picture_files(pattern: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The files a pattern names, in FFmpeg's order, and the image2 options that read exactly those.

    ``photos/*.jpg`` is a glob (FFmpeg sorts the matches as ``glob(3)`` does:
    by name); ``frames/%04d.png`` a numbered sequence from its lowest number on,
    without gaps. The folder part is literal.
    """
    folder, name = os.path.split(os.path.abspath(pattern))
    depends_on(folder)  # a picture added or removed changes the sequence
    if _GLOB_CHARS.search(folder) or "%" in folder:
        raise InputError(f"images {pattern!r}: only the file name may be a pattern, not the folder")
    if _GLOB_CHARS.search(name):
        if "%" in name:
            raise InputError(f"images {pattern!r}: a glob pattern cannot hold '%' as well")
        if "{" in name or "\\" in name:  # FFmpeg's glob(3) expands braces and escapes; Python's glob does not
            raise InputError(f"images {pattern!r}: a glob pattern cannot hold braces or backslashes, which FFmpeg "
                             "reads otherwise than ffx checks them; rename the pictures or use a %d pattern")
        files = sorted(glob.glob(os.path.join(glob.escape(folder), name)))
        return files, [("-pattern_type", "glob")]
    numbered = list(_SEQUENCE_NUMBER.finditer(name))
    if len(numbered) != 1 or name.replace(numbered[0].group(0), "").count("%"):
        raise InputError(f"images {pattern!r} is not a pattern: write photos/*.jpg or frames/%04d.png")
    start = next((n for n in range(5) if os.path.isfile(os.path.join(folder, name % n))), None)
    files = []
    if start is not None:
        while len(files) < MAX_PICTURES and os.path.isfile(os.path.join(folder, name % (start + len(files)))):
            files.append(os.path.join(folder, name % (start + len(files))))
    return files, [("-start_number", str(start or 0))]


def probe_pictures(pattern: str, rate: Fraction, ffmpeg: str, probes: ProbeCache | None = None) -> PictureSequence:
    """A picture sequence as a stream at ``rate``: one frame per picture, the first picture's size."""
    files, options = picture_files(pattern)
    if not files:
        raise InputError(f"images {pattern!r} matches no file")
    if len(files) > MAX_PICTURES:
        raise InputError(f"images {pattern!r} matches more than {MAX_PICTURES} files")
    for file in files:
        check_readable_file(file)
    first = probe(files[0], ffmpeg, need_duration=False, probes=probes)
    if not first.has_video:
        raise InputError(f"images {pattern!r}: {files[0]!r} is not a picture")
    count = len(files)
    info = MediaInfo(width=first.width, height=first.height, fps=rate, duration=float(count / rate), frames=count,
                     pix_fmt=first.pix_fmt, alpha=first.alpha)
    args = (("-f", "image2"), *options, ("-framerate", str(rate.numerator if rate.denominator == 1 else
                                                            f"{rate.numerator}/{rate.denominator}")))
    return PictureSequence(os.path.abspath(pattern), args, tuple(files), info)
