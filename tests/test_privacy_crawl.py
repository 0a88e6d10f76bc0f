"""No public page, public API response or export ever shows a beneficiary's personal data, nor a
donor's private contact details.

Needs in every state carry recognisable personal data, and pledges in every state carry a
donor's private contact, note and the name of the person who received the goods; a crawler
(anonymous, then logged in as another donor and as an organisation member) follows every link
from the home page, and every public API list and detail is called, and none of it may appear."""

from __future__ import annotations

import json
from collections import deque
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from django.test import Client

from cuutro.lib.text import fold
from tests.conftest import SECRET_ADDRESS, SECRET_ID, SECRET_NAME, SECRET_PHONE, photo_upload

# A donor's private contact: only the donor and the commune officers concerned may see it.
PLEDGE_CONTACT = "Chị Kín Đáo Liên Hệ"
PLEDGE_PHONE = "0977000111"
PLEDGE_NOTE = "Ghi chú riêng gửi xã 4455"
SECRETS = [
    SECRET_NAME, SECRET_ID, SECRET_PHONE, SECRET_ADDRESS, fold(SECRET_NAME), SECRET_NAME.upper(),
    PLEDGE_CONTACT, PLEDGE_PHONE, PLEDGE_NOTE,
]
NOT_PUBLIC = ("/admin/", "/officer/", "/accounts/logout/", "/lang/")
MAX_PAGES = 400


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            linkish = name == "href" or (name == "action" and tag == "form") or name.startswith("data-")
            if value and linkish and value.startswith(("/", "?")):
                self.found.append(value)


