"""Anonymous public reads are served from a short-lived cache that every public change drops."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from cuutro.needs import services


def test_a_repeated_anonymous_search_is_served_from_the_cache(cast: Any, make_need: Any) -> None:
    make_need("verified")
    client = Client()
    first = client.get("/api/v1/needs", {"q": "dong ha"})
    second = client.get("/api/v1/needs", {"q": "dong ha"})
    assert first["X-Cache"] == "miss"
    assert second["X-Cache"] == "hit"
    assert second.json() == first.json()


def test_a_newly_verified_need_shows_at_once(cast: Any, make_need: Any) -> None:
    client = Client()
    assert client.get("/api/v1/needs").json()["count"] == 0
    assert "0 needs found" in client.get("/needs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    need = make_need("submitted")
    services.need_verify(actor=cast.verifier, need=need)
    assert client.get("/api/v1/needs").json()["count"] == 1
    assert reverse("portal:need_detail", args=[need.code]) in client.get("/needs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_cancelled_need_disappears_at_once(cast: Any, make_need: Any) -> None:
    need = make_need("verified")
    client = Client()
    detail = reverse("portal:need_detail", args=[need.code])
    assert client.get(detail).status_code == 200
    assert client.get(detail)["X-Cache"] == "hit"
    services.need_cancel(actor=cast.officer, need=need, reason="Đã được hỗ trợ đủ")
    assert client.get(detail).status_code == 404
    assert client.get(f"/api/v1/needs/{need.code}").status_code == 404


def test_each_language_has_its_own_cached_page(cast: Any) -> None:
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    vietnamese = Client(HTTP_ACCEPT_LANGUAGE="vi").get("/").content.decode()
    assert "Find needs" in english
    assert "Find needs" not in vietnamese


def test_logged_in_people_never_get_or_fill_the_shared_cache(cast: Any) -> None:
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    anonymous.get("/")
    officer_page = cast.client_for(cast.officer).get("/")
    assert "X-Cache" not in officer_page
    assert reverse("needs:officer_home") in officer_page.content.decode()  # "My work" link
    again = anonymous.get("/")
    assert again["X-Cache"] == "hit"
    assert reverse("needs:officer_home") not in again.content.decode()


def test_public_pages_set_no_cookie_for_anonymous_visitors(cast: Any, make_need: Any) -> None:
    need = make_need("verified")
    client = Client()
    for url in ["/", "/needs/", "/needs/map/", reverse("portal:need_detail", args=[need.code])]:
        response = client.get(url)
        assert response.status_code == 200
        assert not response.cookies, url


def test_the_language_link_sets_the_language_and_refuses_foreign_redirects(db: Any) -> None:
    client = Client()
    response = client.get("/lang/en/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert "Find needs" in client.get("/").content.decode()
    assert client.get("/lang/fr/").status_code == 404
