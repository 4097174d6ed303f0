"""A bounded fuzz of the Python API: every function ``ffx`` exports, the models (``Recipe``, ``Input``,
``Output``, every effect) and their copies, a recipe's and a plan's methods.

Each try gives a function some of its arguments, each either a right value (real renders stay tiny: 64x64,
a few frames) or an odd one: None, the wrong kind, NaN, infinities, huge numbers, lone surrogates, NUL,
deep nesting, huge lists and strings, bytes, numpy arrays of odd shapes and types. Every try must end as a
result or as one of ffx's own errors (:class:`ffx.FfxError`, also the builtin it promises), within a
deadline; an argument of the wrong kind must be refused, not accepted; and no try may leave a child
process, a part file or a temporary file behind, nor the traced memory grow over many tries.
``FFX_FUZZ_EXAMPLES`` scales the run (tests/fuzzing.py); the counts are printed at the end of the module.
"""

from __future__ import annotations

import dataclasses
import decimal
import fractions
import inspect
import json
import math
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ffx
from conftest import FFMPEG, child_processes, decode_frames, make_clip
from ffx import CapabilityError, FfxError, FrameError, InputError, RecipeError, RenderError, UsageError
from ffx.effects import REGISTRY
from ffx.media.cache import ProbeCache
from fuzzing import EXAMPLES, FAST, SLOW, Tally

TALLY = Tally("API fuzz")
report = TALLY.reporter()

SOURCE = {"source": "testsrc2", "size": "64x64", "rate": 25, "duration": 0.12}
OTHER = {"source": "smptebars", "size": "64x64", "rate": 25, "duration": 0.12}
RECIPE = ffx.Recipe(input=SOURCE, steps=[], output="o.mp4")
RECIPE_TEXT = ("vars: {t: hi, w: 32}\ninput: {source: testsrc2, size: 64x64, rate: 25, duration: 0.12}\n"
               "steps: [{resize: {width: '${w}'}}]\noutput: r.mp4\n")
BUILTIN = {RecipeError: ValueError, UsageError: TypeError, InputError: OSError, CapabilityError: RuntimeError,
           RenderError: RuntimeError, FrameError: ValueError}


# --- odd values ---------------------------------------------------------------------------------------

class Deep(list):
    """A list nested very deep, shown short (hypothesis's report of a failure would recurse past the stack)."""

    def __repr__(self) -> str:
        return f"<nested {len(self)}>"


class DeepDict(dict):
    def __repr__(self) -> str:
        return "<nested dict>"


def nested(depth: int, inner=None, wrap=lambda x: [x]):
    for _ in range(depth):
        inner = wrap(inner)
    return inner


class FspathInt:
    """A path-like object whose path is not text."""

    def __fspath__(self):
        return 5


class Text(str):
    """A str subclass."""


HUGE_INT = 10**5000  # past Python's 4,300 digits of int <-> str
SPECIAL = [
    None, True, False, 0, -1, 1, 2**31, 2**63, -2**63 - 1, 10**30, HUGE_INT, -HUGE_INT,
    math.nan, math.inf, -math.inf, 1e308, -0.0, 5e-324, 1e-300,
    "", " ", "\0", "\ud800", "a\0b", "x" * 1_000_000, "é" * 5000, "\x1b[2J", "a\nb", "\u2028", "-y", "file:x",
    "pipe:1", "%d.png", "{a,b}", "*", "..", ".", "../x.mp4", "con", "1:00:00:00", "1e400", "nan", "-1",
    b"", b"\xff\xfe", b"o.mp4", bytearray(b"x"), memoryview(b"x"),
    [], {}, (), set(), frozenset(), [None] * 1_000_000, ["x"] * 100_000, {str(i): i for i in range(10_000)},
    Deep([nested(10_000)]), DeepDict(a=nested(10_000, wrap=lambda x: {"a": x})), nested(50),
    nested(50, wrap=lambda x: {"a": x}),
    np.zeros(0), np.zeros((64, 64, 3), np.float64), np.full((2, 2, 3), np.nan), np.zeros((64, 64, 4), np.uint8),
    np.zeros((64, 64), np.uint8), np.zeros((1, 1, 3), np.uint8), np.zeros((64, 64, 3), np.int16),
    np.zeros((0, 64, 3), np.uint8), np.array([object()]), np.array(["x"]), np.zeros((3, 64, 64, 3), np.uint8),
    np.int64(3), np.float32("nan"), np.bool_(True), np.uint8(255), np.float64(math.inf),
    fractions.Fraction(1, 3), fractions.Fraction(10**400, 3), decimal.Decimal("nan"), decimal.Decimal("1e999999"),
    1j, object(), print, type, Ellipsis, NotImplemented, Path("o.mp4"), Path(""), FspathInt(), Text("o.mp4"),
    iter([]), (x for x in [1]), range(10**18), lambda *a: None,
]
ODD = st.one_of(
    st.sampled_from(SPECIAL),
    st.integers(),
    st.floats(),
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=30).filter(
        lambda t: "/" not in t),  # a fuzzed absolute path would write outside the test's folder
    st.binary(max_size=20),
    st.lists(st.sampled_from([None, 1, "x", math.nan, b"x", [], {}]), max_size=5),
    st.dictionaries(st.sampled_from(["a", "", "\0", "path", "input", 1]), st.sampled_from([None, 1, "x", math.nan]),
                    max_size=3),
)


