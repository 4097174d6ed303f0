"""What the studio page asks of a recipe, answered as plain data (no HTTP here).

Every answer comes from the code the command line runs: the problems are the
:class:`~ffx.errors.Problem` lines ``ffx validate`` prints, the command is
what ``ffx compile`` prints, the picture is ``ffx graph``'s SVG, and a
preview is :func:`ffx.preview` in a background thread. The page sends the
recipe's text as it is in the editor, the values of its variables (as
``--set`` takes them) and optionally an input file; the recipe is loaded as if
it were the file it will be saved to, so its relative paths mean the same.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Any

from ..errors import FfxError, Problem, RecipeError, RenderError, UsageError, quote
from ..media.cache import ProbeCache
from ..recipe.document import Recipe
from ..recipe.loading import load_recipe
from ..recipe.variables import parse_set
from .folder import RECIPE_SUFFIXES, Folder, OutsideFolder
from .scratch import make_scratch, sweep_scratch
from .tools import cursor_answer, edit_answer

PREVIEW_WIDTH = 480  # pixels across a preview in the page; smaller results are previewed at their size
KEPT_PREVIEWS = 2  # finished previews kept on disk: the one shown, and the one before while the next loads
STARTER = """\
# A new recipe: FFmpeg's test pattern, so no media is needed yet.
input: {source: testsrc2, size: 640x360, rate: 25, duration: 3}
vars:
  width: 480
steps:
  - resize: {width: "${width}"}
  - black_white
