"""The officers' allocation page: the optimiser proposes which delegation's goods cover which open
needs; an official accepts (or adjusts) lines, which become pledges of the delegation's
organisation recorded on behalf of its member, all or nothing, never beyond what remains."""

from __future__ import annotations

import html
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from cuutro.audit.models import AuditEvent
from cuutro.coordination.optimiser import NeedSlot, Offer, solve
from cuutro.delegations import allocation, services
from cuutro.delegations.models import AllocationLine, CargoLine, Delegation, HandoverLine, Stop, StopStatus
from cuutro.delegations.services import HandoverData, stop_check_in, stop_handover
from cuutro.needs.models import Need, NeedItem
from cuutro.needs.services import NeedItemData
from cuutro.pledges.models import Pledge, PledgeStatus
from cuutro.pledges.services import PledgeData, pledge_cancel, pledge_confirm, pledge_create, pledge_deliver
from tests.conftest import photo_upload

# Points: two households in Phường Đông Hà, a community need in Xã Gio Linh about 11 km away.
POINT_A1 = (Decimal("16.816234"), Decimal("107.100456"))
POINT_A2 = (Decimal("16.812345"), Decimal("107.093456"))
POINT_B = (Decimal("16.900000"), Decimal("107.040000"))


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def tomorrow() -> Any:
    return timezone.localdate() + timedelta(days=1)


def set_priority(need: Need, priority: int) -> Need:
    Need.objects.filter(pk=need.pk).update(priority=priority)
    need.refresh_from_db()
    return need


def organisation_id(cast: Any) -> int:
    return int(cast.org_member.roles.get().organisation_id)


def delegation_with_route(cast: Any, cargo: dict[str, Any]) -> Delegation:
    """Registered by the organisation member, routed by the province: Đông Hà tomorrow, Gio Linh the day after."""
    delegation = services.delegation_register(
        actor=cast.org_member,
        data=services.DelegationData(
            organisation_id=organisation_id(cast), origin="Đà Nẵng", starts_on=tomorrow(), ends_on=tomorrow() + timedelta(days=1),
            leader_name="Anh Trưởng Đoàn", leader_phone="0913579246", people=6, vehicles=2,
            preferred_commune_codes=[cast.commune_a.code, cast.commune_b.code],
            cargo=[services.CargoData(code, quantity) for code, quantity in cargo.items()],
        ),
    )
    return services.delegation_accept(
        actor=cast.province_member, delegation=delegation,
        stops=[
            services.StopData(commune_code=cast.commune_a.code, on_date=tomorrow()),
            services.StopData(commune_code=cast.commune_b.code, on_date=tomorrow() + timedelta(days=1)),
        ],
    )


@pytest.fixture
def scene(cast: Any, make_need: Any) -> dict[str, Any]:
    """Three located needs, one without a point, one asking for money, and one delegation that
    brings roofing sheets, rice and cash. Roofing is scarce (40 for 80 asked), so priorities
    and distance decide; the optimum is unique."""
    a1 = set_priority(make_need(items=[NeedItemData("roofing-sheet", 30), NeedItemData("rice", Decimal("50.5"))],
                                latitude=POINT_A1[0], longitude=POINT_A1[1]), 80)
    a2 = set_priority(make_need(items=[NeedItemData("roofing-sheet", 30)], latitude=POINT_A2[0], longitude=POINT_A2[1]), 60)
    b1 = set_priority(
        make_need(area=cast.commune_b, creator=cast.officer_b, verifier=cast.province_member, kind="community", beneficiary=None,
                  items=[NeedItemData("roofing-sheet", 20)], latitude=POINT_B[0], longitude=POINT_B[1]),
        90,
    )
    unlocated = set_priority(make_need(items=[NeedItemData("rice", 10)], latitude=None, longitude=None), 99)
    cash = set_priority(make_need(items=[NeedItemData("cash-house-repair", "10.000.000")]), 99)
    delegation = delegation_with_route(cast, {"roofing-sheet": 40, "rice": 30, "cash-house-repair": "50.000.000"})
    return {"a1": a1, "a2": a2, "b1": b1, "unlocated": unlocated, "cash": cash, "delegation": delegation}


