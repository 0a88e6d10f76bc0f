"""The public pages show the right content, with and without filters, and without JavaScript."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.test import Client
from django.urls import reverse

from cuutro.needs.services import NeedItemData

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
    assert "/api/v1/needs/points" in page


def test_export_has_one_row_per_item_of_published_needs(cast: Any, make_need: Any) -> None:
    need = make_need("verified", items=[NeedItemData("rice", 20), NeedItemData("blanket", 4)])
    make_need("draft")
    response = Client().get("/needs/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["code"], r["item"], r["quantity"]) for r in rows] == [(need.code, "rice", "20.00"), (need.code, "blanket", "4.00")]
    assert rows[0]["commune"] == "Phường Đông Hà"
