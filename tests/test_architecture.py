"""The package keeps to the layers ARCHITECTURE.md writes down, and to its style rules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "contracts"
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def layers() -> dict[str, int]:
    """The layer table of ARCHITECTURE.md: each module (top-level name) to its layer number."""
    table: dict[str, int] = {}
    lines = (ROOT / "ARCHITECTURE.md").read_text().splitlines()
    start = lines.index("| layer | modules | what lives there |") + 2
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        layer, modules, _ = (cell.strip() for cell in line.strip("|").split("|"))
        for module in modules.split(", "):
            table[module] = int(layer.split()[0])
    return table


def layer_of(path: Path) -> str:
    """The top-level concept a file belongs to: `fakes/core.py` is `fakes`, `drift.py` is `drift`."""
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py") if len(relative.parts) > 1 else relative.stem


def imported(path: Path) -> set[str]:
    """The `contracts` modules a file imports, as top-level names (including imports inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        for name in names:
            parts = name.split(".")
            if parts[0] == "contracts":
                found.add(parts[1] if len(parts) > 1 else "contracts")
    return found


@pytest.mark.parametrize("path", [p for p in MODULES if p.name != "__init__.py" or p.parent != PACKAGE], ids=str)
def test_each_module_imports_only_its_own_layer_and_those_below(path: Path) -> None:
    table = layers()
    layer = layer_of(path)
    assert layer in table, f"{layer} is missing from the layer table in ARCHITECTURE.md"
    above = {name for name in imported(path) if table.get(name, 99) > table[layer]}
    assert above == set(), f"{path.relative_to(ROOT)} imports from a higher layer"


def test_the_layer_table_names_every_module_once_and_only_modules_that_exist() -> None:
    existing = {layer_of(p) for p in MODULES if p != PACKAGE / "__init__.py"} | {"contracts"}
    assert set(layers()) == existing


def module_name(path: Path) -> str:
    """The dotted name of a file of the package: `contracts/checks/__init__.py` is `contracts.checks`."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Every module of the package to the package modules it imports, by full dotted name (lazy imports too)."""
    modules = {module_name(p): p for p in MODULES}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("contracts"):
                base = node.module or ""
                for alias in node.names:
                    # `from contracts.checks import passive` imports a submodule; `... import Exchange` a name.
                    found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names if alias.name.startswith("contracts"))
        graph[name] = {target for target in found if target in modules and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_of_the_package_takes_part_in_an_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_circle_of_three() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_only_the_pytest_glue_imports_pytest() -> None:
    users = {layer_of(p) for p in MODULES if {"pytest", "_pytest"} & {n.split(".")[0] for n in _modules(p)}}
    assert users == {"plugin", "suite", "runner", "consumer"}


def test_architecture_notes_stay_within_sixty_lines() -> None:
    assert len((ROOT / "ARCHITECTURE.md").read_text().splitlines()) <= 60


@pytest.mark.parametrize("path", MODULES, ids=str)
def test_every_module_postpones_annotations_and_has_a_docstring(path: Path) -> None:
    tree = ast.parse(path.read_text())
    assert ast.get_docstring(tree), f"{path} has no module docstring"
    futures = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
    assert [alias.name for n in futures for alias in n.names] == ["annotations"]


def _modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names
