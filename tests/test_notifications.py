"""The notification outbox: written with the change it reports, drained by `send_notifications`
through a pluggable transport (Django mail by default), in the recipient's language."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any, ClassVar

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone, translation

from cuutro.notify.models import Notification, NotificationStatus
from cuutro.notify.services import notifications_send, notify
from cuutro.pledges import services

# ---- transports the tests plug in (named in NOTIFY_TRANSPORTS by dotted path) ----------------


class BrokenGateway:
    """An e-mail relay that is down."""

    def send(self, notification: Notification) -> None:
        raise ConnectionError("relay 10.0.0.5:25 refused the connection")


class FakeSms:
    """An SMS gateway that takes any phone number: it records what it was handed."""

    sent: ClassVar[list[tuple[str, str, str]]] = []

    def send(self, notification: Notification) -> None:
        FakeSms.sent.append((notification.recipient.username, notification.subject, notification.body))


class LanguageProbe:
    """A translatable string stand-in: renders as the language active while ``notify`` renders it."""

    def __str__(self) -> str:
        return f"[{translation.get_language()}] %(code)s"


# ---- helpers --------------------------------------------------------------------------------


def with_email(*users: Any) -> None:
    for user in users:
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])


def send() -> str:
    out = StringIO()
    call_command("send_notifications", stdout=out)
    return out.getvalue()


def queued(kind: str, **filters: Any) -> Any:
    return Notification.objects.filter(kind=kind, **filters)


def note_for(user: Any, key: str = "test:1", **extra: Any) -> Notification | None:
    return notify(
        recipient=user, kind="test", subject="Pledge %(code)s", body="Body of %(code)s", context={"code": "CT-7K3F9Q"},
        dedupe_key=key, **extra,
    )


@pytest.fixture(autouse=True)
def _fresh_fake_sms() -> None:
    FakeSms.sent.clear()


# ---- written with the change ----------------------------------------------------------------


def test_the_outbox_row_is_written_in_the_transaction_of_the_change(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge(quantity=5, status="in_transit")

    class ChangeFailedError(Exception):
        pass

    def deliver_then_fail() -> None:
        with transaction.atomic():
            services.pledge_deliver(actor=cast.donor, pledge=pledge)
            assert queued("delivery_awaiting_confirmation").count() == 2  # visible inside the change…
            raise ChangeFailedError  # …the change fails after the service returned…

    with pytest.raises(ChangeFailedError):
        deliver_then_fail()
    assert not queued("delivery_awaiting_confirmation").exists()  # …and the message goes with it
    pledge.refresh_from_db()
    assert pledge.status == "in_transit"
    services.pledge_deliver(actor=cast.donor, pledge=pledge)
    assert queued("delivery_awaiting_confirmation").count() == 2


def test_a_refused_change_queues_nothing(cast: Any, make_pledge: Any) -> None:
    from django.core.exceptions import PermissionDenied

    pledge = make_pledge(quantity=5)
    with pytest.raises(PermissionDenied):
        services.pledge_deliver(actor=cast.outsider, pledge=pledge)
    assert not Notification.objects.exists()


# ---- who is told what -----------------------------------------------------------------------


def test_a_delivery_notifies_the_commune_officers_of_the_needs_commune_only(cast: Any, make_pledge: Any, settings: Any) -> None:
    settings.SITE_URL = "https://cuutro.quangtri.gov.vn"
    pledge = make_pledge(quantity=5, status="delivered")
    notes = queued("delivery_awaiting_confirmation")
    assert {n.recipient for n in notes} == {cast.officer, cast.verifier}  # not officer_b, the province or the donor
    for note in notes:
        assert pledge.code in note.subject
        assert f"https://cuutro.quangtri.gov.vn/officer/deliveries/{pledge.code}/" in note.body
        assert "5" in note.body and pledge.need.code in note.body


def test_a_confirmation_thanks_the_donor(cast: Any, make_pledge: Any) -> None:
    pledge = make_pledge(quantity=5, status="confirmed")
    (note,) = queued("delivery_confirmed")
    assert note.recipient == cast.donor
    assert pledge.code in note.subject


def test_a_handover_request_notifies_the_holder_with_who_asks_and_why(cast: Any, make_pledge: Any) -> None:
    from cuutro.accounts.selectors import user_organisations

    pledge = make_pledge(quantity=5)
    org = user_organisations(user=cast.org_member)[0]
    services.handover_request(
        actor=cast.org_member, pledge=pledge,
        data=services.HandoverData(organisation_id=org.pk, message="Chúng tôi có xuồng vào được thôn"),
    )
    (note,) = queued("handover_requested")
    assert note.recipient == cast.donor
    assert org.name in note.subject and pledge.code in note.subject
    assert "Chúng tôi có xuồng vào được thôn" in note.body


def test_the_near_expiry_warning_reaches_the_donor_once(cast: Any, make_pledge: Any, settings: Any) -> None:
    settings.PLEDGE_EXPIRY_DAYS, settings.PLEDGE_EXPIRY_WARNING_DAYS = 3, 1
    today = timezone.localdate()
    pledge = make_pledge(quantity=5, expected_on=today)
    for _run in range(3):
        services.pledges_expire(today=today + timedelta(days=2))
    (note,) = queued("pledge_near_expiry")
    assert note.recipient == cast.donor
    assert pledge.code in note.subject and (today + timedelta(days=3)).strftime("%d/%m/%Y") in note.subject


def test_the_same_dedupe_key_is_never_queued_twice(cast: Any) -> None:
    assert note_for(cast.donor) is not None
    assert note_for(cast.donor) is None
    assert Notification.objects.count() == 1
    # The key is per person and per channel: the same event may still reach someone else.
    assert note_for(cast.org_member) is not None
    assert note_for(cast.donor, channel="sms") is not None
    assert Notification.objects.count() == 3


# ---- sending --------------------------------------------------------------------------------


def test_send_notifications_drains_the_outbox_through_django_mail(cast: Any, make_pledge: Any, settings: Any) -> None:
    settings.DEFAULT_FROM_EMAIL = "cuutro@quangtri.gov.vn"
    with_email(cast.officer, cast.verifier)
    pledge = make_pledge(quantity=5, status="delivered")
    assert "sent 2, no address 0, failed 0" in send()
    assert sorted(m.to[0] for m in mail.outbox) == ["officer@example.org", "verifier@example.org"]
    for message in mail.outbox:
        assert message.from_email == "cuutro@quangtri.gov.vn"
        assert pledge.code in message.subject and pledge.code in message.body
    for note in Notification.objects.all():
        assert note.status == NotificationStatus.SENT
        assert note.sent_at is not None and note.attempts == 1
    assert "sent 0" in send()  # nothing is sent twice
    assert len(mail.outbox) == 2


def test_the_message_is_rendered_in_the_recipients_language_whatever_the_actors(cast: Any, settings: Any) -> None:
    for language in ("vi", "en"):
        settings.LANGUAGE_CODE = language  # nobody chose otherwise: the site's language
        with translation.override("en" if language == "vi" else "vi"):  # the actor browses in the other one
            note = notify(
                recipient=cast.donor, kind="test", subject=LanguageProbe(), body=LanguageProbe(), context={"code": "CT-7K3F9Q"},
                dedupe_key=f"probe:{language}",
            )
        assert note is not None
        assert (note.subject, note.body) == (f"[{language}] CT-7K3F9Q", f"[{language}] CT-7K3F9Q")


def test_an_english_recipient_reads_the_english_text(cast: Any, make_pledge: Any, settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    with_email(cast.officer)
    pledge = make_pledge(quantity=5, status="delivered")
    send()
    (message,) = [m for m in mail.outbox if m.to == ["officer@example.org"]]
    assert message.subject == f"Delivery {pledge.code} awaits your confirmation"
    assert f"The donor of pledge {pledge.code}" in message.body


def test_a_recipient_without_an_email_address_is_marked_skipped(cast: Any) -> None:
    note = note_for(cast.donor)
    assert note is not None and not cast.donor.email
    assert "sent 0, no address 1, failed 0" in send()
    note.refresh_from_db()
    assert note.status == NotificationStatus.SKIPPED and note.attempts == 1
    assert not mail.outbox
    assert "no address 0" in send()  # not tried again


def test_a_failing_transport_is_retried_then_marked_failed_with_the_error(cast: Any, settings: Any) -> None:
    settings.NOTIFY_TRANSPORTS = {"email": "tests.test_notifications.BrokenGateway"}
    settings.NOTIFY_MAX_ATTEMPTS = 3
    with_email(cast.donor)
    note = note_for(cast.donor)
    assert note is not None
    for attempt in (1, 2):
        assert "sent 0, no address 0, failed 1" in send()
        note.refresh_from_db()
        assert (note.status, note.attempts) == (NotificationStatus.PENDING, attempt)  # tried again later
        assert note.retry_at is not None and note.retry_at > timezone.now()
        assert "failed 0" in send()  # not before its retry time
        Notification.objects.filter(pk=note.pk).update(retry_at=timezone.now())  # time passes
    send()
    note.refresh_from_db()
    assert (note.status, note.attempts) == (NotificationStatus.FAILED, 3)
    assert note.last_error == "ConnectionError: relay 10.0.0.5:25 refused the connection"
    assert "failed 0" in send()  # given up: no fourth attempt
    assert Notification.objects.get(pk=note.pk).attempts == 3


def test_a_failing_gateway_stops_the_run_instead_of_hammering_it(cast: Any, settings: Any) -> None:
    settings.NOTIFY_TRANSPORTS = {"email": "tests.test_notifications.BrokenGateway"}
    for key in ("test:1", "test:2", "test:3"):
        note_for(cast.donor, key=key)
    result = notifications_send()
    assert result.failed == 1
    assert list(Notification.objects.order_by("pk").values_list("attempts", flat=True)) == [1, 0, 0]


def test_the_transport_is_pluggable_per_channel(cast: Any, settings: Any) -> None:
    settings.NOTIFY_TRANSPORTS = {**settings.NOTIFY_TRANSPORTS, "sms": "tests.test_notifications.FakeSms"}
    with_email(cast.donor)
    note_for(cast.donor, channel="sms")
    note_for(cast.donor, key="test:2")  # and an e-mail beside it
    assert "sent 2" in send()
    assert FakeSms.sent == [("donor", "Pledge CT-7K3F9Q", "Body of CT-7K3F9Q")]
    assert [m.subject for m in mail.outbox] == ["Pledge CT-7K3F9Q"]
    assert set(Notification.objects.values_list("channel", "status")) == {("sms", "sent"), ("email", "sent")}


def test_a_message_that_fails_does_not_hold_up_the_next_run(cast: Any, settings: Any) -> None:
    """One bad message (a rejected address, say) waits for its retry time; the others go out."""
    with_email(cast.donor)
    bad = note_for(cast.donor, key="test:bad")
    good = note_for(cast.donor, key="test:good")
    assert bad is not None and good is not None
    settings.NOTIFY_TRANSPORTS = {"email": "tests.test_notifications.BrokenGateway"}
    notifications_send()
    settings.NOTIFY_TRANSPORTS = {"email": "cuutro.notify.transports.EmailTransport"}
    result = notifications_send()
    assert (result.sent, result.failed) == (1, 0)
    assert Notification.objects.get(pk=good.pk).status == NotificationStatus.SENT
    assert Notification.objects.get(pk=bad.pk).status == NotificationStatus.PENDING


def test_a_channel_without_a_transport_is_an_error_worth_fixing_not_a_silent_drop(cast: Any) -> None:
    note = note_for(cast.donor, channel="zalo")
    assert note is not None
    assert "failed 1" in send()
    note.refresh_from_db()
    assert note.status == NotificationStatus.PENDING
    assert "no transport for channel 'zalo'" in note.last_error
