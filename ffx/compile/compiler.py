"""Recipe + media -> Plan.

Every input is probed (or, for generated sources, described) first; then each
step checks itself against the media it receives, builds its filters and hands
on new media; the output stage adds the encoder. Problems from every step are
collected so ``ffx validate`` can list them all at once.
"""

from __future__ import annotations

import os
import warnings
from fractions import Fraction

from ..filtergraph import graph
from ..ffmpeg.binary import FfmpegBinary, ffmpeg_binary
from ..effects.context import Clip, StepContext, StepError
from ..effects.fields import stream_references
from ..errors import CapabilityError, FfxWarning, InputError, Problem, RecipeError
from ..media.cache import ProbeCache
from ..media.info import MediaInfo
from ..media.probe import StreamChoice, depends_on, detect_fields, probe
from ..media.packets import frame_times, keyframe_times
from ..media.pictures import probe_pictures
from ..media.scenes import cuts_source
from .plan import FfmpegStage, Plan
from ..media.memory import encoder_frames
from .ffplay import ffplay_args
from .normalise import needs_timing, normalise
from .palette_trials import SampledPaletteTrials
from .ports import CompilerPorts, GraphAnalyses
from ..recipe.inputs import AUDIO_SOURCES, Input
from ..recipe.document import Recipe
from ..syntax.yamlsource import format_path

# generated sources that take a duration option themselves
_SOURCES_WITH_DURATION = {"testsrc", "testsrc2", "smptebars", "smptehdbars", "rgbtestsrc", "color", "yuvtestsrc"}


def _balanced_sum(terms: list[str]) -> str:
    """``terms`` added in a balanced tree: FFmpeg's expression parser refuses a flat sum of about 100 terms
    ("Cannot allocate memory"), and nests a tree of 1,000 only ten deep."""
    if len(terms) == 1:
        return terms[0]
    middle = len(terms) // 2
    return f"({_balanced_sum(terms[:middle])}+{_balanced_sum(terms[middle:])})"


def _paused_tone(spec: Input) -> str:
    """The sine tone at sine's own level (1/8) made silent over ``spec.pauses``, sample-exact."""
    silent = _balanced_sum([f"between(t,{graph.option_text(a)},{graph.option_text(b)})" for a, b in spec.pauses])
    tone = f"0.125*sin(2*PI*{graph.option_text(spec.frequency)}*t)*not({silent})"
    return graph.filter_spec("aevalsrc", [("exprs", tone), ("sample_rate", str(spec.sample_rate)),
                                          ("duration", graph.option_text(spec.duration))])


def generated_graph(spec: Input) -> str:
    """The lavfi graph for a generated source (video, and audio when asked)."""
    if spec.pauses:
        if spec.source == "sine":
            return _paused_tone(spec)
        picture = generated_graph(spec.model_copy(update={"audio": None, "pauses": None}))
        return f"{picture}[out0];{_paused_tone(spec)}[out1]"
    if spec.source in AUDIO_SOURCES:
        options = {"sample_rate": spec.sample_rate, "duration": spec.duration}
        if spec.source == "sine":
            options = {"frequency": spec.frequency, **options}
        return graph.filter_spec(spec.source, [(k, graph.option_text(v)) for k, v in options.items()])
    options = {"size": "{}x{}".format(*spec.frame_size), "rate": spec.frame_rate}
    if spec.source == "color":
        options = {"color": spec.color, **options}
    if spec.source in _SOURCES_WITH_DURATION:
        options["duration"] = spec.duration
    video = graph.filter_spec(spec.source, [(k, graph.option_text(v)) for k, v in options.items()])
    if spec.source == "cuts":  # testsrc2 cut to a new look every 1.5 s: scene changes to find
        video = cuts_source(options["size"], graph.option_text(spec.frame_rate), graph.option_text(spec.duration))
    elif spec.source not in _SOURCES_WITH_DURATION:
        video += "," + graph.filter_spec("trim", [("duration", graph.option_text(spec.duration))])
    if spec.audio is None:
        return video
    if spec.audio == "sine":
        audio = graph.filter_spec("sine", [("frequency", graph.option_text(spec.frequency)),
                                           ("sample_rate", str(spec.sample_rate)),
                                           ("duration", graph.option_text(spec.duration))])
    else:
        audio = graph.filter_spec("anullsrc", [("sample_rate", str(spec.sample_rate)),
                                               ("duration", graph.option_text(spec.duration))])
    return f"{video}[out0];{audio}[out1]"


