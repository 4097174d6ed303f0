"""One recipe over many files: on every core of this machine, or on a Dask cluster.

``ffx.batch`` (and ``ffx batch``) pairs each input with an output from a
template, skips outputs a previous run already made from the same recipe,
variables and input (:mod:`.manifest`), compiles every other job first (so
recipe and input problems show before anything runs), then runs the plans:
here within ``jobs`` slots and a memory budget (:mod:`.local`), or as Dask
tasks (:mod:`.cluster`). A job that fails does not stop the others.

>>> from ffx.scale.batch import output_for
>>> output_for("out/{stem}.gif", "clips/cat.mp4", 1, {})
'out/cat.gif'
"""

from __future__ import annotations

import concurrent.futures
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from ...errors import FfxError, Problem, RecipeError, UsageError, quote
from .inputs import expand_inputs, output_for, pair_outputs, read_input_list
from .jobs import Outcome, RenderJob, error_line, run_job
from .local import default_memory_budget
from .manifest import MANIFEST_NAME, Manifests, fingerprint, identity

__all__ = ["BatchResult", "BatchStopped", "RenderJob", "batch", "default_memory_budget", "output_for", "run_job",
           "MANIFEST_NAME"]


@dataclass(frozen=True)
class BatchResult:
    """How one input fared: ``status`` is ok, failed, skipped (already made) or stopped (the batch was)."""

    input: str
    output: str
    status: str
    seconds: float = 0.0  # wall-clock time of the job
    bytes: int | None = None  # size of the output
    error: str | None = None  # one line, for failed jobs
    memory: int | None = None  # the plan's memory estimate, when it was compiled
    media_seconds: float | None = None  # the output's duration by its plan


class BatchStopped(KeyboardInterrupt):
    """The batch was stopped (Ctrl-C, SIGTERM, SIGHUP): running jobs ended with nothing half-written.

    ``results`` lists every input (the unfinished ones ``stopped``); ``exit_code`` is the shell's 128 + signal.
    """

    def __init__(self, results: list[BatchResult], exit_code: int, reason: str):
        super().__init__(reason)
        self.results = results
        self.exit_code = exit_code
        self.reason = reason

    def __str__(self) -> str:
        finished = sum(r.status == "ok" for r in self.results)
        left = sum(r.status == "stopped" for r in self.results)
        return (f"{self.reason}: {finished} finished, {left} not done, nothing half-written; "
                "run the same command again to resume")


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class _Ledger:
    """Collects outcomes into results, records finished outputs in the manifests, and tells the display."""

    def __init__(self, manifests: Manifests, made_by: str, sources: dict[str, list[int] | None], display: Any):
        self.manifests = manifests
        self.made_by = made_by
        self.sources = sources
        self.display = display
        self.outcomes: dict[str, Outcome] = {}
        self.lock = threading.Lock()

    def started(self, job) -> None:
        if self.display is not None:
            self.display.started(job)

    def progressed(self, job, done: float) -> None:
        if self.display is not None:
            self.display.progressed(job, done)

    def finished(self, job, outcome: Outcome) -> None:
        if outcome.status == "ok":
            self.manifests.record(job.output, self.made_by, job.input, self.sources[job.key])
        with self.lock:
            self.outcomes[job.key] = outcome
        if self.display is not None:
            self.display.finished(job, outcome)

    def note(self, line: str) -> None:
        if self.display is not None:
            self.display.note(line)


def _recipe_and_text(recipe, variables, max_recipe_size):
    """The loaded recipe and the text that identifies it: the file's, or the YAML of a Recipe object."""
    from ...recipe.arguments import as_recipe
    from ...recipe.document import Recipe

    loaded = as_recipe(recipe, variables, max_recipe_size)
    if isinstance(recipe, Recipe):
        return loaded, loaded.to_yaml()
    from ...syntax.yamlsource import read_recipe_text

    return loaded, read_recipe_text(os.fsdecode(os.fspath(recipe)))


def _check_count(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"{name} is a number of at least 1, not {quote(value)}")
    return value


def _budget(value: Any) -> int:
    """The memory budget in bytes, from a number of bytes or text such as "4G"."""
    from ...recipe.sizes import parse_bytes

    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise UsageError(f"memory_budget is a number of bytes or text such as 4G, not {type(value).__name__}")
    if isinstance(value, int):
        if not 1 <= value <= 2**50:
            raise RecipeError(Problem(f"{quote(value)} bytes is not a memory budget (1 byte to 1P)", field="memory_budget"))
        return value
    try:
        return parse_bytes(value)
    except ValueError as exc:
        raise RecipeError(Problem(str(exc), field="memory_budget", hint="e.g. --memory-budget 4G")) from None


def _check_path(name: str, value: Any) -> str:
    """A path argument as text, refused in one line if it is not a path or not text a file name can hold."""
    from ...recipe.paths import path_text

    text = path_text(name, value)
    try:
        os.fsencode(text)
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800": no file name holds it
        raise RecipeError(Problem(f"{quote(text)} is not a file name: it holds a lone surrogate character",
                                  field=name)) from None
    if "\0" in text:
        raise RecipeError(Problem("the NUL character (\\0) is not allowed", field=name))
    return text


