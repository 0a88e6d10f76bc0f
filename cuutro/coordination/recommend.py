"""Recommendations: given what a donor or a delegation brings, which needs to cover, and pledge
them all in one step.

For each item offered, the open published needs (verified or partly pledged) that still miss it
are taken highest priority first (``Need.priority``, the score the need page explains), then
nearest to the starting point when one is given, and filled until the offer runs out. This is a
plain ordered fill, on purpose: a donor should be able to see why a need comes first. The
province's optimiser (``coordination.optimiser``, run by officials over many delegations at once)
is the exact method.

Only public facts are used and shown: need codes, communes, items, what remains, the score and
a distance computed from the need's published (blurred) point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from cuutro.coordination.optimiser import haversine_km
from cuutro.geo.models import Area
from cuutro.needs.choices import OPEN_STATUSES, quantity_text
from cuutro.needs.models import CatalogueItem, NeedItem
from cuutro.needs.selectors import need_public_point
from cuutro.pledges.models import Pledge
from cuutro.pledges.services import OverPledgedError, PledgeData, PledgeStateError, check_quantity, pledge_create

MAX_OFFER_LINES = 8
CANDIDATES_PER_ITEM = 300  # the highest-priority open needs looked at per item offered
MAX_LINES = 60  # recommended lines shown (and pledged at once) at most


@dataclass(frozen=True)
class OfferLine:
    item: CatalogueItem
    quantity: Decimal


@dataclass(frozen=True)
class RecommendedLine:
    need_item_id: int
    need_code: str
    commune: str
    item_name: str
    unit: str
    unit_label: str
    remaining: Decimal  # what the need still misses
    quantity: Decimal  # what the recommendation gives it
    priority: int
    urgency_label: str
    km: float | None

    @property
    def quantity_text(self) -> str:
        return quantity_text(self.quantity, self.unit)

    @property
    def remaining_text(self) -> str:
        return quantity_text(self.remaining, self.unit)


@dataclass
class Recommendation:
    lines: list[RecommendedLine] = field(default_factory=list)
    leftovers: list[tuple[CatalogueItem, Decimal]] = field(default_factory=list)  # nobody in the area needs it (now)

    @property
    def leftover_texts(self) -> list[str]:
        return [f"{item.name}: {quantity_text(quantity, item.unit)}" for item, quantity in self.leftovers]


def parse_offer(rows: list[tuple[str, str]]) -> list[OfferLine]:
    """(item code, quantity text) rows as typed into the form; empty rows are skipped. Raises
    ``ValidationError`` with the rows' problems."""
    items = {i.code: i for i in CatalogueItem.objects.filter(active=True, code__in=[code for code, _q in rows if code])}
    lines: dict[str, OfferLine] = {}
    errors: list[str] = []
    for code, text in rows[:MAX_OFFER_LINES]:
        if not code and not (text or "").strip():
            continue
        item = items.get(code)
        if item is None:
            errors.append(_("Choose the item from the list."))
            continue
        # The pledge's own rules (largest quantity, whole đồng, two decimals): a suggestion the
        # pledge would then refuse helps nobody.
        quantity, problem = check_quantity(text, cash=item.is_cash)
        if quantity is None:
            errors.append(f"{item.name}: {problem}")
            continue
        if code in lines:
            errors.append(_("%(item)s is listed twice: put the whole quantity on one line.") % {"item": item.name})
            continue
        lines[code] = OfferLine(item=item, quantity=quantity)
    if errors:
        raise ValidationError(errors)
    if not lines:
        raise ValidationError(_("Say what you bring: at least one item and its quantity."))
    return list(lines.values())


