"""The area dashboard: per commune, the delegations expected today and this week, the board's gaps
and notices, late pledges and the needs waiting longest; the province's headline figures; a map.
Its figures must equal counts made here from the raw rows, it must stay inside the viewer's
scope, show no personal data, and cost the same few queries for many communes as for one."""

from __future__ import annotations

import html
import json
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cuutro.accounts.models import Role
from cuutro.accounts.services import role_assign
from cuutro.coordination import services as coordination
from cuutro.coordination.models import BoardCell, BoardStatus
from cuutro.dashboard import selectors
from cuutro.delegations import services as delegations
from cuutro.delegations.models import ASSIGNED_STOP_STATUSES, Delegation, DelegationStatus, Stop
from cuutro.geo.models import Area, AreaLevel
from cuutro.geo.services import REFORM_DATE, AreaRow, areas_sync
from cuutro.needs.choices import OPEN_STATUSES
from cuutro.needs.models import CatalogueItem, Need, NeedItem
from cuutro.pledges.choices import UNDELIVERED_STATUSES
from cuutro.pledges.models import Pledge
from tests.conftest import DONOR_PHONE, SECRET_ADDRESS, SECRET_ID, SECRET_NAME, SECRET_PHONE, make_user

LEADER_PHONE = "0913579246"
URL = "/officer/dashboard/"


def today() -> date:
    return timezone.localdate()


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def section(page: str, area: Area) -> str:
    """The commune's card on the page."""
    start = page.index(f'data-commune="{area.code}"')
    return page[start : page.index("</article>", start)]


def figure(page: str, name: str) -> str:
    """The text of the element marked ``data-figure=name``, tags removed."""
    match = re.search(rf'data-figure="{name}"[^>]*>(.*?)</(?:dd|div|p)>', page, re.S)
    assert match, name
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def headline(page: str, name: str) -> int:
    return int(figure(page, name).split()[0].replace(".", ""))


def register(cast: Any, *, starts_on: date | None = None, days: int = 7, communes: list[Area] | None = None) -> Delegation:
    starts_on = starts_on or today()
    return delegations.delegation_register(
        actor=cast.org_member,
        data=delegations.DelegationData(
            organisation_id=cast.org_member.roles.get().organisation_id,
            origin="Thành phố Hồ Chí Minh",
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=days - 1),
            leader_name="Anh Trưởng Đoàn",
            leader_phone=LEADER_PHONE,
            people=10,
            vehicles=2,
            preferred_commune_codes=[a.code for a in (communes or [cast.commune_a])],
            cargo=[delegations.CargoData("instant-noodles", 100)],
            note="",
        ),
    )


def route(actor: Any, delegation: Delegation, *stops: tuple[Area, date]) -> Delegation:
    return delegations.delegation_accept(
        actor=actor, delegation=delegation, stops=[delegations.StopData(commune_code=a.code, on_date=d) for a, d in stops]
    )


def make_late(pledge: Pledge, days: int) -> Pledge:
    # Time passes: the donor said it would come ``days`` days ago (the service refuses a past date).
    Pledge.objects.filter(pk=pledge.pk).update(expected_on=today() - timedelta(days=days))
    pledge.refresh_from_db()
    return pledge


# ---- figures recomputed from the raw rows -----------------------------------------------------


def expected_by_commune(day_from: date, day_to: date) -> dict[str, set[str]]:
    """Delegation codes with an assigned or checked-in stop in each commune between the days, of
    delegations that still come (not cancelled, not waiting for a route)."""
    found: dict[str, set[str]] = defaultdict(set)
    for stop in Stop.objects.select_related("commune", "delegation"):
        if (
            day_from <= stop.on_date <= day_to
            and stop.status in ASSIGNED_STOP_STATUSES
            and stop.delegation.status not in (DelegationStatus.CANCELLED, DelegationStatus.SUBMITTED)
        ):
            found[stop.commune.code].add(stop.delegation.code)
    return found


def overdue_by_commune() -> Counter[str]:
    return Counter(
        p.need.area.code
        for p in Pledge.objects.select_related("need__area")
        if p.status in UNDELIVERED_STATUSES and p.expected_on < today()
    )