def _check_inputs(inputs: Any) -> list[str]:
    """The input paths or glob patterns; one str or path is one input (or one pattern), not its characters."""
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    if isinstance(inputs, (bytes, dict)) or not isinstance(inputs, Iterable):
        raise UsageError(f"inputs is a list of paths or glob patterns, not {type(inputs).__name__}")
    return [_check_path(f"inputs[{index}]", item) for index, item in enumerate(inputs)]


def _check_report(report: Any) -> str:
    """The report's path, refused before any render when no file can be written there."""
    path = _check_path("report", report)
    folder = os.path.dirname(os.path.abspath(path)) if path else ""
    if not path or path.endswith(os.sep) or os.path.isdir(path) or not os.path.isdir(folder):
        raise RecipeError(Problem(f"{quote(path)} is not a file in an existing folder", field="report",
                                  hint="e.g. --report report.json"))
    if len(os.fsencode(os.path.basename(path))) > 255:
        raise RecipeError(Problem(f"the name {quote(os.path.basename(path))} is longer than 255 bytes",
                                  field="report"))
    return path


def _check_progress(progress: Any) -> None:
    if progress is None or isinstance(progress, bool):
        return
    if not all(callable(getattr(progress, name, None)) for name in ("started", "progressed", "finished")):
        raise UsageError(f"progress is True, False or an object with started, progressed and finished methods, "
                         f"not {quote(progress, 60)}")


def _check_cluster(cluster: Any) -> None:
    if cluster is None or isinstance(cluster, str):
        return
    from .cluster import import_distributed

    if not isinstance(cluster, import_distributed().Client):
        raise UsageError(f"cluster is local:N, a Dask scheduler's address or a distributed.Client, "
                         f"not {type(cluster).__name__}")


