from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Re-exported: the app's own modules keep importing these from models.
from cuutro.needs.choices import CODE_PREFIX as CODE_PREFIX
from cuutro.needs.choices import OPEN_STATUSES as OPEN_STATUSES
from cuutro.needs.choices import PUBLIC_STATUSES as PUBLIC_STATUSES
from cuutro.needs.choices import URGENCY_RANK as URGENCY_RANK
from cuutro.needs.choices import VULNERABILITY_FLAGS
from cuutro.needs.choices import DamageLevel as DamageLevel
from cuutro.needs.choices import NeedKind as NeedKind
from cuutro.needs.choices import NeedStatus as NeedStatus
from cuutro.needs.choices import Unit as Unit
from cuutro.needs.choices import Urgency as Urgency


class Bilingual(models.Model):
    """Catalogue data is edited in the admin, so it carries both languages itself."""

    name_vi = models.CharField(_("name (Vietnamese)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "vi").startswith("en") else self.name_vi


class Category(Bilingual):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class CatalogueItem(Bilingual):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="items", verbose_name=_("category"))
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["category__position", "position", "code"]
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue items")

    @property
    def is_cash(self) -> bool:
        return self.unit == Unit.VND


class Campaign(models.Model):
    """A named relief campaign, e.g. "Lũ tháng 10/2020"."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("area")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name


class Need(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True, editable=False)
    # Lookup form (HGD7K3F9, see lib.codes.code_key): codes typed without Đ, dash or caps still match.
    code_key = models.CharField(max_length=16, unique=True, editable=False)
    area = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune"))
    area_path = models.CharField(max_length=255, editable=False)  # copy of area.path for subtree filters
    village = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("village")
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=NeedKind.choices)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices)
    urgency_rank = models.PositiveSmallIntegerField(editable=False)
    damage_level = models.CharField(
        _("damage to the house or building"), max_length=16, choices=DamageLevel.choices, default=DamageLevel.NONE
    )
    # The score search sorts by and the parts it adds up, both written only by the services and
    # ``manage.py refresh_priorities`` (see needs/priority.py). The parts hold keys and numbers,
    # never which vulnerability flag applies: they are public.
    priority = models.IntegerField(_("priority"), default=0, editable=False)
    priority_parts = models.JSONField(default=list, editable=False)
    description = models.TextField(_("description"))
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="needs", verbose_name=_("campaign")
    )
    status = models.CharField(_("status"), max_length=20, choices=NeedStatus.choices, default=NeedStatus.DRAFT)
    status_reason = models.TextField(_("reason"), blank=True)
    search_key = models.TextField(editable=False, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-urgency_rank", "-verified_at", "-pk"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        indexes = [
            models.Index(fields=["status", "area_path"], name="need_status_path"),
            models.Index(fields=["status", "-urgency_rank", "-verified_at"], name="need_public_order"),
            models.Index(fields=["area", "status"], name="need_area_status"),
            models.Index(fields=["-priority", "-verified_at", "-id"], name="need_priority_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="need_point_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES


class NeedItem(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(CatalogueItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = models.DecimalField(_("quantity"), max_digits=16, decimal_places=2)
    # Running totals of the pledges against this item, written only by services.need_item_*
    # under the need's row lock: pledged counts active pledges (remaining = quantity - pledged),
    # delivered those the donor declared delivered, confirmed those the commune confirmed.
    quantity_pledged = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal(0), editable=False)
    quantity_delivered = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal(0), editable=False)
    quantity_confirmed = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal(0), editable=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("need item")
        verbose_name_plural = _("need items")
        constraints = [
            models.UniqueConstraint(fields=["need", "item"], name="need_item_once"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="need_item_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(quantity_pledged__gte=0) & models.Q(quantity_pledged__lte=models.F("quantity")),
                name="need_item_never_over_pledged",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity_confirmed__gte=0)
                & models.Q(quantity_confirmed__lte=models.F("quantity_delivered"))
                & models.Q(quantity_delivered__lte=models.F("quantity_pledged")),
                name="need_item_confirmed_le_delivered_le_pledged",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.quantity_pledged


class Beneficiary(models.Model):
    """Personal data of the person or body in need. Visible only to officers in scope.

    Kept in its own table so that no public query, API schema or export can select it by
    accident: public code paths never join it.
    """

    need = models.OneToOneField(Need, on_delete=models.CASCADE, related_name="beneficiary")
    full_name = models.CharField(_("full name"), max_length=150)
    id_number = models.CharField(_("ID number (CCCD)"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("exact address"), max_length=255, blank=True)
    household_size = models.PositiveSmallIntegerField(_("people in household"), null=True, blank=True)
    # Vulnerability of the household (needs.choices.VULNERABILITY_FLAGS): sensitive personal data,
    # so here and not on the need. They raise the need's priority; see needs/priority.py.
    poor_household = models.BooleanField(VULNERABILITY_FLAGS["poor_household"], default=False)
    near_poor_household = models.BooleanField(VULNERABILITY_FLAGS["near_poor_household"], default=False)
    elderly_alone = models.BooleanField(VULNERABILITY_FLAGS["elderly_alone"], default=False)
    disability = models.BooleanField(VULNERABILITY_FLAGS["disability"], default=False)
    young_children = models.BooleanField(VULNERABILITY_FLAGS["young_children"], default=False)
    pregnant = models.BooleanField(VULNERABILITY_FLAGS["pregnant"], default=False)

    class Meta:
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        constraints = [
            # A household is on the poor list or on the near-poor list, never both.
            models.CheckConstraint(
                condition=~models.Q(poor_household=True, near_poor_household=True), name="beneficiary_poor_or_near_poor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need.code}"


def evidence_path(instance: NeedPhoto, filename: str) -> str:
    # Random name: never expose the uploader's original file name (it may hold a person's name).
    from cuutro.lib.codes import random_code

    extension = filename.rsplit(".", 1)[-1].lower()
    return f"evidence/{instance.need.code_key}/{random_code(12)}.{extension}"


class NeedPhoto(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=evidence_path)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("evidence photo")
        verbose_name_plural = _("evidence photos")

    def __str__(self) -> str:
        return f"{self.need.code} #{self.pk}"
