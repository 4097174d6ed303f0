"""What a stream of media is: size, rate, duration, frame count, sound.

Effects receive a :class:`MediaInfo`, check themselves against it and hand on
a new one, so a plan knows its output duration (for a true progress percentage)
and every size before FFmpeg starts. A long file the probe did not count whole
is an :class:`UncountedInfo`: the header's view, counted only on request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from fractions import Fraction


@dataclass(frozen=True)
class MediaInfo:
    """Properties of a stream as it flows through the steps of a recipe."""

    width: int | None = None
    height: int | None = None
    fps: Fraction | None = None
    duration: float | None = None  # seconds; None for endless sources (cameras, streams)
    frames: int | None = None
    has_audio: bool = False
    sample_rate: int | None = None
    pix_fmt: str | None = None
    channel_layout: str | None = None  # FFmpeg's name: mono, stereo, 5.1(side), ...
    start_time: float = 0.0  # the file's first timestamp (seconds)
    alpha: bool = False  # the picture carries transparency the output must keep (remove_background)
    still: bool = False  # one picture (PNG, JPEG, WebP, a one-frame video): it lasts as long as what it meets
    header_duration: float | None = None  # what a truncated file's header promised, beyond what it holds
    seeks_exactly: bool = True  # FFmpeg's -ss lands where asked (no: MPEG-TS and raw streams, see _SEEKS_BY_GUESS)
    # the picture as a player shows it (media.streams reads these from FFmpeg's report; None: not said)
    color_transfer: str | None = None  # FFmpeg's names: bt709, smpte2084 (PQ, HDR10), arib-std-b67 (HLG)...
    color_primaries: str | None = None  # bt709, bt2020, smpte170m...
    color_matrix: str | None = None  # bt709, bt2020nc, smpte170m, bt470bg...
    color_range: str | None = None  # tv (limited, 16-235) or pc (full, 0-255: yuvj pixel formats)
    sample_aspect: Fraction = Fraction(1)  # a pixel's width over its height (32/27: 720x480 shown 16:9)
    mastering_display: str | None = None  # HDR10's mastering display, in FFmpeg's words (primaries, luminance)
    content_light: tuple[int, int] | None = None  # HDR10's MaxCLL and MaxFALL, cd/m2
    rotation: int = 0  # degrees anticlockwise the display matrix turns the stored picture (FFmpeg turns it on decode)
    field_order: str | None = None  # progressive, tt, bb, tb, bt (interlaced, as idet and setfield say)
    video_codec: str | None = None  # the decoder's name: h264, hevc, mpeg2video...
    container: str | None = None  # the demuxer's names: "mov,mp4,m4a,3gp,3g2,mj2", mpegts...
    cover: bool = False  # the picture is a cover (an "attached pic"), one frame beside the sound
    video_index: int | None = None  # the file's stream shown (the N of 0:N), when it is a file
    audio_index: int | None = None
    first_streams: bool = True  # those are the file's first video and audio streams (0:v:0 and 0:a:0)
    normalised: bool = False  # the input was put right (compile/normalise.py) in a way a command reading the
    # file itself (a segmented reverse's feeders) cannot repeat with input_filters: it would not see it as the steps do
    input_notes: tuple[str, ...] = ()  # what was done at the input, in words: "HLG tone-mapped to BT.709", ...
    # the picture's filters at the input, (name, ((option, value), ...)) each: what a command reading the file
    # itself applies to see the frames the steps see
    input_filters: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    # the clock as the packets tell it (media.probe reads them; a long file's only once counted)
    picture_start: float = 0.0  # seconds from the file's start to its first picture (sound may start first)
    sound_span: tuple[float, float] | None = None  # when the sound starts and ends, seconds from the file's start
    gaps: bool = False  # the picture stops for longer than 1.5 frames at its rate (screen recorders, phones)
    sound_note: str | None = None  # what was done to the sound for the output's encoder (5.1 mixed down...)

    @property
    def has_video(self) -> bool:
        return self.width is not None

    @property
    def hdr(self) -> bool:
        """The picture is coded for an HDR display (PQ or HLG transfer)."""
        return self.color_transfer in HDR_TRANSFERS

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"

    def with_duration(self, duration: float | None) -> MediaInfo:
        """Same stream, new length; the frame count follows at the stream's rate."""
        frames = None
        if duration is not None and self.fps:
            frames = max(0, round(duration * self.fps))
        return self.replace(duration=duration, frames=frames)

    def replace(self, **changes) -> MediaInfo:
        """Changed properties; a still that an effect made longer (loop, hold, zoom) is a still no more."""
        info = replace(self, **changes)
        return replace(info, still=False) if info.still and info.frames != 1 else info

    @property
    def counted(self) -> bool:
        """Whether frames, duration and rate are known exactly (False only for a long file not yet counted)."""
        return True

    @property
    def estimate(self) -> MediaInfo:
        """The properties as known without counting frames: for a counted stream, the stream itself."""
        return self

    def counted_exactly(self) -> MediaInfo:
        """The stream with its frames counted exactly (:class:`UncountedInfo` reads the file for it)."""
        return self

    def for_steps(self) -> MediaInfo:
        """The view a compile hands its steps: a long file's count is read when a step reads it."""
        return self

    def for_plan(self) -> MediaInfo:
        """The view a plan keeps: reading its length never starts FFmpeg."""
        return self

    def summary(self) -> str:
        """The stream in a few words, as ``ffx validate`` says it. A long file that no step needed counted is
        described by its header, not read whole just to print a frame count.

        >>> MediaInfo(width=320, height=180, fps=Fraction(12), duration=2.0, frames=24).summary()
        '320x180 @ 12 fps, 2.00 s (24 frames), no audio'
        """
        return ", ".join([*self.picture_and_length(" (the header's length; frames not counted)"),
                          self.sound() if self.has_audio else "no audio"])

    def sound(self) -> str:
        """The sound in a few words: what is not plain mono or stereo up to 48 kHz is said, and what was done.

        >>> MediaInfo(has_audio=True, channel_layout="5.1(side)", sample_rate=96000).sound()
        'with audio (5.1(side), 96 kHz)'
        """
        if self.sound_note:
            return f"with audio ({self.sound_note})"
        said = [self.channel_layout] if self.channel_layout not in (None, "mono", "stereo") else []
        if self.sample_rate and self.sample_rate > 48000:
            said.append(f"{self.sample_rate / 1000:g} kHz")
        return f"with audio ({', '.join(said)})" if said else "with audio"

    def picture_and_length(self, uncounted: str = "") -> list[str]:
        """Size and rate, then the length (``about ...`` and ``uncounted`` for a long file not counted)."""
        shown = self if self.counted else self.estimate
        parts = []
        if self.has_video:
            parts.append(f"{self.size} @ {float(shown.fps):g} fps" if shown.fps else self.size)
        if shown.duration is not None and self.counted:
            parts.append(f"{self.duration:.2f} s" + (f" ({self.frames} frames)" if self.frames is not None else ""))
        elif shown.duration is not None:
            parts.append(f"about {shown.duration:.2f} s{uncounted}")
        return parts

    def frame_bytes(self) -> int:
        """Bytes of one decoded frame (yuv420p-sized; RGB is twice that)."""
        return int((self.width or 0) * (self.height or 0) * 1.5)


