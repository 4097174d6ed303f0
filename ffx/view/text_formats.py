"""The picture as text other tools draw: Graphviz DOT and Mermaid (GitHub and many editors render it).
"""

from __future__ import annotations

import re

from .picture import Picture


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(picture: Picture) -> str:
    """Graphviz DOT text (``dot -Tsvg`` draws it where Graphviz is installed)."""
    shapes = {"input": "ellipse", "filter": "box", "output": "ellipse"}
    lines = ["digraph ffx {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']
    for number, title in enumerate(picture.clusters):
        lines.append(f"  subgraph cluster_{number} {{")
        lines.append(f"    label={_dot_quote(title)};")
        for box in picture.boxes:
            if box.cluster == number:
                label = "\\n".join(_dot_quote(line)[1:-1] for line in box.lines)
                lines.append(f'    {box.id} [shape={shapes[box.kind]}, label="{label}"];')
        lines.append("  }")
    for arrow in picture.arrows:
        label = f" [label={_dot_quote(arrow.label)}]" if arrow.label else ""
        lines.append(f"  {arrow.source} -> {arrow.target}{label};")
    lines.append("}")
    return "\n".join(lines) + "\n"


_MERMAID_SPECIAL = re.compile(r"[#\"<>&|'\[\](){}`]")


def _mermaid_text(text: str) -> str:
    """Label text for Mermaid, whose own entities are ``#<code>;``; a newline (it would end the statement)
    becomes a line break of the label.

    >>> _mermaid_text('a "b" <c> #1')
    'a #34;b#34; #60;c#62; #35;1'
    """
    escaped = _MERMAID_SPECIAL.sub(lambda m: f"#{ord(m.group())};", text)
    return escaped.replace("\r", "").replace("\n", "<br/>")


def to_mermaid(picture: Picture) -> str:
    """Mermaid flowchart text (GitHub and many editors draw it)."""
    lines = ["flowchart LR"]
    for number, title in enumerate(picture.clusters):
        lines.append(f'  subgraph cluster_{number}["{_mermaid_text(title)}"]')
        for box in picture.boxes:
            if box.cluster == number:
                label = "<br/>".join(_mermaid_text(line) for line in box.lines)
                left, right = ("([", "])") if box.kind != "filter" else ("[", "]")
                lines.append(f'    {box.id}{left}"{label}"{right}')
        lines.append("  end")
    for arrow in picture.arrows:
        label = f'|"{_mermaid_text(arrow.label)}"|' if arrow.label else ""
        lines.append(f"  {arrow.source} -->{label} {arrow.target}")
    return "\n".join(lines) + "\n"