def generated_info(spec: Input) -> MediaInfo:
    if spec.source in AUDIO_SOURCES:
        return MediaInfo(duration=spec.duration, has_audio=True, sample_rate=spec.sample_rate)
    width, height = spec.frame_size
    frames = round(spec.duration * spec.frame_rate)
    return MediaInfo(width=width, height=height, fps=spec.frame_rate, duration=float(frames / spec.frame_rate), frames=frames,
                     has_audio=spec.audio is not None, sample_rate=spec.sample_rate if spec.audio else None,
                     pix_fmt="yuv420p", still=frames == 1 and spec.audio is None)  # one picture, as a PNG is


def live_input(spec: Input) -> tuple[MediaInfo, str, list[tuple[str, str]]]:
    """What a camera or stream is assumed to deliver, its URL and input options (no probing: it never ends)."""
    width, height = spec.frame_size
    info = MediaInfo(width=width, height=height, fps=spec.frame_rate, duration=None, frames=None, has_audio=False)
    if spec.url is not None:
        return info, spec.url, []
    args = [("-f", spec.device_format), ("-framerate", graph.option_text(spec.frame_rate)),
            ("-video_size", f"{width}x{height}")]
    return info, spec.device, args


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def refuse_reading(out: str, files: list[tuple[str, str]]) -> None:
    """Refuse the output ``out`` if it is one of ``files`` (``(what reads it, path)``)."""
    for what, path in files:
        if path and (_same_file(path, out) or os.path.abspath(path) == os.path.abspath(out)):
            if what.startswith("input"):
                raise InputError(f"the output {out!r} is the input {path!r}: ffx never writes over an input")
            read = f"the recipe file {path!r}" if what == "recipe" else f"the file of {what} ({path!r})"
            raise InputError(f"the output {out!r} is {read}: ffx never writes over a file the render reads")


def check_output_path(recipe: Recipe) -> None:
    """Refuse an output that is one of the inputs, or any other file the render reads (a font, subtitles,
    the recipe file: :meth:`Recipe.files_read`), however it is spelled (symlink, hard link, ./)."""
    if recipe.output is None:
        return
    out = recipe.output.path
    refuse_reading(out, recipe.files_read())
    directory = os.path.dirname(os.path.abspath(out))
    depends_on(directory)  # what it holds decides the checks here (a link to an input, a folder by that name)
    existing = directory  # missing folders are made by the render, right before FFmpeg writes (never here)
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
        depends_on(existing)
    if not os.path.isdir(existing):
        raise InputError(f"cannot make the output folder {directory!r}: {existing!r} is not a folder")
    if os.path.isdir(out):
        raise InputError(f"the output {out!r} is a directory")


DEFAULT_MAX_MEMORY = 2**30  # 1 GiB: the plain reverse beyond it goes segment by segment


