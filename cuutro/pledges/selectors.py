"""Reads of pledges.

``PublicPledge`` is what anyone may see of a pledge: who (as the donor chose to be shown), what,
how much and how far it has come. Contacts, notes and confirmations never leave through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cuutro.accounts.selectors import area_in_scope, officer_scopes, user_organisations
from cuutro.audit.models import AuditEvent
from cuutro.audit.services import target_label
from cuutro.lib.codes import code_key
from cuutro.needs.choices import PUBLIC_STATUSES
from cuutro.pledges.choices import ACTIVE_STATUSES, UNDELIVERED_STATUSES, HandoverStatus, PledgeStatus
from cuutro.pledges.models import HandoverRequest, Pledge
from cuutro.pledges.permissions import can_act_for_pledge


@dataclass(frozen=True)
class PublicPledge:
    code: str
    donor_name: str  # the organisation or person as chosen, or "Anonymous donor"
    need_code: str
    item_code: str
    item_name: str
    unit: str
    quantity: Decimal
    status: str
    status_label: str
    expected_on: date
    created_at: datetime
    delivered_at: datetime | None
    confirmed_at: datetime | None


def pledge_public_view(pledge: Pledge) -> PublicPledge:
    """What the public may see of a pledge. Expects ``need`` and ``need_item__item`` loaded."""
    return PublicPledge(
        code=pledge.code,
        donor_name=pledge.donor_name,
        need_code=pledge.need.code,
        item_code=pledge.need_item.item.code,
        item_name=pledge.need_item.item.name,
        unit=pledge.need_item.item.unit,
        quantity=pledge.quantity,
        status=pledge.status,
        status_label=str(pledge.get_status_display()),
        expected_on=pledge.expected_on,
        created_at=pledge.created_at,
        delivered_at=pledge.delivered_at,
        confirmed_at=pledge.confirmed_at,
    )


def _with_relations(qs: QuerySet[Pledge]) -> QuerySet[Pledge]:
    return qs.select_related("need", "need__area", "need_item__item", "organisation", "donor")


def pledges_public_for_need(*, need_id: int) -> list[PublicPledge]:
    """The need's active pledges (pledged, on the way, delivered, confirmed), oldest first."""
    pledges = _with_relations(Pledge.objects.filter(need_id=need_id, status__in=ACTIVE_STATUSES)).order_by("created_at", "pk")
    return [pledge_public_view(p) for p in pledges]


def pledge_get_public(*, code: str) -> Pledge | None:
    """An active pledge of a published need, by code (for hand-over requests and slips)."""
    return (
        _with_relations(Pledge.objects.filter(status__in=ACTIVE_STATUSES, need__status__in=PUBLIC_STATUSES))
        .filter(code_key=code_key(code))
        .first()
    )


def _officer_filter(user: Any) -> Q | None:
    scopes = officer_scopes(user=user)
    if not scopes:
        return None
    condition = Q()
    for scope in scopes:
        condition |= Q(need__area_path__startswith=scope.path)
    return condition


def pledges_visible_to(*, user: Any) -> QuerySet[Pledge]:
    """Pledges the user may open in full: their own (or their organisations'), and those of
    needs in their official scope."""
    if not getattr(user, "is_authenticated", False):
        return Pledge.objects.none()
    condition = Q(donor=user) | Q(organisation__in=[o.pk for o in user_organisations(user=user)])
    officer = _officer_filter(user)
    if officer is not None:
        condition |= officer
    return _with_relations(Pledge.objects.filter(condition))


def pledge_get_for_user(*, user: Any, code: str) -> Pledge:
    """The pledge if the user may open it in full; 404 otherwise, so others learn nothing."""
    pledge = pledges_visible_to(user=user).filter(code_key=code_key(code)).first()
    if pledge is None:
        raise Http404
    return pledge


def pledges_of_user(*, user: Any) -> QuerySet[Pledge]:
    """"My pledges": made by the user or for one of their organisations; newest first."""
    if not getattr(user, "is_authenticated", False):
        return Pledge.objects.none()
    condition = Q(donor=user) | Q(organisation__in=[o.pk for o in user_organisations(user=user)])
    return _with_relations(Pledge.objects.filter(condition)).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class NextStep:
    """What the holder should do next, in words, and the actions they may take now."""

    text: str
    actions: tuple[str, ...]


def pledge_next_step(*, pledge: Pledge, user: Any) -> NextStep:
    if not can_act_for_pledge(user=user, pledge=pledge):
        return NextStep("", ())
    deadline = pledge.deadline
    if pledge.status == PledgeStatus.PLEDGED:
        return NextStep(
            _("Bring the goods to the commune by %(date)s, or mark the pledge as on the way when you set off.")
            % {"date": deadline.strftime("%d/%m/%Y")},
            ("ship", "deliver", "cancel"),
        )
    if pledge.status == PledgeStatus.IN_TRANSIT:
        return NextStep(
            _("When you have handed everything over, mark the pledge as delivered and show the slip to the commune officer."),
            ("deliver", "cancel"),
        )
    if pledge.status == PledgeStatus.DELIVERED:
        return NextStep(_("Waiting for the commune officer to confirm. Show them the slip's QR code."), ())
    if pledge.status == PledgeStatus.CONFIRMED:
        return NextStep(_("Done: the commune confirmed the delivery. Thank you."), ())
    return NextStep(_("Nothing more to do. The quantity is open to other donors again."), ())


