"""How a notification leaves the building. One class per channel, named in NOTIFY_TRANSPORTS.

A transport's ``send`` returns normally when the message was handed over, raises ``NoAddress``
when the recipient cannot be reached on this channel (not retried), and raises anything else
for a failure worth retrying (gateway down, timeout).
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail

from cuutro.notify.models import Notification


class NoAddress(Exception):  # noqa: N818 - a reason, not an error to fix
    """The recipient has no address on this channel."""


class Transport(Protocol):
    def send(self, notification: Notification) -> None: ...


class EmailTransport:
    """Django's e-mail backend: the console in development, SMTP in production (EMAIL_* settings)."""

    def send(self, notification: Notification) -> None:
        address = notification.recipient.email
        if not address:
            raise NoAddress
        send_mail(notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)