def run_params(**overrides: Any) -> dict[str, str]:
    params = {
        "date_from": tomorrow().isoformat(),
        "date_to": (tomorrow() + timedelta(days=1)).isoformat(),
        "area": "",
        "distance_weight": "0.5",
    }
    params.update(overrides)
    return params


def page_url(**overrides: Any) -> str:
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query.update(run_params(**overrides))
    return reverse("delegations:allocate") + "?" + query.urlencode()


def item_of(need: Need, code: str) -> NeedItem:
    return need.items.get(item__code=code)


def cargo_of(delegation: Delegation, code: str) -> CargoLine:
    return delegation.cargo.get(item__code=code)


def key(need: Need, item: str, delegation: Delegation) -> str:
    return f"{item_of(need, item).pk}-{cargo_of(delegation, item).pk}"


def accept_post(cast: Any, user: Any, lines: dict[str, Any], **params: Any) -> Any:
    """Tick ``lines`` (key → quantity) and press "Accept selected lines"."""
    data: dict[str, Any] = {**run_params(**params), "objective": "1.0", "line": list(lines), "use": list(lines)}
    data.update({f"q-{k}": str(q) for k, q in lines.items()})
    return cast.client_for(user).post(reverse("delegations:allocate"), data)


def proposal_lines(response: Any) -> set[tuple[int, int, Decimal]]:
    return {
        (line.need.need_item_id, line.offer.cargo_id, line.quantity)
        for group in response.context["proposal"].groups
        for line in group.lines
    }


# ---- the proposal ----------------------------------------------------------------------------


def expected_solution(cast: Any, delegation: Delegation, *, weight: float, communes: list[Any]) -> Any:
    """The optimiser's answer rebuilt from the rows, independently of the page's selector: open
    needs' goods items with a point, the delegation's goods cargo standing at its first stop's
    commune, whose point is the middle of that commune's published needs' public points."""
    needs = [
        NeedSlot(id=ni.pk, item=ni.item_id, quantity=ni.quantity - ni.quantity_pledged, priority=float(ni.need.priority),
                 lat=float(ni.need.latitude), lon=float(ni.need.longitude))
        for ni in NeedItem.objects.filter(
            need__area__in=communes, need__status__in=["verified", "partially_pledged"], need__latitude__isnull=False
        ).exclude(item__unit="vnd").select_related("need").order_by("pk")
        if ni.quantity > ni.quantity_pledged
    ]
    first_stop = delegation.stops.filter(status=StopStatus.ACCEPTED).order_by("on_date").first()
    assert first_stop is not None
    public = []
    for need in Need.objects.filter(area=first_stop.commune, latitude__isnull=False):
        step = Decimal("0.01") if need.kind == "household" else Decimal("0.000001")
        public.append((float(need.latitude.quantize(step, ROUND_HALF_UP)), float(need.longitude.quantize(step, ROUND_HALF_UP))))
    lat = round(sum(p[0] for p in public) / len(public), 4)
    lon = round(sum(p[1] for p in public) / len(public), 4)
    offers = [
        Offer(id=c.pk, item=c.item_id, quantity=c.quantity, lat=lat, lon=lon)
        for c in delegation.cargo.exclude(item__unit="vnd").order_by("pk")
    ]
    return solve(needs, offers, distance_weight=weight)


