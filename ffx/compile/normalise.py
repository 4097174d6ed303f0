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
from ..filtergraph.graph import option_text
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
HDR_NAMES = {"smpte2084": "PQ (HDR10)", "arib-std-b67": "HLG"}
FIELD_ORDERS = {"tff": "top field first", "bff": "bottom field first", "auto": "each frame's own field order"}
CHANNELS = {"mono": 1, "stereo": 2, "2.1": 3, "3.0": 3, "quad": 4, "4.0": 4, "5.0": 5, "5.1": 6, "6.1": 7,
            "7.1": 8}

FieldLook = Callable[[str, MediaInfo], str]  # (path, info) -> progressive, tt or bb: a look at the frames


class _Done:
    """What :func:`normalise` did to one input: the phrases the plan says, the picture's filters in order
    (a segmented reverse's feeders apply them too), and the changed media facts."""

    def __init__(self, ctx: StepContext):
        self.ctx, self.notes, self.filters, self.changes = ctx, [], [], {}

    def picture(self, video: graph.Pad, name: str, options: dict | None = None) -> graph.Pad:
        """``video`` through one filter, recorded for the commands that read the file themselves."""
        self.filters.append((name, tuple((key, option_text(value)) for key, value in (options or {}).items())))
        return self.ctx.chain(video, name, options)


def normalise(spec: Input, clip: Clip, ctx: StepContext, output: Output, look_at_fields: FieldLook) -> Clip:
    """The file input ``clip`` as a player shows it: the same clip when nothing needs doing.

    A clip with filters added here is still the file as read for a trim (it seeks the input and reads the
    file's packet times: the filters keep every frame and its time), and its ``input_filters`` are what a
    command decoding the file on its own (a segmented reverse's feeders) applies to see the same frames.
    Retimed frames (gaps held) and streams other than the first ones are not the file as read at all (packet
    reads list 0:v:0): a trim then cuts in the graph, and nothing reads the file for the steps again.
    ``input_notes`` say what was done, in words, for the plan (``ffx validate`` prints them).
    """
    info = clip.info
    if spec.path is None:
        return clip
    if info.cover and output.kind == "audio":
        # a song's cover picture is not what an audio output is of: the sound alone
        audio_only = MediaInfo(duration=info.duration, has_audio=info.has_audio, sample_rate=info.sample_rate,
                               channel_layout=info.channel_layout, start_time=info.start_time,
                               header_duration=info.header_duration, seeks_exactly=info.seeks_exactly,
                               audio_index=info.audio_index, first_streams=info.first_streams,
                               input_notes=("cover picture left out",))
        return clip.evolve(video=None, info=audio_only, input_node=clip.input_node)
    video, done = clip.video, _Done(ctx)
    changes = done.changes
    if not info.first_streams:
        done.notes += [f"{what} from stream 0:{index}" for what, index, used in (
            ("picture", info.video_index, video), ("sound", info.audio_index, clip.audio)) if used is not None]
    if info.cover and clip.audio is None and info.fps and info.fps > 120:
        # a cover whose sound is not used (a GIF, a picture, a silent video) is one picture; its rate is
        # nominal (90000 in an MP3), and the file's length is the sound's, not the picture's
        changes.update(fps=Fraction(25), duration=1 / 25, frames=1)
        done.notes.append("cover picture as one frame")
        if video is not None:
            # an output stream fed straight from the cover would inherit its "attached pic" disposition, which
            # an MP4 of H.264 refuses; through a filter it is a picture like any other
            video = done.picture(video, "null")
    if video is not None and info.rotation:  # FFmpeg's own (autorotate): said, since the sizes are the turned ones
        angle = info.rotation if info.rotation <= 180 else info.rotation - 360
        way = "" if angle == 180 else " anticlockwise" if angle > 0 else " clockwise"
        done.notes.append(f"turned {abs(angle)}°{way} as its display matrix says")
    if video is not None and not info.cover:
        parity, said_by = _interlaced(spec, info, look_at_fields)
        if parity is not None:
            video = done.picture(video, "bwdif", {"mode": "send_frame", "parity": parity, "deint": "all"})
            changes["field_order"] = "progressive"
            done.notes.append(f"deinterlaced (bwdif, {FIELD_ORDERS[parity]}, from {said_by})")
        if info.hdr:
            video = _hdr(video, info, output, done)
        elif info.color_matrix is None and info.video_codec in SD_CODECS and (info.height or 0) <= SD_LINES:
            video = _bt601(video, info, done)
        if info.sample_aspect != 1 and info.width and info.height:
            video = _square_pixels(video, info, done)
    audio, retimed = clip.audio, False
    if video is not None and not info.cover and info.counted and info.fps and info.duration:
        video, audio, retimed = _timing(video, audio, info, ctx, output, done)
        if retimed or "seeks_exactly" in changes:  # a command reading the file itself would not see this
            changes["normalised"] = True
    if audio is not None and output.kind in ("video", "audio"):
        audio = _sound_for(output.audio_encoder(), audio, info, ctx, done)
    if not changes and not done.notes:
        return clip
    # a retimed clip's frames are no longer where the file's packets are: a trim cuts it in the graph, and
    # nothing reads the file for it again
    changes.update(input_notes=tuple(done.notes), input_filters=tuple(done.filters))
    return clip.evolve(video=video, audio=audio, info=info.replace(**changes),
                       input_node=clip.input_node if info.first_streams and not retimed else None)


