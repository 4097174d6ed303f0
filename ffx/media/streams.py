"""Which of a file's streams a player shows, and what FFmpeg's report says of a picture's colour, pixel
shape and fields. Pure text parsing of the header FFmpeg writes for ``-i FILE``.

A file may hold several video streams: a cover picture (``attached pic``: a song's, a film's poster),
alternative angles, a thumbnail. A player shows the one marked ``default`` among the real pictures; a
cover is shown only when there is nothing else, as a still. The same holds for sound.

>>> header = ("Input #0, mp3, from 'song.mp3':\\n"
...           "  Stream #0:0: Audio: mp3 (mp3float), 44100 Hz, mono, fltp, 64 kb/s\\n"
...           "  Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 64x64 "
...           "[SAR 1:1 DAR 1:1], 90k tbr, 90k tbn (attached pic)\\n")
>>> video, audio = choose_streams(read_streams(header))
>>> video.index, video.attached, audio.index
(1, True, 0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

_STREAM = re.compile(r"^\s*Stream #0:(\d+)[^:]*: (Video|Audio|Subtitle|Data|Attachment): (.*)$", re.MULTILINE)
# a pixel format and what FFmpeg says in brackets after it: "yuv420p10le(tv, bt2020nc/bt2020/smpte2084, progressive)"
# ("top coded first (swapped)" nests brackets)
_PICTURE = re.compile(r", ([a-z0-9_]+)\(((?:[^()]|\([^()]*\))*)\)")
_PIX_FMT = re.compile(r"^[^,]*, ([a-z0-9_]+)(?:\(|,|$)")
_SAR = re.compile(r"SAR (\d+):(\d+) DAR (\d+):(\d+)")
# FFmpeg's words for the field order (avcodec_string) as idet and setfield name them
FIELD_ORDERS = {"progressive": "progressive", "top first": "tt", "bottom first": "bb",
                "top coded first (swapped)": "tb", "bottom coded first (swapped)": "bt"}
_CHROMA_LOCATIONS = {"left", "center", "topleft", "top", "bottomleft", "bottom", "unspecified"}


@dataclass(frozen=True)
class Stream:
    """One stream of the file as the header lists it."""

    index: int  # FFmpeg's absolute index: the N of 0:N
    kind: str  # "video", "audio", "subtitle", "data", "attachment"
    position: int  # among the streams of its kind: the N of 0:v:N / 0:a:N
    rest: str  # the header's words after "Video: " / "Audio: "
    after: str  # the lines below it, up to the next stream (side data: the display matrix)

    @property
    def default(self) -> bool:
        return "(default)" in self.rest

    @property
    def attached(self) -> bool:
        """A cover picture stored as a stream: one frame, not a film."""
        return "(attached pic)" in self.rest


def read_streams(text: str) -> list[Stream]:
    """The input's streams, in the header's order (never the output's, which the report lists after)."""
    header = re.split(r"^(?:Output #0|Stream mapping:)", text, maxsplit=1, flags=re.MULTILINE)[0]
    matches = list(_STREAM.finditer(header))
    streams, counts = [], {}
    for number, match in enumerate(matches):
        kind = match[2].lower()
        end = matches[number + 1].start() if number + 1 < len(matches) else len(header)
        streams.append(Stream(int(match[1]), kind, counts.get(kind, 0), match[3], header[match.end():end]))
        counts[kind] = counts.get(kind, 0) + 1
    return streams


def choose_streams(streams: list[Stream], video: int | None = None,
                   audio: int | None = None) -> tuple[Stream | None, Stream | None]:
    """The video and audio streams a player shows, or the ``video``-th / ``audio``-th of their kind.

    A player's choice: the stream marked default, among the pictures that are not covers, else the first of
    them; a cover only when the file has no other picture. A stream asked for that the file lacks is None.

    >>> from ffx.media.streams import Stream
    >>> two = [Stream(0, "video", 0, "ffv1", ""), Stream(1, "video", 1, "ffv1 (default)", "")]
    >>> [s.index for s in choose_streams(two) if s], choose_streams(two, video=0)[0].index
    ([1], 0)
    """
    return _choose([s for s in streams if s.kind == "video"], video), \
        _choose([s for s in streams if s.kind == "audio"], audio)


def _choose(candidates: list[Stream], asked: int | None) -> Stream | None:
    if asked is not None:
        return next((s for s in candidates if s.position == asked), None)
    moving = [s for s in candidates if not s.attached] or candidates
    return next((s for s in moving if s.default), moving[0] if moving else None)


def picture_facts(rest: str) -> dict:
    """Colour, range, field order and sample aspect from a video stream's header words, as MediaInfo fields.

    >>> facts = picture_facts("hevc (Main 10), yuv420p10le(tv, bt2020nc/bt2020/smpte2084, progressive), "
    ...                       "3840x2160 [SAR 1:1 DAR 16:9], 25 fps")
    >>> facts["color_transfer"], facts["color_range"], facts["field_order"], facts["sample_aspect"]
    ('smpte2084', 'tv', 'progressive', Fraction(1, 1))
    >>> picture_facts("mpeg2video (Main), yuv420p(tv, top first), 720x480 [SAR 32:27 DAR 16:9]")["sample_aspect"]
    Fraction(32, 27)
    """
    facts: dict = {"video_codec": rest.split(" ", 1)[0].rstrip(","), "sample_aspect": Fraction(1)}
    picture = _PICTURE.search(rest)
    pix_fmt = _PIX_FMT.search(rest)
    if picture:
        for word in (w.strip() for w in picture[2].split(", ")):
            if word in ("tv", "pc"):
                facts["color_range"] = word
            elif word in FIELD_ORDERS:
                facts["field_order"] = FIELD_ORDERS[word]
            elif word.count("/") == 2:
                matrix, primaries, transfer = word.split("/")
                facts.update(color_matrix=_named(matrix), color_primaries=_named(primaries),
                             color_transfer=_named(transfer))
            elif re.fullmatch(r"[a-z0-9-]+", word) and word not in _CHROMA_LOCATIONS:
                # one name when all three are the same (bt709, smpte170m)
                facts.update(color_matrix=_named(word), color_primaries=_named(word), color_transfer=_named(word))
    if pix_fmt and pix_fmt[1].startswith("yuvj"):
        facts["color_range"] = "pc"  # JPEG's pixel formats are full range whatever the tag says
    sar = _SAR.search(rest)
    if sar and int(sar[1]) and int(sar[2]):
        facts["sample_aspect"] = Fraction(int(sar[1]), int(sar[2]))
    return facts


def _named(word: str) -> str | None:
    return None if word in ("unknown", "reserved", "unspecified") else word
