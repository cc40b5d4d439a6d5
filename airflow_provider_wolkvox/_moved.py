"""The import paths of 0.1.0 that moved in 0.2.0 keep working until 0.3.0, with a warning.

0.2.0 put the package's flat root into folders (``docs/architecture.md``). An old module path
(``airflow_provider_wolkvox.policies``) imports the very module of the new one
(``airflow_provider_wolkvox.pools.policies``), and an old name (``VariableStore``) is the very
object of the new one; each warns (:class:`DeprecationWarning`), naming the new path.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

PACKAGE = "airflow_provider_wolkvox"
REMOVED_IN = "0.3.0"

_SAME_NAME = {
    "client": ("connection", "connection_form", "envelope", "decoding", "windows", "transport", "scrub"),
    "observability": ("figures", "metrics", "lineage", "warehouse"),
    "fetching": ("sizing",),
    "hooks": ("lookup",),
    "reports": ("stored",),
    "pools": ("policies",),
    "cli": ("plan",),
}
"""Modules that kept their file name, by the folder they moved into."""
MODULES: Mapping[str, str] = {
    **{name: f"{folder}.{name}" for folder, names in _SAME_NAME.items() for name in names},
    **{f"staging_{name}": f"staging.{name}" for name in ("writer", "files")},
    "fetch": "fetching.interval",
    "history": "fetching.density",
    "history_store": "fetching.density_store",
    "missing_pools": "pools.missing",
}
"""Old module -> new module, both under the package. ``staging`` and ``pools`` were modules and are
folders now: their old names are served by the folder (:func:`moved_names`)."""


def warn(old: str, new: str) -> None:
    """Say, at the line that used ``old``, that it goes in :data:`REMOVED_IN` and what to use."""
    warnings.warn(
        f"{old} moved to {new}; the old path goes in {REMOVED_IN}", DeprecationWarning, stacklevel=3
    )


class OldModulePaths(MetaPathFinder, Loader):
    """Finds the old module paths of :data:`MODULES` (asked only after the package's own files)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        old = fullname.removeprefix(f"{PACKAGE}.")
        return ModuleSpec(fullname, self) if old in MODULES and old != fullname else None

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        new = f"{PACKAGE}.{MODULES[spec.name.removeprefix(f'{PACKAGE}.')]}"
        warn(spec.name, new)
        return importlib.import_module(new)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing: the new module ran when it was imported."""


def install() -> None:
    """Put :class:`OldModulePaths` behind Python's own finders (once)."""
    if not any(isinstance(finder, OldModulePaths) for finder in sys.meta_path):
        sys.meta_path.append(OldModulePaths())


def moved_names(module: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that serves each old name of ``names`` (old name -> new
    ``module.path.name``) as that object, with a warning."""

    def __getattr__(name: str) -> Any:
        new = names.get(name)
        if new is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        where, _, attribute = new.rpartition(".")
        warn(f"{module}.{name}", new)
        return getattr(importlib.import_module(where), attribute)

    return __getattr__
