"""Reads of funds and the public ledger."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Q, QuerySet, Sum, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.utils import timezone

from cuutro.funds import chain
from cuutro.funds.models import Direction, EntryKind, Fund, LedgerDocument, LedgerEntry
from cuutro.funds.services import entry_content, export_row
from cuutro.lib.codes import code_key
from cuutro.lib.public_cache import cached_value
from cuutro.lib.text import search_terms
from cuutro.lib.vietqr import VietQR
from cuutro.needs.selectors import need_get_public
from cuutro.pledges.choices import ShowAs
from cuutro.pledges.models import Pledge
from cuutro.pledges.selectors import PublicPledge, pledge_public_view
from cuutro.pledges.services import CODE_PREFIX

logger = logging.getLogger(__name__)


def funds_public() -> QuerySet[Fund]:
    return Fund.objects.select_related("campaign").order_by("-opens_on", "code")


def fund_get(*, code: str) -> Fund | None:
    return funds_public().filter(code=code).first()


@dataclass(frozen=True)
class FundTotals:
    money_in: Decimal
    money_out: Decimal

    @property
    def balance(self) -> Decimal:
        return self.money_in - self.money_out


def fund_totals(*, fund: Fund) -> FundTotals:
    """Money in and out of the fund by its ledger (reversals count in their own direction)."""
    money_in, money_out = LedgerEntry.objects.filter(fund=fund).totals()
    return FundTotals(money_in=money_in, money_out=money_out)


def fund_vietqr(*, fund: Fund, amount: int | None = None, memo: str = "") -> str:
    """The VietQR payload for a transfer into the fund (no amount: the donor types it)."""
    return VietQR(bin=fund.bin, account=fund.account_number, amount=amount, memo=memo).payload()


def ledger_entries() -> QuerySet[LedgerEntry]:
    # Every link entry_content reads, "matches" too: an export makes no query per entry.
    return LedgerEntry.objects.select_related("fund", "item", "pledge", "need", "organisation", "reverses", "matches").order_by("seq")


def ledger_export_rows(*, chunk: int = 2000) -> Iterator[dict[str, str]]:
    """Every entry, in chain order, as exported and hashed (streamed: any size)."""
    for entry in ledger_entries().iterator(chunk_size=chunk):
        yield export_row(entry)


def ledger_verify() -> chain.Verdict:
    """Recompute the chain from the stored entries; names the first entry that does not match."""
    return chain.verify(ledger_export_rows_recomputed())


def ledger_export_rows_recomputed() -> Iterator[dict[str, str]]:
    # The stored hash and prev_hash next to content rebuilt from the stored columns: a change to
    # any column shows up as a content mismatch at that entry.
    for entry in ledger_entries().iterator(chunk_size=2000):
        yield {**entry_content(entry), "prev_hash": entry.prev_hash, "hash": entry.hash}


def fund_for_need(*, campaign_id: int | None) -> Fund | None:
    """Where money for a need goes today: its campaign's fund (the newest that is receiving),
    else the default fund if it is receiving. A closed fund never gets a new transfer."""
    today = timezone.localdate()
    receiving = Fund.objects.filter(opens_on__lte=today).filter(Q(closes_on__isnull=True) | Q(closes_on__gte=today))
    if campaign_id is not None:
        fund = receiving.filter(campaign_id=campaign_id).order_by("-opens_on", "pk").first()
        if fund is not None:
            return fund
    return receiving.filter(is_default=True).first()


@dataclass(frozen=True)
class PledgeTransfer:
    """How to pay a cash pledge: the fund's account, the amount and the memo, as a VietQR."""

    fund: Fund
    amount: int
    reference: str  # "CT 7K3F9Q"
    vietqr: str


