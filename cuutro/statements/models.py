"""Bank statements as the bank gave them (private), and the queue of credits a person must look at.

A statement's rows never become public as they are: each new row becomes one public ledger entry
(``funds.LedgerEntry``, masked account, public memo) and the raw row stays here, for officials
only, with the full counterparty account. ``StatementLine.key`` makes import idempotent: a row
already imported for the fund (from this file or an overlapping one) is never entered twice.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StatementImport(models.Model):
    """One statement file imported into a fund: who, when, what was read and what was new."""

    fund = models.ForeignKey("funds.Fund", on_delete=models.PROTECT, related_name="statement_imports", verbose_name=_("fund"))
    file_name = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    layout = models.CharField(_("layout"), max_length=20)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("imported by")
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    credits_matched = models.PositiveIntegerField(default=0)
    review_items = models.PositiveIntegerField(default=0)
    # Only when the statement states them (title or footer rows); đồng.
    opening_balance = models.DecimalField(max_digits=18, decimal_places=0, null=True, blank=True)
    closing_balance = models.DecimalField(max_digits=18, decimal_places=0, null=True, blank=True)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = _("statement import")
        verbose_name_plural = _("statement imports")

    def __str__(self) -> str:
        return f"{self.fund_id}: {self.file_name}"


class StatementLine(models.Model):
    """One row of a bank statement, as the bank gave it. Private: full account numbers live here.

    Lean on purpose: a million-row statement writes a million of these. The public entry the row
    became is its primary key (the ledger's ``seq``); the fund is that entry's fund, kept here
    for the uniqueness of ``key`` and not checked again by a foreign key. Nor is the entry: the
    import writes both in one transaction and the ledger refuses DELETE, so the database check
    (~9 µs per row at commit, bench/README.md) would only guard against a bug in this app."""

    ledger_entry = models.OneToOneField(
        "funds.LedgerEntry", to_field="seq", db_column="ledger_seq", primary_key=True, on_delete=models.PROTECT,
        related_name="statement_line", db_constraint=False,
    )  # fmt: skip
    fund = models.ForeignKey("funds.Fund", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    booked_on = models.DateField()
    bank_ref = models.CharField(max_length=64, blank=True)  # document / transaction number
    debit = models.DecimalField(max_digits=18, decimal_places=0, default=0)
    credit = models.DecimalField(max_digits=18, decimal_places=0, default=0)
    balance = models.DecimalField(max_digits=18, decimal_places=0, null=True, blank=True)
    description = models.TextField(blank=True)
    counterparty_name = models.CharField(max_length=200, blank=True)
    counterparty_account = models.CharField(max_length=40, blank=True)  # full, as the bank gives it
    # Identity of the row within the fund (parsers.row_keys): the same row in an overlapping
    # statement gets the same key, so it is never imported twice.
    key = models.CharField(max_length=40)
    # Imports are never deleted (PROTECT still guards the ORM); no database check on each of a
    # million rows for a row created in the same transaction.
    first_import = models.ForeignKey(
        StatementImport, on_delete=models.PROTECT, related_name="lines", db_index=False, db_constraint=False
    )
    row_number = models.PositiveIntegerField()  # in the file that first brought it

    class Meta:
        ordering = ["ledger_entry"]
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        constraints = [
            # The last line of defence of idempotency: one row of the bank's account, once per fund
            # (the key covers the day, so the day in the index costs nothing and serves the
            # "rows already known between these days" lookup of every import).
            models.UniqueConstraint(fields=["fund", "booked_on", "key"], name="statement_line_once_per_fund"),
        ]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.bank_ref} +{self.credit} -{self.debit}"


class ReviewReason(models.TextChoices):
    UNMATCHED = "unmatched", _("No pledge reference in the memo")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount differs from what the pledge still owed")
    UNKNOWN_REFERENCE = "unknown_reference", _("The reference is not a known cash pledge")
    PLEDGE_CLOSED = "pledge_closed", _("The pledge was cancelled or has expired")
    DEBIT = "debit", _("Money out that no disbursement explains yet")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Resolution(models.TextChoices):
    LINKED = "linked", _("Linked to a pledge: payment recorded")
    GENERAL = "general", _("General donation to the fund")
    ACCEPTED = "accepted", _("Accepted as recorded")
    EXPLAINED = "explained", _("Explained by a disbursement")
    SAME = "same", _("The same payment as a disbursement recorded before")


class ReviewItem(models.Model):
    """A credit reconciliation could not settle alone. Province officials decide, with a reason.
    Addressed by its entry's public ``seq`` (the ledger shows it to everyone anyway), which the
    database does not check, as for ``StatementLine.ledger_entry``."""

    entry = models.OneToOneField(
        "funds.LedgerEntry", to_field="seq", db_column="entry_seq", primary_key=True, on_delete=models.PROTECT,
        related_name="review_item", db_constraint=False,
    )  # fmt: skip
    fund = models.ForeignKey("funds.Fund", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)  # the entry's
    reason = models.CharField(_("reason"), max_length=20, choices=ReviewReason.choices)
    reference = models.CharField(max_length=32, blank=True)  # the reference found in the memo, if any
    pledge = models.ForeignKey(
        "pledges.Pledge", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("pledge"), db_index=False
    )
    status = models.CharField(_("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    resolution = models.CharField(_("decision"), max_length=10, choices=Resolution.choices, blank=True)
    decision_reason = models.TextField(_("why"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["entry"]
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        indexes = [
            models.Index(fields=["fund", "entry"], condition=models.Q(status="open"), name="review_open_by_fund"),
            models.Index(fields=["pledge"], condition=models.Q(pledge__isnull=False), name="review_by_pledge"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", resolution="") | (~models.Q(status="open") & ~models.Q(resolution="")),
                name="review_resolved_has_resolution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} #{self.entry_id}"


class QueueStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Refused")


def queued_statement_path(instance: QueuedStatement, filename: str) -> str:
    # Not the uploaded name: a path must not carry what an official typed or a bank wrote.
    return f"private/statements/{uuid.uuid4().hex}"


class QueuedStatement(models.Model):
    """A large statement uploaded on the page, imported in the background by ``manage.py
    process_statements``: at ~10,000 rows/s, a 100 MB file would outlast a proxy's timeout if
    the web request imported it. It stays "queued" until its import commits (the worker holds
    its row meanwhile). The file is private and deleted once imported or refused; what stays is
    the import it became, or the row-numbered problems in the uploader's language."""

    fund = models.ForeignKey("funds.Fund", on_delete=models.PROTECT, related_name="+", verbose_name=_("fund"))
    file = models.FileField(upload_to=queued_statement_path, blank=True)
    file_name = models.CharField(_("file"), max_length=255)
    layout = models.CharField(max_length=20, blank=True)
    mapping = models.JSONField(null=True, blank=True)
    language = models.CharField(max_length=10, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=QueueStatus.choices, default=QueueStatus.QUEUED)
    finished_at = models.DateTimeField(null=True, blank=True)
    problems = models.JSONField(default=list, blank=True)
    statement_import = models.OneToOneField(
        StatementImport, on_delete=models.PROTECT, null=True, blank=True, related_name="queued", verbose_name=_("import")
    )

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("queued statement")
        verbose_name_plural = _("queued statements")
        indexes = [
            models.Index(fields=["uploaded_at"], condition=models.Q(status="queued"), name="statement_queue_waiting"),
        ]

    def __str__(self) -> str:
        return f"{self.fund_id}: {self.file_name} ({self.status})"
