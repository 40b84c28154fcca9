"""Imports point one way: models ← market core ← features ← registry and the app factory.

Every module of ``market/`` and ``models/`` is read with :mod:`ast` (nothing is imported), and
every import it makes is collected: at module level, inside functions and methods, under
``if TYPE_CHECKING``, relative or absolute. A function-level import is still a dependency; it
only hides a cycle from Python, not from the reader, so it counts here.

Two graphs are checked for cycles:

* packages: ``market.<feature>`` for a subpackage, ``market.<module>`` for a top-level module
  (``market.units``, ``market.audit``…) and ``market`` for the app factory itself;
* modules: every module on its own, so that two modules of one feature do not lean on each other.

And the layers hold: ``models`` never imports ``market``, and ``market``'s core (its top-level
modules and ``market.api``) imports no feature; only the assemblers (``create_app``,
``market.registry``, the CLI and the demo data) know every feature.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOP_PACKAGES = ("market", "models")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _all_modules() -> dict[str, Path]:
    modules = {}
    for top in TOP_PACKAGES:
        for path in sorted((ROOT / top).rglob("*.py")):
            modules[_module_name(path)] = path
    return modules


MODULES = _all_modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    """The absolute name ``from <...> import`` refers to, relative dots resolved."""
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    if not _is_package(importer):
        base = base[:-1]
    if node.level > 1:
        base = base[:-(node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _ours(name: str) -> str | None:
    """The longest known module ``name`` lies in (or is), or None if it is not ours."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str) -> set[str]:
    """Our modules that ``module`` imports, anywhere in its body."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"), filename=str(MODULES[module]))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            # ``from pkg import name``: a submodule if there is one, else an attribute of pkg
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            ours = _ours(target)
            if ours is not None and ours != module:
                found.add(ours)
    return found


MODULE_GRAPH = {module: imports_of(module) for module in MODULES}

#: Packages whose inner cycles are tolerated while they are reorganised (none today). Cycles
#: between packages are never tolerated, and an entry with no cycle left fails
#: :func:`test_every_tolerated_package_still_has_its_cycle`: delete it then.
TOLERATED: set[str] = set()


def _tolerated(cycle: list[str]) -> bool:
    return any(all(node == package or node.startswith(package + ".") for node in cycle) for package in TOLERATED)


def package_of(module: str) -> str:
    """``market.orders.services`` → ``market.orders``; ``market.units`` stays; ``market`` stays."""
    parts = module.split(".")
    if parts[0] == "market":
        return ".".join(parts[:2])
    return parts[0]  # models is one package: its modules form one layer


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, targets in MODULE_GRAPH.items():
        source = package_of(module)
        graph[source]
        for target in targets:
            if package_of(target) != source:
                graph[source].add(package_of(target))
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Cycles covering every strongly connected component (Tarjan): for each member not yet on a
    reported cycle, a shortest way from it back to itself. Empty when the graph has none."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

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
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    cycles = []
    for component in sorted(components, key=min):
        covered: set[str] = set()
        for start in sorted(component):
            if start not in covered:
                cycle = _shortest_cycle(graph, component, start)
                covered.update(cycle)
                cycles.append(cycle)
    return cycles


def _shortest_cycle(graph: dict[str, set[str]], component: set[str], start: str) -> list[str]:
    """A shortest way from ``start`` back to itself inside its component (breadth first)."""
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph.get(node, ())):
                if target == start:
                    return paths[node] + [start]
                if target in component and target not in paths:
                    paths[target] = paths[node] + [target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"{start} is on no cycle of {sorted(component)}")


def _describe(graph: dict[str, set[str]], cycles: list[list[str]]) -> str:
    lines = []
    for cycle in cycles:
        lines.append(" → ".join(cycle))
        for source, target in zip(cycle, cycle[1:]):
            culprits = sorted(module for module in MODULE_GRAPH
                              if (module == source or module.startswith(source + "."))
                              and any(t == target or t.startswith(target + ".") for t in MODULE_GRAPH[module]))
            lines.append(f"    {source} → {target}: {', '.join(culprits)}")
    return "\n".join(lines)


def test_the_walk_sees_every_module_and_resolves_relative_imports():
    assert "market.orders.allocation" in MODULES and "models" in MODULES
    assert "market.units" in MODULE_GRAPH["market.weighing.slips"]
    assert "models" in MODULE_GRAPH["market.ledger.chart"]


def test_no_package_imports_itself_back_through_another():
    graph = package_graph()
    cycles = find_cycles(graph)
    assert not cycles, "import cycles between packages:\n" + _describe(graph, cycles)


def test_no_module_imports_itself_back_through_another():
    cycles = [cycle for cycle in find_cycles(MODULE_GRAPH) if not _tolerated(cycle)]
    assert not cycles, "import cycles between modules:\n" + _describe(MODULE_GRAPH, cycles)


#: the top layer, which assembles features: the app factory, its registry, the CLI and the demo data
ASSEMBLERS = {"market", "market.registry", "market.cli", "market.demo"}


def _is_feature(package: str) -> bool:
    return package.startswith("market.") and _is_package(package) and package != "market.api"


def test_the_core_imports_no_feature():
    """``market``'s own modules and ``market.api`` lie below every feature: they import none."""
    graph = package_graph()
    offenders = sorted(f"{package} → {target}" for package, targets in graph.items()
                       if package.startswith("market") and package not in ASSEMBLERS and not _is_feature(package)
                       for target in targets if _is_feature(target))
    assert not offenders, "the core imports features:\n" + "\n".join(offenders)


def test_models_never_import_market():
    offenders = sorted(f"{module} → {target}" for module, targets in MODULE_GRAPH.items()
                       if module.split(".")[0] == "models"
                       for target in targets if target.split(".")[0] == "market")
    assert not offenders, "models import market:\n" + "\n".join(offenders)


def test_the_cycle_finder_finds_a_cycle_and_names_it():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_every_tolerated_package_still_has_its_cycle():
    cycles = [cycle for cycle in find_cycles(MODULE_GRAPH) if _tolerated(cycle)]
    stale = sorted(package for package in TOLERATED
                   if not any(cycle[0] == package or cycle[0].startswith(package + ".") for cycle in cycles))
    assert not stale, f"no cycle left in {stale}: remove them from TOLERATED"