def _timing(video: graph.Pad, audio: graph.Pad | None, info: MediaInfo, ctx: StepContext, output: Output,
            done: _Done) -> tuple[graph.Pad, graph.Pad | None, bool]:
    """Gaps held or kept as the output's format does, sound cut or padded to the picture's end: whether the
    frames were moved (held).

    Times stay the file's own, as a player counts them (a picture that starts after its sound starts there).
    A video file keeps a gap (its frames carry their times; its rate is then the average); an animation (GIF,
    WebP) or a picture sequence holds it (``fps`` at the picture's own rate repeats the frame before it):
    their frames are shown at one rate. Sound that lasts past the picture is cut at its end, sound that ends
    before it is padded with silence to it; sound that starts before the picture is kept.
    """
    changes = done.changes
    end, span = info.duration, info.duration - info.picture_start
    sound = info.sound_span if audio is not None else None
    long, short = _sound_off(info, audio is not None)
    held = info.gaps and output.kind != "video"
    if info.gaps and not held:
        changes["fps"] = nice_rate(info.frames / span)  # kept: the frames as they are, at their average rate
        done.notes.append(f"gaps kept (variable rate, {float(changes['fps']):.4g} fps on average)")
    if held:
        # held from the file's start: a picture that starts after its sound shows its first frame from 0, so
        # frame k is at k / fps as a cut by rate counts it (fps's start_time pads with that frame)
        video = ctx.chain(video, "fps", {"fps": info.fps, **({"start_time": 0} if info.picture_start else {})})
        changes.update(frames=max(1, round(end * info.fps)), gaps=False, picture_start=0.0)
        done.notes.append(f"gaps held at {float(info.fps):.4g} fps (frames repeated)"
                          + (f", the first frame also over the {info.picture_start:.2f} s before it"
                             if info.picture_start else ""))
    if long or short:
        # the sound is cut at the file's times: a seek of the input would move them, so the file is read
        # from its start (a trim still reads where its frames are), and no feeder reads it again
        changes.update(seeks_exactly=False)
    if long:
        audio = ctx.chain(audio, "atrim", {"end": format_seconds(end)})
        done.notes.append(f"sound cut at the picture's end ({end:.2f} s, {sound[1] - end:.2f} s left out)")
    if short:
        audio = ctx.chain(audio, "apad", {"whole_dur": format_seconds(end - sound[0])})
        done.notes.append(f"sound padded with {end - sound[1]:.2f} s of silence to the picture's end")
    if sound is not None and (long or short):
        changes["sound_span"] = (sound[0], end)
    return video, audio, held


def _sound_off(info: MediaInfo, with_sound: bool) -> tuple[bool, bool]:
    """Whether the sound lasts past the picture's end, and whether it ends before it."""
    if not with_sound or info.sound_span is None:
        return False, False
    slack = max(2 * float(1 / info.fps), 0.1)  # encoders' priming and last packets: the sound is the picture's
    return info.sound_span[1] > info.duration + slack, info.sound_span[1] < info.duration - slack


def needs_timing(info: MediaInfo, with_sound: bool) -> bool:
    """Whether a counted file's clock calls for the timing rules (gaps; sound past or short of its picture).

    A long file is counted only when a step reads its length (media.UncountedInfo), after :func:`normalise`
    has run on its header's view: the compiler then compiles once more, with the file counted, when this
    says the rules change the plan.
    """
    return bool(info.has_video and info.fps and info.duration and not info.cover
                and (info.gaps or any(_sound_off(info, with_sound))))


def _sound_for(encoder: str, audio: graph.Pad, info: MediaInfo, ctx: StepContext, done: _Done) -> graph.Pad:
    """Sound the output's encoder cannot carry, made so at the input (so the plan says it): more channels
    than it takes are mixed down to stereo, a rate above its highest resampled to it."""
    highest, most, changes = *SOUND_LIMITS.get(encoder, (None, None)), done.changes
    layout = info.channel_layout or ""
    channels = CHANNELS.get(layout.split("(")[0])
    options, said = {}, []
    if most is not None and channels is not None and channels > most:
        options["channel_layouts"] = "stereo"
        said.append(f"{layout} mixed down to stereo")
        changes["channel_layout"] = "stereo"
    if highest is not None and info.sample_rate and info.sample_rate > highest:
        options["sample_rates"] = highest
        said.append(f"{info.sample_rate / 1000:g} kHz resampled to {highest / 1000:g} kHz")
        changes["sample_rate"] = highest
    if not options:
        return audio
    changes["sound_note"] = f"{' and '.join(said)} for {encoder}"
    done.notes.append(changes["sound_note"])
    return ctx.chain(audio, "aformat", options)


