"""Reading bank statements: the three banks' layouts, amounts and dates as banks write them, and
files refused as a whole with the row that is wrong. No database: the parser is pure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from django.utils import translation

from cuutro.statements.layouts import MappingError, generic_layout, parse_mapping
from cuutro.statements.parsers import StatementError, parse_amount, parse_date, read_statement, row_keys
from cuutro.statements.reconcile import looks_like_code, reference_candidates
from tests.data.statements import make_golden
from tests.data.statements.support import HERE, golden


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The assertions quote the English source messages."""
    with translation.override("en"):
        yield


GOLDEN_FILES = sorted(p.name for p in HERE.iterdir() if p.suffix in {".csv", ".xlsx"})


# ---- cells -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,000,000", 1_000_000),  # Vietcombank
        ("1.000.000", 1_000_000),  # VietinBank
        ("1.000.000,00", 1_000_000),  # BIDV
        ("1,000,000.00", 1_000_000),
        ("400.000,00", 400_000),
        ("1.000", 1_000),  # a dot before three digits groups thousands: no đồng has decimals
        ("1 500 000", 1_500_000),
        ("1.000.000 VND", 1_000_000),
        ("50.000đ", 50_000),
        ("-5.000", -5_000),
        ("", 0),
        ("-", 0),
        (1_000_000, 1_000_000),  # a number cell of a spreadsheet
        (1_000_000.0, 1_000_000),
        (None, 0),
    ],
)
def test_amounts_are_read_as_banks_print_them(text: object, value: int) -> None:
    assert parse_amount(text) == value


@pytest.mark.parametrize("text", ["12a", "1.5", "1,50", "1,000.5", "1.000,50", "1..000", "abc", "1.00.000", 1000.5, True])
def test_amounts_that_are_not_whole_dong_are_refused(text: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the parser says only "not an amount"
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10/09/2024", date(2024, 9, 10)),
        ("1/9/2024", date(2024, 9, 1)),
        ("10/09/2024 0:55:10", date(2024, 9, 10)),
        ("16/09/2024 00:57:49", date(2024, 9, 16)),
        ("10-09-2024", date(2024, 9, 10)),
        ("2024-09-10", date(2024, 9, 10)),
    ],
)
def test_dates_are_day_first(text: str, value: date) -> None:
    assert parse_date(text) == value


@pytest.mark.parametrize("text", ["31/02/2024", "09/2024", "2024/09/10", "mười tháng chín", ""])
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        parse_date(text)


# ---- the golden files --------------------------------------------------------------------------


@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_each_golden_file_reads_to_the_generators_transactions(name: str) -> None:
    stem = name.rsplit(".", 1)[0]
    code, first, last, _formats = make_golden.GOLDEN[stem]
    opening, txns = make_golden.window(code, first, last)
    statement = read_statement(golden(name))
    assert statement.layout.code == code
    assert (statement.opening, statement.closing) == (opening, txns[-1].balance)
    assert statement.account == make_golden.BANKS[code].account
    read = [(r.booked_on, r.bank_ref, r.debit, r.credit, r.balance, " ".join(r.description.split())) for r in statement.rows]
    assert read == [(t.booked_on, t.ref, t.debit, t.credit, t.balance, t.memo) for t in txns]
    if code == "vietinbank":
        assert [(r.counterparty_name, r.counterparty_account) for r in statement.rows] == [(t.name, t.account) for t in txns]


def test_the_vietcombank_file_in_numbers() -> None:
    """Spelled out, not derived: the golden Vietcombank statement of 10–12/09/2024."""
    statement = read_statement(golden("vcb_2024-09-10_12.csv"))
    rows = statement.rows
    assert len(rows) == 10
    assert (rows[0].number, rows[-1].number) == (11, 20)  # title rows 1–9, header on row 10
    first = rows[0]
    assert (first.booked_on, first.bank_ref, first.credit, first.balance) == (date(2024, 9, 10), "5213.41102", 500_000, 1_000_500_000)
    assert (rows[3].bank_ref, rows[3].debit) == ("9914 - 00123", 11_000)
    assert sum(r.credit for r in rows) == 9_250_000
    assert sum(r.debit for r in rows) == 30_011_000
    assert (statement.opening, statement.closing) == (1_000_000_000, 979_239_000)


def test_csv_and_xlsx_of_one_statement_read_the_same() -> None:
    for code in ("vcb", "vietinbank", "bidv"):
        csv_rows = read_statement(golden(f"{code}_2024-09-10_12.csv")).rows
        xlsx_rows = read_statement(golden(f"{code}_2024-09-10_12.xlsx")).rows
        assert csv_rows == xlsx_rows
        assert row_keys(csv_rows) == row_keys(xlsx_rows)