def batch(recipe, inputs: Iterable[str | os.PathLike] | str | os.PathLike = (), *, output: str,
          inputs_from: str | os.PathLike | None = None, variables: dict[str, Any] | None = None,
          jobs: int | None = None, memory_budget: int | str | None = None, strict_memory: bool = False,
          cluster: Any = None, force: bool = False, progress: Any = False, report: str | os.PathLike | None = None,
          ffmpeg: str | None = None, allow_unsafe: bool = False, max_memory: int | str | None = None,
          max_recipe_size: int | str = "1M") -> list[BatchResult]:
    """Render ``recipe`` for every input into the ``output`` template; one :class:`BatchResult` per input.

    ``inputs`` are paths or glob patterns (``clips/**/*.mp4``; a single str is
    one path or pattern, not a list of its characters), ``inputs_from``
    a file of one path a line. ``output`` may use ``{stem}``, ``{name}``,
    ``{parent}`` (the input folder's name), ``{index}`` (from 1; ``{index:03}``)
    and the recipe's variables. Locally at most ``jobs`` run at once (default:
    the cores) and their plans' memory estimates stay within ``memory_budget``
    (default: half the available memory); a job over the budget runs alone,
    or fails with its estimate when ``strict_memory``. ``cluster`` is
    ``"local:N"``, a Dask scheduler address or a ``distributed.Client``.
    ``progress`` is True for the display on stderr, or an object with
    ``started``, ``progressed``, ``finished`` and ``note`` methods.
    Stopped by Ctrl-C or SIGTERM, it raises :class:`BatchStopped` (a
    KeyboardInterrupt) holding the results so far.
    """
    from ...compile.request import compile_request as compile_recipe
    from ...media.cache import ProbeCache
    from ...recipe.arguments import check_options

    check_options(ffmpeg=ffmpeg, allow_unsafe=allow_unsafe, max_memory=max_memory)
    for name, flag in (("force", force), ("strict_memory", strict_memory)):
        if not isinstance(flag, bool):
            raise UsageError(f"{name} is True or False, not {quote(flag)}")
    slots = _check_count("jobs", jobs) or default_jobs()
    budget = _budget(memory_budget) if memory_budget is not None else default_memory_budget()
    patterns = _check_inputs(inputs)
    output = _check_path("output", output)
    inputs_from = _check_path("inputs_from", inputs_from) if inputs_from is not None else None
    report = _check_report(report) if report is not None else None
    _check_progress(progress)
    _check_cluster(cluster)
    listed = read_input_list(inputs_from) if inputs_from is not None else []
    loaded, recipe_text = _recipe_and_text(recipe, variables, max_recipe_size)
    values = dict(loaded.vars)
    paths = expand_inputs(patterns, listed)
    if not paths:
        raise RecipeError(Problem("no inputs: give files or patterns with -i, or a list with --inputs-from"))
    pairs = pair_outputs(output, paths, values)
    made_by = fingerprint(recipe_text, values)
    manifests = Manifests()
    display = None
    if progress is True:
        from .display import BatchDisplay

        display = BatchDisplay()
    elif progress:
        display = progress

    results: dict[int, BatchResult] = {}
    sources: dict[str, list[int] | None] = {}
    replaces: dict[int, tuple[int, int] | None] = {}  # the earlier output a job may replace, and only that
    due = []
    for pair in pairs:
        source = identity(pair.input)
        if not force and manifests.is_done(pair.output, made_by, source):
            made = identity(pair.output)
            results[pair.index] = BatchResult(pair.input, pair.output, "skipped", bytes=made[2] if made else None)
        elif os.path.lexists(pair.output) and not force and not manifests.knows(pair.output):
            results[pair.index] = BatchResult(pair.input, pair.output, "failed", error=(
                f"{quote(pair.output)} exists and was not made by ffx batch; use --force to replace it"))
        else:
            sources[str(pair.index)] = source
            replaces[pair.index] = None if force else manifests.made(pair.output)
            due.append(pair)
    for folder in {os.path.dirname(os.path.abspath(pair.output)) for pair in due}:
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise FfxError(f"cannot make the output folder {quote(folder)}: {exc.strerror}") from None

    probes = ProbeCache()  # shared by the compiling threads: a file two jobs read is probed once

    def compile_one(pair) -> RenderJob:
        plan = compile_recipe(loaded, inputs=[os.path.abspath(pair.input)], output=os.path.abspath(pair.output),
                              overwrite=os.path.lexists(pair.output), ffmpeg=ffmpeg, allow_unsafe=allow_unsafe,
                              max_memory=max_memory, probes=probes)
        return RenderJob(key=str(pair.index), input=os.path.abspath(pair.input),
                         output=os.path.abspath(pair.output), plan=plan, label=pair.input,
                         replaces=replaces[pair.index])

    started = time.monotonic()
    job_list: list[RenderJob] = []
    by_key = {str(pair.index): pair for pair in due}
    if display is not None and hasattr(display, "compiling"):
        display.compiling(len(due), len(pairs) - len(due))
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(slots, 8))) as pool:
        try:
            compiled = {pool.submit(compile_one, pair): pair for pair in due}
            for future, pair in compiled.items():  # in input order, so the jobs run in that order
                try:
                    job_list.append(future.result())
                except FfxError as exc:
                    results[pair.index] = BatchResult(pair.input, pair.output, "failed", error=error_line(exc))
        except KeyboardInterrupt as exc:
            pool.shutdown(wait=True, cancel_futures=True)
            raise _stopped(exc, pairs, results) from None

    ledger = _Ledger(manifests, made_by, sources, display)
    if display is not None and hasattr(display, "begin"):
        display.begin(job_list, [r for r in results.values()])
    try:
        if cluster is None:
            from .local import run_local

            for job in job_list:
                if job.memory > budget and not strict_memory:
                    ledger.note(f"{by_key[job.key].input}: needs ~{job.memory / 2**20:.0f} MiB, over the "
                                f"budget of {budget / 2**20:.0f} MiB; it runs alone")
            run_local(job_list, ledger, slots=slots, budget=budget, strict=strict_memory)
        else:
            from .cluster import run_on_cluster

            run_on_cluster(job_list, ledger, cluster=cluster, budget=budget, strict=strict_memory, note=ledger.note)
        stopped = None
    except KeyboardInterrupt as exc:
        stopped = exc
    finally:
        manifests.flush()
        if display is not None and hasattr(display, "end"):
            display.end()
    for folder, reason in sorted(manifests.unwritable.items()):
        import warnings

        from ...errors import FfxWarning

        warnings.warn(f"cannot write {quote(os.path.join(folder, MANIFEST_NAME))} ({reason}): the outputs made "
                      "there are not recorded, and a next run needs --force to replace them", FfxWarning, stacklevel=2)
    for job in job_list:
        pair = by_key[job.key]
        outcome = ledger.outcomes.get(job.key, Outcome("stopped"))
        results[pair.index] = BatchResult(pair.input, pair.output, outcome.status, round(outcome.seconds, 3),
                                          outcome.bytes, outcome.error, job.memory, job.seconds)
    ordered = [results[pair.index] for pair in pairs]
    if report is not None:
        write_report(report, ordered, time.monotonic() - started)
    if stopped is not None:
        raise _stopped(stopped, pairs, results) from None
    return ordered


def _stopped(exc: KeyboardInterrupt, pairs, results: dict[int, BatchResult]) -> BatchStopped:
    code = getattr(exc, "exit_code", 130)
    reason = "interrupted" if code == 130 else str(exc)
    filled = [results.get(pair.index) or BatchResult(pair.input, pair.output, "stopped") for pair in pairs]
    return BatchStopped(filled, code, reason)


def write_report(path: str | os.PathLike, results: list[BatchResult], seconds: float) -> None:
    """The results as JSON (``--report``), written whole or not at all."""
    from .manifest import _write_json

    counts = {status: sum(r.status == status for r in results) for status in ("ok", "failed", "skipped", "stopped")}
    try:
        _write_json(os.fsdecode(os.fspath(path)),
                    {"seconds": round(seconds, 3), "counts": counts, "jobs": [asdict(r) for r in results]})
    except OSError as exc:
        raise FfxError(f"cannot write the report {quote(os.fspath(path))}: {exc.strerror or exc}") from None
