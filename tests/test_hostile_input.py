"""Malformed and hostile input gets a clear message in the caller's language and changes nothing."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from PIL import Image

from cuutro.needs import services
from cuutro.needs.models import Need, NeedPhoto
from tests.conftest import need_data


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("url", ["/needs/?commune=%00", "/needs/?q=a%00b", "/api/v1/needs?area=%00", "/api/v1/areas?parent=4%004"])
def test_a_nul_byte_in_the_address_is_refused_with_a_message(db: Any, url: str) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
    assert response.status_code == 400
    assert "characters that are not allowed" in response.content.decode()


def test_a_nul_byte_in_the_api_body_is_refused_and_nothing_is_written(cast: Any) -> None:
    body = {
        "area": cast.commune_a.code, "kind": "household", "urgency": "low",
        "description": "Nhà\x00 bị ngập", "items": [{"item": "rice", "quantity": 10}],
        "beneficiary": {"full_name": "Lê Văn Khách"},
    }
    response = Client().post(
        "/api/v1/needs", json.dumps(body), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {cast.token_for(cast.officer)}",
    )
    assert response.status_code == 422
    assert "description" in response.json()["error"]["fields"]
    assert Need.objects.count() == 0


def test_api_field_errors_speak_vietnamese_when_asked(cast: Any) -> None:
    response = Client().post(
        "/api/v1/needs", json.dumps({"kind": "household"}), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {cast.token_for(cast.officer)}", HTTP_ACCEPT_LANGUAGE="vi",
    )
    fields = response.json()["error"]["fields"]
    assert fields["area"] == ["Trường này là bắt buộc."]
    english = Client().post(
        "/api/v1/needs", "{}", content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {cast.token_for(cast.officer)}", HTTP_ACCEPT_LANGUAGE="vi;q=0, en",
    )
    assert english.json()["error"]["fields"]["area"] == ["This field is required."]


def photo(size: tuple[int, int] = (40, 30), fmt: str = "JPEG", **save: Any) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, fmt, **save)
    return SimpleUploadedFile(f"x.{fmt.lower()}", buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def test_a_decompression_bomb_is_refused_as_not_a_photo(cast: Any, make_need: Any) -> None:
    need = make_need("draft")
    bomb = photo((12_000, 6_000), "PNG")  # 72 megapixels of one colour: tiny file, huge bitmap
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.need_photos_add(actor=cast.officer, need=need, uploads=[bomb])
    assert "not a photo" in str(caught.value)
    assert NeedPhoto.objects.count() == 0


def test_stored_photos_lose_their_exif_gps_and_are_shrunk(cast: Any, make_need: Any) -> None:
    need = make_need("draft")
    exif = Image.Exif()
    exif[0x010F] = "Camera of Nguyễn Văn A"  # Make
    exif[0x8825] = {2: (16.0, 49.0, 0.0)}  # GPSInfo
    upload = photo((3000, 1500), "JPEG", exif=exif.tobytes())
    stored = services.need_photos_add(actor=cast.officer, need=need, uploads=[upload])[0]
    with Image.open(stored.image.path) as image:
        assert not image.getexif()
        assert max(image.size) == 2000


def test_a_bad_photo_on_edit_leaves_the_need_and_the_disk_unchanged(cast: Any, make_need: Any, tmp_path: Any) -> None:
    need = make_need("draft")
    fake = SimpleUploadedFile("a.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        services.need_update(
            actor=cast.officer, need=need, data=need_data(cast.commune_a, description="Đã sửa."), photos=[photo(), fake]
        )
    need.refresh_from_db()
    assert need.description != "Đã sửa."
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


@pytest.mark.parametrize(
    ("description", "refused"),
    [
        ("Cần 5.000.000 đồng để sửa lại mái nhà.", False),
        ("Cần 150.000.000 đồng để dựng lại nhà.", False),
        ("Lũ năm 2020 cuốn trôi 3 con bò.", False),
        ("Liên hệ 0987 654 321 để hỏi thêm.", True),
        ("Số CCCD 079 123 456 789 của chủ hộ.", True),
        ("Gọi +84 912 345 678.", True),
        ("Nhà ở Số 7 ngõ Kín, khu phố Riêng bị ngập.", True),  # the beneficiary's own address
    ],
)
def test_the_public_description_refuses_identity_but_allows_money(cast: Any, description: str, refused: bool) -> None:
    data = need_data(cast.commune_a, description=description)
    if refused:
        with pytest.raises(ValidationError) as caught:
            services.need_create(actor=cast.officer, data=data)
        assert "description" in caught.value.message_dict
        assert Need.objects.count() == 0
    else:
        assert services.need_create(actor=cast.officer, data=data).description == description


# Digits that are not ASCII ("²".isdigit() is true; int() refuses it), and numbers past a bigint.
JUNK_IDS = ["²", "٣", "99999999999999999999999", "-1", "1e3"]


@pytest.mark.parametrize("junk", JUNK_IDS)
def test_junk_ids_and_far_dates_in_public_addresses_change_nothing_and_never_fail(cast: Any, make_need: Any, junk: str) -> None:
    need = make_need("verified")
    client = Client()
    advice = client.get("/needed/advice/", {"need_item": junk, "area": cast.commune_a.code, "item": "rice"})
    plain = client.get("/needed/advice/", {"area": cast.commune_a.code, "item": "rice"})
    # The junk id is ignored: the advice for the commune and item, not an empty fragment.
    assert advice.status_code == 200 and advice.content.strip() and advice.content == plain.content
    for day in ["0001-01-01", "9999-12-31", junk]:
        calendar = client.get("/delegations/", {"date_from": day})
        assert calendar.status_code == 200 and "<h1" in calendar.text
    form = {"item_0": "rice", "quantity_0": "5", "line": [junk], f"qty_{junk}": "5", "show_as": "anonymous"}
    page = cast.client_for(cast.donor).post("/recommend/", form)
    assert page.status_code == 200 and "Tick at least one need to pledge." in page.text
    assert not need.items.filter(quantity_pledged__gt=0).exists()


@pytest.mark.parametrize("junk", JUNK_IDS)
def test_junk_allocation_lines_are_ignored(cast: Any, junk: str) -> None:
    from django.http import QueryDict

    from cuutro.delegations.forms import allocation_lines

    data = QueryDict(mutable=True)
    data.setlist("use", [f"{junk}-1", f"1-{junk}", junk, "2-3"])
    assert [(line.need_item_id, line.cargo_id) for line in allocation_lines(data)] == [(2, 3)]
