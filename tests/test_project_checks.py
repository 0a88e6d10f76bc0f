"""Project-level promises: configuration is refused when dangerous, migrations match the models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

REPO = Path(__file__).resolve().parent.parent


def run_check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "MAP_TILE_URL", "SITE_URL"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=REPO, env={**clean, **env}, capture_output=True, text=True, timeout=60, check=False,
    )


def test_production_refuses_the_default_secret_key_and_open_hosts() -> None:
    result = run_check({"DEBUG": "false", "ALLOWED_HOSTS": "*"})
    assert result.returncode != 0
    assert "cuutro.E001" in result.stderr
    assert "cuutro.E002" in result.stderr


def test_production_with_real_settings_passes_the_checks() -> None:
    result = run_check(
        {"DEBUG": "false", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "cuutro.example.vn"}
    )
    assert result.returncode == 0, result.stderr
    assert "cuutro.E00" not in result.stderr


def test_a_plain_http_tile_server_is_refused_in_production() -> None:
    result = run_check(
        {"DEBUG": "false", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "a.vn", "MAP_TILE_URL": "http://tiles.example/{z}/{x}/{y}.png"}
    )
    assert "cuutro.E003" in result.stderr


def test_a_local_site_url_is_flagged_in_production() -> None:
    production = {"DEBUG": "false", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "a.vn"}
    assert "cuutro.W002" in run_check(production).stderr
    assert "cuutro.W002" not in run_check({**production, "SITE_URL": "https://cuutro.quangtri.gov.vn"}).stderr


def test_a_typo_in_a_boolean_setting_stops_the_start() -> None:
    result = run_check({"DEBUG": "flase"})
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


@pytest.mark.django_db
def test_the_migrations_match_the_models() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_demo_logins_are_refused_on_a_production_server(settings: Any) -> None:
    from cuutro.accounts.models import User
    from cuutro.checks import check_no_demo_logins_in_production

    settings.DEBUG = False
    assert check_no_demo_logins_in_production(databases=["default"]) == []
    User.objects.create_user("demo-officer", password="demo")
    assert [e.id for e in check_no_demo_logins_in_production(databases=["default"])] == ["cuutro.E004"]
