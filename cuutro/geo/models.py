from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.TextChoices):
    PROVINCE = "province", _("Province / city")
    # Only for units abolished on 1 July 2025, kept for history.
    DISTRICT = "district", _("District (before 2025)")
    COMMUNE = "commune", _("Commune / ward / special zone")
    VILLAGE = "village", _("Village / hamlet")


class Area(models.Model):
    """One administrative unit in a generic tree.

    ``path`` is the chain of codes from the root ("44/19300/") so that "this area and everything
    below it" is one indexed prefix query, which every scope check and search filter relies on.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    division_type = models.CharField(_("division type"), max_length=50, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    search_key = models.CharField(max_length=255, editable=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="predecessors", verbose_name=_("successors")
    )

    class Meta:
        ordering = ["path"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        indexes = [models.Index(fields=["level", "parent"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    def contains(self, other: Area) -> bool:
        """True when ``other`` is this area or lies below it."""
        return other.path.startswith(self.path)