def test_the_proposal_equals_the_optimisers_solution_on_the_same_rows(cast: Any, scene: dict[str, Any]) -> None:
    response = cast.client_for(cast.province_member).get(page_url())
    expected = expected_solution(cast, scene["delegation"], weight=0.5, communes=[cast.commune_a, cast.commune_b])
    assert response.status_code == 200
    assert proposal_lines(response) == {(int(a.need), int(a.offer), a.quantity) for a in expected.allocations}
    assert response.context["proposal"].objective == pytest.approx(expected.objective, rel=1e-9)
    # The scarce roofing goes to the highest priorities net of distance: Gio Linh's 20, then 20 of HGĐ A1.
    delegation = scene["delegation"]
    assert proposal_lines(response) == {
        (item_of(scene["b1"], "roofing-sheet").pk, cargo_of(delegation, "roofing-sheet").pk, Decimal(20)),
        (item_of(scene["a1"], "roofing-sheet").pk, cargo_of(delegation, "roofing-sheet").pk, Decimal(20)),
        (item_of(scene["a1"], "rice").pk, cargo_of(delegation, "rice").pk, Decimal(30)),
    }
    page = text(response)
    section = page[page.index(f'data-delegation="{delegation.code}"') :]
    assert f'data-line="{key(scene["b1"], "roofing-sheet", delegation)}"' in section
    assert 'max="30"' in section  # HGĐ A1's roofing line: the need still misses 30, the truck has 40
    assert "Phường Đông Hà" in section and "Xã Gio Linh" in section
    assert f"score {expected.objective:,.2f}." in page  # grouped, as every figure: "5,679.38"
    # One card per line: what is edited (the quantity) sits with the need, its priority and distance.
    card = section[section.index(f'data-line="{key(scene["a1"], "roofing-sheet", delegation)}"') :]
    card = card[: card.index("</li>")]
    for field in ("name=\"use\"", f'name="q-{key(scene["a1"], "roofing-sheet", delegation)}"', "Priority", "Distance (km)"):
        assert field in card, field
    assert 'class="sticky-submit"' in page


def test_needs_without_a_point_are_left_out_and_counted(cast: Any, scene: dict[str, Any]) -> None:
    response = cast.client_for(cast.province_member).get(page_url())
    assert response.context["proposal"].problem.needs_without_point == 1
    assert "1 need has no point on the map and was left out." in text(response)
    assert item_of(scene["unlocated"], "rice").pk not in response.context["proposal"].problem.needs


def test_cash_is_never_allocated_neither_the_delegations_nor_the_needs(cast: Any, scene: dict[str, Any]) -> None:
    response = cast.client_for(cast.province_member).get(page_url())
    problem = response.context["proposal"].problem
    assert cargo_of(scene["delegation"], "cash-house-repair").pk not in problem.offers
    assert item_of(scene["cash"], "cash-house-repair").pk not in problem.needs
    assert {o.unit for o in problem.offers.values()} == {"sheet", "kg"}
    assert "Only goods are allocated: money is never on this page" in text(response)


def test_a_larger_distance_weight_keeps_goods_near_the_delegation(cast: Any, scene: dict[str, Any]) -> None:
    response = cast.client_for(cast.province_member).get(page_url(distance_weight="5"))
    needs = {line.need.need_code for g in response.context["proposal"].groups for line in g.lines}
    assert scene["b1"].code not in needs  # 11 km × 5 points costs more than its higher priority earns
    assert scene["a2"].code in needs


def test_what_the_delegation_handed_over_at_a_stop_is_no_longer_offered(cast: Any, scene: dict[str, Any]) -> None:
    delegation = scene["delegation"]
    stop = Stop.objects.get(delegation=delegation, commune=cast.commune_a)
    services.stop_check_in(actor=cast.officer, stop=stop)
    services.stop_handover(
        actor=cast.org_member, stop=stop, lines=[services.HandoverData(item_of(scene["a2"], "roofing-sheet").pk, 5)]
    )
    problem = cast.client_for(cast.province_member).get(page_url()).context["proposal"].problem
    assert problem.offers[cargo_of(delegation, "roofing-sheet").pk].remaining == Decimal(35)
    assert problem.offers[cargo_of(delegation, "rice").pk].remaining == Decimal(30)


def test_the_form_refuses_a_negative_weight_and_an_inverted_range(cast: Any, scene: dict[str, Any]) -> None:
    client = cast.client_for(cast.province_member)
    response = client.get(page_url(distance_weight="-1", date_to=timezone.localdate().isoformat()))
    assert response.context["proposal"] is None
    assert response.context["form"].errors.keys() == {"distance_weight", "date_to"}


