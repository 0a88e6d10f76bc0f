"""Relief delegations: an organisation registers a visit, officials assign (or suggest) its route in
their communes, the shared calendar warns of two convoys on one commune, a commune officer checks
the delegation in by its stop's QR code, and the hand-over becomes delivered pledges that the
commune confirms on the usual page. The public never sees the leader's phone."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from cuutro.audit.models import AuditEvent
from cuutro.delegations import services
from cuutro.delegations.models import Delegation, DelegationStatus, HandoverLine, Stop, StopStatus
from cuutro.needs.models import NeedItem
from cuutro.needs.services import NeedItemData
from cuutro.pledges.models import Pledge, PledgeStatus
from cuutro.pledges.services import OverPledgedError, pledge_confirm
from tests.conftest import photo_upload

LEADER_PHONE = "0913579246"
LEADER_NOTE = "Xe tải biển 43C-99999, gọi trước khi đến"


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def today() -> Any:
    return timezone.localdate()


def register(cast: Any, *, communes: list[Any] | None = None, cargo: dict[str, Any] | None = None, **overrides: Any) -> Delegation:
    values: dict[str, Any] = {
        "organisation_id": cast.org_member.roles.get().organisation_id,
        "origin": "Thành phố Hồ Chí Minh",
        "starts_on": today() + timedelta(days=1),
        "ends_on": today() + timedelta(days=2),
        "leader_name": "Anh Trưởng Đoàn",
        "leader_phone": LEADER_PHONE,
        "people": 12,
        "vehicles": 3,
        "preferred_commune_codes": [a.code for a in (communes or [cast.commune_a])],
        "cargo": [
            services.CargoData(code, quantity)
            for code, quantity in (
                cargo if cargo is not None else {"instant-noodles": 200, "roofing-sheet": 100, "cash-house-repair": "50.000.000"}
            ).items()
        ],
        "note": LEADER_NOTE,
    }
    values.update(overrides)
    return services.delegation_register(actor=cast.org_member, data=services.DelegationData(**values))


def stop_data(area: Any, day: Any = None, needs: list[str] | None = None) -> services.StopData:
    return services.StopData(commune_code=area.code, on_date=day or today() + timedelta(days=1), need_codes=needs or [])


def accept(actor: Any, delegation: Delegation, *stops: services.StopData) -> Delegation:
    return services.delegation_accept(actor=actor, delegation=delegation, stops=list(stops))


def live_stop(delegation: Delegation, area: Any) -> Stop:
    return Stop.objects.get(delegation=delegation, commune=area, status__in=[StopStatus.ACCEPTED, StopStatus.CHECKED_IN])


def actions(target: Any) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type=f"delegations.{target._meta.model_name}", target_id=str(target.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def stop_section(page: str, area: Any) -> str:
    start = page.index(f'data-commune="{area.code}"')
    return page[start : page.index("</section>", start)]


def form_data(cast: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "organisation": cast.org_member.roles.get().organisation_id,
        "origin": "Hà Nội",
        "starts_on": (today() + timedelta(days=1)).isoformat(),
        "ends_on": (today() + timedelta(days=2)).isoformat(),
        "leader_name": "Chị Lan",
        "leader_phone": LEADER_PHONE,
        "people": "8",
        "vehicles": "2",
        "preferred_communes": [cast.commune_a.code, cast.commune_b.code],
        "cargo-0-item": "instant-noodles",
        "cargo-0-quantity": "150",
        "cargo-1-item": "cash-house-repair",
        "cargo-1-quantity": "20.000.000",
    }
    data.update(overrides)
    return data


# ---- registration --------------------------------------------------------------------------


def test_an_organisation_member_registers_a_delegation_on_the_web(cast: Any) -> None:
    client = cast.client_for(cast.org_member)
    response = client.post(reverse("delegations:new") + f"?province={cast.province.code}", form_data(cast))
    delegation = Delegation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("delegations:detail", args=[delegation.code])
    assert delegation.status == DelegationStatus.SUBMITTED
    assert delegation.organisation.name == "Hội Chữ thập đỏ Thử nghiệm"
    assert sorted(a.code for a in delegation.preferred_communes.all()) == sorted([cast.commune_a.code, cast.commune_b.code])
    assert {c.item.code: c.quantity for c in delegation.cargo.all()} == {
        "instant-noodles": Decimal(150), "cash-house-repair": Decimal(20_000_000),
    }
    page = text(client.get(response["Location"]))
    assert "Waiting for the province or commune to assign your route" in page
    assert LEADER_PHONE in page  # the delegation sees its own contact
    assert actions(delegation) == ["delegations.delegation.registered"]


def test_the_registration_form_lists_the_chosen_provinces_communes(cast: Any) -> None:
    page = text(cast.client_for(cast.org_member).get(reverse("delegations:new") + f"?province={cast.other_province.code}"))
    assert "Xã Nam Đông" in page
    assert "Phường Đông Hà" not in page


def test_changing_the_province_keeps_what_was_typed_and_registers_nothing(cast: Any) -> None:
    client = cast.client_for(cast.org_member)
    data = form_data(cast, province=cast.other_province.code, change_province="1", origin="Đà Nẵng", leader_name="Chị Lan",
                     note=LEADER_NOTE, **{"cargo-0-quantity": "175"})
    response = client.post(reverse("delegations:new") + f"?province={cast.province.code}", data)
    assert response.status_code == 200
    assert not Delegation.objects.exists()
    page = text(response)
    # The new province's communes, and everything typed, as it was.
    assert "Xã Nam Đông" in page and "Phường Đông Hà" not in page
    assert f'<option value="{cast.other_province.code}" selected>' in page
    assert 'value="Đà Nẵng"' in page and 'value="Chị Lan"' in page and f'value="{LEADER_PHONE}"' in page
    assert '<option value="instant-noodles" selected>' in page and 'value="175"' in page
    assert '<option value="cash-house-repair" selected>' in page and 'value="20.000.000"' in page
    assert 'value="8"' in page and f'value="{data["starts_on"]}"' in page and LEADER_NOTE in page
    # Only a redisplay: no red marks for what is still to fill in.
    assert "Please correct the items marked in red." not in page
    # Then the register button registers, in the chosen province.
    del data["change_province"]
    data["preferred_communes"] = [cast.commune_c.code]
    done = client.post(reverse("delegations:new"), data)
    assert done.status_code == 302
    registered = Delegation.objects.get()
    assert registered.origin == "Đà Nẵng" and list(registered.preferred_communes.all()) == [cast.commune_c]


def test_registration_errors_are_shown_in_vietnamese(cast: Any) -> None:
    client = cast.client_for(cast.org_member, language="vi")
    data = form_data(
        cast, origin="", leader_phone="12345", people="0", preferred_communes=[],
        starts_on=(today() - timedelta(days=1)).isoformat(), **{"cargo-0-quantity": "nhiều", "cargo-1-item": "", "cargo-1-quantity": ""},
    )
    response = client.post(reverse("delegations:new"), data)
    page = text(response)
    assert response.status_code == 200
    assert '<html lang="vi">' in page
    with translation.override("vi"):
        for message in [
            "Say where the delegation comes from.",
            "Enter a Vietnamese phone number, e.g. 0912345678.",
            "Enter how many people travel (at least 1).",
            "The first day cannot be in the past.",
            "Choose at least one commune you would like to visit.",
        ]:
            assert translation.gettext(message) in page
        assert translation.gettext("Enter a number, e.g. 20 or 1.500.000.") in page
        assert "Mì ăn liền" in page  # the cargo error names the item in Vietnamese
    assert not Delegation.objects.exists()


def test_registration_refuses_an_item_listed_twice_and_a_visit_without_cargo(cast: Any) -> None:
    with pytest.raises(ValidationError) as twice, translation.override("en"):
        services.delegation_register(
            actor=cast.org_member,
            data=services.DelegationData(
                organisation_id=cast.org_member.roles.get().organisation_id, origin="Huế", starts_on=today(), ends_on=today(),
                leader_name="A", leader_phone=LEADER_PHONE, people=1, vehicles=0, preferred_commune_codes=[cast.commune_a.code],
                cargo=[services.CargoData("rice", 10), services.CargoData("rice", 5)],
            ),
        )
    assert "listed twice" in " ".join(twice.value.message_dict["cargo"])
    with pytest.raises(ValidationError) as empty:
        register(cast, cargo={}, ends_on=today() + timedelta(days=19))
    assert set(empty.value.message_dict) == {"cargo", "ends_on"}
    assert not Delegation.objects.exists()


def test_only_members_of_an_organisation_register_a_delegation(cast: Any) -> None:
    for user in (cast.outsider, cast.donor, cast.officer):
        assert cast.client_for(user).get(reverse("delegations:new")).status_code == 403
    with pytest.raises(PermissionDenied):
        services.delegation_register(
            actor=cast.donor,
            data=services.DelegationData(
                organisation_id=cast.org_member.roles.get().organisation_id, origin="x", starts_on=today(), ends_on=today(),
                leader_name="x", leader_phone=LEADER_PHONE, people=1, vehicles=0, preferred_commune_codes=[cast.commune_a.code],
                cargo=[services.CargoData("rice", 1)],
            ),
        )
    assert not Delegation.objects.exists()
    assert Client().get(reverse("delegations:new")).status_code == 302  # to the login page


# ---- answering: scope ----------------------------------------------------------------------


def test_the_communes_own_officer_accepts_with_a_stop_in_their_commune(cast: Any) -> None:
    delegation = register(cast)
    accept(cast.officer, delegation, stop_data(cast.commune_a))
    delegation.refresh_from_db()
    assert delegation.status == DelegationStatus.ACCEPTED
    stop = live_stop(delegation, cast.commune_a)
    assert stop.assigned_by == cast.officer
    assert len(stop.token) == 24
    assert actions(delegation) == ["delegations.delegation.registered", "delegations.delegation.accepted"]


def test_a_commune_officer_cannot_assign_a_stop_in_another_commune(cast: Any) -> None:
    delegation = register(cast, communes=[cast.commune_a])
    with pytest.raises(PermissionDenied):
        accept(cast.officer, delegation, stop_data(cast.commune_b))
    assert not Stop.objects.exists()


def test_an_officer_of_another_commune_cannot_answer_a_delegation_that_did_not_ask_for_it(cast: Any) -> None:
    delegation = register(cast, communes=[cast.commune_a])
    for stop in (cast.commune_a, cast.commune_b):
        with pytest.raises(PermissionDenied):
            accept(cast.officer_b, delegation, stop_data(stop))
        with pytest.raises(PermissionDenied):
            services.delegation_suggest(actor=cast.officer_b, delegation=delegation, stops=[stop_data(stop)], reason="Đủ rồi")
    client = cast.client_for(cast.officer_b)
    assert client.get(reverse("delegations:detail", args=[delegation.code])).status_code == 404
    assert client.get(reverse("delegations:route", args=[delegation.code])).status_code == 404
    assert delegation.code not in text(client.get(reverse("delegations:officer_list")))
    assert Delegation.objects.get().status == DelegationStatus.SUBMITTED


def test_the_outsider_sees_none_of_the_private_pages(cast: Any) -> None:
    delegation = register(cast)
    accept(cast.officer, delegation, stop_data(cast.commune_a))
    stop = live_stop(delegation, cast.commune_a)
    client = cast.client_for(cast.outsider)
    assert client.get(reverse("delegations:detail", args=[delegation.code])).status_code == 404
    assert client.get(reverse("delegations:stop_qr", args=[delegation.code, stop.code])).status_code == 404
    assert client.get(reverse("delegations:handover", args=[delegation.code, stop.code])).status_code == 404
    assert client.get(reverse("delegations:route", args=[delegation.code])).status_code == 403
    assert client.get(reverse("delegations:officer_list")).status_code == 403
    assert client.post(reverse("delegations:action", args=[delegation.code, "cancel"]), {"reason": "x"}).status_code == 404
    assert delegation.code not in text(client.get(reverse("delegations:mine")))
    with pytest.raises(PermissionDenied):
        accept(cast.outsider, delegation, stop_data(cast.commune_a))
    assert Delegation.objects.get().status == DelegationStatus.ACCEPTED
    assert Stop.objects.get() == stop and actions(delegation)[-1] == "delegations.delegation.accepted"


def test_the_province_committee_assigns_two_communes_on_the_web(cast: Any, make_need: Any) -> None:
    need = make_need("verified")
    delegation = register(cast, communes=[cast.commune_a])
    client = cast.client_for(cast.province_member)
    page = text(client.get(reverse("delegations:route", args=[delegation.code])))
    assert need.code in page  # the open needs of the commune, to tick
    day1, day2 = today() + timedelta(days=1), today() + timedelta(days=2)
    response = client.post(
        reverse("delegations:route", args=[delegation.code]),
        {
            "s0-use": "on", "s0-commune": cast.commune_a.code, "s0-date": day1.isoformat(), "s0-needs": [need.code],
            "s0-note": "Gặp tại UBND phường",
            "x0-commune": cast.commune_b.code, "x0-date": day2.isoformat(),
            "action": "accept",
        },
    )
    assert response.status_code == 302
    stops = {s.commune.code: s for s in Stop.objects.filter(delegation=delegation)}
    assert set(stops) == {cast.commune_a.code, cast.commune_b.code}
    assert stops[cast.commune_a.code].on_date == day1
    assert [n.code for n in stops[cast.commune_a.code].needs.all()] == [need.code]
    assert stops[cast.commune_b.code].on_date == day2
    assert Delegation.objects.get().status == DelegationStatus.ACCEPTED
    detail = text(client.get(response["Location"]))
    assert "Gặp tại UBND phường" in detail
    assert need.code in detail


def test_a_stop_outside_the_delegations_days_is_refused(cast: Any) -> None:
    delegation = register(cast)
    with pytest.raises(ValidationError) as error:
        accept(cast.officer, delegation, stop_data(cast.commune_a, today() + timedelta(days=5)))
    assert "when the delegation travels" in " ".join(error.value.message_dict["stops"])
    assert not Stop.objects.exists()
    assert Delegation.objects.get().status == DelegationStatus.SUBMITTED


def test_reassigning_keeps_the_stops_qr_code_and_withdraws_dropped_communes(cast: Any) -> None:
    delegation = register(cast, communes=[cast.commune_a, cast.commune_b])
    accept(cast.province_member, delegation, stop_data(cast.commune_a), stop_data(cast.commune_b))
    token = live_stop(delegation, cast.commune_a).token
    accept(cast.province_member, delegation, stop_data(cast.commune_a, today() + timedelta(days=2)))
    assert live_stop(delegation, cast.commune_a).token == token
    assert Stop.objects.get(commune=cast.commune_b).status == StopStatus.WITHDRAWN


# ---- suggestions and withdrawal ------------------------------------------------------------


def test_a_suggestion_needs_a_reason_and_the_organisation_accepts_it(cast: Any) -> None:
    delegation = register(cast, communes=[cast.commune_a])
    with pytest.raises(ValidationError):
        services.delegation_suggest(actor=cast.province_member, delegation=delegation, stops=[stop_data(cast.commune_b)], reason="")
    assert not Stop.objects.exists()
    services.delegation_suggest(
        actor=cast.province_member, delegation=delegation, stops=[stop_data(cast.commune_b)],
        reason="Phường Đông Hà đã đủ mì; Xã Gio Linh còn thiếu.",
    )
    delegation.refresh_from_db()
    assert delegation.status == DelegationStatus.REDIRECTED
    client = cast.client_for(cast.org_member)
    page = text(client.get(reverse("delegations:detail", args=[delegation.code])))
    assert "Xã Gio Linh còn thiếu" in page
    assert "Accept the suggested route" in page
    stop = Stop.objects.get(delegation=delegation)
    assert client.get(reverse("delegations:stop_qr", args=[delegation.code, stop.code])).status_code == 302  # no QR yet
    with pytest.raises(PermissionDenied):
        services.delegation_suggestion_accept(actor=cast.officer, delegation=delegation)
    client.post(reverse("delegations:action", args=[delegation.code, "accept_suggestion"]))
    delegation.refresh_from_db()
    assert delegation.status == DelegationStatus.ACCEPTED
    assert Stop.objects.get(delegation=delegation).status == StopStatus.ACCEPTED
    assert actions(delegation)[-2:] == ["delegations.delegation.suggested", "delegations.delegation.suggestion_accepted"]
    event = AuditEvent.objects.get(action="delegations.delegation.suggested")
    assert event.actor == cast.province_member
    assert "Xã Gio Linh còn thiếu" in event.reason


def test_the_organisation_withdraws_with_a_reason(cast: Any) -> None:
    delegation = register(cast)
    accept(cast.officer, delegation, stop_data(cast.commune_a))
    client = cast.client_for(cast.org_member)
    client.post(reverse("delegations:action", args=[delegation.code, "cancel"]), {"reason": ""})
    assert Delegation.objects.get().status == DelegationStatus.ACCEPTED  # a reason is required
    client.post(reverse("delegations:action", args=[delegation.code, "cancel"]), {"reason": "Đường bị sạt lở"})
    delegation.refresh_from_db()
    assert delegation.status == DelegationStatus.CANCELLED
    assert Stop.objects.get().status == StopStatus.WITHDRAWN
    assert AuditEvent.objects.get(action="delegations.delegation.cancelled").reason == "Đường bị sạt lở"
    other = register(cast)
    with pytest.raises(PermissionDenied):
        services.delegation_cancel(actor=cast.officer, delegation=other, reason="x")
    assert Delegation.objects.get(pk=other.pk).status == DelegationStatus.SUBMITTED


# ---- the shared calendar -------------------------------------------------------------------


def test_the_calendar_warns_when_two_delegations_share_a_commune_on_one_day(cast: Any) -> None:
    first, second = register(cast), register(cast, origin="Đà Nẵng")
    accept(cast.officer, first, stop_data(cast.commune_a))
    page = text(Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("delegations:calendar")))
    assert "Two or more delegations are assigned" not in page
    response = cast.client_for(cast.officer).post(
        reverse("delegations:route", args=[second.code]),
        {"s0-use": "on", "s0-commune": cast.commune_a.code, "s0-date": (today() + timedelta(days=1)).isoformat(), "action": "accept"},
        follow=True,
    )
    assert f"also expects Hội Chữ thập đỏ Thử nghiệm ({first.code})" in text(response)
    page = text(Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("delegations:calendar")))
    warning = page[page.index('id="conflicts"') : page.index("</div>", page.index('id="conflicts"'))]
    assert "Phường Đông Hà" in warning
    assert f'data-delegation="{first.code}"' in page and f'data-delegation="{second.code}"' in page
    # Another day is no conflict.
    day_after = (today() + timedelta(days=2)).isoformat()
    later = text(Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("delegations:calendar") + f"?date_from={day_after}"))
    assert "Two or more delegations are assigned" not in later


def test_the_public_calendar_shows_the_plan_but_never_the_leaders_contact(cast: Any, make_need: Any) -> None:
    make_need("verified")  # gives the commune a point on the map
    delegation = register(cast)
    waiting = text(Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("delegations:calendar")))
    assert "Registered, waiting for a route" in waiting
    assert delegation.code in waiting
    accept(cast.officer, delegation, stop_data(cast.commune_a))
    page = text(Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("delegations:calendar")))
    assert "Hội Chữ thập đỏ Thử nghiệm" in page
    assert "People: 12, vehicles: 3" in page
    assert "Instant noodles: 200 boxes" in page
    assert "Cash for house repair: 50,000,000 VND" in page
    assert 'id="delegation-points"' in page and f'"code": "{cast.commune_a.code}"' in page
    for secret in (LEADER_PHONE, "Anh Trưởng Đoàn", LEADER_NOTE, live_stop(delegation, cast.commune_a).token):
        assert secret not in page


# ---- check-in by QR ------------------------------------------------------------------------


def test_the_stops_qr_code_opens_the_check_in_page(cast: Any) -> None:
    delegation = register(cast)
    accept(cast.officer, delegation, stop_data(cast.commune_a))
    stop = live_stop(delegation, cast.commune_a)
    page = text(cast.client_for(cast.org_member).get(reverse("delegations:stop_qr", args=[delegation.code, stop.code])))
    url = re.search(r'data-check-in-url="([^"]+)"', page)
    assert url is not None
    assert url.group(1).endswith(reverse("delegations:check_in", args=[stop.token]))
    assert "<svg" in page


def test_check_in_by_token_only_by_an_officer_of_that_commune(cast: Any) -> None:
    delegation = register(cast)
    accept(cast.province_member, delegation, stop_data(cast.commune_a))
    stop = live_stop(delegation, cast.commune_a)
    url = reverse("delegations:check_in", args=[stop.token])
    for user in (cast.officer_b, cast.province_member, cast.outsider, cast.donor):
        assert cast.client_for(user).post(url).status_code == 403
    assert Client().get(url).status_code == 302  # log in first
    assert cast.client_for(cast.officer).get(reverse("delegations:check_in", args=["X" * 24])).status_code == 404
    member_page = text(cast.client_for(cast.org_member).get(url))
    assert "Show this page or the QR code to a commune officer" in member_page
    cast.client_for(cast.org_member).post(url)
    assert Stop.objects.get(pk=stop.pk).status == StopStatus.ACCEPTED  # the delegation cannot check itself in
    client = cast.client_for(cast.officer)
    assert "Record the arrival" in text(client.get(url))
    response = client.post(url, follow=True)
    stop.refresh_from_db()
    assert stop.status == StopStatus.CHECKED_IN
    assert stop.checked_in_by == cast.officer
    assert stop.checked_in_at is not None
    assert Delegation.objects.get().status == DelegationStatus.ON_ROUTE
    assert "Arrival recorded by Cán bộ A" in text(response)
    assert "already recorded" in text(client.post(url))
    event = AuditEvent.objects.get(action="delegations.stop.checked_in")
    assert (event.actor, event.reason) == (cast.officer, "Arrived in Phường Đông Hà")


def test_a_suggested_stop_cannot_be_checked_in(cast: Any) -> None:
    delegation = register(cast)
    services.delegation_suggest(actor=cast.officer, delegation=delegation, stops=[stop_data(cast.commune_a)], reason="Ngày khác")
    stop = Stop.objects.get()
    with pytest.raises(services.DelegationStateError):
        services.stop_check_in(actor=cast.officer, stop=stop)
    assert Stop.objects.get().status == StopStatus.PROPOSED
    assert Delegation.objects.get().status == DelegationStatus.REDIRECTED
    assert not AuditEvent.objects.filter(action="delegations.stop.checked_in").exists()


# ---- hand-over -----------------------------------------------------------------------------


def arrived(cast: Any, **kwargs: Any) -> tuple[Delegation, Stop]:
    delegation = register(cast, **kwargs)
    accept(cast.officer, delegation, stop_data(cast.commune_a))
    stop = services.stop_check_in(actor=cast.officer, stop=live_stop(delegation, cast.commune_a))
    return delegation, stop


def test_the_hand_over_becomes_delivered_pledges_that_the_commune_confirms(cast: Any, make_need: Any) -> None:
    from cuutro.geo.services import village_create

    village_create(commune=cast.commune_a, code="19333-07", name="Khu phố 7")
    need = make_need("verified", village_code="19333-07")  # 30 roofing sheets, 50.5 kg rice
    delegation, stop = arrived(cast)
    sheets = NeedItem.objects.get(need=need, item__code="roofing-sheet")
    client = cast.client_for(cast.org_member)
    url = reverse("delegations:handover", args=[delegation.code, stop.code])
    page = text(client.get(url))
    assert need.code in page and "30 sheets" in page
    assert "Khu phố 7" in page  # the village, so the delegation finds the household on the ground
    response = client.post(url, {f"q-{sheets.pk}": "20"})
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert (pledge.status, pledge.quantity, pledge.donor, pledge.organisation) == (
        PledgeStatus.DELIVERED, Decimal(20), cast.org_member, delegation.organisation,
    )
    assert pledge.public_name == "Hội Chữ thập đỏ Thử nghiệm"
    assert pledge.contact_phone == LEADER_PHONE
    sheets.refresh_from_db()
    assert (sheets.quantity_pledged, sheets.quantity_delivered) == (Decimal(20), Decimal(20))
    line = HandoverLine.objects.get()
    assert (line.stop, line.quantity, line.created_by) == (stop, Decimal(20), cast.org_member)
    detail = text(client.get(response["Location"]))
    assert pledge.code in detail and "Delivered – awaiting confirmation" in detail
    # The officer who checked the delegation in confirms on the existing page, with a photo.
    assert "Confirm with a photo" in text(cast.client_for(cast.officer).get(reverse("delegations:check_in", args=[stop.token])))
    with pytest.raises(PermissionDenied):
        pledge_confirm(actor=cast.org_member, pledge=pledge, evidence=photo_upload(), evidence_kind="photo", acknowledged=True)
    pledge_confirm(actor=cast.officer, pledge=pledge, evidence=photo_upload(), evidence_kind="photo", acknowledged=True)
    assert Pledge.objects.get().status == PledgeStatus.CONFIRMED
    event = AuditEvent.objects.get(action="delegations.stop.handed_over")
    assert event.actor == cast.org_member
    assert event.data["pledges"] == [pledge.code]


def test_the_hand_over_refuses_to_over_pledge_and_writes_nothing(cast: Any, make_need: Any) -> None:
    need = make_need("verified")
    delegation, stop = arrived(cast)
    sheets = NeedItem.objects.get(need=need, item__code="roofing-sheet")
    rice = NeedItem.objects.get(need=need, item__code="rice")
    delegation.cargo.create(item=rice.item, quantity=100)
    with pytest.raises(OverPledgedError):  # the first line went through, the second did not: neither stays
        services.stop_handover(
            actor=cast.org_member, stop=stop,
            lines=[services.HandoverData(rice.pk, 1), services.HandoverData(sheets.pk, 31)],
        )
    response = cast.client_for(cast.org_member).post(
        reverse("delegations:handover", args=[delegation.code, stop.code]), {f"q-{sheets.pk}": "31"}
    )
    assert "Only 30 sheets of Roofing sheet remain" in text(response)
    assert not Pledge.objects.exists()
    assert not HandoverLine.objects.exists()
    sheets.refresh_from_db()
    assert sheets.quantity_pledged == 0


def test_the_hand_over_refuses_more_than_the_delegation_brought(cast: Any, make_need: Any) -> None:
    need = make_need("verified")
    _delegation, stop = arrived(cast, cargo={"roofing-sheet": 10})
    sheets = NeedItem.objects.get(need=need, item__code="roofing-sheet")
    services.stop_handover(actor=cast.org_member, stop=stop, lines=[services.HandoverData(sheets.pk, 6)])
    with pytest.raises(ValidationError) as error:
        services.stop_handover(actor=cast.org_member, stop=stop, lines=[services.HandoverData(sheets.pk, 5)])
    assert "6 sheets of it is handed over or allocated to needs already" in " ".join(error.value.messages)
    rice = NeedItem.objects.get(need=need, item__code="rice")
    with pytest.raises(ValidationError) as not_brought:
        services.stop_handover(actor=cast.org_member, stop=stop, lines=[services.HandoverData(rice.pk, 1)])
    assert "did not bring Rice" in " ".join(not_brought.value.messages)
    assert Pledge.objects.count() == 1


def test_no_hand_over_before_the_arrival_is_recorded_nor_by_the_officer(cast: Any, make_need: Any) -> None:
    need = make_need("verified")
    delegation = register(cast)
    accept(cast.officer, delegation, stop_data(cast.commune_a))
    stop = live_stop(delegation, cast.commune_a)
    sheets = NeedItem.objects.get(need=need, item__code="roofing-sheet")
    with pytest.raises(services.DelegationStateError):
        services.stop_handover(actor=cast.org_member, stop=stop, lines=[services.HandoverData(sheets.pk, 1)])
    services.stop_check_in(actor=cast.officer, stop=stop)
    with pytest.raises(PermissionDenied):
        services.stop_handover(actor=cast.officer, stop=stop, lines=[services.HandoverData(sheets.pk, 1)])
    assert cast.client_for(cast.officer).post(
        reverse("delegations:handover", args=[delegation.code, stop.code]), {f"q-{sheets.pk}": "1"}
    ).status_code == 403
    assert not Pledge.objects.exists()


def test_marking_completed_first_names_the_stops_that_leave_the_calendar(cast: Any) -> None:
    delegation = register(cast, communes=[cast.commune_a, cast.commune_b])
    later = today() + timedelta(days=2)
    accept(cast.province_member, delegation, stop_data(cast.commune_a), stop_data(cast.commune_b, later))
    services.stop_check_in(actor=cast.officer, stop=live_stop(delegation, cast.commune_a))
    client = cast.client_for(cast.org_member)
    url = reverse("delegations:action", args=[delegation.code, "complete"])
    detail = text(client.get(reverse("delegations:detail", args=[delegation.code])))
    assert f'href="{url}"' in detail  # the first tap only opens the confirmation
    response = client.get(url)
    assert response.status_code == 200
    page = text(response)
    dropped = page[page.index('class="dropped-stops"') : page.index("</ul>", page.index('class="dropped-stops"'))]
    assert f"{cast.commune_b.name} · {later:%d/%m/%Y}" in dropped
    assert cast.commune_a.name not in dropped  # visited: it stays
    assert "Yes, the visit is over" in page
    assert Delegation.objects.get().status == DelegationStatus.ON_ROUTE
    assert live_stop(delegation, cast.commune_b).status == StopStatus.ACCEPTED
    client.post(url)
    assert Delegation.objects.get().status == DelegationStatus.COMPLETED
    assert Stop.objects.get(delegation=delegation, commune=cast.commune_b).status == StopStatus.WITHDRAWN


def test_only_completion_has_a_confirmation_page(cast: Any) -> None:
    delegation, _stop = arrived(cast)
    client = cast.client_for(cast.org_member)
    assert client.get(reverse("delegations:action", args=[delegation.code, "cancel"])).status_code == 405
    services.delegation_complete(actor=cast.org_member, delegation=delegation)
    again = client.get(reverse("delegations:action", args=[delegation.code, "complete"]))
    assert again.status_code == 302 and again["Location"] == reverse("delegations:detail", args=[delegation.code])


def test_the_visit_is_completed_after_the_hand_over(cast: Any) -> None:
    delegation, _stop = arrived(cast)
    cast.client_for(cast.org_member).post(reverse("delegations:action", args=[delegation.code, "complete"]))
    assert Delegation.objects.get().status == DelegationStatus.COMPLETED
    assert AuditEvent.objects.get(action="delegations.delegation.completed").actor == cast.org_member


# ---- coordination advice on the route ------------------------------------------------------


def test_the_delegation_sees_noodles_are_enough_in_one_commune_and_needed_in_the_other(
    cast: Any, make_need: Any, make_pledge: Any
) -> None:
    noodles = [NeedItemData("instant-noodles", 20)]
    full = make_need("verified", items=noodles)
    make_pledge(full, item="instant-noodles", quantity=20)  # Đông Hà: every box pledged
    wanted = make_need("verified", area=cast.commune_b, creator=cast.officer_b, verifier=cast.province_member, items=noodles)
    delegation = register(cast, communes=[cast.commune_a, cast.commune_b], cargo={"instant-noodles": 200})
    accept(cast.province_member, delegation, stop_data(cast.commune_a), stop_data(cast.commune_b, today() + timedelta(days=2)))
    page = text(cast.client_for(cast.org_member).get(reverse("delegations:detail", args=[delegation.code])))
    stop_a, stop_b = stop_section(page, cast.commune_a), stop_section(page, cast.commune_b)
    assert 'data-item="instant-noodles" data-status="enough"' in stop_a
    assert "Phường Đông Hà already has enough Instant noodles" in stop_a
    assert "Instant noodles is still needed in:" in stop_a and "Xã Gio Linh" in stop_a
    assert 'data-item="instant-noodles" data-status="needed"' in stop_b
    assert "Instant noodles is still needed in Xã Gio Linh: 20 boxes missing." in stop_b
    assert wanted.code not in stop_a  # advice names communes, not households


# ---- who is told ---------------------------------------------------------------------------


def test_officials_of_the_asked_communes_and_the_province_are_told_of_a_new_delegation(cast: Any) -> None:
    from cuutro.notify.models import Notification

    delegation = register(cast, communes=[cast.commune_a, cast.commune_b])
    told = Notification.objects.filter(kind="delegation_registered")
    assert {n.recipient for n in told} == {cast.officer, cast.verifier, cast.officer_b, cast.province_member}
    note = told.get(recipient=cast.officer_b)
    assert delegation.code in note.subject and reverse("delegations:detail", args=[delegation.code]) in note.body
    assert LEADER_PHONE not in note.body  # the e-mail names the visit, not the leader's phone
    register(cast, communes=[cast.commune_a])  # a second delegation: its own messages, nobody told twice for one
    assert Notification.objects.filter(kind="delegation_registered", recipient=cast.officer).count() == 2


def test_whoever_registered_is_told_of_the_route_and_of_a_suggestion(cast: Any) -> None:
    from cuutro.notify.models import Notification

    delegation = register(cast, communes=[cast.commune_a, cast.commune_b])
    services.delegation_suggest(
        actor=cast.province_member, delegation=delegation, stops=[stop_data(cast.commune_b)], reason="Gio Linh còn thiếu tôn lợp"
    )
    accept(cast.province_member, delegation, stop_data(cast.commune_a))
    kinds = list(Notification.objects.filter(recipient=cast.org_member).order_by("pk").values_list("kind", "body"))
    assert [k for k, _b in kinds] == ["delegation_suggested", "delegation_routed"]
    assert "Gio Linh còn thiếu tôn lợp" in kinds[0][1]


# ---- the API ---------------------------------------------------------------------------------


def test_the_api_lists_the_calendar_with_conflicts_and_no_contact(cast: Any) -> None:
    day = today() + timedelta(days=1)
    first = accept(cast.province_member, register(cast), stop_data(cast.commune_a, day))
    second = accept(cast.province_member, register(cast, origin="Huế"), stop_data(cast.commune_a, day))
    waiting = register(cast, communes=[cast.commune_b], origin="Vinh")
    body = Client().get("/api/v1/delegations", HTTP_ACCEPT_LANGUAGE="vi").json()
    assert body["stops"] == [{
        "date": day.isoformat(), "commune": cast.commune_a.code, "commune_name": cast.commune_a.name,
        "assigned": sorted([first.code, second.code]), "suggested": [], "conflict": True,
    }]  # fmt: skip
    assert {d["code"] for d in body["delegations"]} == {first.code, second.code}
    assert [d["code"] for d in body["waiting"]] == [waiting.code]
    assert body["waiting"][0]["preferred_communes"] == [cast.commune_b.name]
    assert {(d["status"], d["status_label"]) for d in body["delegations"]} == {("accepted", "Đã phân lộ trình")}
    raw = Client().get("/api/v1/delegations").content.decode()
    assert LEADER_PHONE not in raw and "Anh Trưởng Đoàn" not in raw and LEADER_NOTE not in raw
    # A later window does not hold them; a bad window is refused with the shared error shape.
    later = Client().get("/api/v1/delegations", {"date_from": (day + timedelta(days=3)).isoformat(), "days": 2}).json()
    assert later["stops"] == [] and later["date_to"] == (day + timedelta(days=4)).isoformat()
    refused = Client().get("/api/v1/delegations", {"days": 99})
    assert refused.status_code == 422 and "days" in str(refused.json()["error"]["fields"])


def test_a_phone_number_in_the_public_origin_is_refused(cast: Any) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        register(cast, origin="Đà Nẵng, gọi 0905 123 456")
    assert refused.value.message_dict["origin"] == ["Where it comes from is public: do not write a phone or ID number in it."]
    assert not Delegation.objects.exists()


def test_the_hand_over_page_points_at_the_line_that_is_wrong(cast: Any, make_need: Any) -> None:
    need = make_need("verified")  # asks for 30 roofing sheets
    delegation, stop = arrived(cast, cargo={"roofing-sheet": 40})
    sheets = NeedItem.objects.get(need=need, item__code="roofing-sheet")
    url = reverse("delegations:handover", args=[delegation.code, stop.code])
    client = cast.client_for(cast.org_member)

    def marked_rows(response: Any) -> list[str]:
        return re.findall(r'<tr data-need="([^"]+)" class="row-error">', response.content.decode())

    # A quantity that is not a number: the summary says it, and its line is marked.
    response = client.post(url, {f"q-{sheets.pk}": "nhiều"})
    assert marked_rows(response) == [need.code]
    assert f'aria-invalid="true" aria-describedby="e-{sheets.pk}"' in response.content.decode()
    page = response.content.decode()
    assert f'<li><a href="#q-{sheets.pk}">{need.code} · Roofing sheet: ' in page  # the summary links to the line
    inline = re.search(rf'<ul class="errorlist" id="e-{sheets.pk}"><li>([^<]*)</li>', page)
    assert inline and inline.group(1) and not inline.group(1).startswith(need.code)  # the row already says which
    assert f'action="{url}"' in page  # posting again must not keep a "#q-…" from the summary
    # More than the truck carried: the item's group carries the message, no line is marked.
    response = client.post(url, {f"q-{sheets.pk}": "41"})
    assert marked_rows(response) == [] and "41 sheets more is too much" in text(response)
    assert f'<li><a href="#item-{sheets.item_id}">' in response.content.decode()
    # More than the need still misses: that line is marked with what remains.
    response = client.post(url, {f"q-{sheets.pk}": "31"})
    assert marked_rows(response) == [need.code] and "Only 30 sheets of Roofing sheet remain" in text(response)
    assert not Pledge.objects.exists()
    # Right: recorded.
    assert client.post(url, {f"q-{sheets.pk}": "10"}).status_code == 302
    assert Pledge.objects.count() == 1


def test_commune_points_are_the_middle_of_the_public_points_in_one_query(
    cast: Any, make_need: Any, django_assert_max_num_queries: Any
) -> None:
    from cuutro.delegations.selectors import commune_points
    from cuutro.needs.selectors import NeedFilters, need_points_public

    for lat in ("16.816234", "16.826234"):
        make_need("verified", latitude=Decimal(lat))
    make_need("verified", area=cast.commune_b, latitude=Decimal("16.901234"), creator=cast.officer_b, verifier=cast.province_member)
    make_need("draft", area=cast.commune_b, latitude=Decimal("10.0"), creator=cast.officer_b)  # not published: not counted
    with django_assert_max_num_queries(1):  # however many communes
        points = commune_points(communes=[cast.commune_a, cast.commune_b])
    for commune in (cast.commune_a, cast.commune_b):
        public = need_points_public(filters=NeedFilters(area=commune.code))  # households blurred
        assert points[commune.pk] == (
            round(sum(p["lat"] for p in public) / len(public), 4), round(sum(p["lng"] for p in public) / len(public), 4)
        )
    assert points[cast.commune_b.pk][0] == round(float(Decimal("16.901234").quantize(Decimal("0.01"))), 4)  # blurred, not 16.9012
