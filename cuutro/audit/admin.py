from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cuutro.audit.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through services (which audit them) or never change at all."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The log is evidence: nobody edits or deletes it, not even a superuser."""

    list_display = ["at", "actor", "action", "target_type", "target_id", "reason"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_id", "action", "reason"]