# --- the folder each try runs in ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A folder with a clip, a recipe file, a list of inputs and a private temporary folder; tries run in it
    (the fuzz writes relative names only)."""
    folder = tmp_path_factory.mktemp("api")
    make_clip(folder / "clip.mkv", duration=0.2, size="64x64", audio="sine")
    (folder / "r.yaml").write_text(RECIPE_TEXT)
    (folder / "list.txt").write_text("clip.mkv\n")
    (folder / "pv").mkdir()
    scratch = folder / "tmp"
    scratch.mkdir()
    old, old_env = os.getcwd(), os.environ.get("TMPDIR")
    os.chdir(folder)
    os.environ["TMPDIR"], tempfile.tempdir = str(scratch), str(scratch)
    try:
        yield folder
    finally:
        os.chdir(old)
        tempfile.tempdir = None
        if old_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = old_env


def leftovers(folder: Path) -> list[str]:
    """What a finished try left: a child process, a hidden part file, anything in the private temp folder."""
    for _ in range(50):
        children = child_processes(os.getpid())
        if not children:
            break
        time.sleep(0.1)
    found = [f"child process {pid}" for pid in children]
    found += [str(path.relative_to(folder)) for path in folder.rglob(".ffx-part*")]
    found += [name for name in os.listdir(folder / "tmp")]
    return found


def one_try(folder: Path, surface: str, action, wrong: list[str], check=None):
    """Run one try: a result (checked by ``check``) unless an argument was of the wrong kind, or an ffx error
    that is the builtin it promises; nothing left behind either way."""
    result = TALLY.outcome(surface, action)
    if isinstance(result, FfxError):
        for kind, builtin in BUILTIN.items():
            if isinstance(result, kind):
                assert isinstance(result, builtin), f"{surface}: {type(result).__name__} is no {builtin.__name__}"
    else:
        assert not wrong, f"{surface}: accepted {wrong} of the wrong kind"
        if check is not None:
            check(result)
    left = leftovers(folder)
    assert not left, f"{surface} left {left}"
    return result


# --- the exported functions ---------------------------------------------------------------------------

@dataclasses.dataclass
class Param:
    right: st.SearchStrategy  # values of the right kind (perhaps refused for their value)
    kind: tuple | None = None  # isinstance() of every value of the right kind; None: any kind may be right
    optional: bool = True  # None is of the right kind

    def accepts(self, value) -> bool:
        if self.kind is None or (value is None and self.optional):
            return True
        if isinstance(value, bool) and bool not in self.kind:
            return False
        return isinstance(value, self.kind)


def one(*values):
    return st.sampled_from(values)


FLAG = Param(st.booleans(), (bool,), optional=False)
PATHS = (str, os.PathLike)
OUTPUT = Param(one("o.mp4", "o.gif", "o.mkv", "sub/o.png", Path("o.webm"), "o.mp4"), PATHS)
RECIPES = Param(one(RECIPE, "r.yaml", ffx.Recipe(input=SOURCE, steps=[{"resize": {"width": 32}}], output="o.mkv")),
                (ffx.Recipe, str, os.PathLike), optional=False)
COMMON = {
    "inputs": Param(one(None, ["clip.mkv"], [ffx.Input(**OTHER)], ("clip.mkv",)), (list, tuple)),
    "variables": Param(one(None, {}, {"t": "yo"}, {"w": 16}), (dict,)),
    "ffmpeg": Param(one(None, FFMPEG), (str, os.PathLike)),
    "allow_unsafe": FLAG,
    "max_memory": Param(one(None, "512M", 2**30), (int, str)),
    "max_recipe_size": Param(one("1M", 2**20, 4096), (int, str), optional=False),
}
PROBES = Param(one(None, ProbeCache()), (ProbeCache,))
PROGRESS = Param(one(False, True, lambda progress: None), None)
FRAMES = [np.zeros((64, 64, 3), np.uint8)] * 3


def _consume(iterator, most: int = 10):
    out = []
    try:
        for item in iterator:
            out.append(item)
            if len(out) >= most:
                break
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()
    return out


def _plan():
    return ffx.compile_recipe(RECIPE, output="p.mp4", overwrite=True)


def _ffmpeg_python_node(which: int):
    import ffmpeg

    stream = ffmpeg.input("clip.mkv").hflip()
    return [stream, stream.output("fp.mp4"), ffmpeg.input("clip.mkv").filter("scale", 32, -1).output("fp.mkv")][which]


FUNCTIONS = {
    "compile_recipe": (lambda recipe=RECIPE, **kw: ffx.compile_recipe(recipe, **kw), {
        "recipe": RECIPES, "output": OUTPUT, "overwrite": FLAG, "probes": PROBES, **COMMON}),
    "render": (lambda recipe=RECIPE, **kw: ffx.render(recipe, **{"overwrite": True, **kw}), {
        "recipe": RECIPES, "output": OUTPUT, "overwrite": FLAG, "progress": PROGRESS, "probes": PROBES,
        "chunks": Param(one(None, 1, 2), (int,)), **COMMON}),
    "render_plan": (lambda plan=None, **kw: ffx.render_plan(_plan() if plan is None else plan, **kw), {
        "plan": Param(st.just(None), (ffx.Plan,)), "progress": PROGRESS}),
    "preview": (lambda recipe=RECIPE, **kw: ffx.preview(recipe, **kw), {
        "recipe": RECIPES, "folder": Param(one(".", "pv", Path("pv")), PATHS, optional=False),
        "at": Param(one(None, 0, 0.04, "0:00.04"), (int, float, str)),
        "seconds": Param(one(None, 0.08, 1), (int, float, str)),
        "scale": Param(one(0.25, 1, 0.5), (int, float), optional=False),
        "columns": Param(one(1, 2, 4, 32), (int,), optional=False),
        "rows": Param(one(1, 3, 32), (int,), optional=False),
        "progress": PROGRESS, "probes": PROBES, **{k: v for k, v in COMMON.items() if k != "max_recipe_size"}}),
    "render_bytes": (lambda recipe=RECIPE, **kw: ffx.render_bytes(recipe, **kw), {
        "recipe": RECIPES, "format": Param(one("mp4", "gif", "webm", "nut", "MP4", " mkv"), (str,), optional=False),
        "fragmented": FLAG, **COMMON}),
    "iter_bytes": (lambda recipe=RECIPE, **kw: _consume(ffx.iter_bytes(recipe, **kw)), {
        "recipe": RECIPES, "format": Param(one("mp4", "gif", "mkv", "ts"), (str,), optional=False),
        "fragmented": FLAG, **COMMON}),
    "frames": (lambda source=RECIPE, **kw: _consume(ffx.frames(source, **kw)), {
        "source": Param(one(RECIPE, "clip.mkv", "r.yaml", Path("clip.mkv")), (ffx.Recipe, str, os.PathLike),
                        optional=False),
        "steps": Param(one(None, [], ["reverse"], [{"resize": {"width": 32}}], [ffx.effects.Mirror()]), (list,)),
        "bgr": FLAG, **{k: COMMON[k] for k in ("inputs", "variables", "ffmpeg", "allow_unsafe", "max_memory")}}),
    "encode": (lambda frames=FRAMES, **kw: ffx.encode(frames, **kw), {
        "frames": Param(one(FRAMES, tuple(FRAMES), FRAMES[:1], [np.zeros((16, 32, 3), np.uint8)] * 2,
                            [np.ones((63, 65, 3), np.uint8)], iter(FRAMES)), None, optional=False),
        "fps": Param(one(25, 12.5, "30000/1001", fractions.Fraction(24000, 1001), 23.976), None),
        "output": Param(one(None, "e.mp4", "e.gif", "e.mkv"), PATHS),
        "format": Param(one(None, "mp4", "gif", "webm", "MKV"), (str,)),
        "codec": Param(one(None, "libx264", "ffv1"), (str,)), "crf": Param(one(None, 0, 30), (int,)),
        "pix_fmt": Param(one(None, "yuv420p", "yuv444p"), (str,)), "bgr": FLAG, "overwrite": FLAG,
        "ffmpeg": COMMON["ffmpeg"]}),
    "batch": (lambda recipe=RECIPE, **kw: ffx.batch(recipe, **{"inputs": ["clip.mkv"], "output": "b/{stem}.mp4",
                                                               "force": True, "jobs": 1, **kw}), {
        # inputs: any iterable of paths (a numpy array of str too), or one path
        **COMMON, "recipe": RECIPES, "inputs": Param(one(["clip.mkv"], "clip.mkv", "*.mkv", (), [Path("clip.mkv")]),
                                                     None, optional=False),
        "output": Param(one("b/{stem}.mp4", "b/{index:03}.gif", "b/{stem}-{w}.mkv"), PATHS, optional=False),
        "inputs_from": Param(one(None, "list.txt"), PATHS), "jobs": Param(one(None, 1, 2), (int,)),
        "memory_budget": Param(one(None, "1G", 2**30), (int, str)), "strict_memory": FLAG, "force": FLAG,
        "report": Param(one(None, "rep.json"), PATHS), "progress": Param(one(False, None), None),
        # a str cluster starts Dask: only other kinds, all of them refused
        "cluster": Param(one(None), ())}),
    "load_recipe": (lambda source="r.yaml", **kw: ffx.load_recipe(source, **kw), {
        "source": Param(one("r.yaml", Path("r.yaml"), "other.yaml"), PATHS, optional=False),
        "text": Param(one(None, RECIPE_TEXT, "", "steps: []\n"), (str,)),
        "variables": COMMON["variables"], "max_recipe_size": COMMON["max_recipe_size"]}),
    "from_ffmpeg_python": (lambda node=0, **kw: ffx.from_ffmpeg_python(
        _ffmpeg_python_node(node) if isinstance(node, int) and not isinstance(node, bool) and 0 <= node < 3
        else node), {"node": Param(one(0, 1, 2), None, optional=False)}),
}


def _checked(name: str):
    """What a result must be, by function."""

    def check(result) -> None:
        if name in ("compile_recipe", "render", "render_plan"):
            assert isinstance(result, ffx.Plan)
        elif name == "preview":
            assert all(os.path.getsize(path) > 0 for path in result)
        elif name == "render_bytes":
            assert isinstance(result, bytes) and result
        elif name == "iter_bytes":
            assert result and all(isinstance(chunk, bytes) for chunk in result)
        elif name == "frames":
            assert result and all(frame.image.dtype == np.uint8 and frame.image.shape[2] == 3 for frame in result)
        elif name == "encode":
            assert result is None or (isinstance(result, bytes) and result)
        elif name == "batch":
            assert result and all(isinstance(one, ffx.BatchResult) for one in result)
        elif name in ("load_recipe", "from_ffmpeg_python"):
            assert isinstance(result, ffx.Recipe)

    return check


# a CI run of the module stays near a minute: the functions that render draw half the examples, a preview
# (two renders) a quarter, each model an eighth; FFX_FUZZ_EXAMPLES scales them all
PER_FUNCTION = settings(SLOW, max_examples=max(3, EXAMPLES // 2))
PER_PREVIEW = settings(SLOW, max_examples=max(3, EXAMPLES // 4))
PER_MODEL = settings(SLOW, max_examples=max(3, EXAMPLES // 8))


@PER_FUNCTION
@pytest.mark.parametrize("name", sorted(set(FUNCTIONS) - {"preview"}))
@given(data=st.data())
def test_exported_functions_return_or_refuse(workdir, name, data):
    fuzz_function(workdir, name, data)


@PER_PREVIEW
@given(data=st.data())
def test_preview_returns_or_refuses(workdir, data):
    fuzz_function(workdir, "preview", data)


def fuzz_function(workdir: Path, name: str, data) -> None:
    """One call of ``name`` with one to three of its arguments drawn, each right or odd."""
    call, params = FUNCTIONS[name]
    chosen = data.draw(st.lists(st.sampled_from(sorted(params)), min_size=1, max_size=3, unique=True), "params")
    arguments, wrong = {}, []
    for param in chosen:
        odd = data.draw(st.booleans(), f"{param} odd")
        value = data.draw(ODD if odd else params[param].right, param)
        if not params[param].accepts(value):
            wrong.append(param)
        arguments[param] = value
    one_try(workdir, name, lambda: call(**arguments), wrong, _checked(name))


@FAST
@given(name=st.sampled_from(sorted(ffx.__all__)), value=ODD)
def test_exported_names_called_with_one_odd_value(workdir, name, value):
    """Every exported callable given one odd positional argument: its own error or a result, never another."""
    exported = getattr(ffx, name)
    if not callable(exported) or (isinstance(exported, type) and issubclass(exported, BaseException)):
        return
    try:  # a call Python itself refuses (a data class given one of its several fields) tries nothing of ffx's
        inspect.signature(exported).bind(value)
    except TypeError:
        return
    one_try(workdir, f"{name}(odd)", lambda: exported(value), [])


# --- the models: constructors, copies, methods --------------------------------------------------------

def _example_step(name: str):
    step = ffx.load_recipe("example.yaml", text=f"steps:\n{REGISTRY[name].example}\n").steps[0]
    return step


GOOD = st.one_of(one(0.5, 1, 2, 0, 32, "white", "red@0.5", "1:00", "64x64", "hi", True, False, "center", 0.04, -1,
                     [0, 0], [0.5, 0.5], {"x": 0}, "sans"), ODD)
MODELS = {"Recipe": ffx.Recipe, "Input": ffx.Input, "Output": ffx.Output,
          **{cls.__name__: cls for cls in REGISTRY.values()}}


def _compiled(model) -> object:
    """The model in a tiny recipe, compiled (and rendered when it is one quick command): it was accepted,
    so it must compile and render, or be refused by ffx."""
    if isinstance(model, ffx.Recipe):
        recipe = model
    elif isinstance(model, ffx.Input):
        recipe = ffx.Recipe(input=model, output="m.mkv")
    elif isinstance(model, ffx.Output):
        recipe = ffx.Recipe(input=SOURCE, output=model)
    else:
        from ffx.effects.fields import stream_references

        names = {"input": SOURCE, **{ref: OTHER for ref in stream_references(model) if ref != "input"}}
        recipe = ffx.Recipe(inputs=names, steps=[model], output="m.mkv")
    plan = ffx.compile_recipe(recipe, overwrite=True)
    result = plan.result
    if len(plan.stages) == 1 and not plan.feeds and result.duration is not None and result.duration <= 2 and (
            result.width or 0) * (result.height or 0) <= 1024 * 1024 and plan.stages[0].output_path and not (
            os.path.isabs(plan.stages[0].output_path)):
        ffx.render_plan(plan)
    return plan


def nearby(value) -> st.SearchStrategy:
    """Values near a field's value in a working example: the kinds of value the field takes, moved."""
    if isinstance(value, bool):
        return one(value, not value)
    if isinstance(value, (int, float)):
        return one(value, value * 2, value / 2, -value, value + 1, 0, value * 1000)
    if isinstance(value, str):
        return one(value, value.upper(), value + "x", value[:1], value * 2)
    if isinstance(value, (list, tuple)):
        return one(value, value[:1], list(value) * 2, list(reversed(value)))
    return st.just(value)


