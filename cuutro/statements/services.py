"""Every write of the statements app: importing a statement, and deciding a review item.

``statement_import`` reads and checks the whole file first (``parsers.read_statement``); only a
statement that is right as a whole is imported, in one transaction: rows already known for the
fund (same key) are skipped, each new row becomes a public ledger entry (``bulk``), its raw form
a private ``StatementLine``, and each credit is reconciled: a pledge reference in the memo
records the payment on the pledge (``pledges.services.pledge_record_payment``); what cannot be
settled alone becomes a ``ReviewItem`` for the province's officials.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cuutro.audit.services import audit_record
from cuutro.funds import banks
from cuutro.funds.models import Direction, EntryKind, Fund, LedgerEntry
from cuutro.funds.services import (
    DISBURSEMENT_PREFIX,
    EntryData,
    MovementData,
    debit_explained,
    ledger_append,
    ledger_head_locked,
    mask_account,
    movement_record,
    public_memo,
)
from cuutro.lib.codes import code_key
from cuutro.lib.forms import parse_id
from cuutro.lib.public_cache import public_data_changed
from cuutro.pledges.choices import PledgeStatus, ShowAs
from cuutro.pledges.models import Pledge
from cuutro.pledges.services import PledgeStateError, pledge_record_payment
from cuutro.statements.bulk import insert_rows, ledger_append_many
from cuutro.statements.layouts import BANK_LAYOUTS, Layout, MappingError, generic_layout
from cuutro.statements.models import (
    QueuedStatement,
    QueueStatus,
    Resolution,
    ReviewItem,
    ReviewReason,
    ReviewStatus,
    StatementImport,
    StatementLine,
)
from cuutro.statements.parsers import Row, Statement, StatementError, read_statement, row_keys
from cuutro.statements.permissions import can_import_statements, can_review_credits
from cuutro.statements.reconcile import looks_like_code, reference_candidates

# What the public ledger shows for a donor who chose anonymity when pledging. Stored as this fixed
# Vietnamese text, never translated at import: the entry's hash covers it, so the ledger must not
# depend on the language of whoever ran the import, nor change when a translator edits a
# catalogue. A page may show "Anonymous donor" in its place for English readers.
ANONYMOUS_DONOR = "Nhà hảo tâm ẩn danh"
MAX_FILE_BYTES = 200 * 1024 * 1024  # the Front's biggest published statement was ~100 MB
ANALYZE_AFTER_ROWS = 10_000  # imports at least this large refresh the planner's statistics
CLOSED = (PledgeStatus.CANCELLED, PledgeStatus.EXPIRED)
logger = logging.getLogger(__name__)


@dataclass
class ImportResult:
    statement_import: StatementImport
    layout: str
    rows_read: int
    rows_new: int
    rows_duplicate: int
    credits_matched: int = 0
    review_items: int = 0
    opening: int | None = None
    closing: int | None = None
    first_seq: int | None = None
    last_seq: int | None = None
    reasons: dict[str, int] = field(default_factory=dict)


def _layouts(layout: str | None, mapping: dict[str, str] | None) -> list[Layout]:
    if mapping or layout == "generic":
        if not mapping:
            message = _("The generic layout needs a column mapping, e.g. date=Ngày,credit=Có,debit=Nợ,description=Nội dung.")
            raise ValidationError({"mapping": [message]})
        try:
            return [generic_layout(mapping)]
        except MappingError as exc:
            raise ValidationError({"mapping": [str(exc)]}) from exc
    if not layout:
        return list(BANK_LAYOUTS)
    chosen = [candidate for candidate in BANK_LAYOUTS if candidate.code == layout]
    if not chosen:
        raise ValidationError({"layout": [_("Unknown layout “%(layout)s”: use vcb, vietinbank, bidv or generic.") % {"layout": layout}]})
    return chosen


def _too_large() -> ValidationError:
    return ValidationError({"file": [_("The file is too large (at most %(mb)d MB).") % {"mb": MAX_FILE_BYTES // 2**20}]})


def _read_bytes(file: bytes | IO[bytes] | Any, *, limit: int | None) -> bytes:
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    elif hasattr(file, "chunks"):  # an uploaded file
        if limit is not None and (getattr(file, "size", 0) or 0) > limit:
            raise _too_large()
        data = b"".join(file.chunks())
    else:
        data = file.read() if limit is None else file.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise _too_large()
    return data


def _file_name(file: Any, given: str) -> str:
    return (given or getattr(file, "name", "") or "statement")[-255:]


def _check_account(statement: Statement, fund: Fund) -> None:
    layout = statement.layout
    if layout.bank and layout.bank != fund.bank:
        raise ValidationError(
            _("This is a %(layout)s statement, but fund %(fund)s is held at %(bank)s.")
            % {"layout": banks.BY_CODE[layout.bank].name.split(" ")[0], "fund": fund.code, "bank": fund.bank_name}
        )
    stated, own = statement.account, "".join(ch for ch in fund.account_number if ch.isdigit())
    # A spreadsheet that stored the number as a number has lost its leading zeros.
    if stated and stated.lstrip("0") != own.lstrip("0"):
        raise ValidationError(
            _("This statement is for account …%(stated)s, not the account of fund %(fund)s (…%(own)s).")
            % {"stated": stated[-4:], "fund": fund.code, "own": own[-4:]}
        )


@dataclass
class _Credit:
    """Reconciliation of one new row: a credit (``pledge``) or a debit (``matches``)."""

    row: Row
    pledge: Pledge | None = None
    reference: str = ""  # the code key found in the memo
    reason: str = ""  # a ReviewReason when it needs a person
    matches: LedgerEntry | None = None  # the disbursement a debit pays out


def _reconcile_debits(fund: Fund, debits: list[_Credit]) -> None:
    """Recognise debits that pay out a disbursement recorded before: its transfer code
    ("CHI 7K3F9Q") in the memo and the same amount. Such a debit is recorded as the same movement
    (direction "eq"), so the money is counted once. Any other debit goes to review: an official
    says what it paid for (a disbursement with its document) or that it is a bank fee."""
    found: dict[int, tuple[str, ...]] = {}
    wanted: set[str] = set()
    for index, debit in enumerate(debits):
        candidates = reference_candidates(debit.row.description, prefix=DISBURSEMENT_PREFIX)
        keys = (*candidates.strong, *candidates.weak)
        if keys:
            found[index] = keys
            wanted.update(keys)
    disbursements = {
        entry.reference: entry
        for entry in LedgerEntry.objects.filter(
            fund=fund, kind=EntryKind.DISBURSEMENT, direction=Direction.OUT, reference__in=sorted(wanted),
            matched_by_set__isnull=True, reversed_by__isnull=True,
        )
    }  # fmt: skip
    used: set[int] = set()
    for index, debit in enumerate(debits):
        debit.reason = ReviewReason.DEBIT
        for key in found.get(index, ()):
            entry = disbursements.get(key)
            if entry is None:
                continue
            debit.reference = key
            if entry.amount == Decimal(debit.row.debit) and entry.pk not in used:
                debit.matches, debit.reason = entry, ""
                used.add(entry.pk)
            break


def _reconcile(credits: list[_Credit]) -> None:
    """Find the pledge each credit names (one query for the whole statement)."""
    found: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    wanted: set[str] = set()
    for index, credit in enumerate(credits):
        candidates = reference_candidates(credit.row.description)
        if candidates.strong or candidates.weak:
            found[index] = (candidates.strong, candidates.weak)
            wanted.update(candidates.strong, candidates.weak)
    pledges: dict[str, Pledge] = {}
    keys = sorted(wanted)
    for start in range(0, len(keys), 500):
        for pledge in Pledge.objects.filter(code_key__in=keys[start : start + 500]).select_related("need_item__item"):
            pledges[pledge.code_key] = pledge
    for index, credit in enumerate(credits):
        strong, weak = found.get(index, ((), ()))
        known = [key for key in (*strong, *weak) if key in pledges]
        if known:
            pledge = pledges[known[0]]
            credit.reference = pledge.code_key
            if pledge.need_item.item.is_cash:
                credit.pledge = pledge
            else:
                credit.reason = ReviewReason.UNKNOWN_REFERENCE  # a pledge of goods cannot be paid
            continue
        typed = [key for key in strong if looks_like_code(key)]
        if typed:
            credit.reference, credit.reason = typed[0], ReviewReason.UNKNOWN_REFERENCE
        else:
            credit.reason = ReviewReason.UNMATCHED


def _entry_data(row: Row, credit: _Credit | None) -> EntryData:
    description = " ".join(row.description.split())
    pledge = credit.pledge if credit else None
    counterparty, account = row.counterparty_name, mask_account(row.counterparty_account)
    memo = public_memo(description, keep=credit.reference if credit else "")
    if pledge is not None and pledge.show_as == ShowAs.ANONYMOUS:
        # The donor chose anonymity when pledging: neither the bank's name for them nor a memo
        # that may carry it (banks put the sender's name in the memo) goes public.
        counterparty, account, memo = ANONYMOUS_DONOR, "", pledge.transfer_reference
    matches = None
    if row.debit:
        # Money out may go to a household: its name, account and the bank memo naming it stay
        # in the private statement line. What it was for is public on the disbursement entry.
        counterparty, account, memo = "", "", ""
        matches = credit.matches if credit else None
    return EntryData(
        kind=EntryKind.CREDIT if row.credit else EntryKind.DEBIT,
        direction=Direction.IN if row.credit else (Direction.SAME if matches is not None else Direction.OUT),
        matches=matches,
        booked_on=row.booked_on,
        amount=Decimal(row.amount),
        counterparty=counterparty,
        counterparty_account=account,
        memo=memo,
        reference=pledge.code_key if pledge is not None else (matches.reference if matches is not None else ""),
        pledge=pledge,
        bank_ref=row.bank_ref,
    )


def statement_import(
    *, actor: Any, fund: Fund, file: bytes | IO[bytes] | Any, layout: str | None = None, mapping: dict[str, str] | None = None,
    file_name: str = "", max_bytes: int | None = MAX_FILE_BYTES,
) -> ImportResult:
    """Import a bank statement into ``fund``, all or nothing; importing it (or an overlapping
    statement) again adds nothing. Raises ``ValidationError`` with row-numbered messages.
    ``max_bytes`` guards the web upload; the command line passes None (files of any size)."""
    if actor is not None and not can_import_statements(user=actor, fund=fund):
        raise PermissionDenied(_("Only the province's relief committee can import this fund's statements."))
    layouts = _layouts(layout, mapping)
    data = _read_bytes(file, limit=max_bytes)
    name = _file_name(file, file_name)
    try:
        statement = read_statement(data, layouts=layouts)
    except StatementError as exc:
        raise ValidationError(exc.messages) from exc
    _check_account(statement, fund)
    rows = statement.rows
    keys = row_keys(rows)

    with transaction.atomic():
        # The head's lock first: imports (and every other append) take turns, so two imports of
        # overlapping statements cannot both find a row new and enter it twice.
        ledger_head_locked()
        first_day, last_day = min(r.booked_on for r in rows), max(r.booked_on for r in rows)
        known = set(
            StatementLine.objects.filter(fund=fund, booked_on__gte=first_day, booked_on__lte=last_day).values_list("key", flat=True)
        )
        new = [(row, key) for row, key in zip(rows, keys, strict=True) if key not in known]
        record = StatementImport.objects.create(
            fund=fund,
            file_name=name,
            file_sha256=hashlib.sha256(data).hexdigest(),
            layout=f"{statement.layout.code}:{statement.layout.variant}",
            imported_by=actor if getattr(actor, "is_authenticated", False) else None,
            first_day=first_day,
            last_day=last_day,
            rows_read=len(rows),
            rows_new=len(new),
            rows_duplicate=len(rows) - len(new),
            opening_balance=statement.opening,
            closing_balance=statement.closing,
        )
        credits = [_Credit(row=row) for row, _key in new if row.credit]
        _reconcile(credits)
        debits = [_Credit(row=row) for row, _key in new if row.debit]
        _reconcile_debits(fund, debits)
        by_row = {id(c.row): c for c in (*credits, *debits)}
        seqs = ledger_append_many(actor=actor, fund=fund, data=(_entry_data(row, by_row.get(id(row))) for row, _key in new))
        seq_of = {id(row): seq for (row, _key), seq in zip(new, seqs, strict=True)}

        matched = _record_payments(actor=actor, credits=credits, seq_of=seq_of)
        insert_rows(StatementLine, _line_rows(fund=fund, record=record, new=new, seq_of=seq_of))
        now = timezone.now()
        review = [c for c in (*credits, *debits) if c.reason]
        insert_rows(ReviewItem, _review_rows(fund=fund, review=review, seq_of=seq_of, now=now))

        reasons: dict[str, int] = {}
        for credit in review:
            reasons[credit.reason] = reasons.get(credit.reason, 0) + 1
        record.credits_matched, record.review_items = matched, len(review)
        record.save(update_fields=["credits_matched", "review_items"])
        audit_record(
            actor=actor,
            action="statements.import.created",
            target=record,
            data={
                "fund": fund.code, "file": name, "sha256": record.file_sha256, "layout": record.layout,
                "rows_read": len(rows), "rows_new": len(new), "rows_duplicate": len(rows) - len(new),
                "credits_matched": matched, "review": reasons,
                "first_seq": seqs[0] if seqs else None, "last_seq": seqs[-1] if seqs else None,
            },
        )  # fmt: skip
    if len(new) >= ANALYZE_AFTER_ROWS and connection.vendor == "postgresql":
        # A bulk import changes the table's statistics; without fresh ones the planner chose a
        # 9-second plan for the amount search on 1,000,000 new rows (bench/README.md).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE funds_ledgerentry")
    return ImportResult(
        statement_import=record,
        layout=record.layout,
        rows_read=len(rows),
        rows_new=len(new),
        rows_duplicate=len(rows) - len(new),
        credits_matched=matched,
        review_items=len(review),
        opening=statement.opening,
        closing=statement.closing,
        first_seq=seqs[0] if seqs else None,
        last_seq=seqs[-1] if seqs else None,
        reasons=reasons,
    )


def _record_payments(*, actor: Any, credits: list[_Credit], seq_of: dict[int, int]) -> int:
    """Record each matched credit on its pledge, in the order the money came. An amount other
    than what the pledge still owed, or money for a cancelled or expired pledge, is recorded all
    the same (it is on the account) and goes to review."""
    matched = 0
    for credit in credits:
        pledge = credit.pledge
        if pledge is None:
            continue
        owed = pledge.quantity - pledge.amount_received
        try:
            updated = pledge_record_payment(actor=actor, pledge=pledge, amount=Decimal(credit.row.credit), entry_seq=seq_of[id(credit.row)])
        except PledgeStateError:
            credit.reason = ReviewReason.UNKNOWN_REFERENCE
            continue
        # Later credits of this import for the same pledge see what this one paid.
        pledge.amount_received, pledge.paid_at, pledge.status = updated.amount_received, updated.paid_at, updated.status
        matched += 1
        if updated.status in CLOSED:
            credit.reason = ReviewReason.PLEDGE_CLOSED
        elif Decimal(credit.row.credit) != owed:
            credit.reason = ReviewReason.AMOUNT_MISMATCH
    return matched


def _line_rows(*, fund: Fund, record: StatementImport, new: list[tuple[Row, str]], seq_of: dict[int, int]) -> Iterator[dict[str, Any]]:
    for row, key in new:
        yield {
            "fund_id": fund.pk,
            "booked_on": row.booked_on,
            "bank_ref": row.bank_ref,
            "debit": Decimal(row.debit),
            "credit": Decimal(row.credit),
            "balance": None if row.balance is None else Decimal(row.balance),
            "description": row.description,
            "counterparty_name": row.counterparty_name,
            "counterparty_account": row.counterparty_account,
            "key": key,
            "ledger_entry_id": seq_of[id(row)],
            "first_import_id": record.pk,
            "row_number": row.number,
        }


def _review_rows(*, fund: Fund, review: list[_Credit], seq_of: dict[int, int], now: Any) -> Iterator[dict[str, Any]]:
    for credit in review:
        yield {
            "fund_id": fund.pk,
            "entry_id": seq_of[id(credit.row)],
            "reason": credit.reason,
            "reference": credit.reference,
            "pledge_id": credit.pledge.pk if credit.pledge is not None else None,
            "status": ReviewStatus.OPEN,
            "resolution": "",
            "decision_reason": "",
            "decided_by_id": None,
            "decided_at": None,
            "created_at": now,
        }


# ---- large statements, imported in the background -----------------------------------------------


def statement_runs_in_background(size: int) -> bool:
    """A file this large is queued rather than imported inside the web request."""
    return size > settings.STATEMENT_SYNC_MAX_BYTES


def statement_queue(
    *, actor: Any, fund: Fund, file: bytes | IO[bytes] | Any, layout: str | None = None, mapping: dict[str, str] | None = None,
    file_name: str = "", language: str = "",
) -> QueuedStatement:
    """Keep an uploaded statement for ``manage.py process_statements``. Who may import, the
    layout, the mapping and the size are checked now; the rows when it is imported."""
    if not can_import_statements(user=actor, fund=fund):
        raise PermissionDenied(_("Only the province's relief committee can import this fund's statements."))
    _layouts(layout, mapping)
    name = _file_name(file, file_name)
    if hasattr(file, "chunks"):  # an upload: streamed to storage, not held in memory
        size = getattr(file, "size", 0) or 0
        if size > MAX_FILE_BYTES:
            raise _too_large()
        digest = hashlib.sha256()
        for chunk in file.chunks():
            digest.update(chunk)
        file.seek(0)  # type: ignore[union-attr]
        content: Any = file
    else:
        data = _read_bytes(file, limit=MAX_FILE_BYTES)
        size, digest, content = len(data), hashlib.sha256(data), ContentFile(data)
    queued = QueuedStatement(
        fund=fund, file_name=name, layout=layout or "", mapping=mapping or None,
        language=language or translation.get_language() or settings.LANGUAGE_CODE, uploaded_by=actor,
    )  # fmt: skip
    queued.file.save("statement", content, save=False)
    try:
        with transaction.atomic():
            queued.save()
            audit_record(
                actor=actor, action="statements.import.queued", target=queued,
                data={"fund": fund.code, "file": name, "sha256": digest.hexdigest(), "bytes": size},
            )  # fmt: skip
    except BaseException:
        queued.file.delete(save=False)  # no row, no file
        raise
    return queued


def _finish(item: QueuedStatement, *, status: str, problems: list[str], statement_import: StatementImport | None = None) -> None:
    """Record the outcome and its audit in the caller's transaction; the file goes once it commits."""
    item.status, item.problems, item.statement_import, item.finished_at = status, problems, statement_import, timezone.now()
    stored = item.file.name
    item.file = None  # type: ignore[assignment]
    item.save(update_fields=["status", "problems", "statement_import", "finished_at", "file"])
    audit_record(
        actor=item.uploaded_by, action=f"statements.import.{'done' if status == QueueStatus.DONE else 'refused'}", target=item,
        data={"fund": item.fund.code, "file": item.file_name, "problems": problems[:10], "import": getattr(statement_import, "pk", None)},
    )  # fmt: skip
    if stored:
        # A private copy of the bank's rows, no longer needed; kept if the transaction rolls back.
        transaction.on_commit(lambda: default_storage.delete(stored))


