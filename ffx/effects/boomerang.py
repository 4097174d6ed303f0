"""boomerang: forwards then backwards, so a loop has no jump.

Built from split + reverse + concat; by default the frame at the turn is shown
once, not twice (2n-1 frames from n).
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#concat
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..media.info import MediaInfo
from .base import Effect
from .context import Clip, StepContext, StepError
from .reverse import gap_times, reversed_pads, segmented_reverse


def frame_length(info: MediaInfo) -> float:
    """Seconds a frame of the clip lasts: 1 / its rate, or, for a picture that keeps its gaps, its length over
    its frames. Those frames are shown at the file's own times, not at n / rate (its rate is the whole file's
    average, which a step re-timing by number uses everywhere), so a piece of it lasts its span: a boomerang of
    the first 2 s of a phone's clip, 45 frames over 1.70 s, lasts 3.36 s, not the 4.94 s of 89 frames at the
    file's 18 fps.
    """
    if info.gaps and info.duration and info.frames:
        return info.duration / info.frames
    return 1 / float(info.fps)


class Boomerang(Effect):
    """Play forwards then backwards (time-symmetrize), for seamless loops."""

    effect: Literal["boomerang"] = "boomerang"
    drop_turn_frame: bool = Field(True, description="show the frame at the turn once (2n-1 frames) instead of twice (2n)")
    drop_last_frame: bool = Field(False, description="also drop the final frame, which equals the first: for GIFs that loop (2n-2 frames)")

    example = "- boomerang"
    unbounded_because = "reads the whole clip to play it backwards"
    requires = frozenset({"video", "known_length"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        if info.frames is not None and info.frames < 2:
            raise StepError("a boomerang needs a clip of at least 2 frames")
        frame = frame_length(info)
        if info.frames is not None:
            # frames [lo, hi) come back: without the turn frame, and without frame 0 when the loop restarts on it
            segmented = segmented_reverse(clip, ctx, int(self.drop_last_frame),
                                          info.frames - int(self.drop_turn_frame))
            if segmented is not None:
                return self._joined(clip, *segmented, ctx)
        back = clip
        if self.drop_last_frame:
            # the final frame would equal the first: drop it before reversing, so no frame count is needed
            back = clip.evolve(video=ctx.chain(clip.video, "trim", {"start_frame": 1}),
                               audio=ctx.chain(clip.audio, "atrim", {"start": round(frame, 9)}) if clip.audio else None)
        back_video, back_audio = reversed_pads(back, ctx)
        known = gap_times(back, ctx)
        turn = frame if known is None else float(known[1] - known[0][-1])  # a gap's frame is held for it
        if self.drop_turn_frame:
            back_video = ctx.chain(back_video, "trim", {"start_frame": 1})
            if back_audio is not None:
                back_audio = ctx.chain(back_audio, "atrim", {"start": round(turn, 9)})
        back_video = ctx.chain(back_video, "setpts", {"expr": "PTS-STARTPTS"})
        if back_audio is not None:
            back_audio = ctx.chain(back_audio, "asetpts", {"expr": "PTS-STARTPTS"})
        joined = self._joined(clip, back_video, back_audio, ctx)
        if known is None or not self.drop_turn_frame:
            return joined
        # the frames at their own times: the forward span twice, less the turn frame's hold
        return joined.evolve(info=joined.info.replace(duration=2 * float(known[1] - known[0][0]) - turn))

    def _joined(self, clip: Clip, back_video, back_audio, ctx: StepContext) -> Clip:
        info = clip.info
        frame = frame_length(info)
        if back_audio is not None and clip.audio is not None:
            node = ctx.filter("concat", [clip.video, clip.audio, back_video, back_audio], {"n": 2, "v": 1, "a": 1},
                              outputs=("video", "audio"))
            video, audio = node.pad(0), node.pad(1)
        else:
            video, audio = ctx.filter("concat", [clip.video, back_video], {"n": 2, "v": 1, "a": 0}).pad(), None
        out = info
        if info.frames is not None:
            frames = 2 * info.frames - int(self.drop_turn_frame) - int(self.drop_last_frame)
            out = info.replace(frames=frames, duration=frames * frame)
        elif info.duration is not None:
            out = info.with_duration(2 * info.duration)
        return clip.evolve(video=video, audio=audio, info=out)
