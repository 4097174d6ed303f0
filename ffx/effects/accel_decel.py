"""accel_decel: ease a clip's playback (slow, fast, slow), MoviePy's ``AccelDecel``.

MoviePy shows, at output time ``t``, the source at ``g(t) = D * f((t / d) ** soonness)``,
where ``D`` is the clip's duration, ``d`` the new one, ``a = 1 + abruptness`` and
``f(x) = 2**(a-1) * x**a`` below ``x = 0.5``, ``1 - f(1 - x)`` above. ``f`` is
increasing and can be inverted in closed form, so instead of asking, for each
output frame, which source frame to show, ffx moves each source frame to the
time ``g⁻¹`` gives it (``setpts``), and ``fps`` with ``round=up`` fills each
output slot with the last frame whose new time is not after the slot: output
frame ``k`` is source frame ``floor(fps * g(k / fps))``, the frame MoviePy shows.
Slow parts repeat frames, fast parts skip them; the frame rate is kept.

The audio is dropped: MoviePy warps it sample by sample, which slides its
pitch up and down with the speed, and FFmpeg has no time-varying tempo filter.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#setpts_002c-asetpts and #fps
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..filtergraph import graph
from .base import Effect
from .context import Clip, StepContext, StepError
from .fields import Time


def source_time(t: float, old_duration: float, new_duration: float, abruptness: float = 1.0,
                soonness: float = 1.0) -> float:
    """MoviePy's formula: the source time shown at output time ``t``.

    >>> source_time(1.0, 2.0, 2.0), source_time(0.5, 2.0, 2.0), source_time(0.5, 2.0, 2.0, abruptness=0)
    (1.0, 0.25, 0.5)
    """
    a = 1.0 + abruptness
    x = (t / new_duration) ** soonness
    eased = 0.5 ** (1 - a) * x ** a if x < 0.5 else 1 - 0.5 ** (1 - a) * (1 - x) ** a
    return old_duration * eased


def source_frames(frames: int, fps: float, new_duration: float, abruptness: float = 1.0,
                  soonness: float = 1.0) -> list[int]:
    """Which source frame each output frame shows (MoviePy reads frame ``int(fps * t + 1e-5)``).

    >>> source_frames(10, 10.0, 1.0, abruptness=0)
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    count = output_frames(new_duration, fps)
    old = frames / fps
    return [min(frames - 1, int(fps * source_time(k / fps, old, new_duration, abruptness, soonness) + 1e-5))
            for k in range(count)]


def output_frames(new_duration: float, fps: float) -> int:
    return max(1, round(new_duration * fps))


class AccelDecel(Effect):
    """Ease the playback: slow-fast-slow (``abruptness`` > 0) or fast-slow-fast (< 0), over ``new_duration``."""

    effect: Literal["accel_decel"] = "accel_decel"
    new_duration: Time | None = Field(None, description="length of the result in seconds (default: the clip's own)")
    abruptness: float = Field(1.0, gt=-1, le=20, description="> 0: slow, fast, slow; 0: even speed; -1 to 0: fast, slow, fast")
    soonness: float = Field(1.0, gt=0, le=20, description="when the speed-up happens: above 1 sooner, below 1 later")

    main_parameter = "new_duration"
    example = "- accel_decel: {new_duration: 2, abruptness: 1, soonness: 1}"
    unbounded_because = "changes the time of every frame"
    requires = frozenset({"video", "frame_count", "frame_rate"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        new_duration = info.frames / float(info.fps) if self.new_duration is None else self.new_duration
        if new_duration <= 0:
            raise StepError(f"new_duration must be positive, not {new_duration:g}", field="new_duration")
        count = output_frames(new_duration, float(info.fps))
        a = 1.0 + self.abruptness
        scale = graph.format_number(2 ** (1 - a))
        inverse_a, inverse_s = graph.format_number(1 / a), graph.format_number(1 / self.soonness)
        # x = N / frames is the source time over the source duration; u = f⁻¹(x); t = d * u^(1/soonness)
        expression = (f"st(0,N/{info.frames});"
                      f"st(1,if(lt(ld(0),0.5),pow(ld(0)*{scale},{inverse_a}),1-pow((1-ld(0))*{scale},{inverse_a})));"
                      f"{graph.format_number(new_duration)}*pow(ld(1),{inverse_s})/TB")
        # microsecond timestamps: the eased times fall between the input's coarse ticks
        video = ctx.chain(clip.video, "settb", {"expr": "AVTB"})
        video = ctx.chain(video, "setpts", {"expr": expression})
        video = ctx.chain(video, "fps", {"fps": info.fps, "round": "up"})
        # the last slots hold the last frame: fps ends with the last input frame's time, which may be early
        video = ctx.chain(video, "tpad", {"stop_mode": "clone", "stop": count})
        video = ctx.chain(video, "trim", {"end_frame": count})
        out = info.replace(frames=count, duration=count / float(info.fps), has_audio=False, sample_rate=None)
        return clip.evolve(video=video, audio=None, info=out)