# PQ (SMPTE ST 2084: HDR10, Dolby Vision's base) and HLG (ARIB STD-B67: broadcast and phones)
HDR_TRANSFERS = frozenset({"smpte2084", "arib-std-b67"})

# the properties only the packets tell exactly: an UncountedInfo has the header's until the file is counted
_COUNTED = ("duration", "frames", "fps", "header_duration", "picture_start", "sound_span", "gaps")


class UncountedInfo(MediaInfo):
    """A long file as its header describes it; its frames are counted (every packet read) only on request.

    Reading ``duration``, ``fps``, ``header_duration`` or ``frames`` never
    starts FFmpeg: once the file was counted they are exact, before that they
    are the header's (``frames`` None). :meth:`counted_exactly` counts (one
    demuxing run, nothing decoded), once for every view of the same file.

    The steps of a compile are the exception, on purpose: whether a step needs
    the exact length is known only when it reads it, so the compiler hands its
    steps :meth:`for_steps` views, which count when first read, and the plan
    keeps a :meth:`for_plan` view of the result. A step that needs only the
    header's view (a trim bounds its span by the header's duration, then reads
    the frames of that span alone) reads :attr:`estimate`; a step that states
    the frame count itself hands on a plain, counted MediaInfo.
    """

    def __init__(self, estimate: MediaInfo, count: Callable[[], MediaInfo], changed: frozenset[str] = frozenset(),
                 count_when_read: bool = False):
        # not the dataclass __init__: the counted properties below shadow those fields
        state = {f.name: getattr(estimate, f.name) for f in fields(MediaInfo) if f.name not in _COUNTED}
        self.__dict__.update(state, _estimate=estimate, _count=count, _changed=changed,
                             _count_when_read=count_when_read)

    def counted_exactly(self) -> MediaInfo:
        """The stream with its frames counted: the whole file is read (once) unless it was already."""
        exact = self.__dict__.get("_exact_info")
        if exact is None:
            whole = self._count()
            exact = replace(self._estimate, **{name: getattr(whole, name) for name in _COUNTED
                                               if name not in self._changed})
            self.__dict__["_exact_info"] = exact
        return exact

    def _known(self, name: str):
        if self._count.done or self._count_when_read:
            return getattr(self.counted_exactly(), name)
        return getattr(self._estimate, name)

    duration = property(lambda self: self._known("duration"))
    frames = property(lambda self: self._known("frames"))
    fps = property(lambda self: self._known("fps"))
    header_duration = property(lambda self: self._known("header_duration"))
    picture_start = property(lambda self: self._known("picture_start"))
    sound_span = property(lambda self: self._known("sound_span"))
    gaps = property(lambda self: self._known("gaps"))

    @property
    def counted(self) -> bool:
        return self._count.done

    @property
    def estimate(self) -> MediaInfo:
        return self._estimate

    def for_steps(self) -> UncountedInfo:
        return self if self._count_when_read else UncountedInfo(self._estimate, self._count, self._changed, True)

    def for_plan(self) -> UncountedInfo:
        return UncountedInfo(self._estimate, self._count, self._changed) if self._count_when_read else self

    def replace(self, **changes) -> MediaInfo:
        """Changed properties. A new frame count means the step counted its frames itself (a trim of a
        span): the rest is the header's, and the whole file need never be read."""
        if self._count.done:
            return self.counted_exactly().replace(**changes)
        if "frames" in changes:
            return self._estimate.replace(**changes)
        return UncountedInfo(replace(self._estimate, **changes), self._count,
                             self._changed | (changes.keys() & set(_COUNTED)), self._count_when_read)

    def with_duration(self, duration: float | None) -> MediaInfo:
        if self._count.done:
            return self.counted_exactly().with_duration(duration)
        return self._estimate.with_duration(duration)

    def __repr__(self) -> str:
        return f"UncountedInfo({self._estimate!r})"


def nice_rate(value: float) -> Fraction:
    """The simple fraction FFmpeg most likely rounded to ``value``.

    >>> nice_rate(29.97), nice_rate(25.0), nice_rate(10.51), nice_rate(23.98)
    (Fraction(30000, 1001), Fraction(25, 1), Fraction(21, 2), Fraction(24000, 1001))
    """
    for ntsc in range(1, 241):
        if abs(value - ntsc * 1000 / 1001) < 0.006 and abs(value - ntsc) > 0.01:
            return Fraction(ntsc * 1000, 1001)
    for denominator in (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 25, 50, 100, 1000):
        candidate = Fraction(value).limit_denominator(denominator)
        if candidate and abs(float(candidate) - value) <= value * 0.0015:
            return candidate
    return Fraction(value).limit_denominator(100000)
