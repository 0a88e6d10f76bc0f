from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cuutro.accounts.selectors import is_officer, province_roles
from cuutro.pledges.selectors import officer_deliveries_awaiting_count


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    officer = bool(user and is_officer(user=user))
    return {
        "is_officer": officer,
        # Province officials keep the money: funds, movements and bank statements.
        "is_province_official": bool(officer and user and province_roles(user=user)),
        "source_url": settings.SOURCE_URL,
        # A callable: the template calls it (once, cached) only on the pages that show the count.
        "deliveries_awaiting": cache(lambda: officer_deliveries_awaiting_count(user=user)) if officer else 0,
    }
