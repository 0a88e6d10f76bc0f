"""Officer screens: scope, the four-eyes rule, and forms that refuse bad input without writing."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from cuutro.audit.models import AuditEvent
from cuutro.needs.models import Need, NeedPhoto
from tests.conftest import SECRET_NAME


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    # Uploaded evidence photos go to a throw-away folder, never to the real var/media.
    settings.MEDIA_ROOT = tmp_path


def form_data(area_code: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "area": area_code,
        "kind": "household",
        "urgency": "high",
        "description": "Nhà bị ngập sâu, hỏng hết đồ dùng.",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "20",
        "items-0-item": "rice",
        "items-0-quantity": "40",
        "items-1-item": "",
        "items-1-quantity": "",
        "items-2-item": "",
        "items-2-quantity": "",
        "full_name": SECRET_NAME,
        "submit": "1",
    }
    data.update(overrides)
    return data


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_an_officer_records_a_need_from_the_web_form(cast: Any) -> None:
    client = cast.client_for(cast.officer)
    photo = SimpleUploadedFile("nha-ong-A.png", png_bytes(), content_type="image/png")
    response = client.post("/officer/needs/new/", {**form_data(cast.commune_a.code), "photos": [photo]})
    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("needs:officer_need", args=[need.code])
    assert need.status == "submitted"
    assert need.beneficiary.full_name == SECRET_NAME
    assert [(i.item.code, int(i.quantity)) for i in need.items.all()] == [("rice", 40)]
    stored = NeedPhoto.objects.get(need=need)
    assert "nha-ong-A" not in stored.image.name  # the uploader's file name never survives
    page = client.get(f"/officer/needs/{need.code}/").content.decode()
    assert SECRET_NAME in page
    assert "needs.need.submitted" not in page


def test_a_bad_form_shows_messages_and_writes_nothing(cast: Any) -> None:
    client = cast.client_for(cast.officer)
    response = client.post(
        "/officer/needs/new/",
        form_data(cast.commune_a.code, **{"items-0-quantity": "0", "description": "Gọi 0987 654 321 để hỏi"}),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a quantity greater than zero." in page
    assert "do not write the beneficiary" in page
    assert Need.objects.count() == 0
    assert AuditEvent.objects.filter(action__startswith="needs.").count() == 0


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_written(cast: Any) -> None:
    client = cast.client_for(cast.officer)
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 this is an executable", content_type="image/jpeg")
    response = client.post("/officer/needs/new/", {**form_data(cast.commune_a.code), "photos": [fake]})
    assert response.status_code == 200
    assert "not a photo" in response.content.decode() or "valid image" in response.content.decode()
    assert Need.objects.count() == 0
    assert NeedPhoto.objects.count() == 0


def test_an_officer_cannot_record_a_need_in_another_commune(cast: Any) -> None:
    client = cast.client_for(cast.officer)
    response = client.post("/officer/needs/new/", form_data(cast.commune_b.code))
    assert response.status_code == 200  # the commune is not among their choices
    assert "Select a valid choice" in response.content.decode()
    assert Need.objects.count() == 0


def test_an_officer_of_another_commune_sees_nothing_and_changes_nothing(cast: Any, make_need: Any) -> None:
    need = make_need("submitted")
    client = cast.client_for(cast.officer_b)
    for url in [f"/officer/needs/{need.code}/", f"/officer/needs/{need.code}/edit/"]:
        response = client.get(url)
        assert response.status_code == 404
        assert SECRET_NAME not in response.content.decode()
    for action in ["verify", "reject", "cancel", "submit"]:
        assert client.post(f"/officer/needs/{need.code}/{action}/", {"reason": "x"}).status_code == 404
    need.refresh_from_db()
    assert need.status == "submitted"
    assert need.code not in client.get("/officer/").content.decode()


def test_the_author_cannot_verify_their_own_need_on_the_web(cast: Any, make_need: Any) -> None:
    need = make_need("submitted")
    client = cast.client_for(cast.officer)
    page = client.get(f"/officer/needs/{need.code}/").content.decode()
    assert reverse("needs:need_transition", args=[need.code, "verify"]) not in page
    response = client.post(f"/officer/needs/{need.code}/verify/")
    assert response.status_code == 403
    need.refresh_from_db()
    assert need.status == "submitted"
    assert need.verified_by is None


def test_the_second_officer_verifies_from_the_queue(cast: Any, make_need: Any) -> None:
    need = make_need("submitted")
    client = cast.client_for(cast.verifier)
    assert reverse("needs:officer_need", args=[need.code]) in client.get("/officer/").content.decode()
    response = client.post(f"/officer/needs/{need.code}/verify/")
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == "verified"
    assert need.verified_by == cast.verifier
    history = client.get(f"/officer/needs/{need.code}/").content.decode()
    assert cast.verifier.full_name in history
    assert cast.officer.full_name in history


def test_returning_a_need_without_a_reason_is_refused(cast: Any, make_need: Any) -> None:
    need = make_need("submitted")
    client = cast.client_for(cast.verifier)
    response = client.post(f"/officer/needs/{need.code}/reject/", {"reason": "  "}, follow=True)
    assert "Give a reason" in response.content.decode()
    need.refresh_from_db()
    assert need.status == "submitted"


def test_people_without_an_official_role_are_kept_out(cast: Any, make_need: Any) -> None:
    need = make_need("submitted")
    for user in [cast.outsider, cast.donor, cast.org_member]:
        client = cast.client_for(user)
        assert client.get("/officer/").status_code == 403
        assert client.get(f"/officer/needs/{need.code}/").status_code == 403
    anonymous = cast.client_for(cast.outsider)
    anonymous.logout()
    response = anonymous.get("/officer/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_evidence_photos_are_served_only_to_officers_in_scope(cast: Any, make_need: Any) -> None:
    from cuutro.needs.services import need_photos_add

    need = make_need("verified")
    photo = need_photos_add(
        actor=cast.officer, need=need, uploads=[SimpleUploadedFile("x.png", png_bytes(), content_type="image/png")]
    )[0]
    url = f"/officer/needs/{need.code}/photos/{photo.pk}/"
    response = cast.client_for(cast.verifier).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert cast.client_for(cast.officer_b).get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    for user in [cast.donor, cast.org_member, cast.outsider]:
        response = cast.client_for(user).get(url)
        assert response.status_code == 403, user.username
        assert not response.streaming
        assert b"PNG" not in response.content


def test_a_province_member_works_across_the_province(cast: Any, make_need: Any) -> None:
    need_b = make_need("submitted", area=cast.commune_b, creator=cast.officer_b)
    client = cast.client_for(cast.province_member)
    assert client.get(f"/officer/needs/{need_b.code}/").status_code == 200
    client.post(f"/officer/needs/{need_b.code}/verify/")
    need_b.refresh_from_db()
    assert need_b.status == "verified"
    assert need_b.verified_by == cast.province_member


def test_the_queue_costs_no_extra_query_per_waiting_need(cast: Any, make_need: Any, django_assert_max_num_queries: Any) -> None:
    client = cast.client_for(cast.verifier)
    make_need("submitted")
    with CaptureQueriesContext(connection) as one_need:
        assert client.get("/officer/").status_code == 200
    for _ in range(9):
        make_need("submitted")
    with django_assert_max_num_queries(len(one_need)):
        page = client.get("/officer/").content.decode()
    assert page.count(cast.officer.full_name) == 10  # "Recorded by" on every row


def empty_row_colspan(page: str) -> int:
    match = re.search(r'<td colspan="(\d+)">No needs yet.</td>', page)
    assert match, "no empty row"
    return int(match.group(1))


def header_cells(page: str, heading: str) -> int:
    section = page.split(heading, 1)[1]
    return section.split("</thead>", 1)[0].count("<th>")


def test_the_empty_row_spans_every_column_of_the_list(cast: Any) -> None:
    commune = cast.client_for(cast.officer).get("/officer/").content.decode()
    province = cast.client_for(cast.province_member).get("/officer/").content.decode()
    # A commune officer has no commune column; a province member does.
    assert empty_row_colspan(commune) == header_cells(commune, "All needs in your area") == 3
    assert empty_row_colspan(province) == header_cells(province, "All needs in your area") == 4


def test_the_queue_heading_counts_every_waiting_need_not_only_those_shown(cast: Any, make_need: Any) -> None:
    for _ in range(51):
        make_need("submitted")
    page = cast.client_for(cast.verifier).get("/officer/").content.decode()
    assert "Waiting for your verification (51)" in page
    assert "Showing the most urgent 50 needs" in page