def pledge_transfer(*, pledge: Any) -> PledgeTransfer | None:
    """The transfer that pays a cash pledge; None for goods or when no fund takes the money."""
    if not pledge.need_item.item.is_cash:
        return None
    fund = fund_for_need(campaign_id=pledge.need.campaign_id)
    if fund is None:
        return None
    amount = int(pledge.quantity)
    reference = pledge.transfer_reference
    return PledgeTransfer(fund=fund, amount=amount, reference=reference, vietqr=fund_vietqr(fund=fund, amount=amount, memo=reference))


# ---- the public ledger: funds at a glance, search, head, trace ------------------------------


@dataclass(frozen=True)
class FundSummary:
    """A fund as its public page and the API show it: the account to transfer to and its books."""

    fund: Fund
    totals: FundTotals
    vietqr: str  # the fund's reusable payload: the donor types the amount

    @property
    def receiving(self) -> bool:
        """Inside its receiving window today (Decree 93): only then is its QR code offered."""
        today = timezone.localdate()
        return self.fund.opens_on <= today and (self.fund.closes_on is None or today <= self.fund.closes_on)


SUMS_KEY = "funds:money-sums:v1"


def _money_sums() -> dict[int, tuple[Decimal, Decimal]]:
    """Money in and out per fund id, derived from the ledger.

    Summing a million entries takes 200 ms, and every append moves the public cache on. The
    ledger only grows, so the sums are kept in the cache with the entry they run to (its seq and
    hash): a later call adds only the newer entries, and starts over if that entry is not there
    any more (a restored database). Entries up to a committed seq are all committed: appends
    take turns on the head's lock."""
    head, head_hash = LedgerEntry.objects.order_by("-seq").values_list("seq", "hash").first() or (0, "")
    try:
        cached = cache.get(SUMS_KEY)
    except Exception:  # the cache is down: compute from scratch
        logger.warning("cache unavailable: fund totals computed in full", exc_info=True)
        cached = None
    upto, sums = 0, {}
    if cached is not None:
        cached_upto, cached_hash, cached_sums = cached
        if cached_upto <= head and LedgerEntry.objects.filter(seq=cached_upto, hash=cached_hash).exists():
            upto, sums = cached_upto, dict(cached_sums)
    if upto < head:
        rows = (
            LedgerEntry.objects.filter(seq__gt=upto, seq__lte=head, amount__isnull=False)
            .values("fund_id")
            .annotate(money_in=Sum("amount", filter=Q(direction=Direction.IN)), money_out=Sum("amount", filter=Q(direction=Direction.OUT)))
            .order_by()
        )
        for row in rows:
            money_in, money_out = sums.get(row["fund_id"], (Decimal(0), Decimal(0)))
            sums[row["fund_id"]] = (money_in + (row["money_in"] or 0), money_out + (row["money_out"] or 0))
        try:
            cache.set(SUMS_KEY, (head, head_hash, sums), None)
        except Exception:
            logger.warning("cache unavailable: fund totals not kept", exc_info=True)
    return sums


def _totals(fund: Fund, sums: dict[int, tuple[Decimal, Decimal]]) -> FundTotals:
    money_in, money_out = sums.get(fund.pk, (Decimal(0), Decimal(0)))
    return FundTotals(money_in=money_in, money_out=money_out)


def fund_summaries() -> list[FundSummary]:
    """Every fund with its totals (the same as ``fund_totals``, kept up to date incrementally)."""
    sums = _money_sums()
    return [FundSummary(fund=fund, totals=_totals(fund, sums), vietqr=fund_vietqr(fund=fund)) for fund in funds_public()]


def fund_summary(*, fund: Fund) -> FundSummary:
    return FundSummary(fund=fund, totals=_totals(fund, _money_sums()), vietqr=fund_vietqr(fund=fund))


