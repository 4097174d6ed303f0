"""scenes: find where the picture cuts to a new scene, and keep all the scenes or some of them.

The cuts are found before the render, by one pass of FFmpeg's ``scdet`` over the
stream this step receives (:mod:`ffx.media.scenes`), remembered by the input
files' identity; ``ffx validate`` and ``ffx compile`` say them
(``scenes: 5 cuts at 1.000, 2.480, ...``). A scene is the frames from one cut
(or the start) to the next (or the end), by frame number, so every use is
exact to the frame:

- ``keep: [2, 4]`` keeps those scenes (1 is the first, -1 the last), joined in
  their order, sound with them: a clip split at its cuts and put back together
  without the scenes left out. Name the result (``as:``) to join scenes of
  several clips with ``concat``.
- A ``contact_sheet`` right after it with ``at: scenes`` shows one frame of each scene.
- An output named with ``{index}`` right after it (``-o 'scene_{index}.mp4'``)
  writes one file per scene, each exactly its scene's frames (``recipe/scene_files.py``).

FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#scdet-1 and #trim and #concat
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..filtergraph import graph
from ..media.scenes import DEFAULT_THRESHOLD, describe_cuts, scene_cuts, scene_spans
from .base import Effect
from .context import Clip, StepContext, StepError

MAX_KEPT = 1000  # scenes one step may keep: each is a trim in the graph


def found_scenes(clip: Clip, ctx: StepContext, threshold: float = DEFAULT_THRESHOLD) -> list[tuple[int, int]]:
    """The scenes of ``clip`` as frame spans ``[first, end)``: the ones a ``scenes`` step handed on with
    it, else those ``scdet`` finds at ``threshold`` (a pass over the stream before the render, said)."""
    if clip.scenes is not None:
        return list(clip.scenes)
    cuts = [int(frame) for frame, _ in ctx.analyse(clip.video, scene_cuts(threshold))]
    spans = scene_spans(cuts, clip.info.frames)
    ctx.tell("scenes: " + describe_cuts([first / float(clip.info.fps) for first, _ in spans[1:]]))
    return spans


class Scenes(Effect):
    """Find the scene changes (FFmpeg's scdet) and keep every scene, or the ones listed in ``keep``.

    The scene times are shown by ``ffx validate`` and ``ffx compile``. A ``contact_sheet`` with ``at: scenes``
    or an output named ``scene_{index}.mp4`` right after this step uses its scenes.
    """

    effect: Literal["scenes"] = "scenes"
    threshold: float = Field(DEFAULT_THRESHOLD, gt=0, le=100,
                             description="how different a frame must be from the one before to start a scene "
                                         "(scdet's score, 0-100: hard cuts score 30 and more)")
    keep: list[int] | None = Field(None, min_length=1, max_length=MAX_KEPT,
                                   description="scenes to keep, in order (1 is the first, -1 the last); "
                                               "default: all, the clip unchanged")

    main_parameter = "threshold"
    example = "- scenes: {threshold: 10, keep: [1]}"
    requires = frozenset({"video", "frame_count", "frame_rate", "read_ahead"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        spans = found_scenes(clip.evolve(scenes=None, input_node=clip.input_node), ctx, self.threshold)
        if self.keep is None:
            return clip.evolve(scenes=tuple(spans), input_node=clip.input_node)  # the stream as it came
        kept = self._kept(spans)
        fps = clip.info.fps
        parts: list = []
        for first, end in kept:
            video = ctx.chain(clip.video, "trim", {"start_frame": first, "end_frame": end})
            parts.append(ctx.chain(video, "setpts", {"expr": "PTS-STARTPTS"}))
            if clip.audio is not None:
                rate = clip.info.sample_rate
                span = ({"start_sample": round(first * rate / fps), "end_sample": round(end * rate / fps)} if rate
                        else {"start": round(float(first / fps), 9), "end": round(float(end / fps), 9)})
                audio = ctx.chain(clip.audio, "atrim", span)
                parts.append(ctx.chain(audio, "asetpts", {"expr": "PTS-STARTPTS"}))
        if len(kept) == 1:
            video, audio = parts[0], parts[1] if clip.audio is not None else None
        else:
            joined = ctx.filter("concat", parts, {"n": len(kept), "v": 1, "a": int(clip.audio is not None)},
                                outputs=(graph.VIDEO, graph.AUDIO) if clip.audio is not None else (graph.VIDEO,))
            video = joined.pad(0)
            audio = joined.pad(1) if clip.audio is not None else None
        frames = sum(end - first for first, end in kept)
        info = clip.info.replace(frames=frames, duration=frames / float(fps))
        starts, at = [], 0
        for first, end in kept:
            starts.append((at, at + end - first))
            at += end - first
        return clip.evolve(video=video, audio=audio, info=info, scenes=tuple(starts))

    def _kept(self, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        count = len(spans)
        numbers = []
        for at, number in enumerate(self.keep):
            index = number - 1 if number > 0 else count + number
            if number == 0 or not 0 <= index < count:
                raise StepError(f"there is no scene {number}: the clip has {count} scene{'s' * (count != 1)}",
                                field=f"keep.{at}", hint="scenes count from 1; -1 is the last")
            numbers.append(index)
        if numbers != sorted(set(numbers)):
            raise StepError(f"scenes are kept in their order, each once; {self.keep} is not", field="keep",
                            hint="list them in increasing order; to reorder, name single scenes with `as:` "
                                 "and join them with concat")
        return [spans[i] for i in numbers]
