"""An input file as a player shows it, made so once, where it enters the graph.

Users' files are messy: HDR from phones, anamorphic DVD and broadcast pictures, interlaced fields, cover
pictures and alternative streams. Every effect downstream is written for square-pixel, progressive, SDR
frames (or HDR the recipe declared it keeps), so the compiler hands each file input through
:func:`normalise` before the first step. A clean file gets no filter at all: only what the media facts
(:mod:`ffx.media.streams`) say is off is put right, in this order:

1. fields: interlaced video is deinterlaced with ``bwdif`` (one frame per frame: the count the plan knows);
2. colour: PQ or HLG is tone-mapped to BT.709 SDR (zscale + tonemap), unless the output keeps HDR;
3. aspect: non-square pixels are scaled to the display size (``setsar=1``), so sizes are what one sees;
4. timing: a picture with gaps is held at its rate (``fps``) in an animation, kept in a video file, and the
   sound is cut at the picture's end (or padded with silence to it), so the plan's count is the count of the file written (docs/design.md, "Timing").

Full-range (yuvj, ``pc``) and BT.601 pictures need no filter: their tags travel with the frames and every
FFmpeg conversion honours them (tests/test_real_footage_picture.py measures it). Only an untagged SD
picture from a disc or broadcast codec is tagged BT.601 (``setparams``: the pixels are not touched), as
players take it: else, made HD by a resize, a player would take it for BT.709. The rules in words:
docs/design.md, "Real footage: the rules".
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from ..effects.context import Clip, StepContext, StepError
from ..filtergraph import graph
from ..media.info import MediaInfo, nice_rate
from ..recipe.inputs import Input
from ..recipe.output import Output
from ..syntax.timecode import format_seconds

# HDR's reference white (BT.2408): where SDR's 100 % white sits in a PQ or HLG picture, in cd/m2
REFERENCE_WHITE = 203
# Mobius keeps everything below this share of reference white as it is and rolls the highlights above it
# off smoothly, where clip would flatten them and hable/reinhard darken the whole picture. Measured on
# testsrc2 made HDR and back (mean |RGB error| against the SDR original, 320x180): clip 9.3, mobius 0.8
# 13.2, 0.9 11.0, 0.3 (FFmpeg's default) 25.3, reinhard 32.4, hable 51.8; the HDR left as it is: 89.5 (PQ).
TONE_MAP = {"tonemap": "mobius", "param": 0.8, "desat": 0}
# encoders that write 10-bit pictures with HDR's tags, for ``hdr: keep``
HDR_ENCODERS = frozenset({"libx265", "libsvtav1", "libaom-av1", "libvpx-vp9", "ffv1", "prores_ks"})
# what a file is when it may hold fields without saying so: broadcast and camcorder codecs at field rates
FIELD_CODECS = frozenset({"mpeg2video", "dvvideo"})
FIELD_RATES = frozenset({Fraction(25), Fraction(30000, 1001)})
INTERLACED = {"tt": "tff", "tb": "tff", "bb": "bff", "bt": "bff"}  # field order -> bwdif's parity
# disc and broadcast codecs whose SD pictures are BT.601 when they say nothing (DVD, DV, VCD)
SD_CODECS = FIELD_CODECS | {"mpeg1video"}
SD_LINES = 576
# what an audio encoder cannot carry (measured with the bundled FFmpeg, which otherwise converts unasked):
# its highest sample rate, and how many channels it takes. AAC keeps 5.1 and 96 kHz, Opus keeps 5.1 but
# codes 48 kHz at most, MP3 is two channels at 48 kHz at most; PCM, FLAC and Vorbis keep what they get.
SOUND_LIMITS = {"libopus": (48000, 8), "libmp3lame": (48000, 2), "mp2": (48000, 2), "ac3": (48000, 6)}
CHANNELS = {"mono": 1, "stereo": 2, "2.1": 3, "3.0": 3, "quad": 4, "4.0": 4, "5.0": 5, "5.1": 6, "6.1": 7,
            "7.1": 8}

FieldLook = Callable[[str, MediaInfo], str]  # (path, info) -> progressive, tt or bb: a look at the frames


def normalise(spec: Input, clip: Clip, ctx: StepContext, output: Output, look_at_fields: FieldLook) -> Clip:
    """The file input ``clip`` as a player shows it: the same clip when nothing needs doing.

    A clip with filters added here is still the file as read for a trim (it seeks the input and reads the
    file's packet times: the filters keep every frame and its time), but says ``normalised``, so nothing
    decodes the file again on its own (a segmented reverse). Streams other than the first ones are not the
    file as read at all (packet reads list 0:v:0): a trim then cuts in the graph.
    """
    info = clip.info
    if spec.path is None:
        return clip
    if info.cover and output.kind == "audio":
        # a song's cover picture is not what an audio output is of: the sound alone
        audio_only = MediaInfo(duration=info.duration, has_audio=info.has_audio, sample_rate=info.sample_rate,
                               channel_layout=info.channel_layout, start_time=info.start_time,
                               header_duration=info.header_duration, seeks_exactly=info.seeks_exactly,
                               audio_index=info.audio_index, first_streams=info.first_streams)
        return clip.evolve(video=None, info=audio_only, input_node=clip.input_node)
    video, changes = clip.video, {}
    if info.cover and clip.audio is None and info.fps and info.fps > 120:
        # a cover whose sound is not used (a GIF, a picture, a silent video) is one picture; its rate is
        # nominal (90000 in an MP3), and the file's length is the sound's, not the picture's
        changes.update(fps=Fraction(25), duration=1 / 25, frames=1)
        if video is not None:
            # an output stream fed straight from the cover would inherit its "attached pic" disposition, which
            # an MP4 of H.264 refuses; through a filter it is a picture like any other
            video = ctx.chain(video, "null")
    if video is not None and not info.cover:
        parity = _interlaced(spec, info, look_at_fields)
        if parity is not None:
            video = ctx.chain(video, "bwdif", {"mode": "send_frame", "parity": parity, "deint": "all"})
            changes["field_order"] = "progressive"
        if info.hdr:
            video = _hdr(video, info, ctx, output, changes)
        elif info.color_matrix is None and info.video_codec in SD_CODECS and (info.height or 0) <= SD_LINES:
            video = _bt601(video, info, ctx, changes)
        if info.sample_aspect != 1 and info.width and info.height:
            video = _square_pixels(video, info, ctx, changes)
    audio, retimed = clip.audio, False
    if video is not None and not info.cover and info.counted and info.fps and info.duration:
        video, audio, retimed = _timing(video, audio, info, ctx, output, changes)
    if audio is not None and output.kind in ("video", "audio"):
        audio = _sound_for(output.audio_encoder(), audio, info, ctx, changes)
    if not changes and info.first_streams:
        return clip
    if changes:
        changes["normalised"] = True
    # a retimed clip's frames are no longer where the file's packets are: a trim cuts it in the graph
    return clip.evolve(video=video, audio=audio, info=info.replace(**changes) if changes else info,
                       input_node=clip.input_node if info.first_streams and not retimed else None)


def _timing(video: graph.Pad, audio: graph.Pad | None, info: MediaInfo, ctx: StepContext, output: Output,
            changes: dict) -> tuple[graph.Pad, graph.Pad | None, bool]:
    """Gaps held or kept as the output's format does, sound cut or padded to the picture's end: whether the
    frames were moved.

    Times stay the file's own, as a player counts them (a picture that starts after its sound starts there).
    A video file keeps a gap (its frames carry their times; its rate is then the average); an animation (GIF,
    WebP) or a picture sequence holds it (``fps`` at the picture's own rate repeats the frame before it):
    their frames are shown at one rate. Sound that lasts past the picture is cut at its end, sound that ends
    before it is padded with silence to it; sound that starts before the picture is kept.
    """
    slack = max(2 * float(1 / info.fps), 0.1)  # encoders' priming and last packets: the sound is the picture's
    end, span = info.duration, info.duration - info.picture_start
    sound = info.sound_span if audio is not None else None
    long = sound is not None and sound[1] > end + slack
    short = sound is not None and sound[1] < end - slack
    held = info.gaps and output.kind != "video"
    if info.gaps and not held:
        changes["fps"] = nice_rate(info.frames / span)  # kept: the frames as they are, at their average rate
    if not (held or long or short):
        return video, audio, False
    if held:
        video = ctx.chain(video, "fps", {"fps": info.fps})
        changes.update(frames=max(1, round(span * info.fps)), gaps=False)
    if long:
        audio = ctx.chain(audio, "atrim", {"end": format_seconds(end)})
    if short:
        audio = ctx.chain(audio, "apad", {"whole_dur": format_seconds(end - sound[0])})
    if sound is not None:
        changes["sound_span"] = (sound[0], end)
    return video, audio, True


def _sound_for(encoder: str, audio: graph.Pad, info: MediaInfo, ctx: StepContext, changes: dict) -> graph.Pad:
    """Sound the output's encoder cannot carry, made so at the input (so the plan says it): more channels
    than it takes are mixed down to stereo, a rate above its highest resampled to it."""
    highest, most = SOUND_LIMITS.get(encoder, (None, None))
    layout = info.channel_layout or ""
    channels = CHANNELS.get(layout.split("(")[0])
    options, done = {}, []
    if most is not None and channels is not None and channels > most:
        options["channel_layouts"] = "stereo"
        done.append(f"{layout} mixed down to stereo")
        changes["channel_layout"] = "stereo"
    if highest is not None and info.sample_rate and info.sample_rate > highest:
        options["sample_rates"] = highest
        done.append(f"{info.sample_rate / 1000:g} kHz resampled to {highest / 1000:g} kHz")
        changes["sample_rate"] = highest
    if not options:
        return audio
    changes["sound_note"] = f"{' and '.join(done)} for {encoder}"
    return ctx.chain(audio, "aformat", options)


def _interlaced(spec: Input, info: MediaInfo, look_at_fields: FieldLook) -> str | None:
    """bwdif's parity when the picture is to be deinterlaced, else None."""
    if spec.deinterlace == "off":
        return None
    said = info.field_order
    if said in INTERLACED:
        return INTERLACED[said]
    if spec.deinterlace == "on":  # the order of the fields from a look, else from each frame's own flag
        return INTERLACED.get(look_at_fields(spec.path, info), "auto")
    # a header that says nothing, or "progressive", is not proof in broadcast material: look at the frames
    if said in (None, "progressive") and _may_hold_fields(info):
        return INTERLACED.get(look_at_fields(spec.path, info))
    return None


def _may_hold_fields(info: MediaInfo) -> bool:
    in_transport_stream = info.video_codec == "h264" and (info.container or "").split(",")[0] == "mpegts"
    return (info.video_codec in FIELD_CODECS or in_transport_stream) and info.estimate.fps in FIELD_RATES


def _hdr(video: graph.Pad, info: MediaInfo, ctx: StepContext, output: Output, changes: dict) -> graph.Pad:
    """PQ or HLG tone-mapped to BT.709 SDR; kept, with the output's say-so, where the output carries it."""
    if output.hdr == "keep":
        codec = output.video_codec()
        if output.kind != "video" or codec not in HDR_ENCODERS:
            raise StepError(f"hdr: keep needs an output that carries HDR, and a {output.extension or output.kind} "
                            f"file written with {codec or 'no video encoder'} does not",
                            field="output.hdr", hint="write .mp4, .mov or .mkv with codec: libx265 (10-bit HEVC), "
                                                     "or let the picture be tone-mapped (hdr: tonemap)")
        return video
    linear = ctx.chain(video, "zscale", {
        "transferin": info.color_transfer, "primariesin": info.color_primaries or "bt2020",
        "matrixin": info.color_matrix or "bt2020nc", "rangein": info.color_range or "tv",
        "transfer": "linear", "npl": REFERENCE_WHITE})
    linear = ctx.chain(ctx.chain(linear, "format", {"pix_fmts": "gbrpf32le"}), "zscale", {"primaries": "bt709"})
    mapped = ctx.chain(linear, "tonemap", TONE_MAP)
    sdr = ctx.chain(mapped, "zscale", {"transfer": "bt709", "matrix": "bt709", "range": "tv"})
    changes.update(color_transfer="bt709", color_primaries="bt709", color_matrix="bt709", color_range="tv",
                   pix_fmt="yuv420p")
    return ctx.chain(sdr, "format", {"pix_fmts": "yuv420p"})


def _bt601(video: graph.Pad, info: MediaInfo, ctx: StepContext, changes: dict) -> graph.Pad:
    """An untagged SD picture labelled as the BT.601 every decoder takes it for (NTSC's or PAL's primaries)."""
    system = "bt470bg" if (info.height or 0) > 486 else "smpte170m"
    changes.update(color_matrix=system, color_primaries=system, color_transfer="smpte170m")
    return ctx.chain(video, "setparams", {"color_primaries": system, "color_trc": "smpte170m", "colorspace": system})


def _square_pixels(video: graph.Pad, info: MediaInfo, ctx: StepContext, changes: dict) -> graph.Pad:
    """Scaled across to the width its pixels show (720x480 at 32:27 is 854x480): every size downstream is
    what one sees, and outputs without a sample aspect (GIF, WebP, PNG) come out the right shape."""
    width = max(2, round(info.width * info.sample_aspect / 2) * 2)
    changes.update(width=width, sample_aspect=Fraction(1))
    return ctx.chain(ctx.chain(video, "scale", {"w": width, "h": info.height}), "setsar", {"r": 1})
