"""Large statements uploaded on the page are imported in the background (``manage.py
process_statements``): the web request only stores the file, the worker imports it as the
uploader, all or nothing, and the page shows the outcome, refusals row by row in the uploader's
language. The file itself, a private copy of the bank's rows, is deleted afterwards."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from cuutro.audit.models import AuditEvent
from cuutro.funds.models import LedgerEntry
from cuutro.statements.models import QueuedStatement, QueueStatus, StatementImport
from cuutro.statements.services import statement_import, statement_queue
from tests.data.statements import make_golden
from tests.data.statements.support import golden, make_funds


@pytest.fixture(autouse=True)
def _small_threshold(settings: Any) -> Iterator[None]:
    settings.STATEMENT_SYNC_MAX_BYTES = 100  # every golden file counts as large here
    with translation.override("en"):
        yield


@pytest.fixture
def funds(cast: Any) -> dict[str, Any]:
    return make_funds(cast)


def upload(client: Any, fund: str, name: str, content: bytes) -> Any:
    return client.post(
        reverse("statements:home"), {"fund": fund, "file": SimpleUploadedFile(name, content, content_type="text/csv")}, follow=True
    )


def work() -> str:
    out = StringIO()
    call_command("process_statements", stdout=out)
    return out.getvalue()


def test_a_large_statement_waits_for_the_worker_then_is_imported_as_its_uploader(
    cast: Any, funds: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = cast.client_for(cast.province_member)
    response = upload(client, "lu-vcb", "sao-ke-lon.csv", golden("vcb_2024-09-10_12.csv"))
    assert response.redirect_chain == [(reverse("statements:home"), 302)]
    assert "sao-ke-lon.csv is queued" in response.text
    assert not LedgerEntry.objects.exists() and not StatementImport.objects.exists()  # nothing yet
    queued = QueuedStatement.objects.get()
    stored = queued.file.name
    assert queued.status == QueueStatus.QUEUED and default_storage.exists(stored)
    assert re.fullmatch(r"private/statements/[0-9a-f]{32}", stored)  # nothing typed or written by a bank
    assert 'hx-trigger="every 10s"' in client.get(reverse("statements:home")).text  # the page refreshes its queue

    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the outcome commits
        assert work() == "lu-vcb sao-ke-lon.csv: done\n"
    queued.refresh_from_db()
    assert queued.status == QueueStatus.DONE and queued.problems == []
    assert queued.statement_import is not None and queued.statement_import.imported_by == cast.province_member
    assert LedgerEntry.objects.filter(fund=funds["vcb"]).count() == 10
    assert not queued.file and not default_storage.exists(stored)
    part = client.get(reverse("statements:home"), {"part": "queue"})
    assert "Imported" in part.text and "10 rows read, 10 new, 10 to review." in part.text and "hx-trigger" not in part.text
    assert part["HX-Refresh"] == "true"  # done: the whole page reloads once (imports table, review count)
    events = AuditEvent.objects.filter(target_type="statements.queuedstatement", target_id=str(queued.pk))
    actions = set(events.values_list("action", flat=True))
    assert actions == {"statements.import.queued", "statements.import.done"}
    assert work() == ""  # nothing left


def test_a_corrupt_large_statement_is_refused_row_by_row_in_the_uploaders_language(cast: Any, funds: dict[str, Any]) -> None:
    opening, txns = make_golden.window("vcb", make_golden.D1, make_golden.D3)
    row = make_golden.data_row("vcb", 6, len(txns))
    data = make_golden.render("vcb", "csv", opening, txns, overrides={(row, "debit"): "12a"})
    upload(cast.client_for(cast.province_member, language="vi"), "lu-vcb", "hong.csv", data)
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        statement_import(actor=None, fund=funds["vcb"], file=data)
    assert work() == "lu-vcb hong.csv: failed\n"  # (the worker runs in English here)
    queued = QueuedStatement.objects.get()
    assert queued.status == QueueStatus.FAILED and queued.problems == refused.value.messages
    assert queued.problems[0].startswith(f"Dòng {row}:")
    assert not LedgerEntry.objects.exists() and not queued.file
    page = cast.client_for(cast.province_member, language="vi").get(reverse("statements:home")).text
    assert f"Dòng {row}:" in page


def test_an_unexpected_failure_is_recorded_and_saves_nothing(
    cast: Any, funds: dict[str, Any], monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from cuutro.statements import services

    queued = statement_queue(actor=cast.province_member, fund=funds["vcb"], file=golden("vcb_2024-09-10_12.csv"), file_name="a.csv")
    stored = queued.file.name

    def broken(**kwargs: Any) -> Any:
        raise OSError("disk")

    monkeypatch.setattr(services, "statement_import", broken)
    with django_capture_on_commit_callbacks(execute=True):
        assert work() == "lu-vcb a.csv: failed\n"
    queued.refresh_from_db()
    assert queued.problems == ["The import failed unexpectedly; nothing was saved. Tell the administrators."]
    assert not LedgerEntry.objects.exists() and not default_storage.exists(stored)


@pytest.mark.django_db(transaction=True)
def test_a_file_another_worker_holds_is_left_to_it(cast: Any, funds: dict[str, Any]) -> None:
    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: row locks (SQLite serialises writers instead)")
    statement_queue(actor=cast.province_member, fund=funds["vcb"], file=golden("vcb_2024-09-10_12.csv"), file_name="a.csv")
    holding, release = threading.Event(), threading.Event()

    def other_worker() -> None:  # holds the row as a worker importing it does
        try:
            with transaction.atomic():
                QueuedStatement.objects.select_for_update().get()
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert holding.wait(10)
    try:
        assert work() == ""  # skipped, not imported a second time
    finally:
        release.set()
        thread.join()
    assert work() == "lu-vcb a.csv: done\n"  # free again: taken
    assert LedgerEntry.objects.filter(fund=funds["vcb"]).count() == 10


def test_the_queue_is_the_committees_only(cast: Any, funds: dict[str, Any]) -> None:
    statement_queue(actor=cast.province_member, fund=funds["vcb"], file=golden("vcb_2024-09-10_12.csv"), file_name="a.csv")
    assert cast.client_for(cast.officer).get(reverse("statements:home"), {"part": "queue"}).status_code == 403


def test_only_the_committee_may_queue_a_statement(cast: Any, funds: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        statement_queue(actor=cast.officer, fund=funds["vcb"], file=golden("vcb_2024-09-10_12.csv"), file_name="x.csv")
    with pytest.raises(ValidationError):
        statement_queue(actor=cast.province_member, fund=funds["vcb"], file=b"x", layout="nope", file_name="x.csv")
    assert not QueuedStatement.objects.exists() and not AuditEvent.objects.filter(action="statements.import.queued").exists()