@PER_MODEL
@pytest.mark.parametrize("name", sorted(MODELS))
@given(data=st.data())
def test_models_built_or_copied_with_odd_fields(workdir, name, data):
    cls = MODELS[name]
    fields = sorted(cls.model_fields) + ["nope", "effect"]
    if name == "Recipe":
        base = RECIPE
    elif name == "Input":
        base = ffx.Input(**SOURCE)
    elif name == "Output":
        base = ffx.Output(path="m.mp4")
    else:
        base = _example_step(cls.model_fields["effect"].default)
    chosen = data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=2, unique=True), "fields")
    values = base.model_dump(exclude_unset=True, exclude={"effect"})
    update = {field: data.draw(st.one_of(GOOD, nearby(values[field])) if field in values else GOOD, field)
              for field in chosen}
    how = data.draw(one("build", "copy"), "how")
    if how == "build":
        made = one_try(workdir, f"{name}(...)", lambda: cls(**{**values, **update}), [])
    else:
        made = one_try(workdir, f"{name}.model_copy", lambda: base.model_copy(update=update), [])
    if not isinstance(made, FfxError):
        one_try(workdir, "models, compiled and rendered", lambda: _compiled(made), [])


@SLOW
@given(value=ODD, which=one("with_io inputs", "with_io output", "relative_to", "to_yaml", "to_dict", "files_read",
                            "argv_lists", "shell", "to_json", "ffplay", "argv", "to_ffmpeg_python", "checked"))
