"""`manage.py expire_pledges`: the daily run that releases late pledges and warns donors first."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cuutro.needs.models import NeedItem
from cuutro.notify.models import Notification
from cuutro.pledges import services
from cuutro.pledges.models import HandoverRequest, Pledge, PledgeStatus


def expire(today: date | None = None) -> str:
    out = StringIO()
    call_command("expire_pledges", *([f"--today={today.isoformat()}"] if today else []), stdout=out)
    return out.getvalue()


@pytest.fixture
def deadlines(settings: Any) -> date:
    """Three days' grace after the expected date, the warning one day before it ends."""
    settings.PLEDGE_EXPIRY_DAYS, settings.PLEDGE_EXPIRY_WARNING_DAYS = 3, 1
    return timezone.localdate()


def status(pledge: Pledge) -> str:
    return Pledge.objects.get(pk=pledge.pk).status


def test_it_expires_a_late_pledge_releases_its_quantity_and_prints_the_counts(cast: Any, make_pledge: Any, deadlines: date) -> None:
    late = make_pledge(quantity=10, expected_on=deadlines)
    output = expire(deadlines + timedelta(days=4))
    assert "expired 1 pledge(s), warned 0 donor(s), expired 0 hand-over request(s)" in output
    assert status(late) == PledgeStatus.EXPIRED
    assert NeedItem.objects.get(pk=late.need_item_id).quantity_pledged == 0
    assert Notification.objects.filter(kind="pledge_expired", recipient=cast.donor).count() == 1


def test_the_last_day_of_grace_still_counts(cast: Any, make_pledge: Any, deadlines: date) -> None:
    pledge = make_pledge(quantity=10, expected_on=deadlines)
    assert "expired 0 pledge(s)" in expire(deadlines + timedelta(days=3))
    assert status(pledge) == PledgeStatus.PLEDGED


def test_it_warns_the_donor_once_before_the_deadline(cast: Any, make_pledge: Any, deadlines: date) -> None:
    pledge = make_pledge(quantity=10, expected_on=deadlines)
    assert "warned 1 donor(s)" in expire(deadlines + timedelta(days=2))
    assert "warned 0 donor(s)" in expire(deadlines + timedelta(days=2))
    assert Notification.objects.filter(kind="pledge_near_expiry", recipient=cast.donor).count() == 1
    assert status(pledge) == PledgeStatus.PLEDGED


def test_without_a_date_it_uses_today_and_leaves_pledges_on_time_alone(cast: Any, make_pledge: Any, deadlines: date) -> None:
    pledge = make_pledge(quantity=10, expected_on=deadlines + timedelta(days=5))
    assert "expired 0 pledge(s), warned 0 donor(s)" in expire()
    assert status(pledge) == PledgeStatus.PLEDGED


def test_delivered_pledges_never_expire(cast: Any, make_pledge: Any, deadlines: date) -> None:
    delivered = make_pledge(quantity=10, expected_on=deadlines, status="delivered")
    assert "expired 0 pledge(s), warned 0 donor(s)" in expire(deadlines + timedelta(days=30))
    assert status(delivered) == PledgeStatus.DELIVERED


def test_it_expires_unanswered_handover_requests(cast: Any, make_pledge: Any, settings: Any) -> None:
    settings.HANDOVER_EXPIRY_HOURS = 0  # the request is due the moment it is made
    pledge = make_pledge(quantity=10)
    request = services.handover_request(
        actor=cast.outsider, pledge=pledge, data=services.HandoverData(contact_name="Anh Hùng", contact_phone="0905111222")
    )
    assert "expired 1 hand-over request(s)" in expire()
    assert HandoverRequest.objects.get(pk=request.pk).status == "expired"
    assert status(pledge) == PledgeStatus.PLEDGED  # the pledge itself stays with its donor


@pytest.mark.parametrize("value", ["2026-13-01", "tomorrow", "01/12/2026"])
def test_it_refuses_a_date_that_is_not_yyyy_mm_dd(db: Any, value: str) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("expire_pledges", f"--today={value}", stdout=StringIO())
