"""Exports of the public ledger: CSV, XLSX and JSON Lines, per fund and whole, with the page's
filters, streamed; formulas defused; the JSON Lines file verifies with the standalone chain.py."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from cuutro.funds import chain
from cuutro.funds.selectors import ledger_export_rows
from cuutro.portal import ledger_views
from cuutro.portal.exports import xlsx_stream
from tests.conftest import Cast
from tests.test_public_ledger import FORMULA, Books, make_books

CHAIN_SCRIPT = Path(__file__).resolve().parent.parent / "cuutro" / "funds" / "chain.py"
COLUMNS = list(chain.EXPORT_FIELDS)


@pytest.fixture
def books(cast: Cast, make_need: Any, make_pledge: Any) -> Books:
    return make_books(cast, make_need, make_pledge)


def download(url: str, **params: Any) -> tuple[Any, bytes]:
    response = Client().get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    assert response.streaming  # never built whole in memory
    return response, b"".join(response.streaming_content)


def csv_rows(url: str, **params: Any) -> list[dict[str, str]]:
    response, raw = download(url, **params)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    reader = csv.reader(io.StringIO(raw.decode("utf-8")))
    header = next(reader)
    assert header == COLUMNS
    return [dict(zip(header, row, strict=True)) for row in reader]


def xlsx_rows(url: str, **params: Any) -> tuple[list[str], list[list[Any]], Any]:
    response, raw = download(url, **params)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert raw.startswith(b"PK\x03\x04")
    sheet = load_workbook(io.BytesIO(raw)).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    return values[0], values[1:], sheet


def standalone(path: Path, script: Path = CHAIN_SCRIPT) -> subprocess.CompletedProcess[str]:
    # -I: isolated, no site-packages, no project on the path: only the standard library.
    return subprocess.run([sys.executable, "-I", str(script), str(path)], capture_output=True, text=True, check=False)


# ---- JSON Lines: the chain anyone can check ------------------------------------------------------


def test_the_downloaded_ledger_verifies_with_the_downloaded_checker(books: Books, tmp_path: Path) -> None:
    response, raw = download("/ledger/ledger.jsonl")
    assert response["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="cuutro-ledger-all-')
    (tmp_path / "ledger.jsonl").write_bytes(raw)
    rows = [json.loads(line) for line in raw.decode().splitlines()]
    assert rows == list(ledger_export_rows())  # exactly what the chain hashes
    script = tmp_path / "chain.py"
    script.write_bytes(Client().get("/ledger/chain.py").content)
    assert script.read_bytes() == CHAIN_SCRIPT.read_bytes()
    result = standalone(tmp_path / "ledger.jsonl", script)
    assert (result.returncode, result.stdout.strip()) == (0, "OK: 8 entries, the chain is intact")
    # …and a changed byte is caught by the same script.
    (tmp_path / "ledger.jsonl").write_bytes(raw.replace(b"CONG TY ABC", b"CONG TY ABD"))
    result = standalone(tmp_path / "ledger.jsonl", script)
    assert result.returncode == 1 and f"MISMATCH at entry #{books.e['abc'].seq}" in result.stdout


def test_a_filtered_export_checks_entry_by_entry(books: Books, tmp_path: Path) -> None:
    _response, raw = download("/funds/lu-2020/ledger.jsonl", amount="2000000")
    rows = [json.loads(line) for line in raw.decode().splitlines()]
    assert [int(r["seq"]) for r in rows] == [books.e["binh"].seq, books.e["undo"].seq]
    for row in rows:  # each row carries the hash before it, so each can be checked alone
        assert chain.entry_hash(row["prev_hash"], row) == row["hash"]
    # The links between entries need the whole ledger: the script says what is missing.
    (tmp_path / "part.jsonl").write_bytes(raw)
    assert "entry #1 is missing" in standalone(tmp_path / "part.jsonl").stdout


# ---- CSV ----------------------------------------------------------------------------------------


def test_a_funds_csv_holds_its_entries_in_chain_order_with_formulas_defused(books: Books) -> None:
    rows = csv_rows("/funds/lu-2020/ledger.csv")
    e = books.e
    assert [int(r["seq"]) for r in rows] == [e[k].seq for k in ("an", "binh", "abc", "anh", "given", "undo")]
    by_seq = {int(r["seq"]): r for r in rows}
    an = by_seq[e["an"].seq]
    assert (an["counterparty"], an["counterparty_account"], an["amount"], an["booked_on"]) == (
        "NGUYỄN VĂN AN", "••••3456", "3000000", "2020-10-12",
    )  # fmt: skip
    assert (an["reference"], an["pledge"], an["hash"]) == (books.pledge.code_key, books.pledge.code, e["an"].hash)
    assert by_seq[e["abc"].seq]["memo"] == "'" + FORMULA  # a spreadsheet shows it as text, never runs it
    assert by_seq[e["given"].seq]["need"] == books.need.code
    assert by_seq[e["undo"].seq]["reverses"] == str(e["binh"].seq)


def test_the_csv_follows_the_pages_filters(books: Books) -> None:
    e = books.e
    assert [int(r["seq"]) for r in csv_rows("/funds/lu-2020/ledger.csv", q="nguyen van")] == [e["an"].seq, e["anh"].seq]
    assert [int(r["seq"]) for r in csv_rows("/funds/lu-2020/ledger.csv", amount="500.000")] == [e["anh"].seq]
    assert [int(r["seq"]) for r in csv_rows("/ledger/ledger.csv", q="ung ho")] == [e[k].seq for k in ("an", "binh", "anh", "ha")]
    assert csv_rows("/funds/quy-moi/ledger.csv") == []
    everything = csv_rows("/ledger/ledger.csv")
    assert [int(r["seq"]) for r in everything] == list(range(1, 9))


def test_bad_filters_or_formats_are_refused(books: Books) -> None:
    bad = Client().get("/funds/lu-2020/ledger.csv", {"amount": "nhiều"})
    assert bad.status_code == 400 and "amount" in bad.content.decode()
    assert Client().get("/funds/lu-2020/ledger.pdf").status_code == 404
    assert Client().get("/funds/no-such-fund/ledger.csv").status_code == 404


# ---- XLSX ---------------------------------------------------------------------------------------


def test_the_xlsx_holds_typed_rows_and_keeps_formula_text_as_text(books: Books) -> None:
    header, rows, sheet = xlsx_rows("/funds/lu-2020/ledger.xlsx")
    assert header == COLUMNS and sheet.title == "lu-2020"
    e = books.e
    assert [r[0] for r in rows] == [e[k].seq for k in ("an", "binh", "abc", "anh", "given", "undo")]
    column = {name: i for i, name in enumerate(COLUMNS)}
    an = rows[0]
    assert an[column["amount"]] == 3_000_000 and isinstance(an[column["amount"]], int)
    assert an[column["booked_on"]].date() == date(2020, 10, 12)  # a real date in the spreadsheet
    assert (an[column["counterparty"]], an[column["counterparty_account"]]) == ("NGUYỄN VĂN AN", "••••3456")
    assert an[column["hash"]] == e["an"].hash and rows[5][column["reverses"]] == e["binh"].seq
    cell = sheet.cell(row=4, column=column["memo"] + 1)
    assert cell.value == FORMULA and cell.data_type == "s" and cell.quotePrefix  # text, marked as typed text


def test_the_xlsx_follows_the_filters_and_carries_goods(books: Books) -> None:
    _header, rows, _sheet = xlsx_rows("/funds/lu-2020/ledger.xlsx", date_from="2020-10-13", date_to="2020-10-14")
    assert [r[0] for r in rows] == [books.e["binh"].seq, books.e["abc"].seq]
    _header, rows, _sheet = xlsx_rows("/ledger/ledger.xlsx", direction="in", q="gao")
    column = {name: i for i, name in enumerate(COLUMNS)}
    assert [(r[column["item"]], r[column["quantity"]], r[column["unit"]]) for r in rows] == [("rice", 100, "kg")]


def test_an_export_too_big_for_a_spreadsheet_points_to_csv(books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_views, "XLSX_MAX_ROWS", 3)
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/ledger/ledger.xlsx")
    assert response.status_code == 400 and "download CSV or JSON Lines" in response.content.decode()
    narrowed = Client().get("/ledger/ledger.xlsx", {"amount": "500000"})
    assert narrowed.status_code == 200 and narrowed["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_xlsx_streams_from_the_first_row() -> None:
    consumed = []

    def rows() -> Any:
        for n in range(60_000):
            consumed.append(n)
            yield [n, f"NGUYỄN VĂN {n}", "=1+1" if n == 7 else "ung ho"]

    stream = xlsx_stream(["seq", "name", "memo"], rows(), sheet="test")
    first = next(stream)
    assert first.startswith(b"PK\x03\x04") and consumed == []  # bytes go out before any row is read
    chunks = [first, next(stream)]
    assert 0 < len(consumed) < 60_000  # …and keep going out while rows are read
    chunks += list(stream)
    assert len(chunks) > 3
    sheet = load_workbook(io.BytesIO(b"".join(chunks)), read_only=True).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 60_001 and values[1] == (0, "NGUYỄN VĂN 0", "ung ho") and values[8][2] == "=1+1"
