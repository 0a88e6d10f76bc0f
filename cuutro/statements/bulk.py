"""Append many ledger entries at once: the chain computed in memory, rows written in batches.

``funds.services.ledger_append`` appends one entry per call (lock the head, insert, update the
head): about a millisecond each, so a million-row statement would take a quarter of an hour.
``ledger_append_many`` takes the same head lock once, numbers the entries consecutively, hashes
each with the same functions (``funds.services.entry_content`` and ``funds.chain.entry_hash``),
writes them in batches (PostgreSQL ``COPY``; elsewhere ``bulk_create``) and moves the head once.
The result is indistinguishable from appending one by one: ``ledger_verify`` checks it the same
way, and ``tests/test_statements_bulk.py`` compares the two paths field by field.

This belongs in ``funds.services`` next to ``ledger_append`` (the report proposes it there); it
lives here until the funds app takes it, and touches the funds tables only through their models.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any, cast

from django.db import connection, models, transaction
from django.utils import timezone

from cuutro.funds import chain
from cuutro.funds.models import Direction, EntryKind, Fund, LedgerEntry, LedgerHead
from cuutro.funds.services import EntryData, entry_content, ledger_head_locked, search_vector
from cuutro.lib.public_cache import public_data_changed
from cuutro.lib.text import fold

BATCH = 5_000
_KINDS, _DIRECTIONS = frozenset(EntryKind.values), frozenset(Direction.values)


class _Content:
    """What ``entry_content`` reads of an entry, without building a model instance per row
    (a LedgerEntry costs ~24 µs to construct; this ~3 µs). Reading any other attribute fails
    loudly, so a change to ``entry_content`` cannot silently hash something else."""

    __slots__ = (
        "amount", "bank_ref", "booked_on", "counterparty", "counterparty_account", "direction", "document_sha256",
        "fund", "item", "kind", "matches", "memo", "need", "organisation", "pledge", "quantity", "recorded_at",
        "reference", "reverses", "seq",
    )  # fmt: skip
    amount: Any
    bank_ref: str
    booked_on: Any
    counterparty: str
    counterparty_account: str
    direction: str
    document_sha256: str
    fund: Fund
    item: Any
    kind: str
    matches: Any
    memo: str
    need: Any
    organisation: Any
    pledge: Any
    quantity: Any
    recorded_at: Any
    reference: str
    reverses: Any
    seq: int


def _pk(obj: Any) -> Any:
    return None if obj is None else obj.pk


def _entry_rows(
    *, actor: Any, fund: Fund, data: Iterable[EntryData], head: LedgerHead, vector: bool = False
) -> Iterator[tuple[int, str, dict[str, Any]]]:
    recorded_at = timezone.now()
    recorded_by_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    seq, previous = head.seq, head.hash or chain.GENESIS
    content = _Content()
    content.fund, content.recorded_at = fund, recorded_at
    for item in data:
        if item.kind not in _KINDS or item.direction not in _DIRECTIONS:
            raise ValueError("unknown entry kind or direction")
        if (item.amount is None) == (item.item is None):
            raise ValueError("an entry moves either money (amount) or goods (item and quantity)")
        if item.direction == Direction.SAME and item.matches is None:
            raise ValueError("an entry of direction 'eq' names the entry it matches")
        seq += 1
        counterparty, memo = item.counterparty[:200], item.memo[:500]
        content.seq, content.kind, content.direction = seq, item.kind, item.direction
        content.amount, content.item, content.quantity, content.booked_on = item.amount, item.item, item.quantity, item.booked_on
        content.counterparty, content.counterparty_account, content.memo = counterparty, item.counterparty_account, memo
        content.reference, content.pledge, content.need, content.organisation = item.reference, item.pledge, item.need, item.organisation
        content.bank_ref, content.document_sha256, content.reverses = item.bank_ref, item.document_sha256, item.reverses
        content.matches = item.matches
        digest = chain.entry_hash(previous, entry_content(cast(LedgerEntry, content)))
        # As ledger_append builds it: counterparty, memo, reference and bank ref, folded.
        search_key = f" {fold(' '.join([counterparty, memo, item.reference, item.bank_ref]))} "
        values = {
            "seq": seq,
            "fund_id": fund.pk,
            "kind": item.kind,
            "direction": item.direction,
            "amount": item.amount,
            "item_id": _pk(item.item),
            "quantity": item.quantity,
            "booked_on": item.booked_on,
            "counterparty": counterparty,
            "counterparty_account": item.counterparty_account,
            "memo": memo,
            "reference": item.reference,
            "pledge_id": _pk(item.pledge),
            "need_id": _pk(item.need),
            "organisation_id": _pk(item.organisation),
            "bank_ref": item.bank_ref,
            "document_sha256": item.document_sha256,
            "reverses_id": _pk(item.reverses),
            "matches_id": _pk(item.matches),
            "recorded_by_id": recorded_by_id,
            "recorded_at": recorded_at,
            "prev_hash": previous,
            "hash": digest,
            "search_key": search_key,
        }
        if vector:  # PostgreSQL's search_tsv, which its trigger would otherwise compute (funds 0006)
            values["search_tsv"] = search_vector(search_key)
        previous = digest
        yield seq, digest, values


def insert_rows(
    model: type[models.Model], rows: Iterable[dict[str, Any]], *, batch: int = BATCH, extra_columns: tuple[str, ...] = ()
) -> int:
    """Insert plain rows (attname → value) into ``model``'s table: ``COPY`` on PostgreSQL (about
    ten times faster than INSERT), ``bulk_create`` elsewhere. Columns the rows do not name get the
    field's default, so a field added to the model later does not break this. ``extra_columns``:
    PostgreSQL columns outside the model that every row names (ignored elsewhere). Returns the count."""
    # Every column but an auto-numbered key, which the database fills.
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.fields.AutoFieldMixin)]
    if connection.vendor != "postgresql":
        count = 0
        chunk: list[models.Model] = []
        for row in rows:
            chunk.append(model(**row))
            if len(chunk) >= batch:
                model._default_manager.bulk_create(chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            model._default_manager.bulk_create(chunk)
            count += len(chunk)
        return count

    quote = connection.ops.quote_name
    defaults = {f.attname: f.get_default() for f in fields}
    names = [f.attname for f in fields] + list(extra_columns)
    values = itemgetter(*names)
    columns = [cast(str, f.column) for f in fields] + list(extra_columns)
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(column) for column in columns)}) FROM STDIN"
    count = 0
    complete: bool | None = None
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        write = copy.write_row
        for row in rows:
            if complete is None:
                complete = all(name in row for name in names)
            write(values(row) if complete else values({**defaults, **row}))
            count += 1
    return count


def ledger_append_many(*, actor: Any, fund: Fund, data: Iterable[EntryData], batch: int = BATCH) -> list[int]:
    """Chain ``data`` onto the ledger in order, in the caller's transaction; returns their ``seq``.

    Same result as calling ``ledger_append`` for each item, in one lock of the head: entries of
    other writers come before or after the whole batch, never in between. ``data`` may be a
    generator: on PostgreSQL the database indexes one row while Python prepares the next."""
    with transaction.atomic():
        head = ledger_head_locked()
        seqs: list[int] = []
        last: dict[str, Any] = {}

        vector = connection.vendor == "postgresql"

        def rows() -> Iterator[dict[str, Any]]:
            for seq, digest, values in _entry_rows(actor=actor, fund=fund, data=data, head=head, vector=vector):
                seqs.append(seq)
                last["seq"], last["hash"] = seq, digest
                yield values

        insert_rows(LedgerEntry, rows(), batch=batch, extra_columns=("search_tsv",) if vector else ())
        if seqs:
            LedgerHead.objects.filter(pk=head.pk).update(seq=last["seq"], hash=last["hash"])
            public_data_changed()
    return seqs
