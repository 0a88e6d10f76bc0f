"""The money half of the demo: one fund per supported bank, their statements imported, cash
pledges paid (or not), the review queue, and money and goods given out.

Everything goes through the services an official uses: ``statements.services.statement_import``
reads statements written in memory in each bank's real layout (``statements/samples.py``) and
reconciles the credits with the cash pledges by the reference in the memo;
``statements.services.review_mark_general`` decides some unmatched credits;
``funds.services.movement_record`` gives money out (with a small PDF decision) and records goods
received and handed out. Nothing writes ledger rows directly. A seed gives the same plan every time
(pledge codes, and so the references in the memos, are random like the real ones).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count, Q, QuerySet

from cuutro.accounts.models import User
from cuutro.funds import banks
from cuutro.funds.models import Direction, EntryKind, Fund, LedgerEntry
from cuutro.funds.selectors import fund_totals, pledge_transfer
from cuutro.funds.services import MovementData, Target, movement_record, shown_reference
from cuutro.lib.text import fold
from cuutro.needs.choices import PUBLIC_STATUSES
from cuutro.needs.models import Campaign, Need, NeedItem
from cuutro.pledges.choices import PledgeStatus
from cuutro.pledges.models import Pledge
from cuutro.statements.models import ReviewItem, ReviewReason, ReviewStatus, StatementImport
from cuutro.statements.samples import Account, Txn, render, with_balances
from cuutro.statements.services import review_accept, review_mark_general, statement_import

ACTOR = "demo-province"  # the province's relief committee: imports, decides, gives out
PAID_SHARE = 0.45  # of cash pledges not yet delivered; delivered ones were all paid
GENERAL_PER_DAY = (3, 5)  # general donations (no reference) a day, per fund
MIN_DISBURSEMENT = 100_000
SUPPLIER = "Công ty TNHH Vật liệu xây dựng Đông Hà"
FEE_REASON = "Phí dịch vụ của ngân hàng, trừ vào quỹ theo hợp đồng mở tài khoản"


@dataclass(frozen=True)
class FundSpec:
    code: str
    bank: str  # funds.banks code
    name: str
    campaign: str | None  # campaign code; None for the default fund
    account_number: str
    account_name: str
    opens_on: str
    is_default: bool = False
    goods: str = ""  # catalogue item the demo receives and hands out from this fund
    goods_in: int = 0
    giver: str = ""
    fee_memo: str = ""
    fee: int = 0


@dataclass
class FundReport:
    code: str
    bank: str
    account: str
    statements: int = 0
    rows_read: int = 0
    rows_new: int = 0
    rows_duplicate: int = 0
    matched: int = 0
    review_open: int = 0
    disbursements: int = 0
    goods_moves: int = 0
    money_in: Decimal = Decimal(0)
    money_out: Decimal = Decimal(0)


@dataclass
class MoneySummary:
    funds: list[FundReport] = field(default_factory=list)
    paid: int = 0
    partly_paid: int = 0
    unpaid: int = 0


# --- the words on the statements (fictional names and accounts) ---------------------------------

GENERAL_DONORS = (
    "NGUYEN THI HOA", "TRAN VAN MINH", "LE THI THANH HUONG", "PHAM QUOC BAO", "HOANG VAN DUC",
    "VO THI KIM LIEN", "DANG MINH KHOA", "BUI THI NGOC ANH", "CONG TY TNHH AN PHAT", "CONG TY CP THUY SAN BIEN DONG",
)  # fmt: skip
GENERAL_MEMOS = {
    "vcb": (
        "MBVCB.{d10}.{name} ung ho dong bao mien Trung.CT tu {acct} {name} toi {fund} {holder}",
        "{name} ung ho dong bao bi lu lut tinh Quang Tri",
        "Ủng hộ đồng bào lũ lụt – Hội phụ nữ phường Đông Hà",
        "IBFT {name} gui ba con vung lu",
    ),
    "vietinbank": (
        "CT nhanh 247 den: {name} ung ho ba con vung lu",
        "Chuyen tien den tu NAPAS Noi dung: IBFT gop chut tam long cung ba con vung lu",
        "{name} chuyen tien ung ho dong bao Quang Tri",
    ),
    "bidv": (
        "TKThe :{acct}, tai VCB. MBVCB.{d10}.{d6}.{name} ung ho ba con lu lut toi {fund} {holder} tai BIDV",
        "Nop tien mat ung ho lu lut - Doan thanh nien",
        "BIDV;{fund}; {name} xin gui chut tam long",
    ),
}
PLEDGE_MEMOS = {
    "vcb": (
        "MBVCB.{d10}.{ref}.{name} chuyen tien.CT tu {acct} {name} toi {fund} {holder}",
        "IBFT {ref} {name} ung ho dong bao lu lut",
        "{name} {ref} ung ho",
    ),
    "vietinbank": (
        "CT nhanh 247 den: {name} chuyen tien ung ho {ref}",
        "Chuyen tien den tu NAPAS Noi dung: IBFT {ref} {name} ung ho",
    ),
    "bidv": (
        "TKThe :{acct}, tai VCB. MBVCB.{d10}.{d6}.{ref} {name} ung ho.CT tu {acct} {name} toi {fund} {holder} tai BIDV",
        "IBFT Ủng hộ đồng bào bão lũ {ref}",
        "REM Tfr Ac: {acct} {ref} {name} ung ho",
    ),
}
GENERAL_AMOUNTS = (100_000, 200_000, 300_000, 500_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000)
GENERAL_REASON = "Ủng hộ chung cho quỹ, không gắn với cam kết nào (người chuyển xác nhận qua điện thoại)."


def _digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(count))


def _time(rng: random.Random) -> str:
    return f"{rng.randint(6, 21):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"


def _ref_variant(rng: random.Random, reference: str) -> str:
    """Donors type the reference as they like; banks strip spaces or upper-case the memo."""
    return rng.choice((reference, reference, reference.replace(" ", ""), reference.lower(), reference.replace(" ", "-")))


def _bank_name(pledge: Pledge) -> str:
    """The sender as a bank prints it: upper case, no diacritics."""
    who = pledge.organisation.name if pledge.organisation_id and pledge.organisation else pledge.donor.full_name
    return fold(who).upper()[:50]


def _bank_ref(bank: str, day: date, n: int) -> str:
    if bank == "vcb":
        return f"{5000 + day.timetuple().tm_yday}.{n:05d}"
    if bank == "vietinbank":
        return f"FT{day:%y}{day.timetuple().tm_yday:03d}{n:06d}"
    return f"BIDV-{day:%m%d}-{n:05d}"


@dataclass
class _Credit:
    day: date
    amount: int
    memo: str
    name: str
    account: str


def _general(rng: random.Random, spec: FundSpec, day: date) -> _Credit:
    name, acct = rng.choice(GENERAL_DONORS), _digits(rng, 13)
    memo = rng.choice(GENERAL_MEMOS[spec.bank]).format(
        d10=_digits(rng, 10), d6=_digits(rng, 6), name=name, acct=acct, fund=spec.account_number, holder=spec.account_name
    )
    return _Credit(day, rng.choice(GENERAL_AMOUNTS), memo, name, acct)


def _payment(rng: random.Random, spec: FundSpec, day: date, pledge: Pledge, amount: int) -> _Credit:
    name, acct = _bank_name(pledge), _digits(rng, 13)
    memo = rng.choice(PLEDGE_MEMOS[spec.bank]).format(
        d10=_digits(rng, 10), d6=_digits(rng, 6), ref=_ref_variant(rng, pledge.transfer_reference), name=name, acct=acct,
        fund=spec.account_number, holder=spec.account_name,
    )  # fmt: skip
    return _Credit(day, amount, memo, name, acct)


# --- paying the cash pledges ---------------------------------------------------------------------


def _plan_payments(rng: random.Random, pledges: Sequence[Pledge]) -> dict[int, int]:
    """pledge pk → amount transferred (the others stay unpaid). Delivered cash
    pledges were paid; of the others some were. One pledge is paid short and one paid over: both
    land in the review queue."""
    paid: dict[int, int] = {}
    for pledge in pledges:
        if pledge.status in (PledgeStatus.DELIVERED, PledgeStatus.CONFIRMED) or rng.random() < PAID_SHARE:
            paid[pledge.pk] = int(pledge.quantity)
    if len(paid) == len(pledges) and len(pledges) > 1:  # keep one unpaid to show
        paid.pop(pledges[-1].pk)
    by_pk = {p.pk: p for p in pledges}
    for index, pk in enumerate(sorted(paid, key=lambda pk: rng.random())[:2]):
        quantity = int(by_pk[pk].quantity)
        paid[pk] = quantity - 200_000 if index == 0 and quantity > 200_000 else quantity + 200_000
    return paid


def _statement_rows(rng: random.Random, spec: FundSpec, credits: list[_Credit], days: Sequence[date]) -> list[Txn]:
    """The account's transactions, oldest first: credits, the bank's monthly fee on the first day."""
    timed: list[tuple[date, str, int, int, str, str, str]] = [
        (c.day, _time(rng), 0, c.amount, c.memo, c.name if spec.bank == "vietinbank" else "", c.account if spec.bank != "vcb" else "")
        for c in credits
    ]
    if spec.fee:
        timed.append((days[0], "23:59:00", spec.fee, 0, spec.fee_memo, "", ""))
    timed.sort(key=lambda t: (t[0], t[1]))
    return [
        Txn(day, time, _bank_ref(spec.bank, day, n), debit, credit, memo, name, account)
        for n, (day, time, debit, credit, memo, name, account) in enumerate(timed, 1)
    ]


def _import(*, actor: User, fund: Fund, spec: FundSpec, txns: list[Txn], report: FundReport) -> None:
    """Two overlapping statements (first two days, last two days): the second adds only what
    the first did not have, as importing the same bank's exports week after week would."""
    account = Account(spec.bank, spec.account_number, spec.account_name)
    days = sorted({t.booked_on for t in txns})
    windows = [(days[0], days[-2] if len(days) > 1 else days[0]), (days[1] if len(days) > 1 else days[0], days[-1])]
    for first, last in windows:
        before = sum(t.credit - t.debit for t in txns if t.booked_on < first)
        part = [t for t in txns if first <= t.booked_on <= last]
        result = statement_import(
            actor=actor, fund=fund, file=render(account, "csv", before, with_balances(before, part)), layout=spec.bank,
            file_name=f"{account.bank}_{account.number[-4:]}_{first:%Y-%m-%d}_{last:%Y-%m-%d}.csv",
        )  # fmt: skip
        report.statements += 1
        report.rows_read += result.rows_read
        report.rows_new += result.rows_new
        report.rows_duplicate += result.rows_duplicate
        report.matched += result.credits_matched


