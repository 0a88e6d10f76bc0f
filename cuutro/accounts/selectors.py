"""Reads about people and their powers. Every scope check in Cuutro goes through here."""

from __future__ import annotations

from typing import Any

from cuutro.accounts.models import AREA_ROLES, Organisation, Role, RoleAssignment
from cuutro.geo.models import Area, AreaLevel
from cuutro.geo.selectors import communes_in

_CACHE_ATTR = "_cuutro_role_assignments"


def user_role_assignments(*, user: Any) -> list[RoleAssignment]:
    """The user's role assignments, loaded once per request object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user).select_related("area", "organisation").order_by("pk"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def officer_scopes(*, user: Any) -> list[Area]:
    """Areas whose subtree this user administers as an official (province or commune)."""
    return [a.area for a in user_role_assignments(user=user) if a.role in AREA_ROLES and a.area is not None]


def is_officer(*, user: Any) -> bool:
    return bool(officer_scopes(user=user))


def area_in_scope(*, user: Any, area: Area) -> bool:
    """True when ``area`` lies in the subtree of one of the user's official roles."""
    return any(scope.contains(area) for scope in officer_scopes(user=user))


def officer_communes(*, user: Any) -> list[Area]:
    """Every current commune inside the user's official scopes, by name (for the need form)."""
    communes: dict[int, Area] = {}
    for scope in officer_scopes(user=user):
        if scope.level == AreaLevel.COMMUNE:
            communes[scope.pk] = scope
        else:
            communes.update({a.pk: a for a in communes_in(area=scope)})
    return sorted(communes.values(), key=lambda a: a.name)


def user_organisations(*, user: Any) -> list[Organisation]:
    return [a.organisation for a in user_role_assignments(user=user) if a.role == Role.ORG_MEMBER and a.organisation]


def is_commune_officer_for(*, user: Any, area: Area) -> bool:
    """True when the user is a commune officer of ``area``'s commune (confirmations on the
    ground are theirs alone, not the province's)."""
    return any(
        a.role == Role.COMMUNE_OFFICER and a.area is not None and a.area.contains(area)
        for a in user_role_assignments(user=user)
    )


def commune_officers_of(*, area: Area) -> list[Any]:
    """Active users holding a commune officer role for ``area`` (whom to tell about deliveries)."""
    assignments = RoleAssignment.objects.filter(role=Role.COMMUNE_OFFICER, area=area, user__is_active=True).select_related("user")
    return list({a.user_id: a.user for a in assignments.order_by("pk")}.values())


def relief_committee_of(*, area: Area) -> list[Any]:
    """Active members of the province relief committee over ``area`` (whom to tell about a
    relief delegation that asks to come there)."""
    assignments = RoleAssignment.objects.filter(role=Role.PROVINCE_COMMITTEE, user__is_active=True).select_related("user", "area")
    return list({a.user_id: a.user for a in assignments.order_by("pk") if a.area is not None and a.area.contains(area)}.values())


def is_member_of(*, user: Any, organisation_id: int | None) -> bool:
    return organisation_id is not None and any(o.pk == organisation_id for o in user_organisations(user=user))


def province_roles(*, user: Any) -> list[RoleAssignment]:
    """The user's province-level roles (administrator or relief committee member)."""
    return [
        a for a in user_role_assignments(user=user)
        if a.role in (Role.PROVINCE_ADMIN, Role.PROVINCE_COMMITTEE) and a.area is not None
    ]
