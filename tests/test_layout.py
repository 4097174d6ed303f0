"""The package layout reads as the pipeline, and imports run one way: down the floors of docs/design.md.

Every import counts, at the top of a module or inside a function: an import placed in a function to
dodge a circle is still an arrow. The root package ``ffx`` (its lazy public names, ``__version__``) is
where every import starts anyway, so reading it is not an arrow.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "ffx"

# docs/design.md, "The layout": bottom floor first
FLOORS = {
    "errors": 1, "ffmpeg": 2, "syntax": 3, "media": 4, "filtergraph": 5, "effects": 6, "recipe": 7, "compile": 8,
    "run": 9, "interop": 9, "scale": 10, "view": 11, "startup": 12, "api": 13, "studio": 14, "cli": 14, "launcher": 14,
    "__main__": 15,
}
LONGEST_MODULE = 420  # lines; the generated filter table is the one exception
GENERATED = {"filtergraph/filter_table.py"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module this file imports (absolute names), with the line of the import."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from . import graph` imports a module; `from .plan import Plan` imports from one
            found += [(node.lineno, f"{target}.{alias.name}" if (ROOT.parent / f"{target}.{alias.name}".replace(".", "/")).exists()
                       or (ROOT.parent / (f"{target}.{alias.name}".replace(".", "/") + ".py")).exists() else target)
                      for alias in node.names]
    return sorted({(line, target) for line, target in found if target == "ffx" or target.startswith("ffx.")})


def _floor_of(module: str) -> tuple[str, int] | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None  # the root package
    return parts[1], FLOORS[parts[1]]


def _modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_package_has_a_floor():
    names = {p.relative_to(ROOT).parts[0].removesuffix(".py") for p in _modules()} - {"__init__"}
    assert names <= set(FLOORS), sorted(names - set(FLOORS))


def test_no_import_runs_up_a_floor():
    upward = []
    for path in _modules():
        source = _floor_of(_module_name(path))
        if source is None:
            continue
        for line, target in _imports(path):
            floor = _floor_of(target)
            if floor is not None and floor[1] > source[1]:
                upward.append(f"{path.relative_to(ROOT)}:{line} ({source[0]}, floor {source[1]}) imports {target} "
                              f"({floor[0]}, floor {floor[1]})")
    assert not upward, "\n".join(upward)


def test_packages_on_one_floor_form_no_circle():
    arrows: dict[str, set[str]] = {}
    for path in _modules():
        source = _floor_of(_module_name(path))
        for _, target in _imports(path):
            floor = _floor_of(target)
            if source and floor and floor[0] != source[0]:
                arrows.setdefault(source[0], set()).add(floor[0])
    for package, targets in arrows.items():
        for target in targets:
            assert package not in arrows.get(target, set()), f"{package} and {target} import each other"


def test_no_hand_written_module_is_long():
    long = [f"{p.relative_to(ROOT)}: {n} lines" for p in _modules()
            if str(p.relative_to(ROOT)) not in GENERATED and (n := len(p.read_text().splitlines())) > LONGEST_MODULE]
    assert not long, "\n".join(long)
