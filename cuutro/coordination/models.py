"""Tables of coordination: the supply–need board's maintained summary and the communes'
"please do not send more" notices. What the board's figures and statuses mean is explained in
``selectors.py``; how the summary is kept exact, in ``services.board_refresh``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BoardStatus(models.TextChoices):
    # A context of their own: "Needed" alone is already the home page's figure label ("Cần").
    URGENT = "urgent", pgettext_lazy("board status", "Urgently needed")
    NEEDED = "needed", pgettext_lazy("board status", "Needed")
    ENOUGH = "enough", pgettext_lazy("board status", "Enough")
    OVERSUPPLIED = "oversupplied", pgettext_lazy("board status", "Too much")


# Board order: the most pressing first.
SEVERITY = {BoardStatus.URGENT: 0, BoardStatus.NEEDED: 1, BoardStatus.ENOUGH: 2, BoardStatus.OVERSUPPLIED: 3}


class NoticeReason(models.TextChoices):
    """What a commune says when it posts "please do not send more": it sets the board's status."""

    ENOUGH = "enough", _("We have enough")
    OVERSUPPLIED = "oversupplied", _("We have received too much")


class BoardCell(models.Model):
    """One line of the supply–need board: a commune × an item category × a unit.

    A maintained summary, written only by ``services.board_refresh`` (see there), so that the
    board reads a few thousand narrow rows instead of summing every need item on each request.
    Quantities in different units (sheets, bags, đồng) are never added up: a category whose items
    come in several units has one line per unit.
    """

    area = models.ForeignKey("geo.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("commune"))
    area_path = models.CharField(max_length=255, db_index=True)  # copy of area.path for subtree filters
    category = models.ForeignKey("needs.Category", on_delete=models.CASCADE, related_name="+", verbose_name=_("category"))
    unit = models.CharField(_("unit"), max_length=16, blank=True)  # blank: a notice's line with no need behind it
    needed = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    pledged = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    delivered = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    confirmed = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    gap = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    waiting = models.PositiveIntegerField(default=0)  # open needs still missing something of this line
    status = models.CharField(_("status"), max_length=16, choices=BoardStatus.choices)
    severity = models.PositiveSmallIntegerField()  # SEVERITY[status], the first sort key
    gap_permille = models.PositiveSmallIntegerField(default=0)  # gap / needed in ‰, the second
    item_ids = models.JSONField(default=list)  # the catalogue items behind the line, for its label

    class Meta:
        verbose_name = _("supply–need board line")
        verbose_name_plural = _("supply–need board lines")
        constraints = [
            models.UniqueConstraint(fields=["area", "category", "unit"], name="board_cell_once"),
            models.CheckConstraint(
                condition=models.Q(gap__gte=0) & models.Q(gap__lte=models.F("needed")), name="board_cell_gap_in_needed"
            ),
        ]
        indexes = [
            # The unfiltered board's page: an index scan that stops after one page.
            models.Index(fields=["severity", "-gap_permille", "-waiting", "id"], name="board_cell_order"),
            # A status filter: the same order within one status.
            models.Index(fields=["status", "severity", "-gap_permille", "-waiting", "id"], name="board_cell_status_order"),
            models.Index(fields=["category", "severity"], name="board_cell_category"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id}/{self.category_id}/{self.unit}: {self.status}"


class BoardDirty(models.Model):
    """A commune whose board lines must be recomputed.

    Written by database triggers (migration 0002) whenever a need item's quantity or counters
    change, or a need's status, commune or urgency, and by the notice services; consumed by
    ``services.board_refresh``. Plain inserts, so writers never wait on each other here.
    """

    id = models.BigAutoField(primary_key=True)
    area_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("board line to refresh")
        verbose_name_plural = _("board lines to refresh")

    def __str__(self) -> str:
        return f"area {self.area_id}"


class BoardState(models.Model):
    """One row, locked by whoever refreshes the board, so that refreshes take turns."""

    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("board state")
        verbose_name_plural = _("board states")

    def __str__(self) -> str:
        return f"board refreshed at {self.refreshed_at}"


class SupplyNotice(models.Model):
    """A commune's public "please do not send more X", for a category or one catalogue item.

    Posted and withdrawn only through ``services`` by officials over the commune; each change is
    an audit event (who, when, why). Withdrawn notices stay, inactive, as the record.
    """

    code = models.CharField(_("code"), max_length=16, unique=True, editable=False)
    area = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune"))
    category = models.ForeignKey(
        "needs.Category", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("category")
    )
    item = models.ForeignKey(
        "needs.CatalogueItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("item")
    )
    reason = models.CharField(_("reason"), max_length=16, choices=NoticeReason.choices)
    message = models.TextField(_("message to donors"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(_("why it was withdrawn"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("supply notice")
        verbose_name_plural = _("supply notices")
        indexes = [models.Index(fields=["active", "area"], name="supply_notice_active_area")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(category__isnull=False, item__isnull=True)
                | models.Q(category__isnull=True, item__isnull=False),
                name="supply_notice_category_or_item",
            ),
            # One active notice per commune and category (or item): a second would say it twice.
            models.UniqueConstraint(
                fields=["area", "category"], condition=models.Q(active=True, category__isnull=False),
                name="supply_notice_one_active_per_category",
            ),
            models.UniqueConstraint(
                fields=["area", "item"], condition=models.Q(active=True, item__isnull=False),
                name="supply_notice_one_active_per_item",
            ),
            models.CheckConstraint(
                condition=models.Q(active=True, withdrawn_at__isnull=True)
                | models.Q(active=False, withdrawn_at__isnull=False),
                name="supply_notice_withdrawn_when_inactive",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def subject(self) -> str:
        """What not to send: the item's name, or the category's."""
        target = self.item if self.item_id else self.category
        return str(target) if target is not None else ""
