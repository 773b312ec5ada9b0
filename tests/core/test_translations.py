"""Every text Lernstatt shows has its German translation: a string added in English and
never translated would appear in English on a German page."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.backend_independent

# What makemessages reads: the apps' code and templates (not the tests or benchmarks).
SOURCES = ("lernstatt", "core", "imports", "inventory", "accounts", "scheduling")
SOURCES += ("stocktaking", "reports", "privacy", "portal", "demo")


def test_every_message_has_a_german_translation_and_none_is_fuzzy(tmp_path):
    base = Path(settings.BASE_DIR)
    for name in SOURCES:
        shutil.copytree(base / name, tmp_path / name, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(base / "manage.py", tmp_path)
    shutil.copytree(base / "locale", tmp_path / "locale")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "de", "--no-obsolete"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    catalogue = tmp_path / "locale/de/LC_MESSAGES/django.po"

    def messages(option: str) -> list[str]:
        found = subprocess.run(
            ["msgattrib", option, "--no-wrap", str(catalogue)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return [
            line for line in found.splitlines() if line.startswith("msgid ") and line != 'msgid ""'
        ]

    assert messages("--untranslated") == []
    assert messages("--only-fuzzy") == []
