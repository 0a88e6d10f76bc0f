from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from cuutro.audit.models import AuditEvent

register = template.Library()

ACTION_LABELS = {
    "needs.need.created": _("recorded the need (draft)"),
    "needs.need.edited": _("edited the need"),
    "needs.need.submitted": _("sent it for verification"),
    "needs.need.verified": _("verified and published it"),
    "needs.need.rejected": _("returned it for correction"),
    "needs.need.cancelled": _("cancelled it"),
    "needs.need.photos_added": _("added evidence photos"),
}


@register.filter
def event_label(event: AuditEvent) -> str:
    return str(ACTION_LABELS.get(event.action, event.action))