def _pay_out(*, actor: User, fund: Fund, spec: FundSpec, txns: list[Txn], today: date) -> None:
    """The bank's side of today's disbursements: today's statement again, now with their
    transfers. Each memo carries the disbursement's code, so each debit is recognised as the
    disbursement and the money is counted once; today's credits are already in and add nothing."""
    given = LedgerEntry.objects.filter(fund=fund, kind=EntryKind.DISBURSEMENT, direction=Direction.OUT).exclude(reference="")
    outs = [
        Txn(today, f"16:{n:02d}:00", _bank_ref(spec.bank, today, 900 + n), int(entry.amount or 0), 0,
            f"UBMTTQ TINH QUANG TRI chuyen tien ho tro {shown_reference(entry.reference)}")
        for n, entry in enumerate(given.order_by("seq"))
    ]  # fmt: skip
    if not outs:
        return
    before = sum(t.credit - t.debit for t in txns if t.booked_on < today)
    day = sorted([t for t in txns if t.booked_on == today] + outs, key=lambda t: t.time)
    account = Account(spec.bank, spec.account_number, spec.account_name)
    statement_import(
        actor=actor, fund=fund, file=render(account, "csv", before, with_balances(before, day)), layout=spec.bank,
        file_name=f"{account.bank}_{account.number[-4:]}_{today:%Y-%m-%d}_chi.csv",
    )  # fmt: skip