def test_a_vcb_digibank_export_is_read_newest_first_up_to_its_total_row() -> None:
    """VCB Digibank's own export: reference column, no running balance, a "Tổng" row, newest first."""
    text = (
        "\ufeffVietcombank\nSao kê tài khoản\nSố tài khoản,0011001234567\n\n"
        "Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Mô tả\n"
        "12/09/2024,5215.00871,,\"300,000\",ung ho mien trung\n"
        "11/09/2024,5214.11003,\"30,000,000\",,Chuyen tien ho tro\n"
        "10/09/2024,5213.41102,,\"500,000\",MBVCB.6986253876.CT 7K3F9Q.NGUYEN VAN AN chuyen tien\n"
        "Tổng,,\"30,000,000\",\"800,000\",\n"
    )
    statement = read_statement(text.encode())
    assert (statement.layout.code, statement.layout.variant, statement.account) == ("vcb", "digibank", "0011001234567")
    assert [(r.number, r.booked_on.day, r.bank_ref, r.debit, r.credit, r.balance) for r in statement.rows] == [
        (8, 10, "5213.41102", 0, 500_000, None), (7, 11, "5214.11003", 30_000_000, 0, None), (6, 12, "5215.00871", 0, 300_000, None),
    ]  # fmt: skip


def test_bidv_lists_newest_first_and_is_read_oldest_first() -> None:
    statement = read_statement(golden("bidv_2024-09-10_12.csv"))
    assert [r.booked_on for r in statement.rows] == sorted(r.booked_on for r in statement.rows)
    assert statement.rows[0].number == 12  # the oldest is the file's last data row
    assert statement.rows[0].credit == 400_000


@pytest.mark.parametrize(("name", "fmt"), [(n, f) for n, (_c, _a, _b, fs) in make_golden.GOLDEN.items() for f in fs])
def test_the_committed_golden_files_are_what_the_generator_writes(name: str, fmt: str) -> None:
    assert golden(f"{name}.{fmt}") == make_golden.golden_bytes(name, fmt)


# ---- refused as a whole -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("code", ["vcb", "vietinbank", "bidv"])
def test_one_corrupt_amount_refuses_the_file_and_names_its_row(code: str, fmt: str) -> None:
    opening, txns = make_golden.window(code, make_golden.D1, make_golden.D3)
    row = make_golden.data_row(code, 2, len(txns))
    data = make_golden.render(code, fmt, opening, txns, overrides={(row, "credit"): "12a"})
    with pytest.raises(StatementError) as refused:
        read_statement(data)
    assert refused.value.messages == [f"Row {row}: the credit “12a” is not an amount in whole đồng."]


def test_a_bad_date_is_named_with_its_row() -> None:
    opening, txns = make_golden.window("vietinbank", make_golden.D1, make_golden.D3)
    data = make_golden.render("vietinbank", "csv", opening, txns, overrides={(10, "date"): "31/02/2024 10:00:00"})
    with pytest.raises(StatementError) as refused:
        read_statement(data)
    assert refused.value.messages == ["Row 10: “31/02/2024 10:00:00” is not a date (dd/mm/yyyy)."]


def test_a_balance_that_does_not_follow_is_refused() -> None:
    opening, txns = make_golden.window("vcb", make_golden.D1, make_golden.D3)
    row = make_golden.data_row("vcb", 4, len(txns))  # 11/09, the 150,000 credit
    data = make_golden.render("vcb", "csv", opening, txns, overrides={(row, "balance"): "1,002,939,000"})
    with pytest.raises(StatementError) as refused:
        read_statement(data)
    assert refused.value.messages[0] == (
        f"Row {row}: the balance 1.002.939.000 does not follow: 1.002.689.000 + 150.000 − 0 = 1.002.839.000."
    )


def test_a_closing_balance_that_does_not_follow_is_refused() -> None:
    """No running balances (Digibank's export), but the opening and closing ones disagree."""
    text = (
        "Số tài khoản,0011001234567\nSố dư đầu kỳ,\"1,000,000\"\nSố dư cuối kỳ,\"1,600,000\"\n"
        "Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Mô tả\n"
        "10/09/2024,5213.1,,\"500,000\",ung ho\n10/09/2024,5213.2,,\"200,000\",ung ho\nTổng,,0,\"700,000\",\n"
    )
    with pytest.raises(StatementError) as refused:
        read_statement(text.encode())
    assert refused.value.messages == [
        "The closing balance 1.600.000 does not follow: opening 1.000.000 + credits 700.000 − debits 0 = 1.700.000."
    ]


def test_a_file_of_no_known_layout_is_refused_clearly() -> None:
    with pytest.raises(StatementError) as refused:
        read_statement(b"Date,Amount,Text\n2024-09-10,100,x\n")
    assert "The layout of this file is not recognised" in refused.value.messages[0]
    assert "Vietcombank" in refused.value.messages[0] and "BIDV" in refused.value.messages[0]