def open_gaps(area: Area) -> dict[str, Any]:
    """Gap per category of the commune's open needs, from the need items."""
    gaps: dict[str, Any] = defaultdict(int)
    for item in NeedItem.objects.filter(need__area=area, need__status__in=OPEN_STATUSES).select_related("item__category"):
        gaps[item.item.category.name] += item.quantity - item.quantity_pledged
    return {k: v for k, v in gaps.items() if v > 0}


@pytest.fixture
def scene(cast: Any, make_need: Any, make_pledge: Any) -> dict[str, Any]:
    """Commune A: two needs (one critical), a late pledge, two delegations today (a clash) and one
    later this week, a "too much noodles" notice. Commune B: one need, one late pledge on the way,
    a delegation tomorrow. Huế: a need and a late pledge the Quảng Trị dashboard must not count."""
    critical = make_need("verified", urgency="critical")
    high = make_need("verified")
    make_late(make_pledge(critical, quantity=5), 2)
    make_pledge(high, quantity=3)  # on time
    make_late(make_pledge(high, item="rice", quantity=10, status="delivered"), 4)  # delivered: not late
    need_b = make_need("verified", area=cast.commune_b, creator=cast.officer_b, verifier=cast.province_member)
    make_late(make_pledge(need_b, quantity=2, status="in_transit"), 1)
    other = make_user("hue_officer")
    other_2 = make_user("hue_verifier")
    role_assign(actor=None, user=other, role=Role.COMMUNE_OFFICER, area=cast.commune_c)
    role_assign(actor=None, user=other_2, role=Role.COMMUNE_OFFICER, area=cast.commune_c)
    need_c = make_need("verified", area=cast.commune_c, creator=other, verifier=other_2)
    make_late(make_pledge(need_c, quantity=1), 3)

    first = route(cast.province_member, register(cast), (cast.commune_a, today()), (cast.commune_b, today() + timedelta(days=1)))
    second = route(cast.province_member, register(cast), (cast.commune_a, today()))
    later = route(cast.province_member, register(cast), (cast.commune_a, today() + timedelta(days=5)))
    beyond = route(
        cast.province_member, register(cast, starts_on=today() + timedelta(days=7), days=2), (cast.commune_a, today() + timedelta(days=7))
    )
    waiting = register(cast)  # no route yet: not expected
    cancelled = route(cast.province_member, register(cast), (cast.commune_b, today()))
    delegations.delegation_cancel(actor=cast.org_member, delegation=cancelled, reason="Hỏng xe")
    coordination.notice_post(
        actor=cast.officer,
        data=coordination.NoticeData(area_code=cast.commune_a.code, reason="oversupplied", item_code="instant-noodles"),
    )
    return {
        "first": first,
        "second": second,
        "later": later,
        "beyond": beyond,
        "waiting": waiting,
        "cancelled": cancelled,
        "critical": critical,
        "high": high,
        "need_b": need_b,
    }


def test_the_figures_per_commune_equal_counts_from_the_raw_rows(cast: Any, scene: dict[str, Any]) -> None:
    data = selectors.dashboard(roots=[cast.province], today=today())
    rows = {r.code: r for r in data.rows}
    assert set(rows) == {cast.commune_a.code, cast.commune_b.code}  # Huế is not in Quảng Trị
    today_expected = expected_by_commune(today(), today())
    week_expected = expected_by_commune(today(), today() + timedelta(days=6))
    late = overdue_by_commune()
    for code, row in rows.items():
        assert {e.code for e in row.today} == today_expected.get(code, set())
        assert {e.code for e in row.week} == week_expected.get(code, set())
        assert row.overdue == late.get(code, 0)
        assert row.open_needs == Need.objects.filter(area__code=code, status__in=OPEN_STATUSES).count()
    a = rows[cast.commune_a.code]
    assert {e.code for e in a.today} == {scene["first"].code, scene["second"].code}
    assert {e.code for e in a.week} == {scene["first"].code, scene["second"].code, scene["later"].code}
    assert scene["beyond"].code not in {e.code for e in a.week}  # the eighth day is not this week
    assert a.clashes == [today()]
    assert a.overdue == 1  # the delivered one is not late, the on-time one neither
    b = rows[cast.commune_b.code]
    assert [e.code for e in b.today] == []  # the cancelled delegation is not expected
    assert [(e.code, e.days) for e in b.week] == [(scene["first"].code, (today() + timedelta(days=1),))]
    assert b.overdue == 1  # on the way, and late


