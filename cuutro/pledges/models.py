from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cuutro.pledges.choices import ACTIVE_STATUSES, EvidenceKind, HandoverStatus, PledgeStatus, ShowAs


class Pledge(models.Model):
    """A donor's promise to bring part of one need item, and its way to the household.

    Its quantity is counted in the item's ``quantity_pledged`` while the pledge is active;
    services keep the two in step under the need's row lock.
    """

    code = models.CharField(_("code"), max_length=16, unique=True, editable=False)
    code_key = models.CharField(max_length=16, unique=True, editable=False)  # CT7K3F9Q, see lib.codes
    need = models.ForeignKey("needs.Need", on_delete=models.PROTECT, related_name="pledges", verbose_name=_("need"))
    need_item = models.ForeignKey("needs.NeedItem", on_delete=models.PROTECT, related_name="pledges", verbose_name=_("item"))
    quantity = models.DecimalField(_("quantity"), max_digits=16, decimal_places=2)
    donor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("donor"))
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="pledges",
        verbose_name=_("organisation"),
    )
    show_as = models.CharField(_("shown publicly"), max_length=16, choices=ShowAs.choices, default=ShowAs.ANONYMOUS)
    # The public name as chosen at the time (blank: anonymous donor). A snapshot, so public pages
    # never need to read the donor's account.
    public_name = models.CharField(max_length=200, blank=True, editable=False)
    # Private: only the donor and the commune officers concerned see these.
    contact_name = models.CharField(_("contact person"), max_length=150)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    note = models.TextField(_("note to the commune"), blank=True)
    expected_on = models.DateField(_("expected delivery date"))
    status = models.CharField(_("status"), max_length=16, choices=PledgeStatus.choices, default=PledgeStatus.PLEDGED)
    status_reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # cancelled or expired
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    # Cash pledges: đồng received on the fund's account under this pledge's reference (matched by
    # reconciliation of bank statements); paid once it reaches the pledged amount.
    amount_received = models.DecimalField(max_digits=18, decimal_places=0, default=0, editable=False)
    paid_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        indexes = [
            models.Index(fields=["status", "expected_on"], name="pledge_status_expected"),
            models.Index(fields=["need", "status"], name="pledge_need_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="pledge_quantity_positive"),
            models.CheckConstraint(
                condition=~models.Q(show_as=ShowAs.ORGANISATION) | models.Q(organisation__isnull=False),
                name="pledge_shown_as_organisation_has_one",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def donor_name(self) -> str:
        """Who the public sees as giving: the name the donor chose, or "Anonymous donor"."""
        return self.public_name or str(_("Anonymous donor"))

    @property
    def transfer_reference(self) -> str:
        """What a cash donor writes in the bank transfer memo: "CT 7K3F9Q" (ASCII, 9 characters;
        banks strip diacritics and may drop the space, reconciliation copes with both)."""
        return self.code.replace("-", " ")

    @property
    def deadline(self) -> date:
        """The last day the pledge may still be delivered; after it, it expires."""
        return self.expected_on + timedelta(days=settings.PLEDGE_EXPIRY_DAYS)


def confirmation_path(instance: Confirmation, filename: str) -> str:
    from cuutro.lib.codes import random_code

    extension = filename.rsplit(".", 1)[-1].lower()
    return f"confirmations/{instance.pledge.code_key}/{random_code(12)}.{extension}"


class Confirmation(models.Model):
    """The commune's proof that a pledge arrived. Private: it may show the household."""

    pledge = models.OneToOneField(Pledge, on_delete=models.PROTECT, related_name="confirmation")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    evidence_kind = models.CharField(_("evidence"), max_length=10, choices=EvidenceKind.choices)
    evidence = models.ImageField(_("photo"), upload_to=confirmation_path)
    recipient_acknowledged = models.BooleanField(_("the recipient acknowledged receipt"))
    received_by = models.CharField(_("received by"), max_length=150, blank=True)
    note = models.TextField(_("note"), blank=True)
    confirmed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delivery confirmation")
        verbose_name_plural = _("delivery confirmations")
        constraints = [
            models.CheckConstraint(condition=models.Q(recipient_acknowledged=True), name="confirmation_acknowledged"),
        ]

    def __str__(self) -> str:
        return self.pledge.code


class HandoverRequest(models.Model):
    """A second donor or organisation asks the holder of a pledge to let them take it over."""

    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="handovers")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("organisation"),
    )
    contact_name = models.CharField(_("contact person"), max_length=150)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=HandoverStatus.choices, default=HandoverStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("hand-over request")
        verbose_name_plural = _("hand-over requests")
        constraints = [
            # One open request per pledge: the holder answers one at a time.
            models.UniqueConstraint(fields=["pledge"], condition=models.Q(status="open"), name="handover_one_open_per_pledge"),
        ]

    def __str__(self) -> str:
        return f"{self.pledge.code} → {self.requested_by_id}"