def test_an_old_xls_file_is_refused_with_what_to_do() -> None:
    with pytest.raises(StatementError, match=r"save it as \.xlsx or CSV"):
        read_statement(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)


def test_a_row_that_is_both_debit_and_credit_is_refused() -> None:
    opening, txns = make_golden.window("vcb", make_golden.D1, make_golden.D3)
    row = make_golden.data_row("vcb", 0, len(txns))
    with pytest.raises(StatementError, match=f"Row {row}: a row is either a debit or a credit"):
        read_statement(make_golden.render("vcb", "csv", opening, txns, overrides={(row, "debit"): "1,000"}))


# ---- the generic layout -------------------------------------------------------------------------

TECHCOMBANK_LIKE = (
    "NGÂN HÀNG KỸ THƯƠNG\nSao kê tài khoản\n\n"
    "Ngày GD;Mã GD;Diễn giải;Số tiền;Số dư sau GD;Người chuyển\n"
    "10/09/2024;FT1;Ung ho CT 7K3F9Q;500.000;10.500.000;NGUYEN VAN AN\n"
    "11/09/2024;FT2;Chi ho tro;-2.000.000;8.500.000;\n"
)


def test_a_column_mapping_reads_another_banks_export() -> None:
    mapping = "date=Ngày GD, ref=Mã GD, description=Diễn giải, amount=Số tiền, balance=Số dư sau GD, name=Người chuyển"
    layout = generic_layout(parse_mapping(mapping))
    statement = read_statement(TECHCOMBANK_LIKE.encode(), layouts=[layout])
    assert [(r.bank_ref, r.credit, r.debit, r.balance, r.counterparty_name) for r in statement.rows] == [
        ("FT1", 500_000, 0, 10_500_000, "NGUYEN VAN AN"),
        ("FT2", 0, 2_000_000, 8_500_000, ""),
    ]


def test_a_mapping_must_name_date_description_and_money() -> None:
    with pytest.raises(MappingError, match="credit"):
        generic_layout({"date": "Ngày", "description": "Nội dung"})
    with pytest.raises(MappingError, match="Unknown column name"):
        generic_layout({"date": "Ngày", "description": "Nội dung", "credit": "Có", "colour": "Màu"})
    with pytest.raises(MappingError):
        parse_mapping("date Ngày")


# ---- identity of rows ---------------------------------------------------------------------------


def test_identical_rows_without_numbers_are_told_apart_by_their_order() -> None:
    text = (
        "Ngày GD,Có,Nội dung\n"
        "10/09/2024,100.000,ung ho\n10/09/2024,100.000,ung ho\n11/09/2024,100.000,ung ho\n"
    ).encode()
    layout = generic_layout({"date": "Ngày GD", "credit": "Có", "description": "Nội dung"})
    rows = read_statement(text, layouts=[layout]).rows
    keys = row_keys(rows)
    assert len(set(keys)) == 3
    assert row_keys(rows[:2]) == keys[:2]


# ---- references in memos ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("memo", "strong", "weak"),
    [
        ("MBVCB.6986253876.CT 7K3F9Q.NGUYEN VAN A chuyen tien", ("CT7K3F9Q",), ()),
        ("CT nhanh 247 den: NGUYEN VAN A chuyen tien CT7K3F9Q", ("CT7K3F9Q",), ()),
        ("CT NHANH 247 DEN: HOANG VAN HAI UNG HO CT-8M4P2R", ("CT8M4P2R",), ()),
        ("IBFT Ủng hộ đồng bào lũ lụt ct-9h6w3x", ("CT9H6W3X",), ()),
        ("ung ho ct.7k3f9q", ("CT7K3F9Q",), ()),
        ("Chuyển tiền CT: 7K3F9Q", ("CT7K3F9Q",), ()),
        ("NGUYENVANDUNGCT5T7Q2VUNGHOLULUT", (), ("CT5T7Q2V",)),
        ("con mong moi nguoi binh an (CT1111)", (), ()),
        ("Ung ho mien Trung", (), ()),
    ],
)
def test_references_are_found_whatever_the_bank_did_to_the_memo(memo: str, strong: tuple[str, ...], weak: tuple[str, ...]) -> None:
    found = reference_candidates(memo)
    assert found.strong == strong
    assert set(weak) <= set(found.weak)


def test_ct_for_chuyen_tien_before_a_name_is_no_reference() -> None:
    found = reference_candidates("MBVCB.6990011223.CT NGUYEN VAN E chuyen tien ung ho")
    assert found.strong == ("CTNGUYEN",)
    assert not looks_like_code("CTNGUYEN")
    assert looks_like_code("CT2222ZZ")


