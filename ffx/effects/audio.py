"""audio: another stream's sound under the picture: replace the sound, or mix music under it.

The track is cut (or looped) to the picture's length to the sample, so the
result's sound ends with its picture. ``duck`` lowers the track while the
clip's own sound is loud (``sidechaincompress``), as under speech.
``audio: {track: original}`` after a ``reverse`` puts the original sound back
under the reversed picture. ``volume`` can move: keyframes (``volume: {0: 1, 2: "-20dB"}``) are the
track's gain on the clip's clock, a factor interpolated between them, through volume's per-frame expression.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#amix and #sidechaincompress and #aloop
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import BeforeValidator, ConfigDict, Field, PlainValidator, WithJsonSchema

from ..filtergraph import graph
from ._joint import exact_length, silence
from .base import CheckedCopy, Effect
from .context import Clip, StepContext, StepError, require
from .fields import StreamRef, Time
from .keyframes import Keyframes, moving

# FFmpeg's volume filter takes any finite gain, but its output then reaches the encoder: at 1e308 (or
# "200dB") AAC stops on "Input contains (near) NaN/+-Inf", naming no step. 100 dB (a factor of 100,000)
# already turns the quietest 16-bit sample into full scale: no track needs more, and FFmpeg encodes it.
MAX_GAIN_DB = 100


DECIBELS = re.compile(r"^-?[0-9]{1,3}(\.[0-9]{1,3})?dB$")


def audible_gain(value: object) -> float | str:
    """A gain FFmpeg can honour: a factor from 0 to 100,000 or decibels within ±100 dB, one message for both.

    >>> audible_gain(0.5), audible_gain("-12dB")
    (0.5, '-12dB')
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 0 <= value <= 10 ** (MAX_GAIN_DB / 20):  # NaN fails too
            raise ValueError(f"{value!r} is not a gain FFmpeg can honour: write a factor from 0 to 100000 "
                             f"or decibels within ±{MAX_GAIN_DB}dB")
        return float(value)
    if isinstance(value, str) and DECIBELS.match(value):
        if abs(float(value[:-2])) > MAX_GAIN_DB:
            raise ValueError(f"{value} is beyond ±{MAX_GAIN_DB} dB: write decibels within ±{MAX_GAIN_DB}dB")
        return value
    raise ValueError(f"{value!r} is not a gain: write a factor such as 0.5 or decibels such as \"-12dB\"")


VOLUME_SCHEMA = {"anyOf": [{"type": "number", "minimum": 0, "maximum": 10 ** (MAX_GAIN_DB / 20)},
                           {"type": "string", "pattern": DECIBELS.pattern}],
                 "description": f"a factor (0.5) or decibels (\"-12dB\"), within ±{MAX_GAIN_DB} dB"}
Volume = Annotated[float | str, PlainValidator(audible_gain), WithJsonSchema(VOLUME_SCHEMA)]


def gain_factor(value: object) -> float:
    """A gain as a factor: decibels converted.

    >>> gain_factor("-20dB"), gain_factor(0.5)
    (0.1, 0.5)
    """
    gain = audible_gain(value)
    return 10 ** (float(gain[:-2]) / 20) if isinstance(gain, str) else gain


MovingVolume = moving(float, ge=0, le=10 ** (MAX_GAIN_DB / 20), plain=audible_gain, convert=gain_factor,
                      number_schema=VOLUME_SCHEMA)