# --- giving out ----------------------------------------------------------------------------------


def _decision_pdf(lines: Sequence[str], *, day: date) -> bytes:
    """A one-page decision as PDF (standard font, folded text: a private scan stand-in)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(day.year, day.month, day.day, tzinfo=UTC))  # the same paper, the same fingerprint
    pdf.set_creator("Cuutro demo")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 12)
    pdf.cell(0, 8, "UY BAN MAT TRAN TO QUOC VIET NAM TINH QUANG TRI", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 11)
    for line in lines:
        pdf.multi_cell(0, 6, _ascii(line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _ascii(text: str) -> str:
    """Vietnamese without its diacritics, keeping case (the standard PDF font is Latin-1)."""
    out = []
    for ch in text:
        plain = fold(ch) or ch
        out.append(plain.upper() if ch.isupper() else plain)
    return "".join(out)


def _disburse(*, actor: User, fund: Fund, today: date, paid: Mapping[Need, int], number: int) -> int:
    """Money to up to three published needs whose pledges were paid into this fund, then a
    purchase with part of what is left. Returns how many disbursements were recorded."""
    done = 0
    for need, amount in list(paid.items())[:3]:
        available = int(fund_totals(fund=fund).balance)
        amount = min(amount, available) // 1000 * 1000
        if amount < MIN_DISBURSEMENT:
            continue
        decision = f"{number + done}/QĐ-MTTQ"
        document = _decision_pdf([
            f"QUYẾT ĐỊNH số {decision}, ngày {today:%d/%m/%Y}",
            f"Hỗ trợ {amount:,} đồng cho hộ gia đình mã {need.code} từ quỹ {fund.code}.",
            "Người nhận ký xác nhận đã nhận đủ tiền.",
        ], day=today)  # fmt: skip
        movement_record(
            actor=actor, fund=fund,
            data=MovementData(target=Target.NEED, booked_on=today, amount=Decimal(amount), need_code=need.code,
                              description=f"Hỗ trợ khắc phục thiệt hại cho hộ gia đình theo Quyết định số {decision}"),
            document=SimpleUploadedFile(f"quyet-dinh-{number + done}.pdf", document, content_type="application/pdf"),
        )  # fmt: skip
        done += 1
    available = int(fund_totals(fund=fund).balance)
    amount = available * 3 // 10 // 100_000 * 100_000
    if amount >= MIN_DISBURSEMENT:
        contract = f"{number + done}/{today:%Y}/HĐ-MTTQ"
        document = _decision_pdf(
            [f"HỢP ĐỒNG MUA BÁN số {contract}", f"Tấm lợp, đinh vít và dây chằng chống bão: {amount:,} đồng."], day=today
        )
        purchase = MovementData(
            target=Target.PURCHASE,
            booked_on=today,
            amount=Decimal(amount),
            payee=SUPPLIER,
            description=f"Mua tấm lợp và dây chằng chống bão cho các hộ bị tốc mái, hợp đồng số {contract}",
        )
        paper = SimpleUploadedFile(f"hop-dong-{number + done}.pdf", document, content_type="application/pdf")
        movement_record(actor=actor, fund=fund, data=purchase, document=paper)
        done += 1
    return done


def _goods(*, actor: User, fund: Fund, spec: FundSpec, needs: Sequence[Need], today: date) -> int:
    """Goods received by the fund, then handed out to up to three published needs asking for them."""
    if not spec.goods:
        return 0
    movement_record(
        actor=actor, fund=fund, direction="in",
        data=MovementData(target=Target.PURCHASE, booked_on=today - timedelta(days=1), item_code=spec.goods,
                          quantity=Decimal(spec.goods_in), payee=spec.giver, description="Nhận hàng cứu trợ ủng hộ cho tỉnh"),
    )  # fmt: skip
    moves, left = 1, Decimal(spec.goods_in)
    lines = NeedItem.objects.filter(need__in=needs, item__code=spec.goods).select_related("need").order_by("need__pk")[:3]
    for line in lines:
        quantity = min(line.quantity, left)
        if quantity <= 0:
            break
        movement_record(
            actor=actor, fund=fund,
            data=MovementData(target=Target.NEED, booked_on=today, item_code=spec.goods, quantity=quantity,
                              need_code=line.need.code, description="Phát hàng cứu trợ tại nhà văn hóa thôn, có trưởng thôn chứng kiến"),
        )  # fmt: skip
        moves, left = moves + 1, left - quantity
    return moves


# --- the whole of it -----------------------------------------------------------------------------


def build_money(*, seed: int, specs: Sequence[FundSpec], users: Mapping[str, User], needs: QuerySet[Need], today: date) -> MoneySummary:
    """Funds, statements, payments, review decisions and disbursements for the demo's needs."""
    rng = random.Random(seed * 7919 + 4)  # its own stream: the needs' plan stays as it was
    actor = users[ACTOR]
    campaigns = {c.code: c for c in Campaign.objects.filter(code__in=[s.campaign for s in specs if s.campaign])}
    funds: dict[str, Fund] = {}
    for spec in specs:
        funds[spec.code] = Fund.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name, "campaign": campaigns.get(spec.campaign) if spec.campaign else None, "bank": spec.bank,
                "account_number": spec.account_number, "account_name": spec.account_name, "opens_on": spec.opens_on,
                "is_default": spec.is_default,
            },
        )[0]  # fmt: skip
    by_id = {funds[spec.code].pk: spec for spec in specs}

    ours = needs
    cash = list(
        Pledge.objects.filter(need__in=ours, need_item__item__unit="vnd")
        .exclude(status__in=[PledgeStatus.CANCELLED, PledgeStatus.EXPIRED])
        .select_related("need", "need_item__item", "donor", "organisation")
        .order_by("pk")
    )
    amounts = _plan_payments(rng, cash)

    days = [today - timedelta(days=2), today - timedelta(days=1), today]
    credits: dict[str, list[_Credit]] = defaultdict(list)
    paid_needs: dict[str, dict[Need, int]] = defaultdict(dict)
    for pledge in cash:
        transfer = pledge_transfer(pledge=pledge)
        if transfer is None or pledge.pk not in amounts or transfer.fund.pk not in by_id:
            continue
        spec = by_id[transfer.fund.pk]
        credits[spec.code].append(_payment(rng, spec, today, pledge, amounts[pledge.pk]))
        need_paid = paid_needs[spec.code]
        need_paid[pledge.need] = need_paid.get(pledge.need, 0) + amounts[pledge.pk]
    for spec in specs:
        for day in days:
            credits[spec.code] += [_general(rng, spec, day) for _ in range(rng.randint(*GENERAL_PER_DAY))]

    summary = MoneySummary()
    number = 100 + rng.randint(0, 50)  # decision numbers
    public = {n.pk: n for n in ours.filter(status__in=PUBLIC_STATUSES)}
    for spec in specs:
        fund = funds[spec.code]
        report = FundReport(code=spec.code, bank=banks.BY_CODE[spec.bank].name.split(" ")[0], account=spec.account_number)
        txns = _statement_rows(rng, spec, credits[spec.code], days)
        _import(actor=actor, fund=fund, spec=spec, txns=txns, report=report)
        # The committee decides some of the credits without a reference: general donations.
        open_unmatched = ReviewItem.objects.filter(fund=fund, status=ReviewStatus.OPEN, reason=ReviewReason.UNMATCHED).order_by("entry")
        for item in list(open_unmatched)[::2]:
            review_mark_general(actor=actor, item=item, reason=GENERAL_REASON)
        given = {need: amount for need, amount in paid_needs[spec.code].items() if need.pk in public}
        report.disbursements = _disburse(actor=actor, fund=fund, today=today, paid=given, number=number)
        _pay_out(actor=actor, fund=fund, spec=spec, txns=txns, today=today)
        if spec.bank == "vcb":  # one fee decided, the others left open for the demo's officials
            for item in ReviewItem.objects.filter(fund=fund, status=ReviewStatus.OPEN, reason=ReviewReason.DEBIT):
                review_accept(actor=actor, item=item, reason=FEE_REASON)
        number += report.disbursements
        campaign_needs = [n for n in public.values() if n.campaign_id == fund.campaign_id]
        report.goods_moves = _goods(actor=actor, fund=fund, spec=spec, needs=campaign_needs, today=today)
        totals = fund_totals(fund=fund)
        report.money_in, report.money_out = totals.money_in, totals.money_out
        report.review_open = ReviewItem.objects.filter(fund=fund, status=ReviewStatus.OPEN).count()
        summary.funds.append(report)

    states = Pledge.objects.filter(pk__in=[p.pk for p in cash]).aggregate(
        paid=Count("pk", filter=Q(paid_at__isnull=False)),
        partly=Count("pk", filter=Q(paid_at__isnull=True, amount_received__gt=0)),
        unpaid=Count("pk", filter=Q(amount_received=0)),
    )
    summary.paid, summary.partly_paid, summary.unpaid = states["paid"], states["partly"], states["unpaid"]
    return summary


def money_summary() -> MoneySummary:
    """What is there now (for a re-run of the demo that builds nothing)."""
    summary = MoneySummary()
    for fund in Fund.objects.filter(code__startswith="demo-").order_by("code"):
        totals = fund_totals(fund=fund)
        imports = StatementImport.objects.filter(fund=fund)
        summary.funds.append(
            FundReport(
                code=fund.code, bank=fund.bank_name.split(" ")[0], account=fund.account_number, statements=imports.count(),
                rows_new=sum(i.rows_new for i in imports), money_in=totals.money_in, money_out=totals.money_out,
                review_open=ReviewItem.objects.filter(fund=fund, status=ReviewStatus.OPEN).count(),
                disbursements=LedgerEntry.objects.filter(fund=fund, kind=EntryKind.DISBURSEMENT).count(),
            )
        )  # fmt: skip
    return summary
