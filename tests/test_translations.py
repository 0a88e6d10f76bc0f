"""Both catalogues are complete, and complete for the strings the source uses today."""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from cuutro.lib.catalogues import LOCALE_DIR, catalogue_path, untranslated

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_catalogue_entry_is_translated(language: str) -> None:
    missing = untranslated(polib.pofile(str(catalogue_path(language))))
    assert missing == [], f"{len(missing)} untranslated {language} strings, e.g. {missing[:5]}"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_catalogues_hold_every_string_the_source_uses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings) -> None:
    # Extract from a copy of the source so the real catalogues are never touched by the test.
    copy = tmp_path / "cuutro"
    shutil.copytree(
        REPO / "cuutro", copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "vendor", "migrations")
    )
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["vi", "en"], no_obsolete=True, verbosity=0)
    for language in ("vi", "en"):
        fresh = polib.pofile(str(catalogue_path(language, copy / "locale")))
        known = {(e.msgctxt, e.msgid) for e in polib.pofile(str(catalogue_path(language, LOCALE_DIR)))}
        new = sorted(e.msgid for e in fresh if (e.msgctxt, e.msgid) not in known)
        assert new == [], f"strings missing from the {language} catalogue (run `make messages`): {new[:10]}"


def test_the_portal_speaks_vietnamese_by_default_and_english_on_request(db) -> None:
    client = Client()
    vietnamese = client.get("/").content.decode()
    assert "Cổng thông tin Cứu trợ" in vietnamese
    switched = client.get("/lang/en/", {"next": "/"})
    assert switched.status_code == 302
    assert switched["Location"] == "/"
    english = client.get("/").content.decode()
    assert '<html lang="en">' in english
    assert "Find needs" in english
    assert "Cổng thông tin Cứu trợ" not in english
    translation.activate("vi")