def statement_queue_run_next() -> QueuedStatement | None:
    """Import the oldest waiting statement as its uploader, all or nothing, and record the
    outcome; None when none waits. The item's row stays locked (SKIP LOCKED for the others) for
    the whole import, in the same transaction as its outcome: two workers never take the same
    file, and a worker that dies leaves it waiting, to be taken again. Messages are in the
    uploader's language."""
    with transaction.atomic():
        item = (
            QueuedStatement.objects.select_for_update(skip_locked=True).filter(status=QueueStatus.QUEUED)
            .select_related("fund", "uploaded_by").order_by("uploaded_at", "pk").first()
        )  # fmt: skip
        if item is None:
            return None
        with translation.override(item.language or settings.LANGUAGE_CODE):
            try:
                with item.file.open("rb") as handle, transaction.atomic():  # a refusal rolls back to here only
                    result = statement_import(
                        actor=item.uploaded_by, fund=item.fund, file=handle, layout=item.layout or None,
                        mapping=item.mapping or None, file_name=item.file_name,
                    )  # fmt: skip
            except (ValidationError, PermissionDenied) as exc:
                _finish(item, status=QueueStatus.FAILED, problems=list(getattr(exc, "messages", None) or [str(exc)]))
            except Exception:  # a bug, or the disk: say so, record it, go on with the next file
                logger.exception("queued statement %s failed", item.pk)
                problem = _("The import failed unexpectedly; nothing was saved. Tell the administrators.")
                _finish(item, status=QueueStatus.FAILED, problems=[problem])
            else:
                _finish(item, status=QueueStatus.DONE, problems=[], statement_import=result.statement_import)
    return item


