"""Every Python snippet in docs/ and the README parses, and passes ruff's Airflow (AIR) rules.

A reader copies these into DAG files: a snippet that is not Python, or a DAG without a
``schedule`` (which Airflow 3 reads as no schedule at all, where 2.x ran it daily), teaches the
mistake. ruff runs as a separate program on each snippet, as a user's editor would.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PAGES = sorted([*(ROOT / "docs").rglob("*.md"), ROOT / "README.md"])
FENCE = re.compile(r"^```(?:python|py)[ \t]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
RUFF = Path(sys.executable).parent / "ruff"
AIR_CHECK = ("check", "--isolated", "--select", "AIR", "--output-format", "concise", "--stdin-filename")


def snippets() -> list[pytest.ParameterSet]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            where = f"{page.relative_to(ROOT)}:{line}"
            found.append(pytest.param(match.group(1), id=where))
    return found


SNIPPETS = snippets()


def test_the_docs_have_python_snippets() -> None:
    assert len(SNIPPETS) >= 15  # a changed fence (```Python) must not empty the check


@pytest.mark.parametrize("code", SNIPPETS)
def test_snippet_parses(code: str) -> None:
    ast.parse(code)


@pytest.mark.parametrize("code", SNIPPETS)
def test_snippet_passes_ruffs_airflow_rules(code: str) -> None:
    result = subprocess.run(
        [str(RUFF), *AIR_CHECK, "snippet.py", "-"],
        input=code,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
