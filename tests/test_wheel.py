"""The built wheel, installed into a fresh virtualenv, runs from an empty folder: specs and data ship inside it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contracts.providers import names

ROOT = Path(__file__).parents[1]
# What a wheel is built from: the package, the specs its data folder links to, and the project metadata.
SOURCES = ("contracts", "specs", "pyproject.toml", "README.md")

# One build and one venv serve every test here: the group keeps them on one xdist worker (`--dist loadgroup`).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wheel")]


def _copy_sources(into: Path) -> Path:
    """A clean copy of the project, so building never writes `build/` or `*.egg-info` into the checkout."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(source, into / name)
    return into


PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `pip wheel` builds from a copy of the project."""
    base = tmp_path_factory.mktemp("wheel")
    source, dist = _copy_sources(base / "source"), base / "dist"
    subprocess.run([*PIP, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(source)], check=True)
    [built] = dist.glob("cancel_contracts-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtualenv holding only the wheel; its dependencies come from the project's environment."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--clear", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([*PIP, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)], check=True)
    # Only now (so pip never sees the project's own editable install) lend the venv the installed dependencies.
    purelib = Path(sysconfig.get_paths(vars={"base": str(venv), "platbase": str(venv)})["purelib"])
    (purelib / "zz_project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    yield venv


def _run(venv: Path, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(venv / "bin" / "contracts"), *args], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_wheel_ships_every_spec_and_data_file(wheel: Path) -> None:
    shipped = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"contracts/data/specs/{provider}/openapi.yaml" for provider in names()} | {
        "contracts/fakes/catalogue.yaml",
        "contracts/data/drift.schema.json",
        "contracts/data/severity.yaml",
        "contracts/py.typed",
    }
    assert expected - shipped == set()


def test_the_installed_wheel_runs_a_check_from_an_empty_folder(installed: Path, tmp_path: Path) -> None:
    where = _run(installed, tmp_path, "--help")
    assert where.returncode == 0, where.stderr
    done = _run(installed, tmp_path, "check", "--provider", "mka1", "--max-examples", "2", "--seed", "1")
    assert (done.returncode, done.stderr) == (0, "")
    spec = installed / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    assert f"mka1 spec {spec / 'contracts' / 'data' / 'specs' / 'mka1' / 'openapi.yaml'}: 3 operations" in done.stdout
    report = json.loads((tmp_path / "reports" / "drift.json").read_text())
    assert [(p["provider"], p["status"], p["drift"]) for p in report["providers"]] == [("mka1", "ok", [])]


def test_the_installed_wheel_lists_the_drift_catalogue_from_an_empty_folder(installed: Path, tmp_path: Path) -> None:
    done = _run(installed, tmp_path, "mock", "--list-drift")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].split() == ["NAME", "PROVIDERS", "KIND", "OPERATION", "STATUS", "LOCATION",
                                                   "DESCRIPTION"]  # fmt: skip
    assert "cancel-status-canceled" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import contracts; print(contracts.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(done.stdout.strip()).is_relative_to(installed)


def test_the_installed_wheel_and_the_checkout_send_the_same_requests_for_one_seed(
    installed: Path, tmp_path: Path
) -> None:
    """A repro `--seed` from a nightly that pip-installed the tool replays on a developer's checkout."""
    args = [
        "check",
        "--provider",
        "mka1",
        "--seed",
        "11",
        "--max-examples",
        "8",
        "--drift",
        "cancel-missing-total-tokens",
    ]

    def comparable(folder: Path) -> list[Any]:
        report = json.loads((folder / "reports" / "drift.json").read_text())
        fields = ("requests", "creates", "checks", "observed", "coverage")
        return [[p[name] for name in fields] + [[d["fingerprint"] for d in p["drift"]]] for p in report["providers"]]

    (tmp_path / "wheel").mkdir()
    (tmp_path / "checkout").mkdir()
    from_wheel = _run(installed, tmp_path / "wheel", *args)
    checkout = subprocess.run(
        [sys.executable, "-m", "contracts.cli", *args], cwd=tmp_path / "checkout", capture_output=True, text=True
    )
    assert (from_wheel.returncode, checkout.returncode) == (1, 1), from_wheel.stderr + checkout.stderr
    assert comparable(tmp_path / "wheel") == comparable(tmp_path / "checkout")


def test_pytest_in_an_empty_folder_runs_the_installed_contract_suite(installed: Path, tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    command = [str(installed / "bin" / "python"), "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:schemathesis"]
    done = subprocess.run(
        [*command, "--provider", "openai", "--target", "mock", "--seed", "3", "--max-examples", "2"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "contracts: providers=openai target=mock seed=3" in done.stdout
    assert f"rootdir: {tmp_path}" in done.stdout
    assert "collected 14 items" in done.stdout
    assert "openai: PASS | target=mock requests=" in done.stdout
    assert "14 passed" in done.stdout


def test_a_check_ignores_the_pytest_configuration_of_the_project_its_venv_sits_in(
    installed: Path, tmp_path: Path
) -> None:
    """A project's `.venv` sits below its pytest configuration; `contracts check` runs its own suite, not theirs."""
    project = installed / "pyproject.toml"  # the first configuration above the installed package
    project.write_text('[tool.pytest.ini_options]\naddopts = ["-k", "nothing_matches", "--strict-markers"]\n')
    try:
        done = _run(installed, tmp_path, "check", "--provider", "mka1", "--max-examples", "2", "--seed", "1")
    finally:
        project.unlink()
    assert (done.returncode, done.stderr) == (0, "")
    assert "14 passed" in done.stdout
