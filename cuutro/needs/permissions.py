"""Small named checks of who may do what with a need. Views, the API and services call these."""

from __future__ import annotations

from typing import Any

from cuutro.accounts.selectors import area_in_scope
from cuutro.geo.models import Area
from cuutro.needs.models import Need


def can_manage_needs_in(*, user: Any, area: Area) -> bool:
    """Create and edit needs in ``area``: officers whose scope covers it."""
    return area_in_scope(user=user, area=area)


def can_see_private(*, user: Any, need: Need) -> bool:
    """See the beneficiary's personal data, evidence photos and the full history."""
    return area_in_scope(user=user, area=need.area)


def can_verify(*, user: Any, need: Need) -> bool:
    """Verify or reject: an officer in scope who is not the need's creator (four-eyes rule)."""
    return area_in_scope(user=user, area=need.area) and need.created_by_id != user.pk