def test_the_headline_counts_each_delegation_once_for_the_whole_province(cast: Any, scene: dict[str, Any]) -> None:
    data = selectors.dashboard(roots=[cast.province], today=today())
    in_province = {cast.commune_a.code, cast.commune_b.code}
    today_codes = set().union(*(v for k, v in expected_by_commune(today(), today()).items() if k in in_province))
    week_codes = set().union(*(v for k, v in expected_by_commune(today(), today() + timedelta(days=6)).items() if k in in_province))
    assert data.headline.delegations_today == len(today_codes) == 2
    assert data.headline.delegations_week == len(week_codes) == 3  # "first" goes to both communes: once
    assert data.headline.overdue == sum(n for code, n in overdue_by_commune().items() if code in in_province) == 2
    assert data.headline.open_needs == Need.objects.filter(area_path__startswith=cast.province.path, status__in=OPEN_STATUSES).count()
    assert (
        data.headline.urgent_lines
        == BoardCell.objects.filter(area_path__startswith=cast.province.path, status=BoardStatus.URGENT).count()
        >= 1
    )
    assert data.headline.clashes == 1


def test_the_gaps_are_the_boards_lines_and_match_the_need_items(cast: Any, scene: dict[str, Any]) -> None:
    data = selectors.dashboard(roots=[cast.province], today=today())
    a = next(r for r in data.rows if r.code == cast.commune_a.code)
    cells = BoardCell.objects.filter(area=cast.commune_a, status__in=[BoardStatus.URGENT, BoardStatus.NEEDED])
    assert {(line.category_name, line.gap, line.status) for line in a.wanted} == {
        (c.category.name, c.gap, c.status) for c in cells.select_related("category")
    }
    assert {line.category_name: line.gap for line in a.wanted} == open_gaps(cast.commune_a)
    assert a.worst == BoardStatus.URGENT  # a critical need is still missing something
    assert [line.status for line in a.top_gaps] == sorted((line.status for line in a.top_gaps), key=lambda s: s != "urgent")
    noodles_item = CatalogueItem.objects.get(code="instant-noodles").name  # in the active language
    assert [(n.subject, n.reason) for n in a.notices] == [(noodles_item, "oversupplied")]
    noodles = CatalogueItem.objects.select_related("category").get(code="instant-noodles").category.name
    assert (noodles, "oversupplied") in {(c, s) for c, s, _label in a.settled}


def test_the_page_shows_the_figures_of_each_commune(cast: Any, scene: dict[str, Any]) -> None:
    response = cast.client_for(cast.province_member).get(URL)
    assert response.status_code == 200
    page = text(response)
    assert headline(page, "delegations-today") == 2
    assert headline(page, "delegations-week") == 3
    assert headline(page, "overdue") == 2
    assert headline(page, "open-needs") == 3
    a = section(page, cast.commune_a)
    assert figure(a, "today").startswith("2 :")
    assert "Hội Chữ thập đỏ Thử nghiệm" in figure(a, "today")
    assert figure(a, "week").startswith("3")
    assert f'data-clash="{today().isoformat()}"' in a
    assert "Two or more delegations on" in a
    assert "Urgently needed" in figure(a, "gaps")
    assert "Instant noodles" in figure(a, "notices")
    assert figure(a, "overdue").startswith("1 ")
    assert f"{reverse('dashboard:overdue')}?area={cast.commune_a.code}" in a
    assert scene["critical"].code in figure(a, "open")  # waiting longest: verified first
    b = section(page, cast.commune_b)
    assert figure(b, "today") == "None"
    assert "data-clash" not in b
    # Communes with the most urgent gaps first.
    assert page.index(f'data-commune="{cast.commune_a.code}"') < page.index(f'data-commune="{cast.commune_b.code}"')


