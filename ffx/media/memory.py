"""What frames cost in memory while FFmpeg holds them: the model behind every memory estimate.

Calibrated on real runs (docs/design.md). A plan's estimate is the largest peak any step declares, and a
reverse over the budget is cut into segments sized by :func:`frames_per_segment`.
"""

from __future__ import annotations

from collections.abc import Iterable

from .info import MediaInfo

# Calibrated on 1080p H.264 with the bundled FFmpeg (docs/design.md): besides the frames a reverse
# holds, the process tree carries the encoder's own frames (x264's lookahead and references grow
# with the preset), a fixed part (Python, the decoder), and with feeders a second decoder, the
# audio feeder and the pipes. Decoded frames are padded, so each costs a little more than w*h*1.5.
PLAIN_OVERHEAD = 60 * 2**20
SEGMENTED_OVERHEAD = 340 * 2**20
FRAME_PADDING = 1.07
SAFETY = 0.95  # segments are sized to this share of the budget
X264_PRESET_FRAMES = {"ultrafast": 15, "superfast": 20, "veryfast": 40, "faster": 60, "fast": 90, "medium": 135,
                      "slow": 160, "slower": 190, "veryslow": 230, "placebo": 260}
DEFAULT_ENCODER_FRAMES = 60


# A picture (PNG, JPEG) is not a stream: its encoder keeps the one frame, in 4:2:0 frames' worth: the picture as
# the filters hand it over, its RGB for the encoder (2) and the packet, allocated at the raw size (2). Measured
# (contact sheet 1599x12620 from a 200x2000 clip: 217 MiB, 60 + 5.3 of these; a 3840x2160 slit-scan picture: 175).
STILL_FRAMES = 5
PICTURE_ENCODERS = frozenset({"png", "mjpeg", "bmp", "tiff", "ppm"})
# Decoded frames a decoder keeps at the input's own size besides those the filters hold: its references and its
# frame threads (H.264 from a phone, 3840x2160 on two cores: 6). They matter where the result is much smaller
# than the input (one picture of a long 4K clip); otherwise the encoder's frames at the result's size cover them.
DECODER_FRAMES = 6


def encoder_frames(codec: str | None, preset: str | None) -> int:
    """Frames' worth of memory the encoder keeps (measured for x264: 100 MB ultrafast, 480 MB medium at 1080p);
    no video encoder (a picture, or sound only) keeps no more than one picture."""
    if codec in ("libx264", "libx265"):
        return X264_PRESET_FRAMES.get(preset or "medium", 135)
    if codec is None or codec in PICTURE_ENCODERS:
        return STILL_FRAMES
    return DEFAULT_ENCODER_FRAMES


def audio_bytes(info: MediaInfo) -> int:
    """The whole clip's audio as float samples: what areverse holds."""
    if not info.has_audio or not info.duration:
        return 0
    return int(info.duration * (info.sample_rate or 48000) * 4 * channel_count(info.channel_layout))


def tree_memory(info: MediaInfo, frames_held: int, encoder: int = DEFAULT_ENCODER_FRAMES,
                segmented: bool = False) -> int:
    """Estimated peak of the process tree while a reverse holds ``frames_held`` frames (and all the audio).

    An encoder given one picture (``info.frames`` 1: a contact sheet, a slit-scan picture) keeps that picture,
    not a lookahead of frames that never come.
    """
    frame = info.frame_bytes() * FRAME_PADDING
    if info.estimate.frames == 1:  # the header's count: an estimate never starts a count of a long file
        encoder = min(encoder, STILL_FRAMES)
    fixed = SEGMENTED_OVERHEAD if segmented else PLAIN_OVERHEAD
    return int(fixed + (encoder + frames_held) * frame + audio_bytes(info))


