"""Choices and constants of the needs domain, importable by the edges (API, portal) without
touching the models module, which also holds the private beneficiary table."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import npgettext, pgettext_lazy


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


# Statuses the public may see. Later issues add partially/fully pledged, delivered and closed.
PUBLIC_STATUSES = [NeedStatus.VERIFIED]