def compile_recipe(recipe: Recipe, *, ffmpeg: str | FfmpegBinary | None = None, overwrite: bool = False,
                   allow_unsafe: bool = False, max_memory: int | None = None, probes: ProbeCache | None = None) -> Plan:
    """Turn a recipe into a plan, probing its inputs; raise one error listing every problem.

    ``probes`` keeps what probing the inputs found, for the next compile of the same files (the studio on
    every keystroke, each piece of a chunked render); without it the inputs are probed afresh.

    >>> plan = compile_recipe(Recipe(input={"source": "testsrc2", "duration": 1},
    ...                              steps=["reverse"], output="out.mp4"))
    >>> plan.result.frames, "reverse" in plan.shell()
    (25, True)
    """
    binary = ffmpeg if isinstance(ffmpeg, FfmpegBinary) else ffmpeg_binary(ffmpeg)
    probes = probes if probes is not None else ProbeCache()
    problems: list[Problem] = []

    def add(message: str, path: tuple, hint: str = "") -> None:
        file, line, column = recipe.location(path)
        problems.append(Problem(message, field=format_path(path), file=file, line=line, column=column, hint=hint))

    named = recipe.named_inputs()
    if not named:
        add("the recipe has no input", ("input",), "give one with -i FILE")
    if recipe.output is None:
        add("the recipe has no output", ("output",), "give one with -o FILE")
    if problems:
        raise RecipeError(problems)
    check_output_path(recipe)

    streams: dict[str, Clip] = {}
    input_paths: list[str] = []
    wants_audio = recipe.output.kind in ("video", "audio") and recipe.output.audio
    for name, spec in named.items():
        where = ("inputs", name) if recipe.inputs is not None else ("input",)
        if spec.generated:
            info = generated_info(spec)
            node = graph.input_node(generated_graph(spec), [("-f", "lavfi")], info.has_video, info.has_audio)
        elif spec.live:
            info, url, args = live_input(spec)
            node = graph.input_node(url, args, True, False)
        elif spec.images is not None:
            pictures = probe_pictures(spec.images, spec.frame_rate, binary.path, probes)
            if any(_same_file(file, recipe.output.path) for file in pictures.files):
                raise InputError(f"the output {recipe.output.path!r} is one of the images {spec.images!r}: "
                                 "ffx never writes over an input")
            info = pictures.info
            input_paths.extend(pictures.files)
            # image2 reads the pattern itself (an absolute path: no protocol can be named)
            node = graph.input_node(pictures.pattern, list(pictures.input_args), True, False)
        else:
            # InputError propagates: nothing else can be checked without it. A long file's steps count it
            # whole when one reads its length (the plan's result keeps a view that never counts)
            choice = StreamChoice(spec.video_stream, spec.audio_stream)
            info = probe(spec.path, binary.path, probes=probes, streams=choice).for_steps()
            input_paths.append(spec.path)
            node = graph.input_node("file:" + spec.path, [], info.has_video, info.has_audio)
            if not info.first_streams:  # not 0:v:0 / 0:a:0: the file's streams by their index
                node.streams = {kind: str(index) for kind, index in
                                ((graph.VIDEO, info.video_index), (graph.AUDIO, info.audio_index)) if index is not None}
        audio = graph.input_pad(node, graph.AUDIO) if info.has_audio else None
        if audio is not None and not wants_audio:
            # nothing downstream would use it: leave it out, so multi-output filters (concat) have no dangling end
            audio, info = None, info.replace(has_audio=False, sample_rate=None)
            if not info.seeks_exactly and info.counted and info.picture_start:
                # MPEG-TS and -PS have no start of their own: FFmpeg starts their clock at the first packet of
                # the streams a command reads, here the picture's (measured: the picture then starts at 0)
                info = info.replace(start_time=info.start_time + info.picture_start, picture_start=0.0,
                                    duration=info.duration - info.picture_start)
        streams[name] = Clip(
            video=graph.input_pad(node, graph.VIDEO) if info.has_video else None,
            audio=audio, info=info, input_node=node,
        )
    first_name = next(iter(named))
    referenced = {n for s in recipe.steps for n in stream_references(s)}
    for name in named:
        if name != first_name and name not in referenced:
            add(f"no step uses the input {name!r}", ("inputs", name),
                f"read it with `with: {name}` or `from: {name}` in a step, or remove it")
    budget = max_memory or recipe.max_memory_bytes() or DEFAULT_MAX_MEMORY
    scanned: dict[str, list[float]] = {}

    def keyframes(path: str) -> list[float]:
        if path not in scanned:
            scanned[path] = keyframe_times(path, binary.path)
        return scanned[path]

    def times(path: str, start: float, end: float, start_time: float = 0.0):
        return frame_times(path, binary.path, start, end, start_time, probes=probes)

    ports = CompilerPorts(keyframes=keyframes, frame_times=times,  # what effects ask the compiler for
                          palette_trials=SampledPaletteTrials(binary.path, probes),
                          analyses=GraphAnalyses(binary.path, probes))
    ctx = StepContext(label="", streams=streams, allow_unsafe=allow_unsafe, max_memory=budget,
                      encoder_frames=encoder_frames(recipe.output.video_codec(), recipe.output.preset),
                      **ports.serving())
    notes: list[str] = []

    def look_at_fields(path: str, info: MediaInfo) -> str:
        return detect_fields(path, binary.path, info.video_index, probes)

    # long files not yet counted: normalise sees their header's view (a step may count them below)
    uncounted = {name: (clip.info, clip.audio is not None) for name, clip in streams.items() if not clip.info.counted}
    for name, spec in named.items():
        where = ("inputs", name) if recipe.inputs is not None else ("input",)
        ctx.label = format_path(where)
        try:  # the picture as a player shows it: square pixels, progressive, SDR (media facts say what is off)
            streams[name] = normalise(spec, streams[name], ctx, recipe.output, look_at_fields)
        except StepError as exc:
            add(exc.message, tuple(exc.field.split(".")) if exc.field else where, exc.hint)
        try:
            streams[name] = _still_length(spec, streams[name], ctx)
        except StepError as exc:
            add(exc.message, where + ("duration",), exc.hint)
    current = streams[first_name]
    input_infos = [streams[name].info for name in named]
    normalised = tuple((name, info.input_notes) for name, info in zip(named, input_infos) if info.input_notes)
    for index, step in enumerate(recipe.steps):
        ctx.label = f"steps[{index}] ({step.effect})"
        ctx.first_step = index == 0 and step.source is None and first_name not in referenced
        clip = current
        try:
            if step.source is not None:
                clip = ctx.stream(step.source)
            step.check_requirements(clip)  # what the effect declares it needs, each with its one message
            current = step.apply(clip, ctx)
        except StepError as exc:
            path = ("steps", index, "from") if step.source and not exc.field else ("steps", index, step.effect)
            if exc.field:
                path += tuple(exc.field.split("."))
            add(exc.message, path, exc.hint)
            current = clip
        if step.target:
            streams[step.target] = current
    ctx.label = "output"
    try:
        pads, output_args, final = recipe.output.apply(current, ctx)
    except StepError as exc:
        add(exc.message, ("output",) + ((exc.field,) if exc.field else ()), exc.hint)
        raise RecipeError(problems) from None
    if problems:
        raise RecipeError(problems)
    # a font family is a file only once fontconfig found it, while the steps were built
    refuse_reading(recipe.output.path, [(f"steps[{index}].{step.effect}.font", ports.families[step.font])
                                        for index, step in enumerate(recipe.steps)
                                        if getattr(step, "font", None) in ports.families])
    for (name, spec), info in zip(named.items(), input_infos):
        where = ("inputs", name) if recipe.inputs is not None else ("input",)
        # known only where a step counted the whole file; a trim's span is read whatever the header says
        if info.counted and info.header_duration is not None:
            notes.append(f"{format_path(where)}: {spec.path!r} is cut short: its header says {info.header_duration:.2f} s, "
                         f"its packets end at {info.duration:.2f} s; the plan uses {info.duration:.2f} s")
    still = next((spec.path for spec, info in zip(named.values(), input_infos) if info.still and spec.path), None)
    if final.info.still and recipe.output.kind != "image" and still is not None:  # a generated frame is as asked
        notes.append(f"the result is one picture ({still!r} is a still image), so the {recipe.output.kind} holds one "
                     f"frame; to make it last, give the input a duration: {{path: {still}, duration: 5}}")

    missing = sorted(set(ctx.filters_used) - binary.filters)
    if missing:
        binary.require_filters(set(missing), {n: ctx.filters_used[n] for n in missing})
    encoders = [v for k, v in output_args + [a for p in ctx.passes for a in p.args]
                if k in ("-c:v", "-c:a") or k.startswith("-c:v:")]
    for encoder in encoders:
        if encoder not in binary.encoders:
            raise CapabilityError(f"the FFmpeg at {binary.path} (version {binary.version}) has no {encoder!r} encoder; "
                                  "choose another codec or install a full build")
    # commands before the final one (a GIF's palette when one pass would not fit the memory budget)
    earlier = []
    for run in ctx.passes:
        lowered = graph.lower(run.pads, "file:" + run.path, run.args)
        earlier.append(FfmpegStage.from_lowered(lowered, run.path, input_paths=tuple(input_paths),
                                                duration=final.info.estimate.duration, kind="image"))
    lowered = graph.lower(pads, "file:" + recipe.output.written_path, output_args)
    # a whole long file that no step counted: the header's duration drives the progress bar, and the
    # frame count is read only if someone asks the plan's result for it
    stage = FfmpegStage.from_lowered(
        lowered, recipe.output.written_path, input_paths=tuple(input_paths),
        duration=final.info.estimate.duration, frames=final.info.frames if final.info.counted else None,
        kind=recipe.output.stage_kind,
    )
    if any(given for _, _, given in recipe.input_sources()):  # some inputs given, others left to the recipe
        for name, what, given in recipe.input_sources():
            if not given and what.startswith("generated "):
                notes.append(f"the input {name!r} is the recipe's own {what.removesuffix(' (recipe default)')}: "
                             f"give -i {name}=FILE to use yours")
    if any(info.counted and needs_timing(info.counted_exactly(), sound) for info, sound in uncounted.values()):
        # a step counted a long file whose clock calls for the timing rules: once more, the file counted
        return compile_recipe(recipe, ffmpeg=binary, overwrite=overwrite, allow_unsafe=allow_unsafe,
                              max_memory=max_memory, probes=probes)
    for note in notes:
        warnings.warn(note, FfxWarning, stacklevel=2)
    preview = None
    if current.video is not None and len(named) == 1:
        preview = ffplay_args(current.video, 1, lowered)
    return Plan(stages=(*earlier, stage), result=final.info.for_plan(), memory_estimate=ctx.memory_bytes,
                temporary_files=tuple(run.path for run in ctx.passes),
                binary_path=binary.path, overwrite=overwrite, preview=preview, feeds=tuple(ctx.feeds),
                notes=tuple(notes), sources=tuple(recipe.input_sources()), choices=tuple(ctx.choices),
                normalised=normalised, findings=tuple(ctx.findings))


def _still_length(spec: Input, clip: Clip, ctx: StepContext) -> Clip:
    """An input's ``duration`` makes a still image a stream that long; a still with sound (a song's cover
    picture) lasts as long as its sound. Other stills stay one frame until they meet a moving stream."""
    info = clip.info
    if spec.path is None or not (info.still or "duration" in spec.model_fields_set):
        return clip  # a video: nothing to do (and nothing to count)
    # a picture's rate is nominal: image files say 25, a cover picture in an MP3 says 90000
    rate = info.fps if info.fps is not None and info.fps <= 120 else Fraction(25)
    if "duration" in spec.model_fields_set:
        if not info.still:
            raise StepError(f"duration applies to a still image, and {spec.path!r} is a video of {info.frames} frames",
                            hint="cut a video with a trim step")
        seconds = spec.duration
    elif info.has_audio and info.duration is not None and info.duration * rate > 1.5:
        seconds = info.duration
    else:
        return clip
    length = info.replace(fps=rate, still=False).with_duration(seconds)
    return ctx.lasting(clip, length.replace(frames=max(1, length.frames)))
