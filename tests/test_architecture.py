"""The package keeps to the layers ARCHITECTURE.md writes down, and to its style rules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "contracts"
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def allowed_imports() -> dict[str, set[str]]:
    """The layer table of ARCHITECTURE.md: module (top-level name) to the modules it may import."""
    table: dict[str, set[str]] = {}
    lines = (ROOT / "ARCHITECTURE.md").read_text().splitlines()
    start = lines.index("| module | may import |") + 2
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        modules, allowed = (cell.strip() for cell in line.strip("|").split("|"))
        for module in modules.split(", "):
            table[module] = {name for name in allowed.split(", ") if name != "—"}
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
def test_each_module_imports_only_its_layers(path: Path) -> None:
    table = allowed_imports()
    layer = layer_of(path)
    assert layer in table, f"{layer} is missing from the layer table in ARCHITECTURE.md"
    assert imported(path) - table[layer] - {layer} == set()


def test_the_layer_table_names_only_modules_that_exist() -> None:
    existing = {layer_of(p) for p in MODULES}
    assert set(allowed_imports()) - existing == set()


def test_only_the_pytest_glue_imports_pytest() -> None:
    users = {layer_of(p) for p in MODULES if {"pytest", "_pytest"} & {n.split(".")[0] for n in _modules(p)}}
    assert users == {"plugin", "suite", "runner"}


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
