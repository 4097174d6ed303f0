"""A filtergraph's text read back: its filters, as FFmpeg's graph parser splits them.

FFmpeg splits a graph at ``;`` (chains) and ``,`` (filters of a chain) that are
neither backslash-escaped nor inside ``'...'`` quotes, then unescapes a filter's
options one level at a time (see ``ffx.filtergraph.graph``). Two readers use
the split: the graph picture (``ffx.view``), for commands that reach it only as argv (feeder
lanes), and the golden files, which lay a graph out one filter per line.

>>> split_filtergraph(r"[0:v:0]scale=w=2:h=2,drawtext=text=\\'a\\,b\\'[s0];[s0]hflip[s1]")
[['[0:v:0]scale=w=2:h=2', "drawtext=text=\\\\'a\\\\,b\\\\'[s0]"], ['[s0]hflip[s1]']]
>>> chains = parse_filtergraph("[0:v:0]scale=w=320:h=180[s0];[s0]drawtext=text='a\\\\:b'[s1]")
>>> [(f.name, f.options, f.inputs, f.outputs) for f in chains]
[('scale', [('w', '320'), ('h', '180')], ['0:v:0'], ['s0']), ('drawtext', [('text', 'a:b')], ['s0'], ['s1'])]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LABELS = re.compile(r"^\s*((?:\[[^\]]*\]\s*)*)(.*?)((?:\s*\[[^\]]*\])*)\s*$", re.S)


@dataclass
class ParsedFilter:
    """One filter of a filtergraph: its link labels, name and options (unescaped, as FFmpeg reads them)."""

    name: str
    options: list[tuple[str | None, str]]
    inputs: list[str]
    outputs: list[str]


def _split(text: str, separators: str) -> list[str]:
    """Split on separators that are neither backslash-escaped nor inside '...' quotes; keep escapes."""
    parts, current, quoted, i = [], [], False, 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            current.append(text[i:i + 2])
            i += 2
            continue
        if char == "'":
            quoted = not quoted
        if char in separators and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def split_filtergraph(text: str) -> list[list[str]]:
    """The graph's chains, each a list of its filters' texts exactly as written (labels, escapes and
    whitespace kept): ``";".join(",".join(chain) for chain in chains)`` is ``text`` again."""
    return [_split(chain, ",") for chain in _split(text, ";")]


def _unescape(text: str) -> str:
    """One level of FFmpeg's escaping undone: quotes removed, ``\\x`` becomes ``x``."""
    out, quoted, i = [], False, 0
    while i < len(text):
        char = text[i]
        if char == "'":
            quoted = not quoted
        elif char == "\\" and not quoted and i + 1 < len(text):
            out.append(text[i + 1])
            i += 1
        else:
            out.append(char)
        i += 1
    return "".join(out).strip() if not text.startswith("'") else "".join(out)


def _unescape_graph(text: str) -> str:
    """Level 2 undone: only backslashes go (quotes stay for level 1), as FFmpeg's graph parser does."""
    return re.sub(r"\\(.)", r"\1", text, flags=re.S)


def parse_filtergraph(text: str) -> list[ParsedFilter]:
    """The filters of a ``-filter_complex`` or ``-vf`` text in order; a ``,`` chain is linked by labels
    made up here (``_c<n>``), as FFmpeg links it implicitly."""
    filters: list[ParsedFilter] = []
    made = 0
    for chain in split_filtergraph(text):
        previous: ParsedFilter | None = None
        for part in chain:
            if not part.strip():
                continue
            match = _LABELS.match(part)
            ins = re.findall(r"\[([^\]]*)\]", match.group(1))
            body = match.group(2)
            outs = re.findall(r"\[([^\]]*)\]", match.group(3))
            if previous is not None and not previous.outputs:
                previous.outputs.append(f"_c{made}")
                ins.insert(0, f"_c{made}")
                made += 1
            name, _, arguments = _unescape_graph(body).partition("=")
            options: list[tuple[str | None, str]] = []
            if arguments:
                for item in _split(arguments, ":"):
                    key, eq, value = item.partition("=")
                    if eq and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()):
                        options.append((key.strip(), _unescape(value)))
                    else:
                        options.append((None, _unescape(item)))
            previous = ParsedFilter(name.strip(), options, ins, outs)
            filters.append(previous)
    return filters
