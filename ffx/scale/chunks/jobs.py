"""A chunked render as plain data: one FFmpeg command per piece of video, one for the sound, one join.

The pieces are compiled by the ordinary compiler from the recipe itself with
an exact cut in front (the ``trim`` effect as a first step: an input seek and
the frames ``start <= t < end``) and, when the steps look back, a frame-count
cut behind that drops the overlap. So a piece's frames are the plain render's
frames by the same rules every render follows. The sound is rendered in one
piece by the same recipe with an audio-only output (FFmpeg leaves the video
filters out, as nothing reads them), so it is continuous and sample-exact
whatever the seams. The join is FFmpeg's concat demuxer with ``-c copy``, keeping
the times the pieces and the sound carry: those of the plain render, a video
or a sound that starts late included.

Every job is a frozen dataclass of strings and numbers (picklable), and
:func:`run_chunk` runs one anywhere the input and the output folder can be
reached: the local runner (``local.py``) runs them on this machine's cores;
another scheduler may run them elsewhere.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, replace
from fractions import Fraction

from ...ffmpeg.binary import FfmpegBinary
from ...compile.compiler import compile_recipe
from ...errors import FfxWarning, Problem, RecipeError
from ...media.cache import ProbeCache
from ...media.probe import probe
from ...media.packets import read_packets
from ...recipe.output import Output
from ...compile.plan import FfmpegStage, Plan
from ...filtergraph.graph import LoweredInput
from ...recipe.document import Recipe
from ...run.progress import ProgressCallback
from ...run.runner import run_stage
from ...syntax.timecode import format_seconds
from .spans import OPTION, WHOLE, Span, output_clock, overlap_frames, plan_spans


@dataclass(frozen=True)
class FrameList:
    """The video's frames as its packets say, in presentation order: no frame decoded."""

    times: tuple[Fraction, ...]  # seconds from the file's start
    keyframes: tuple[int, ...]  # numbers (into ``times``) of the frames a decoder can start at
    end: Fraction  # when the last frame stops showing
    unit: Fraction  # the stream's time base

    def uneven(self) -> bool:
        """Whether the frames are not evenly spaced (a variable frame rate) beyond one tick of rounding."""
        steps = {b - a for a, b in zip(self.times, self.times[1:])}
        return bool(steps) and max(steps) - min(steps) > self.unit


def read_frames(path: str, ffmpeg: str, start_time: float = 0.0) -> FrameList:
    """Every video packet's time and keyframe flag, from one demuxing pass (``-c copy`` into ``framecrc``).

    The flags are the container's own (``F=`` is printed when a packet is
    not a plain keyframe), so nothing is decoded: a two-hour file takes seconds.
    """
    unit, packets = read_packets(path, ffmpeg, what="keyframes", timeout=3600)
    offset = Fraction(start_time).limit_denominator(10**6)
    times = tuple(pts * unit - offset for pts, _, _ in packets)
    keyframes = tuple(index for index, (_, _, key) in enumerate(packets) if key)
    last_pts, last_duration, _ = packets[-1] if packets else (0, 0, False)
    return FrameList(times=times, keyframes=keyframes, end=(last_pts + last_duration) * unit - offset, unit=unit)


@dataclass(frozen=True)
class ChunkJob:
    """One FFmpeg command of a chunked render: a piece of the video (``index`` 0, 1, ...) or the sound
    (``index`` None). Plain data, so it can be sent to another process or machine and run by :func:`run_chunk`.
    """

    index: int | None
    stage: FfmpegStage
    binary: str
    start: float = 0.0  # where its frames start on the output's clock (they carry those times)
    memory: int = 0  # bytes, the piece's own plan's estimate (what a scheduler reserves for it)

    @property
    def output(self) -> str:
        """The file the command writes."""
        url = self.stage.target
        return url[len("file:"):] if url.startswith("file:") else url

    def aimed_at(self, path: str, publish: bool = True) -> ChunkJob:
        """The same command writing ``path``: published there when complete, or (``publish=False``) written
        in place, for a file the caller made and owns (an unnamed file reached as ``/proc/PID/fd/N``)."""
        return replace(self, stage=self.stage.to("file:" + path, path if publish else None))


