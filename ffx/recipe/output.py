"""Where a recipe's result goes and how it is encoded.

The container follows the file extension; each family (video, GIF, animated
WebP and AVIF, still image, audio) has defaults chosen for players and quality,
all overridable.

GIFs are palette-optimised, in one pass or two (palette.py).

This is also where the plan's memory estimate meets the budget: the output is
built last, so a plan that would hold more than ``--max-memory`` is refused here,
before anything runs.
"""

from __future__ import annotations

import os
import re
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, ValidationError, model_validator

from ..effects.base import CheckedCopy
from ..effects.context import Clip, StepContext, StepError
from ..effects.fields import Rate
from ..filtergraph.graph import Pad
from ..media.info import MediaInfo
from ..syntax.problems import model_error
from .palette import DEFAULT_GIF_QUALITY, QUALITY, Palette, mib, preset_of
from .scene_files import numbered_pattern, per_scene, split_at_scenes

VIDEO_FORMATS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska", ".webm": "webm",
                 ".avi": "avi", ".nut": "nut", ".ts": "mpegts"}
IMAGE_FORMATS = {".png": "image2", ".jpg": "image2", ".jpeg": "image2", ".bmp": "image2", ".tif": "image2",
                 ".tiff": "image2"}
AUDIO_FORMATS = {".wav": "wav", ".mp3": "mp3", ".m4a": "ipod", ".flac": "flac", ".ogg": "ogg", ".opus": "opus"}
ANIMATION_FORMATS = {".gif": "gif", ".webp": "webp", ".avif": "avif"}
ALL_FORMATS = {**VIDEO_FORMATS, **IMAGE_FORMATS, **AUDIO_FORMATS, **ANIMATION_FORMATS}

Kind = Literal["video", "gif", "webp", "avif", "image", "sequence", "audio"]

# a numbered file name, FFmpeg's image2 pattern with a zero-padded counter: frames/%04d.png -> frames/0001.png,
# 0002.png... Any other % (frame%d.png included) is part of a single file's name, written as it is.
FRAME_NUMBER = re.compile(r"%0[1-9]d")
# JPEG -q:v for each quality preset: 1 is the best FFmpeg's mjpeg encoder makes, 31 the worst
JPEG_QSCALE = {"best": 1, "high": 2, "medium": 5, "low": 10}


def is_sequence(path: str) -> bool:
    """Whether an image path numbers its frames (``%04d``, a zero-padded counter): one file per frame.

    >>> is_sequence("frames/%04d.png"), is_sequence("still.png"), is_sequence("100%.png"), is_sequence("f%d.png")
    (True, False, False, False)
    """
    name = os.path.basename(path)
    return len(FRAME_NUMBER.findall(name)) == 1 and "%" not in FRAME_NUMBER.sub("", name)


def kind_of(path: str, format: str | None = None) -> Kind:
    ext = os.path.splitext(path)[1].lower()
    if format == "gif" or ext == ".gif":
        return "gif"
    if format == "webp" or ext == ".webp":
        return "webp"
    if format == "avif" or ext == ".avif":
        return "avif"
    if ext in IMAGE_FORMATS:
        return "sequence" if is_sequence(path) else "image"
    if ext in AUDIO_FORMATS:
        return "audio"
    return "video"


# pixel formats with an alpha plane, for the encoders that can keep transparency
ALPHA_PIX_FMT = {"libvpx-vp9": "yuva420p", "libvpx": "yuva420p", "ffv1": "gbrap", "png": "rgba", "qtrle": "argb",
                 "prores_ks": "yuva444p10le"}

# Outputs written as packed RGB: their picture goes through planar RGB first (StepContext.rgb says why).
# Stills of these types are RGB unless a pix_fmt says otherwise.
RGB_IMAGES = (".png", ".bmp", ".tif", ".tiff")
PACKED_RGB = {"rgb24", "bgr24", "rgba", "bgra", "argb", "abgr", "rgb0", "bgr0", "0rgb", "0bgr"}  # 8 bits