def test_quantities_and_counts_are_written_the_vietnamese_way(cast: Any, make_need: Any) -> None:
    from cuutro.needs.services import NeedItemData

    make_need("verified", items=[NeedItemData("cash-house-repair", 25_000_000)])
    page = text(cast.client_for(cast.province_member, language="vi").get(URL))
    assert "25.000.000" in figure(section(page, cast.commune_a), "gaps")


def test_the_map_has_one_marker_per_commune_coloured_by_its_worst_status(cast: Any, scene: dict[str, Any]) -> None:
    page = text(cast.client_for(cast.province_member).get(URL))
    points = json.loads(re.search(r'<script id="dashboard-points" type="application/json">(.*?)</script>', page, re.S).group(1))
    by_name = {p["name"]: p for p in points}
    assert set(by_name) == {cast.commune_a.name, cast.commune_b.name}
    assert by_name[cast.commune_a.name]["status"] == "urgent"
    assert "2 delegations expected today" in by_name[cast.commune_a.name]["lines"]
    assert "Two delegations on the same day" in by_name[cast.commune_a.name]["lines"]
    # About 1 km: never a household's exact point.
    assert by_name[cast.commune_a.name]["lat"] == 16.82
    assert by_name[cast.commune_a.name]["lng"] == 107.10
    assert 'src="/static/vendor/leaflet/leaflet.js"' in page


def test_the_overdue_list_shows_the_late_pledges_of_the_area(cast: Any, scene: dict[str, Any]) -> None:
    page = text(cast.client_for(cast.province_member).get(reverse("dashboard:overdue")))
    late = [p for p in Pledge.objects.select_related("need__area") if p.status in UNDELIVERED_STATUSES and p.expected_on < today()]
    in_province = [p for p in late if p.need.area.path.startswith(cast.province.path)]
    assert len(in_province) == 2
    assert sorted(re.findall(r'data-pledge="([^"]+)"', page)) == sorted(p.code for p in in_province)
    assert "2 days late" in page
    one = text(cast.client_for(cast.province_member).get(reverse("dashboard:overdue") + f"?area={cast.commune_b.code}"))
    assert re.findall(r'data-pledge="([^"]+)"', one) == [p.code for p in in_province if p.need.area_id == cast.commune_b.pk]


# ---- who may see it ---------------------------------------------------------------------------


def test_a_province_committee_member_sees_every_commune_of_the_province(cast: Any, scene: dict[str, Any]) -> None:
    page = text(cast.client_for(cast.province_member).get(URL))
    assert f'data-commune="{cast.commune_a.code}"' in page
    assert f'data-commune="{cast.commune_b.code}"' in page
    assert f'data-commune="{cast.commune_c.code}"' not in page


def test_a_province_administrator_sees_the_dashboard(cast: Any, scene: dict[str, Any]) -> None:
    admin = make_user("province_admin")
    role_assign(actor=None, user=admin, role=Role.PROVINCE_ADMIN, area=cast.province)
    page = text(cast.client_for(admin).get(URL))
    assert f'data-commune="{cast.commune_b.code}"' in page


def test_a_commune_officer_sees_only_their_own_commune(cast: Any, scene: dict[str, Any]) -> None:
    client = cast.client_for(cast.officer_b)
    page = text(client.get(URL))
    assert f'data-commune="{cast.commune_b.code}"' in page
    assert f'data-commune="{cast.commune_a.code}"' not in page
    assert headline(page, "overdue") == 1
    assert headline(page, "delegations-today") == 0
    assert client.get(URL + f"?area={cast.commune_a.code}").status_code == 404
    assert client.get(URL + f"?area={cast.province.code}").status_code == 404
    assert client.get(reverse("dashboard:overdue") + f"?area={cast.commune_a.code}").status_code == 404
    late = text(client.get(reverse("dashboard:overdue")))
    assert len(re.findall(r'data-pledge="', late)) == 1


