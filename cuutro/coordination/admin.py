"""Coordination in the admin: notices to look at, never to touch.

Notices are posted and withdrawn only through ``coordination.services`` (scope check and audit
event); the board's lines are a summary the refresh rewrites. Neither is editable here.
"""

from django.contrib import admin

from cuutro.audit.admin import ReadOnlyAdmin
from cuutro.coordination.models import SupplyNotice


@admin.register(SupplyNotice)
class SupplyNoticeAdmin(ReadOnlyAdmin):
    list_display = ["code", "area", "category", "item", "reason", "active", "created_by", "created_at", "withdrawn_at"]
    list_filter = ["active", "reason", "category"]
    search_fields = ["code", "area__name", "message"]
    list_select_related = ["area", "category", "item", "created_by"]
    readonly_fields = ["code", "created_at"]