def _interlaced(spec: Input, info: MediaInfo, look_at_fields: FieldLook) -> tuple[str | None, str]:
    """bwdif's parity when the picture is to be deinterlaced (else None), and what said the field order."""
    if spec.deinterlace == "off":
        return None, ""
    said = info.field_order
    if said in INTERLACED:
        return INTERLACED[said], "the header"
    if spec.deinterlace == "on":  # the order of the fields from a look, else from each frame's own flag
        seen = INTERLACED.get(look_at_fields(spec.path, info))
        return (seen, "idet, deinterlace: on") if seen else ("auto", "deinterlace: on")
    # a header that says nothing, or "progressive", is not proof in broadcast material: look at the frames
    if said in (None, "progressive") and _may_hold_fields(info):
        return INTERLACED.get(look_at_fields(spec.path, info)), "idet"
    return None, ""


def _may_hold_fields(info: MediaInfo) -> bool:
    in_transport_stream = info.video_codec == "h264" and (info.container or "").split(",")[0] == "mpegts"
    return (info.video_codec in FIELD_CODECS or in_transport_stream) and info.estimate.fps in FIELD_RATES


def _hdr(video: graph.Pad, info: MediaInfo, output: Output, done: _Done) -> graph.Pad:
    """PQ or HLG tone-mapped to BT.709 SDR; kept, with the output's say-so, where the output carries it."""
    if output.hdr == "keep":
        codec = output.video_codec()
        if output.kind != "video" or codec not in HDR_ENCODERS:
            raise StepError(f"hdr: keep needs an output that carries HDR, and a {output.extension or output.kind} "
                            f"file written with {codec or 'no video encoder'} does not",
                            field="output.hdr", hint="write .mp4, .mov or .mkv with codec: libx265 (10-bit HEVC), "
                                                     "or let the picture be tone-mapped (hdr: tonemap)")
        # the decoder hands HDR10's mastering display and light levels to the encoder, which writes them
        # (measured with the bundled FFmpeg: libx265, SVT-AV1, VP9, FFV1, ProRes; MP4, MOV, MKV, WebM)
        carried = [what for what, there in (("mastering display", info.mastering_display),
                                            ("light levels", info.content_light)) if there]
        done.notes.append(f"{HDR_NAMES[info.color_transfer]} kept (hdr: keep)"
                          + (f" with its {' and '.join(carried)}" if carried else ""))
        return video
    linear = done.picture(video, "zscale", {
        "transferin": info.color_transfer, "primariesin": info.color_primaries or "bt2020",
        "matrixin": info.color_matrix or "bt2020nc", "rangein": info.color_range or "tv",
        "transfer": "linear", "npl": REFERENCE_WHITE})
    linear = done.picture(done.picture(linear, "format", {"pix_fmts": "gbrpf32le"}), "zscale", {"primaries": "bt709"})
    mapped = done.picture(linear, "tonemap", TONE_MAP)
    sdr = done.picture(mapped, "zscale", {"transfer": "bt709", "matrix": "bt709", "range": "tv"})
    done.notes.append(f"{HDR_NAMES[info.color_transfer]} tone-mapped to BT.709")
    done.changes.update(color_transfer="bt709", color_primaries="bt709", color_matrix="bt709", color_range="tv",
                   pix_fmt="yuv420p")
    return done.picture(sdr, "format", {"pix_fmts": "yuv420p"})


def _bt601(video: graph.Pad, info: MediaInfo, done: _Done) -> graph.Pad:
    """An untagged SD picture labelled as the BT.601 every decoder takes it for (NTSC's or PAL's primaries)."""
    system = "bt470bg" if (info.height or 0) > 486 else "smpte170m"
    done.changes.update(color_matrix=system, color_primaries=system, color_transfer="smpte170m")
    done.notes.append(f"untagged SD picture tagged BT.601 ({'PAL' if system == 'bt470bg' else 'NTSC'})")
    return done.picture(video, "setparams", {"color_primaries": system, "color_trc": "smpte170m", "colorspace": system})


def _square_pixels(video: graph.Pad, info: MediaInfo, done: _Done) -> graph.Pad:
    """Scaled across to the width its pixels show (720x480 at 32:27 is 854x480): every size downstream is
    what one sees, and outputs without a sample aspect (GIF, WebP, PNG) come out the right shape."""
    width = max(2, round(info.width * info.sample_aspect / 2) * 2)
    done.changes.update(width=width, sample_aspect=Fraction(1))
    aspect = info.sample_aspect
    done.notes.append(f"{aspect.numerator}:{aspect.denominator} pixels made square ({info.width}x{info.height} "
                      f"shown as {width}x{info.height})")
    return done.picture(done.picture(video, "scale", {"w": width, "h": info.height}), "setsar", {"r": 1})