def recommend(*, offer: list[OfferLine], area: Area | None = None, point: tuple[float, float] | None = None) -> Recommendation:
    """The needs to cover with ``offer`` in ``area`` (its whole subtree; anywhere when None),
    highest priority first, then nearest to ``point``."""
    result = Recommendation()
    for line in offer:
        candidates = (
            NeedItem.objects.filter(
                item=line.item, need__status__in=OPEN_STATUSES, quantity__gt=F("quantity_pledged"),
                **({"need__area_path__startswith": area.path} if area is not None else {}),
            )
            .select_related("need__area", "item")
            .order_by("-need__priority", "need__verified_at", "pk")[:CANDIDATES_PER_ITEM]
        )  # fmt: skip
        ranked: list[tuple[int, float, NeedItem, float | None]] = []
        for need_item in candidates:
            km = None
            where = need_public_point(need_item.need)
            if point is not None and where is not None:
                km = float(haversine_km(point[0], point[1], where[0], where[1]))
            ranked.append((-need_item.need.priority, km if km is not None else float("inf"), need_item, km))
        ranked.sort(key=lambda row: (row[0], row[1], row[2].pk))
        left = line.quantity
        for _priority, _distance, need_item, km in ranked:
            if left <= 0 or len(result.lines) >= MAX_LINES:
                break
            remaining = need_item.quantity - need_item.quantity_pledged
            give = min(remaining, left)
            need = need_item.need
            result.lines.append(
                RecommendedLine(
                    need_item_id=need_item.pk, need_code=need.code, commune=need.area.name,
                    item_name=line.item.name, unit=line.item.unit, unit_label=str(line.item.get_unit_display()),
                    remaining=remaining, quantity=give,
                    priority=need.priority, urgency_label=str(need.get_urgency_display()),
                    km=None if km is None else round(km, 1),
                )
            )  # fmt: skip
            left -= give
        if left > 0:
            result.leftovers.append((line.item, left))
    return result


@dataclass(frozen=True)
class Contact:
    contact_name: str
    contact_phone: str
    expected_on: date | None
    show_as: str
    organisation_id: int | None = None


@transaction.atomic
def recommendation_pledge(*, actor: Any, lines: list[tuple[int, Decimal | str]], contact: Contact) -> list[Pledge]:
    """Pledge the chosen lines in one step: all of them or none (each through ``pledge_create``,
    which locks the need and refuses to over-pledge; any refusal rolls the whole step back and
    names the need)."""
    chosen = [(need_item_id, quantity) for need_item_id, quantity in lines if str(quantity).strip() not in ("", "0")]
    if not chosen:
        raise ValidationError(_("Tick at least one need to pledge."))
    if len(chosen) > MAX_LINES:
        raise ValidationError(_("Pledge at most %(max)d needs at once.") % {"max": MAX_LINES})
    rows = NeedItem.objects.filter(pk__in=[pk for pk, _q in chosen]).values_list("pk", "need_id", "need__code")
    found = {pk: (need_id, code) for pk, need_id, code in rows}
    # Every pledge locks its need: take the locks in one order (by need), or two donors pledging
    # the same needs in opposite orders would deadlock each other.
    chosen.sort(key=lambda line: (found.get(line[0], (0, ""))[0], line[0]))
    pledges = []
    for need_item_id, quantity in chosen:
        data = PledgeData(
            need_item_id=need_item_id, quantity=quantity, contact_name=contact.contact_name,
            contact_phone=contact.contact_phone, expected_on=contact.expected_on, show_as=contact.show_as,
            organisation_id=contact.organisation_id,
        )  # fmt: skip
        label = found.get(need_item_id, (0, "?"))[1]
        try:
            pledges.append(pledge_create(actor=actor, data=data))
        except OverPledgedError as exc:
            raise ValidationError(
                _("%(need)s: someone pledged meanwhile; only %(remaining)s remain. Nothing was pledged: look at the list again.")
                % {"need": label, "remaining": f"{exc.remaining.normalize():f}"}
            ) from exc
        except PledgeStateError as exc:
            raise ValidationError(f"{label}: {exc}") from exc
        except ValidationError as exc:
            raise ValidationError([f"{label}: {message}" for message in exc.messages]) from exc
    return pledges