@dataclass(frozen=True)
class HistoryEntry:
    """One step of a pledge as a given viewer may read it."""

    at: datetime
    action: str  # the audit action, e.g. "pledges.pledge.confirmed"
    actor_name: str  # as this viewer may know the actor (see pledge_history_for)
    actor_username: str  # "" unless the viewer may know the account
    reason: str
    by_system: bool = False  # no person: e.g. expiry


# Actions only officials take: a donor reads "commune officer", not a colleague's account.
OFFICIAL_ACTIONS = {"pledges.pledge.confirmed"}
# Reasons that may name the household (an old confirmation note): officials only.
PRIVATE_REASONS = {"pledges.pledge.confirmed"}


def pledge_history_for(*, pledge: Pledge, viewer: Any) -> list[HistoryEntry]:
    """The pledge's steps for ``viewer``. Officials over the need's area see every name and
    reason; a donor sees their own name, "commune officer" for official acts and "another donor"
    for anyone else, because a previous holder may have chosen to stay anonymous."""
    official = area_in_scope(user=viewer, area=pledge.need.area)
    entries = []
    for event in pledge_history(pledge=pledge):
        if event.actor is None:
            name, username = _("system"), ""
        elif official or event.actor_id == getattr(viewer, "pk", None):
            name, username = event.actor.display_name(), event.actor.username
        elif event.action in OFFICIAL_ACTIONS:
            name, username = _("commune officer"), ""
        else:
            name, username = _("another donor"), ""
        # A donor reads the reasons of the system and their own; another donor's reason (a
        # previous holder's, another asker's message) may say who they are.
        mine = event.actor is None or event.actor_id == getattr(viewer, "pk", None)
        reason = event.reason if official or (mine and event.action not in PRIVATE_REASONS) else ""
        entries.append(
            HistoryEntry(
                at=event.at, action=event.action, actor_name=str(name), actor_username=username, reason=reason,
                by_system=event.actor is None,
            )
        )
    return entries


def pledge_history(*, pledge: Pledge) -> QuerySet[AuditEvent]:
    """Every recorded step of the pledge, oldest first (who, when, why)."""
    events = AuditEvent.objects.filter(target_type=target_label(pledge), target_id=str(pledge.pk))
    return events.select_related("actor").order_by("at", "pk")


def handovers_for_pledge(*, pledge: Pledge) -> QuerySet[HandoverRequest]:
    return HandoverRequest.objects.filter(pledge=pledge).select_related("requested_by", "organisation").order_by("-created_at")


def handovers_visible_to(*, pledge: Pledge, viewer: Any) -> QuerySet[HandoverRequest]:
    """Hand-over requests of the pledge this viewer may read: the open one (the holder answers
    it), and those they made or answered. Not other people's requests to a previous holder:
    they carry the askers' contact details."""
    mine = Q(requested_by=viewer) | Q(decided_by=viewer) if getattr(viewer, "is_authenticated", False) else Q(pk__in=[])
    return handovers_for_pledge(pledge=pledge).filter(Q(status=HandoverStatus.OPEN) | mine)


def handover_open_for(*, pledge: Pledge) -> HandoverRequest | None:
    return handovers_for_pledge(pledge=pledge).filter(status=HandoverStatus.OPEN).first()


def handover_get_for_holder(*, user: Any, pk: int) -> HandoverRequest:
    """A hand-over request the user may answer (they hold the pledge); 404 otherwise."""
    request = HandoverRequest.objects.select_related("pledge", "pledge__need").filter(pk=pk).first()
    if request is None or not can_act_for_pledge(user=user, pledge=request.pledge):
        raise Http404
    return request


# ---- commune officers -----------------------------------------------------------------------


@dataclass(frozen=True)
class OfficerDeliveries:
    awaiting_confirmation: list[Pledge]  # the donor says delivered
    expected_this_week: list[Pledge]  # pledged or on the way, expected within 7 days
    overdue: list[Pledge]  # pledged or on the way, expected date passed


def officer_deliveries(*, user: Any, today: date | None = None) -> OfficerDeliveries:
    """The officer's delivery worklist across their scope."""
    condition = _officer_filter(user)
    if condition is None:
        return OfficerDeliveries([], [], [])
    today = today or timezone.localdate()
    base = _with_relations(Pledge.objects.filter(condition))
    undelivered = base.filter(status__in=UNDELIVERED_STATUSES)
    return OfficerDeliveries(
        awaiting_confirmation=list(base.filter(status=PledgeStatus.DELIVERED).order_by("delivered_at", "pk")),
        expected_this_week=list(
            undelivered.filter(expected_on__gte=today, expected_on__lte=today + timedelta(days=7)).order_by("expected_on", "pk")
        ),
        overdue=list(undelivered.filter(expected_on__lt=today).order_by("expected_on", "pk")),
    )


def officer_deliveries_awaiting_count(*, user: Any) -> int:
    """How many deliveries in the officer's scope the donors say arrived (the "My work" line)."""
    condition = _officer_filter(user)
    if condition is None:
        return 0
    return Pledge.objects.filter(condition, status=PledgeStatus.DELIVERED).count()


def handovers_requested_by(*, user: Any) -> QuerySet[HandoverRequest]:
    """The user's own hand-over requests, newest first (shown under "My pledges")."""
    if not getattr(user, "is_authenticated", False):
        return HandoverRequest.objects.none()
    return (
        HandoverRequest.objects.filter(requested_by=user)
        .select_related("pledge", "pledge__need", "pledge__need_item__item", "organisation")
        .order_by("-created_at", "-pk")
    )
