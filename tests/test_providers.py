"""Provider profiles: one registry, vendor knowledge only in its profile, and one clear line for an unknown name."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from contracts.cli import main
from contracts.errors import ConfigError
from contracts.providers import get, names, parse, profiles

PACKAGE = Path(__file__).parents[1] / "contracts"
VENDORS = PACKAGE / "providers" / "vendors"


def strings(path: Path) -> list[tuple[int, str]]:
    """Every string literal of a module except docstrings, with its line."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_the_registry_finds_every_vendor_module_and_nothing_else() -> None:
    modules = sorted(p.stem for p in VENDORS.glob("*.py") if p.stem != "__init__")
    assert names() == tuple(modules)
    assert [profile.name for profile in profiles().values()] == modules


def test_no_provider_name_appears_in_a_string_outside_its_profile() -> None:
    pattern = re.compile(r"\b(" + "|".join(names()) + r")\b|\b(" + "|".join(n.upper() for n in names()) + r")_")
    found = [
        f"{path.relative_to(PACKAGE)}:{line}: {text!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.parent != VENDORS
        for line, text in strings(path)
        if pattern.search(text)
    ]
    assert found == []


def test_an_unknown_provider_is_one_line_naming_the_registered_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        get("nosuch")
    assert str(caught.value) == f"error: unknown provider 'nosuch'; use one of: {', '.join(names())}"
    with pytest.raises(ConfigError) as listed:
        parse("mka1,nosuch")
    assert str(listed.value) == f"error: unknown provider 'nosuch'; use one of: all, {', '.join(names())}"


def test_all_means_every_registered_provider() -> None:
    assert parse("all") == parse(None) == names()


def test_contracts_check_with_an_unknown_provider_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--provider", "nosuch"]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == (
        "",
        f"error: unknown provider 'nosuch'; use one of: all, {', '.join(names())}\n",
    )


@pytest.mark.parametrize("name", names())
def test_every_profile_describes_its_vendor_completely(name: str) -> None:
    profile = get(name)
    assert profile.base_url.startswith("https://")
    assert profile.key_env in profile.env and profile.base_url_env in profile.env
    assert re.fullmatch(r"#[0-9a-f]{6}", profile.colour)
    assert profile.prefix.startswith("/") and profile.prefix.endswith("/responses")
    assert profile.unknown_id(-5) != profile.unknown_id(2**200)
    if profile.id_pattern is not None:
        assert profile.id_pattern.match(profile.unknown_id(2**200))