def test_a_delegation_whose_commune_has_no_point_is_left_out_and_named(cast: Any, make_need: Any) -> None:
    set_priority(make_need(area=cast.commune_b, creator=cast.officer_b, verifier=cast.province_member,
                           items=[NeedItemData("rice", 10)], latitude=None, longitude=None), 50)
    delegation = delegation_with_route(cast, {"rice": 10})
    response = cast.client_for(cast.province_member).get(page_url())
    assert response.context["proposal"].problem.delegations_without_point == [delegation.code]
    assert delegation.code in text(response)


# ---- accepting --------------------------------------------------------------------------------


def test_an_adjusted_line_becomes_a_pledge_of_the_organisation_recorded_by_the_official(cast: Any, scene: dict[str, Any]) -> None:
    delegation = scene["delegation"]
    chosen = key(scene["a1"], "roofing-sheet", delegation)
    response = accept_post(cast, cast.province_member, {chosen: 15})  # proposed 20, adjusted to 15
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert pledge.need_item == item_of(scene["a1"], "roofing-sheet")
    assert pledge.quantity == Decimal(15)
    assert pledge.donor == cast.org_member
    assert pledge.organisation_id == organisation_id(cast)
    assert pledge.public_name == "Hội Chữ thập đỏ Thử nghiệm"
    assert pledge.contact_name == "Anh Trưởng Đoàn"
    assert pledge.expected_on == tomorrow()  # the day of its stop in the need's commune
    created = AuditEvent.objects.get(action="pledges.pledge.created", target_id=str(pledge.pk))
    assert created.actor == cast.province_member
    assert created.reason.startswith("Allocation accepted")
    assert created.data["on_behalf_of"] == "org_member"
    event = AuditEvent.objects.get(action="delegations.allocation.accepted")
    assert event.actor == cast.province_member
    assert event.target_id == str(delegation.pk)
    assert event.reason == "Allocation accepted"
    assert event.data["date_from"] == tomorrow().isoformat()
    assert event.data["area"] == ""
    assert event.data["distance_weight"] == "0.5"
    assert event.data["pledges"] == [pledge.code]
    assert event.data["objective"] > 0
    # The stop in Đông Hà now lists the need among those planned for it.
    assert scene["a1"].pk in Stop.objects.get(delegation=delegation, commune=cast.commune_a).needs.values_list("pk", flat=True)
    # The organisation is told what it now holds.
    from cuutro.notify.models import Notification

    told = Notification.objects.get(kind="allocation_accepted")
    assert told.recipient == cast.org_member and pledge.code in told.body and delegation.code in told.subject
    # The next run counts the truck's roofing as 40 − 15 and the need's as 30 − 15.
    again = cast.client_for(cast.province_member).get(page_url()).context["proposal"].problem
    assert again.offers[cargo_of(delegation, "roofing-sheet").pk].remaining == Decimal(25)
    assert again.needs[item_of(scene["a1"], "roofing-sheet").pk].remaining == Decimal(15)


def test_goods_allocated_to_needs_cannot_be_handed_over_again_at_a_stop(cast: Any, scene: dict[str, Any]) -> None:
    delegation = scene["delegation"]
    accept_post(cast, cast.province_member, {key(scene["a1"], "roofing-sheet", delegation): 15})
    line = AllocationLine.objects.get()
    assert (line.cargo, line.quantity, line.accepted_by) == (cargo_of(delegation, "roofing-sheet"), 15, cast.province_member)
    assert cargo_of(delegation, "roofing-sheet").committed() == 15
    stop = stop_check_in(actor=cast.officer, stop=Stop.objects.get(delegation=delegation, commune=cast.commune_a))
    other = item_of(scene["a1"], "roofing-sheet")  # 15 still missing there; the truck has 40 − 15 = 25 left
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        stop_handover(actor=cast.org_member, stop=stop, lines=[HandoverData(need_item_id=other.pk, quantity=26)])
    assert "15 sheets of it is handed over or allocated to needs already" in " ".join(refused.value.messages)
    assert not HandoverLine.objects.exists()
    assert list(Pledge.objects.all()) == [line.pledge]
    # A cancelled allocation pledge gives the goods back to the truck.
    pledge_cancel(actor=cast.org_member, pledge=line.pledge, reason="Xe hỏng")
    assert cargo_of(delegation, "roofing-sheet").committed() == 0