def statement_queue_process(*, limit: int = 10) -> list[QueuedStatement]:
    """Import up to ``limit`` waiting statements, oldest first (``manage.py process_statements``)."""
    done: list[QueuedStatement] = []
    while len(done) < limit:
        item = statement_queue_run_next()
        if item is None:
            break
        done.append(item)
    return done


# ---- the review queue ---------------------------------------------------------------------------


def _decide(*, actor: Any, item: ReviewItem, reason: str) -> tuple[ReviewItem, str]:
    """Lock the item, check who decides and that it is still open; the reason is required."""
    locked = ReviewItem.objects.select_for_update(of=("self",)).select_related("fund__campaign__area", "entry").get(pk=item.pk)
    if not can_review_credits(user=actor, fund=locked.fund):
        raise PermissionDenied(_("Only the province's relief committee can decide this fund's credits."))
    if locked.status != ReviewStatus.OPEN:
        raise ValidationError(_("This credit was already decided."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("Give a reason: it is kept with the decision.")]})
    if len(reason) > 1000:
        raise ValidationError({"reason": [_("The reason is too long (at most %(max)d characters).") % {"max": 1000}]})
    return locked, reason


def _close(item: ReviewItem, *, actor: Any, resolution: str, reason: str, pledge: Pledge | None = None) -> None:
    item.status, item.resolution, item.decision_reason = ReviewStatus.RESOLVED, resolution, reason
    item.decided_by, item.decided_at = actor, timezone.now()
    fields = ["status", "resolution", "decision_reason", "decided_by", "decided_at"]
    if pledge is not None:
        item.pledge = pledge
        fields.append("pledge")
    item.save(update_fields=fields)


