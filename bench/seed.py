"""Seed the benchmark database with 100,000 published (verified) needs, fast.

    .venv/bin/python bench/seed.py            # creates cuutro_bench if needed, then seeds
    .venv/bin/python bench/seed.py --needs 20000
    .venv/bin/python bench/seed.py --reset          # drop cuutro_bench and start again
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/other .venv/bin/python bench/seed.py

Steps: create the database, ``migrate``, ``load_areas`` (34 provinces, 3,321 communes), a commune
officer and a verifier, then bulk-insert verified needs with their items and beneficiaries
straight through the models (the services would take an hour: one transaction, audit row and
code lookup per need). The search key is built exactly like ``_search_key`` in
``cuutro/needs/services.py``. Finally ``ANALYZE``. Idempotent-ish: it only tops up to the
requested number of verified needs, so a second run does nothing.

The content is deterministic (seeded RNG) except the public codes, which come from
``cuutro.lib.codes.random_code`` like the real ones.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import apply_env, compile_catalogues, database_url, ensure_database
from cuutro.demo.wording import COLLAPSE_PARTS, DEPTHS, FAMILY_CONTEXT, ROOF_PARTS

BATCH = 5_000
SEED = 2025
# Provinces hit hardest get most needs (Quảng Trị 44, Huế 46, then the rest of the centre).
PROVINCE_WEIGHTS = {"44": 30.0, "46": 15.0, "42": 5.0, "48": 5.0, "51": 5.0, "40": 5.0}
OTHER_PROVINCES_SHARE = 35.0
OFFICER_COMMUNE = "19333"  # Phường Đông Hà, Quảng Trị

M = 1_000_000
CAUSES = ("cơn bão số 5", "đợt lũ tháng 10", "trận lũ lịch sử", "đợt mưa lớn kéo dài", "cơn bão số 3", "đợt lũ quét")
RIVERS = ("sông Thạch Hãn", "sông Hương", "sông Bồ", "sông Gianh", "sông Kiến Giang", "sông Bến Hải", "sông Ô Lâu",
          "sông Cả", "sông Trà Khúc", "sông Thu Bồn")
# Damage wording shared with the demo scenario, so both speak the same way about the same floods.
FAMILY = ("", *FAMILY_CONTEXT)
CHECKED = ("", "Trưởng thôn đã xác nhận thiệt hại.", "Cán bộ xã đã kiểm tra thực tế.")

# kind, description templates, items (code, min, max, step), urgencies
TEMPLATES = (
    ("household", (
        "Nhà bị tốc {roof} trong {cause}, nước mưa dột làm hư hỏng đồ đạc và lương thực.",
        "Gió mạnh trong {cause} làm tốc {roof}, gia đình đang che tạm bằng bạt.",
        "Mái tôn bị gió cuốn bay, tường nhà bị nứt, cần lợp lại trước khi có đợt mưa mới.",
    ), (("roofing-sheet", 10, 60, 1), ("cash-house-repair", 5 * M, 20 * M, M // 2), ("tarpaulin", 1, 3, 1)),
        ("high", "high", "critical", "medium")),
    ("household", (
        "Nhà cấp bốn bị sập {collapse} sau {cause}, gia đình phải ở nhờ nhà người thân.",
        "Nước lũ xói chân móng làm sập {collapse}, phần còn lại có nguy cơ đổ, không thể ở được.",
        "Cây đổ trong {cause} đè sập {collapse}, rất may không có người bị thương.",
    ), (("cash-house-repair", 20 * M, 50 * M, M), ("cement", 10, 40, 1), ("brick", 500, 3000, 100), ("blanket", 2, 5, 1)),
        ("critical", "critical", "high")),
    ("household", (
        "Nhà bị ngập sâu {depth} m trong {days} ngày, toàn bộ lương thực và đồ dùng sinh hoạt bị hư hỏng.",
        "Nước lên nhanh trong đêm, gia đình chỉ kịp chạy lên gác, mất hết gạo, chăn màn và bếp nấu.",
        "Nhà ở vùng trũng ven {river}, ngập sâu {depth} m, giường tủ và đồ dùng bị nước cuốn trôi.",
    ), (("rice", 20, 200, 5), ("blanket", 2, 5, 1), ("mosquito-net", 2, 4, 1), ("cooking-set", 1, 1, 1),
        ("water-filter", 1, 1, 1), ("drinking-water", 20, 100, 10), ("bed-mat", 1, 2, 1), ("clothes-set", 2, 6, 1)),
        ("high", "medium", "high", "critical")),
    ("household", (
        "Lũ cuốn trôi lúa giống dự trữ và {sao} sào lúa mới gieo, gia đình cần giống để gieo cấy lại vụ Đông Xuân.",
        "Ruộng lúa và vườn rau bị bùn đất vùi lấp sau {cause}, gia đình mất nguồn lương thực cho cả năm.",
    ), (("rice-seed", 20, 150, 5), ("vegetable-seed", 2, 10, 1), ("cash-livelihood", 5 * M, 15 * M, M // 2)),
        ("medium", "medium", "high", "low")),
    ("household", (
        "Lũ cuốn trôi {pigs} con lợn và đàn gà, chuồng trại bị hư hỏng, gia đình mất nguồn thu nhập chính.",
        "Chuồng trại bị sập trong {cause}, {pigs} con lợn nái và lợn thịt bị chết.",
        "Lũ về nhanh, gia đình không kịp đưa bò lên chỗ cao, bò bị nước cuốn trôi.",
    ), (("piglet", 2, 10, 1), ("chicken", 20, 100, 10), ("cow", 1, 2, 1), ("cash-livelihood", 5 * M, 20 * M, M)),
        ("medium", "medium", "low", "high")),
    ("household", (
        "Gia đình có {children} con đang đi học, sách vở và đồ dùng học tập bị nước cuốn trôi.",
        "Nhà bị ngập, {children} cháu đang học tiểu học và trung học cơ sở mất hết sách giáo khoa và cặp sách.",
    ), (("school-kit", 1, 3, 1), ("textbook-set", 1, 3, 1), ("school-bag", 1, 3, 1), ("clothes-set", 1, 4, 1)),
        ("medium", "high", "medium")),
    ("household", (
        "Chủ hộ là người cao tuổi sống một mình, nhà bị ngập và hư hỏng nặng, không có khả năng tự khắc phục.",
        "Chủ hộ là người cao tuổi neo đơn, nhà xuống cấp lại hư hỏng thêm sau {cause}, thiếu lương thực và thuốc men.",
    ), (("rice", 20, 60, 5), ("cash-house-repair", 5 * M, 20 * M, M // 2), ("household-medicine", 1, 1, 1), ("blanket", 1, 2, 1)),
        ("high", "critical", "high")),
    ("household", (
        "Sạt lở đất vùi lấp một phần nhà và vườn cây, gia đình phải di dời khẩn cấp.",
        "Taluy sau nhà bị sạt lở, đất đá tràn vào gian bếp, nhà có nguy cơ bị vùi lấp nếu mưa tiếp.",
    ), (("cash-house-repair", 20 * M, 50 * M, M), ("tarpaulin", 1, 3, 1), ("fruit-seedling", 20, 100, 10), ("rice", 20, 80, 5)),
        ("critical", "high", "critical")),
    ("household", (
        "Thuyền đánh cá bị sóng lớn đánh chìm trong {cause}, ngư cụ hư hỏng, gia đình mất sinh kế.",
        "Lưới và thúng chai bị cuốn trôi, gia đình chưa thể ra khơi trở lại.",
    ), (("cash-livelihood", 10 * M, 50 * M, M), ("rice", 20, 60, 5)), ("high", "medium")),
    ("household", (
        "Giếng nước bị nhiễm bẩn sau {cause}, gia đình thiếu nước sạch để ăn uống.",
    ), (("water-filter", 1, 1, 1), ("water-purification", 1, 3, 1), ("drinking-water", 20, 60, 10)), ("medium", "high")),
    ("community", (
        "Nhà văn hóa thôn, nơi bà con tránh trú khi có lũ, bị tốc mái và ngập sâu {depth} m.",
        "Nhiều hộ trong thôn bị tốc mái, cần bạt và tôn để che chắn tạm trong khi chờ sửa chữa.",
    ), (("roofing-sheet", 40, 400, 10), ("tarpaulin", 20, 100, 5), ("cement", 20, 80, 1)), ("high", "medium")),
    ("community", (
        "Đường liên thôn bị sạt lở nhiều đoạn, xe chở hàng cứu trợ chưa vào được.",
        "Khoảng {households} hộ dân ở vùng trũng ven {river} bị cô lập, cần lương thực và nước uống trong những ngày nước chưa rút.",
        "Nguồn nước sinh hoạt chung của thôn bị nhiễm bẩn sau lũ, có nguy cơ phát sinh dịch bệnh.",
    ), (("rice", 300, 2000, 50), ("drinking-water", 200, 1000, 50), ("instant-noodles", 20, 100, 5),
        ("water-purification", 20, 100, 5), ("cement", 100, 400, 10)), ("critical", "critical", "high")),
    ("institution", (
        "Trường tiểu học bị ngập sâu {depth} m, bàn ghế, sách vở và thiết bị dạy học hư hỏng nặng.",
        "Trường mầm non bị tốc mái, tường rào bị đổ, chưa thể đón trẻ trở lại lớp.",
        "Trường trung học cơ sở bị hư hỏng mái và hệ thống điện, nhiều học sinh mất sách vở.",
    ), (("school-kit", 50, 300, 10), ("textbook-set", 50, 300, 10), ("roofing-sheet", 60, 200, 5),
        ("cash-house-repair", 30 * M, 150 * M, 5 * M)), ("high", "high", "medium", "critical")),
    ("institution", (
        "Trạm y tế bị ngập, thuốc và trang thiết bị khám chữa bệnh hư hỏng, cần bổ sung gấp để phòng dịch sau lũ.",
    ), (("household-medicine", 20, 100, 5), ("first-aid-kit", 20, 60, 5), ("water-purification", 20, 100, 5)),
        ("critical", "high")),
)
TEMPLATE_WEIGHTS = (9, 4, 10, 5, 4, 3, 3, 3, 2, 2, 5, 5, 4, 2)  # ~82 % households

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Phan", "Đặng", "Bùi", "Hồ", "Ngô", "Dương", "Đỗ")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Quang", "Hữu", "Ngọc", "Xuân")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Liên", "Long", "Mai", "Nam", "Phúc", "Sơn",
         "Tâm", "Thảo", "Thắng", "Trang", "Tuấn", "Vinh", "Yến")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--needs", type=int, default=100_000, help="verified needs wanted in total (default 100000)")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the bench database first")
    return parser.parse_args()


class Timer:
    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.last = self.start

    def lap(self, label: str) -> None:
        now = time.perf_counter()
        print(f"  {label:<44} {now - self.last:7.1f} s", flush=True)
        self.last = now

    def total(self) -> float:
        return time.perf_counter() - self.start


def _key_rows(needs: list) -> list[tuple[int, str]]:
    from django.utils import translation

    from cuutro.needs.services import _search_key

    with translation.override("vi"):
        return [(n.pk, _search_key(n, [(ni.item, ni.quantity) for ni in n.items.all()])) for n in needs]


def rekey_if_stale(sample: int = 500) -> bool:
    """Rewrite every search key if a sample differs from what ``services._search_key`` builds now.

    The search format is still evolving; a benchmark database seeded with an older format would
    find nothing (or too much) and measure the wrong thing.
    """
    from django.db import connection, transaction
    from django.db.models import Prefetch

    from cuutro.needs.models import Need, NeedItem

    def base():  # type: ignore[no-untyped-def]
        return Need.objects.select_related("area__parent", "village", "campaign").prefetch_related(
            Prefetch("items", queryset=NeedItem.objects.select_related("item__category").order_by("pk"))
        )

    probe = list(base().order_by("?")[:sample])
    stale = sum(1 for (pk, key), need in zip(_key_rows(probe), probe, strict=True) if key != need.search_key)
    if not stale:
        print(f"  search keys match services._search_key ({len(probe)} sampled)")
        return False
    print(f"  {stale}/{len(probe)} sampled search keys are stale: rewriting all", flush=True)
    rows: list[tuple[int, str]] = []
    batch: list = []
    for need in base().order_by("pk").iterator(chunk_size=5_000):
        batch.append(need)
        if len(batch) == 5_000:
            rows += _key_rows(batch)
            batch = []
    rows += _key_rows(batch)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_keys (id bigint PRIMARY KEY, search_key text) ON COMMIT DROP")
        with cursor.copy("COPY bench_keys (id, search_key) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            "UPDATE needs_need n SET search_key = k.search_key FROM bench_keys k "
            "WHERE n.id = k.id AND n.search_key IS DISTINCT FROM k.search_key"
        )
        print(f"  {cursor.rowcount:,} search keys rewritten")
    return True


def main() -> int:
    args = _parse()
    apply_env()
    timer = Timer()
    print(f"Seeding {database_url()} with {args.needs:,} verified needs", flush=True)
    created = ensure_database(reset=args.reset)
    compile_catalogues()
    timer.lap("create database" if created else "database exists")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone, translation

    from cuutro.accounts.models import Role, RoleAssignment, User
    from cuutro.geo.models import Area, AreaLevel
    from cuutro.lib.codes import code_key, random_code
    from cuutro.needs.models import (
        CODE_PREFIX,
        URGENCY_RANK,
        Beneficiary,
        CatalogueItem,
        Need,
        NeedItem,
        NeedKind,
        NeedStatus,
        Urgency,
    )
    from cuutro.needs.services import _search_key

    call_command("migrate", interactive=False, verbosity=0)
    timer.lap("migrate")
    if Area.objects.filter(level=AreaLevel.COMMUNE, valid_to__isnull=True).count() < 3000:
        call_command("load_areas", verbosity=0)
        timer.lap("load_areas")

    officer_area = Area.objects.get(code=OFFICER_COMMUNE)
    users = {}
    for username, full_name in (("bench-officer", "Cán bộ xã (benchmark)"), ("bench-verifier", "Người xác minh (benchmark)")):
        user, _ = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
        RoleAssignment.objects.get_or_create(user=user, role=Role.COMMUNE_OFFICER, area=officer_area)
        users[username] = user
    officer, verifier = users["bench-officer"], users["bench-verifier"]

    existing = Need.objects.filter(status=NeedStatus.VERIFIED).count()
    missing = args.needs - existing
    print(f"  {existing:,} verified needs present, {max(missing, 0):,} to insert", flush=True)
    if missing <= 0:
        if rekey_if_stale():
            timer.lap("rewrite stale search keys")
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE) needs_need")
        print(f"Nothing else to do ({timer.total():.1f} s).")
        return 0

    # --- what a need is made of ------------------------------------------------------------
    rng = random.Random(SEED + existing)
    items = {i.code: i for i in CatalogueItem.objects.select_related("category")}
    communes = list(Area.objects.filter(level=AreaLevel.COMMUNE, valid_to__isnull=True).select_related("parent"))
    by_province: dict[str, list[Area]] = {}
    for commune in communes:
        by_province.setdefault(commune.parent.code, []).append(commune)  # type: ignore[union-attr]
    others = [code for code in by_province if code not in PROVINCE_WEIGHTS]
    province_weight = {**PROVINCE_WEIGHTS, **{code: OTHER_PROVINCES_SHARE / len(others) for code in others}}
    # Within a province some communes are hit much harder: skewed (Pareto) weights; the officer's
    # commune (Đông Hà, the provincial capital of Quảng Trị) is among the hardest hit.
    commune_weights = []
    for code, members in by_province.items():
        raw = [rng.paretovariate(1.5) for _ in members]
        total = sum(raw)
        for commune, w in zip(members, raw, strict=True):
            if commune.code == OFFICER_COMMUNE:
                w = total * 0.05
            commune_weights.append(province_weight[code] * w / total)
    print(f"  {len(communes):,} communes in {len(by_province)} provinces", flush=True)

    used_keys = set(Need.objects.values_list("code_key", flat=True))

    def new_code(kind: str) -> tuple[str, str]:
        while True:
            code = f"{CODE_PREFIX[NeedKind(kind)]}-{random_code(5)}"
            key = code_key(code)
            if key not in used_keys:
                used_keys.add(key)
                return code, key

    def description(texts: tuple[str, ...], kind: str) -> tuple[str, int]:
        size = rng.randint(1, 7)
        text = rng.choice(texts).format(
            roof=rng.choice(ROOF_PARTS), collapse=rng.choice(COLLAPSE_PARTS), cause=rng.choice(CAUSES),
            depth=rng.choice(DEPTHS), days=rng.randint(2, 7), river=rng.choice(RIVERS), sao=rng.randint(2, 8),
            pigs=rng.randint(2, 12), children=rng.randint(1, 4), households=rng.randrange(20, 200, 10),
        )
        if kind == NeedKind.HOUSEHOLD:
            text = " ".join(part for part in (text, rng.choice(FAMILY).format(size=size), rng.choice(CHECKED)) if part)
        return text, size

    now = timezone.now()
    template_indexes = list(range(len(TEMPLATES)))
    timer.lap("prepare")

    # --- insert in batches -------------------------------------------------------------------
    inserted = 0
    build_s = insert_s = 0.0
    while inserted < missing:
        n = min(BATCH, missing - inserted)
        t0 = time.perf_counter()
        needs: list[Need] = []
        children: list[tuple[list[tuple[CatalogueItem, Decimal]], tuple[str, int] | None]] = []
        areas = rng.choices(communes, weights=commune_weights, k=n)
        for area in areas:
            kind, texts, item_specs, urgencies = TEMPLATES[rng.choices(template_indexes, weights=TEMPLATE_WEIGHTS)[0]]
            urgency = rng.choice(urgencies)
            text, size = description(texts, kind)
            chosen = rng.sample(item_specs, k=min(len(item_specs), rng.choice((1, 1, 2, 2, 2, 3))))
            need_items = [
                (items[code], Decimal(rng.randrange(low, high + 1, step) if high > low else low))
                for code, low, high, step in chosen
            ]
            code, key = new_code(kind)
            verified_at = now - dt.timedelta(seconds=rng.randint(3600, 90 * 86400))
            need = Need(
                code=code, code_key=key, area=area, area_path=area.path, kind=kind, urgency=urgency,
                urgency_rank=URGENCY_RANK[Urgency(urgency)], description=text, status=NeedStatus.VERIFIED,
                created_by=officer, submitted_at=verified_at - dt.timedelta(hours=rng.randint(1, 72)),
                verified_at=verified_at, verified_by=verifier,
            )
            # The app's own function, so the keys follow any change to the search format.
            with translation.override("vi"):
                need.search_key = _search_key(need, need_items)
            needs.append(need)
            person = None
            if kind == NeedKind.HOUSEHOLD:
                person = (f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}", size)
            children.append((need_items, person))
        t1 = time.perf_counter()
        with transaction.atomic():
            Need.objects.bulk_create(needs, batch_size=BATCH)
            NeedItem.objects.bulk_create(
                [NeedItem(need=need, item=item, quantity=qty) for need, (its, _) in zip(needs, children, strict=True)
                 for item, qty in its],
                batch_size=BATCH,
            )
            Beneficiary.objects.bulk_create(
                [
                    Beneficiary(
                        need=need, full_name=person[0], household_size=person[1],
                        id_number=f"0{rng.randint(10, 96)}{rng.randint(0, 1)}{rng.randint(10**8, 10**9 - 1)}",
                        phone=f"09{rng.randint(10**7, 10**8 - 1)}", address=f"Thôn {rng.randint(1, 12)}, {need.area.name}",
                    )
                    for need, (_, person) in zip(needs, children, strict=True)
                    if person is not None
                ],
                batch_size=BATCH,
            )
        t2 = time.perf_counter()
        build_s += t1 - t0
        insert_s += t2 - t1
        inserted += n
        print(f"  {existing + inserted:>7,} needs  (batch: build {t1 - t0:4.1f} s, insert {t2 - t1:4.1f} s)", flush=True)
    print(f"  {'build objects (total)':<44} {build_s:7.1f} s")
    print(f"  {'bulk_create (total)':<44} {insert_s:7.1f} s")
    timer.last = time.perf_counter()

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    timer.lap("VACUUM (ANALYZE)")
    print(
        f"Done: {Need.objects.filter(status=NeedStatus.VERIFIED).count():,} verified needs, "
        f"{NeedItem.objects.count():,} items, {Beneficiary.objects.count():,} beneficiaries in {timer.total():.1f} s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
