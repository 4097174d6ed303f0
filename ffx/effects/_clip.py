"""The clip flowing between steps, and what an effect may need of it (each need with its one message).

:mod:`ffx.effects.context` re-exports all of it: effects import it from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Literal

from ..filtergraph import graph
from ..filtergraph.graph import Pad
from ..media.info import MediaInfo


class StepError(Exception):
    """An effect cannot apply to the media it receives; ``field`` is relative to the effect."""

    def __init__(self, message: str, field: str = "", hint: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field
        self.hint = hint


@dataclass(frozen=True)
class Clip:
    """The media flowing between steps: graph pads for video and audio, and what they hold."""

    video: Pad | None
    audio: Pad | None
    info: MediaInfo
    input_node: graph.Node | None = None  # set while the clip is still an untouched input
    # its scenes as frame spans [first, end), set by a scenes step for the step or output right after it
    scenes: tuple[tuple[int, int], ...] | None = None

    def evolve(self, **changes) -> Clip:
        changes.setdefault("input_node", None)
        changes.setdefault("scenes", None)
        return replace(self, **changes)


# Preconditions ----------------------------------------------------------------------------------------

Need = Literal["video", "audio", "known_length", "frame_count", "frame_rate", "read_ahead"]
RECEIVED = "the stream it receives"
SOUND_HINT = "or the output drops sound (audio: false, or an image or GIF output)"
LIVE_HINT = "trim it to a duration first"


@dataclass(frozen=True)
class Precondition:
    """What an effect may need of a stream: the test, and the one message (``{stream}``: whose) when it fails."""

    met: Callable[[Clip], bool]
    message: str
    hint: str = ""


NEEDS: dict[Need, Precondition] = {
    "video": Precondition(lambda clip: clip.video is not None, "this effect needs video, and {stream} has none"),
    "audio": Precondition(lambda clip: clip.audio is not None, "this effect needs sound, and {stream} has none",
                          SOUND_HINT),
    "known_length": Precondition(lambda clip: clip.info.duration is not None,
                                 "this effect needs a clip of known length, and {stream} has no end "
                                 "(a camera or live stream)", LIVE_HINT),
    "frame_count": Precondition(lambda clip: clip.info.frames is not None,
                                "this effect counts the clip's frames, and {stream} has no known frame count "
                                "(a camera or live stream)", LIVE_HINT),
    "frame_rate": Precondition(lambda clip: bool(clip.info.fps), "this effect needs a known frame rate, and "
                                                                 "{stream} has none", "add an fps step first"),
    "read_ahead": Precondition(lambda clip: read_ahead_problem(clip) is None,
                               "this effect looks at the whole stream before the render, and {stream} comes from "
                               "a live source or a pipe, which cannot be read twice",
                               "give it a file or a generated input, and put this step before reverse or a "
                               "Python stage"),
}
"Every precondition an effect can declare, in the order they are checked (the first unmet one is said)."


def read_ahead_problem(clip: Clip) -> str | None:
    """Why the streams of ``clip`` cannot be read once more before the render (None: they can).

    Files and generated sources give the same frames and samples again; a camera, a network stream or a
    pipe (a segmented reverse, a Python stage) does not.
    """
    seen: set[int] = set()
    stack = [pad.node for pad in (clip.video, clip.audio) if pad is not None]
    while stack:
        node = stack.pop()
        if node.uid in seen:
            continue
        seen.add(node.uid)
        if node.is_input and not (node.name.startswith("file:") or ("-f", "lavfi") in node.input_args):
            return f"its input {node.name!r} is live, a picture pattern or a pipe"
        stack.extend(pad.node for pad in node.inputs)
    return None


def require(clip: Clip, needs: Iterable[Need], *, stream: str | None = None, field: str = "",
            hint: str | None = None) -> None:
    """Refuse ``clip`` with the message of the first of ``needs`` it does not meet.

    ``stream`` names the stream when it is not the one the step receives (``with: logo``); ``hint``
    replaces the need's own where the effect knows a better way out.

    >>> from ffx.media.info import MediaInfo
    >>> require(Clip(video=None, audio=None, info=MediaInfo()), {"video"}, stream="logo")
    Traceback (most recent call last):
    ...
    ffx.effects._clip.StepError: this effect needs video, and stream 'logo' has none
    """
    wanted = set(needs)
    for name, need in NEEDS.items():
        if name in wanted and not need.met(clip):
            raise refusal(name, stream=stream, field=field, hint=hint)


def refusal(need: Need, *, stream: str | None = None, field: str = "", hint: str | None = None) -> StepError:
    """The one error for an unmet ``need`` (of ``stream``, or of the stream the step receives)."""
    precondition = NEEDS[need]
    whose = RECEIVED if stream is None else f"stream {stream!r}"
    return StepError(precondition.message.format(stream=whose), field=field,
                     hint=precondition.hint if hint is None else hint)
