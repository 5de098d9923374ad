"""Every user-facing string has its Russian and Kazakh translation: the catalogues are made again
from the code (Django's makemessages, in a copy of the project) and none of their messages may be
left untranslated or fuzzy. A string added without its translations shows in English on a Russian
or Kazakh page; this finds it however it was added (a model's verbose name, a template, a service)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP = shutil.ignore_patterns(".venv", ".git", ".quickstart", "node_modules", "__pycache__", "docs", "bench", "tests", "*.mo")


@pytest.mark.skipif(shutil.which("xgettext") is None or shutil.which("msgattrib") is None, reason="gettext tools missing")
def test_every_message_is_translated_into_russian_and_kazakh(tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=SKIP)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ru", "-l", "kk", "--no-obsolete", "--no-location", "-v", "0"],
        cwd=copy, check=True, capture_output=True,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "x" * 50, "DJANGO_SETTINGS_MODULE": "config.settings.test",
             "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused"},
    )
    missing = {}
    for language in ("ru", "kk"):
        catalogue = copy / "locale" / language / "LC_MESSAGES" / "django.po"
        untranslated = subprocess.run(["msgattrib", "--untranslated", "--no-wrap", str(catalogue)],
                                      check=True, capture_output=True, text=True).stdout
        fuzzy = subprocess.run(["msgattrib", "--only-fuzzy", "--no-wrap", str(catalogue)],
                               check=True, capture_output=True, text=True).stdout
        found = [line for line in (untranslated + fuzzy).splitlines() if line.startswith("msgid ") and line != 'msgid ""']
        if found:
            missing[language] = sorted(set(found))
    assert not missing, f"messages without a translation (add them to locale/<lang>/LC_MESSAGES/django.po): {missing}"
