"""Reads of the area tree."""

from __future__ import annotations

from django.db.models import QuerySet

from cuutro.geo.models import Area, AreaLevel


def area_get(*, code: str) -> Area | None:
    return Area.objects.filter(code=code).first()


def area_children(*, parent: Area | None, include_history: bool = False) -> QuerySet[Area]:
    qs = Area.objects.filter(parent=parent) if parent else Area.objects.filter(parent__isnull=True)
    if not include_history:
        qs = qs.filter(valid_to__isnull=True)
    return qs.order_by("name")


def provinces() -> QuerySet[Area]:
    return Area.objects.filter(level=AreaLevel.PROVINCE, valid_to__isnull=True).order_by("name")


def communes_in(*, area: Area) -> QuerySet[Area]:
    return Area.objects.filter(
        level=AreaLevel.COMMUNE, valid_to__isnull=True, path__startswith=area.path
    ).order_by("name")


def villages_of(*, communes: list[Area]) -> QuerySet[Area]:
    return (
        Area.objects.filter(level=AreaLevel.VILLAGE, parent__in=communes, valid_to__isnull=True)
        .select_related("parent")
        .order_by("parent__name", "name")
    )
