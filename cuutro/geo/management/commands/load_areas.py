"""Load Vietnam's official administrative units (2025 two-level structure) into the area tree.

Idempotent: a second run reports nothing created or updated. ``--with-history`` also keeps the
units abolished on 1 July 2025 (provinces, districts, communes) with links to their successors.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cuutro.geo.models import AreaLevel
from cuutro.geo.services import REFORM_DATE, AreaRow, areas_sync

LEGACY_PREFIX = "old-"  # old codes were reused after the merger (44 was Quảng Bình): keep apart


def province_code(code: int) -> str:
    return f"{code:02d}"


def ward_code(code: int) -> str:
    return f"{code:05d}"


def current_rows(only_province: str | None = None) -> list[AreaRow]:
    import vietnam_provinces as vp

    rows: list[AreaRow] = []
    for province in vp.Province.iter_all():
        pcode = province_code(int(province.code))
        if only_province and pcode != only_province:
            continue
        rows.append(
            AreaRow(
                code=pcode,
                name=province.name,
                level=AreaLevel.PROVINCE,
                parent_code=None,
                division_type=str(province.division_type.value),
                valid_from=REFORM_DATE,
            )
        )
        for ward in vp.Ward.iter_by_province(province.code):
            rows.append(
                AreaRow(
                    code=ward_code(int(ward.code)),
                    name=ward.name,
                    level=AreaLevel.COMMUNE,
                    parent_code=pcode,
                    division_type=str(ward.division_type.value),
                    valid_from=REFORM_DATE,
                )
            )
    return rows


def legacy_rows() -> tuple[list[AreaRow], dict[str, list[str]]]:
    from vietnam_provinces import _province_conversion_2025 as pconv
    from vietnam_provinces import _ward_conversion_2025 as wconv
    from vietnam_provinces import legacy

    ended = REFORM_DATE - dt.timedelta(days=1)
    rows: list[AreaRow] = []
    successors: dict[str, list[str]] = {}
    for province in legacy.Province.iter_all():
        code = LEGACY_PREFIX + province_code(int(province.code))
        rows.append(AreaRow(code, province.name, AreaLevel.PROVINCE, None, str(province.division_type.value), None, ended))
        entry = pconv.OLD_TO_NEW.get(int(province.code))
        if entry:
            successors[code] = [province_code(ref.code) for ref in entry.new_provinces]
        for district in legacy.District.iter_by_province(province.code):
            dcode = f"{LEGACY_PREFIX}d{int(district.code):03d}"
            rows.append(AreaRow(dcode, district.name, AreaLevel.DISTRICT, code, str(district.division_type.value), None, ended))
            for ward in legacy.Ward.iter_by_district(district.code):
                wcode = LEGACY_PREFIX + ward_code(int(ward.code))
                rows.append(AreaRow(wcode, ward.name, AreaLevel.COMMUNE, dcode, str(ward.division_type.value), None, ended))
                wentry = wconv.OLD_TO_NEW.get(int(ward.code))
                if wentry:
                    successors[wcode] = [ward_code(ref.code) for ref in wentry.new_wards]
    return rows, successors


class Command(BaseCommand):
    help = "Load the official administrative units (34 provinces, 3,321 communes). Safe to re-run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province", help="only this province code, e.g. 44 for Quảng Trị")
        parser.add_argument(
            "--with-history", action="store_true", help="also keep the units abolished on 1 July 2025"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from cuutro.geo.services import area_successors_sync

        result = areas_sync(rows=current_rows(options.get("province")))
        self.stdout.write(f"current units: {result['created']} created, {result['updated']} updated")
        if options["with_history"]:
            rows, successors = legacy_rows()
            result = areas_sync(rows=rows)
            links = area_successors_sync(mapping=successors)
            self.stdout.write(
                f"historical units: {result['created']} created, {result['updated']} updated; "
                f"successor links: {links['added']} added, {links['removed']} removed"
            )
