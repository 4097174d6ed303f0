"""The one folder the studio serves: every path the page names is checked here.

A page in a browser is reachable by whatever else runs in that browser, so
the server trusts no path it is sent. A name is relative to the folder ``ffx
studio`` was started in; ``..``, an absolute path, a NUL, or a symlink whose
target lies outside the folder are refused. The same test applies to what a
recipe typed in the page would make FFmpeg read (its input files, image
patterns, subtitle and font files), so a recipe cannot be used to read
``/etc`` or the home folder through a preview. An image pattern is checked
file by file: every picture it matches, with its symlinks followed, must lie
inside, when the recipe is checked and again just before a preview renders.

>>> import tempfile
>>> folder = Folder(tempfile.mkdtemp())
>>> folder.resolve("clips/a.mp4") == os.path.join(folder.root, "clips", "a.mp4")
True
>>> folder.resolve("../a.mp4")
Traceback (most recent call last):
...
ffx.studio.folder.OutsideFolder: '../a.mp4' is outside the folder the studio serves
"""

from __future__ import annotations

import os
import re
import tempfile

from ..errors import FfxError, InputError, Problem, quote
from ..media.pictures import picture_files
from ..recipe.document import Recipe

MEDIA_SUFFIXES = (".mp4", ".mkv", ".mov", ".m4v", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".gif", ".webp", ".png",
                  ".jpg", ".jpeg", ".bmp", ".mp3", ".wav", ".flac", ".ogg", ".opus", ".m4a", ".aac")
RECIPE_SUFFIXES = (".yaml", ".yml")
LISTED_FILES = 2000  # media files listed at most: a home folder is not a media library
LOOKED_AT = 50_000  # names looked at while listing them: started in a huge tree, the page still opens
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".pfb", ".woff", ".woff2")


class OutsideFolder(FfxError, PermissionError):
    """A path the page sent, or a file a recipe would read, is not under the studio's folder."""


