"""Rows of the permission matrix, a module per part of the product beyond the core and the
customer base (which are in ``tests/test_permission_matrix.py`` itself).

Each module here has::

    ROWS = {route name: (method, path, [status per role in ROLES order])}

    def records(base: dict) -> dict:
        # base: the fixtures' people ("head", "manager", "manager2", ...) and the records the
        # core rows use ("contact", "company" as objects under "contact_obj", "company_obj");
        # returns the placeholders its paths use ({"deal": 12, ...}).

and is found by ``parts()``; a new part of the product adds a module, not lines to a shared
table.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def parts() -> list[ModuleType]:
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
    ]