def test_the_organisation_delivers_the_allocated_pledge_and_another_officer_confirms(cast: Any, scene: dict[str, Any]) -> None:
    accept_post(cast, cast.officer, {key(scene["a1"], "roofing-sheet", scene["delegation"]): 10})
    pledge = pledge_deliver(actor=cast.org_member, pledge=Pledge.objects.get())
    with pytest.raises(PermissionDenied):  # the officer who accepted was on the giving side
        pledge_confirm(actor=cast.officer, pledge=pledge, evidence=photo_upload(), evidence_kind="photo", acknowledged=True,
                       received_by="Người nhận")
    pledge = pledge_confirm(actor=cast.verifier, pledge=pledge, evidence=photo_upload(), evidence_kind="photo", acknowledged=True,
                            received_by="Người nhận")
    assert pledge.status == PledgeStatus.CONFIRMED


def test_a_line_above_what_the_need_still_misses_is_refused_and_nothing_is_written(cast: Any, scene: dict[str, Any]) -> None:
    delegation = scene["delegation"]
    response = accept_post(
        cast, cast.province_member,
        {key(scene["b1"], "roofing-sheet", delegation): 20, key(scene["a1"], "roofing-sheet", delegation): 31},
    )
    assert response.status_code == 200
    assert f"{scene['a1'].code} · Roofing sheet ← {delegation.code}: only 30 sheets remain to be covered" in text(response)
    assert "Nothing was accepted." in text(response)
    assert not Pledge.objects.exists()
    assert not AuditEvent.objects.filter(action="delegations.allocation.accepted").exists()
    assert response.context["values"][key(scene["a1"], "roofing-sheet", delegation)] == "31"  # the typed value stays


def test_lines_above_what_the_delegation_carries_are_refused_and_nothing_is_written(cast: Any, scene: dict[str, Any]) -> None:
    delegation = scene["delegation"]
    response = accept_post(
        cast, cast.province_member,
        {key(scene["b1"], "roofing-sheet", delegation): 20, key(scene["a1"], "roofing-sheet", delegation): 25},
    )
    assert "the delegation has only 40 sheets of Roofing sheet left to allocate; the selected lines ask for 45 sheets" in text(response)
    assert not Pledge.objects.exists()


def test_a_pledge_made_meanwhile_rolls_the_whole_acceptance_back(cast: Any, scene: dict[str, Any], monkeypatch: Any) -> None:
    """Another donor pledges Gio Linh's roofing between the check and the pledge: the need's lock
    in pledge_create refuses, and the line already pledged before it is undone too."""
    delegation = scene["delegation"]
    original = allocation.allocation_problem
    b1_item = item_of(scene["b1"], "roofing-sheet")

    def problem_then_race(**kwargs: Any) -> Any:
        problem = original(**kwargs)
        pledge_create(actor=cast.donor, data=PledgeData(need_item_id=b1_item.pk, quantity=20))
        return problem

    monkeypatch.setattr(allocation, "allocation_problem", problem_then_race)
    with pytest.raises(allocation.AllocationError) as refused:
        allocation.allocation_accept(
            actor=cast.province_member,
            params=allocation.AllocationParams(tomorrow(), tomorrow(), None, Decimal("0.5")),
            lines=[
                allocation.AcceptLine(item_of(scene["a1"], "roofing-sheet").pk, cargo_of(delegation, "roofing-sheet").pk, "10"),
                allocation.AcceptLine(b1_item.pk, cargo_of(delegation, "roofing-sheet").pk, "20"),
            ],
        )
    assert f"{scene['b1'].code} · Roofing sheet ← {delegation.code}: only 0 sheets remain" in refused.value.message
    assert not Pledge.objects.filter(donor=cast.org_member).exists()
    assert NeedItem.objects.get(pk=item_of(scene["a1"], "roofing-sheet").pk).quantity_pledged == 0


