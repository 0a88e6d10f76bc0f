"""Writes: users, role assignments, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cuutro.accounts.models import AREA_ROLES, ApiToken, Organisation, Role, RoleAssignment, User
from cuutro.audit.services import audit_record
from cuutro.geo.models import Area, AreaLevel

TOKEN_PREFIX = "cuu_"  # noqa: S105 (a public marker, not a secret)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# The area level each official role must be scoped to: a commune officer placed on a province
# would otherwise hold province-wide powers.
ROLE_AREA_LEVEL: dict[Role, AreaLevel] = {
    Role.PROVINCE_ADMIN: AreaLevel.PROVINCE,
    Role.PROVINCE_COMMITTEE: AreaLevel.PROVINCE,
    Role.COMMUNE_OFFICER: AreaLevel.COMMUNE,
}


def _role_scope_check(*, role: Role, area: Area | None, organisation: Organisation | None) -> None:
    """Raise ValidationError unless ``area`` and ``organisation`` are exactly what ``role`` takes."""
    if role in AREA_ROLES:
        level = ROLE_AREA_LEVEL[role]
        if area is None:
            raise ValidationError(
                _("The role “%(role)s” needs an area of level “%(level)s”."),
                code="area_required",
                params={"role": role.label, "level": level.label},
            )
        if area.valid_to is not None:
            raise ValidationError(
                _("“%(area)s” no longer exists as an administrative unit; choose a current one."),
                code="area_not_current",
                params={"area": area.name},
            )
        if area.level != level:
            raise ValidationError(
                _("The role “%(role)s” needs an area of level “%(level)s”, but “%(area)s” is of level “%(area_level)s”."),
                code="area_wrong_level",
                params={"role": role.label, "level": level.label, "area": area.name, "area_level": area.get_level_display()},
            )
    elif area is not None:
        raise ValidationError(_("The role “%(role)s” does not take an area."), code="area_not_allowed", params={"role": role.label})
    if role == Role.ORG_MEMBER and organisation is None:
        raise ValidationError(_("An organisation member needs an organisation."), code="organisation_required")
    if role != Role.ORG_MEMBER and organisation is not None:
        raise ValidationError(
            _("The role “%(role)s” does not take an organisation."), code="organisation_not_allowed", params={"role": role.label}
        )


def _role_data(assignment: RoleAssignment) -> dict[str, Any]:
    return {
        "role": Role(assignment.role).value,
        "area": assignment.area.code if assignment.area else None,
        "organisation": assignment.organisation.name if assignment.organisation else None,
    }


@transaction.atomic
def role_assign(
    *,
    actor: Any,
    user: User,
    role: Role | str,
    area: Area | None = None,
    organisation: Organisation | None = None,
    reason: str = "",
) -> RoleAssignment:
    """Give ``user`` a role; assigning a role already held changes nothing and records nothing."""
    role = Role(role)
    _role_scope_check(role=role, area=area, organisation=organisation)
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, area=area, organisation=organisation)
    if not created:
        return assignment
    audit_record(actor=actor, action="accounts.role.assigned", target=user, reason=reason, data=_role_data(assignment))
    return assignment


@transaction.atomic
def role_revoke(*, actor: Any, assignment: RoleAssignment, reason: str) -> None:
    """Take a role away. Revoking one that is already gone changes nothing and records nothing."""
    # Lock the row so that two concurrent revocations record one audit event, not two. `of=("self",)`
    # because PostgreSQL cannot lock the nullable side of the outer joins to area and organisation.
    locked = (
        RoleAssignment.objects.select_for_update(of=("self",)).select_related("area", "organisation").filter(pk=assignment.pk).first()
    )
    if locked is None:
        return
    data = _role_data(locked)
    locked.delete()
    audit_record(actor=actor, action="accounts.role.revoked", target=assignment.user, reason=reason, data=data)


@transaction.atomic
def token_create(*, user: User, name: str = "", actor: Any = None) -> tuple[ApiToken, str]:
    """Create a token; returns it with the secret, which is not stored and cannot be shown again."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=secret[: len(TOKEN_PREFIX) + 6], key_hash=_hash(secret))
    audit_record(actor=actor, action="accounts.token.created", target=user, data={"token": token.prefix})
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: Any = None, reason: str = "") -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="accounts.token.revoked", target=token.user, reason=reason, data={"token": token.prefix})
    return token


def token_authenticate(*, secret: str) -> User | None:
    """The active user behind a bearer secret, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(secret), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Bump last use at most once a minute: a busy client must not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
