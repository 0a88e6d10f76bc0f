"""System checks that refuse dangerous production configurations.

They run on every management command and at server start; ``manage.py check --deploy`` adds
Django's own deployment checks on top.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=False)
def check_production_settings(app_configs: Any = None, **kwargs: Any) -> list[Error | Warning]:
    from cuutro.settings import DEFAULT_SECRET_KEY

    problems: list[Error | Warning] = []
    if settings.DEBUG:
        return problems
    if settings.SECRET_KEY == DEFAULT_SECRET_KEY or len(settings.SECRET_KEY) < 40:
        problems.append(
            Error(
                "SECRET_KEY is the development default or too short while DEBUG is off.",
                hint="Set SECRET_KEY to a random value of at least 50 characters.",
                id="cuutro.E001",
            )
        )
    if "*" in settings.ALLOWED_HOSTS or not settings.ALLOWED_HOSTS:
        problems.append(
            Error(
                "ALLOWED_HOSTS is empty or a wildcard while DEBUG is off.",
                hint="List the portal's real host names, comma-separated.",
                id="cuutro.E002",
            )
        )
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        problems.append(
            Warning(
                "Production is running on the embedded SQLite database.",
                hint="Point DATABASE_URL at PostgreSQL for a public deployment.",
                id="cuutro.W001",
            )
        )
    if not settings.MAP_TILE_URL.startswith(("https://", "/")):
        problems.append(
            Error(
                "MAP_TILE_URL must be an https:// URL or a path on this site.",
                hint="Browsers block plain-http tiles on an https page.",
                id="cuutro.E003",
            )
        )
    if "127.0.0.1" in settings.SITE_URL or "localhost" in settings.SITE_URL:
        problems.append(
            Warning(
                "SITE_URL points at this machine while DEBUG is off.",
                hint="Set SITE_URL to the portal's public address: links in e-mails are built from it.",
                id="cuutro.W002",
            )
        )
    return problems


@register(Tags.security, Tags.database)
def check_no_demo_logins_in_production(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[Error]:
    """The demo accounts share the password "demo"; they must never reach a public server.

    Database checks run with ``manage.py check --database default`` and before ``migrate``.
    """
    if settings.DEBUG or not databases:
        return []
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError

    try:
        demo_users = get_user_model().objects.filter(username__startswith="demo-", is_active=True).exists()
    except DatabaseError:  # not migrated yet
        return []
    if not demo_users:
        return []
    return [
        Error(
            "Demo accounts (password 'demo') exist while DEBUG is off.",
            hint="Deactivate or delete every user whose name starts with 'demo-'.",
            id="cuutro.E004",
        )
    ]
