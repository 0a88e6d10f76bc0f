"""Whatever donors and officers do, in whatever order, the counters stay true.

Hypothesis draws sequences of pledge, ship, deliver, confirm, cancel and expiry runs against one
need of two items. A simple model predicts each outcome (done, or refused and nothing changed);
after every step the item counters must equal sums over the Pledge rows, stay within
0 ≤ remaining ≤ needed and confirmed ≤ delivered ≤ pledged-ever, and the need's status must be
the one its items imply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from hypothesis import HealthCheck, event, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cuutro.needs.models import Need, NeedItem
from cuutro.needs.services import NeedItemData, coverage_status
from cuutro.pledges import services
from cuutro.pledges.choices import ACTIVE_STATUSES, CONFIRMABLE_STATUSES, UNDELIVERED_STATUSES, PledgeStatus
from cuutro.pledges.models import Pledge
from tests.conftest import Cast, photo_upload

# Small quantities, so that a few steps cover an item, over-pledge it or close the need.
ITEMS = {"roofing-sheet": Decimal(3), "rice": Decimal("1.5")}
QUANTITIES = [Decimal("0.5"), Decimal(1), Decimal("1.5"), Decimal(2), Decimal(4)]

pledge_op = st.tuples(st.just("pledge"), st.sampled_from(list(ITEMS)), st.sampled_from(QUANTITIES), st.integers(0, 5))
step_op = st.tuples(st.sampled_from(["ship", "deliver", "confirm", "cancel"]), st.integers(0, 50))
expire_op = st.tuples(st.just("expire"), st.integers(0, 10))
operations = st.lists(
    st.one_of(pledge_op, pledge_op, pledge_op, step_op, step_op, step_op, step_op, step_op, expire_op), min_size=1, max_size=20
)

S, R = "roofing-sheet", "rice"
# Paths that random draws reach only now and then, always run.
CLOSE_THE_NEED = [
    ("pledge", S, Decimal(2), 0), ("pledge", S, Decimal(1), 1), ("pledge", R, Decimal("1.5"), 2),
    ("ship", 0), ("deliver", 0), ("deliver", 1), ("confirm", 0), ("confirm", 1), ("confirm", 2),
    ("pledge", R, Decimal("0.5"), 0), ("cancel", 2), ("expire", 10),
]
EXPIRE_ONLY_THE_UNDELIVERED = [
    ("pledge", S, Decimal(1), 0), ("pledge", S, Decimal(1), 5), ("deliver", 0), ("expire", 4), ("expire", 9),
    ("cancel", 1), ("ship", 1), ("confirm", 1), ("confirm", 0), ("pledge", S, Decimal(2), 0),
]
OVER_PLEDGE_THEN_THE_REST = [
    ("pledge", S, Decimal(2), 0), ("pledge", S, Decimal(2), 0), ("pledge", S, Decimal(1), 0), ("pledge", R, Decimal("1.5"), 0),
    ("pledge", R, Decimal("0.5"), 0), ("cancel", 0), ("pledge", S, Decimal(4), 0), ("pledge", S, Decimal(2), 3),
]


@dataclass
class Model:
    """What the services should have done: each pledge's item, quantity, status and date."""

    today: date
    pledges: list[tuple[Pledge, str, Decimal, date]] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)

    def total(self, item: str, statuses: Sequence[str]) -> Decimal:
        return sum(
            (q for (_p, code, q, _d), s in zip(self.pledges, self.statuses, strict=True) if code == item and s in statuses),
            Decimal(0),
        )

    def remaining(self, item: str) -> Decimal:
        return ITEMS[item] - self.total(item, ACTIVE_STATUSES)


def observed(need: Need) -> tuple[Any, ...]:
    """Everything a refused step must leave as it was."""
    items = list(
        NeedItem.objects.filter(need=need).order_by("pk").values_list("quantity_pledged", "quantity_delivered", "quantity_confirmed")
    )
    pledges = list(Pledge.objects.filter(need=need).order_by("pk").values_list("pk", "status", "updated_at"))
    return Need.objects.get(pk=need.pk).status, items, pledges


