"""Writes: users, role assignments, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from cuutro.accounts.models import AREA_ROLES, ApiToken, Organisation, Role, RoleAssignment, User
from cuutro.audit.services import audit_record
from cuutro.geo.models import Area

TOKEN_PREFIX = "cuu_"  # noqa: S105 (a public marker, not a secret)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def role_assign(
    *, actor: Any, user: User, role: Role | str, area: Area | None = None, organisation: Organisation | None = None
) -> RoleAssignment:
    role = Role(role)
    if role in AREA_ROLES and area is None:
        raise ValueError(f"role {role} needs an area")
    if role == Role.ORG_MEMBER and organisation is None:
        raise ValueError("an organisation member needs an organisation")
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, area=area, organisation=organisation)
    if not created:
        return assignment
    audit_record(
        actor=actor,
        action="accounts.role.assigned",
        target=user,
        data={"role": role.value, "area": area.code if area else None, "organisation": organisation.name if organisation else None},
    )
    return assignment


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