def assert_clean(url: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked at {url}"
    # JSON escapes non-ASCII; check the decoded form too.
    if text.lstrip().startswith(("{", "[")):
        decoded = json.dumps(json.loads(text), ensure_ascii=False)
        for secret in SECRETS:
            assert secret not in decoded, f"{secret!r} leaked at {url}"


def crawl(client: Client, start: list[str]) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue = deque(start)
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        path = urlsplit(url).path
        if url in seen or path.startswith(NOT_PUBLIC) or "/static/" in path:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        raw = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[arg-type]
        kind = response.get("Content-Type", "")
        if not kind.startswith(("text/", "application/json")):
            continue  # PDF and XLSX downloads: checked by their own tests (test_ledger_exports, test_fund_reports)
        body = raw.decode()
        assert_clean(url, body)
        if response.get("Content-Type", "").startswith("text/html"):
            parser = Links()
            parser.feed(body)
            for link in parser.found:
                absolute = urljoin(url, link).replace("&amp;", "&")
                if absolute not in seen:
                    queue.append(absolute)
    return seen


def pledge_everywhere(cast: Any, need: Any) -> dict[str, Any]:
    """Pledges in every state on ``need``, by a donor who is not one of the crawlers, all with
    private contact details; the confirmed one names the household head who received it."""
    from cuutro.pledges import services

    sheets = need.items.get(item__code="roofing-sheet")

    def pledge(quantity: int) -> Any:
        data = services.PledgeData(
            need_item_id=sheets.pk, quantity=quantity, contact_name=PLEDGE_CONTACT, contact_phone=PLEDGE_PHONE,
            note=PLEDGE_NOTE, show_as="name",
        )
        return services.pledge_create(actor=cast.outsider, data=data)

    pledges = {name: pledge(2) for name in ["pledged", "in_transit", "delivered", "confirmed", "cancelled", "handover"]}
    services.pledge_ship(actor=cast.outsider, pledge=pledges["in_transit"])
    services.pledge_deliver(actor=cast.outsider, pledge=pledges["delivered"])
    services.pledge_deliver(actor=cast.outsider, pledge=pledges["confirmed"])
    services.pledge_confirm(
        actor=cast.officer, pledge=pledges["confirmed"], evidence=photo_upload(), evidence_kind="receipt",
        acknowledged=True, received_by=SECRET_NAME, note=f"Giao cho {SECRET_NAME}, {SECRET_PHONE}",
    )
    services.pledge_cancel(actor=cast.outsider, pledge=pledges["cancelled"], reason=f"Gọi {PLEDGE_PHONE}")
    services.handover_request(
        actor=cast.province_member, pledge=pledges["handover"],
        data=services.HandoverData(contact_name=PLEDGE_CONTACT, contact_phone=PLEDGE_PHONE, message=PLEDGE_NOTE),
    )
    return pledges


@pytest.fixture
def needs_everywhere(cast: Any, make_need: Any) -> dict[str, Any]:
    needs = {status: make_need(status) for status in ["draft", "submitted", "verified", "rejected", "cancelled"]}
    needs["community"] = make_need("verified", kind="community", description="Nhà văn hóa thôn bị ngập, cần sửa mái.")
    needs["pledged"] = make_need("verified", description="Nhà ngập sâu, cần tôn lợp.")
    needs["pledges"] = pledge_everywhere(cast, needs["pledged"])
    needs["delegation"] = delegation_everywhere(cast)
    return needs


def delegation_everywhere(cast: Any) -> Any:
    """A routed relief delegation whose leader's phone and note are private (officials and the
    delegation itself only)."""
    from datetime import timedelta

    from django.utils import timezone

    from cuutro.accounts.models import Organisation, Role
    from cuutro.accounts.services import role_assign
    from cuutro.delegations import services
    from tests.conftest import make_user

    # Of an organisation none of the crawlers belongs to: to them the delegation is public.
    convoy = Organisation.objects.create(name="Đoàn thiện nguyện Kín Đáo")
    leader = make_user("convoy_member")
    role_assign(actor=None, user=leader, role=Role.ORG_MEMBER, organisation=convoy)
    day = timezone.localdate() + timedelta(days=1)
    delegation = services.delegation_register(
        actor=leader,
        data=services.DelegationData(
            organisation_id=convoy.pk, origin="Đà Nẵng", starts_on=day, ends_on=day,
            leader_name=PLEDGE_CONTACT, leader_phone=PLEDGE_PHONE, people=5, vehicles=1,
            preferred_commune_codes=[cast.commune_a.code], cargo=[services.CargoData("roofing-sheet", 20)], note=PLEDGE_NOTE,
        ),
    )  # fmt: skip
    return services.delegation_accept(
        actor=cast.province_member, delegation=delegation, stops=[services.StopData(cast.commune_a.code, day)]
    )


@pytest.mark.parametrize("visitor", ["anonymous", "donor", "org_member"])
def test_no_public_page_or_export_shows_personal_data(cast: Any, needs_everywhere: dict[str, Any], visitor: str) -> None:
    # Donors and organisation members log in, but they are the public too: no personal data.
    client = Client() if visitor == "anonymous" else cast.client_for(getattr(cast, visitor))
    verified, pledged = needs_everywhere["verified"], needs_everywhere["pledged"]
    seen = crawl(
        client,
        [
            "/", "/needs/", "/needs/map/", f"/needs/?q={verified.code}", f"/needs/?q={pledged.code}", "/needs/export.csv", "/needed/",
            "/delegations/", "/recommend/?item_0=roofing-sheet&quantity_0=50",
        ],
    )  # fmt: skip
    # The crawl must really have reached the published needs, or the test proves nothing.
    assert f"/needs/{verified.code}/" in {unquote(urlsplit(u).path) for u in seen}
    assert f"/needs/{pledged.code}/" in {unquote(urlsplit(u).path) for u in seen}
    # …and the pledges listed there by their public name.
    page = client.get(f"/needs/{pledged.code}/").content.decode()
    assert cast.outsider.display_name() in page and needs_everywhere["pledges"]["confirmed"].code in page
    assert any(urlsplit(u).path == "/needs/export.csv" for u in seen)
    assert any(urlsplit(u).path == "/api/v1/needs/points" for u in seen)  # the map's data
    assert f"/needed/{verified.area.code}/" in {urlsplit(u).path for u in seen}  # the board's commune section
    calendar = client.get("/delegations/").content.decode()
    assert needs_everywhere["delegation"].organisation.name in calendar  # the route is public, its contact is not
    assert len(seen) > 10
    assert all(status < 500 for status in seen.values())


def test_no_public_api_response_shows_personal_data(needs_everywhere: dict[str, Any]) -> None:
    client = Client()
    urls = [
        "/api/v1/needs",
        "/api/v1/needs?limit=100",
        "/api/v1/needs?q=dong+ha",
        "/api/v1/needs/points",
        "/api/v1/catalogue",
        "/api/v1/areas",
        "/api/v1/areas?parent=44",
        "/api/v1/board",
        "/api/v1/board?limit=100",
        "/api/v1/delegations",
        "/api/v1/openapi.json",
    ]
    listed = client.get("/api/v1/needs?limit=100").json()
    assert {n["code"] for n in listed["items"]} == {
        needs_everywhere[key].code for key in ("verified", "community", "pledged")
    }
    calendar = client.get("/api/v1/delegations").json()
    assert [d["code"] for d in calendar["delegations"]] == [needs_everywhere["delegation"].code]  # it really is there
    needs = [n for key, n in needs_everywhere.items() if key not in ("pledges", "delegation")]
    urls += [f"/api/v1/needs/{n.code}" for n in needs]
    urls += [f"/api/v1/needs/{n.code}/pledges" for n in needs]
    pledges = client.get(f"/api/v1/needs/{needs_everywhere['pledged'].code}/pledges").json()
    assert len(pledges["items"] if isinstance(pledges, dict) else pledges) == 5  # active ones, so the check is real
    for url in urls:
        response = client.get(url)
        assert_clean(url, response.content.decode())


def test_unpublished_needs_are_not_found_publicly(needs_everywhere: dict[str, Any]) -> None:
    client = Client()
    for status in ["draft", "submitted", "rejected", "cancelled"]:
        code = needs_everywhere[status].code
        assert client.get(f"/needs/{code}/").status_code == 404
        assert client.get(f"/api/v1/needs/{code}").status_code == 404
    published = client.get(f"/needs/{needs_everywhere['verified'].code}/")
    assert published.status_code == 200
    assert needs_everywhere["verified"].code in published.content.decode()


def test_the_map_points_never_give_a_households_exact_location(cast: Any, needs_everywhere: dict[str, Any]) -> None:
    exact = (16.816234, 107.100456)  # where every household of the fixture was recorded
    household = needs_everywhere["verified"].code
    for client in [Client(), cast.client_for(cast.donor), cast.client_for(cast.org_member)]:
        for url in ["/api/v1/needs/points", f"/api/v1/needs/points?area={cast.commune_a.code}", "/api/v1/needs/points?kind=household"]:
            points = {p["code"]: (p["lat"], p["lng"]) for p in client.get(url).json()["items"]}
            assert points[household] == (16.82, 107.1), url
        everything = client.get("/api/v1/needs/points?limit=20000").json()["items"]
        household_points = [p for p in everything if p["code"].startswith("HGĐ-")]
        assert household_points
        for point in household_points:
            assert (point["lat"], point["lng"]) != exact
            assert round(point["lat"], 2) == point["lat"] and round(point["lng"], 2) == point["lng"]
    # The community hall is a public place: its exact point is shown, so the fixture is right.
    community = {p["code"]: (p["lat"], p["lng"]) for p in Client().get("/api/v1/needs/points").json()["items"]}
    assert community[needs_everywhere["community"].code] == exact


def test_household_points_are_blurred_in_public(needs_everywhere: dict[str, Any]) -> None:
    household = needs_everywhere["verified"]
    detail = Client().get(f"/api/v1/needs/{household.code}").json()
    # 16.816234, 107.100456 recorded; about a kilometre of blur in public.
    assert detail["location"] == {"lat": 16.82, "lng": 107.1}
    community = Client().get(f"/api/v1/needs/{needs_everywhere['community'].code}").json()
    assert community["location"] == {"lat": 16.816234, "lng": 107.100456}