output: out.mp4
"""


class Busy(FfxError, RuntimeError):
    """A preview is already being rendered."""


@dataclass(frozen=True)
class PageRequest:
    """What the page sends with each question: the editor's text and the form's values."""

    text: str
    name: str  # the recipe's file, relative to the studio's folder
    sets: dict[str, str] = field(default_factory=dict)  # variable -> value, written as for --set
    input: str | None = None  # a media file under the folder, replacing the recipe's first input (-i)
    at: float | None = None
    seconds: float | None = None
    upto: int | None = None  # the recipe cut before this step: what the step receives (the page's look)

    @classmethod
    def from_json(cls, data: Any, default_name: str) -> PageRequest:
        """Checks the kinds of what the page sent; a wrong kind is a :class:`~ffx.errors.UsageError`."""
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise UsageError("send a JSON object with the recipe as text")
        name = data.get("name") or default_name
        sets = data.get("set") or {}
        given = data.get("input") or None
        if not isinstance(name, str) or not isinstance(sets, dict) or not (given is None or isinstance(given, str)):
            raise UsageError("name and input are text, set is an object of name: value")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in sets.items()):
            raise UsageError("set maps variable names to text, as --set NAME=VALUE does")
        window = []
        for key in ("at", "seconds"):
            value = data.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
                raise UsageError(f"{key} is a number of seconds, not {quote(value)}")
            window.append(None if value is None else float(value))
        upto = data.get("upto")
        if upto is not None and (isinstance(upto, bool) or not isinstance(upto, int) or upto < 0):
            raise UsageError(f"upto is a number of steps, not {quote(upto)}")
        return cls(text=data["text"], name=name, sets=dict(sets), input=given, at=window[0], seconds=window[1],
                   upto=upto)


@dataclass
class Job:
    """One preview being rendered or done: its progress, then its files or the error."""

    id: str
    folder: str
    state: str = "running"  # running, done or failed
    fraction: float | None = None
    problems: list[dict] = field(default_factory=list)
    video: str | None = None
    sheet: str | None = None
    upto: int | None = None  # the frames step ``upto`` receives (the result: the number of steps)
    whole: bool = True  # the recipe's result, not a look at a step
    size: str | None = None  # the frames' size before the preview scaled them: the pixels a drag maps to
    at: float = 0.0  # the time of the preview's first frame

    def as_json(self) -> dict:
        return {"id": self.id, "state": self.state, "fraction": self.fraction, "problems": self.problems,
                "video": os.path.basename(self.video) if self.video else None,
                "sheet": os.path.basename(self.sheet) if self.sheet else None,
                "upto": self.upto, "whole": self.whole, "size": self.size, "at": self.at}


class Studio:
    """One studio: its folder, the recipe it edits, its FFmpeg options and its previews."""

    def __init__(self, folder: str | os.PathLike, recipe: str | None = None, *, ffmpeg: str | None = None,
                 max_memory: str | None = None):
        self.folder = Folder(folder)
        if recipe is not None:  # as typed on the command line: relative to the working directory
            named = os.path.relpath(os.path.realpath(recipe), self.folder.root)
            if named.split(os.sep)[0] == "..":
                raise OutsideFolder(f"{quote(os.fspath(recipe))} is outside {self.folder.root}; "
                                    "start ffx studio in the recipe's folder")
            recipe = self.folder.relative(self.folder.resolve(named))
        self.recipe: str | None = recipe
        self.saved: set[str] = set()  # new files this studio wrote: they may be saved again
        self.ffmpeg = ffmpeg
        self.max_memory = max_memory
        self.swept = sweep_scratch()  # folders of studios killed before they could clean up
        self.scratch = make_scratch()  # previews: never in the user's folder
        self.jobs: dict[str, Job] = {}
        self.probes = ProbeCache()  # the page compiles on every keystroke: each input is probed once
        self.lock = threading.Lock()  # one compile at a time: the warnings are shared
        self.starting = threading.Lock()

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)

    # --- what the page shows ---------------------------------------------------------------------------

    def state(self) -> dict:
        """The recipe's name and text (a starter when there is none yet) and the media files to pick from."""
        from ..syntax.yamlsource import read_recipe_text

        text, problems = STARTER, []
        if self.recipe is not None and os.path.lexists(self.folder.resolve(self.recipe)):
            try:  # as ffx reads a recipe: a regular file, a bounded read
                text = read_recipe_text(self.folder.resolve(self.recipe))
            except FfxError as exc:
                text, problems = "", self.problems(exc, {})
        return {"name": self.recipe or "untitled.yaml", "text": text, "media": self.folder.media_files(),
                "folder": self.folder.root, "problems": problems}

    def request(self, data: Any) -> PageRequest:
        return PageRequest.from_json(data, self.recipe or "untitled.yaml")

    def load(self, request: PageRequest) -> Recipe:
        """The recipe as the command line would load it from ``name`` with ``--set`` and ``-i``, and
        refused when it would read a file from outside the folder."""
        path = self.folder.resolve(request.name)
        variables = parse_set([f"{key}={value}" for key, value in request.sets.items()])
        recipe = load_recipe(path, text=request.text, variables=variables)
        if request.input:
            recipe = recipe.with_io(inputs=[self.folder.resolve(request.input)])
        if request.upto is not None:
            recipe = cut_before(recipe, request.upto)
        outside = self.folder.reads_outside(recipe)
        if outside:
            raise RecipeError(outside)
        return recipe

    def check(self, data: Any) -> dict:
        """``ffx validate``: the problems, each with its line and column, or a summary of the result."""
        answer = {"ok": False, "problems": [], "notes": [], "summary": "", "vars": declared_vars(data)}
        try:
            request = self.request(data)
            plan = self._compile(request, overwrite=True)
        except Exception as exc:  # noqa: BLE001 - reported as problems: the page stays usable
            answer["problems"] = self.problems(exc, data)
            return answer
        said = [f"{name} <- {', '.join(done)}" for name, done in plan.normalised]  # as validate says them
        answer.update(ok=True, notes=[*plan.notes, *said, *plan.choices, *plan.findings], summary=summary(plan))
        return answer

    def compile(self, data: Any) -> dict:
        """``ffx compile``'s command and ``ffx graph``'s picture, or the problems."""
        try:
            request = self.request(data)
            plan = self._compile(request, overwrite=False)
            picture = graph_svg(plan, self.probes)
        except Exception as exc:  # noqa: BLE001 - reported as problems
            return {"ok": False, "problems": self.problems(exc, data)}
        from ..ffmpeg.binary import printed_name  # `ffmpeg` when that word runs the same binary, as ffx compile prints

        return {"ok": True, "problems": [], "command": plan.shell(printed_name(plan.binary_path)), "svg": picture,
                "summary": summary(plan)}

    def _compile(self, request: PageRequest, overwrite: bool):
        from ..api import compile_recipe

        with self.lock:
            return compile_recipe(self.load(request), overwrite=overwrite, ffmpeg=self.ffmpeg, probes=self.probes,
                                  max_memory=self.max_memory)

    def problems(self, exc: BaseException, data: Any) -> list[dict]:
        """An error as the page shows it: one entry per problem, with the line ``ffx validate`` prints."""
        name = data.get("name") if isinstance(data, dict) and isinstance(data.get("name"), str) else None
        name = name or self.recipe or "untitled.yaml"
        shown_as = self.folder.root + os.sep + name
        if isinstance(exc, RecipeError):
            found = [dataclasses.replace(p, file=name) if p.file and os.path.realpath(p.file) == os.path.realpath(shown_as)
                     else p for p in exc.problems]
            return [problem_json(p) for p in found]
        if isinstance(exc, RenderError):
            lines = str(exc).splitlines()
            return [problem_json(Problem(lines[0] + ("\n" + "\n".join(lines[1:]) if lines[1:] else "")))]
        if isinstance(exc, FfxError):
            return [problem_json(Problem(line)) for line in str(exc).splitlines()]
        if isinstance(exc, ValueError):  # pydantic's, unwrapped: still readable
            return [problem_json(Problem(str(exc).splitlines()[0]))]
        raise exc

    # --- saving ----------------------------------------------------------------------------------------

    def save(self, data: Any) -> dict:
        """Write the editor's text to the recipe's file, or to a new file under the folder (which then
        becomes the recipe this studio edits). Any other existing file is refused."""
        if not isinstance(data, dict) or not isinstance(data.get("text"), str) or not isinstance(data.get("name"), str):
            raise UsageError("send a JSON object with the recipe's name and text")
        name = os.path.normpath(data["name"])
        path = self.folder.resolve(name)
        if not name.lower().endswith(RECIPE_SUFFIXES):
            raise OutsideFolder(f"{quote(name)}: a recipe is saved as .yaml or .yml")
        ours = {self.recipe, *self.saved} - {None}
        if os.path.lexists(path) and self.folder.relative(path) not in {self.folder.relative(self.folder.resolve(n))
                                                                         for n in ours}:
            raise OutsideFolder(f"{quote(name)} exists and is not the recipe this studio opened; "
                                "choose a new name")
        self.folder.write_text(name, data["text"])
        name = self.folder.relative(path)
        if name != self.recipe:
            self.saved.add(name)
            self.recipe = name
        return {"ok": True, "name": name}

    # --- setting values by looking (ffx.studio.tools) -----------------------------------------------------

    def cursor(self, data: Any) -> dict:
        """What the editor's cursor is in; a text that does not parse is an answer too (no step)."""
        try:
            return cursor_answer(data)
        except FfxError as exc:
            return {"ok": False, "problems": self.problems(exc, data)}

    def edit(self, data: Any) -> dict:
        """The recipe's text after one of the page's tools (a drag, a trim, a keyframe)."""
        return edit_answer(data)

    # --- previews --------------------------------------------------------------------------------------

    def start_preview(self, data: Any) -> Job:
        """Start rendering a preview in a thread; its :class:`Job` tells how far it is."""
        request = self.request(data)
        plan = self._compile(request, overwrite=True)
        width = int(plan.result.size.split("x")[0]) if plan.result.has_video else PREVIEW_WIDTH
        recipe = self.load(request)
        with self.starting:  # two clicks at once start one preview
            if any(job.state == "running" for job in self.jobs.values()):
                raise Busy("a preview is being rendered; wait for it to finish")
            job = Job(id=secrets.token_hex(8), folder=tempfile.mkdtemp(dir=self.scratch), upto=len(recipe.steps),
                      whole=request.upto is None, size=plan.result.size if plan.result.has_video else None,
                      at=request.at or 0.0)
            self._forget_old_previews()
            self.jobs[job.id] = job
        thread = threading.Thread(target=self._render_preview, args=(job, recipe, request, min(1.0, PREVIEW_WIDTH / width)),
                                  name=f"ffx-preview-{job.id}", daemon=True)
        thread.start()
        return job

    def _render_preview(self, job: Job, recipe: Recipe, request: PageRequest, scale: float) -> None:
        from ..api import preview

        def progress(report) -> None:
            job.fraction = report.fraction

        try:
            outside = self.folder.reads_outside(recipe)  # again: a symlink may have appeared since the check
            if outside:
                raise RecipeError(outside)
            job.video, job.sheet = preview(recipe, folder=job.folder, at=request.at, seconds=request.seconds,
                                           scale=scale, ffmpeg=self.ffmpeg, max_memory=self.max_memory,
                                           progress=progress, probes=self.probes)
            job.fraction = 1.0
            job.state = "done"
        except Exception as exc:  # noqa: BLE001 - a thread has no caller: the page shows the failure
            try:
                job.problems = self.problems(exc, {"name": request.name})
            except Exception:  # noqa: BLE001 - not an ffx error: still say something
                job.problems = [problem_json(Problem(f"the preview failed: {exc!r}"))]
            job.state = "failed"

    def _forget_old_previews(self) -> None:
        finished = [job for job in self.jobs.values() if job.state != "running"]
        for job in finished[:max(0, len(finished) - KEPT_PREVIEWS + 1)]:
            del self.jobs[job.id]
            shutil.rmtree(job.folder, ignore_errors=True)

    def preview_file(self, job_id: str, which: str) -> str | None:
        """The path of a finished preview's video or sheet (the only files of the scratch folder served)."""
        job = self.jobs.get(job_id)
        if job is None or job.state != "done":
            return None
        return {"video": job.video, "sheet": job.sheet}.get(which)


