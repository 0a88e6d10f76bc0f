"""Writes to the area tree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from cuutro.geo.models import Area, AreaLevel
from cuutro.lib.public_cache import public_data_changed
from cuutro.lib.text import fold

REFORM_DATE = dt.date(2025, 7, 1)


def _path_for(*, code: str, parent: Area | None) -> str:
    return f"{parent.path if parent else ''}{code}/"


def area_upsert(
    *,
    code: str,
    name: str,
    level: str,
    parent: Area | None,
    division_type: str = "",
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> tuple[Area, bool]:
    """Create or update one area by code; returns (area, changed)."""
    values = {
        "name": name,
        "level": level,
        "parent": parent,
        "division_type": division_type,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "path": _path_for(code=code, parent=parent),
        "search_key": fold(name),
    }
    area = Area.objects.filter(code=code).first()
    if area is None:
        return Area.objects.create(code=code, **values), True
    changed = [field for field, value in values.items() if getattr(area, field) != value]
    if changed:
        for field in changed:
            setattr(area, field, values[field])
        area.save(update_fields=changed)
    return area, bool(changed)


@dataclass(frozen=True)
class AreaRow:
    code: str
    name: str
    level: str
    parent_code: str | None
    division_type: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


_SYNC_FIELDS = ["name", "level", "parent", "division_type", "valid_from", "valid_to", "path", "search_key"]


@transaction.atomic
def areas_sync(*, rows: list[AreaRow]) -> dict[str, int]:
    """Create or update many areas at once; parents must come before their children.

    Idempotent: running it again with the same rows changes nothing and reports zero.
    """
    existing = {a.code: a for a in Area.objects.all()}
    created = updated = 0
    pending: list[Area] = []
    changed: list[Area] = []

    def flush() -> None:
        # Children of this batch need their parents' primary keys, so write before going on.
        nonlocal pending, changed
        if pending:
            for area in Area.objects.bulk_create(pending, batch_size=500):
                existing[area.code] = area
        if changed:
            Area.objects.bulk_update(changed, _SYNC_FIELDS, batch_size=500)
        pending, changed = [], []

    for row in rows:
        parent = None
        if row.parent_code is not None:
            if row.parent_code not in existing or existing[row.parent_code].pk is None:
                flush()
            parent = existing[row.parent_code]
            if parent.pk is None:  # created without a returned key (old SQLite): reload
                parent = existing[row.parent_code] = Area.objects.get(code=row.parent_code)
        values = {
            "name": row.name,
            "level": row.level,
            "parent": parent,
            "division_type": row.division_type,
            "valid_from": row.valid_from,
            "valid_to": row.valid_to,
            "path": _path_for(code=row.code, parent=parent),
            "search_key": fold(row.name),
        }
        area = existing.get(row.code)
        if area is None:
            area = Area(code=row.code, **values)
            existing[row.code] = area
            pending.append(area)
            created += 1
        elif any(getattr(area, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(area, f, v)
            changed.append(area)
            updated += 1
    flush()
    if created or updated:  # bulk writes send no signals
        public_data_changed()
    return {"created": created, "updated": updated}


@transaction.atomic
def area_successors_sync(*, mapping: dict[str, list[str]]) -> dict[str, int]:
    """Make the successor links of many abolished units exactly ``mapping`` (codes to codes).

    One diff against the link table instead of one ``set()`` per unit: ten thousand old
    communes re-sync in a second, and a second run writes nothing.
    """
    ids = dict(Area.objects.filter(code__in={*mapping, *(c for cs in mapping.values() for c in cs)}).values_list("code", "pk"))
    wanted = {(ids[old], ids[new]) for old, news in mapping.items() if old in ids for new in news if new in ids}
    link = Area.successors.through
    predecessors = {pair[0] for pair in wanted} | {ids[old] for old in mapping if old in ids}
    existing = set(link.objects.filter(from_area_id__in=predecessors).values_list("from_area_id", "to_area_id"))
    stale = existing - wanted
    for from_id, to_id in stale:
        link.objects.filter(from_area_id=from_id, to_area_id=to_id).delete()
    link.objects.bulk_create([link(from_area_id=f, to_area_id=t) for f, t in wanted - existing], batch_size=1000)
    return {"added": len(wanted - existing), "removed": len(stale)}


@transaction.atomic
def village_create(*, commune: Area, code: str, name: str) -> Area:
    """A deployment may add villages (thôn/bản) under a commune."""
    if commune.level != AreaLevel.COMMUNE:
        raise ValueError("villages belong under a commune")
    area, _ = area_upsert(code=code, name=name, level=AreaLevel.VILLAGE, parent=commune, division_type="thôn")
    return area
