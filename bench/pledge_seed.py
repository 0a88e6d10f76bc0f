"""Seed the pledge benchmark: 100 hot need items and 32 donors with API tokens, in cuutro_bench.

    .venv/bin/python bench/pledge_seed.py                  # create (or reset) 100 items × 20 kg
    .venv/bin/python bench/pledge_seed.py --quantity 100000 # items no run can exhaust
    .venv/bin/python bench/pledge_seed.py --reset-only      # only clear the pledges of the last run

Steps: create the database if needed, ``migrate``, ``load_areas`` if the areas are missing, two
commune officers of one commune in Đà Nẵng (48, outside every area that bench/run.py searches),
then 100 verified community needs of one item each (rice, ``--quantity`` kg), recorded, submitted
and verified through the services like real ones, and 32 donors (``bench-donor-01``…) with one
fresh API token each.

A second run resets the same 100 needs instead of adding more: it deletes the pledges made on them
(with their audit events), sets each item back to ``--quantity`` with nothing pledged and the needs
back to "verified". That is a benchmark shortcut, never something the portal does: pledges are
only ever cancelled or expired there.

The tokens and item ids go to bench/var/pledge_targets.txt (git-ignored) for bench/pledge.lua.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import VAR_DIR, apply_env, compile_catalogues, database_url, ensure_database

TARGETS_FILE = VAR_DIR / "pledge_targets.txt"
PROVINCE = "48"  # Đà Nẵng: not one of the areas bench/run.py searches, so its counts stay put
OFFICER = "bench-pledge-officer"
VERIFIER = "bench-pledge-verifier"
DONOR_PREFIX = "bench-donor-"
ITEM = "rice"


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--needs", type=int, default=100, help="hot need items (100)")
    parser.add_argument("--quantity", type=int, default=20, help="kg of rice each item needs (20)")
    parser.add_argument("--donors", type=int, default=32, help="donor accounts, one API token each (32)")
    parser.add_argument("--reset-only", action="store_true", help="only clear the pledges of the last run (same quantity)")
    return parser.parse_args()


def main() -> int:
    args = _parse()
    apply_env()
    started = time.monotonic()
    ensure_database()
    compile_catalogues()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from cuutro.accounts.models import ApiToken, Role, User
    from cuutro.accounts.services import role_assign, token_create
    from cuutro.audit.models import AuditEvent
    from cuutro.geo.models import Area, AreaLevel
    from cuutro.needs.models import Need, NeedItem, NeedStatus
    from cuutro.needs.services import NeedData, NeedItemData, need_create, need_verify
    from cuutro.pledges.models import Pledge

    if not args.reset_only:
        call_command("migrate", interactive=False, verbosity=0)
        if not Area.objects.filter(parent__code=PROVINCE, level=AreaLevel.COMMUNE).exists():
            call_command("load_areas", verbosity=0)

    commune = Area.objects.filter(parent__code=PROVINCE, level=AreaLevel.COMMUNE, valid_to__isnull=True).order_by("code").first()
    assert commune is not None
    officers = []
    for username, full_name in ((OFFICER, "Cán bộ xã (thử tải cam kết)"), (VERIFIER, "Người xác minh (thử tải cam kết)")):
        user, _ = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
        role_assign(actor=None, user=user, role=Role.COMMUNE_OFFICER, area=commune)
        officers.append(User.objects.get(pk=user.pk))  # fresh: scope checks cache roles on the object
    officer, verifier = officers

    needs = Need.objects.filter(created_by=officer).order_by("pk")
    with transaction.atomic():
        # The benchmark's own pledges only: those on its hot needs.
        pledges = Pledge.objects.filter(need__in=needs)
        pledge_ids = [str(pk) for pk in pledges.values_list("pk", flat=True)]
        AuditEvent.objects.filter(target_type="pledges.pledge", target_id__in=pledge_ids).delete()
        AuditEvent.objects.filter(
            target_type="needs.need", target_id__in=[str(pk) for pk in needs.values_list("pk", flat=True)],
            action="needs.need.coverage_changed",
        ).delete()
        deleted = pledges.delete()[0]
        items = NeedItem.objects.filter(need__in=needs)
        if args.reset_only:
            items.update(quantity_pledged=0, quantity_delivered=0, quantity_confirmed=0)
        else:
            items.update(quantity=args.quantity, quantity_pledged=0, quantity_delivered=0, quantity_confirmed=0)
        needs.update(status=NeedStatus.VERIFIED)
    print(f"cleared {len(pledge_ids):,} pledges of earlier runs ({deleted:,} rows)")

    if args.reset_only:
        print(f"reset in {time.monotonic() - started:.1f} s")
        return 0

    for number in range(needs.count() + 1, args.needs + 1):
        need = need_create(
            actor=officer,
            data=NeedData(
                area_code=commune.code,
                kind="community",
                urgency="critical",
                description=f"Điểm tập kết hàng cứu trợ số {number} (thử tải cam kết): cần gạo cho các hộ bị cô lập.",
                items=[NeedItemData(ITEM, args.quantity)],
            ),
            submit=True,
        )
        need_verify(actor=verifier, need=need)
    item_ids = list(NeedItem.objects.filter(need__in=needs).order_by("pk").values_list("pk", flat=True))[: args.needs]

    donors = []
    for number in range(1, args.donors + 1):
        user, _ = User.objects.get_or_create(username=f"{DONOR_PREFIX}{number:02d}", defaults={"full_name": f"Nhà hảo tâm {number:02d}"})
        role_assign(actor=None, user=user, role=Role.DONOR)
        donors.append(user)
    ApiToken.objects.filter(user__in=donors).delete()  # the secrets of earlier runs are lost anyway
    secrets = [token_create(user=user, name="pledge benchmark")[1] for user in donors]

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    TARGETS_FILE.write_text("".join(f"token {s}\n" for s in secrets) + "".join(f"item {i}\n" for i in item_ids))
    print(
        f"{database_url()}: {len(item_ids)} hot items of {args.quantity:,} kg in {commune.name}, {len(secrets)} donor tokens "
        f"-> {TARGETS_FILE.relative_to(VAR_DIR.parent.parent)} ({time.monotonic() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
