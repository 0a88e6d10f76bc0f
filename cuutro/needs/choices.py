"""Choices and constants of the needs domain, importable by the edges (API, portal) without
touching the models module, which also holds the private beneficiary table."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import get_language, npgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cuutro.lib.formats import group_thousands


class Unit(models.TextChoices):
    VND = "vnd", pgettext_lazy("unit", "VND")
    KG = "kg", pgettext_lazy("unit", "kg")
    LITRE = "litre", pgettext_lazy("unit", "litre")
    SHEET = "sheet", pgettext_lazy("unit", "sheet")
    PIECE = "piece", pgettext_lazy("unit", "piece")
    HEAD = "head", pgettext_lazy("unit", "head")
    SET = "set", pgettext_lazy("unit", "set")
    BOX = "box", pgettext_lazy("unit", "box")
    BAG = "bag", pgettext_lazy("unit", "bag")
    SEEDLING = "seedling", pgettext_lazy("unit", "seedling")


# One literal call per unit, so makemessages extracts every singular/plural pair. They have a
# context of their own ("unit count"): sharing "unit" with the choice labels above would merge
# singular and plural into one catalogue entry, and the choice labels would go untranslated.
_UNIT_PLURALS: dict[str, Callable[[int], str]] = {
    Unit.VND: lambda n: npgettext("unit count", "VND", "VND", n),
    Unit.KG: lambda n: npgettext("unit count", "kg", "kg", n),
    Unit.LITRE: lambda n: npgettext("unit count", "litre", "litres", n),
    Unit.SHEET: lambda n: npgettext("unit count", "sheet", "sheets", n),
    Unit.PIECE: lambda n: npgettext("unit count", "piece", "pieces", n),
    Unit.HEAD: lambda n: npgettext("unit count", "head", "head", n),
    Unit.SET: lambda n: npgettext("unit count", "set", "sets", n),
    Unit.BOX: lambda n: npgettext("unit count", "box", "boxes", n),
    Unit.BAG: lambda n: npgettext("unit count", "bag", "bags", n),
    Unit.SEEDLING: lambda n: npgettext("unit count", "seedling", "seedlings", n),
}


def unit_label(unit: str, quantity: Decimal | int | str) -> str:
    """The unit's name agreeing with the quantity: "1 sheet", "42 sheets" ("42 tấm" in Vietnamese)."""
    plural = _UNIT_PLURALS.get(unit)
    if plural is None:
        return unit
    amount = Decimal(quantity)
    # gettext plural formulas take whole numbers; a fraction (1.5 litres) reads like a plural.
    return plural(int(amount) if amount == amount.to_integral_value() else 2)


def quantity_text(quantity: Decimal | int | str, unit: str) -> str:
    """ "1.500.000 VND", "42 tấm" in Vietnamese; "1,500,000 VND", "42 sheets" in English."""
    separator = "," if (get_language() or "vi").startswith("en") else "."
    return f"{group_thousands(Decimal(quantity), sep=separator)} {unit_label(unit, quantity)}"


class NeedKind(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    COMMUNITY = "community", _("Community")
    INSTITUTION = "institution", _("Institution (school, clinic…)")


# Prefix of the public code, by kind: HGĐ hộ gia đình, CĐ cộng đồng, CS cơ sở.
CODE_PREFIX = {NeedKind.HOUSEHOLD: "HGĐ", NeedKind.COMMUNITY: "CĐ", NeedKind.INSTITUTION: "CS"}


class Urgency(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


URGENCY_RANK = {Urgency.LOW: 1, Urgency.MEDIUM: 2, Urgency.HIGH: 3, Urgency.CRITICAL: 4}


class NeedStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting verification")
    VERIFIED = "verified", _("Verified – open")
    REJECTED = "rejected", _("Returned for correction")
    CANCELLED = "cancelled", _("Cancelled")
    # Set by pledges, never by hand: see services.need_coverage_sync.
    PARTIALLY_PLEDGED = "partially_pledged", _("Partly pledged")
    FULLY_PLEDGED = "fully_pledged", _("Fully pledged")
    DELIVERED = "delivered", _("Delivered")
    CLOSED = "closed", _("Closed – received")


# Statuses the public may see, in the order a need goes through them.
PUBLIC_STATUSES = [
    NeedStatus.VERIFIED,
    NeedStatus.PARTIALLY_PLEDGED,
    NeedStatus.FULLY_PLEDGED,
    NeedStatus.DELIVERED,
    NeedStatus.CLOSED,
]
# Statuses in which donors may still pledge (something remains to cover).
OPEN_STATUSES = [NeedStatus.VERIFIED, NeedStatus.PARTIALLY_PLEDGED]
# "open" in a public status filter stands for OPEN_STATUSES.
OPEN_FILTER = "open"


class DamageLevel(models.TextChoices):
    """The worst damage to the home (or the school, clinic… of an institution), from the
    commune's check on the ground. Public: the description says as much."""

    NONE = "none", _("No damage to the house or building")
    MINOR = "minor", _("Slightly damaged: still safe to use")
    MAJOR = "major", _("Badly damaged: unsafe until repaired")
    DESTROYED = "destroyed", _("Collapsed or swept away")


# A household's vulnerabilities (fields of the private Beneficiary). Personal and sensitive, so
# never published one by one: the public sees only "vulnerable household" and its points.
VULNERABILITY_FLAGS: dict[str, Any] = {
    "poor_household": _("Poor household"),
    "near_poor_household": _("Near-poor household"),
    "elderly_alone": _("Elderly person living alone"),
    "disability": _("Person with a disability"),
    "young_children": _("Child under 6 years old"),
    "pregnant": _("Pregnant woman"),
}


class PublicSort(models.TextChoices):
    """Orders of the public need search; the first is the default."""

    PRIORITY = "priority", _("Priority: most in need first")
    URGENCY = "urgency", _("Urgency")
    NEWEST = "newest", _("Newest first")


class OfficerSort(models.TextChoices):
    """Orders of the officers' list of needs; the first is the default."""

    UPDATED = "updated", _("Last change")
    PRIORITY = "priority", _("Priority")
