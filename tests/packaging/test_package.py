"""Release checks: build the sdist and wheel, check them, install the wheel into a fresh venv.

The fresh virtual environment gets only the wheel and its dependencies, pinned by
``constraints.txt`` (``uv pip install -c``, fast from uv's cache), and then shows
what a user sees: ``airflow providers list``, ``airflow providers hooks`` and
``airflow wolkvox --help`` run from it, with a throwaway AIRFLOW_HOME.
"""

from __future__ import annotations

import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from airflow_provider_wolkvox import __version__

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "airflow_provider_wolkvox"
DIST_NAME = "airflow-provider-wolkvox"
BIN = Path(sys.executable).parent
JUNK = re.compile(
    r"(^|/)(__pycache__|\.pytest_cache|\.mypy_cache|\.ruff_cache|\.venv|\.git|test-output|_build)(/|$)|\.py[co]$"
)


def _uv() -> str:
    uv = BIN / "uv"
    found = str(uv) if uv.exists() else shutil.which("uv")
    if not found:
        pytest.fail("uv is missing: `make venv` installs it into .venv")
    return found


def _run(cmd: list[str], *, timeout: float = 300, **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, (
        f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    """``uv build``: the sdist, then the wheel built from that sdist (so the sdist is complete)."""
    out = tmp_path_factory.mktemp("dist")
    _run([_uv(), "build", "--quiet", "--out-dir", str(out), str(ROOT)], cwd=ROOT)
    [sdist] = out.glob("*.tar.gz")
    [wheel] = out.glob("*.whl")
    return Dists(sdist, wheel)


def test_file_names_carry_the_version(dists: Dists) -> None:
    assert dists.sdist.name == f"{PACKAGE}-{__version__}.tar.gz"
    assert dists.wheel.name == f"{PACKAGE}-{__version__}-py3-none-any.whl"


def test_twine_check_passes(dists: Dists) -> None:
    result = _run([sys.executable, "-m", "twine", "check", "--strict", str(dists.sdist), str(dists.wheel)])
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_wheel_holds_the_package_and_nothing_else(dists: Dists) -> None:
    names = zipfile.ZipFile(dists.wheel).namelist()
    dist_info = f"{PACKAGE}-{__version__}.dist-info"
    assert {name.split("/")[0] for name in names} == {PACKAGE, dist_info}
    for required in (
        f"{PACKAGE}/__init__.py",
        f"{PACKAGE}/py.typed",
        f"{PACKAGE}/get_provider_info.py",
        f"{PACKAGE}/hooks/wolkvox.py",
        f"{PACKAGE}/testing/emulator.py",
        f"{PACKAGE}/testing/emulator_data.py",
        f"{dist_info}/licenses/LICENSE",
        f"{dist_info}/entry_points.txt",
    ):
        assert required in names, required
    assert not [name for name in names if JUNK.search(name)]
    # Every module of the source tree ships.
    sources = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / PACKAGE).rglob("*")
        if path.is_file() and not JUNK.search(path.relative_to(ROOT).as_posix())
    }
    assert sources <= set(names), sorted(sources - set(names))


def test_wheel_metadata(dists: Dists) -> None:
    wheel = zipfile.ZipFile(dists.wheel)
    dist_info = f"{PACKAGE}-{__version__}.dist-info"
    meta = email.parser.Parser().parsestr(wheel.read(f"{dist_info}/METADATA").decode())
    assert meta["Name"] == DIST_NAME
    assert meta["Version"] == __version__
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta["Requires-Python"]
    requires = meta.get_all("Requires-Dist") or []
    assert any(r.startswith("apache-airflow>=3") for r in requires), requires
    assert {"postgres", "sqlite", "dev"} <= set(meta.get_all("Provides-Extra") or [])
    urls = dict(url.split(", ", 1) for url in meta.get_all("Project-URL") or [])
    for label in ("Homepage", "Documentation", "Changelog", "Issues"):
        assert urls.get(label, "").startswith("https://"), (label, urls)
    # The links name files that exist in this repository.
    assert urls["Changelog"].endswith("/CHANGELOG.md")
    assert (ROOT / "CHANGELOG.md").is_file()
    assert urls["Documentation"].endswith("/docs")
    assert (ROOT / "docs" / "index.md").is_file()
    entry_points = wheel.read(f"{dist_info}/entry_points.txt").decode()
    assert "[apache_airflow_provider]" in entry_points
    assert "provider_info = airflow_provider_wolkvox.get_provider_info:get_provider_info" in entry_points
    assert "wolkvox-emulator = airflow_provider_wolkvox.testing.emulator:main" in entry_points
    assert "airflow-wolkvox = airflow_provider_wolkvox.cli:main" in entry_points
    assert "[airflow.plugins]" in entry_points
    assert "wolkvox = airflow_provider_wolkvox.plugin:WolkvoxPlugin" in entry_points


