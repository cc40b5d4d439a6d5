"""Sphinx configuration: MyST Markdown pages, API reference from the docstrings (autodoc).

Build with ``make docs`` or ``sphinx-build -W --keep-going -b html docs docs/_build/html``;
``tests/docs/test_docs_build.py`` builds it the same way, warnings as errors.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# autodoc imports the provider, which imports Airflow: keep Airflow away from ~/airflow, in a
# folder made only when none is given (the tests give theirs) and removed when the build ends.
if "AIRFLOW_HOME" not in os.environ:
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="wolkvox-docs-airflow-home-")
    atexit.register(shutil.rmtree, os.environ["AIRFLOW_HOME"], ignore_errors=True)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

from airflow_provider_wolkvox import __version__  # noqa: E402

project = "airflow-provider-wolkvox"
author = "airflow-provider-wolkvox developers"
copyright = "2026, airflow-provider-wolkvox developers"
version = release = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_default_options = {"show-inheritance": True, "member-order": "bysource", "undoc-members": True}
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented_params"
autodoc_class_signature = "separated"
autodoc_preserve_defaults = True
autodoc_inherit_docstrings = False  # not BaseOperator's text on our methods

html_theme = "alabaster"
html_title = f"{project} {release}"
html_theme_options = {"description": "Apache Airflow 3 provider for the Wolkvox Reports Manager API"}
