"""The few exceptions ffx raises.

Every error a user can cause is an :class:`FfxError`; the CLI prints those as
``location: message`` lines without a traceback. Each class also derives from
the builtin that best describes it, so ``except ValueError`` keeps working for
callers who do not know about ffx.
"""

from __future__ import annotations

from dataclasses import dataclass

SHOWN_CHARS = 200  # of a value quoted in a message
MESSAGE_CHARS = 1000  # of one problem's line
SHOWN_PROBLEMS = 50  # listed by one error; the rest are counted


def shorten(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis: a message that quotes a
    10 MB value is still one readable line.

    >>> shorten("x" * 300)[-5:], len(shorten("x" * 300))
    ('xxxx…', 200)
    """
    return text if len(text) <= limit else text[:limit - 1] + "…"


def quote(value: object, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)`` for a message, cut to ``limit`` (a long string is cut before ``repr`` sees it).

    >>> quote("abc"), quote("y" * 1_000_000)[-3:], quote(10**5000)
    ("'abc'", 'yy…', '<an int of 16,610 bits>')
    """
    if isinstance(value, (str, bytes)) and len(value) > limit:
        value = value[:limit]
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # an int past Python's 4,300 digits; a list nested past the stack
        text = (f"<an int of {value.bit_length():,} bits>" if isinstance(value, int)
                else f"<a {type(value).__name__} nested too deep to show>")
    return shorten(text, limit)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a recipe, located as precisely as ffx can."""

    message: str
    field: str = ""  # dotted path such as ``steps[2].trim.end``
    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    hint: str = ""

    def location(self) -> str:
        parts = []
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            parts.append(where)
        if self.field:
            parts.append(self.field)
        return " ".join(parts)

    def __str__(self) -> str:
        location = self.location()
        text = f"{location}: {self.message}" if location else self.message
        if self.hint:
            text += f" ({self.hint})"
        return shorten(text, MESSAGE_CHARS)


class FfxError(Exception):
    """Base of every error ffx reports to its user."""


class FfxWarning(UserWarning):
    """A plan works, but not as the recipe may expect (an input cut short, a one-frame video).

    ``compile_recipe`` issues one per line of ``plan.notes``; the command line prints them.
    """


class RecipeError(FfxError, ValueError):
    """The recipe is invalid: each problem names its line, field and a hint."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = Problem(problems)
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        lines = [str(p) for p in self.problems[:SHOWN_PROBLEMS]]
        if len(self.problems) > SHOWN_PROBLEMS:
            lines.append(f"... and {len(self.problems) - SHOWN_PROBLEMS} more problems")
        super().__init__("\n".join(lines))


class UsageError(FfxError, TypeError):
    """A Python caller passed an argument of the wrong kind (``progress="yes"``, ``load_recipe(123)``)."""


class InputError(FfxError, OSError):
    """A media file is missing, unreadable, or not media at all; or an output would clobber one."""


class CapabilityError(FfxError, RuntimeError):
    """The FFmpeg binary in use lacks something the recipe needs, or cannot be found."""


class RenderError(FfxError, RuntimeError):
    """FFmpeg refused or failed the job.

    Carries the command, its exit code and the last lines FFmpeg wrote, and the
    recipe step that produced the failing filter when that can be told.
    """

    def __init__(
        self,
        message: str,
        *,
        command: list[str] | None = None,
        returncode: int | None = None,
        stderr_tail: str = "",
        step: str | None = None,
    ):
        self.command = command or []
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        self.step = step
        text = message
        if step:
            text = f"{step}: {text}"
        if stderr_tail:
            text += "\nFFmpeg said:\n" + stderr_tail.rstrip()
        super().__init__(text)
