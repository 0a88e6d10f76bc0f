"""The giving half of the demo: donors and organisations pledge to the demo's needs, ship,
deliver, cancel and let pledges lapse; commune officers confirm what arrived with a photo.

Planning is pure (``pledge_plans`` draws from the need plan's random generator, so a seed gives the
same pledges every time). Building goes through the pledge services only, so the items' counters,
the needs' coverage statuses, the audit trail and the notification outbox are those a real
deployment would hold. Pledge codes are random, like the real ones.
"""

from __future__ import annotations

import io
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from cuutro.accounts.models import User
from cuutro.accounts.selectors import user_organisations
from cuutro.needs.models import Need, NeedStatus
from cuutro.pledges.choices import UNDELIVERED_STATUSES, EvidenceKind, PledgeStatus, ShowAs
from cuutro.pledges.models import Pledge
from cuutro.pledges.services import (
    HandoverData,
    PledgeData,
    handover_request,
    pledge_cancel,
    pledge_confirm,
    pledge_create,
    pledge_deliver,
    pledge_ship,
    pledges_expire,
)

# Who gives, and how often: the two organisations carry most of the load.
DONOR_WEIGHTS = (("demo-org", 45), ("demo-delegation", 40), ("demo-donor", 15))
INDIVIDUAL = "demo-donor"
REQUESTER = "demo-delegation"  # asks demo-donor to hand a pledge over (it has a boat)
# Fictional numbers, like the beneficiaries' (the commune calls these about a delivery).
CONTACT_PHONES = {"demo-org": "0233385211", "demo-delegation": "0905118822", "demo-donor": "0912647305"}
CASH_STEP = 500_000  # đồng: money is pledged in round amounts
# Coverage statuses the demo plans; CLOSED needs a commune officer to confirm every delivery.
COVERAGE_STATUSES = (NeedStatus.PARTIALLY_PLEDGED, NeedStatus.FULLY_PLEDGED, NeedStatus.DELIVERED, NeedStatus.CLOSED)
CANCELLED_SHARE = {NeedStatus.VERIFIED: 0.03, NeedStatus.PARTIALLY_PLEDGED: 0.05}
EXPIRED_SHARE = 0.02  # of needs left open: a pledge nobody delivered, released again

PLEDGE_NOTES = (
    "", "", "", "",
    "Xe tải của đoàn sẽ giao tại nhà văn hóa thôn.",
    "Sẽ gọi cán bộ xã trước khi giao hàng.",
    "Giao cùng chuyến hàng cứu trợ của huyện.",
    "Chuyển khoản qua tài khoản của Ủy ban MTTQ xã.",
)
CANCEL_REASONS = (
    "Xe chở hàng bị hỏng giữa đường, không kịp giao.",
    "Đường vào thôn sạt lở, đoàn không vào được; đã báo xã để nhà tài trợ khác nhận.",
    "Nguồn hàng của đơn vị tài trợ không về kịp.",
    "Đã chuyển số hàng này cho xã bị thiệt hại nặng hơn theo đề nghị của tỉnh.",
)
CONFIRM_NOTES = ("", "", "Đã nhận đủ, người nhận ký biên nhận.", "Giao tại nhà văn hóa thôn, có trưởng thôn chứng kiến.")
HANDOVER_MESSAGE = "Đoàn có xuồng máy vào được thôn đang bị chia cắt, xin nhận chuyển giao để giao hàng sớm."


@dataclass(frozen=True)
class PledgePlan:
    item_code: str
    quantity: Decimal
    donor: str  # demo username
    show_as: str
    status: PledgeStatus  # where the pledge ends up
    lead_days: int  # expected this many days after the build (0: left to expire)
    note: str = ""
    reason: str = ""  # why it was cancelled


# --- planning (pure) ------------------------------------------------------------------------