def test_sdist_holds_sources_tests_and_docs_but_no_build_output(dists: Dists) -> None:
    with tarfile.open(dists.sdist) as sdist:
        prefix = f"{PACKAGE}-{__version__}/"
        names = {name.removeprefix(prefix) for name in sdist.getnames()}
    for required in (
        "PKG-INFO",
        "pyproject.toml",
        "README.md",
        "LICENSE",
        "CHANGELOG.md",
        f"{PACKAGE}/py.typed",
        f"{PACKAGE}/get_provider_info.py",
        "tests/conftest.py",
        "docs/conf.py",
        "docs/index.md",
    ):
        assert required in names, required
    assert not [name for name in names if JUNK.search(name)]


def test_version_is_defined_once() -> None:
    """``__init__.__version__`` is the only place: hatch reads it, get_provider_info imports it."""
    literal = re.compile(r"""__version__\s*=\s*["']""")
    defining = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / PACKAGE).rglob("*.py")
        if literal.search(path.read_text(encoding="utf-8"))
    ]
    assert defining == [f"{PACKAGE}/__init__.py"]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert f'path = "{PACKAGE}/__init__.py"' in pyproject


def test_changelog_top_entry_is_this_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(
        r"^## \[?(\d+\.\d+\.\d+[^\]\s]*)\]? - (\d{4}-\d{2}-\d{2})$", text, flags=re.MULTILINE
    )
    assert releases, "CHANGELOG.md has no '## [X.Y.Z] - YYYY-MM-DD' heading"
    assert releases[0][0] == __version__


@pytest.fixture(scope="module")
def fresh_venv(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A new virtual environment with only the wheel (and Airflow, through its dependencies)."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    uv = _uv()
    _run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)])
    _run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(venv / "bin" / "python"),
            "-c",
            str(ROOT / "constraints.txt"),
            str(dists.wheel),
        ],
        timeout=600,
    )
    return venv


def _clean_env(home: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AIRFLOW") and key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env.update({"AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"})
    return env


def test_installed_wheel_works_in_a_fresh_venv(fresh_venv: Path, tmp_path: Path) -> None:
    home = tmp_path / "airflow-home"
    home.mkdir()
    env = _clean_env(home)
    bin_dir = fresh_venv / "bin"
    probe = (
        "import json, airflow_provider_wolkvox as p, airflow_provider_wolkvox.testing.emulator as e;"
        "print(json.dumps({'file': p.__file__, 'version': p.__version__}))"
    )
    commands = {
        "providers list": [str(bin_dir / "airflow"), "providers", "list", "-o", "json"],
        "providers hooks": [str(bin_dir / "airflow"), "providers", "hooks", "-o", "json"],
        "wolkvox --help": [str(bin_dir / "airflow"), "wolkvox", "--help"],
        "emulator --help": [str(bin_dir / "wolkvox-emulator"), "--help"],
        "airflow-wolkvox --help": [str(bin_dir / "airflow-wolkvox"), "pools", "--help"],
        "plugins": [str(bin_dir / "airflow"), "plugins", "-o", "json"],
        "import": [str(bin_dir / "python"), "-c", probe],
    }
    # Each `airflow` call takes seconds of imports: run them side by side.
    running = {
        name: subprocess.Popen(
            cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for name, cmd in commands.items()
    }
    out: dict[str, str] = {}
    for name, process in running.items():
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, (
            f"{name} failed ({process.returncode}):\n{stdout[-3000:]}\n{stderr[-3000:]}"
        )
        out[name] = stdout

    imported = json.loads(out["import"])
    assert imported["version"] == __version__
    assert Path(imported["file"]).is_relative_to(fresh_venv), imported  # the wheel, not this checkout

    providers = {p["package_name"]: p for p in json.loads(out["providers list"])}
    assert providers[DIST_NAME]["version"] == __version__

    hooks = {h["connection_type"]: h for h in json.loads(out["providers hooks"])}
    assert hooks["wolkvox"]["class"] == "airflow_provider_wolkvox.hooks.wolkvox.WolkvoxHook"
    assert hooks["wolkvox"]["package_name"] == DIST_NAME

    assert "Wolkvox provider commands" in out["wolkvox --help"]
    assert "pools" in out["wolkvox --help"]
    assert "plan" in out["wolkvox --help"]
    assert "wolkvox-emulator" in out["emulator --help"]
    assert "sync" in out["airflow-wolkvox --help"]
    assert "list" in out["airflow-wolkvox --help"]
    [plugin] = [p for p in json.loads(out["plugins"]) if p["name"] == "wolkvox"]
    assert "airflow_provider_wolkvox.pools.missing" in str(plugin["listeners"]), plugin
