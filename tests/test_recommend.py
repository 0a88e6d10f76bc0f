"""Recommendations: what a donor brings → the needs to cover, highest priority first, then the
nearest, and pledging the ticked ones in one step (all or nothing)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cuutro.audit.models import AuditEvent
from cuutro.coordination.recommend import Contact, parse_offer, recommend, recommendation_pledge
from cuutro.needs.models import Need, NeedItem
from cuutro.pledges.models import Pledge
from cuutro.pledges.services import PledgeData, pledge_create
from tests.conftest import SECRET_NAME, SECRET_PHONE

# Đông Hà and Gio Linh, about 13 km apart (the needs' points, not the communes').
DONG_HA = (Decimal("16.816234"), Decimal("107.100456"))
GIO_LINH = (Decimal("16.922000"), Decimal("107.040000"))


@pytest.fixture
def needs(cast: Any, make_need: Any) -> dict[str, Need]:
    from cuutro.needs.services import NeedItemData

    def need(urgency: str, rice: int, *, where: tuple[Decimal, Decimal] = DONG_HA, commune_b: bool = False) -> Need:
        extra: dict[str, Any] = {"area": cast.commune_b, "creator": cast.officer_b, "verifier": cast.province_member} if commune_b else {}
        return make_need(
            "verified", urgency=urgency, items=[NeedItemData("rice", rice), NeedItemData("blanket", 5)],
            latitude=where[0], longitude=where[1], **extra,
        )  # fmt: skip

    return {
        "critical_far": need("critical", 40, where=GIO_LINH, commune_b=True),
        "high_near": need("high", 30),
        "high_far": need("high", 30, where=GIO_LINH, commune_b=True),
        "low": need("low", 100),
    }


def rice(need: Need) -> NeedItem:
    return need.items.get(item__code="rice")


def test_the_highest_priority_comes_first_then_the_nearest_until_the_offer_runs_out(cast: Any, needs: dict[str, Need]) -> None:
    assert needs["critical_far"].priority > needs["high_near"].priority == needs["high_far"].priority > needs["low"].priority
    offer = parse_offer([("rice", "90")])
    result = recommend(offer=offer, point=(float(DONG_HA[0]), float(DONG_HA[1])))
    got = [(line.need_code, line.quantity) for line in result.lines]
    # critical first (all 40), then of the two "high" ones the nearer (30), then the farther (20 of 30).
    assert got == [(needs["critical_far"].code, 40), (needs["high_near"].code, 30), (needs["high_far"].code, 20)]
    assert result.lines[0].km is not None and result.lines[0].km > 10 and result.lines[1].km < 1  # public points: blurred ~1 km
    assert result.leftovers == []
    # From Gio Linh the farther "high" need is the nearer one.
    from_gio_linh = recommend(offer=offer, point=(float(GIO_LINH[0]), float(GIO_LINH[1])))
    order = [needs["critical_far"].code, needs["high_far"].code, needs["high_near"].code]
    assert [line.need_code for line in from_gio_linh.lines][:3] == order


def test_an_area_limits_the_needs_and_what_nobody_needs_is_left_over(cast: Any, needs: dict[str, Need]) -> None:
    result = recommend(offer=parse_offer([("rice", "200"), ("piglet", "3")]), area=cast.commune_a)
    assert [line.need_code for line in result.lines] == [needs["high_near"].code, needs["low"].code]
    assert sum(line.quantity for line in result.lines) == 130
    assert [(item.code, quantity) for item, quantity in result.leftovers] == [("rice", 70), ("piglet", 3)]


def test_fully_pledged_needs_are_not_recommended_again(cast: Any, needs: dict[str, Need]) -> None:
    pledge_create(actor=cast.donor, data=PledgeData(need_item_id=rice(needs["critical_far"]).pk, quantity=40, contact_name="Anh Tâm"))
    result = recommend(offer=parse_offer([("rice", "10")]))
    assert needs["critical_far"].code not in [line.need_code for line in result.lines]


def test_a_bad_offer_is_refused_in_the_users_language(cast: Any) -> None:
    with translation.override("vi"), pytest.raises(ValidationError) as error:
        parse_offer([("rice", "nhiều"), ("", "")])
    assert "Gạo" in error.value.messages[0]
    with translation.override("en"), pytest.raises(ValidationError) as empty:
        parse_offer([("", ""), ("", "")])
    assert empty.value.messages == ["Say what you bring: at least one item and its quantity."]


def test_the_page_shows_the_suggestions_publicly_without_anyones_personal_data(cast: Any, needs: dict[str, Need]) -> None:
    page = Client().get(
        reverse("coordination:recommend"), {"item_0": "rice", "quantity_0": "50", "area": cast.commune_a.code}, HTTP_ACCEPT_LANGUAGE="en"
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert needs["high_near"].code in text and needs["low"].code in text and needs["critical_far"].code not in text
    assert SECRET_NAME not in text and SECRET_PHONE not in text
    assert "Log in to pledge them" in text  # (the header's "Log in" alone would not do)


def test_the_area_list_offers_only_communes_with_open_needs_under_their_province(cast: Any, needs: dict[str, Need]) -> None:
    with translation.override("en"):
        page = Client().get(reverse("coordination:recommend"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    select = page[page.index('name="area"') : page.index("</select>", page.index('name="area"'))]
    assert f'<optgroup label="{cast.commune_a.parent.name}">' in select
    assert f'value="{cast.commune_a.code}"' in select and f'value="{cast.commune_b.code}"' in select
    assert f'value="{cast.commune_a.parent.code}"' in select  # "All of" the province
    assert f'value="{cast.commune_c.code}"' not in select  # no open need there


def test_a_donor_pledges_the_ticked_needs_in_one_step(cast: Any, needs: dict[str, Need]) -> None:
    client = cast.client_for(cast.donor)
    offer = {"item_0": "rice", "quantity_0": "60", "area": ""}
    page = client.get(reverse("coordination:recommend"), offer)
    assert f'value="{rice(needs["critical_far"]).pk}"' in page.text
    form = {
        **offer, "line": [rice(needs["critical_far"]).pk, rice(needs["high_near"]).pk],
        f"qty_{rice(needs['critical_far']).pk}": "40", f"qty_{rice(needs['high_near']).pk}": "15",
        "show_as": "anonymous", "contact_name": "Chị Hoa", "contact_phone": "0905123456",
    }  # fmt: skip
    response = client.post(reverse("coordination:recommend"), form, follow=True)
    made = list(Pledge.objects.filter(donor=cast.donor).order_by("pk"))
    assert [(p.need_item_id, p.quantity) for p in made] == [(rice(needs["critical_far"]).pk, 40), (rice(needs["high_near"]).pk, 15)]
    assert "2 pledges made" in response.text and made[0].code in response.text
    assert AuditEvent.objects.filter(action="pledges.pledge.created", actor=cast.donor).count() == 2


def test_one_refused_line_pledges_nothing_at_all(cast: Any, needs: dict[str, Need]) -> None:
    target = rice(needs["high_near"])
    pledge_create(actor=cast.org_member, data=PledgeData(need_item_id=target.pk, quantity=25, contact_name="Anh Bình"))  # 5 left
    lines = [(rice(needs["critical_far"]).pk, "40"), (target.pk, "15")]
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        recommendation_pledge(actor=cast.donor, lines=lines, contact=Contact("Chị Hoa", "0905123456", None, "anonymous"))
    assert f"{needs['high_near'].code}: someone pledged meanwhile; only 5 remain. Nothing was pledged" in refused.value.messages[0]
    assert not Pledge.objects.filter(donor=cast.donor).exists()
    assert NeedItem.objects.get(pk=rice(needs["critical_far"]).pk).quantity_pledged == 0


def test_pledging_needs_a_login_and_keeps_the_offer(cast: Any, needs: dict[str, Need]) -> None:
    response = Client().post(reverse("coordination:recommend"), {"item_0": "rice", "quantity_0": "10", "line": [rice(needs["low"]).pk]})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"] and "quantity_0" in response["Location"]
    assert not Pledge.objects.exists()


def test_a_delegation_asks_where_to_take_what_it_still_carries(cast: Any, needs: dict[str, Need]) -> None:
    from tests.test_delegations import accept, register, stop_data

    delegation = accept(cast.province_member, register(cast, cargo={"rice": 120, "blanket": 3}), stop_data(cast.commune_a))
    page = cast.client_for(cast.org_member).get(reverse("delegations:detail", args=[delegation.code]))
    query = f"item_0=blanket&amp;quantity_0=3&amp;item_1=rice&amp;quantity_1=120&amp;area={cast.commune_a.code}"
    link = f"{reverse('coordination:recommend')}?{query}"
    assert link in page.text
    # The page it opens suggests the commune's needs for that rice.
    suggested = cast.client_for(cast.org_member).get(link.replace("&amp;", "&"))
    assert needs["high_near"].code in suggested.text and needs["critical_far"].code not in suggested.text
    # Officials see the delegation too, but the question is the delegation's.
    assert reverse("coordination:recommend") not in cast.client_for(cast.province_member).get(
        reverse("delegations:detail", args=[delegation.code])
    ).text


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_prefilled_quantities_pledge_exactly_what_was_suggested(cast: Any, make_need: Any, language: str) -> None:
    from cuutro.needs.services import NeedItemData

    need = make_need("verified", items=[NeedItemData("rice", 1500), NeedItemData("cash-house-repair", 5_000_000)])
    client = cast.client_for(cast.donor)
    client.get(f"/lang/{language}/")
    offer = {"item_0": "rice", "quantity_0": "2000", "item_1": "cash-house-repair", "quantity_1": "5000000"}
    page = client.get(reverse("coordination:recommend"), offer).text
    rice_item, cash_item = need.items.get(item__code="rice"), need.items.get(item__code="cash-house-repair")
    prefilled = {
        pk: re.search(rf'name="qty_{pk}" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
        for pk in (rice_item.pk, cash_item.pk)
    }
    assert prefilled[rice_item.pk] == "1500"  # never "1.500": for goods that would read as one and a half
    assert prefilled[cash_item.pk] == ("5.000.000" if language == "vi" else "5,000,000")
    form = {**offer, "line": [rice_item.pk, cash_item.pk], **{f"qty_{pk}": value for pk, value in prefilled.items()},
            "show_as": "anonymous", "contact_name": "Chị Hoa", "contact_phone": "0905123456"}  # fmt: skip
    client.post(reverse("coordination:recommend"), form)
    made = dict(Pledge.objects.filter(donor=cast.donor).values_list("need_item_id", "quantity"))
    assert made == {rice_item.pk: 1500, cash_item.pk: 5_000_000}


@pytest.mark.django_db(transaction=True)
def test_two_donors_pledging_the_same_needs_in_opposite_orders_both_succeed(cast: Any, make_need: Any) -> None:
    """Each pledge locks its need; taken in the order the lines come, A then B against B then A
    deadlocked on PostgreSQL. Now both go through, repeatedly, on their own connections."""
    import threading

    from django.db import connection

    from tests.conftest import make_user

    donors = [make_user(f"giver-{n}") for n in range(2)]
    for _round in range(5):
        first, second = (make_need("verified").items.get(item__code="rice") for _n in range(2))
        orders = [[(first.pk, "1"), (second.pk, "1")], [(second.pk, "1"), (first.pk, "1")]]
        barrier = threading.Barrier(2)
        failures: list[BaseException] = []

        def pledge(donor: Any, lines: list[tuple[int, str]], barrier: Any = barrier, failures: list[Any] = failures) -> None:
            try:
                barrier.wait(timeout=30)
                recommendation_pledge(actor=donor, lines=list(lines), contact=Contact("Anh Tâm", "0905123456", None, "anonymous"))
            except BaseException as exc:  # reported below
                failures.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=pledge, args=(d, o)) for d, o in zip(donors, orders, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert failures == []
        assert NeedItem.objects.get(pk=first.pk).quantity_pledged == 2 and NeedItem.objects.get(pk=second.pk).quantity_pledged == 2
