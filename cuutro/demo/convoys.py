"""Relief delegations of the demo: one on the road today, one routed for the coming days, one
sent elsewhere by the commune, one still waiting for a route.

Everything goes through ``delegations.services`` as the people would: the organisation member
registers, the province committee or the commune officer routes, the commune officer checks the
arrival in (the stop's QR code) and the delegation records what it handed over, which becomes
delivered pledges waiting for the commune's confirmation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError

from cuutro.accounts.models import Organisation, User
from cuutro.delegations.models import Delegation, Stop
from cuutro.delegations.selectors import handover_groups
from cuutro.delegations.services import (
    CargoData,
    DelegationData,
    HandoverData,
    StopData,
    delegation_accept,
    delegation_register,
    delegation_suggest,
    stop_check_in,
    stop_handover,
)
from cuutro.pledges.services import OverPledgedError


@dataclass(frozen=True)
class ConvoySummary:
    delegations: int = 0
    stops: int = 0
    checked_in: int = 0
    handed_over: int = 0  # pledges made at a stop


def _register(
    *, member: User, organisation: Organisation, origin: str, start: date, days: int, leader: tuple[str, str],
    people: int, vehicles: int, communes: list[str], cargo: dict[str, int], note: str = "",
) -> Delegation:  # fmt: skip
    return delegation_register(
        actor=member,
        data=DelegationData(
            organisation_id=organisation.pk, origin=origin, starts_on=start, ends_on=start + timedelta(days=days - 1),
            leader_name=leader[0], leader_phone=leader[1], people=people, vehicles=vehicles,
            preferred_commune_codes=communes, cargo=[CargoData(code, quantity) for code, quantity in cargo.items()], note=note,
        ),
    )  # fmt: skip


def _organisation_of(member: User) -> Organisation:
    return Organisation.objects.get(members__user=member)


def _hand_over(*, member: User, stop: Stop) -> int:
    """Hand over some of each item to the first open need that misses it, as the delegation's
    leader would on arrival; an item nobody there needs stays on the truck."""
    lines = []
    for group in handover_groups(stop=stop):
        if group.choices and group.left > 0:
            choice = group.choices[0]
            lines.append(HandoverData(need_item_id=choice.need_item_id, quantity=min(choice.remaining, group.left, Decimal(10))))
    if not lines:
        return 0
    try:
        return len(stop_handover(actor=member, stop=stop, lines=lines))
    except (ValidationError, OverPledgedError):  # a quantity the demo's needs cannot take: leave it
        return 0


def build_convoys(*, users: Mapping[str, User], communes: tuple[str, str], today: date) -> ConvoySummary:
    """Four delegations around ``today`` in the two showcase communes (``communes``: A, B)."""
    commune_a, commune_b = communes
    member, red_cross_member = users["demo-delegation"], users["demo-org"]
    province, officer_a = users["demo-province"], users["demo-officer"]
    convoy_org, red_cross = _organisation_of(member), _organisation_of(red_cross_member)

    # 1. On the road: routed to both communes, arrived in A today and handed over there.
    road = _register(
        member=member, organisation=convoy_org, origin="TP. Hồ Chí Minh", start=today, days=2, leader=("Ngô Quang Vinh", "0905118822"),
        people=12, vehicles=3, communes=[commune_a, commune_b],
        cargo={"rice": 2000, "instant-noodles": 300, "blanket": 200, "roofing-sheet": 150},
        note="Xe tải 8 tấn, cần chỗ đỗ gần nhà văn hoá.",
    )  # fmt: skip
    delegation_accept(
        actor=province, delegation=road,
        stops=[StopData(commune_a, today), StopData(commune_b, today + timedelta(days=1))],
        reason="Đông Hà hôm nay, Gio Linh ngày mai: hai xã còn thiếu tôn lợp và chăn.",
    )  # fmt: skip
    arrived = stop_check_in(actor=officer_a, stop=Stop.objects.get(delegation=road, commune__code=commune_a))
    handed = _hand_over(member=member, stop=arrived)

    # 2. Routed for the coming days by the province.
    later = _register(
        member=red_cross_member, organisation=red_cross, origin="Hà Nội", start=today + timedelta(days=3), days=2,
        leader=("Trần Thị Mai", "0913456789"), people=6, vehicles=1, communes=[commune_b],
        cargo={"drinking-water": 1000, "water-purification": 100, "first-aid-kit": 40},
    )  # fmt: skip
    delegation_accept(
        actor=province, delegation=later, stops=[StopData(commune_b, today + timedelta(days=3))],
        reason="Gio Linh còn thiếu nước sạch sau lũ.",
    )  # fmt: skip

    # 3. Sent elsewhere: the commune already has enough noodles; it waits for the organisation.
    elsewhere = _register(
        member=member, organisation=convoy_org, origin="Đà Nẵng", start=today + timedelta(days=1), days=1,
        leader=("Lê Văn Hùng", "0935111222"), people=4, vehicles=1, communes=[commune_a],
        cargo={"instant-noodles": 500, "clothes-set": 300},
    )  # fmt: skip
    delegation_suggest(
        actor=province, delegation=elsewhere, stops=[StopData(commune_b, today + timedelta(days=1))],
        reason="Đông Hà đã đủ mì ăn liền và quần áo; Gio Linh còn cần.",
    )  # fmt: skip

    # 4. Registered, waiting for a route.
    _register(
        member=red_cross_member, organisation=red_cross, origin="Huế", start=today + timedelta(days=5), days=1,
        leader=("Phạm Minh Tuấn", "0977000111"), people=8, vehicles=2, communes=[commune_a, commune_b],
        cargo={"school-kit": 200, "textbook-set": 100},
    )  # fmt: skip

    return ConvoySummary(
        delegations=Delegation.objects.filter(created_by__in=[member, red_cross_member]).count(),
        stops=Stop.objects.filter(delegation__created_by__in=[member, red_cross_member]).count(),
        checked_in=1,
        handed_over=handed,
    )