@transaction.atomic
def review_link_pledge(*, actor: Any, item: ReviewItem, pledge_code: str, reason: str) -> ReviewItem:
    """An official recognises an unmatched credit as the payment of a cash pledge (the donor
    mistyped or forgot the reference): the payment is recorded on the pledge. The public entry
    stays as the bank gave it; the link is kept here and in the audit log."""
    item, reason = _decide(actor=actor, item=item, reason=reason)
    _credit_only(item)
    entry: LedgerEntry = item.entry
    if item.reason not in (ReviewReason.UNMATCHED, ReviewReason.UNKNOWN_REFERENCE) or entry.pledge_id is not None:
        raise ValidationError(_("This credit is already recorded on a pledge; accept it or look at the pledge instead."))
    pledge = Pledge.objects.select_related("need_item__item").filter(code_key=code_key(pledge_code or "")).first()
    if pledge is None:
        raise ValidationError({"pledge": [_("No pledge has the code “%(code)s”.") % {"code": pledge_code}]})
    if not pledge.need_item.item.is_cash:
        raise ValidationError({"pledge": [_("Pledge %(code)s is a pledge of goods, not of money.") % {"code": pledge.code}]})
    assert entry.amount is not None
    pledge_record_payment(actor=actor, pledge=pledge, amount=entry.amount, entry_seq=entry.seq)
    _close(item, actor=actor, resolution=Resolution.LINKED, reason=reason, pledge=pledge)
    audit_record(
        actor=actor, action="statements.review.linked", target=item, reason=reason,
        data={"entry": entry.seq, "pledge": pledge.code, "amount": str(entry.amount), "was": item.reason},
    )  # fmt: skip
    public_data_changed()
    return item