def test_the_province_may_narrow_the_page_to_one_commune(cast: Any, scene: dict[str, Any]) -> None:
    client = cast.client_for(cast.province_member)
    page = text(client.get(URL + f"?area={cast.commune_b.code}"))
    assert f'data-commune="{cast.commune_b.code}"' in page
    assert f'data-commune="{cast.commune_a.code}"' not in page
    assert headline(page, "overdue") == 1
    assert client.get(URL + f"?area={cast.commune_c.code}").status_code == 404  # Huế: not theirs
    assert client.get(URL + "?area=nowhere").status_code == 404


@pytest.mark.parametrize("who", ["donor", "org_member", "outsider"])
def test_donors_organisations_and_outsiders_are_refused(cast: Any, who: str) -> None:
    client = cast.client_for(getattr(cast, who))
    assert client.get(URL).status_code == 403
    assert client.get(reverse("dashboard:overdue")).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(cast: Any) -> None:
    for url in (URL, reverse("dashboard:overdue")):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_the_page_shows_no_beneficiary_data_nor_the_leaders_or_donors_phone(cast: Any, scene: dict[str, Any]) -> None:
    client = cast.client_for(cast.province_member)
    for url in (URL, reverse("dashboard:overdue"), URL + f"?area={cast.commune_a.code}"):
        page = text(client.get(url))
        for secret in (SECRET_NAME, SECRET_ID, SECRET_PHONE, SECRET_ADDRESS, LEADER_PHONE, DONOR_PHONE, "Anh Trưởng Đoàn", "Anh Tâm"):
            assert secret not in page, (url, secret)


def test_the_dashboard_is_linked_from_my_work(cast: Any) -> None:
    page = text(cast.client_for(cast.province_member).get(reverse("needs:officer_home")))
    assert f'href="{URL}"' in page


# ---- cost -------------------------------------------------------------------------------------


def test_the_page_costs_the_same_few_queries_for_many_communes(
    cast: Any, make_need: Any, make_pledge: Any, django_assert_max_num_queries: Any
) -> None:
    second = make_user("province_second")
    role_assign(actor=None, user=second, role=Role.PROVINCE_COMMITTEE, area=cast.province)
    client = cast.client_for(cast.province_member)

    def busy(area: Area) -> None:
        need = make_need("verified", area=area, creator=cast.province_member, verifier=second, urgency="critical")
        make_late(make_pledge(need, quantity=1), 1)

    busy(cast.commune_a)
    route(cast.province_member, register(cast), (cast.commune_a, today()))
    client.get(URL)  # the board's refresh of the new lines is not what is measured
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200

    rows = [AreaRow(f"99{i:03d}", f"Xã Thử {i}", AreaLevel.COMMUNE, cast.province.code, "xã", REFORM_DATE) for i in range(12)]
    areas_sync(rows=rows)
    communes = list(Area.objects.filter(code__in=[r.code for r in rows]).order_by("code"))
    for area in communes:
        busy(area)
    route(cast.province_member, register(cast, communes=communes[:10]), *[(a, today()) for a in communes[:10]])
    client.get(URL)
    with CaptureQueriesContext(connection) as many, django_assert_max_num_queries(16):
        response = client.get(URL)
    assert text(response).count("data-commune=") == 13
    assert len(many.captured_queries) == len(one.captured_queries)
    # The ten most pressing communes are unfolded, the other three one tap away.
    assert text(response).count("<details open>") == 10 and text(response).count("<details>") == 3


def test_an_official_with_a_province_and_a_commune_role_counts_each_commune_once(cast: Any, scene: dict[str, Any]) -> None:
    role_assign(actor=None, user=cast.province_member, role=Role.COMMUNE_OFFICER, area=cast.commune_a)
    page = text(cast.client_for(cast.province_member).get(URL))
    assert page.count(f'data-commune="{cast.commune_a.code}"') == 1
    assert headline(page, "overdue") == 2
    assert headline(page, "delegations-today") == 2
