"""The ledger's lean schema (funds 0006, statements 0003): what it saves must not change behaviour.

* PostgreSQL's ``search_tsv`` is filled by a trigger for ORM inserts and by the bulk import
  (``funds.services.search_vector``) for COPY: both must equal the expression of migration 0004.
* The partial index of ``reference`` still serves ``reference = 'CT…'``.
* The append-only trigger survived the migration (on SQLite a table rebuild would drop it).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from cuutro.funds.models import Fund, LedgerEntry
from cuutro.funds.services import EntryData, ledger_append, public_memo, search_vector
from cuutro.statements.bulk import ledger_append_many

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only (tsvector, planner)")

EXPRESSION = "to_tsvector('simple', regexp_replace(%s, '[^a-z0-9]+', ' ', 'g'))"
TRICKY_KEYS = [
    "",
    "   ",
    " nguyen van an mbvcb.•••••••876.ct7k3f9q.ung ho ",
    " ct 7k3f9q ct7k3f9q 5200.0000001 ",
    # PostgreSQL's parser reads digits, "e" and digits as one number: "2e10x" is "2e10" and "x".
    " 1e5 2e10x 12e 1ex e5 0x1f 2e10e5 99999999999999999999999999 a1e5 ",
    " ²³ đa ạb ? _x-y ",
    " " + "a " * 300,  # a word keeps its first 255 positions
    " " + "x" * 2100 + " y ",  # a word too long to index does not count a position
]


@pytest.fixture
def fund(db: Any) -> Fund:
    return Fund.objects.create(
        code="perf-vcb", name="Quỹ", bank="vcb", account_number="0011001234567", account_name="UB MTTQ", opens_on=date(2020, 10, 6)
    )


def _same_as_postgresql(keys: list[str]) -> list[str]:
    """The keys whose ``search_vector`` differs from PostgreSQL's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT k FROM unnest(%s::text[], %s::text[]) AS t(k, v) WHERE {EXPRESSION % 'k'} IS DISTINCT FROM v::tsvector",  # noqa: S608
            [keys, [search_vector(key) for key in keys]],
        )
        return [row[0] for row in cursor.fetchall()]


@on_postgresql
def test_search_vector_is_what_postgresql_computes(db: Any) -> None:
    rnd = random.Random(4)
    alphabet = "ae15x0 •.-_²đẠ"
    keys = TRICKY_KEYS + ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40))) for _ in range(3000)]
    assert _same_as_postgresql(keys) == []


@on_postgresql
def test_the_trigger_fills_the_vector_of_an_orm_insert_and_copy_supplies_it(fund: Fund) -> None:
    one = ledger_append(
        actor=None, fund=fund,
        data=EntryData(kind="credit", direction="in", booked_on=date(2020, 10, 12), amount=Decimal(500_000),
                       counterparty="NGUYỄN VĂN AN", memo=public_memo("MBVCB.6986253876.CT 7K3F9Q.ung ho 2e10x"), bank_ref="FT1"),
    )  # fmt: skip
    many = ledger_append_many(
        actor=None, fund=fund,
        data=[EntryData(kind="credit", direction="in", booked_on=date(2020, 10, 13), amount=Decimal(n),
                        counterparty="TRẦN THỊ BÌNH", memo=f"CT nhanh 247 den: ung ho {n} 1e5", bank_ref=f"FT{n}")
              for n in range(2, 6)],
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT seq, search_tsv IS NOT NULL AND search_tsv = {EXPRESSION % 'search_key'} FROM funds_ledgerentry ORDER BY seq"  # noqa: S608
        )
        assert cursor.fetchall() == [(seq, True) for seq in [one.seq, *many]]
    found = LedgerEntry.objects.filter(fund=fund).extra(where=["search_tsv @@ phraseto_tsquery('simple', 'ct 7k3f9q')"])
    assert [entry.seq for entry in found] == [one.seq]


@on_postgresql
def test_the_partial_reference_index_serves_a_reference_lookup(fund: Fund) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM funds_ledgerentry WHERE reference = %s", ["CT7K3F9Q"])
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN SELECT id FROM funds_ledgerentry WHERE reference IN ('CT7K3F9Q', 'CTAAAAAA')")
        plan_in = " ".join(row[0] for row in cursor.fetchall())
    assert "ledger_reference" in plan and "ledger_reference" in plan_in


def test_the_lean_indexes_exist_and_the_duplicates_are_gone(db: Any) -> None:
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "funds_ledgerentry")
    names = set(indexes)
    assert {"ledger_fund_day", "ledger_reference", "ledger_recorded_seq", "ledger_pledge", "ledger_recorded_by"} <= names
    plain = [info["columns"] for info in indexes.values() if info["index"] and not info["unique"] and len(info["columns"]) == 1]
    assert ["fund_id"] not in plain and ["recorded_at"] not in plain and ["hash"] not in plain


def test_the_append_only_trigger_survived(fund: Fund) -> None:
    ledger_append(
        actor=None, fund=fund,
        data=EntryData(kind="credit", direction="in", booked_on=date(2020, 10, 12), amount=Decimal(1), counterparty="A"),
    )  # fmt: skip
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE funds_ledgerentry SET memo = 'x'")


# ---- the search's date walk (funds.selectors.LedgerList) ------------------------------------


