"""Bad input to ``need_create`` / ``need_update``: a ValidationError keyed by field, nothing written."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from cuutro.audit.models import AuditEvent
from cuutro.geo.models import Area, AreaLevel
from cuutro.geo.services import village_create
from cuutro.needs import services
from cuutro.needs.models import Beneficiary, Campaign, CatalogueItem, Need, NeedItem
from cuutro.needs.services import BeneficiaryData, NeedItemData
from tests.conftest import SECRET_ADDRESS, SECRET_ID, SECRET_NAME, SECRET_PHONE, Cast, need_data


def person(**overrides: Any) -> BeneficiaryData:
    values: dict[str, Any] = {
        "full_name": SECRET_NAME,
        "id_number": SECRET_ID,
        "phone": SECRET_PHONE,
        "address": SECRET_ADDRESS,
        "household_size": 5,
    }
    values.update(overrides)
    return BeneficiaryData(**values)


def rows() -> tuple[int, int, int, int]:
    return Need.objects.count(), NeedItem.objects.count(), Beneficiary.objects.count(), AuditEvent.objects.count()


def refused(cast: Cast, **overrides: Any) -> dict[str, list[str]]:
    """Create a need in commune A with ``overrides``; assert it is refused and nothing is written."""
    before = rows()
    with pytest.raises(ValidationError) as caught:
        services.need_create(actor=cast.officer, data=need_data(cast.commune_a, **overrides))
    assert rows() == before
    return caught.value.message_dict


def test_valid_data_is_accepted_so_the_cases_below_fail_for_their_own_reason(cast: Cast) -> None:
    before = rows()
    services.need_create(actor=cast.officer, data=need_data(cast.commune_a, campaign_code="lu-10-2020"))
    assert rows()[:3] == (before[0] + 1, before[1] + 2, before[2] + 1)


# ---- items --------------------------------------------------------------------------------


def test_an_unknown_catalogue_item_is_refused(cast: Cast) -> None:
    errors = refused(cast, items=[NeedItemData("gold-bar", 1)])
    assert list(errors) == ["items.0.item"]


def test_an_inactive_catalogue_item_is_refused(cast: Cast) -> None:
    CatalogueItem.objects.filter(code="tarpaulin").update(active=False)
    errors = refused(cast, items=[NeedItemData("rice", 10), NeedItemData("tarpaulin", 2)])
    assert list(errors) == ["items.1.item"]


def test_a_need_without_items_is_refused(cast: Cast) -> None:
    assert "items" in refused(cast, items=[])


@pytest.mark.parametrize("quantity", [0, "0", -5, Decimal("-0.5"), "", "mười", "NaN", "Infinity"])
def test_a_quantity_that_is_not_a_positive_number_is_refused(cast: Cast, quantity: Any) -> None:
    errors = refused(cast, items=[NeedItemData("rice", quantity)])
    assert list(errors) == ["items.0.quantity"]


def test_a_fraction_of_a_dong_is_refused(cast: Cast) -> None:
    errors = refused(cast, items=[NeedItemData("cash-house-repair", Decimal("1500000.5"))])
    assert list(errors) == ["items.0.quantity"]


def test_whole_dong_and_fractional_kilograms_are_accepted(cast: Cast) -> None:
    need = services.need_create(
        actor=cast.officer,
        data=need_data(cast.commune_a, items=[NeedItemData("cash-house-repair", "15000000"), NeedItemData("rice", "12,5")]),
    )
    assert [(i.item.code, i.quantity) for i in need.items.order_by("pk")] == [
        ("cash-house-repair", Decimal("15000000")),
        ("rice", Decimal("12.5")),
    ]


def test_more_than_two_decimal_places_are_refused(cast: Cast) -> None:
    errors = refused(cast, items=[NeedItemData("rice", Decimal("1.005"))])
    assert list(errors) == ["items.0.quantity"]


def test_trailing_zeros_are_not_counted_as_decimal_places(cast: Cast) -> None:
    # A scale or spreadsheet writes 12.500 kg; that is 12.5, not a third decimal place.
    need = services.need_create(
        actor=cast.officer,
        data=need_data(cast.commune_a, items=[NeedItemData("rice", Decimal("12.500")), NeedItemData("cash-house-repair", "2000000.00")]),
    )
    assert [(i.item.code, i.quantity) for i in need.items.order_by("pk")] == [
        ("rice", Decimal("12.5")),
        ("cash-house-repair", Decimal("2000000")),
    ]


def test_an_absurdly_large_quantity_is_refused(cast: Cast) -> None:
    errors = refused(cast, items=[NeedItemData("rice", Decimal("1e15"))])
    assert list(errors) == ["items.0.quantity"]


def test_the_same_item_listed_twice_is_refused(cast: Cast) -> None:
    errors = refused(cast, items=[NeedItemData("rice", 10), NeedItemData("roofing-sheet", 5), NeedItemData("rice", 20)])
    assert list(errors) == ["items.2.item"]


# ---- beneficiary --------------------------------------------------------------------------


@pytest.mark.parametrize("beneficiary", [None, person(full_name=""), person(full_name="   ")])
def test_a_household_need_without_the_name_of_the_household_is_refused(cast: Cast, beneficiary: Any) -> None:
    errors = refused(cast, beneficiary=beneficiary)
    assert list(errors) == ["beneficiary.full_name"]


def test_a_community_need_may_have_no_named_beneficiary(cast: Cast) -> None:
    need = services.need_create(actor=cast.officer, data=need_data(cast.commune_a, kind="community", beneficiary=None))
    assert not Beneficiary.objects.filter(need=need).exists()


@pytest.mark.parametrize("id_number", ["12345", "0791234567890", "07912345678A", "1234567890"])
def test_an_id_number_that_is_not_9_or_12_digits_is_refused(cast: Cast, id_number: str) -> None:
    errors = refused(cast, beneficiary=person(id_number=id_number))
    assert list(errors) == ["beneficiary.id_number"]


@pytest.mark.parametrize("phone", ["12345", "0987-65", "1987654321", "+1 555 123 4567", "09876543ab"])
def test_a_phone_that_is_not_a_vietnamese_number_is_refused(cast: Cast, phone: str) -> None:
    errors = refused(cast, beneficiary=person(phone=phone))
    assert list(errors) == ["beneficiary.phone"]


def test_id_numbers_and_phones_are_stored_without_spaces_or_dots(cast: Cast) -> None:
    need = services.need_create(
        actor=cast.officer, data=need_data(cast.commune_a, beneficiary=person(id_number="079 123 456 789", phone="0987.654.321"))
    )
    assert (need.beneficiary.id_number, need.beneficiary.phone) == (SECRET_ID, SECRET_PHONE)


@pytest.mark.parametrize("size", [0, -1, 100])
def test_an_implausible_household_size_is_refused(cast: Cast, size: int) -> None:
    assert list(refused(cast, beneficiary=person(household_size=size))) == ["beneficiary.household_size"]


# ---- the public description ---------------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        f"Gia đình bà {SECRET_NAME} bị sập nhà.",
        "Gia đình bà TRẦN THỊ BÍ MẬT bị sập nhà.",  # upper case
        "Gia đình bà tran thi bi mat bị sập nhà.",  # typed without diacritics
        unicodedata.normalize("NFD", f"Gia đình bà {SECRET_NAME} bị sập nhà."),
    ],
)
def test_a_description_naming_the_beneficiary_is_refused(cast: Cast, description: str) -> None:
    errors = refused(cast, description=description)
    assert list(errors) == ["description"]


@pytest.mark.parametrize(
    "description",
    [
        f"Liên hệ {SECRET_PHONE} để hỗ trợ.",
        "Liên hệ 0987 654 321 để hỗ trợ.",
        "Liên hệ 0987.654.321 để hỗ trợ.",
        f"CCCD {SECRET_ID}.",
    ],
)
def test_a_description_with_a_phone_or_id_number_is_refused(cast: Cast, description: str) -> None:
    errors = refused(cast, description=description)
    assert list(errors) == ["description"]


def test_an_empty_description_is_refused(cast: Cast) -> None:
    assert list(refused(cast, description="   ")) == ["description"]


def test_a_too_long_description_is_refused(cast: Cast) -> None:
    assert list(refused(cast, description="Nhà sập. " * 500)) == ["description"]


# ---- place, kind, urgency, campaign -------------------------------------------------------


def test_a_latitude_without_a_longitude_is_refused(cast: Cast) -> None:
    assert list(refused(cast, latitude=Decimal("16.8"), longitude=None)) == ["location"]
    assert list(refused(cast, latitude=None, longitude=Decimal("107.1"))) == ["location"]


@pytest.mark.parametrize(("lat", "lng"), [("91", "107"), ("16.8", "181"), ("bắc", "107")])
def test_coordinates_off_the_globe_are_refused(cast: Cast, lat: str, lng: str) -> None:
    assert list(refused(cast, latitude=lat, longitude=lng)) == ["location"]


def test_a_province_is_not_accepted_as_the_area_of_a_need(cast: Cast) -> None:
    assert list(refused(cast, area_code=cast.province.code)) == ["area"]


def test_an_unknown_area_is_refused(cast: Cast) -> None:
    assert list(refused(cast, area_code="99999")) == ["area"]


def test_an_abolished_commune_is_refused(cast: Cast) -> None:
    Area.objects.create(
        code="old-19330",
        name="Phường Đông Giang",
        level=AreaLevel.COMMUNE,
        parent=cast.province,
        path="44/old-19330/",
        search_key="phuong dong giang",
        valid_to="2025-06-30",
    )
    assert list(refused(cast, area_code="old-19330")) == ["area"]


def test_a_village_of_another_commune_is_refused(cast: Cast) -> None:
    village_create(commune=cast.commune_b, code="19495-01", name="Thôn Hà Thượng")
    assert list(refused(cast, village_code="19495-01")) == ["village"]


def test_a_village_of_the_chosen_commune_is_accepted(cast: Cast) -> None:
    village = village_create(commune=cast.commune_a, code="19333-01", name="Khu phố 1")
    need = services.need_create(actor=cast.officer, data=need_data(cast.commune_a, village_code="19333-01"))
    assert need.village == village


def test_an_unknown_kind_and_urgency_are_refused(cast: Cast) -> None:
    assert set(refused(cast, kind="family", urgency="asap")) == {"kind", "urgency"}


def test_an_unknown_campaign_is_refused(cast: Cast) -> None:
    assert list(refused(cast, campaign_code="lu-2099")) == ["campaign"]


def test_an_ended_campaign_is_refused(cast: Cast) -> None:
    Campaign.objects.filter(pk=cast.campaign.pk).update(active=False)
    assert list(refused(cast, campaign_code=cast.campaign.code)) == ["campaign"]


# ---- all at once, and on edit -------------------------------------------------------------


def test_every_problem_is_reported_at_once(cast: Cast) -> None:
    errors = refused(
        cast,
        area_code=cast.province.code,
        items=[NeedItemData("rice", 0), NeedItemData("gold-bar", 1)],
        beneficiary=person(id_number="1", phone="2"),
        latitude="16.8",
        longitude=None,
        campaign_code="nope",
    )
    assert set(errors) == {
        "area",
        "items.0.quantity",
        "items.1.item",
        "beneficiary.id_number",
        "beneficiary.phone",
        "location",
        "campaign",
    }
    assert all(messages and all(isinstance(m, str) and m for m in messages) for messages in errors.values())


def test_a_bad_edit_is_refused_and_leaves_the_need_as_it_was(cast: Cast, make_need: Any) -> None:
    need = make_need("draft")
    before = (
        Need.objects.filter(pk=need.pk).values().get(),
        list(NeedItem.objects.filter(need=need).values_list("item__code", "quantity")),
        Beneficiary.objects.filter(need=need).values().get(),
        AuditEvent.objects.count(),
    )

    with pytest.raises(ValidationError) as caught:
        services.need_update(
            actor=cast.officer,
            need=need,
            data=need_data(
                cast.commune_a,
                description="Đã sửa",
                items=[NeedItemData("rice", 5), NeedItemData("rice", 6)],
                beneficiary=person(full_name="Người Khác", phone="123"),
            ),
        )

    assert set(caught.value.message_dict) == {"items.1.item", "beneficiary.phone"}
    after = (
        Need.objects.filter(pk=need.pk).values().get(),
        list(NeedItem.objects.filter(need=need).values_list("item__code", "quantity")),
        Beneficiary.objects.filter(need=need).values().get(),
        AuditEvent.objects.count(),
    )
    assert after == before


def test_the_kind_of_a_recorded_need_cannot_change(cast: Cast, make_need: Any) -> None:
    need = make_need("draft")

    with pytest.raises(ValidationError) as caught:
        services.need_update(actor=cast.officer, need=need, data=need_data(cast.commune_a, kind="community"))

    assert list(caught.value.message_dict) == ["kind"]
    assert Need.objects.get(pk=need.pk).kind == "household"