# A query longer than this is cut, then only its first words are searched for (as for needs).
SEARCH_MAX_CHARS = 200
SEARCH_MAX_WORDS = 8
# A word of the folded search key: a run of letters and digits (the bank's dots, slashes and
# masking bullets separate words). PostgreSQL's tsvector (migration 0004) splits the same way.
WORD_RE = re.compile(r"[a-z0-9]+")
# Counting every match of a common word ("ung ho": most transfers) costs a scan of all of them.
# Up to this many, one query fetches every match's keys, which gives the exact count and the
# order; beyond it, pages and the API say "1,000 or more" and the exports give everything.
COUNT_CAP = 1_000
# Bank value dates lag: a transfer made on a Friday evening is often booked on Monday.
TRACE_BOOKING_LAG_DAYS = 3
TRACE_MAX_TRANSFERS = 10


# Money as people type it: "500.000", "500,000", "500 000 đ", "1.500.000₫" (đồng has no cents).
_MONEY_NOISE = re.compile(r"[\s.,]|đồng|dong|vnd|đ|₫", re.IGNORECASE)


def parse_amount(text: str) -> Decimal | None:
    """Whole đồng typed the way pages print them; None when it is not such an amount."""
    digits = _MONEY_NOISE.sub("", text or "")
    if not digits.isdigit() or len(digits) > 15 or int(digits) == 0:
        return None
    return Decimal(int(digits))


@dataclass(frozen=True)
class LedgerFilters:
    q: str = ""  # words of the counterparty's name or the memo, accents and case ignored
    amount: Decimal | None = None  # exact, in đồng
    date_from: date | None = None  # booked on or after
    date_to: date | None = None  # booked on or before
    reference: str = ""  # a pledge's transfer reference, "CT 7K3F9Q" or "ct7k3f9q"
    account: str = ""  # the last digits of the other side's account
    direction: str = ""  # "in" or "out"

    @property
    def active(self) -> bool:
        return any(value not in ("", None) for value in asdict(self).values())


def _words(terms: list[str]) -> Q:
    """Every term as a whole word of the search key."""
    if connection.vendor == "postgresql":
        # Served by the GIN index of migration 0004. Qualified: needs_need has a search_tsv too.
        words = " ".join(terms)
        return Q(RawSQL("funds_ledgerentry.search_tsv @@ plainto_tsquery('simple', %s)", [words], output_field=BooleanField()))
    condition = Q()
    for term in terms:
        # The LIKE cheaply narrows the rows; the expression keeps whole words only.
        condition &= Q(search_key__contains=term) & Q(search_key__regex=rf"(^|[^a-z0-9]){term}([^a-z0-9]|$)")
    return condition


def _phrase(terms: list[str]) -> Q:
    """The terms as consecutive words of the search key."""
    if connection.vendor == "postgresql":
        words = " ".join(terms)
        return Q(RawSQL("funds_ledgerentry.search_tsv @@ phraseto_tsquery('simple', %s)", [words], output_field=BooleanField()))
    pattern = "[^a-z0-9]+".join(terms)
    return Q(search_key__contains=terms[0]) & Q(search_key__regex=rf"(^|[^a-z0-9]){pattern}([^a-z0-9]|$)")


def _reference(text: str) -> Q | None:
    key = code_key(text)[:16]
    if not key:
        return None
    folded = key.lower()
    # Matched entries carry the reference; an unmatched transfer still has it in its memo, with
    # or without the space ("CT 7K3F9Q", "CT7K3F9Q").
    condition = Q(reference=key) | _words([folded])
    prefix = CODE_PREFIX.lower()
    if folded.startswith(prefix) and len(folded) > len(prefix):
        condition |= _phrase([prefix, folded[len(prefix) :]])
    return condition


