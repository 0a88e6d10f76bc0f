"""The outbox: ``notify`` writes a message inside the caller's transaction; ``notifications_send``
drains the outbox through the channel's transport."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import override

from cuutro.notify.models import Notification, NotificationStatus
from cuutro.notify.transports import NoAddress, Transport


def recipient_language(user: Any) -> str:
    """The language to write to this person in. Vietnamese unless they chose otherwise."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def notify(
    *, recipient: Any, kind: str, subject: Any, body: Any, context: Mapping[str, Any], dedupe_key: str, channel: str = "email"
) -> Notification | None:
    """Queue a message. ``subject`` and ``body`` are lazy translatable strings with
    %(name)s placeholders, rendered here in the recipient's language.

    Returns None when the same ``dedupe_key`` was already queued (nothing is sent twice)."""
    if recipient is None:
        return None
    with override(recipient_language(recipient)):
        values = {k: str(v) for k, v in context.items()}
        text_subject = (str(subject) % values)[:200]
        text_body = str(body) % values
    notification, created = Notification.objects.get_or_create(
        dedupe_key=f"{channel}:{recipient.pk}:{dedupe_key}"[:120],
        defaults={"recipient": recipient, "kind": kind, "subject": text_subject, "body": text_body, "channel": channel},
    )
    return notification if created else None


def _transport(channel: str) -> Transport:
    path = settings.NOTIFY_TRANSPORTS.get(channel)
    if path is None:
        raise LookupError(f"no transport for channel {channel!r} in NOTIFY_TRANSPORTS")
    return import_string(path)()


@dataclass
class SendResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0  # attempts that failed this run (retried next run until NOTIFY_MAX_ATTEMPTS)


RETRY_BASE = timedelta(minutes=1)  # doubled after each failed attempt: 1, 2, 4, 8… minutes


def notifications_send(*, limit: int = 200) -> SendResult:
    """Send up to ``limit`` due notifications, oldest first.

    Each message is claimed under a row lock (SKIP LOCKED on PostgreSQL), so two senders running
    at once never send the same message twice. A failed message waits (``retry_at``, doubling each
    time) so it does not hold up the others, and a channel that fails is left alone for the rest
    of the run: a gateway that is down gets one attempt per run, not one per message.
    """
    result = SendResult()
    transports: dict[str, Transport] = {}
    broken_channels: set[str] = set()
    for _ in range(limit):
        with transaction.atomic():
            now = timezone.now()
            due = (
                Notification.objects.filter(status=NotificationStatus.PENDING)
                .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
                .exclude(channel__in=broken_channels)
                .select_related("recipient")
                .order_by("pk")
            )
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True, of=("self",))
            notification = due.first()
            if notification is None:
                break
            notification.attempts += 1
            try:
                if notification.channel not in transports:
                    transports[notification.channel] = _transport(notification.channel)
                transports[notification.channel].send(notification)
            except NoAddress:
                notification.status = NotificationStatus.SKIPPED
                result.skipped += 1
            except Exception as exc:  # any transport failure is recorded and retried
                notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                notification.retry_at = now + RETRY_BASE * 2 ** (notification.attempts - 1)
                result.failed += 1
                broken_channels.add(notification.channel)
                if notification.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
                    notification.status = NotificationStatus.FAILED
            else:
                notification.status = NotificationStatus.SENT
                notification.sent_at = timezone.now()
                result.sent += 1
            notification.save(update_fields=["status", "attempts", "last_error", "sent_at", "retry_at"])
    return result
