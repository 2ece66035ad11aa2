"""The layering README's Design section states, checked over every import in graphsync/ (those made only for
type checking, or inside a function, count too: a dependency is a dependency).

Each package may import only the packages `ALLOWED` lists for it, which point one way (a DAG, checked); and no
module imports, directly or through others, a module that imports it back.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "graphsync"

FOUNDATION = {"errors", "text", "fastjson", "frozen", "logs", "schedule", "serving", "version", "timezones", "mapi"}
"""Modules of the top package every package may use: the exception tree, text and JSON helpers, the frozen
values' faster __init__, logging, the schedule's interval parsing, the loopback server helper, the package's
version, time zone names (Windows and IANA) and Outlook's entry ids (MAPI): plain values, no I/O."""

ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "text": set(),
    "fastjson": set(),
    "frozen": set(),
    "logs": {"errors"},
    "schedule": {"errors"},
    "serving": {"errors"},
    "version": set(),
    "timezones": set(),
    "mapi": set(),
    # The config is read first and knows nothing of what it configures.
    "config": {"errors"},
    # Field maps and conversions: pure functions of values (no NAV, no Graph, no I/O).
    "mapping": {"config", "errors", "text", "timezones"},
    # The protocols the engine talks to, and their values.
    "connectors": {"errors", "frozen"},
    # The engine decides and does through the protocols only: never Graph, NAV or sign-in.
    "engine": {"config", "connectors", "mapping"} | FOUNDATION,
    # The connectors themselves, each given its settings by the runtime, never reading the config.
    "graph": {"connectors"} | FOUNDATION,
    "nav": {"connectors"} | FOUNDATION,
    "auth": {"config", "connectors"} | FOUNDATION,
    # The test doubles served over HTTP: the Graph sandbox, and NAV's OData pages over the embedded company.
    "sandbox": FOUNDATION,
    "navservice": {"connectors", "nav"} | FOUNDATION,
    # The one-shot migrations (from NAV's add-in, adoption, rollback, the tenant report): pure decisions and
    # their actions over the connector protocols and the engine's state store, like the engine itself.
    "migrate": {"config", "connectors", "engine", "mapping"} | FOUNDATION,
    # The one composition root: config in, connected parts and runs out. A config naming the sandbox's data file
    # has it served in-process, as the Graph it names (`graphsync.runtime.sandbox`).
    "runtime": {"auth", "config", "connectors", "engine", "graph", "mapping", "migrate", "nav", "sandbox"} | FOUNDATION,
    # Above the runtime: what people run. The CLI also serves the doubles (`graphsync sandbox`, `graphsync
    # nav`), signs in (`graphsync login`) and runs the demo.
    "demo": {"runtime", "config", "connectors", "sandbox", "nav", "auth"} | FOUNDATION,
    # Celery's tasks, worker and beat (tenant-wide runs on a cluster): each task a run wired by the runtime.
    "distributed": {"runtime", "config", "auth", "connectors"} | FOUNDATION,
    "cli": {"runtime", "config", "connectors", "demo", "distributed", "auth", "nav", "sandbox"} | FOUNDATION,
    "__main__": {"cli"},
}

PENDING: dict[tuple[str, str], str] = {}
"""Known imports against the layering, each with the issue that removes it."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in ROOT.rglob("*.py")}


def _imports(name: str, path: Path) -> Iterator[str]:
    """Every graphsync module ``name`` imports, anywhere in it."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("graphsync"):
                    yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            if not source.startswith("graphsync"):
                continue
            for alias in node.names:
                yield f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source


def _graph() -> dict[str, set[str]]:
    return {name: {m for m in _imports(name, path) if m in MODULES and m != name} for name, path in MODULES.items()}


def _package(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "version"  # graphsync/__init__.py: the version
    return parts[1]


def test_every_package_is_placed() -> None:
    assert {_package(m) for m in MODULES} <= set(ALLOWED)


def test_the_allowed_directions_form_no_circle() -> None:
    done: set[str] = set()

    def visit(package: str, path: tuple[str, ...]) -> None:
        assert package not in path, " -> ".join((*path, package))
        if package in done:
            return
        for below in ALLOWED[package]:
            visit(below, (*path, package))
        done.add(package)

    for package in ALLOWED:
        visit(package, ())


def test_no_import_against_the_layering() -> None:
    wrong = []
    for module, imported in _graph().items():
        for target in imported:
            a, b = _package(module), _package(target)
            if a != b and b not in ALLOWED[a] and (a, b) not in PENDING:
                wrong.append(f"{module} imports {target} ({a} may import {', '.join(sorted(ALLOWED[a])) or 'nothing'})")
    assert not wrong, "\n".join(sorted(wrong))


SCRIPTS = ROOT.parent / "scripts"
SCRIPTS_MAY_IMPORT = {"cli", "runtime", "config"} | FOUNDATION
"""scripts/ are thin layers as the CLI is: options parsed by `graphsync.cli.scripting`, the work done by
`graphsync.runtime` (which hands on the values they print)."""


def test_scripts_go_through_the_runtime() -> None:
    wrong = []
    scripts = sorted(SCRIPTS.glob("*.py"))
    assert scripts
    for path in scripts:
        for target in _imports(f"scripts.{path.stem}", path):
            if target != "graphsync" and _package(target) not in SCRIPTS_MAY_IMPORT:
                wrong.append(f"scripts/{path.name} imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_circle() -> None:
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def strong(v: str) -> None:  # Tarjan's strongly connected components, iteratively deep enough here
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    assert not circles, "\n".join(" <-> ".join(c) for c in circles)


def test_the_checks_see_what_they_check() -> None:
    """The import reader finds the imports these checks rely on (a reader finding nothing passes everything)."""
    graph = _graph()
    assert "graphsync.connectors.nav" in graph["graphsync.engine.read"]
    assert "graphsync.engine.state" in graph["graphsync.runtime.wiring"]  # a package's __init__
    assert "graphsync.nav.schema" in graph["graphsync.nav.demo"]  # ``from graphsync.nav import schema``
    assert "graphsync.errors" in graph["graphsync.config.reader"]
