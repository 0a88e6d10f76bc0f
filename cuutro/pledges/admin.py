"""Pledges in the admin: to look, never to touch.

A pledge changes only through ``pledges.services`` (the need's row lock keeps the items' counters
in step, and every step is audited); an edit here would bypass both, so these admins are
read-only like the audit log.
"""

from django.contrib import admin

from cuutro.audit.admin import ReadOnlyAdmin
from cuutro.pledges.models import Confirmation, HandoverRequest, Pledge


@admin.register(Pledge)
class PledgeAdmin(ReadOnlyAdmin):
    list_display = ["code", "need", "need_item", "quantity", "status", "public_name", "donor", "expected_on", "created_at"]
    list_filter = ["status", "show_as"]
    search_fields = ["code", "need__code", "donor__username", "organisation__name"]
    list_select_related = ["need", "need_item__item", "donor"]
    # Not editable on the model, so the view-only form would leave them out unless listed.
    readonly_fields = ["code", "public_name", "created_at", "updated_at"]
    exclude = ["code_key"]


@admin.register(Confirmation)
class ConfirmationAdmin(ReadOnlyAdmin):
    list_display = ["pledge", "confirmed_by", "evidence_kind", "confirmed_at"]
    list_filter = ["evidence_kind"]
    search_fields = ["pledge__code", "confirmed_by__username"]
    list_select_related = ["pledge", "confirmed_by"]
    readonly_fields = ["confirmed_at"]
    # The photo may show the household: it is served only by pledges:evidence (officers over the
    # need's area), never as a plain media link from here.
    exclude = ["evidence"]


@admin.register(HandoverRequest)
class HandoverRequestAdmin(ReadOnlyAdmin):
    list_display = ["pledge", "requested_by", "organisation", "status", "created_at", "expires_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["pledge__code", "requested_by__username", "organisation__name"]
    list_select_related = ["pledge", "requested_by", "organisation"]
    readonly_fields = ["created_at"]