def check_invariants(need: Need, model: Model) -> None:
    items = list(NeedItem.objects.filter(need=need).select_related("item"))
    for item in items:
        pledges = Pledge.objects.filter(need_item=item)

        def total(condition: Q, pledges: Any = pledges) -> Decimal:
            return pledges.filter(condition).aggregate(total=Sum("quantity"))["total"] or Decimal(0)

        code = item.item.code
        pledged_ever = total(Q())
        assert Decimal(0) <= item.remaining <= item.quantity, code
        assert item.quantity_confirmed <= item.quantity_delivered <= item.quantity_pledged <= pledged_ever, code
        assert item.quantity_pledged == total(Q(status__in=ACTIVE_STATUSES)), code
        assert item.quantity_delivered == total(Q(status__in=[PledgeStatus.DELIVERED, PledgeStatus.CONFIRMED])), code
        assert item.quantity_confirmed == total(Q(status=PledgeStatus.CONFIRMED)), code
        # ... and equal to what the model expects.
        assert item.remaining == model.remaining(code), code
        assert item.quantity_confirmed == model.total(code, [PledgeStatus.CONFIRMED]), code
    assert [Pledge.objects.get(pk=p.pk).status for p, *_rest in model.pledges] == model.statuses
    assert Need.objects.get(pk=need.pk).status == coverage_status(items)


def apply(op: tuple[Any, ...], *, cast: Cast, need: Need, model: Model) -> None:
    """Run one step through the services; a refusal must be the expected one and change nothing."""
    before = observed(need)
    kind = op[0]
    refused: Exception | None = None
    try:
        if kind == "pledge":
            _kind, code, quantity, lead = op
            item = NeedItem.objects.get(need=need, item__code=code)
            expected_on = model.today + timedelta(days=lead)
            should = quantity <= model.remaining(code)
            pledge = services.pledge_create(
                actor=cast.donor,
                data=services.PledgeData(need_item_id=item.pk, quantity=quantity, expected_on=expected_on),
            )
            model.pledges.append((pledge, code, quantity, expected_on))
            model.statuses.append(PledgeStatus.PLEDGED)
        elif kind == "expire":
            today = model.today + timedelta(days=op[1])
            due = [
                i for i, (_p, _c, _q, expected_on) in enumerate(model.pledges)
                if model.statuses[i] in UNDELIVERED_STATUSES and expected_on + timedelta(days=settings.PLEDGE_EXPIRY_DAYS) < today
            ]
            should = True
            result = services.pledges_expire(today=today)
            assert result.expired == len(due)
            for i in due:
                model.statuses[i] = PledgeStatus.EXPIRED
        else:
            if not model.pledges:
                return
            index = op[1] % len(model.pledges)
            pledge, status = model.pledges[index][0], model.statuses[index]
            if kind == "ship":
                should, after = status == PledgeStatus.PLEDGED, PledgeStatus.IN_TRANSIT
                services.pledge_ship(actor=cast.donor, pledge=pledge)
            elif kind == "deliver":
                should, after = status in UNDELIVERED_STATUSES, PledgeStatus.DELIVERED
                services.pledge_deliver(actor=cast.donor, pledge=pledge)
            elif kind == "cancel":
                should, after = status in UNDELIVERED_STATUSES, PledgeStatus.CANCELLED
                services.pledge_cancel(actor=cast.donor, pledge=pledge, reason="Không đi được")
            else:
                should, after = status in CONFIRMABLE_STATUSES, PledgeStatus.CONFIRMED
                services.pledge_confirm(
                    actor=cast.officer, pledge=pledge, evidence=photo_upload(), evidence_kind="photo", acknowledged=True
                )
            model.statuses[index] = after
    except (services.PledgeStateError, ValidationError) as exc:  # OverPledgedError is a PledgeStateError
        refused = exc
    if refused is None:
        assert should, f"{op} should have been refused"
    else:
        assert not should, (op, refused)
        # Too much asked is always "over pledged" with what remains, even once the need is full.
        assert isinstance(refused, services.OverPledgedError) == (kind == "pledge"), (op, refused)
        if isinstance(refused, services.OverPledgedError):
            assert refused.remaining == model.remaining(op[1])
        assert observed(need) == before
    event(f"{kind}: {'done' if should else 'refused'}")  # --hypothesis-show-statistics shows the mix


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=60,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
@example(ops=CLOSE_THE_NEED)
@example(ops=EXPIRE_ONLY_THE_UNDELIVERED)
@example(ops=OVER_PLEDGE_THEN_THE_REST)
def test_any_interleaving_keeps_the_counters_true(cast: Cast, make_need: Any, ops: list[tuple[Any, ...]]) -> None:
    # The test's transaction spans every example: each one runs in a savepoint, undone at the end.
    with transaction.atomic():
        need = make_need("verified", items=[NeedItemData(code, quantity) for code, quantity in ITEMS.items()])
        model = Model(today=timezone.localdate())
        for op in ops:
            apply(op, cast=cast, need=need, model=model)
            check_invariants(need, model)
        event(f"need ends {Need.objects.get(pk=need.pk).status}")
        transaction.set_rollback(True)
