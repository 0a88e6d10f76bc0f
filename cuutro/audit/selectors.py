from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from cuutro.audit.models import AuditEvent
from cuutro.audit.services import target_label


def audit_actor_ids(*, target: models.Model, actions: set[str]) -> set[int]:
    """Everyone who recorded one of ``actions`` on ``target``."""
    return set(
        AuditEvent.objects.filter(
            target_type=target_label(target), target_id=str(target.pk), action__in=actions, actor__isnull=False
        ).values_list("actor_id", flat=True)
    )


def audit_history(*, target: models.Model) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(target_type=target_label(target), target_id=str(target.pk))
        .select_related("actor")
        .order_by("at", "pk")
    )