# Frames that wait inside one FFmpeg (a GIF palette, a delayed branch, a cross-fade's head) were measured
# with /usr/bin/time -v over 64x36 to 640x360 clips (docs/design.md): each costs its pixels in the format
# held at that point, padded by about 8 %, plus up to 40 KiB of bookkeeping that small frames feel most.
HELD_FRAME_OVERHEAD = 40 * 1024
HELD_FRAME_PADDING = 1.08
RGB = 3  # bytes a pixel in planar RGB (gbrp), where most effects work: decoded 4:2:0 video takes half
RGBA = 4  # with alpha, and the BGRA that paletteuse takes


def held_frames_bytes(info: MediaInfo, frames: int, bytes_per_pixel: float | None = None) -> int:
    """Bytes of ``frames`` frames of ``info``'s size waiting inside FFmpeg.

    Formats are not tracked from step to step, so by default a frame is
    counted as RGB (RGBA with alpha): right after a 4:2:0 input that is up
    to twice the truth, never less.

    >>> held_frames_bytes(MediaInfo(width=640, height=360), 100) // 2**20
    75
    """
    per_pixel = bytes_per_pixel or (RGBA if info.alpha else RGB)
    pixels = (info.width or 0) * (info.height or 0)
    return int(max(0, frames) * (pixels * per_pixel * HELD_FRAME_PADDING + HELD_FRAME_OVERHEAD))


def buffering_memory(info: MediaInfo, frames: int, encoder: int = DEFAULT_ENCODER_FRAMES,
                     bytes_per_pixel: float | None = None) -> int:
    """Estimated peak of the FFmpeg process while one step keeps ``frames`` frames waiting."""
    return tree_memory(info.replace(has_audio=False), 0, encoder) + held_frames_bytes(info, frames, bytes_per_pixel)


def decoded_frames_bytes(sources: Iterable[MediaInfo]) -> int:
    """Bytes of the frames a decoder keeps at its input's own size (the largest of ``sources``): what a step
    that sees the frames made smaller (a GIF 320 px wide from a 4K clip: 160 MiB, not 70) does not count.

    >>> decoded_frames_bytes([MediaInfo(width=3840, height=2160), MediaInfo()]) // 2**20
    76
    """
    return int(DECODER_FRAMES * max((info.frame_bytes() for info in sources), default=0) * FRAME_PADDING)


def picture_memory(source: MediaInfo, picture: MediaInfo) -> int:
    """Estimated peak of an FFmpeg that makes one ``picture`` out of ``source``'s frames, holding only the picture
    (a contact sheet fills its tiles, a slit-scan its slits): FFmpeg itself, the decoder's frames at the source's
    size and the picture on its way through the encoder. Not a frame of the clip per frame of any lookahead.

    >>> [picture_memory(MediaInfo(width=w, height=h), MediaInfo(width=1600, height=900, frames=1)) // 2**20
    ...  for w, h in ((640, 360), (3840, 2160))]
    [73, 147]
    """
    return int(PLAIN_OVERHEAD + decoded_frames_bytes([source]) + STILL_FRAMES * picture.frame_bytes() * FRAME_PADDING)


def frames_per_segment(info: MediaInfo, budget: int, encoder: int = DEFAULT_ENCODER_FRAMES) -> int:
    """How many frames one feeder may hold so the whole process tree stays under ``budget`` bytes."""
    spare = SAFETY * budget - tree_memory(info, 0, encoder, segmented=True)
    return max(1, int(spare // max(1.0, info.frame_bytes() * FRAME_PADDING)))


_LAYOUT_CHANNELS = {"mono": 1, "stereo": 2, "2.1": 3, "3.0": 3, "3.0(back)": 3, "4.0": 4, "quad": 4,
                    "quad(side)": 4, "3.1": 4, "5.0": 5, "5.0(side)": 5, "4.1": 5, "5.1": 6, "5.1(side)": 6,
                    "6.0": 6, "6.1": 7, "7.0": 7, "7.1": 8, "7.1(wide)": 8}


def channel_count(layout: str | None) -> int:
    if layout is None:
        return 2
    if layout in _LAYOUT_CHANNELS:
        return _LAYOUT_CHANNELS[layout]
    digits = layout.split(" ")[0]
    return int(digits) if digits.isdigit() else 2
