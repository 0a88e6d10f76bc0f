from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cuutro.accounts.selectors import is_officer


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"is_officer": bool(user and is_officer(user=user)), "source_url": settings.SOURCE_URL}