def _apply_ledger_filters(qs: QuerySet[LedgerEntry], filters: LedgerFilters) -> QuerySet[LedgerEntry]:
    if filters.amount is not None:
        qs = qs.filter(amount=filters.amount)
    if filters.date_from is not None:
        qs = qs.filter(booked_on__gte=filters.date_from)
    if filters.date_to is not None:
        qs = qs.filter(booked_on__lte=filters.date_to)
    if filters.direction in Direction.values:
        qs = qs.filter(direction=filters.direction)
    if filters.account:
        # Stored masked ("••••1234"): only the last four digits can ever match.
        qs = qs.filter(counterparty_account__endswith=filters.account[-4:])
    if filters.reference:
        condition = _reference(filters.reference)
        qs = qs.filter(condition) if condition is not None else qs.none()
    q = filters.q[:SEARCH_MAX_CHARS]
    terms = WORD_RE.findall(" ".join(search_terms(q, max_terms=SEARCH_MAX_WORDS)))[:SEARCH_MAX_WORDS]
    if terms:
        key = code_key(q)
        # A pasted reference ("CT 7K3F9Q") also finds the entries matched to it.
        qs = qs.filter(_words(terms) | Q(reference=key[:16])) if len(terms) > 1 else qs.filter(_words(terms))
    return qs


def _public_relations(qs: QuerySet[LedgerEntry]) -> QuerySet[LedgerEntry]:
    # Two small tables joined; the rest fetched by key for the few entries that have them (a
    # page's query with seven joins spent 10-15 ms planning on PostgreSQL, more than running).
    return qs.select_related("fund", "item").prefetch_related("pledge", "need", "organisation", "reverses", "reversed_by", "matches")


def _of(fund: Fund | None) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.all() if fund is None else LedgerEntry.objects.filter(fund=fund)


# A fund's newest entries read in date order when a text search looks for the first matches:
# a common word ("van": half the transfers) finds COUNT_CAP + 1 of them in a few thousand rows,
# while the GIN index would list every match first (70,000 for a name in a million entries).
WALK_ROWS = 20_000
PROBE_ROWS = 2_000  # read first: a word in fewer than 1 in 20 of them goes to the index