def test_recipe_and_plan_methods_take_odd_arguments(workdir, value, which):
    recipe = ffx.Recipe(input="clip.mkv", steps=[{"text": {"text": "hi"}}], output="o.mp4")
    plan = ffx.compile_recipe(recipe, overwrite=True)
    calls = {
        "with_io inputs": lambda: recipe.with_io(inputs=value), "with_io output": lambda: recipe.with_io(output=value),
        "relative_to": lambda: recipe.relative_to(value), "to_yaml": lambda: recipe.with_io(output=value).to_yaml(),
        "to_dict": lambda: json.dumps(recipe.with_io(inputs=value).to_dict()),
        "files_read": lambda: recipe.with_io(inputs=value).files_read(),
        "argv_lists": lambda: plan.argv_lists(value), "shell": lambda: plan.shell(value),
        "to_json": lambda: plan.to_json(value), "ffplay": lambda: plan.ffplay(value), "argv": lambda: plan.argv,
        "to_ffmpeg_python": lambda: plan.to_ffmpeg_python(), "checked": lambda: recipe.with_io(output=value).checked(),
    }
    one_try(workdir, f"{'Plan' if which in ('argv_lists', 'shell', 'to_json', 'ffplay', 'argv', 'to_ffmpeg_python') else 'Recipe'}.{which.split()[0]}",
            calls[which], [])