def run_chunk(job: ChunkJob, *, ffmpeg: str | None = None, on_progress: ProgressCallback | None = None) -> str:
    """Run one job to its end (``ffmpeg`` replaces the job's binary, for a machine where it lives elsewhere);
    returns the file written. Its output appears complete or not at all."""
    run_stage(job.stage, ffmpeg or job.binary, overwrite=True, on_progress=on_progress)
    return job.output


@dataclass(frozen=True)
class ChunkedRender:
    """Everything a chunked render runs: the pieces (any order, in parallel), the sound, then the join."""

    plain: Plan  # the render it stands for: what the joined file must hold
    spans: tuple[Span, ...]
    chunks: tuple[ChunkJob, ...]
    audio: ChunkJob | None
    starts: tuple[Fraction, ...]  # where each piece starts on the output's clock: its frames carry those times
    muxer_args: tuple[str, ...]  # the output's container options (-f, -movflags)
    notes: tuple[str, ...] = ()

    @property
    def output(self) -> str:
        return self.plain.stages[-1].output_path

    def concat_list(self, paths: list[str]) -> str:
        """The concat demuxer's list: each piece, where it starts and how long it lasts.

        The demuxer moves a file's packets by (the earlier files' durations
        added up) - (its in point). The pieces' frames already carry their
        times in the whole render, so each in point is the piece's start and
        each duration the distance to the next start, both in the list's
        microseconds: the sum of durations is the in point to the microsecond,
        and nothing moves (the first piece starts at 0, as does the demuxer). In
        points are rounded up, because the demuxer seeks to them and must find
        the piece's first frame at or before.
        """
        marks = [0] + [-((-start * 10**6) // 1) for start in self.starts[1:]]  # ceil, in microseconds
        lines = ["ffconcat version 1.0"]
        for index, path in enumerate(paths):
            lines += [f"file '{_quoted(path)}'", f"inpoint {format_seconds(marks[index] / 10**6)}"]
            if index + 1 < len(marks):
                lines.append(f"duration {format_seconds((marks[index + 1] - marks[index]) / 10**6)}")
        return "\n".join(lines) + "\n"

    def join_stage(self, list_path: str, audio_path: str | None, output_url: str | None = None) -> FfmpegStage:
        """The command that joins the pieces (listed in ``list_path``) and the sound by stream copy."""
        inputs = [LoweredInput("file:" + list_path, ("-f", "concat", "-safe", "0"))]
        maps = ["0:v:0"]
        if audio_path is not None:
            inputs.append(LoweredInput("file:" + audio_path))
            maps.append("1:a:0")
        plain = self.plain.stages[-1]
        return FfmpegStage(inputs=tuple(inputs), target=output_url or "file:" + self.output, output_path=self.output,
                           maps=tuple(maps), output_options=(*JOIN_KEEPS_TIMES, "-c", "copy", *self.muxer_args),
                           duration=plain.duration, frames=plain.frames, kind="video")


# FFmpeg moves each input by its start time (its earliest packet) unless told to copy them: a video that
# starts after its sound (or a sound after its video) would start at 0 in the join. The pieces and the sound
# already carry the plain render's times. A global option, which FFmpeg takes anywhere on the command line.
JOIN_KEEPS_TIMES = ("-copyts",)


def _quoted(path: str) -> str:
    """A path inside the concat list's single quotes (the list's own escaping: ``'`` ends, ``\\'`` is one)."""
    return path.replace("'", "'\\''")


def plan_chunked_render(recipe: Recipe, plain: Plan, chunks: int, *, binary: FfmpegBinary,
                        allow_unsafe: bool = False, max_memory: int | None = None,
                        folder: str | None = None, probes: ProbeCache | None = None) -> ChunkedRender:
    """Split ``recipe`` (compiled whole as ``plain``) into at most ``chunks`` pieces at the input's keyframes.

    The pieces write ``folder/NAME.chunkK.EXT`` (default: the output's folder);
    a runner may aim them elsewhere (:meth:`ChunkJob.aimed_at`). Raises a
    :class:`~ffx.errors.RecipeError` saying why when the render cannot be split. ``probes``: the
    plain compile's, so the pieces' compiles do not probe the input again.
    """
    probes = probes if probes is not None else ProbeCache()
    overlap = overlap_frames(recipe)
    spec = next(iter(recipe.named_inputs().values()))
    if plain.feeds or len(plain.stages) != 1:
        raise RecipeError(Problem(f"{OPTION}: the render runs several FFmpeg commands, which cannot be split",
                                  hint=WHOLE))
    if not probe(spec.path, binary.path, probes=probes).estimate.seeks_exactly:
        raise RecipeError(Problem(f"{OPTION}: FFmpeg seeks in {spec.path!r} (MPEG-TS or a raw stream) by a guess, "
                                  "so a piece could start at the wrong frame",
                                  hint="remux it to Matroska or MP4 first: ffmpeg -i in.ts -c copy in.mkv"))
    frames = read_frames(spec.path, binary.path, _start_time(spec.path, binary.path, probes))
    counted = plain.result.counted_exactly()  # the seams are placed by frame: the count must be exact
    if counted.frames is not None and counted.frames != len(frames.times):
        raise RecipeError(Problem(f"{OPTION}: {spec.path!r} holds {len(frames.times)} video packets for "
                                  f"{counted.frames} frames, so its seams cannot be placed exactly",
                                  hint=WHOLE))
    at = _clock(recipe, plain, frames, spec.path)
    spans = plan_spans(frames.keyframes, len(frames.times), chunks, overlap)
    notes = []
    if len(spans) < chunks:
        notes.append(f"{OPTION} {chunks}: {spec.path!r} has {len(frames.keyframes)} keyframe"
                     f"{'s' * (len(frames.keyframes) != 1)}, so it splits into {len(spans)} "
                     f"piece{'s' * (len(spans) != 1)}")
    output = recipe.output
    folder = folder or os.path.dirname(os.path.abspath(output.path))
    stem, ext = os.path.splitext(os.path.basename(output.path))
    options = dict(ffmpeg=binary, overwrite=True, allow_unsafe=allow_unsafe, max_memory=max_memory, probes=probes)
    jobs = []
    with warnings.catch_warnings():  # the plain compile has said them already
        warnings.simplefilter("ignore", FfxWarning)
        for index, span in enumerate(spans):
            piece = Recipe(**_same_input(recipe), steps=_piece_steps(recipe, span, frames, at(span.first)),
                           output=output.model_copy(update={"path": os.path.join(folder, f"{stem}.chunk{index}{ext}"),
                                                            "audio": False}))
            piece_plan = compile_recipe(piece, **options)
            stage = _only_stage(piece_plan)
            if stage.output_option("-f") in ("mp4", "mov"):
                # a piece that starts late opens with an empty edit, which MP4 states on the movie's clock
                # (1/1000 s by default): read back, its frames would move by up to half a millisecond
                stage = stage.with_output_options(("-movie_timescale", str(MOVIE_TIMESCALE)))
            seconds = float(at(span.end) - at(span.first))
            jobs.append(ChunkJob(index, replace(stage, duration=seconds, frames=span.frames), binary.path,
                                 float(at(span.first)), piece_plan.memory_estimate))
        audio = None
        if plain.result.has_audio:
            sound_plan = compile_recipe(_sound_recipe(recipe, plain, folder, stem), **options)
            audio = ChunkJob(None, _only_stage(sound_plan), binary.path, memory=sound_plan.memory_estimate)
    final = plain.stages[-1]
    muxer_args = [word for name in ("-f", "-movflags") if (value := final.output_option(name)) for word in (name, value)]
    return ChunkedRender(plain=plain, spans=tuple(spans), chunks=tuple(jobs), audio=audio,
                         starts=tuple(at(span.first) for span in spans),
                         muxer_args=tuple(muxer_args), notes=tuple(notes))


def _start_time(path: str, ffmpeg: str, probes: ProbeCache) -> float:
    return probe(path, ffmpeg, probes=probes).start_time


# microseconds: at least twice any track's timescale (MP4 picks 10000 to 20000 ticks a second and more only
# for rates above that), so the empty edit converts back to the track's ticks exactly
MOVIE_TIMESCALE = 1_000_000

# containers whose frames may come at any time; others (AVI) get frames repeated or dropped to a constant rate
_ANY_TIMES = ("mp4", "mov", "matroska", "webm", "nut", "mpegts")


def _clock(recipe: Recipe, plain: Plan, frames: FrameList, path: str):
    """When frame n is shown in the result (a function of n, up to the number of frames), or a RecipeError.

    Frames keep the input's times through steps that do not re-time them,
    unevenly spaced ones too (a variable rate, gaps where files were joined);
    after a step that re-times frame n to n / fps, it is n / fps. Evenly spaced
    frames are within a tick of the same times on both clocks.
    """
    clock = output_clock(recipe)
    uneven = frames.uneven()
    muxer = plain.stages[-1].output_option("-f")
    if uneven and (clock is None or muxer not in _ANY_TIMES):
        why = ("a step reads a named stream, so which times the result keeps is not known before it renders"
               if clock is None else f"the {muxer} container evens them out while writing")
        raise RecipeError(Problem(f"{OPTION}: the frames of {path!r} are not evenly spaced (a variable frame rate, "
                                  f"or gaps), and {why}",
                                  hint="render it whole, or make it constant-rate first (an fps step) and split that"))
    if clock == "index" and plain.result.fps:
        rate = Fraction(plain.result.fps)
        return lambda n: n / rate
    return lambda n: frames.times[n] if n < len(frames.times) else frames.end


def _piece_steps(recipe: Recipe, span: Span, frames: FrameList, start: Fraction) -> list:
    """The recipe's steps for one piece starting at ``start`` on the output's clock: an exact cut first, the
    overlap dropped last.

    The cut falls half-way between frames, so no rounding of a time moves a frame
    across it (the rule ``trim`` follows).
    """
    from ...effects.filter import RawFilter
    from ...effects.trim import Trim

    times = frames.times
    cut = float((times[span.decode_from - 1] + times[span.decode_from]) / 2) if span.decode_from else 0.0
    end = float((times[span.end - 1] + times[span.end]) / 2) if span.end < len(times) else None
    steps = [Trim(start=cut, end=end), *recipe.steps]
    if span.lead:
        # frames counted, not timed: the steps may re-time the stream (motion sets frame n at n / fps)
        steps.append(RawFilter(name="trim", start_frame=span.lead))
    if span.first or start:
        # each frame at its time in the whole render, so the encoder rounds the times the whole render's
        # encoder rounds, and the join need not move them; round(): setpts truncates what it computes.
        # The first piece too when its video starts late (after the sound, as in most WebM files): the trim
        # in front restarts its frames at 0
        steps.append(RawFilter(name="setpts", expr=f"PTS-STARTPTS+round({format_seconds(float(start))}/TB)"))
    return steps


def _sound_recipe(recipe: Recipe, plain: Plan, folder: str, stem: str) -> Recipe:
    """The recipe with an audio-only output encoded as the plain render encodes its sound."""
    final = plain.stages[-1]
    sound = Output(path=os.path.join(folder, f"{stem}.sound.m4a"), format=final.output_option("-f"),
                   audio_codec=final.output_option("-c:a"), audio_bitrate=final.output_option("-b:a"))
    return Recipe(**_same_input(recipe), steps=list(recipe.steps), output=sound)


def _same_input(recipe: Recipe) -> dict:
    """The recipe's one input, under the name its steps may read it by."""
    return {"inputs": dict(recipe.inputs)} if recipe.inputs is not None else {"input": recipe.input}


def _only_stage(plan: Plan) -> FfmpegStage:
    if plan.feeds or len(plan.stages) != 1:
        raise RecipeError(Problem(f"{OPTION}: a piece of the render needs several FFmpeg commands",
                                  hint=WHOLE))
    return plan.stages[0]