class Folder:
    """The studio's folder, by its real path (symlinks resolved once, at start)."""

    def __init__(self, root: str | os.PathLike):
        self.root = os.path.realpath(root)
        if not os.path.isdir(self.root):
            raise OutsideFolder(f"{quote(os.fspath(root))} is not a folder")

    def contains(self, path: str) -> bool:
        """Whether ``path`` (absolute, or relative to the folder), with every symlink followed, lies inside."""
        real = os.path.realpath(os.path.join(self.root, path))
        return real == self.root or real.startswith(self.root + os.sep)

    def resolve(self, name: str) -> str:
        """The real absolute path of ``name``, a path relative to the folder; refused when it leads out."""
        if not isinstance(name, str) or not name.strip() or "\0" in name:
            raise OutsideFolder(f"{quote(name)} is not a file name")
        if os.path.isabs(name) or ".." in name.split("/") or not self.contains(name):
            raise OutsideFolder(f"{quote(name)} is outside the folder the studio serves")
        return os.path.realpath(os.path.join(self.root, name))

    def relative(self, path: str) -> str:
        """``path`` as the page shows it: relative to the folder."""
        return os.path.relpath(os.path.realpath(path), self.root)

    def media_files(self) -> list[str]:
        """Media files under the folder (hidden folders skipped, symlinks out left out), relative, sorted."""
        found: list[str] = []
        seen = 0
        for top, folders, files in os.walk(self.root):
            folders[:] = sorted(name for name in folders if not name.startswith("."))
            seen += len(files) + len(folders)
            if seen > LOOKED_AT:
                break
            for name in sorted(files):
                path = os.path.join(top, name)
                if name.lower().endswith(MEDIA_SUFFIXES) and not name.startswith(".") and self.contains(path):
                    found.append(os.path.relpath(path, self.root))
                    if len(found) >= LISTED_FILES:
                        return found
        return found

    def write_text(self, name: str, text: str) -> str:
        """Write ``text`` to ``name`` in one step (a temporary file in the same folder, renamed over it):
        a reader sees the old recipe or the new one, never half of it. Returns the path written."""
        target = self.resolve(name)
        folder = os.path.dirname(target)
        if not os.path.isdir(folder):
            raise OutsideFolder(f"{quote(name)}: the folder {quote(os.path.relpath(folder, self.root))} does not exist")
        try:
            mode = os.stat(target).st_mode & 0o7777 if os.path.exists(target) else 0o644
            handle, part = tempfile.mkstemp(dir=folder, prefix=".ffx-studio-", suffix=".part")
        except OSError as exc:
            raise InputError(f"cannot write {quote(name)}: {exc.strerror}") from None
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(part, mode)
            os.replace(part, target)
        except BaseException as exc:
            os.unlink(part)
            if isinstance(exc, OSError):
                raise InputError(f"cannot write {quote(name)}: {exc.strerror}") from None
            raise
        return target

    def pictures_outside(self, pattern: str) -> str | None:
        """Why an image pattern would make FFmpeg read outside the folder, or None when every picture it
        matches lies inside (its symlinks followed)."""
        if any(char in pattern for char in "{}\\"):
            # FFmpeg's image2 globs with GLOB_BRACE: '{a,/elsewhere/b}*.png' names files Python's glob never lists
            return f"{quote(pattern)}: braces and backslashes are not read in an image pattern in the studio"
        if not self.contains(_fixed_part(pattern)):
            return f"{quote(pattern)} is outside the folder"
        try:
            files, _ = picture_files(os.path.join(self.root, pattern))
        except InputError:
            return None  # not a pattern FFmpeg is given at all: the compiler says why
        for file in files:
            if not self.contains(file):
                return (f"{quote(pattern)} matches {quote(os.path.relpath(file, self.root))}, "
                        "which leads outside the folder")
        return None

    def reads_outside(self, recipe: Recipe) -> list[Problem]:
        """What ``recipe`` would make FFmpeg read from outside the folder, or open live, each at its line."""
        problems = []

        def refuse(path: tuple, field: str, message: str) -> None:
            file, line, column = recipe.location(path)
            problems.append(Problem(message, field=field, file=file, line=line, column=column,
                                    hint="the studio reads files under its folder only"))

        for name, item in recipe.named_inputs().items():
            where = ("inputs", name) if recipe.inputs is not None else ("input",)
            field = f"inputs.{name}" if recipe.inputs is not None else "input"
            if item.live:
                refuse(where, field, "live sources (devices, stream URLs) are not opened by the studio")
            elif item.path is not None and not self.contains(item.path):
                refuse(where + ("path",), field, f"{quote(item.path)} is outside the folder")
            elif item.images is not None:
                message = self.pictures_outside(item.images)
                if message:
                    refuse(where + ("images",), field, message)
        for index, step in enumerate(recipe.steps):
            files = [(name, getattr(step, name)) for name in step.file_fields]
            font = getattr(step, "font", None)
            if isinstance(font, str) and font != "sans" and (font.lower().endswith(FONT_SUFFIXES) or os.sep in font):
                files.append(("font", font))
            for field_name, value in files:
                if isinstance(value, str) and not self.contains(value):
                    refuse(("steps", index, step.effect, field_name), f"steps[{index}].{step.effect}.{field_name}",
                           f"{quote(value)} is outside the folder")
        return problems


def _fixed_part(pattern: str) -> str:
    """The folder an image pattern (``shots/*.jpg``, ``frames/%04d.png``) reads from: up to its first wildcard.

    >>> _fixed_part("a/b/*.jpg"), _fixed_part("frames/%04d.png"), _fixed_part("x.png")
    ('a/b', 'frames', '')
    """
    cut = re.search(r"[*?\[%]", pattern)
    return os.path.dirname(pattern[:cut.start()] if cut else pattern)