class LedgerList:
    """Matching entries, newest first, as a lazy sliceable sequence for Paginator and the API.

    One query fetches the keys of up to ``COUNT_CAP`` + 1 matches. At most ``COUNT_CAP``: that is
    the exact count, and a page is cut from the keys. More: the count says "at least
    ``COUNT_CAP``"; a page is cut from the keys when they are the newest matches, otherwise it
    walks the fund's date index. Which query finds the keys:

    * a text search in one fund first walks the fund's ``WALK_ROWS`` newest entries in date
      order (``ledger_fund_day``) and stops at the ``COUNT_CAP`` + 1st match: the newest matches,
      in order, in ~7 ms for a name in 7 % of a million entries (the GIN index took 18 ms to list
      its 70,000 matches before the first could be returned). It reads ``PROBE_ROWS`` first and
      goes on only if 1 in 20 of them match; fewer matches: the next way;
    * an amount in one fund (no text): ``ledger_amount_day`` gives the newest matches in order;
    * otherwise no ORDER BY, so the index of the filter serves it (GIN, amount, reference) and the
      keys are sorted here. The planner may choose the date walk for ORDER BY … LIMIT even when
      one entry in a million matches (600 ms measured for a reference; 1 ms this way).

    Counts are cached per public data version."""

    def __init__(self, *, filters: LedgerFilters, fund: Fund | None = None) -> None:
        self.filters = filters
        self.fund = fund
        self._count: int | None = None
        self._keys: list[tuple[date, int, int]] | None = None  # (booked_on, seq, pk), newest first
        self._newest = False  # the keys are the newest matches (a page inside them is exact)

    def _matching(self) -> QuerySet[LedgerEntry]:
        return _apply_ledger_filters(_of(self.fund), self.filters)

    def _walker(self) -> Callable[[tuple[date, int] | None, int, int], list[tuple[date, int, int]]] | None:
        """A function (after, rows, limit) → the first ``limit`` matches among the fund's next
        ``rows`` entries, newest first, older than ``after`` (booked_on, seq): the filters over a
        derived table of the same name, which PostgreSQL streams down ``ledger_fund_day`` and
        stops early. None when this way does not apply."""
        if self.fund is None:
            return None
        keys = _apply_ledger_filters(LedgerEntry.objects.all(), self.filters).order_by("-booked_on", "-seq")
        try:
            sql, params = keys.values_list("booked_on", "seq", "pk")[:1].query.sql_with_params()
        except EmptyResultSet:  # a filter that matches nothing
            return None
        table = connection.ops.quote_name(LedgerEntry._meta.db_table)
        if sql.count(f" FROM {table} ") != 1 or not sql.endswith(" LIMIT 1"):  # e.g. a filter that joins: not this way
            return None
        head, tail = sql.removesuffix(" LIMIT 1").split(f" FROM {table} ")
        split, fund = head.count("%s"), self.fund.pk

        def walk(after: tuple[date, int] | None, rows: int, limit: int) -> list[tuple[date, int, int]]:
            older = f" AND ({table}.booked_on, {table}.seq) < (%s, %s)" if after else ""
            # Values are bound parameters; the SQL is Django's own, compiled from the filters.
            newest = f"SELECT * FROM {table} WHERE {table}.fund_id = %s{older} ORDER BY {table}.booked_on DESC, {table}.seq DESC LIMIT %s"  # noqa: S608
            with connection.cursor() as cursor:
                cursor.execute(
                    f"{head} FROM ({newest}) {table} {tail} LIMIT %s",
                    [*params[:split], fund, *(after or ()), rows, *params[split:], limit],
                )
                return [(day, seq, pk) for day, seq, pk in cursor.fetchall()]

        return walk

    def _walk_newest(self) -> list[tuple[date, int, int]] | None:
        """``COUNT_CAP`` + 1 matches among the fund's ``WALK_ROWS`` newest entries, newest first,
        for a text search in one fund; None when there are fewer (they may lie further back). The
        ``PROBE_ROWS`` newest first: a word too rare to be found often there goes to the index."""
        if not (self.filters.q.strip() or self.filters.reference.strip()):
            return None
        walk = self._walker()
        if walk is None:
            return None
        found = walk(None, PROBE_ROWS, COUNT_CAP + 1)
        if len(found) * WALK_ROWS < PROBE_ROWS * (COUNT_CAP + 1):
            return None
        if len(found) <= COUNT_CAP:
            found += walk(found[-1][:2], WALK_ROWS - PROBE_ROWS, COUNT_CAP + 1 - len(found))
        return found if len(found) > COUNT_CAP else None

    def _newest_of_amount(self) -> list[tuple[date, int, int]] | None:
        """An amount in one fund: ``ledger_amount_day`` (amount, fund, booked_on, seq, with the
        key) gives the newest ``COUNT_CAP`` + 1 matches in order from the index alone (0.6 ms for
        an amount in 137,000 of a million entries; 2.6 ms unordered through an amount index)."""
        if self.fund is None or self.filters.amount is None or self.filters.q.strip() or self.filters.reference.strip():
            return None
        return _rows(self._matching().order_by("-booked_on", "-seq").values_list("booked_on", "seq", "pk")[: COUNT_CAP + 1])

    def _keys_up_to_cap(self) -> list[tuple[date, int, int]]:
        if self._keys is None:
            walked = self._walk_newest()
            if walked is None:
                walked = self._newest_of_amount()
            if walked is not None:
                self._keys, self._newest = walked, True
            else:
                self._keys = sorted(_rows(self._matching().order_by().values_list("booked_on", "seq", "pk")[: COUNT_CAP + 1]), reverse=True)
                self._newest = len(self._keys) <= COUNT_CAP  # all of them
        return self._keys

    def count(self) -> int:
        """Exact up to ``COUNT_CAP``; ``COUNT_CAP`` means "that many or more"."""
        if self._count is None:
            name = f"ledger-count:{self.fund.pk if self.fund else ''}:{self.filters!r}"
            self._count = min(cached_value(name, lambda: len(self._keys_up_to_cap())), COUNT_CAP)
        return self._count

    @property
    def capped(self) -> bool:
        """True when the count stopped at the cap (more may match)."""
        return self.count() >= COUNT_CAP

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[LedgerEntry]:
        if not isinstance(window, slice):
            raise TypeError("LedgerList supports slices only")
        inside = window.stop is not None and 0 <= window.stop <= COUNT_CAP and (window.start or 0) >= 0
        # One query for the page's entries with their fund, item and reversal (a reverse one-to-one
        # joins on a unique index); the other links only for the few entries that have them (a
        # prefetch costs ~0.2 ms of Python even when every key is empty).
        # In one fund (the pages and the API), the fund is known: no join, and items (goods
        # entries only) are fetched like the other links, when some entry has one.
        known_fund = self.fund
        page = LedgerEntry.objects.select_related(*(("reversed_by",) if known_fund else ("fund", "item", "reversed_by")))
        # (When the count came from the cache, a capped list's page is one cheap ORDER BY … LIMIT.)
        if not self.capped or (inside and self._keys is not None and self._newest):
            ids = [pk for _day, _seq, pk in self._keys_up_to_cap()[window]]
            loaded = {entry.pk: entry for entry in page.filter(pk__in=ids).order_by()}  # put in order here
            entries = [loaded[pk] for pk in ids if pk in loaded]
        else:
            entries = list(_apply_ledger_filters(page.filter(fund=self.fund) if self.fund else page, self.filters)
                           .order_by("-booked_on", "-seq")[window])  # fmt: skip
        links: tuple[str, ...] = ("pledge", "need", "organisation", "reverses", "matches")
        if known_fund is not None:
            links = ("item", *links)
            for entry in entries:
                entry.fund = known_fund
        linked = [name for name in links if any(getattr(entry, f"{name}_id") for entry in entries)]
        if linked:
            prefetch_related_objects(entries, *linked)
        return entries


