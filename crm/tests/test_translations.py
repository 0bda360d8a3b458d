"""The Russian catalog is complete: every string a user can see has a reviewed translation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
RU = BASE_DIR / "locale" / "ru" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")
# Not part of the project's sources: never copied into the scratch tree.
NOT_SOURCES = (".*", "venv", "var", "node_modules", "staticfiles", "__pycache__", "*.pyc")


def _problems(catalog: polib.POFile) -> list[str]:
    problems = []
    for entry in catalog:
        if entry.obsolete:
            continue
        where = f"{entry.occurrences[0][0]}:{entry.occurrences[0][1]}" if entry.occurrences else "?"
        label = f"{entry.msgid!r} ({where})"
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {label}")
        elif entry.msgid_plural:
            if not entry.msgstr_plural or not all(entry.msgstr_plural.values()):
                problems.append(f"untranslated plural: {label}")
        elif not entry.msgstr:
            problems.append(f"untranslated: {label}")
    return problems


def test_the_russian_catalog_exists():
    assert (RU / "django.po").is_file(), f"{RU / 'django.po'} is missing"


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_entry_is_translated_and_reviewed(domain):
    path = RU / f"{domain}.po"
    if domain != "django" and not path.exists():
        pytest.skip(f"no {path.name}")
    assert path.is_file(), f"{path} is missing"

    problems = _problems(polib.pofile(str(path)))

    assert not problems, f"{path.name} has {len(problems)} problems:\n" + "\n".join(problems)


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalog_matches_the_sources(domain):
    po_path, mo_path = RU / f"{domain}.po", RU / f"{domain}.mo"
    if not po_path.exists():
        pytest.skip(f"no {po_path.name}")
    assert mo_path.exists(), f"{mo_path.name} is missing: run `manage.py compilemessages`"

    compiled = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(mo_path))
    }
    stale = [
        e.msgid
        for e in polib.pofile(str(po_path)).translated_entries()
        if compiled.get((e.msgctxt, e.msgid)) != (e.msgstr or e.msgstr_plural)
    ]

    assert not stale, (
        f"{mo_path.name} is older than {po_path.name}; run `manage.py compilemessages`. "
        f"Differs for: {stale[:10]}"
    )


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="xgettext (GNU gettext) is not installed"
)
@pytest.mark.parametrize("domain", DOMAINS)
def test_no_string_in_the_code_lacks_a_translation(tmp_path, domain):
    """Extract the strings from a scratch copy of the project, exactly as makemessages would
    update the catalog, and require every one of them to be translated."""
    # given a copy of the project's sources and catalogs
    if domain != "django" and not (RU / f"{domain}.po").exists():
        pytest.skip(f"no {domain}.po")
    assert (RU / "django.po").is_file(), "the Russian catalog is missing"
    tree = tmp_path / "project"
    shutil.copytree(BASE_DIR, tree, ignore=shutil.ignore_patterns(*NOT_SOURCES), symlinks=True)

    # when makemessages brings the copied catalog up to date with the code
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.test", "PYTHONPATH": str(tree)}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ru", "-d", domain, "--no-obsolete"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr

    # then every string found in the code has a reviewed Russian translation
    problems = _problems(polib.pofile(str(tree / "locale" / "ru" / "LC_MESSAGES" / f"{domain}.po")))
    assert not problems, (
        f"strings without a Russian translation ({len(problems)}); run "
        f"`manage.py makemessages -l ru -d {domain}` and translate them:\n" + "\n".join(problems)
    )
