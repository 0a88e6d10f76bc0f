"""Choices and constants of the needs domain, importable by the edges (API, portal) without
touching the models module, which also holds the private beneficiary table."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
