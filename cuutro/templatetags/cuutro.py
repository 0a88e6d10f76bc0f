from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import get_language

from cuutro.lib.formats import group_thousands
from cuutro.needs.choices import quantity_text

register = template.Library()


@register.filter
def qty(value: Decimal | int | None) -> str:
    """1500000 -> 1.500.000 in Vietnamese, 1,500,000 in English; decimals only when present."""
    if value is None or value == "":
        return ""
    sep = "," if (get_language() or "vi").startswith("en") else "."
    return group_thousands(Decimal(value), sep=sep)


@register.filter
def with_unit(value: Decimal | int | None, unit: str) -> str:
    """``{{ item.remaining|with_unit:item.unit }}``: "42 sheets" in English, "42 tấm" in Vietnamese."""
    if value is None or value == "":
        return ""
    return quantity_text(value, unit)


@register.filter
def get_item(mapping: dict, key: str):  # type: ignore[no-untyped-def, type-arg]
    return mapping.get(key) if mapping else None