# Animated WebP and AVIF: the quality preset as libwebp's -quality (0-100, higher is better) and SVT-AV1's
# -crf (0-63, lower is better); "high" is the default. Their sizes and SSIM against GIF: docs/benchmarks.md.
WEBP_QUALITY = {"best": 95, "high": 80, "medium": 65, "low": 50}
AVIF_CRF = {"best": 22, "high": 32, "medium": 40, "low": 48}
# SVT-AV1's speed preset (0 slowest to 13 fastest): 8 encodes a 3 s, 480 px excerpt in about half a second
AVIF_SPEED = "8"

BUDGET_HINT = "trim the clip or lower its size or frame rate first, or raise --max-memory"


def check_budget(ctx: StepContext) -> None:
    """Refuse, before anything runs, a plan whose estimate is over the memory budget.

    Steps that can work another way have already done so (a reverse in
    segments, a GIF in two passes); what is still over would run out of memory.
    """
    if ctx.max_memory is None or ctx.memory_bytes <= ctx.max_memory:
        return
    if ctx.memory_step in ctx.memory_notes:  # the step says which of its plans the figure is for
        raise StepError(f"{ctx.memory_step} {ctx.memory_notes[ctx.memory_step]}")
    who = "FFmpeg and its encoder need" if ctx.memory_step in ("", "output") else \
        f"{ctx.memory_step} makes FFmpeg hold"
    raise StepError(f"{who} ~{mib(ctx.memory_bytes)} MiB, over the memory budget of {mib(ctx.max_memory)} MiB",
                    hint=BUDGET_HINT)


