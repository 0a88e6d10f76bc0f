"""Small named checks of who may do what with a relief delegation."""

from __future__ import annotations

from typing import Any

from cuutro.accounts.selectors import area_in_scope, is_commune_officer_for, is_member_of
from cuutro.delegations.models import Delegation, Stop
from cuutro.geo.models import Area, AreaLevel


def can_act_for_delegation(*, user: Any, delegation: Delegation) -> bool:
    """Withdraw, accept a suggestion, hand over, finish: members of the delegation's organisation."""
    return getattr(user, "is_authenticated", False) and is_member_of(user=user, organisation_id=delegation.organisation_id)


def can_route_in(*, user: Any, area: Area) -> bool:
    """Assign or suggest a stop in ``area``: officials whose scope covers the commune (its own
    officers for their commune, the province committee for any commune of the province)."""
    return area.level == AreaLevel.COMMUNE and area_in_scope(user=user, area=area)


def delegation_communes(delegation: Delegation) -> list[Area]:
    """The communes a delegation concerns: those it prefers and those on its route."""
    found = {a.pk: a for a in delegation.preferred_communes.all()}
    found.update({s.commune_id: s.commune for s in delegation.stops.all()})
    return list(found.values())


def can_route(*, user: Any, delegation: Delegation) -> bool:
    """Officials who may answer this delegation: one of its communes lies in their scope."""
    return any(can_route_in(user=user, area=a) for a in delegation_communes(delegation))


def can_view_delegation(*, user: Any, delegation: Delegation) -> bool:
    """The private page (leader's phone, route, QR codes): the delegation and the officials concerned."""
    return can_act_for_delegation(user=user, delegation=delegation) or can_route(user=user, delegation=delegation)


def can_check_in(*, user: Any, stop: Stop) -> bool:
    """Record the arrival: a commune officer of the stop's commune, on the ground."""
    return is_commune_officer_for(user=user, area=stop.commune)