def _part(rng: random.Random, code: str, quantity: Decimal) -> Decimal | None:
    """A share (30–70 %) of ``quantity``, strictly between 0 and all of it; None if too small to split."""
    step = CASH_STEP if code.startswith("cash-") else 1  # the catalogue's two cash items
    units = int(quantity // step)
    if units < 2:
        return None
    return Decimal(rng.randint(max(1, units * 3 // 10), max(1, units * 7 // 10)) * step)


def _who(rng: random.Random) -> tuple[str, str]:
    donor = rng.choices([d for d, _ in DONOR_WEIGHTS], weights=[w for _, w in DONOR_WEIGHTS])[0]
    if donor == INDIVIDUAL:
        return donor, rng.choice([ShowAs.NAME, ShowAs.ANONYMOUS])
    return donor, rng.choices([ShowAs.ORGANISATION, ShowAs.NAME, ShowAs.ANONYMOUS], weights=[8, 1, 1])[0]


def _live(rng: random.Random, *, confirming: bool) -> PledgeStatus:
    status = rng.choices([PledgeStatus.PLEDGED, PledgeStatus.IN_TRANSIT, PledgeStatus.DELIVERED], weights=[4, 3, 3])[0]
    if status == PledgeStatus.DELIVERED and confirming and rng.random() < 0.5:
        return PledgeStatus.CONFIRMED
    return status


def _pledge(rng: random.Random, code: str, quantity: Decimal, status: PledgeStatus, *, lead_days: int | None = None) -> PledgePlan:
    donor, show_as = _who(rng)
    return PledgePlan(
        item_code=code,
        quantity=quantity,
        donor=donor,
        show_as=show_as,
        status=status,
        lead_days=rng.randint(3, 14) if lead_days is None else lead_days,
        note=rng.choice(PLEDGE_NOTES),
        reason=rng.choice(CANCEL_REASONS) if status == PledgeStatus.CANCELLED else "",
    )


def _covering(rng: random.Random, items: Sequence[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """Lines that cover every item exactly, some items split between two donors."""
    lines = []
    for code, quantity in items:
        part = _part(rng, code, quantity) if rng.random() < 0.3 else None
        lines += [(code, part), (code, quantity - part)] if part else [(code, quantity)]
    return lines


def pledge_plans(
    rng: random.Random, *, items: Sequence[tuple[str, Decimal]], target: NeedStatus, confirming: bool, showcase: bool = False
) -> tuple[PledgePlan, ...] | None:
    """Pledges that take a verified need with ``items`` (code, quantity) to ``target``, in the
    order they are made; None when these items cannot reach it (a single item of one unit cannot
    be partly pledged).

    ``confirming``: the commune has demo officers to confirm deliveries. ``showcase``: guarantee
    the pledge states a small demo must show (in transit, pledged, delivered, cancelled, expired).
    """
    if target not in (NeedStatus.VERIFIED, *COVERAGE_STATUSES) or not items:
        return ()
    before: list[PledgePlan] = []  # cancelled first (released before the others pledge)
    if (showcase and target == NeedStatus.VERIFIED) or rng.random() < CANCELLED_SHARE.get(target, 0):
        code, quantity = items[0]
        before.append(_pledge(rng, code, _part(rng, code, quantity) or quantity, PledgeStatus.CANCELLED))
    if target == NeedStatus.VERIFIED:
        if showcase or rng.random() < EXPIRED_SHARE:
            code, quantity = rng.choice(list(items))
            before.append(_pledge(rng, code, _part(rng, code, quantity) or quantity, PledgeStatus.EXPIRED, lead_days=0))
        return tuple(before)

    if target == NeedStatus.PARTIALLY_PLEDGED:
        (first, quantity), rest = items[0], list(items[1:])
        part = _part(rng, first, quantity)
        if part is None:
            if not rest:
                return None
            rest = rest[:-1]  # the last item stays open, so the need stays partly pledged
        lines = [(first, part or quantity)] + [(code, q) for code, q in rest if rng.random() < 0.3]
        statuses = [_live(rng, confirming=confirming) for _ in lines]
        if showcase:
            statuses[0] = PledgeStatus.IN_TRANSIT
    elif target == NeedStatus.FULLY_PLEDGED:
        lines = _covering(rng, items)
        statuses = [_live(rng, confirming=confirming) for _ in lines]
        if showcase or all(s not in UNDELIVERED_STATUSES for s in statuses):
            statuses[0] = PledgeStatus.PLEDGED  # something is still to come
    elif target == NeedStatus.DELIVERED:
        lines = _covering(rng, items)
        statuses = [
            PledgeStatus.CONFIRMED if confirming and rng.random() < 0.5 else PledgeStatus.DELIVERED for _ in lines
        ]
        if showcase or PledgeStatus.DELIVERED not in statuses:
            statuses[0] = PledgeStatus.DELIVERED  # something still awaits the commune's confirmation
    else:  # CLOSED: every delivery confirmed by the commune
        if not confirming:
            return None
        lines = _covering(rng, items)
        statuses = [PledgeStatus.CONFIRMED] * len(lines)
    plans = [_pledge(rng, code, quantity, status) for (code, quantity), status in zip(lines, statuses, strict=True)]
    if showcase and target == NeedStatus.FULLY_PLEDGED:
        # The individual donor holds this one: the delegation asks to take it over.
        plans[0] = replace(plans[0], donor=INDIVIDUAL, show_as=ShowAs.NAME)
    return (*before, *plans)


# --- building (through the services) --------------------------------------------------------


@cache
def _evidence_bytes(kind: str) -> bytes:
    """A small fictional picture: a sack of rice on a porch, or a signed receipt."""
    from PIL import Image, ImageDraw

    if kind == EvidenceKind.RECEIPT:
        image = Image.new("RGB", (240, 320), (246, 243, 235))
        draw = ImageDraw.Draw(image)
        for y in range(40, 250, 18):
            draw.line((24, y, 216 - (y * 7) % 60, y), fill=(90, 90, 110), width=2)
        draw.line((130, 285, 150, 270, 170, 292, 200, 272), fill=(30, 60, 170), width=3)  # the signature
    else:
        image = Image.new("RGB", (320, 240), (150, 170, 120))
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 170, 320, 240), fill=(120, 100, 80))
        draw.rounded_rectangle((120, 80, 200, 190), radius=18, fill=(232, 222, 196), outline=(160, 140, 110), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def _evidence(kind: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{kind}.jpg", _evidence_bytes(kind), content_type="image/jpeg")


def build_pledges(
    *,
    need: Need,
    plans: Sequence[PledgePlan],
    donors: Mapping[str, User],
    confirmers: Sequence[User],
    received_by: str,
    today: date,
) -> None:
    """Make ``plans`` against a verified ``need`` and move each pledge to its planned state, except
    expiry: pledges planned to expire are left pledged for ``expire_planned``."""
    items = {line.item.code: line.pk for line in need.items.select_related("item")}
    # Deliveries have to wait for a lead time that keeps every live pledge clear of the expiry
    # warning that ``expire_planned`` runs with a date in the future.
    earliest = settings.PLEDGE_EXPIRY_WARNING_DAYS + 2
    for number, plan in enumerate(plans):
        donor = donors[plan.donor]
        organisations = user_organisations(user=donor)
        pledge = pledge_create(
            actor=donor,
            data=PledgeData(
                need_item_id=items[plan.item_code],
                quantity=plan.quantity,
                contact_phone=CONTACT_PHONES.get(plan.donor, ""),
                expected_on=today + timedelta(days=max(plan.lead_days, earliest) if plan.lead_days else 0),
                show_as=plan.show_as,
                organisation_id=organisations[0].pk if organisations else None,
                note=plan.note,
            ),
        )
        if plan.status == PledgeStatus.CANCELLED:
            pledge = pledge_cancel(actor=donor, pledge=pledge, reason=plan.reason)
        if plan.status == PledgeStatus.IN_TRANSIT or (plan.status in (PledgeStatus.DELIVERED, PledgeStatus.CONFIRMED) and number % 3):
            pledge = pledge_ship(actor=donor, pledge=pledge)  # some donors never press "on the way"
        if plan.status in (PledgeStatus.DELIVERED, PledgeStatus.CONFIRMED):
            pledge = pledge_deliver(actor=donor, pledge=pledge)
        if plan.status == PledgeStatus.CONFIRMED:
            kind = EvidenceKind.RECEIPT if number % 2 else EvidenceKind.PHOTO
            pledge = pledge_confirm(
                actor=confirmers[(need.pk + number) % len(confirmers)],
                pledge=pledge,
                evidence=_evidence(kind),
                evidence_kind=kind,
                acknowledged=True,
                received_by=received_by,
                note=CONFIRM_NOTES[(need.pk + number) % len(CONFIRM_NOTES)],
            )


def expire_planned(*, today: date, demo_prefix: str) -> int:
    """Let the pledges planned to expire lapse, through the same ``pledges_expire`` the daily
    ``expire_pledges`` run calls, with a date just past their deadline.

    They were made with today as their expected date; everything else is expected later than the
    warning window of that date, so nothing else expires or is warned. Skipped (nothing expires)
    when other people's pledges would be caught too (the demo built with --force beside real data).
    """
    run_on = today + timedelta(days=settings.PLEDGE_EXPIRY_DAYS + 1)
    warn_from = run_on - timedelta(days=settings.PLEDGE_EXPIRY_DAYS - settings.PLEDGE_EXPIRY_WARNING_DAYS)
    caught = Pledge.objects.filter(status__in=UNDELIVERED_STATUSES, expected_on__lte=warn_from)
    if caught.exclude(donor__username__startswith=demo_prefix).exists():
        return 0
    return pledges_expire(today=run_on).expired


def request_handover(*, donors: Mapping[str, User]) -> int:
    """One open hand-over request: the delegation asks the individual donor for their first
    pledge not yet on its way. Returns how many requests were made (0 or 1)."""
    requester = donors[REQUESTER]
    pledge = Pledge.objects.filter(donor=donors[INDIVIDUAL], status=PledgeStatus.PLEDGED).order_by("pk").first()
    if pledge is None:
        return 0
    organisation = user_organisations(user=requester)[0]
    handover_request(
        actor=requester,
        pledge=pledge,
        data=HandoverData(contact_phone=CONTACT_PHONES[REQUESTER], organisation_id=organisation.pk, message=HANDOVER_MESSAGE),
    )
    return 1
