"""The package keeps its layout: no import circle, and no import up a layer.

Every import of the package is read with ``ast``: at module level, inside functions and under
``if TYPE_CHECKING:`` alike, since each ties two modules the same way. The layers are the table
``docs/layers.toml``, which ``docs/architecture.md`` shows.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "airflow_provider_wolkvox"
LAYERS_FILE = ROOT / "docs" / "layers.toml"


def read_layers(path: Path = LAYERS_FILE) -> list[list[str]]:
    layers: list[list[str]] = tomllib.loads(path.read_text(encoding="utf-8"))["layers"]
    return layers


def modules_of(package: Path) -> dict[str, Path]:
    """Every module of ``package``, by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """The package's modules that ``name`` imports anywhere in its file, with the line of each."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's own package upward
                here = name.split(".") if is_package else name.split(".")[:-1]
                here = here[: len(here) - (node.level - 1)]
                base = ".".join([*here, base] if base else here)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                if target in modules:
                    yield target, node.lineno  # from a package import a module of it
                elif base in modules:
                    yield base, node.lineno


def room_of(module: str) -> str:
    """``pkg.sql.load`` is in room ``sql``, ``pkg.plugin`` in ``plugin``, ``pkg`` in ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every group of modules that import each other in a loop (Tarjan's strongly connected
    components of more than one module, or one that imports itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def problems(package: Path, layers: Sequence[Sequence[str]]) -> list[str]:
    """What breaks the layout of ``package``: circles, imports up or across a layer, and modules in
    no room of the table. Empty when it holds."""
    modules = modules_of(package)
    layer_of = {room: at for at, rooms in enumerate(layers) for room in rooms}
    found = []
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        room = room_of(name)
        if room not in layer_of:
            found.append(f"{name}: room {room!r} is on no layer; add it to the table of layers")
        for target, line in imports_of(name, path, modules):
            graph[name].add(target)
            other = room_of(target)
            if other == room or room not in layer_of or other not in layer_of:
                continue
            if layer_of[other] >= layer_of[room]:
                where = "beside it on its layer" if layer_of[other] == layer_of[room] else "a layer above"
                found.append(
                    f"{path.relative_to(package.parent)}:{line}: {name} imports {target}, {where} "
                    f"({room} is on layer {layer_of[room]}, {other} on {layer_of[other]})"
                )
    found += [f"import circle: {' -> '.join(group)}" for group in circles(graph)]
    return found


def test_the_package_has_no_import_circle_and_no_import_up_a_layer() -> None:
    assert problems(PACKAGE, read_layers()) == []


def test_every_room_of_the_package_is_on_one_layer() -> None:
    rooms = [room for layer in read_layers() for room in layer]
    assert len(rooms) == len(set(rooms)), "a room is on two layers"
    on_disk = {room_of(name) for name in modules_of(PACKAGE)}
    assert on_disk == set(rooms), (sorted(on_disk - set(rooms)), sorted(set(rooms) - on_disk))


def test_at_most_eight_modules_at_the_package_root() -> None:
    assert len(list(PACKAGE.glob("*.py"))) <= 8


SYNTHETIC_LAYERS = [["__init__", "low"], ["high"]]


def make_package(root: Path, files: dict[str, str]) -> Path:
    """A package ``pkg`` under ``root`` with ``files`` (path inside it -> source)."""
    package = root / "pkg"
    for relative, source in {
        "__init__.py": "",
        "low/__init__.py": "",
        "high/__init__.py": "",
        **files,
    }.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return package


def test_a_synthetic_package_that_keeps_the_layers_passes(tmp_path: Path) -> None:
    package = make_package(
        tmp_path,
        {
            "low/a.py": "import os\n",
            "low/b.py": "from pkg.low import a\nfrom pkg.low.a import os\n",
            "high/c.py": "from pkg.low.b import a\nfrom . import d\n",
            "high/d.py": "import pkg.low.a\n",
        },
    )
    assert problems(package, SYNTHETIC_LAYERS) == []


UPWARD = {
    "at module level": ("from pkg.high import c\n", 1),
    "inside a function": ("def f():\n    import pkg.high.c\n", 2),
    "under TYPE_CHECKING": (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.high.c import C\n",
        3,
    ),
    "named from its package": ("from pkg.high import C, c\n", 1),
}


@pytest.mark.parametrize(("source", "line"), UPWARD.values(), ids=UPWARD.keys())
def test_the_guard_fails_on_an_upward_import(tmp_path: Path, source: str, line: int) -> None:
    package = make_package(tmp_path, {"low/a.py": source, "high/c.py": "class C: ...\n"})
    assert (
        f"pkg/low/a.py:{line}: pkg.low.a imports pkg.high.c, a layer above (low is on layer 0, high on 1)"
        in problems(package, SYNTHETIC_LAYERS)
    )


CIRCLES = {
    "inside a room": (
        {"low/a.py": "from pkg.low import b\n", "low/b.py": "def f():\n    from pkg.low import a\n"},
        "import circle: pkg.low.a -> pkg.low.b",
    ),
    "a module importing itself (relative)": (
        {"high/c.py": "from ..high import c\n"},
        "import circle: pkg.high.c",
    ),
}


@pytest.mark.parametrize(("files", "circle"), CIRCLES.values(), ids=CIRCLES.keys())
def test_the_guard_fails_on_an_import_circle(tmp_path: Path, files: dict[str, str], circle: str) -> None:
    assert circle in problems(make_package(tmp_path, files), SYNTHETIC_LAYERS)


def test_the_guard_fails_on_a_room_on_no_layer(tmp_path: Path) -> None:
    assert problems(make_package(tmp_path, {"side/e.py": ""}), SYNTHETIC_LAYERS) == [
        "pkg.side.e: room 'side' is on no layer; add it to the table of layers"
    ]


def test_the_guard_fails_on_an_import_across_a_layer(tmp_path: Path) -> None:
    layers = [["__init__"], ["low", "high"]]
    package = make_package(tmp_path, {"low/a.py": "", "high/c.py": "import pkg.low.a\n"})
    assert problems(package, layers) == [
        "pkg/high/c.py:1: pkg.high.c imports pkg.low.a, beside it on its layer (high is on layer 1, low on 1)"
    ]


def test_the_guard_fails_on_the_old_circle_of_fetch_hook_and_metrics(tmp_path: Path) -> None:
    """The first of the circles this layout broke, rebuilt: the hook sending the quota gauges
    through observability again."""
    layers = [["__init__"], ["client"], ["hooks"], ["fetching"], ["observability"]]
    package = make_package(
        tmp_path,
        {
            "client/__init__.py": "",
            "hooks/__init__.py": "",
            "fetching/__init__.py": "",
            "observability/__init__.py": "",
            "hooks/wolkvox.py": "def get_token_info():\n    from pkg.observability import metrics\n",
            "fetching/interval.py": "from pkg.hooks.wolkvox import get_token_info\n",
            "observability/figures.py": "from pkg.fetching.interval import get_token_info\n",
            "observability/metrics.py": "from pkg.observability.figures import get_token_info\n",
        },
    )
    found = problems(package, layers)
    assert (
        "import circle: pkg.fetching.interval -> pkg.hooks.wolkvox -> pkg.observability.figures -> "
        "pkg.observability.metrics"
    ) in found
    assert any("pkg.hooks.wolkvox imports pkg.observability.metrics, a layer above" in p for p in found)
