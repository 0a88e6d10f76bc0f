"""Property: whatever overlapping statements of an account are imported, in whatever order, the
fund's ledger holds each bank transaction exactly once, and the chain verifies."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cuutro.funds.models import LedgerEntry
from cuutro.funds.selectors import ledger_verify
from cuutro.statements.services import ANONYMOUS_DONOR, statement_import
from tests.data.statements import make_golden
from tests.data.statements.support import make_fund, make_pledges


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The assertions quote the English source messages."""
    with translation.override("en"):
        yield


DAYS = 8
MASTER = make_golden.random_master(seed=2024, days=DAYS)
# Two of the donors wrote a pledge's reference: reconciliation runs inside the property too.
MASTER[1] = replace(MASTER[1], memo="MBVCB.6986253876.CT 7K3F9Q.NGUYEN VAN AN chuyen tien", debit=0, credit=500_000)
MASTER[-2] = replace(MASTER[-2], memo="CT nhanh 247 den: TRAN THI BINH ung ho CT8M4P2R", debit=0, credit=300_000)
OPENING = 50_000_000
_funds = itertools.count(1)


@pytest.fixture
def pledges(cast: Any, make_need: Any, make_pledge: Any) -> dict[str, Any]:
    return make_pledges(cast, make_need, make_pledge)


def expected(days: set[int]) -> Counter[tuple[Any, ...]]:
    out: Counter[tuple[Any, ...]] = Counter()
    for txn in MASTER:
        if (txn.booked_on - make_golden.D1).days in days:
            out[(txn.booked_on, "in" if txn.credit else "out", Decimal(txn.credit or txn.debit), txn.ref)] += 1
    return out


windows = st.lists(
    st.tuples(st.integers(0, DAYS - 1), st.integers(1, 4)).map(lambda w: (w[0], min(DAYS - 1, w[0] + w[1] - 1))),
    min_size=1,
    max_size=4,
)


@pytest.mark.django_db
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(chosen=windows, data=st.data())
def test_any_order_of_overlapping_statements_gives_the_same_ledger(
    pledges: dict[str, Any], chosen: list[tuple[int, int]], data: st.DataObject
) -> None:
    number = next(_funds)
    account = f"00110099{number:05d}"  # every example gets a fresh fund (the ledger is append-only)
    fund = make_fund(f"prop-{number}", "vcb", account=account)
    files = []
    for first, last in chosen:
        opening, txns = make_golden.window(
            "vcb", make_golden.D1 + timedelta(days=first), make_golden.D1 + timedelta(days=last), txns=MASTER, opening=OPENING
        )
        if txns:
            files.append(make_golden.render("vcb", "csv", opening, txns, account=account))
    order = data.draw(st.permutations(range(len(files))), label="order")
    for index in order:
        statement_import(actor=None, fund=fund, file=files[index])

    entries = list(LedgerEntry.objects.filter(fund=fund))
    covered = {day for first, last in chosen for day in range(first, last + 1)}
    assert Counter((e.booked_on, e.direction, e.amount, e.bank_ref) for e in entries) == expected(covered)
    # The same public content whatever the order: names, memos and references too.
    content = Counter((e.booked_on, e.direction, e.amount, e.bank_ref, e.counterparty, e.memo, e.reference) for e in entries)
    assert sum(content.values()) == len(entries) == sum(expected(covered).values())
    for entry in entries:
        if entry.reference == "CT7K3F9Q":
            assert (entry.counterparty, entry.memo) == (ANONYMOUS_DONOR, "CT 7K3F9Q")
        elif entry.reference:
            assert entry.reference == "CT8M4P2R" and entry.memo.endswith("CT8M4P2R")
    assert ledger_verify().ok


@pytest.mark.django_db
def test_two_orders_give_identical_public_content(pledges: dict[str, Any]) -> None:
    """The property above compares with the bank's transactions; this one compares two orders
    of the same three statements with each other, every public field included."""
    contents = []
    for number, order in ((1, (0, 1, 2)), (2, (2, 0, 1))):
        account = f"00110088{number:05d}"
        fund = make_fund(f"order-{number}", "vcb", account=account)
        spans = ((0, 3), (2, 5), (5, 7))
        files = []
        for first, last in spans:
            opening, txns = make_golden.window(
                "vcb", make_golden.D1 + timedelta(days=first), make_golden.D1 + timedelta(days=last), txns=MASTER, opening=OPENING
            )
            files.append(make_golden.render("vcb", "csv", opening, txns, account=account))
        for index in order:
            statement_import(actor=None, fund=fund, file=files[index])
        fields = ("booked_on", "direction", "amount", "bank_ref", "counterparty", "counterparty_account", "memo", "reference", "kind")
        contents.append(Counter(tuple(getattr(e, f) for f in fields) for e in LedgerEntry.objects.filter(fund=fund)))
    assert contents[0] == contents[1]
    assert sum(contents[0].values()) == len(MASTER)
