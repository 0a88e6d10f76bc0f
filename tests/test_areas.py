"""The area tree: official units from ``load_areas``, history of the 2025 reform, villages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from cuutro.geo.models import Area, AreaLevel
from cuutro.geo.selectors import area_children, communes_in, provinces
from cuutro.geo.services import village_create

LAST_DAY_BEFORE_REFORM = dt.date(2025, 6, 30)


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_areas", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def current(db: Any) -> str:
    return load()


# ---- current units ------------------------------------------------------------------------


def test_it_loads_the_34_provinces_of_the_2025_structure(current: str) -> None:
    assert Area.objects.filter(level=AreaLevel.PROVINCE, valid_to__isnull=True).count() == 34
    assert provinces().count() == 34


def test_it_loads_the_3321_current_communes_wards_and_special_zones(current: str) -> None:
    communes = Area.objects.filter(level=AreaLevel.COMMUNE)
    assert communes.count() == 3321
    assert not communes.filter(valid_to__isnull=False).exists()
    assert not communes.filter(parent__isnull=True).exists()
    assert "current units: 3355 created, 0 updated" in current


def test_every_unit_carries_its_official_code_and_vietnamese_name(current: str) -> None:
    quang_tri = Area.objects.get(code="44")
    assert quang_tri.name == "Tỉnh Quảng Trị"
    assert quang_tri.division_type == "tỉnh"
    assert quang_tri.parent is None
    assert quang_tri.valid_from == dt.date(2025, 7, 1)

    dong_ha = Area.objects.get(code="19333")
    assert dong_ha.name == "Phường Đông Hà"
    assert dong_ha.division_type == "phường"
    assert dong_ha.level == AreaLevel.COMMUNE
    assert dong_ha.parent == quang_tri
    assert dong_ha.path == "44/19333/"
    assert dong_ha.search_key == "phuong dong ha"

    assert Area.objects.get(code="19495").name == "Xã Gio Linh"
    assert Area.objects.get(code="01").name == "Thành phố Hà Nội"
    assert Area.objects.get(code="46").name == "Thành phố Huế"


def test_province_codes_have_two_digits_and_commune_codes_five(current: str) -> None:
    codes = list(Area.objects.values_list("level", "code"))
    assert all(len(code) == 2 and code.isdigit() for level, code in codes if level == AreaLevel.PROVINCE)
    assert all(len(code) == 5 and code.isdigit() for level, code in codes if level == AreaLevel.COMMUNE)


def test_each_commune_lies_on_the_path_of_its_province(current: str) -> None:
    mismatched = [
        a.code for a in Area.objects.filter(level=AreaLevel.COMMUNE).select_related("parent") if a.path != f"{a.parent.path}{a.code}/"
    ]
    assert mismatched == []


def test_a_second_run_creates_and_updates_nothing(current: str) -> None:
    before = dict(Area.objects.values_list("code", "path"))

    output = load()

    assert "current units: 0 created, 0 updated" in output
    assert dict(Area.objects.values_list("code", "path")) == before


def test_a_second_run_repairs_a_unit_that_was_edited_by_hand(current: str) -> None:
    Area.objects.filter(code="19333").update(name="Đông Hà (sửa tay)")

    output = load()

    assert "current units: 0 created, 1 updated" in output
    assert Area.objects.get(code="19333").name == "Phường Đông Hà"


def test_it_can_load_a_single_province(db: Any) -> None:
    load("--province", "44")

    assert list(Area.objects.filter(level=AreaLevel.PROVINCE).values_list("code", flat=True)) == ["44"]
    communes = Area.objects.filter(level=AreaLevel.COMMUNE)
    assert communes.filter(code="19333").exists()
    assert not communes.exclude(path__startswith="44/").exists()
    assert not Area.objects.filter(code="46").exists()


# ---- the subtree --------------------------------------------------------------------------


def test_a_province_contains_its_communes_and_itself_but_not_another_provinces(current: str) -> None:
    quang_tri, hue = Area.objects.get(code="44"), Area.objects.get(code="46")
    dong_ha, nam_dong = Area.objects.get(code="19333"), Area.objects.get(code="20179")

    assert quang_tri.contains(dong_ha)
    assert quang_tri.contains(quang_tri)
    assert not quang_tri.contains(nam_dong)
    assert hue.contains(nam_dong)
    assert not dong_ha.contains(quang_tri)
    assert not dong_ha.contains(Area.objects.get(code="19495"))


def test_communes_in_a_province_are_exactly_its_children(current: str) -> None:
    quang_tri = Area.objects.get(code="44")
    assert set(communes_in(area=quang_tri)) == set(Area.objects.filter(parent=quang_tri))
    assert "Phường Đông Hà" in {a.name for a in communes_in(area=quang_tri)}
    assert "Xã Nam Đông" not in {a.name for a in communes_in(area=quang_tri)}


# ---- villages -----------------------------------------------------------------------------


def test_a_village_can_be_added_under_a_commune_and_lies_in_its_subtree(current: str) -> None:
    dong_ha = Area.objects.get(code="19333")

    village = village_create(commune=dong_ha, code="19333-01", name="Khu phố 1")

    village.refresh_from_db()
    assert village.level == AreaLevel.VILLAGE
    assert village.parent == dong_ha
    assert village.path == "44/19333/19333-01/"
    assert dong_ha.contains(village)
    assert Area.objects.get(code="44").contains(village)
    assert not Area.objects.get(code="19495").contains(village)
    assert list(area_children(parent=dong_ha)) == [village]


def test_a_village_cannot_be_added_under_a_province(current: str) -> None:
    with pytest.raises(ValueError, match="under a commune"):
        village_create(commune=Area.objects.get(code="44"), code="44-x", name="Thôn lạc")
    assert not Area.objects.filter(code="44-x").exists()


def test_reloading_the_official_units_keeps_the_villages(current: str) -> None:
    village_create(commune=Area.objects.get(code="19495"), code="19495-07", name="Thôn Hà Thanh")

    load()

    village = Area.objects.get(code="19495-07")
    assert village.name == "Thôn Hà Thanh"
    assert village.parent.code == "19495"


# ---- history (--with-history) -------------------------------------------------------------
# Loading the ~10,800 abolished units takes seconds, so the module loads them once.


@pytest.fixture(scope="module")
def history(django_db_setup: Any, django_db_blocker: Any) -> Iterator[tuple[str, str]]:
    with django_db_blocker.unblock():
        first = load("--with-history")
        second = load("--with-history")
        yield first, second
        Area.successors.through.objects.all().delete()
        # Children before parents: the parent key protects.
        for level in [AreaLevel.VILLAGE, AreaLevel.COMMUNE, AreaLevel.DISTRICT, AreaLevel.PROVINCE]:
            Area.objects.filter(level=level).delete()


@pytest.mark.django_db
def test_history_keeps_the_abolished_units_ending_on_30_june_2025(history: tuple[str, str]) -> None:
    abolished = Area.objects.filter(valid_to__isnull=False)
    assert abolished.count() > 10_000
    assert set(abolished.values_list("valid_to", flat=True)) == {LAST_DAY_BEFORE_REFORM}
    assert abolished.filter(level=AreaLevel.PROVINCE).count() == 63
    old_ward = Area.objects.get(code="old-19330")
    assert old_ward.name == "Phường Đông Giang"
    assert old_ward.level == AreaLevel.COMMUNE
    assert old_ward.parent.name == "Thành phố Đông Hà"
    assert old_ward.parent.level == AreaLevel.DISTRICT
    assert old_ward.parent.parent.name == "Tỉnh Quảng Trị"
    assert not old_ward.is_current


@pytest.mark.django_db
def test_history_maps_an_old_ward_to_the_ward_that_replaced_it(history: tuple[str, str]) -> None:
    assert [a.code for a in Area.objects.get(code="old-19330").successors.all()] == ["19333"]  # Đông Giang → Đông Hà
    assert [a.code for a in Area.objects.get(code="old-19336").successors.all()] == ["19351"]  # Đông Lễ → Nam Đông Hà
    assert {a.code for a in Area.objects.get(code="19333").predecessors.all()} >= {"old-19330", "old-19339", "old-19345"}


@pytest.mark.django_db
def test_history_maps_old_provinces_to_the_merged_province(history: tuple[str, str]) -> None:
    # Quảng Bình (old 44) and Quảng Trị (old 45) merged into the new Quảng Trị, which reuses code 44.
    assert Area.objects.get(code="old-44").name == "Tỉnh Quảng Bình"
    assert [a.code for a in Area.objects.get(code="old-44").successors.all()] == ["44"]
    assert [a.code for a in Area.objects.get(code="old-45").successors.all()] == ["44"]


@pytest.mark.django_db
def test_history_does_not_overwrite_current_units_that_reuse_an_old_code(history: tuple[str, str]) -> None:
    # Old code 19333 was "Phường 1"; the new 19333 is Phường Đông Hà.
    assert Area.objects.get(code="19333").name == "Phường Đông Hà"
    assert Area.objects.get(code="19333").is_current
    assert Area.objects.get(code="old-19333").name == "Phường 1"
    assert Area.objects.get(code="44").name == "Tỉnh Quảng Trị"


@pytest.mark.django_db
def test_history_stays_out_of_the_current_lists(history: tuple[str, str]) -> None:
    assert area_children(parent=None).count() == 34
    assert provinces().count() == 34
    assert communes_in(area=Area.objects.get(code="44")).filter(code__startswith="old-").count() == 0


@pytest.mark.django_db
def test_a_second_run_with_history_creates_and_updates_nothing(history: tuple[str, str]) -> None:
    first, second = history
    assert "historical units: 10810 created, 0 updated" in first
    assert "current units: 0 created, 0 updated" in second
    assert "historical units: 0 created, 0 updated" in second