@transaction.atomic
def review_mark_general(*, actor: Any, item: ReviewItem, reason: str) -> ReviewItem:
    """An official decides an unmatched credit is a general donation to the fund (no pledge)."""
    item, reason = _decide(actor=actor, item=item, reason=reason)
    _credit_only(item)
    if item.reason not in (ReviewReason.UNMATCHED, ReviewReason.UNKNOWN_REFERENCE):
        raise ValidationError(_("This credit is recorded on a pledge; accept it instead."))
    _close(item, actor=actor, resolution=Resolution.GENERAL, reason=reason)
    audit_record(
        actor=actor, action="statements.review.general", target=item, reason=reason,
        data={"entry": item.entry_id, "was": item.reason},
    )  # fmt: skip
    return item


@transaction.atomic
def review_accept(*, actor: Any, item: ReviewItem, reason: str) -> ReviewItem:
    """An official accepts a credit already recorded on its pledge whose amount differed from
    what was owed (or that came after the pledge closed), or a debit that no disbursement
    explains (a bank fee): nothing changes but the queue; the debit stays counted as money out."""
    item, reason = _decide(actor=actor, item=item, reason=reason)
    if item.reason not in (ReviewReason.AMOUNT_MISMATCH, ReviewReason.PLEDGE_CLOSED, ReviewReason.DEBIT):
        raise ValidationError(_("This credit is on no pledge yet: link it to a pledge or mark it a general donation."))
    _close(item, actor=actor, resolution=Resolution.ACCEPTED, reason=reason)
    audit_record(
        actor=actor, action="statements.review.accepted", target=item, reason=reason,
        data={"entry": item.entry_id, "was": item.reason, "pledge": item.pledge.code if item.pledge else None},
    )  # fmt: skip
    return item


