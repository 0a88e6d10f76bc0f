from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cuutro.funds import banks


class Fund(models.Model):
    """A campaign's bank account (Decree 93/2021: one separate account per campaign). Public."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    campaign = models.ForeignKey(
        "needs.Campaign", on_delete=models.PROTECT, null=True, blank=True, related_name="funds", verbose_name=_("campaign")
    )
    bank = models.CharField(_("bank"), max_length=20, choices=banks.CHOICES)
    account_number = models.CharField(_("account number"), max_length=19)
    account_name = models.CharField(_("account name"), max_length=200)
    # The period in which the account receives donations for the campaign (Decree 93, art. 6).
    opens_on = models.DateField(_("receives from"))
    closes_on = models.DateField(_("receives until"), null=True, blank=True)
    # Cash pledges of needs outside any campaign with a fund are paid into the default fund.
    is_default = models.BooleanField(_("default fund"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_on", "code"]
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        constraints = [
            models.UniqueConstraint(fields=["bank", "account_number"], name="fund_account_once"),
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True), name="fund_one_default"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def bin(self) -> str:
        return banks.BY_CODE[self.bank].bin

    @property
    def bank_name(self) -> str:
        return banks.BY_CODE[self.bank].name


class EntryKind(models.TextChoices):
    CREDIT = "credit", _("Money received")
    DEBIT = "debit", _("Money out (bank)")
    DISBURSEMENT = "disbursement", _("Money given out")
    GOODS_IN = "goods_in", _("Goods received")
    GOODS_OUT = "goods_out", _("Goods handed out")
    REVERSAL = "reversal", _("Correction (reverses an entry)")


_KIND_LABELS = dict(EntryKind.choices)


class Direction(models.TextChoices):
    IN = "in", _("in")
    OUT = "out", _("out")
    # The same movement as the entry it ``matches``, which counts it: a bank debit that a
    # disbursement recorded earlier explains, or a disbursement that explains an earlier debit.
    SAME = "eq", _("same as the matched entry")


class LedgerQuerySet(models.QuerySet["LedgerEntry"]):
    def totals(self, field: str = "amount") -> tuple[Decimal, Decimal]:
        """(in, out) of ``field`` over these entries: "amount" for money, "quantity" for goods.
        Reversals count in their own direction, so a reversed entry nets to nothing."""
        sums = self.filter(**{f"{field}__isnull": False}).aggregate(
            into=models.Sum(field, filter=models.Q(direction=Direction.IN)),
            out=models.Sum(field, filter=models.Q(direction=Direction.OUT)),
        )
        return sums["into"] or Decimal(0), sums["out"] or Decimal(0)

    def update(self, **kwargs: Any) -> int:
        raise ValueError("ledger entries are append-only: record a reversing entry instead")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError("ledger entries are append-only: record a reversing entry instead")


class LedgerEntry(models.Model):
    """One movement of money or goods, public and append-only.

    Entries form one hash chain across all funds, in ``seq`` order: ``hash`` is the SHA-256 of
    the previous entry's hash and this entry's public content (``funds.chain.entry_content``),
    so changing any stored byte breaks the chain from that entry on. Every field here is public;
    private source data (a statement's raw row, full account numbers) stays with the import.
    A database trigger refuses UPDATE (and DELETE on PostgreSQL); corrections are new entries
    of kind "reversal".
    """

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    # Indexes: see Meta (ledger_fund_day serves the fund; the nullable links have partial ones).
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries", db_index=False)
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    amount = models.DecimalField(max_digits=18, decimal_places=0, null=True, blank=True)  # đồng; null for goods
    item = models.ForeignKey("needs.CatalogueItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False)
    quantity = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)  # goods only
    booked_on = models.DateField()  # the bank's value date, or the day goods moved
    counterparty = models.CharField(max_length=200, blank=True)  # as the bank gives it, or "anonymous"
    counterparty_account = models.CharField(max_length=24, blank=True)  # masked: ••••1234
    memo = models.CharField(max_length=500, blank=True)  # public memo: long digit runs masked
    reference = models.CharField(max_length=16, blank=True)  # a pledge's code key
    pledge = models.ForeignKey(
        "pledges.Pledge", on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries", db_index=False
    )
    need = models.ForeignKey("needs.Need", on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries", db_index=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    bank_ref = models.CharField(max_length=64, blank=True)  # the bank's document / transaction number
    document_sha256 = models.CharField(max_length=64, blank=True)  # fingerprint of the attached document
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    # A bank debit and the disbursement that explains it are one movement: the later of the two
    # names the earlier here and has direction "eq", so money out is counted once (see
    # statements.services for the bank side, funds.services.movement_record for the other).
    matches = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="matched_by_set", db_index=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    recorded_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    search_key = models.TextField(default="")  # folded counterparty, memo and reference, for public search

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        # Every index costs each of a million imported rows (migration 0006): the fund's is
        # ledger_fund_day, the nullable links and the reference (most entries have none) index
        # only the entries that have one. PostgreSQL also has the search vector's GIN index
        # (migrations 0004, 0006).
        indexes = [
            models.Index(fields=["fund", "booked_on", "seq"], name="ledger_fund_day"),
            # An amount in one fund: its newest matches in order, from the index alone.
            models.Index(fields=["amount", "fund", "booked_on", "seq"], include=["id"], name="ledger_amount_day"),
            # The daily heads: the last entry of a day is one probe (funds.selectors.ledger_daily_heads).
            models.Index(fields=["recorded_at", "seq"], name="ledger_recorded_seq"),
            models.Index(fields=["reference"], condition=~models.Q(reference=""), name="ledger_reference"),
            *(
                models.Index(fields=[name], condition=models.Q(**{f"{name}__isnull": False}), name=f"ledger_{name}")
                for name in ("item", "pledge", "need", "organisation", "recorded_by")
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__isnull=True) | models.Q(amount__gt=0), name="ledger_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(amount__isnull=False) | (models.Q(item__isnull=False) & models.Q(quantity__gt=0)),
                name="ledger_money_or_goods",
            ),
            # An entry is explained by at most one other (a partial unique index: SQLite adds it
            # without rebuilding the table, which would drop the append-only trigger).
            models.UniqueConstraint(fields=["matches"], condition=models.Q(matches__isnull=False), name="ledger_matched_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.amount or self.quantity}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("ledger entries are append-only: record a reversing entry instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("ledger entries are append-only: record a reversing entry instead")

    def get_kind_display(self) -> str:  # type: ignore[no-redef]
        # Django's generated one rebuilds the choices' dict on each call: 25 µs, against 3 µs
        # here, for every row of a ledger page or API answer.
        return str(_KIND_LABELS.get(self.kind, self.kind))

    @property
    def matched_by(self) -> LedgerEntry | None:
        """The entry that names this one as the same movement, if any (at most one)."""
        found = getattr(self, "_prefetched_objects_cache", {}).get("matched_by_set")
        if found is not None:
            return found[0] if found else None
        return self.matched_by_set.first()


class LedgerHead(models.Model):
    """The chain's last entry, one row, locked by every append so entries take turns."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("ledger head")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


def document_path(instance: LedgerDocument, filename: str) -> str:
    from cuutro.lib.codes import random_code

    extension = filename.rsplit(".", 1)[-1].lower()
    return f"ledger/{instance.sha256[:2]}/{random_code(12)}.{extension}"


class LedgerDocument(models.Model):
    """The paper behind an entry (decision, invoice, signed list). Officials only: it may name
    households; the public sees its SHA-256, which the hash chain covers."""

    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="document")
    file = models.FileField(_("document"), upload_to=document_path)
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ledger document")
        verbose_name_plural = _("ledger documents")

    def __str__(self) -> str:
        return f"#{self.entry.seq} {self.sha256[:12]}"