# --- growth ----------------------------------------------------------------------------------------------

def test_many_tries_leave_the_memory_where_it_was(workdir):
    """A few hundred refused and compiled calls after a warm-up: the traced memory stays within 2 MiB."""
    misuses = [lambda: ffx.compile_recipe(RECIPE, overwrite=True), lambda: ffx.compile_recipe(None),
               lambda: ffx.render(RECIPE, chunks=math.nan), lambda: ffx.preview(RECIPE, rows="x"),
               lambda: ffx.encode([np.zeros((2, 2, 4), np.uint8)]), lambda: ffx.Recipe(steps=["revers"]),
               lambda: ffx.effects.Resize("abc"), lambda: ffx.load_recipe("r.yaml", variables={"w": math.nan}),
               lambda: RECIPE.model_copy(update={"output": "x.xyz"}), lambda: ffx.render_bytes(RECIPE, format="x"),
               lambda: ffx.frames(RECIPE, bgr="yes"), lambda: ffx.batch(RECIPE, inputs=[1], output="b/{stem}.mp4")]

    def round_of_tries():
        for misuse in misuses:
            try:
                misuse()
            except FfxError:
                pass

    for _ in range(10):  # warm: caches, lazily imported modules
        round_of_tries()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(30):
            round_of_tries()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 2 << 20, f"{grown} bytes kept after {30 * len(misuses)} tries"
    assert not leftovers(workdir)
    assert EXAMPLES >= 1


