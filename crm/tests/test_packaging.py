"""A built wheel holds every app of the monolith, with its templates and static files."""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from setuptools import find_packages

ROOT = Path(settings.BASE_DIR)


def test_every_app_of_the_project_is_packaged():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packaged = set(find_packages(where=str(ROOT), include=config["packages"]["find"]["include"]))
    ours = {
        app.name
        for app in apps.get_app_configs()
        if Path(app.path).resolve().is_relative_to(ROOT.resolve())
        and "site-packages" not in Path(app.path).parts
    }

    assert ours
    assert ours <= packaged, f"not packaged: {sorted(ours - packaged)}"
    assert "templates/**/*" in config["package-data"]["*"]
