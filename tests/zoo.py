"""A media zoo: small files shaped like the ones users bring (phones, cameras, broadcast), made with the
bundled FFmpeg when a test asks, so no media is checked in.

Each function writes one file into ``folder`` and returns its path. Where a test measures colour, the
picture has a known reference: :func:`sdr_reference` is the SDR test pattern the HDR files are made from.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from ffx.ffmpeg.binary import find_ffmpeg

FFMPEG = find_ffmpeg()

# HDR made from SDR the way BT.2408 maps them: SDR's 100 % white is HDR's reference white, 203 cd/m2
REFERENCE_WHITE = 203
# the storage size and sample aspect of NTSC DVD widescreen: 720x480 shown as 16:9
ANAMORPHIC_SAR = "32/27"
CIRCLE_RADIUS = 150  # display pixels, in a 854x480 display


def ffmpeg(*args: str) -> None:
    done = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", *args, "-y"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _pattern(size: str, rate: int | str, duration: float) -> str:
    return f"testsrc2=size={size}:rate={rate}:duration={duration}"


def sdr_reference(size: str = "320x180", frames: int = 25, rate: int = 25) -> np.ndarray:
    """The SDR test pattern the HDR files are made from, as (N, H, W, 3) RGB."""
    width, height = (int(side) for side in size.split("x"))
    raw = subprocess.run([FFMPEG, "-v", "error", "-nostdin", "-f", "lavfi", "-i", _pattern(size, rate, frames / rate),
                          "-frames:v", str(frames), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)


def _hdr(path: Path, transfer: str, size: str, duration: float, extra: tuple[str, ...] = (),
         frames: str = "") -> Path:
    # format=gbrp first: testsrc2 drawn straight into YUV would be BT.601 YUV, and zscale must read RGB
    convert = (f"format=gbrp,zscale=tin=bt709:t={transfer}:pin=bt709:p=bt2020:min=bt709:m=bt2020nc:"
               f"npl={REFERENCE_WHITE},format=yuv420p10le")
    source = frames or _pattern(size, 25, duration)
    ffmpeg("-f", "lavfi", "-i", source, *extra, "-vf", convert, *(("-fps_mode", "passthrough") if frames else ()),
           "-c:v", "libx265", "-x265-params", "log-level=error", "-crf", "12", "-tag:v", "hvc1",
           "-color_trc", transfer, "-color_primaries", "bt2020", "-colorspace", "bt2020nc", "-color_range", "tv",
           str(path))
    return path


def hdr10(folder: Path, size: str = "320x180", duration: float = 1.0) -> Path:
    """HDR10: 10-bit HEVC, PQ transfer (smpte2084), BT.2020 primaries and matrix."""
    return _hdr(Path(folder) / "hdr10.mp4", "smpte2084", size, duration)


# HDR10's static metadata as x265 takes it: P3 primaries in a D65 white, 1000 cd/m2 peak; MaxCLL, MaxFALL
MASTER_DISPLAY = "G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1)"
CONTENT_LIGHT = (1000, 400)


def hdr10_mastered(folder: Path, duration: float = 1.0) -> Path:
    """HDR10 with its mastering display and content light levels, in the bitstream (SEI) and in the MP4's
    boxes (mdcv, clli), as a camera or grading tool writes them: encoded once with x265's parameters, then
    again by FFmpeg, whose decoder hands the metadata on to the encoder and the muxer."""
    folder = Path(folder)
    coded = _hdr(folder / "hdr10_sei.mp4", "smpte2084", "320x180", duration)
    ffmpeg("-i", str(coded), "-c:v", "libx265", "-x265-params",
           f"log-level=error:hdr10=1:repeat-headers=1:master-display={MASTER_DISPLAY}:"
           f"max-cll={CONTENT_LIGHT[0]},{CONTENT_LIGHT[1]}", "-crf", "12", "-tag:v", "hvc1",
           str(folder / "hdr10_first.mp4"))
    path = folder / "hdr10_mastered.mp4"
    ffmpeg("-i", str(folder / "hdr10_first.mp4"), "-c:v", "libx265", "-x265-params", "log-level=error", "-crf", "12",
           "-tag:v", "hvc1", str(path))
    return path


def hlg(folder: Path, size: str = "320x180", duration: float = 1.0) -> Path:
    """HLG (arib-std-b67): what phones record as HDR."""
    return _hdr(Path(folder) / "hlg.mp4", "arib-std-b67", size, duration)


def anamorphic(folder: Path, duration: float = 1.0) -> Path:
    """720x480 MPEG-2 with sample aspect 32:27 (16:9 on screen) showing a white circle, round on screen."""
    circle = (f"geq=lum='if(lt(hypot((X-W/2)*32/27,Y-H/2),{CIRCLE_RADIUS}),235,16)':cb=128:cr=128,"
              f"setsar={ANAMORPHIC_SAR}")
    path = Path(folder) / "anamorphic.mpg"
    ffmpeg("-f", "lavfi", "-i", f"color=black:size=720x480:rate=25:duration={duration}", "-vf", circle,
           "-c:v", "mpeg2video", "-q:v", "2", "-aspect", "16:9", str(path))
    return path


def interlaced(folder: Path, duration: float = 2.0, flagged: bool = True) -> Path:
    """25i MPEG-2 (PAL): each frame two fields 1/50 s apart from a moving pattern, top field first.

    ``flagged=False``: the same fields coded as progressive frames, so the header says nothing of them (as a
    badly made file, or a transfer through a progressive workflow, does).
    """
    fields = f"testsrc2=size=320x240:rate=50:duration={duration},tinterlace=mode=interleave_top,setfield=tff"
    path = Path(folder) / ("interlaced.mpg" if flagged else "interlaced_unflagged.mpg")
    coding = ["-flags", "+ilme+ildct"] if flagged else []
    ffmpeg("-f", "lavfi", "-i", fields, "-c:v", "mpeg2video", "-q:v", "2", *coding, str(path))
    return path


def full_range(folder: Path, duration: float = 1.0) -> Path:
    """Full-range (yuvj420p, ``pc``) MJPEG, as cameras and phones' JPEG modes write it: dark and bright halves,
    a small grey square moving across them (an animation of identical frames would be one frame)."""
    halves = (f"color=0x101820:size=160x90:rate=25:duration={duration}[a];"
              f"color=0xF0E0C8:size=160x90:rate=25:duration={duration}[b];[a][b]hstack[both];"
              "color=gray:size=20x20:rate=25[box];[both][box]overlay=x=t*100:y=35:shortest=1,format=yuvj420p")
    path = Path(folder) / "full_range.avi"
    ffmpeg("-f", "lavfi", "-i", halves, "-c:v", "mjpeg", "-q:v", "1", "-color_range", "pc", str(path))
    return path


def bt601(folder: Path, duration: float = 1.0) -> Path:
    """SD in BT.601 (smpte170m), saturated colours where 601 and 709 differ most."""
    bars = (f"smptebars=size=352x288:rate=25:duration={duration},format=gbrp,"
            "scale=out_color_matrix=bt601:out_range=tv,format=yuv420p")
    path = Path(folder) / "bt601.mp4"
    ffmpeg("-f", "lavfi", "-i", bars, "-c:v", "libx264", "-crf", "10", "-colorspace", "smpte170m",
           "-color_primaries", "smpte170m", "-color_trc", "smpte170m", "-color_range", "tv", str(path))
    return path


def cover_art_mp3(folder: Path, duration: float = 3.0) -> Path:
    """An MP3 with its cover picture (a JPEG, ``attached pic``), as music files come."""
    folder = Path(folder)
    cover = folder / "cover.jpg"
    ffmpeg("-f", "lavfi", "-i", "color=yellow:size=64x64", "-frames:v", "1", str(cover))
    path = folder / "song.mp3"
    ffmpeg("-f", "lavfi", "-i", f"sine=duration={duration}", "-i", str(cover), "-map", "0", "-map", "1",
           "-c:a", "libmp3lame", "-c:v", "copy", "-disposition:v", "attached_pic", str(path))
    return path


def two_pictures(folder: Path, duration: float = 1.0) -> Path:
    """Matroska with two video streams, red then blue, the second marked default (an alternative angle
    first, the main picture second)."""
    path = Path(folder) / "two_pictures.mkv"
    ffmpeg("-f", "lavfi", "-i", f"color=red:size=160x90:rate=25:duration={duration}",
           "-f", "lavfi", "-i", f"color=blue:size=160x90:rate=25:duration={duration}",
           "-f", "lavfi", "-i", f"sine=duration={duration}",
           "-map", "0", "-map", "1", "-map", "2", "-c:v", "ffv1", "-c:a", "pcm_s16le",
           "-disposition:v:0", "0", "-disposition:v:1", "default", str(path))
    return path


def video_with_cover(folder: Path, duration: float = 1.0) -> Path:
    """An MP4 whose first video stream is a cover picture (``attached pic``) and whose second is the film."""
    folder = Path(folder)
    cover = folder / "poster.png"
    ffmpeg("-f", "lavfi", "-i", "color=yellow:size=160x90", "-frames:v", "1", str(cover))
    path = folder / "with_poster.mp4"
    ffmpeg("-i", str(cover), "-f", "lavfi", "-i", _pattern("160x90", 25, duration),
           "-map", "0", "-map", "1", "-c:v:0", "png", "-c:v:1", "libx264", "-disposition:v:0", "attached_pic",
           str(path))
    return path


def phone_clip(folder: Path, duration: float = 2.0) -> Path:
    """As a phone records: HLG HEVC in a MOV, turned a quarter (display matrix), the sound starting before
    the picture."""
    folder = Path(folder)
    picture = _hdr(folder / "phone_picture.mp4", "arib-std-b67", "320x180", duration)
    path = folder / "phone.mov"
    ffmpeg("-display_rotation", "90", "-itsoffset", "0.3", "-i", str(picture),
           "-f", "lavfi", "-i", f"sine=frequency=660:duration={duration + 0.3}",
           "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", str(path))
    return path


def phone_still(folder: Path) -> Path:
    """A phone's clip where nothing moved for a while: HLG HEVC 10-bit in a MOV, turned a quarter (display
    matrix), 1 s at 30 fps, no frame for 1 s (the phone writes none while the picture stands still), 1 s
    more, and the sound starting 0.3 s before the picture and lasting to its end."""
    folder = Path(folder)
    frames = "testsrc2=size=320x180:rate=30:duration=2,setpts='PTS+gte(N\\,30)*1/TB'"
    picture = _hdr(folder / "phone_still_picture.mp4", "arib-std-b67", "320x180", 2.0, frames=frames)
    path = folder / "phone_still.mov"
    ffmpeg("-display_rotation", "90", "-itsoffset", "0.3", "-i", str(picture),
           "-f", "lavfi", "-i", "sine=frequency=660:duration=3.3", "-map", "0:v", "-map", "1:a",
           "-c:v", "copy", "-c:a", "aac", str(path))
    return path


# Timing: files whose header's count or length is not what a decoder delivers (docs/design.md, "Timing")


def _moving(size: str = "160x90", rate: int | str = 25, duration: float = 2.5) -> tuple[str, ...]:
    return ("-f", "lavfi", "-i", _pattern(size, rate, duration))


def _tone(duration: float, rate: int = 48000, layout: str = "stereo") -> tuple[str, ...]:
    return ("-f", "lavfi", "-i", (f"sine=frequency=440:sample_rate={rate}:duration={duration},"
                                  f"aformat=channel_layouts={layout}"))


def bframes(folder: Path, duration: float = 2.5) -> Path:
    """H.264 with B-frames (a decoder delay: the first picture is shown after the first packet's time) and
    sound, as cameras and encoders write MP4."""
    path = Path(folder) / "bframes.mp4"
    ffmpeg(*_moving(duration=duration), *_tone(duration), "-c:v", "libx264", "-bf", "3", "-g", "12",
           "-c:a", "aac", "-shortest", str(path))
    return path


def edit_list(folder: Path, duration: float = 3.0) -> Path:
    """A stream-copy cut of a B-frame MP4 at 0.5 s (``-ss 0.5 -c copy``): the MP4 keeps the packets from the
    keyframe before, and an edit list (elst) says to skip them; the header's count includes them."""
    path = Path(folder) / "edit_list.mp4"
    ffmpeg("-ss", "0.5", "-i", str(bframes(folder, duration)), "-c", "copy", str(path))
    return path


def avi_mjpeg(folder: Path, duration: float = 2.5) -> Path:
    """MJPEG in AVI, as cameras write it."""
    path = Path(folder) / "mjpeg.avi"
    ffmpeg(*_moving(duration=duration), *_tone(duration, 44100), "-c:v", "mjpeg", "-q:v", "3",
           "-c:a", "pcm_s16le", "-shortest", str(path))
    return path


def avi_mpeg4(folder: Path, duration: float = 2.5) -> Path:
    """MPEG-4 Part 2 (as XviD) in AVI at 23.976 fps, B-frames packed as old encoders do."""
    path = Path(folder) / "mpeg4.avi"
    ffmpeg(*_moving(rate="24000/1001", duration=duration), *_tone(duration, 44100), "-c:v", "mpeg4", "-bf", "2",
           "-vtag", "XVID", "-q:v", "4", "-c:a", "libmp3lame", "-shortest", str(path))
    return path


def ts_offset(folder: Path, duration: float = 2.5) -> Path:
    """MPEG-TS whose timestamps start at 10 s (a broadcast recording cut from a stream)."""
    path = Path(folder) / "offset.ts"
    ffmpeg(*_moving(duration=duration), *_tone(duration), "-c:v", "libx264", "-bf", "2", "-c:a", "aac",
           "-shortest", "-output_ts_offset", "10", str(path))
    return path


def gap(folder: Path) -> Path:
    """Variable rate with a 1 s gap, as screen recorders and phones write when nothing moves: 1 s at 25 fps,
    nothing for a second, 1 s more; the sound runs on through the gap."""
    path = Path(folder) / "gap.mp4"
    frames = "testsrc2=size=160x90:rate=25:duration=2,setpts='PTS+gte(N\\,25)*1/TB'"
    ffmpeg("-f", "lavfi", "-i", frames, *_tone(3.0), "-map", "0:v", "-map", "1:a", "-fps_mode", "passthrough",
           "-c:v", "libx264", "-bf", "0", "-c:a", "aac", "-video_track_timescale", "12800", str(path))
    return path


def sound_longer(folder: Path, duration: float = 2.5, longer_by: float = 2.0) -> Path:
    """Sound ``longer_by`` seconds longer than the picture (a camera that stops the picture first)."""
    path = Path(folder) / "sound_longer.mp4"
    ffmpeg(*_moving(duration=duration), *_tone(duration + longer_by), "-c:v", "libx264", "-c:a", "aac", str(path))
    return path


def sound_first(folder: Path, duration: float = 2.5) -> Path:
    """Sound starting 0.3 s before the picture (a phone's sound is ready first), without the HDR."""
    path = Path(folder) / "sound_first.mp4"
    ffmpeg("-itsoffset", "0.3", *_moving(duration=duration), *_tone(duration + 0.3),
           "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-c:a", "aac", str(path))
    return path


def sound_shorter(folder: Path, duration: float = 2.5) -> Path:
    """Sound half as long as the picture."""
    path = Path(folder) / "sound_shorter.mp4"
    ffmpeg(*_moving(duration=duration), *_tone(duration / 2), "-c:v", "libx264", "-c:a", "aac", str(path))
    return path


def long_sound_longer(folder: Path, duration: float = 32.0) -> Path:
    """Longer than the probe counts ahead (30 s), its sound 1 s longer than its picture: the file is counted
    only when a step reads its length."""
    path = Path(folder) / "long_sound_longer.mp4"
    ffmpeg(*_moving("96x64", 10, duration), *_tone(duration + 1, 22050, "mono"), "-c:v", "libx264",
           "-preset", "ultrafast", "-c:a", "aac", str(path))
    return path


def surround(folder: Path, duration: float = 2.5) -> Path:
    """5.1 sound (AAC) with the picture, as films come."""
    path = Path(folder) / "surround.mp4"
    ffmpeg(*_moving(duration=duration), *_tone(duration, layout="5.1"), "-c:v", "libx264", "-c:a", "aac",
           "-shortest", str(path))
    return path


def mono(folder: Path, duration: float = 2.5) -> Path:
    """Mono sound, as a phone's voice memo or a cheap camera records it."""
    path = Path(folder) / "mono.mp4"
    ffmpeg(*_moving(duration=duration), *_tone(duration, layout="mono"), "-c:v", "libx264", "-c:a", "aac",
           "-shortest", str(path))
    return path


def hires_sound(folder: Path, duration: float = 2.5) -> Path:
    """96 kHz 24-bit sound (a field recorder's) in Matroska."""
    path = Path(folder) / "hires.mkv"
    ffmpeg(*_moving(duration=duration), *_tone(duration, 96000), "-c:v", "libx264", "-c:a", "pcm_s24le",
           "-shortest", str(path))
    return path


def mpeg_ps(folder: Path, duration: float = 2.5) -> Path:
    """MPEG-PS (a DVD's VOB, a camcorder's MPG) at 25 fps with MP2 sound."""
    path = Path(folder) / "program.mpg"
    ffmpeg(*_moving(duration=duration), *_tone(duration), "-c:v", "mpeg2video", "-q:v", "4", "-c:a", "mp2",
           "-shortest", str(path))
    return path


# every timing file: name -> maker (each takes the folder)
TIMING = {f.__name__: f for f in (bframes, edit_list, avi_mjpeg, avi_mpeg4, ts_offset, gap, sound_longer,
                                  sound_first, sound_shorter, surround, mono, hires_sound, mpeg_ps, phone_still)}


# A lecture, as cut_silence sees one: beeps of a 440 Hz tone (amplitude 0.5), each shown by a white flash on its
# first two frames over a dark picture; between them four silences (1.2, 0.8, 2.0 and 1.0 s) and two short pauses
# (0.2 s) that a cut keeps. Every time is on the 25 fps frame grid.
LECTURE_BEEPS = ((0.0, 0.4), (1.6, 2.0), (2.2, 2.6), (3.4, 3.8), (5.8, 6.2), (7.2, 7.6))
LECTURE_LENGTH = 7.8


def lecture(folder: Path, beeps: tuple[tuple[float, float], ...] = LECTURE_BEEPS, length: float = LECTURE_LENGTH,
            rate: int = 25, size: str = "96x64", name: str = "lecture.mkv", codecs: tuple[str, ...] = (
                "-c:v", "ffv1", "-c:a", "pcm_s16le")) -> Path:
    """A lecture clip (see :data:`LECTURE_BEEPS`), lossless by default; ``beeps`` are ``(start, end)`` seconds."""
    def added(terms: list[str]) -> str:  # a balanced sum: FFmpeg refuses a flat one of about 100 terms
        return terms[0] if len(terms) == 1 else f"({added(terms[:len(terms) // 2])}+{added(terms[len(terms) // 2:])})"

    sounding = added([f"gte(t\\,{start})*lt(t\\,{end})" for start, end in beeps])
    flashes = added([f"between(n\\,{round(start * rate)}\\,{round(start * rate) + 1})" for start, _ in beeps])
    path = folder / name
    ffmpeg("-f", "lavfi", "-i", f"color=c=0x202020:size={size}:rate={rate}:duration={length},"
                                f"drawbox=c=white:t=fill:enable='{flashes}'",
           "-f", "lavfi", "-i", f"aevalsrc=0.5*sin(2*PI*440*t)*({sounding}):sample_rate=48000:duration={length}",
           "-map", "0:v", "-map", "1:a", *codecs, str(path))
    return path
