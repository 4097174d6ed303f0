"""Font files: the one ffx ships (so text renders on a machine with no fonts), and telling a font file apart
from any other file before FFmpeg sees it. Shared by the text effects and the compiler's font port, and
free of pydantic, so a compile that draws no text does not build the text models.
"""

from __future__ import annotations

from pathlib import Path

from ..media.probe import check_readable_file
from .context import StepError

SHIPPED_FONT = Path(__file__).resolve().parent.parent / "fonts" / "DejaVuSans.ttf"
FONT_FILE_SUFFIXES = (".ttf", ".otf", ".ttc", ".woff", ".woff2", ".pfb")


# the first four bytes of the font files FreeType reads: TrueType (two spellings), OpenType with
# PostScript outlines, a TrueType/OpenType collection, WOFF and WOFF2; and a Type 1 .pfb segment header
FONT_SIGNATURES = (b"\x00\x01\x00\x00", b"true", b"OTTO", b"ttcf", b"wOFF", b"wOF2")
PFB_SIGNATURE = b"\x80\x01"
FONT_FILE_HINT = "give a font file (.ttf, .otf, .ttc, .woff), a font family name, or sans (the bundled DejaVu Sans)"


def check_font_file(path: str) -> None:
    """Refuse a font file that is not a font.

    Given any other file (``/etc/passwd``), FFmpeg's drawtext quietly falls back
    to a system font and exits 0; the file's signature tells a font apart first.
    """
    try:
        check_readable_file(path)
        with open(path, "rb") as file:
            head = file.read(4)
    except OSError as exc:
        message = exc.message if hasattr(exc, "message") else str(exc)
        raise StepError(str(message).replace("input", "font file").replace("media file", "font"),
                        field="font", hint=FONT_FILE_HINT) from None
    if not head.startswith(FONT_SIGNATURES + (PFB_SIGNATURE,)):
        raise StepError(f"font file {path!r} is not a font (it starts with {head!r}, not a TrueType, OpenType, "
                        "font collection or WOFF signature)", field="font", hint=FONT_FILE_HINT)