# --- what the fuzz found, pinned ----------------------------------------------------------------------------

def _plan_in(folder):
    return ffx.compile_recipe(RECIPE, output=str(folder / "o.mp4"), overwrite=True)


FOUND = [  # (what was tried, the call, the error, a fragment of its line); each was a raw exception or accepted
    ("variables=False with a Recipe", lambda tmp: ffx.compile_recipe(RECIPE, variables=False), UsageError,
     "variables is a dict"),
    ("variables=np.zeros(0)", lambda tmp: ffx.render(RECIPE, variables=np.zeros(0)), UsageError, "variables is a dict"),
    ("frames(steps=np.zeros(0))", lambda tmp: ffx.frames(str(tmp / "clip.mkv"), steps=np.zeros(0)), UsageError,
     "steps is a list"),
    ("frames(steps=())", lambda tmp: ffx.frames(str(tmp / "clip.mkv"), steps=()), UsageError, "steps is a list"),
    ("a path-like whose path is an int", lambda tmp: ffx.compile_recipe(FspathInt()), UsageError,
     "recipe is an ffx.Recipe or the path of a recipe file, not FspathInt"),
    ("frames(path-like of an int)", lambda tmp: ffx.frames(FspathInt()), UsageError, "source is an ffx.Recipe"),
    ("render_bytes(fragmented=10**5000)", lambda tmp: ffx.render_bytes(RECIPE, fragmented=HUGE_INT), UsageError,
     "<an int of 16,610 bits>"),
    ("preview(at=a list nested 100,000 deep)", lambda tmp: ffx.preview(RECIPE, at=Deep([nested(100_000)])), UsageError,
     "at is a number of seconds"),
    ("an FFmpeg path of a million characters", lambda tmp: ffx.compile_recipe(RECIPE, ffmpeg="x" * 1_000_000),
     CapabilityError, "FFmpeg not found at 'xxx"),
    ("plan.shell(True)", lambda tmp: _plan_in(tmp).shell(True), UsageError, "binary is the name or path"),
    ("plan.argv_lists(b'ffmpeg')", lambda tmp: _plan_in(tmp).argv_lists(b"ffmpeg"), UsageError, "binary is"),
    ("plan.to_json(1)", lambda tmp: _plan_in(tmp).to_json(1), UsageError, "binary is"),
    ("plan.ffplay('\\0')", lambda tmp: _plan_in(tmp).ffplay("\0"), UsageError, "binary is"),
    ("compile_recipe(ffmpeg=path-like of an int)", lambda tmp: ffx.compile_recipe(RECIPE, ffmpeg=FspathInt()),
     UsageError, "ffmpeg is the path of an FFmpeg binary, not FspathInt"),
    ("compile_recipe(output=path-like of an int)", lambda tmp: ffx.compile_recipe(RECIPE, output=FspathInt()),
     UsageError, "output is a file path, not FspathInt"),
    ("render(inputs=[path-like of an int])", lambda tmp: ffx.render(RECIPE, inputs=[FspathInt()]), UsageError,
     "inputs[0] is a file path or an ffx.Input"),
    ("load_recipe(path-like of an int)", lambda tmp: ffx.load_recipe(FspathInt()), UsageError, "source is the path"),
    ("preview(folder=path-like of an int)", lambda tmp: ffx.preview(RECIPE, folder=FspathInt()), UsageError,
     "folder is the path of a folder"),
    ("encode(output=path-like of an int)", lambda tmp: ffx.encode(FRAMES, output=FspathInt()), UsageError,
     "output is a file path or None"),
    ("batch(output=path-like of an int)", lambda tmp: ffx.batch(RECIPE, inputs=[], output=FspathInt()), UsageError,
     "output is a path"),
    ("batch(report='')", lambda tmp: ffx.batch(RECIPE, inputs=[str(tmp / "clip.mkv")], output=str(tmp / "{stem}.mp4"),
                                                report=""), RecipeError, "report: '' is not a file in an existing"),
    ("batch(report=300-byte name)", lambda tmp: ffx.batch(RECIPE, inputs=[str(tmp / "clip.mkv")],
                                                          output=str(tmp / "{stem}.mp4"), report="x" * 300),
     RecipeError, "is longer than 255 bytes"),
    ("preview(at='0:00.04') ran into a str + float", lambda tmp: ffx.preview(RECIPE, folder=tmp, at="0:00.04",
                                                                             seconds="x"), RecipeError,
     "seconds: 'x' is not a time"),
    ("preview(at=10**400)", lambda tmp: ffx.preview(RECIPE, at=10**400), RecipeError,
     "at: a time must be a finite number"),
    ("encode(output='')", lambda tmp: ffx.encode(FRAMES, output=""), RecipeError, "output: '' is not a file name"),
    ("encode(output=a folder)", lambda tmp: ffx.encode(FRAMES, output=str(tmp)), RecipeError, "is not a file name"),
    ("iter_bytes(None) checked when called", lambda tmp: ffx.iter_bytes(None), UsageError, "recipe is an ffx.Recipe"),
    ("iter_bytes(a recipe of no output) when called", lambda tmp: ffx.iter_bytes(RECIPE, inputs=["missing.mkv"]),
     InputError, "missing.mkv"),
    ("Loop(effect='\\r')", lambda tmp: ffx.effects.Loop(effect="\r"), RecipeError, "loop.effect: '\\r' is not"),
    ("Speed(effect=10**5000)", lambda tmp: ffx.effects.Speed(effect=HUGE_INT), RecipeError,
     "speed.effect: <an int of 16,610 bits> is not allowed"),
    ("Recipe(input={1: None})", lambda tmp: ffx.Recipe(input={1: None}), RecipeError,
     "input: keys are names, not int"),  # was Python's "keywords must be strings"
    ("Recipe(output={1: None})", lambda tmp: ffx.Recipe(output={1: None}), RecipeError, "output: keys are names"),
    ("Recipe(inputs={'a': {1: 2}})", lambda tmp: ffx.Recipe(inputs={"a": {1: 2}}), RecipeError, "inputs.a: keys"),
    ("Recipe(steps=[{1: 2}])", lambda tmp: ffx.Recipe(steps=[{1: 2}]), RecipeError,
     "steps[0]: keys are names"),  # was "'int' object is not iterable"
    ("Recipe(steps=[{'resize': {1: 2}}])", lambda tmp: ffx.Recipe(steps=[{"resize": {1: 2}}]), RecipeError,
     "steps[0]: keys are names"),
    ("Reverse('x')", lambda tmp: ffx.effects.Reverse("x"), UsageError, "Reverse takes keyword arguments only"),
    ("render(chunks=10**5000)", lambda tmp: ffx.render(RECIPE, chunks=HUGE_INT), RecipeError,
     "chunks: <an int of 16,610 bits> is not a number of pieces"),  # str() of the int: ValueError
    ("preview(columns=10**5000)", lambda tmp: ffx.preview(RECIPE, columns=HUGE_INT), RecipeError, "columns: <an int"),
    ("compile_recipe(max_memory=10**5000)", lambda tmp: ffx.compile_recipe(RECIPE, max_memory=HUGE_INT), RecipeError,
     "max_memory: <an int of 16,610 bits> bytes"),
    ("batch(memory_budget=10**5000)", lambda tmp: ffx.batch(RECIPE, inputs=["x.mkv"], output="{stem}.mp4",
                                                           memory_budget=HUGE_INT), RecipeError, "memory_budget: <an"),
    ("Trim(duration=10**5000)", lambda tmp: ffx.effects.Trim(duration=HUGE_INT), RecipeError,
     "trim.duration: a time must be a finite number"),  # float(): OverflowError
    ("Text(opacity=10**5000)", lambda tmp: ffx.effects.Text(text="hi", opacity=HUGE_INT), RecipeError,
     "text.opacity: <an int of 16,610 bits> is not a finite number"),  # math.isfinite(): OverflowError
    ("encode([a list nested 10,000 deep])", lambda tmp: ffx.encode(Deep([nested(10_000)])), FrameError,
     "frame 0 is no array of pixels (list)"),  # numpy's ValueError past 64 dimensions
    ("encode([frame, ragged list])", lambda tmp: ffx.encode([FRAMES[0], [[1], [1, 2]]]), FrameError,
     "frame 1 is no array of pixels"),
    ("recipe.relative_to(True)", lambda tmp: RECIPE.relative_to(True), UsageError, "folder is the recipe file's"),
    ("recipe.relative_to(b'x')", lambda tmp: RECIPE.relative_to(b"x"), UsageError, "folder is the recipe file's"),
]