def cut_before(recipe: Recipe, step: int) -> Recipe:
    """The recipe of the frames step ``step`` receives: the steps before it, and of its named inputs the
    first and those these steps read (an overlay's picture read only later is not the look's input)."""
    from ..effects.fields import stream_references

    if step > len(recipe.steps):
        raise UsageError(f"the recipe has {len(recipe.steps)} steps; it cannot be cut before step {step}")
    steps = list(recipe.steps[:step])
    update: dict[str, Any] = {"steps": steps}
    if recipe.inputs:
        read = {name for kept in steps for name in stream_references(kept)}
        first = next(iter(recipe.inputs))
        update["inputs"] = {name: given for name, given in recipe.inputs.items() if name == first or name in read}
    return recipe.model_copy(update=update)


def problem_json(problem: Problem) -> dict:
    return {"line": problem.line, "column": problem.column, "field": problem.field, "message": problem.message,
            "hint": problem.hint, "text": str(problem)}


def declared_vars(data: Any) -> dict[str, str] | None:
    """The recipe's ``vars:`` with their values written as a form field shows them (None when the text
    does not parse: the page keeps the fields it has)."""
    from ..syntax.yamlsource import load_yaml

    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return None
    try:
        parsed = load_yaml(data["text"]).data
    except Exception:  # noqa: BLE001 - the problems list says why
        return None
    declared = parsed.get("vars") if isinstance(parsed, dict) else None
    if not isinstance(declared, dict):
        return {}
    shown = {}
    for name, value in declared.items():
        if isinstance(value, bool):
            shown[str(name)] = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            shown[str(name)] = str(value)
    return shown


def summary(plan) -> str:
    """The result in a few words, as ``ffx validate`` says it (a long input is not counted for it)."""
    return plan.result.summary()


def graph_svg(plan, probes: ProbeCache | None = None) -> str:
    """``ffx graph``'s SVG of the plan (``probes``: its compile's, which answer for its inputs)."""
    from ..api import graph_picture

    return graph_picture(plan, ".svg", probes)
