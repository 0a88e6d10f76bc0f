from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from cuutro.audit.models import AuditEvent
from cuutro.audit.services import target_label


def audit_history(*, target: models.Model) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(target_type=target_label(target), target_id=str(target.pk))
        .select_related("actor")
        .order_by("at", "pk")
    )
