"""The one way to write to the audit log; call it inside the service's own transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from cuutro.audit.models import AuditEvent


def target_label(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def audit_record(
    *, actor: Any, action: str, target: models.Model, reason: str = "", data: dict[str, Any] | None = None
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target_label(target),
        target_id=str(target.pk),
        reason=reason,
        data=data or {},
    )
