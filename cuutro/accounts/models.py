from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in. Powers come only from role assignments, never from flags here."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)

    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("Province administrator")
    PROVINCE_COMMITTEE = "province_committee", _("Province relief committee member")
    COMMUNE_OFFICER = "commune_officer", _("Commune officer")
    ORG_MEMBER = "org_member", _("Organisation member")
    DONOR = "donor", _("Individual donor")


# Roles that must name an area, and whose powers stop at that area's subtree.
AREA_ROLES = {Role.PROVINCE_ADMIN, Role.PROVINCE_COMMITTEE, Role.COMMUNE_OFFICER}


class OrganisationKind(models.TextChoices):
    DONOR_ORG = "donor_org", _("Donor organisation")
    DELEGATION = "delegation", _("Relief delegation")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("area")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="members",
        verbose_name=_("organisation"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "area", "organisation"], name="role_assignment_unique"),
            models.CheckConstraint(
                condition=~models.Q(role__in=sorted(r.value for r in AREA_ROLES)) | models.Q(area__isnull=False),
                name="role_assignment_area_roles_have_area",
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.ORG_MEMBER) | models.Q(organisation__isnull=False),
                name="role_assignment_org_member_has_org",
            ),
        ]

    def __str__(self) -> str:
        where = self.area.name if self.area_id and self.area else (self.organisation or "")
        return f"{self.user} – {self.get_role_display()} {where}".strip()


class ApiToken(models.Model):
    """A bearer token for API clients. Only its SHA-256 is stored; the secret is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set only by `token_revoke`, never through a form: clearing it would silently revive the token.
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
