from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from cuutro.accounts.models import ApiToken, Organisation, RoleAssignment, User
from cuutro.audit.admin import ReadOnlyAdmin


class RoleAssignmentInline(admin.TabularInline):
    """Shown for reference only: roles change through `manage.py assign_role`, which records who and why."""

    model = RoleAssignment
    extra = 0
    can_delete = False
    fields = readonly_fields = ("role", "area", "organisation", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [RoleAssignmentInline]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Cuutro", {"fields": ("full_name",)}))
    list_display = ["username", "full_name", "email", "is_active"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a user would drop their roles with no audit record: deactivate instead.
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    search_fields = ["name"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    fields = readonly_fields = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")

    # Tokens are created with `manage.py create_token` (so the secret is shown once) and revoked with
    # `manage.py revoke_token` (so the revocation is audited); an editable `revoked_at` could silently
    # bring a revoked token back to life.