def test_a_line_for_cash_or_a_foreign_pair_is_refused(cast: Any, scene: dict[str, Any]) -> None:
    delegation = scene["delegation"]
    cash = f"{item_of(scene['cash'], 'cash-house-repair').pk}-{cargo_of(delegation, 'cash-house-repair').pk}"
    mismatched = f"{item_of(scene['a1'], 'rice').pk}-{cargo_of(delegation, 'roofing-sheet').pk}"
    for line in (cash, mismatched):
        response = accept_post(cast, cast.province_member, {line: 1})
        assert "One of the lines is no longer available" in text(response)
    assert not Pledge.objects.exists()


# ---- scope -------------------------------------------------------------------------------------


def test_a_commune_officer_allocates_only_to_their_communes_needs(cast: Any, scene: dict[str, Any]) -> None:
    response = cast.client_for(cast.officer).get(page_url())
    needs = {line.need.need_code for g in response.context["proposal"].groups for line in g.lines}
    assert needs == {scene["a1"].code, scene["a2"].code}  # Gio Linh's need is not theirs: the roofing stays in Đông Hà
    assert {n.commune_name for n in response.context["proposal"].problem.needs.values()} == {"Phường Đông Hà"}
    other = cast.client_for(cast.officer_b).get(page_url()).context["proposal"]
    assert {line.need.need_code for g in other.groups for line in g.lines} == {scene["b1"].code}
    # Posting another commune's line is refused like a line that no longer exists.
    response = accept_post(cast, cast.officer, {key(scene["b1"], "roofing-sheet", scene["delegation"]): 5})
    assert "One of the lines is no longer available" in text(response)
    assert not Pledge.objects.exists()


def test_the_outsider_the_donor_and_the_organisation_get_403(cast: Any, scene: dict[str, Any]) -> None:
    line = key(scene["a1"], "roofing-sheet", scene["delegation"])
    for user in (cast.outsider, cast.donor, cast.org_member):
        assert cast.client_for(user).get(page_url()).status_code == 403
        assert accept_post(cast, user, {line: 5}).status_code == 403
    assert not Pledge.objects.exists()


def test_the_officer_list_links_to_the_allocation_page(cast: Any) -> None:
    page = text(cast.client_for(cast.province_member).get(reverse("delegations:officer_list")))
    assert reverse("delegations:allocate") in page


# ---- pledge_create(donor=...) --------------------------------------------------------------------


def on_behalf(cast: Any, need: Need, **overrides: Any) -> PledgeData:
    values: dict[str, Any] = {
        "need_item_id": item_of(need, "roofing-sheet").pk, "quantity": 2, "show_as": "organisation",
        "organisation_id": organisation_id(cast), "note": "Allocation accepted",
    }
    values.update(overrides)
    return PledgeData(**values)


def test_only_officials_in_scope_of_the_need_pledge_on_someones_behalf(cast: Any, make_need: Any) -> None:
    need = make_need("verified")
    for official in (cast.officer_b, cast.outsider, cast.donor):
        with pytest.raises(PermissionDenied):
            pledge_create(actor=official, donor=cast.org_member, data=on_behalf(cast, need))
    assert not Pledge.objects.exists()
    pledge = pledge_create(actor=cast.officer, donor=cast.org_member, data=on_behalf(cast, need))
    assert pledge.donor == cast.org_member
    assert AuditEvent.objects.get(action="pledges.pledge.created", target_id=str(pledge.pk)).actor == cast.officer


def test_the_donor_on_whose_behalf_must_belong_to_the_organisation_and_a_reason_is_needed(cast: Any, make_need: Any) -> None:
    need = make_need("verified")
    with pytest.raises(PermissionDenied):
        pledge_create(actor=cast.province_member, donor=cast.donor, data=on_behalf(cast, need))
    with pytest.raises(PermissionDenied):
        pledge_create(actor=cast.province_member, donor=cast.org_member, data=on_behalf(cast, need, organisation_id=None))
    with pytest.raises(ValidationError):
        pledge_create(actor=cast.province_member, donor=cast.org_member, data=on_behalf(cast, need, note=" "))
    assert not Pledge.objects.exists()