def _rows(qs: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """A values_list query's rows as plain tuples, straight from the cursor (a thousand keys:
    ~0.3 ms instead of ~1.5 ms through the queryset's iterator)."""
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


def ledger_list(*, filters: LedgerFilters, fund: Fund | None = None) -> LedgerList:
    return LedgerList(filters=filters, fund=fund)


def ledger_export_rows_filtered(*, filters: LedgerFilters, fund: Fund | None = None, chunk: int = 2000) -> Iterator[dict[str, str]]:
    """Matching entries in chain order, as exported and hashed (streamed: any size).

    Each row carries its ``prev_hash`` and ``hash``, so every row of a filtered file can be
    checked on its own; the whole ledger's file also checks the links between entries."""
    entries = _apply_ledger_filters(ledger_entries() if fund is None else ledger_entries().filter(fund=fund), filters)
    for entry in entries.iterator(chunk_size=chunk):
        yield export_row(entry)


def ledger_export_exceeds(*, filters: LedgerFilters, fund: Fund | None = None, limit: int) -> bool:
    """Whether more than ``limit`` entries match (a spreadsheet holds about a million rows)."""
    return _apply_ledger_filters(_of(fund), filters).order_by().values("pk")[limit : limit + 1].exists()


def ledger_entry_get(*, seq: int) -> LedgerEntry | None:
    return _public_relations(LedgerEntry.objects.filter(seq=seq)).first()


@dataclass(frozen=True)
class ChainHead:
    seq: int
    hash: str
    day: date | None = None  # for a daily head: the UTC day whose last entry this is


def ledger_head() -> ChainHead:
    """The newest entry of the chain (seq 0 and the genesis hash while the ledger is empty)."""
    last = LedgerEntry.objects.order_by("-seq").values("seq", "hash").first()
    return ChainHead(seq=last["seq"], hash=last["hash"]) if last else ChainHead(seq=0, hash=chain.GENESIS)


def ledger_daily_heads(*, max_days: int = 3660) -> list[ChainHead]:
    """For each UTC day with entries, the last entry recorded that day, newest day first.

    Anyone who noted a day's head can later check that the history up to it is unchanged: the
    export's entry with that ``seq`` must still carry that hash. One index probe per day
    (migration 0004's index on recorded_at and seq) rather than a GROUP BY over every entry,
    which took 1.5 s on a million entries; a bulk import gives thousands of entries one time."""
    entries = LedgerEntry.objects.order_by("-recorded_at", "-seq").values("seq", "hash", "recorded_at")
    heads: list[ChainHead] = []
    before: datetime | None = None
    while len(heads) < max_days:
        last = (entries.filter(recorded_at__lt=before) if before is not None else entries).first()
        if last is None:
            break
        day = last["recorded_at"].astimezone(UTC).date()
        heads.append(ChainHead(seq=last["seq"], hash=last["hash"], day=day))
        before = datetime.combine(day, time.min, tzinfo=UTC)
    return heads


# ---- "Where did my money go" -------------------------------------------------------------------


@dataclass(frozen=True)
class TraceStep:
    step: str  # received | allocated | delivered | confirmed
    done: bool
    at: date | datetime | None


@dataclass(frozen=True)
class TracedNeed:
    code: str  # pseudonymous: "HGĐ-7K3F9"; never who lives there
    public: bool  # published, so its page can be opened
    commune: str


@dataclass(frozen=True)
class Trail:
    """The way of one pledge's money (or of one transfer no pledge claimed), public parts only."""

    reference: str  # "CT 7K3F9Q"; "" for a transfer that carried no known reference
    pledge: PublicPledge | None
    is_cash: bool
    pledged_amount: Decimal | None  # đồng, for a cash pledge
    amount_received: Decimal  # đồng on the fund's account under the reference, reversals deducted
    paid: bool
    need: TracedNeed | None
    received: list[LedgerEntry]
    disbursements: list[LedgerEntry]  # what the fund gave that need (money or goods)
    steps: list[TraceStep]


def _net(entries: list[LedgerEntry]) -> Decimal:
    total = Decimal(0)
    for entry in entries:
        if entry.amount is not None:
            total += entry.amount
            reversal = getattr(entry, "reversed_by", None)
            if reversal is not None and reversal.amount is not None:
                total -= reversal.amount
    return total


def _trail(*, pledge: Pledge | None, received: list[LedgerEntry], reference: str) -> Trail:
    need = None
    disbursements: list[LedgerEntry] = []
    if pledge is not None:
        published = need_get_public(code=pledge.need.code) is not None
        need = TracedNeed(code=pledge.need.code, public=published, commune=pledge.need.area.name if published else "")
        disbursements = list(
            _public_relations(
                LedgerEntry.objects.filter(need_id=pledge.need_id, kind__in=[EntryKind.DISBURSEMENT, EntryKind.GOODS_OUT])
            ).order_by("seq")
        )
    is_cash = pledge is not None and pledge.need_item.item.is_cash
    # A pledge's own figure is the reconciled one (it counts credits linked by hand, whichever
    # of them the trail may show); a lone transfer's is what the ledger holds.
    amount_received = pledge.amount_received if pledge is not None and is_cash else _net(received)
    first_in = min((e.booked_on for e in received), default=None)
    steps = [
        TraceStep("received", bool(received), first_in),
        TraceStep("allocated", pledge is not None, pledge.created_at if pledge else None),
        TraceStep("delivered", bool(pledge and pledge.delivered_at), pledge.delivered_at if pledge else None),
        TraceStep("confirmed", bool(pledge and pledge.confirmed_at), pledge.confirmed_at if pledge else None),
    ]
    if pledge is not None and not is_cash:
        steps = steps[1:]  # goods travel with the donor, not through the fund's account
    return Trail(
        reference=pledge.transfer_reference if pledge else reference,
        pledge=pledge_public_view(pledge) if pledge else None,
        is_cash=is_cash,
        pledged_amount=pledge.quantity if is_cash and pledge else None,
        amount_received=amount_received,
        paid=bool(pledge and pledge.paid_at),
        need=need,
        received=received,
        disbursements=disbursements,
        steps=steps,
    )


def _credits() -> QuerySet[LedgerEntry]:
    return _public_relations(LedgerEntry.objects.filter(kind=EntryKind.CREDIT, direction=Direction.IN)).order_by("seq")


LinkedEntries = Callable[[Pledge], Iterable[LedgerEntry]]


def ledger_trace(*, reference: str, linked: LinkedEntries | None = None) -> Trail | None:
    """The trail of a pledge's money by its reference ("CT 7K3F9Q", any spacing or case):
    received (the transfers) → allocated (the pledge and its need) → delivered → confirmed, and
    what the fund gave that need. None if neither a pledge nor a transfer carries it.

    ``linked`` gives the credits an official tied to the pledge by hand (statements'
    ``pledge_linked_entries``: the memo lacked the reference, so the entry names no pledge). They
    join the trail only if the donor did not pledge anonymously: such an entry still shows the
    bank's name for the sender, and the trail would tie that name to the pledge."""
    key = code_key(reference)[:16]
    if not key:
        return None
    pledge = Pledge.objects.select_related("need__area", "need_item__item").filter(code_key=key).first()
    condition = _reference(key)
    assert condition is not None
    if pledge is not None:
        condition |= Q(pledge=pledge)
    received = list(_credits().filter(condition))
    if pledge is not None and linked is not None and pledge.show_as != ShowAs.ANONYMOUS:
        known = {entry.pk for entry in received}
        extra = [entry.pk for entry in linked(pledge) if entry.pk not in known]
        if extra:
            received = sorted([*received, *_credits().filter(pk__in=extra)], key=lambda entry: entry.seq)
    if pledge is None and not received:
        return None
    return _trail(pledge=pledge, received=received, reference=reference.strip().upper())


def ledger_trace_transfer(*, booked_on: date, amount: Decimal, account: str, linked: LinkedEntries | None = None) -> list[Trail]:
    """Trails of transfers found by what a donor has on their banking app's receipt: the day,
    the amount and the last digits of the account they paid from (the bank may book the
    transfer up to a few days later)."""
    digits = "".join(ch for ch in account if ch.isdigit())[-4:]
    if len(digits) < 3:
        return []
    found = list(
        _credits().filter(
            booked_on__gte=booked_on,
            booked_on__lte=booked_on + timedelta(days=TRACE_BOOKING_LAG_DAYS),
            amount=amount,
            counterparty_account__endswith=digits,
        )[:TRACE_MAX_TRANSFERS]
    )
    trails: list[Trail] = []
    seen: set[str] = set()
    for entry in found:
        key = entry.pledge.code_key if entry.pledge else entry.reference
        if key:
            if key in seen:
                continue
            seen.add(key)
            trail = ledger_trace(reference=key, linked=linked)
            if trail is not None:
                trails.append(trail)
                continue
        trails.append(_trail(pledge=None, received=[entry], reference=""))
    return trails


def ledger_document(*, seq: int) -> LedgerDocument | None:
    """The paper behind entry ``seq``, with what the permission check needs."""
    return LedgerDocument.objects.select_related("entry__fund__campaign__area").filter(entry__seq=seq).first()


def receipt_entry(*, seq: int) -> LedgerEntry | None:
    """Entry ``seq`` if it is money received and matched to a pledge: what a receipt is for."""
    return (
        LedgerEntry.objects.select_related("fund__campaign__area", "pledge__need", "pledge__need_item__item")
        .filter(seq=seq, kind=EntryKind.CREDIT, pledge__isnull=False)
        .first()
    )
