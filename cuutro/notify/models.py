from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")  # gave up after NOTIFY_MAX_ATTEMPTS
    SKIPPED = "skipped", _("No address")  # the recipient has no address on this channel


class Notification(models.Model):
    """One message in the outbox. Written in the transaction of the change it reports, so a
    rolled-back change sends nothing; ``manage.py send_notifications`` delivers it."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    channel = models.CharField(_("channel"), max_length=20, default="email")
    kind = models.CharField(_("kind"), max_length=50)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    # The same event never notifies the same person twice (e.g. the daily expiry run).
    dedupe_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # After a failure, not before this time: one bad message must not hold up the others.
    retry_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["status", "id"], name="notification_outbox")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"
