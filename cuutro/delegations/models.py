"""Tables of relief delegations: the planned visit, what it carries, its route and what it handed
over at each stop. Written only by ``services``; every change of state is an audit event."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cuutro.pledges.choices import ACTIVE_STATUSES


class DelegationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for a route")
    ACCEPTED = "accepted", _("Route assigned")
    REDIRECTED = "redirected", _("Another place suggested")
    ON_ROUTE = "on_route", _("Arrived – handing over")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# An official may still assign or change the route; the organisation may still withdraw.
ROUTABLE_STATUSES = [DelegationStatus.SUBMITTED, DelegationStatus.ACCEPTED, DelegationStatus.REDIRECTED]
# On the shared calendar: the plans other delegations should steer around.
PLANNED_STATUSES = [DelegationStatus.ACCEPTED, DelegationStatus.REDIRECTED, DelegationStatus.ON_ROUTE, DelegationStatus.COMPLETED]


class StopStatus(models.TextChoices):
    PROPOSED = "proposed", _("Suggested – waiting for the delegation")
    ACCEPTED = "accepted", _("Assigned")
    CHECKED_IN = "checked_in", _("Arrived")
    WITHDRAWN = "withdrawn", _("No longer on the route")


# Stops that hold a commune on a day (the calendar's conflicts are between these).
ASSIGNED_STOP_STATUSES = [StopStatus.ACCEPTED, StopStatus.CHECKED_IN]


class Delegation(models.Model):
    """An organisation's planned relief visit, registered before it sets off."""

    code = models.CharField(_("code"), max_length=16, unique=True, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="delegations", verbose_name=_("organisation")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    origin = models.CharField(_("coming from"), max_length=200)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    # Private: the delegation itself and the officials concerned see these, never the public.
    leader_name = models.CharField(_("leader"), max_length=150)
    leader_phone = models.CharField(_("leader's phone"), max_length=20)
    note = models.TextField(_("note to the officials"), blank=True)
    people = models.PositiveSmallIntegerField(_("people"))
    vehicles = models.PositiveSmallIntegerField(_("vehicles"))
    preferred_communes = models.ManyToManyField("geo.Area", related_name="+", verbose_name=_("preferred communes"))
    status = models.CharField(_("status"), max_length=16, choices=DelegationStatus.choices, default=DelegationStatus.SUBMITTED)
    status_reason = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = _("relief delegation")
        verbose_name_plural = _("relief delegations")
        indexes = [models.Index(fields=["status", "starts_on"], name="delegation_status_start")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="delegation_ends_after_start"),
            models.CheckConstraint(condition=models.Q(people__gt=0), name="delegation_has_people"),
        ]

    def __str__(self) -> str:
        return self.code


class CargoLine(models.Model):
    """Goods or cash (an item whose unit is đồng) the delegation carries."""

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="cargo")
    item = models.ForeignKey("needs.CatalogueItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = models.DecimalField(_("quantity"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["item__category__position", "item__position", "pk"]
        verbose_name = _("cargo line")
        verbose_name_plural = _("cargo lines")
        constraints = [
            models.UniqueConstraint(fields=["delegation", "item"], name="cargo_line_once"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="cargo_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.delegation_id}: {self.item} × {self.quantity}"

    def committed(self) -> Decimal:
        """What of this cargo is spoken for: handed over at stops, or allocated to needs by an
        official through a pledge that is still active (a cancelled one gives it back)."""
        handed = sum((h.quantity for h in self.handovers.all()), Decimal(0))
        allocated = AllocationLine.holding().filter(cargo=self).aggregate(total=models.Sum("quantity"))["total"]
        return handed + (allocated or Decimal(0))


class Stop(models.Model):
    """One commune on one day of a delegation's route, assigned (or suggested) by an official.

    ``token`` is the secret in the stop's QR code: the commune officer who opens it records the
    delegation's arrival. It addresses nothing else and works only for that commune's officers.
    """

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="stops")
    code = models.CharField(_("code"), max_length=12, unique=True, editable=False)
    token = models.CharField(max_length=32, unique=True, editable=False)
    commune = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune"))
    on_date = models.DateField(_("date"))
    needs = models.ManyToManyField("needs.Need", blank=True, related_name="+", verbose_name=_("specific needs"))
    note = models.TextField(_("message from the commune"), blank=True)  # delegation and officials only
    status = models.CharField(_("status"), max_length=16, choices=StopStatus.choices)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["on_date", "pk"]
        verbose_name = _("route stop")
        verbose_name_plural = _("route stops")
        indexes = [models.Index(fields=["on_date", "commune"], name="stop_date_commune")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="checked_in") | models.Q(checked_in_at__isnull=False, checked_in_by__isnull=False),
                name="stop_checked_in_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class HandoverLine(models.Model):
    """What a delegation handed over at a stop to one need item: a pledge it made and delivered."""

    stop = models.ForeignKey(Stop, on_delete=models.PROTECT, related_name="handovers")
    cargo = models.ForeignKey(CargoLine, on_delete=models.PROTECT, related_name="handovers")
    pledge = models.OneToOneField("pledges.Pledge", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=16, decimal_places=2)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("hand-over line")
        verbose_name_plural = _("hand-over lines")
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="handover_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.stop_id}: {self.pledge_id}"


class AllocationLine(models.Model):
    """A line of an accepted allocation: a pledge an official recorded for the delegation's
    organisation, to be covered from one of its cargo lines (``delegations.allocation``)."""

    cargo = models.ForeignKey(CargoLine, on_delete=models.PROTECT, related_name="allocations")
    pledge = models.OneToOneField("pledges.Pledge", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=16, decimal_places=2)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("allocation line")
        verbose_name_plural = _("allocation lines")
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="allocation_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.cargo_id}: {self.pledge_id}"

    @classmethod
    def holding(cls) -> models.QuerySet[AllocationLine]:
        """Lines whose goods are still promised from the truck: the pledge is active and still
        the delegation's organisation's (one handed over to another donor no longer is)."""
        return cls.objects.filter(
            pledge__status__in=ACTIVE_STATUSES, pledge__organisation_id=models.F("cargo__delegation__organisation_id")
        )
