"""Choices of the pledges domain, importable by the edges without the models module."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PledgeStatus(models.TextChoices):
    PLEDGED = "pledged", _("Pledged")
    IN_TRANSIT = "in_transit", _("On the way")
    DELIVERED = "delivered", _("Delivered – awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed by the commune")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


# Pledges that hold quantity of their need item (remaining = needed − these).
ACTIVE_STATUSES = [PledgeStatus.PLEDGED, PledgeStatus.IN_TRANSIT, PledgeStatus.DELIVERED, PledgeStatus.CONFIRMED]
# Not yet handed over: the donor may still ship, cancel or hand over; they may expire.
UNDELIVERED_STATUSES = [PledgeStatus.PLEDGED, PledgeStatus.IN_TRANSIT]
# A commune officer confirms what arrived, whether or not the donor pressed "delivered" first.
CONFIRMABLE_STATUSES = [PledgeStatus.PLEDGED, PledgeStatus.IN_TRANSIT, PledgeStatus.DELIVERED]


class ShowAs(models.TextChoices):
    """How the public sees who pledged: the donor's choice."""

    ORGANISATION = "organisation", _("Under my organisation's name")
    NAME = "name", _("Under my own name")
    ANONYMOUS = "anonymous", _("As an anonymous donor")


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("Photo of the hand-over")
    RECEIPT = "receipt", _("Photo of the signed receipt")


class HandoverStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")
