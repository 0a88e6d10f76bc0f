"""Small named checks of who may do what in coordination."""

from __future__ import annotations

from typing import Any

from cuutro.accounts.selectors import area_in_scope
from cuutro.geo.models import Area, AreaLevel


def can_manage_notices_in(*, user: Any, area: Area) -> bool:
    """Post or withdraw a commune's "please do not send more": officials whose scope covers the
    commune (its own officers, or the province's), as for the commune's needs."""
    return area.level == AreaLevel.COMMUNE and area_in_scope(user=user, area=area)
