from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from cuutro.audit.models import AuditEvent
from cuutro.needs.choices import NeedStatus

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


# Pledges move a published need on by themselves; the reason of the event is the pledge's code.
COVERAGE_LABEL = _("pledges moved it to “%(status)s”")


@register.filter
def event_label(event: AuditEvent) -> str:
    if event.action == "needs.need.coverage_changed":
        status = (event.data or {}).get("to", "")
        label = NeedStatus(status).label if status in NeedStatus.values else status
        return str(COVERAGE_LABEL) % {"status": label}
    return str(ACTION_LABELS.get(event.action, event.action))