class Duck(CheckedCopy):
    """How far the track goes down while the clip's own sound plays."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    threshold: float = Field(0.03, gt=0, le=1, description="level of the clip's sound that starts the ducking (0-1)")
    ratio: float = Field(8, ge=1, le=20, description="how strongly the track is lowered above the threshold")
    attack: float = Field(20, ge=0.01, le=2000, description="milliseconds to go down")
    release: float = Field(400, ge=0.01, le=9000, description="milliseconds to come back")


def _duck_sugar(value: object) -> object:
    return {} if value is True else (None if value is False else value)


class Audio(Effect):
    """Use the sound of the stream named in ``track``: replace the clip's sound, or mix it under (music)."""

    effect: Literal["audio"] = "audio"
    track: StreamRef = Field(description="the named stream whose sound is used (an input such as music, or original)")
    mode: Literal["replace", "mix"] = Field("replace", description="replace the clip's sound, or mix the track under it")
    volume: MovingVolume = Field(1.0, description="the track's gain: a factor (0.5, at most 100000) or decibels "
                                                  "(\"-12dB\", within ±100dB), or keyframes of them")
    start: Time = Field(0.0, description="where on the clip the track begins (seconds)")
    skip: Time = Field(0.0, description="seconds of the track to skip at its beginning")
    loop: bool = Field(False, description="repeat the track until the clip ends (else silence after it)")
    fade_in: float = Field(0.0, ge=0, le=3600, description="seconds the track fades in from its start")
    fade_out: float = Field(0.0, ge=0, le=3600, description="seconds the track fades out before the clip's end")
    duck: Annotated[Duck | None, BeforeValidator(_duck_sugar)] = Field(
        None, description="mix only: lower the track while the clip's own sound plays (true, or "
                          "{threshold, ratio, attack, release})")

    main_parameter = "track"
    example = "- audio: {track: music, mode: mix, volume: \"-12dB\", loop: true, fade_out: 2}"
    unbounded_because = "lays a sound track on the whole clip"
    requires = frozenset({"video", "known_length"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        source = ctx.stream(self.track, "track", needs={"audio"})
        if self.duck is not None and self.mode != "mix":
            raise StepError("duck only applies with mode: mix", field="duck")
        if self.start >= info.duration or self.start < 0:
            raise StepError(f"start {self.start:g} s is outside the clip (0-{info.duration:g} s)", field="start")
        if self.fade_in + self.fade_out > info.duration + 1e-6:
            raise StepError("the fades are longer than the clip", field="fade_in")
        rate = (clip.info.sample_rate if clip.audio is not None else None) or source.info.sample_rate or 48000
        layout = (clip.info.channel_layout if clip.audio is not None else None) or source.info.channel_layout
        layout = layout if layout in ("mono", "stereo") else "stereo"
        length = float(Fraction(info.frames) / info.fps) if info.frames is not None and info.fps else info.duration
        total = round(length * rate)
        track = self._track(source, rate, layout, total, ctx)
        if self.mode == "replace" or clip.audio is None:
            audio = track
        else:
            own = ctx.chain(clip.audio, "aresample", {"out_sample_rate": rate})
            own = ctx.chain(own, "aformat", {"sample_fmts": "fltp", "channel_layouts": layout})
            own = exact_length(own, total, ctx)
            if self.duck is not None:
                duck = self.duck
                track = ctx.filter("sidechaincompress", [track, own], {
                    "threshold": duck.threshold, "ratio": duck.ratio, "attack": duck.attack,
                    "release": duck.release}, outputs=(graph.AUDIO,)).pad()
            # no normalisation: each stream keeps its level (amix would otherwise halve both)
            audio = ctx.filter("amix", [own, track], {"inputs": 2, "duration": "first", "normalize": 0},
                               outputs=(graph.AUDIO,)).pad()
        return clip.evolve(audio=audio, info=info.replace(has_audio=True, sample_rate=rate, channel_layout=layout))

    def _track(self, source: Clip, rate: int, layout: str, total: int, ctx: StepContext) -> graph.Pad:
        """The track: skipped into, looped, delayed to ``start``, faded, exactly ``total`` samples."""
        audio = source.audio
        node = source.input_node
        if self.loop:
            if node is not None and source.video is None and ctx.input_options is not None:
                # an audio file read as it is: the demuxer loops it, nothing is held in memory
                ctx.input_options.loop(node)
            else:
                require(source, {"known_length"}, stream=self.track, field="loop")
                length = source.info.duration
                size = round(length * (source.info.sample_rate or rate))
                audio = ctx.chain(audio, "aloop", {"loop": -1, "size": size})
                ctx.holds(size * 8 * 2)
        if self.skip:
            audio = ctx.chain(audio, "atrim", {"start": self.skip})
        audio = ctx.chain(audio, "aresample", {"out_sample_rate": rate})
        audio = ctx.chain(audio, "aformat", {"sample_fmts": "fltp", "channel_layouts": layout})
        audio = ctx.chain(audio, "asetpts", {"expr": "PTS-STARTPTS"})
        if not isinstance(self.volume, Keyframes) and self.volume != 1.0:
            audio = ctx.chain(audio, "volume", {"volume": self.volume})
        start = round(self.start * rate)
        played = total - start
        if self.fade_in:
            audio = ctx.chain(audio, "afade", {"type": "in", "start_sample": 0,
                                               "nb_samples": round(self.fade_in * rate)})
        if self.fade_out:
            samples = round(self.fade_out * rate)
            audio = ctx.chain(audio, "afade", {"type": "out", "start_sample": max(0, played - samples),
                                               "nb_samples": samples})
        audio = exact_length(audio, played, ctx)
        if start:
            lead = ctx.chain(silence(rate, layout, ctx), "atrim", {"end_sample": start})
            audio = ctx.filter("concat", [lead, audio], {"n": 2, "v": 0, "a": 1}, outputs=(graph.AUDIO,)).pad()
        if isinstance(self.volume, Keyframes):
            # here the track's t is the clip's (from 0 at its first frame); eval=frame: each frame of samples
            # takes the curve's value at its own start, so frames of 256 samples (5 ms at 48 kHz; the last one
            # not padded) step the gain finely: within 0.11 dB of the curve where 1,024 came to 0.44 dB
            audio = ctx.chain(audio, "asetnsamples", {"nb_out_samples": 256, "pad": 0})
            audio = ctx.chain(audio, "volume", {"volume": self.volume.as_expression(), "eval": "frame"})
        return audio