@pytest.mark.parametrize("what, call, error, fragment", FOUND, ids=[case[0] for case in FOUND])
def test_what_the_fuzz_found_is_refused_in_one_line(tmp_path, what, call, error, fragment):
    if "frames" in what or "batch" in what:
        make_clip(tmp_path / "clip.mkv", duration=0.2, size="64x64", audio=None)
    with pytest.raises(error) as raised:
        call(tmp_path)
    line = str(raised.value)
    assert fragment in line and "\n" not in line and len(line) <= 1000, line[:300]
    assert isinstance(raised.value, BUILTIN[error])


def test_a_preview_window_written_as_clock_strings_is_the_one_written_in_seconds(tmp_path):
    # '0:00.04' as `at` used to end in "can only concatenate str (not "float") to str"
    by_clock = decode_frames(ffx.preview(RECIPE, folder=tmp_path, at="0:00.04", seconds="0:00.08", scale=1)[0])
    by_seconds = decode_frames(ffx.preview(RECIPE, folder=tmp_path, at=0.04, seconds=0.08, scale=1)[0])
    assert len(by_clock) == 2 and np.array_equal(by_clock, by_seconds)
    whole = decode_frames(ffx.preview(RECIPE, folder=tmp_path, scale=1)[0])
    assert np.abs(by_clock[0].astype(int) - whole[1]).mean() < np.abs(by_clock[0].astype(int) - whole[0]).mean()


def test_a_blur_with_its_own_vertical_sigma_renders_blurred_more_down_than_across(tmp_path):
    # found by the fuzz: gblur's vertical sigma is the option sigmaV, whose capital the graph refused
    # ("'sigmaV' is not a valid option name": a ValueError traceback at compile)
    recipe = ffx.Recipe(input={**SOURCE, "duration": 0.04}, steps=[{"blur": {"sigma": 0.5, "sigma_y": 12}}],
                        output=str(tmp_path / "b.mkv"))
    plan = ffx.render(recipe, overwrite=True)
    assert "sigmaV=12" in plan.shell()
    picture = decode_frames(tmp_path / "b.mkv")[0].astype(float)
    across, down = np.abs(np.diff(picture, axis=1)).mean(), np.abs(np.diff(picture, axis=0)).mean()
    assert down < across / 2, (down, across)
