"""Delegations in the admin: to look at, never to touch (they change only through ``services``,
which check scope and record who, when and why)."""

from django.contrib import admin

from cuutro.audit.admin import ReadOnlyAdmin
from cuutro.delegations.models import Delegation, Stop


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyAdmin):
    list_display = ["code", "organisation", "status", "starts_on", "ends_on", "people", "vehicles", "created_at"]
    list_filter = ["status"]
    search_fields = ["code", "organisation__name", "origin"]
    list_select_related = ["organisation"]


@admin.register(Stop)
class StopAdmin(ReadOnlyAdmin):
    list_display = ["code", "delegation", "commune", "on_date", "status", "checked_in_by", "checked_in_at"]
    list_filter = ["status"]
    search_fields = ["code", "delegation__code", "commune__name"]
    list_select_related = ["delegation", "commune", "checked_in_by"]
    exclude = ["token"]  # the QR secret: printed for the delegation, not shown here
