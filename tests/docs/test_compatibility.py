"""The releases README, docs and pyproject claim are the ones the Makefile's version matrix tests."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]


def matrix() -> dict[str, str]:
    """``{minor: patch}`` of every tested release: MATRIX's environments and 3.3 in the main .venv."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    patches = dict(re.findall(r"^AIRFLOW_(3\.\d+) := (3\.\d+\.\d+)$", makefile, re.MULTILINE))
    [listed] = re.findall(r"^MATRIX := (.+)$", makefile, re.MULTILINE)
    minors = listed.split()
    assert set(minors) < set(patches), "every MATRIX release needs its AIRFLOW_<release> patch"
    newest = max(patches, key=lambda v: tuple(map(int, v.split("."))))
    assert newest not in minors, "the newest release is the main .venv, not a MATRIX environment"
    for minor in minors:
        assert (ROOT / "constraints" / f"airflow-{minor}.txt").is_file(), minor
    return patches


def pin(constraints: Path) -> str:
    [version] = re.findall(r"^apache-airflow==(\S+)$", constraints.read_text(encoding="utf-8"), re.MULTILINE)
    return version


def test_each_constraints_file_pins_the_patch_the_makefile_names() -> None:
    patches = matrix()
    newest = max(patches, key=lambda v: tuple(map(int, v.split("."))))
    for minor, patch in patches.items():
        path = ROOT / ("constraints.txt" if minor == newest else f"constraints/airflow-{minor}.txt")
        assert pin(path) == patch, path


def test_compatibility_page_lists_exactly_the_tested_releases() -> None:
    page = (ROOT / "docs" / "compatibility.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (3\.\d+) \| (3\.\d+\.\d+) \|", page, re.MULTILINE))
    assert rows == matrix()


@pytest.mark.parametrize("page", ["README.md", "docs/index.md"])
def test_readme_and_docs_home_name_the_tested_releases(page: str) -> None:
    patches = matrix()
    text = " ".join((ROOT / page).read_text(encoding="utf-8").split())
    minors = sorted(patches, key=lambda v: tuple(map(int, v.split("."))))
    releases = ", ".join(minors[:-1]) + f" and {minors[-1]}"
    tested = ", ".join(patches[m] for m in minors[:-1]) + f" and {patches[minors[-1]]}"
    assert f"Supported Airflow releases: {releases}, tested at {tested}" in text


def test_managed_services_page_names_the_releases_each_path_ran_on() -> None:
    """Its "what is tested here" table: the unit rows on every patch of the matrix, the rest on the newest."""
    patches = matrix()
    newest = patches[max(patches, key=lambda v: tuple(map(int, v.split("."))))]
    page = (ROOT / "docs" / "managed-services.md").read_text(encoding="utf-8")
    section = page.split("## What is tested here", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows
    for row in rows:
        where, releases = row.split(" | ")[1:3]
        named = set(re.findall(r"3\.\d+\.\d+", releases))
        if "tests/unit/" in where:
            # `airflow wolkvox` exists from 3.2 on; the other ways into the commands everywhere
            floor = (3, 2) if row.startswith("| `airflow wolkvox") else (3, 0)
            wanted = {p for p in patches.values() if tuple(map(int, p.split(".")))[:2] >= floor}
            assert named == wanted, row
        else:
            assert named == {newest}, row


def test_pyproject_floor_is_the_oldest_tested_patch_and_python_is_what_ran() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    patches = matrix()
    oldest = min(patches.values(), key=lambda v: tuple(map(int, v.split("."))))
    assert f"apache-airflow>={oldest}" in project["dependencies"]
    pythons = [c.rsplit(" :: ", 1)[1] for c in project["classifiers"] if re.match(r".*Python :: 3\.\d+$", c)]
    running = f"{sys.version_info.major}.{sys.version_info.minor}"  # the matrix uses the same python3
    assert pythons == [running]
    assert project["requires-python"] == f">={running}"
