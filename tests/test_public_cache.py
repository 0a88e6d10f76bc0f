"""Anonymous public reads are served from a short-lived cache that every public change drops."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from cuutro.lib import public_cache
from cuutro.needs import services


@pytest.fixture(autouse=True)
def _memory_cache(settings: Any) -> None:
    """These tests are about caching: run them on a real cache whatever CACHE_URL says."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    public_cache.reset_local()


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


def test_cached_pages_keep_their_security_headers(cast: Any) -> None:
    client = Client()
    assert client.get("/")["X-Frame-Options"] == "DENY"
    hit = client.get("/")
    assert hit["X-Cache"] == "hit"
    assert hit["X-Frame-Options"] == "DENY"


def test_parameter_order_and_unknown_parameters_share_one_entry(cast: Any, make_need: Any) -> None:
    make_need("verified")
    client = Client()
    assert client.get("/api/v1/needs?q=gao&area=44")["X-Cache"] == "miss"
    assert client.get("/api/v1/needs?area=44&q=gao")["X-Cache"] == "hit"
    assert client.get("/api/v1/needs?area=44&q=gao&bust=123")["X-Cache"] == "hit"


def test_a_lost_version_key_never_brings_back_older_pages(cast: Any, make_need: Any) -> None:
    need = make_need("verified")
    before = public_cache.public_version()
    services.need_cancel(actor=cast.officer, need=need, reason="Trùng")
    cache.delete(public_cache.VERSION_KEY)  # evicted under memory pressure
    public_cache.reset_local()
    assert public_cache.public_version() > before
    assert Client().get(f"/api/v1/needs/{need.code}").status_code == 404


def test_an_admin_edit_of_a_campaign_drops_the_cached_home_page(cast: Any) -> None:
    client = Client()
    assert "Lũ tháng 10/2020" in client.get("/").content.decode()
    cast.campaign.name = "Lũ lịch sử tháng 10/2020"
    cast.campaign.save()
    assert "Lũ lịch sử tháng 10/2020" in client.get("/").content.decode()


def test_the_site_keeps_working_when_the_cache_server_is_down(cast: Any, make_need: Any, settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    public_cache.reset_local()
    need = make_need("submitted")
    services.need_verify(actor=cast.verifier, need=need)
    need.refresh_from_db()
    assert need.status == "verified"
    response = Client().get("/api/v1/needs")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_a_relative_next_after_switching_language_is_followed(db: Any) -> None:
    response = Client().get("/lang/vi/", {"next": "needs/"})
    assert response.status_code == 302
    assert response["Location"] == "needs/"
    assert response.cookies["django_language"].value == "vi"