class Output(CheckedCopy):
    """The output file and its encoding options; the format follows the extension."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    path: str = Field(min_length=1, max_length=4096, description="output file; its extension picks the format (.mp4, .mkv, .webm, .gif, .webp, .avif, .png, .wav...); frames/%04d.png or .jpg (a zero-padded counter) writes one image per frame; scene_{index}.mp4 (or {index:03d}) one video file per scene")
    format: str | None = Field(None, pattern=r"^[a-z0-9_]+$", description="container to use instead of the extension's (FFmpeg muxer name)")
    codec: str | None = Field(None, pattern=r"^[a-z0-9_\-]+$", description="video encoder (default libx264 for mp4/mov/mkv, libvpx-vp9 for webm)")
    crf: int | None = Field(None, ge=0, le=63, description="constant quality: lower is better (x264 default here 18; AVIF 32)")
    preset: Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
                    "veryslow", "placebo"] | None = None
    "x264/x265 speed-versus-size preset"
    pix_fmt: str | None = Field(None, pattern=r"^[a-z0-9_]+$", description="pixel format (default yuv420p for players; yuv444p keeps full colour)")
    fps: Rate | None = Field(None, description="output frame rate")
    audio: bool = Field(True, description="keep the audio when the result has some")
    audio_codec: str | None = Field(None, pattern=r"^[a-z0-9_\-]+$", description="audio encoder (default aac, opus for webm)")
    audio_bitrate: str | None = Field(None, pattern=r"^[0-9]{1,4}k$", description="audio bitrate such as 192k")
    quality: Literal["best", "high", "medium", "low"] | Annotated[int, Field(ge=1, le=100)] | None = Field(
        None, description="GIF: one knob for size against fidelity: 1-100 (as gifski's) picks the palette "
                          "size, dithering and transparency by trying them on a few frames of a file input, the "
                          "smallest that reaches the number's SSIM; or a preset, unmeasured (best = 100: a palette "
                          "per frame; high = 90: 256 colours; medium = 70: 128; low = 50: 64); colors/dither/"
                          "stats_mode given too win; default high. "
                          "JPEG: -q:v 1, 2 (default), 5 or 10. WebP: -quality 95, 80 (default), 65 or 50. "
                          "AVIF: crf 22, 32 (default), 40 or 48")
    colors: int = Field(256, ge=2, le=256, description="GIF: palette size")
    dither: Literal["sierra2_4a", "bayer", "floyd_steinberg", "sierra2", "sierra3", "burkes", "atkinson",
                    "heckbert", "none"] = Field("none", description="GIF: dithering (none measured best per byte; "
                                                                    "sierra2_4a or bayer smooth gradients)")
    bayer_scale: int = Field(2, ge=0, le=5, description="GIF: strength of the bayer pattern (0 strong to 5 faint)")
    stats_mode: Literal["full", "diff", "single"] = Field("full", description="GIF: palette from all frames (full), moving parts (diff), or one palette per frame (single)")
    palette_step: int | None = Field(None, ge=1, le=8, description="GIF: the palette counts every Nth pixel in each direction (1 = all; default 2, or 1 for quality: best)")
    diff_mode: Literal["none", "rectangle"] = Field("rectangle", description="GIF: only re-encode the changed rectangle of each frame")
    loop: int = Field(0, ge=-1, le=65535, description="GIF/WebP/AVIF: 0 loops forever, -1 plays once, n repeats n times")
    hdr: Literal["tonemap", "keep"] = Field("tonemap", description="HDR input (PQ, HLG): tone-mapped to BT.709 SDR at "
                                            "the input (tonemap), or kept as HDR where the output carries it: 10-bit "
                                            "video such as codec: libx265 (keep)")

    def __init__(self, **data):
        try:
            super().__init__(**data)
        except ValidationError as exc:  # Python users get the YAML users' readable line (a RecipeError)
            raise model_error("output", exc, type(self)) from None

    @model_validator(mode="after")
    def _known_extension(self):
        ext = self.extension
        known = ALL_FORMATS
        if self.format is None and ext not in known:
            raise ValueError(f"cannot tell the format from {ext or 'a missing extension'!r}; use one of "
                             + ", ".join(sorted(known)) + " or set format")
        return self

    @property
    def extension(self) -> str:
        """The path's extension, lower case, with its dot ("" when there is none)."""
        return os.path.splitext(self.path)[1].lower()

    @property
    def kind(self) -> Kind:
        return kind_of(self.path, self.format)

    @property
    def written_path(self) -> str:
        """What FFmpeg writes: the path, or for one file per scene (``{index}``) its numbered pattern."""
        return numbered_pattern(self.path) if per_scene(self.path) else self.path

    @property
    def stage_kind(self) -> str:
        """What the run reads back: the kind, or ``scenes`` for one file per scene."""
        return "scenes" if per_scene(self.path) else self.kind

    def muxer(self) -> str:
        if self.format:
            return self.format
        return ALL_FORMATS[self.extension]

    def audio_encoder(self) -> str:
        """The sound's encoder: the one asked for, else the format's usual one."""
        return self.audio_codec or {".webm": "libopus", ".wav": "pcm_s16le", ".flac": "flac", ".ogg": "libvorbis",
                                    ".opus": "libopus", ".mp3": "libmp3lame", ".mkv": "aac",
                                    ".avi": "libmp3lame"}.get(self.extension, "aac")

    def video_codec(self) -> str | None:
        if self.codec:
            return self.codec
        ext = self.extension
        return {"gif": "gif", "webp": "libwebp_anim", "avif": "libsvtav1", "image": None,
                "audio": None}.get(self.kind) or (
            "libvpx-vp9" if ext == ".webm" or self.format == "webm" else
            "mpeg4" if ext == ".avi" else "libx264")

    def apply(self, clip: Clip, ctx: StepContext) -> tuple[list[Pad], list[tuple[str, str]], Clip]:
        """Final filters and the encoder arguments; returns mapped pads, args, and the clip written."""
        kind = self.kind
        video, audio, info = clip.video, clip.audio, clip.info
        if kind != "audio" and video is None:
            raise StepError(f"a {kind} output needs video, and the result has none", field="path")
        if kind == "audio" and audio is None:
            raise StepError("an audio output needs audio, and the result has none", field="path")
        args: list[tuple[str, str]] = []
        alpha_plane = None
        if kind == "audio":
            video = None
        if self.fps is not None and video is not None:
            video = ctx.chain(video, "fps", {"fps": self.fps})
            info = info.replace(fps=self.fps).with_duration(info.duration)
        if kind in ("gif", "webp", "avif", "image", "sequence"):
            audio = None
        if not self.audio:
            audio = None
        codec = self.video_codec()
        if info.alpha and not self.pix_fmt:
            self._check_alpha(kind, codec)
        if video is not None and (self._packed_rgb(kind) or (kind == "webp" and not self.pix_fmt and not info.alpha)):
            # measured on a 640x480 test pattern as a GIF, against the source converted with accurate
            # rounding and full chroma interpolation: SSIM 0.927 -> 0.973, for 1 % more bytes (bench/gif.py)
            video = ctx.rgb(video, alpha=info.alpha)
        if kind == "video":
            pix_fmt = self.pix_fmt or (ALPHA_PIX_FMT.get(codec) if info.alpha else None) or (
                "yuv420p10le" if info.hdr else None) or (  # hdr: keep (else the input was tone-mapped)
                "yuv420p" if codec in ("libx264", "libx265", "libvpx-vp9", "mpeg4") else None)
            if pix_fmt in ("yuv420p", "yuv422p", "nv12") and (info.width % 2 or info.height % 2):
                # 4:2:0 and 4:2:2 encoders refuse odd sizes: drop the last column/row rather than rescale
                w, h = info.width - info.width % 2, info.height - info.height % 2
                video = ctx.chain(video, "crop", {"w": w, "h": h, "x": 0, "y": 0})
                info = info.replace(width=w, height=h)
            args += [("-c:v", codec)]
            if codec in ("libx264", "libx265"):
                args += [("-preset", self.preset or "medium"), ("-crf", str(18 if self.crf is None else self.crf))]
            elif codec == "libvpx-vp9":
                args += [("-crf", str(32 if self.crf is None else self.crf)), ("-b:v", "0"),
                         ("-row-mt", "1")]
            elif codec == "mpeg4":
                args += [("-q:v", "2")]
            elif self.crf is not None:
                args += [("-crf", str(self.crf))]
            if pix_fmt:
                args += [("-pix_fmt", pix_fmt)]
            if info.hdr:  # the tags that make a player show it as HDR
                args += [("-color_trc", info.color_transfer), ("-color_primaries", info.color_primaries or "bt2020"),
                         ("-colorspace", info.color_matrix or "bt2020nc"), ("-color_range", info.color_range or "tv")]
            if self.muxer() in ("mp4", "mov"):
                args += [("-movflags", "+faststart")]
        elif kind == "gif":
            video = self.gif_palette().apply(video, ctx, info)
            args += [("-c:v", "gif"), ("-loop", str(self.loop))]
        elif kind == "webp":
            args += [("-c:v", codec), ("-loop", str(self._plays())), ("-quality", str(WEBP_QUALITY[preset_of(self.quality)]))]
            if codec == "libwebp_anim":
                # RGB in: libwebp's own conversion to 4:2:0 keeps colour edges that FFmpeg's yuv420p loses
                # (bars and a moving square, 96x64: SSIM 0.874 at 3.5 KB against 0.696 at 6.3 KB). FFmpeg's
                # libwebp wrapper drops the alpha of bgra frames, so a transparent picture goes as yuva420p.
                args += [("-pix_fmt", self.pix_fmt or ("yuva420p" if info.alpha else "bgra"))]
        elif kind == "avif":
            video, alpha_plane, avif_args = self._avif(video, ctx, info, codec)
            args += avif_args
        elif kind == "image":
            args += [("-frames:v", "1"), ("-update", "1")]
            pix_fmt = self.pix_fmt or ("rgba" if info.alpha else None)
            if pix_fmt:
                args += [("-pix_fmt", pix_fmt)]
            info = info.with_duration(0 if info.fps is None else 1 / float(info.fps))
        elif kind == "sequence":
            # every frame its own file, numbered from 1; a frame rate conversion above drops or repeats frames
            args += [("-start_number", "1")]
            if self.pix_fmt:
                args += [("-pix_fmt", self.pix_fmt)]
        if kind in ("image", "sequence") and self.extension in (".jpg", ".jpeg"):
            scale = JPEG_QSCALE[preset_of(self.quality)]
            args += [("-qmin", "1")] * (scale == 1) + [("-q:v", str(scale))]
        if audio is not None:
            audio_codec = self.audio_encoder()
            args += [("-c:a", audio_codec)]
            if self.audio_bitrate or audio_codec in ("aac", "libopus", "libmp3lame", "libvorbis"):
                args += [("-b:a", self.audio_bitrate or "192k")]
        info = info.replace(has_audio=audio is not None)
        ctx.holds_frames(info, 0)  # FFmpeg itself and the encoder's frames
        check_budget(ctx)
        args += [("-f", self.muxer())]
        if per_scene(self.path):  # scene_{index}.mp4: one file per scene
            args = split_at_scenes(clip, ctx, args, self)
        pads = [p for p in (video, alpha_plane, audio) if p is not None]
        return pads, args, clip.evolve(video=video, audio=audio, info=info)

    def _plays(self) -> int:
        """The WebP/AVIF loop count: how many times the animation plays (0 = forever), where ``loop`` counts
        repeats as GIF's does (-1 plays once, n repeats n times).

        >>> [Output(path="a.webp", loop=n)._plays() for n in (0, -1, 3)]
        [0, 1, 4]
        """
        return 1 if self.loop == -1 else self.loop + (self.loop > 0)

    def _avif(self, video: Pad, ctx: StepContext, info: MediaInfo, codec: str) -> tuple[Pad, Pad | None, list]:
        """An animated AVIF: the picture in 4:2:0 and, when it has alpha, the alpha as a second stream.

        FFmpeg's AVIF muxer keeps transparency as an auxiliary image sequence: a second video stream of
        one plane. SVT-AV1 encodes 4:2:0 only, so that plane goes to libaom-av1, which encodes grey; its
        picture carries no colour, and libaom refuses the RGB colour space the alpha inherits (identity
        matrix without subsampling), so it is labelled BT.709 full range.
        """
        crf = self.crf if self.crf is not None else AVIF_CRF[preset_of(self.quality)]
        args = [("-c:v", codec), ("-crf", str(crf)), ("-loop", str(self._plays()))]
        if codec == "libsvtav1":
            args += [("-preset:v:0", AVIF_SPEED)]
        alpha_plane = None
        if info.alpha and not self.pix_fmt:
            # a pad read twice is split by the graph
            alpha_plane = ctx.chain(ctx.chain(video, "alphaextract"), "format", {"pix_fmts": "gray"})
            alpha_plane = ctx.chain(alpha_plane, "setparams", {"range": "pc", "colorspace": "bt709"})
            args += [("-c:v:1", "libaom-av1"), ("-crf:v:1", "20"), ("-cpu-used:v:1", "8"), ("-row-mt:v:1", "1")]
        return ctx.chain(video, "format", {"pix_fmts": self.pix_fmt or "yuv420p"}), alpha_plane, args

    def gif_settings(self) -> tuple[int, str, str, int]:
        """(colors, dither, stats_mode, palette_step): the quality preset, overridden by fields set explicitly."""
        colors, dither, stats, step = QUALITY[preset_of(self.quality)]
        given = self.model_fields_set
        return (self.colors if "colors" in given else colors, self.dither if "dither" in given else dither,
                self.stats_mode if "stats_mode" in given else stats,
                self.palette_step if self.palette_step is not None else step)

    def gif_palette(self) -> Palette:
        """The GIF's palette, as :meth:`gif_settings` and the diff and bayer fields say."""
        colors, dither, stats, step = self.gif_settings()
        number = DEFAULT_GIF_QUALITY if self.quality is None else self.quality
        measured = isinstance(number, int) and not {"colors", "dither", "stats_mode"} & self.model_fields_set
        return Palette(colors, dither, stats, step, self.diff_mode, self.bayer_scale, self.path,
                       quality=number if measured else None)

    def _check_alpha(self, kind: str, codec: str | None) -> None:
        ext = self.extension
        if kind in ("gif", "webp", "avif") or (kind in ("image", "sequence") and ext == ".png") or (kind == "video" and codec in ALPHA_PIX_FMT):
            return
        raise StepError(f"the picture is transparent (remove_background), and a {ext or kind} file cannot keep that",
                        field="path", hint="write .gif, .webp, .png or .webm (or set codec: ffv1 in .mkv)")

    def _packed_rgb(self, kind: str) -> bool:
        if kind == "gif":
            return True
        if self.pix_fmt:
            return self.pix_fmt in PACKED_RGB
        return kind in ("image", "sequence") and self.extension in RGB_IMAGES