@pytest.fixture
def small_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk's thresholds at a test's scale: cap 5, probe 8 entries, walk 24."""
    from cuutro.funds import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    monkeypatch.setattr(selectors, "PROBE_ROWS", 8)
    monkeypatch.setattr(selectors, "WALK_ROWS", 24)


def _credits(fund: Fund, names: list[str]) -> None:
    ledger_append_many(
        actor=None, fund=fund,
        data=[EntryData(kind="credit", direction="in", booked_on=date(2020, 10, 1) + timedelta(days=n // 2), amount=Decimal(1000 + n),
                        counterparty=name, memo=public_memo(f"MBVCB.{6_900_000_000 + n}.{name} ung ho"), bank_ref=f"FT{n}")
              for n, name in enumerate(names)],
    )  # fmt: skip


def _reference(fund: Fund, q: str, window: slice) -> tuple[int, list[int]]:
    from cuutro.funds import selectors

    matching = selectors._apply_ledger_filters(LedgerEntry.objects.filter(fund=fund), selectors.LedgerFilters(q=q))
    return matching.count(), list(matching.order_by("-booked_on", "-seq").values_list("seq", flat=True)[window])


@pytest.mark.parametrize("q", ["van hai", "thi kim", "nguyen", "zzz", "ung ho"])
def test_the_walk_finds_what_the_index_finds_newest_first(fund: Fund, small_caps: None, q: str) -> None:
    from cuutro.funds import selectors

    # Common names (the walk), a rare one further back (the index), one in every entry.
    _credits(fund, ["NGUYỄN VĂN AN"] + ["ĐẶNG VĂN HẢI", "BÙI THỊ KIM", "ĐẶNG VĂN HẢI", "LÊ VĂN CƯỜNG"] * 15)
    for number, window in enumerate((slice(0, 3), slice(3, 6), slice(0, 20), slice(4, 9))):
        entries = selectors.ledger_list(filters=selectors.LedgerFilters(q=q), fund=fund)
        total, newest = _reference(fund, q, window)
        assert entries.count() == min(total, 5)
        assert entries.capped == (total >= 5)
        assert [entry.seq for entry in entries[window]] == newest
        if number == 0:  # (later, the count comes from the cache and a capped page walks the dates)
            # The common words are found by the walk (newest first), the others by the index.
            assert entries._newest == (q in ("van hai", "thi kim", "ung ho") or total < 5)


def test_the_walk_stops_where_the_matches_thin_out(fund: Fund, small_caps: None) -> None:
    from cuutro.funds import selectors

    # 2 of the 8 newest match (enough to go on), then 1, then none for 20 entries: the walk of
    # 24 entries finds only 3 of the 6 it needs, so the index answers, and pages walk the dates.
    _credits(fund, ["BÙI THỊ KIM"] * 10 + ["LÊ VĂN CƯỜNG"] * 20 + ["BÙI THỊ KIM", "LÊ VĂN CƯỜNG", "LÊ VĂN CƯỜNG"] * 3)
    entries = selectors.ledger_list(filters=selectors.LedgerFilters(q="bui thi kim"), fund=fund)
    assert entries.count() == 5 and entries.capped and not entries._newest
    assert [entry.seq for entry in entries[0:6]] == _reference(fund, "bui thi kim", slice(0, 6))[1]


@pytest.mark.parametrize("extra", [{}, {"date_from": date(2020, 10, 5)}, {"date_to": date(2020, 10, 9), "direction": "in"}])
def test_an_amount_in_one_fund_comes_newest_first_from_its_index(fund: Fund, small_caps: None, extra: dict[str, Any]) -> None:
    from cuutro.funds import selectors
    from cuutro.funds.models import Fund as FundModel

    other = FundModel.objects.create(
        code="other-fund", name="Other", bank=fund.bank, account_number="0011009998887", account_name="X", opens_on=fund.opens_on,
    )  # fmt: skip
    for target in (fund, other):
        ledger_append_many(
            actor=None, fund=target,
            data=[EntryData(kind="credit", direction="in", booked_on=date(2020, 10, 1) + timedelta(days=n // 3),
                            amount=Decimal(500_000 if n % 3 else 20_000), counterparty="A", bank_ref=f"FT{target.pk}-{n}")
                  for n in range(36)],
        )  # fmt: skip
    filters = selectors.LedgerFilters(amount=500_000, **extra)
    matching = selectors._apply_ledger_filters(LedgerEntry.objects.filter(fund=fund), filters)
    expected = list(matching.order_by("-booked_on", "-seq").values_list("seq", flat=True))
    assert len(expected) > 5  # more than the cap: the page must still be the newest ones
    entries = selectors.ledger_list(filters=filters, fund=fund)
    assert entries.count() == 5 and entries.capped
    assert entries._newest  # the keys came in date order, so a page is cut from them
    assert [entry.seq for entry in entries[0:5]] == expected[:5]
    assert {entry.fund_id for entry in entries[0:5]} == {fund.pk}
    assert [entry.seq for entry in selectors.ledger_list(filters=filters, fund=fund)[2:4]] == expected[2:4]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_fast_kind_label_is_what_django_would_show(language: str) -> None:
    from django.utils import translation

    from cuutro.funds.models import EntryKind

    field = LedgerEntry._meta.get_field("kind")
    with translation.override(language):
        for kind in [*EntryKind.values, "unknown"]:
            entry = LedgerEntry(kind=kind)
            assert entry.get_kind_display() == str(entry._get_FIELD_display(field))
