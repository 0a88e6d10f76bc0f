"""Small named checks of who may do what with a need. Views, the API and services call these."""

from __future__ import annotations

from typing import Any

from cuutro.accounts.selectors import area_in_scope
from cuutro.audit.selectors import audit_actor_ids
from cuutro.geo.models import Area
from cuutro.needs.models import Need


def can_manage_needs_in(*, user: Any, area: Area) -> bool:
    """Create and edit needs in ``area``: officers whose scope covers it."""
    return area_in_scope(user=user, area=area)


# Whoever shaped a need's content cannot be the one who vouches for it.
AUTHOR_ACTIONS = {"needs.need.created", "needs.need.edited", "needs.need.submitted", "needs.need.photos_added"}


def need_author_ids(*, need: Need) -> set[int]:
    return {need.created_by_id, *audit_actor_ids(target=need, actions=AUTHOR_ACTIONS)}


def can_verify(*, user: Any, need: Need) -> bool:
    """Verify or reject: an officer in scope who neither recorded, edited nor submitted the need
    (four-eyes rule: otherwise one person could rewrite a colleague's need and publish it)."""
    return area_in_scope(user=user, area=need.area) and user.pk not in need_author_ids(need=need)