def _credit_only(item: ReviewItem) -> None:
    if item.reason == ReviewReason.DEBIT:
        raise ValidationError(_("This is money paid out: say what it paid for, or accept it as a bank fee."))


def _debit_only(item: ReviewItem) -> None:
    if item.reason != ReviewReason.DEBIT:
        raise ValidationError(_("This is money received, not paid out."))


@transaction.atomic
def review_explain_debit(*, actor: Any, item: ReviewItem, data: MovementData, document: Any = None) -> LedgerEntry:
    """An official says what a debit paid for: a disbursement with its document, recorded as the
    same movement as the debit (``movement_record(bank_debit=…)``), so the money counts once."""
    item, _reason = _decide(actor=actor, item=item, reason=data.description or "-")
    _debit_only(item)
    entry = movement_record(actor=actor, fund=item.fund, data=data, document=document, bank_debit=item.entry)
    _close(item, actor=actor, resolution=Resolution.EXPLAINED, reason=f"#{entry.seq}: {entry.memo}"[:1000])
    audit_record(
        actor=actor, action="statements.review.explained", target=item, reason=entry.memo,
        data={"entry": item.entry_id, "disbursement": entry.seq},
    )  # fmt: skip
    return entry


@transaction.atomic
def review_debit_same_as(*, actor: Any, item: ReviewItem, disbursement_seq: str, reason: str) -> LedgerEntry:
    """An official recognises a debit as the payment of a disbursement recorded before it (the
    transfer's memo lacked the disbursement's code). The ledger cannot change either entry, so a
    correction cancels the debit and names the disbursement: the money counts once, on the
    disbursement, and anyone can follow the link."""
    item, reason = _decide(actor=actor, item=item, reason=reason)
    _debit_only(item)
    ledger_head_locked()  # before the checks: an import could match the disbursement meanwhile
    debit: LedgerEntry = item.entry
    digits = parse_id((disbursement_seq or "").strip().lstrip("#"))
    disbursement = LedgerEntry.objects.filter(seq=digits).first() if digits is not None else None
    if (
        disbursement is None or disbursement.fund_id != debit.fund_id or disbursement.kind != EntryKind.DISBURSEMENT
        or disbursement.direction != Direction.OUT
    ):  # fmt: skip
        raise ValidationError({"disbursement": [_("Entry #%(seq)s is not money given out of this fund.") % {"seq": digits or "?"}]})
    if disbursement.amount != debit.amount:
        raise ValidationError({"disbursement": [_("Entry #%(seq)s is for another amount.") % {"seq": disbursement.seq}]})
    if disbursement.matched_by is not None or LedgerEntry.objects.filter(reverses=disbursement).exists():
        raise ValidationError({"disbursement": [_("Entry #%(seq)s is already matched or reversed.") % {"seq": disbursement.seq}]})
    explained = debit_explained(debit)
    if explained is not None:
        raise ValidationError(_("Bank entry #%(seq)s is already explained by entry #%(by)s.") % {"seq": debit.seq, "by": explained.seq})
    correction = ledger_append(
        actor=actor,
        fund=debit.fund,
        data=EntryData(
            kind=EntryKind.REVERSAL, direction=Direction.IN, booked_on=timezone.localdate(), amount=debit.amount,
            memo=public_memo(reason), reference=disbursement.reference, reverses=debit, matches=disbursement,
        ),
    )  # fmt: skip
    _close(item, actor=actor, resolution=Resolution.SAME, reason=reason)
    audit_record(
        actor=actor, action="statements.review.same_as", target=item, reason=reason,
        data={"entry": debit.seq, "disbursement": disbursement.seq, "correction": correction.seq},
    )  # fmt: skip
    return correction
