"""No need item is ever pledged twice over: concurrent API requests, each on its own thread and
database connection, against the same item. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.test import Client

from cuutro.accounts.services import token_create
from cuutro.needs.models import Need, NeedItem
from cuutro.needs.services import NeedItemData, coverage_status
from cuutro.pledges.choices import ACTIVE_STATUSES
from cuutro.pledges.models import Pledge, PledgeStatus
from tests.conftest import Cast, make_user

API = "/api/v1"
TEN_SHEETS = [NeedItemData("roofing-sheet", 10)]


def tokens(count: int, prefix: str = "donor") -> list[str]:
    """One donor and one token per client, as 50 real donors would come."""
    return [token_create(user=make_user(f"{prefix}-{n}"), name="load")[1] for n in range(count)]


def run_together(jobs: list[Callable[[Client], Any]], *, watch_item: int) -> tuple[list[Any], list[Decimal]]:
    """Run every job on its own thread with its own client and connection, released at once by a
    barrier. A watcher thread samples the item's remaining quantity meanwhile.

    Returns each job's result (or the exception it raised) and the remaining quantities seen.
    """
    barrier = threading.Barrier(len(jobs) + 1)
    results: list[Any] = [None] * len(jobs)
    done = threading.Event()
    seen: list[Decimal] = []

    def worker(index: int, job: Callable[[Client], Any]) -> None:
        try:
            client = Client()
            barrier.wait(timeout=30)
            results[index] = job(client)
        except BaseException as exc:  # reported by the caller's assertions
            results[index] = exc
        finally:
            connection.close()  # each thread has its own connection: give it back

    def watcher() -> None:
        try:
            barrier.wait(timeout=30)
            while not done.is_set():
                quantity, pledged = NeedItem.objects.values_list("quantity", "quantity_pledged").get(pk=watch_item)
                seen.append(quantity - pledged)
                time.sleep(0.002)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    observer = threading.Thread(target=watcher)
    for thread in [*threads, observer]:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    observer.join(timeout=30)
    assert not any(t.is_alive() for t in [*threads, observer]), "a request hung"
    return results, seen


def post(path: str, token: str, body: dict[str, Any]) -> Callable[[Client], tuple[int, dict[str, Any]]]:
    def job(client: Client) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {token}"}
        response = client.post(f"{API}{path}", json.dumps(body), content_type="application/json", headers=headers)
        return response.status_code, response.json()

    return job


def active_sum(item: NeedItem) -> Decimal:
    total = Pledge.objects.filter(need_item=item, status__in=ACTIVE_STATUSES).aggregate(total=Sum("quantity"))["total"]
    return total or Decimal(0)


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_pledges_of_one_unit_against_ten_units_exactly_ten_succeed(cast: Cast, make_need: Any) -> None:
    need = make_need("verified", items=TEN_SHEETS)
    item = NeedItem.objects.get(need=need)
    jobs = [post("/pledges", token, {"need_item": item.pk, "quantity": 1}) for token in tokens(50)]

    results, seen = run_together(jobs, watch_item=item.pk)

    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    statuses = Counter(status for status, _body in results)
    assert statuses == {201: 10, 409: 40}
    assert {body["error"]["code"] for status, body in results if status == 409} == {"over_pledged"}
    assert {body["error"]["remaining"] for status, body in results if status == 409} == {0}
    assert len({body["code"] for status, body in results if status == 201}) == 10
    item.refresh_from_db()
    assert item.quantity_pledged == 10 == active_sum(item) == Pledge.objects.filter(need_item=item).count()
    assert item.remaining == 0
    assert seen and min(seen) >= 0, "remaining went negative while the requests ran"
    assert Need.objects.get(pk=need.pk).status == "fully_pledged"


@pytest.mark.django_db(transaction=True)
def test_concurrent_pledges_and_cancels_keep_the_counter_equal_to_the_active_pledges(cast: Cast, make_need: Any) -> None:
    need = make_need("verified", items=TEN_SHEETS)
    item = NeedItem.objects.get(need=need)
    holder = cast.token_for(cast.donor)
    held = [
        post("/pledges", holder, {"need_item": item.pk, "quantity": 1})(Client())[1]["code"]
        for _ in range(6)
    ]  # 4 remain
    cancels = [post(f"/pledges/{code}/cancel", holder, {"reason": "Xe hỏng"}) for code in held]
    pledges = [post("/pledges", token, {"need_item": item.pk, "quantity": quantity})
               for token, quantity in zip(tokens(30), [1, 2, 1] * 10, strict=True)]

    results, seen = run_together(cancels + pledges, watch_item=item.pk)

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert [status for status, _body in results[: len(cancels)]] == [200] * len(cancels)
    outcomes = Counter(status for status, _body in results[len(cancels) :])
    assert set(outcomes) <= {201, 409}
    assert {body["error"]["code"] for status, body in results if status == 409} <= {"over_pledged"}
    item.refresh_from_db()
    granted = sum(Decimal(str(body["quantity"])) for status, body in results if status == 201)
    assert Pledge.objects.filter(code__in=held, status=PledgeStatus.CANCELLED).count() == 6
    assert item.quantity_pledged == active_sum(item) == granted
    assert Decimal(4) <= granted <= item.quantity  # at least what remained before, never more than needed
    assert seen and min(seen) >= 0 and max(seen) <= item.quantity
    assert Need.objects.get(pk=need.pk).status == coverage_status(list(NeedItem.objects.filter(need=need)))


@pytest.mark.django_db
def test_the_database_refuses_a_pledged_total_above_the_needed_quantity(cast: Cast, make_need: Any) -> None:
    """The constraint is the last line of defence, should any code path ever skip the services."""
    need = make_need("verified", items=TEN_SHEETS)
    item = NeedItem.objects.get(need=need)
    table = connection.ops.quote_name(NeedItem._meta.db_table)

    for sql in (
        f"UPDATE {table} SET quantity_pledged = quantity + 1 WHERE id = %s",  # noqa: S608 - fixed SQL, no input
        f"UPDATE {table} SET quantity_pledged = -1 WHERE id = %s",  # noqa: S608
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [item.pk])

    item.refresh_from_db()
    assert item.quantity_pledged == 0
