"""Whoever shaped a need's content cannot be the one who verifies it, on every path."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cuutro.audit.models import AuditEvent
from cuutro.needs import services
from tests.conftest import need_data


def test_an_officer_who_edited_a_submitted_need_cannot_verify_it(cast: Any, make_need: Any) -> None:
    need = make_need("submitted")
    services.need_update(actor=cast.verifier, need=need, data=need_data(cast.commune_a, description="Mái nhà sập hoàn toàn."))
    with pytest.raises(PermissionDenied):
        services.need_verify(actor=cast.verifier, need=need)
    need.refresh_from_db()
    assert need.status == "submitted"
    # A third official, who did not touch it, can.
    services.need_verify(actor=cast.province_member, need=need)
    need.refresh_from_db()
    assert need.status == "verified"


def test_an_officer_who_resubmitted_a_returned_need_cannot_verify_it(cast: Any, make_need: Any) -> None:
    need = make_need("rejected")
    services.need_submit(actor=cast.verifier, need=need)
    with pytest.raises(PermissionDenied):
        services.need_verify(actor=cast.verifier, need=need)


def test_the_edit_is_logged_with_the_names_of_the_changed_fields_but_no_private_values(cast: Any, make_need: Any) -> None:
    need = make_need("draft")
    data = need_data(cast.commune_a, urgency="critical")
    data.beneficiary.phone = "0911222333"
    services.need_update(actor=cast.officer, need=need, data=data)
    event = AuditEvent.objects.filter(action="needs.need.edited").get()
    assert event.data["changed"] == ["beneficiary", "urgency"]
    assert "0911222333" not in json.dumps(event.data)


def test_an_edit_that_changes_nothing_is_not_logged(cast: Any, make_need: Any) -> None:
    need = make_need("draft")
    services.need_update(actor=cast.officer, need=need, data=need_data(cast.commune_a))
    assert not AuditEvent.objects.filter(action="needs.need.edited").exists()


def test_the_web_page_offers_no_verify_button_to_an_editor(cast: Any, make_need: Any) -> None:
    need = make_need("submitted")
    services.need_update(actor=cast.verifier, need=need, data=need_data(cast.commune_a, urgency="low"))
    client = cast.client_for(cast.verifier)
    page = client.get(reverse("needs:officer_need", args=[need.code])).content.decode()
    assert reverse("needs:need_transition", args=[need.code, "verify"]) not in page
    assert client.post(reverse("needs:need_transition", args=[need.code, "verify"])).status_code == 403


def test_the_api_refuses_verification_by_an_editor(cast: Any, make_need: Any) -> None:
    need = make_need("submitted")
    token = cast.token_for(cast.verifier)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = {
        "area": cast.commune_a.code, "kind": "household", "urgency": "low",
        "description": "Nhà bị ngập sâu.", "items": [{"item": "rice", "quantity": 10}],
        "beneficiary": {"full_name": "Lê Văn Khách"},
    }
    from django.test import Client

    client = Client()
    edited = client.put(f"/api/v1/needs/{need.code}", json.dumps(body), content_type="application/json", **headers)
    assert edited.status_code == 200
    assert edited.json()["description"] == "Nhà bị ngập sâu."
    refused = client.post(f"/api/v1/needs/{need.code}/verify", "{}", content_type="application/json", **headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"


def test_an_api_edit_of_a_verified_need_changes_nothing(cast: Any, make_need: Any) -> None:
    need = make_need("verified")
    from django.test import Client

    body = {
        "area": cast.commune_a.code, "kind": "household", "urgency": "low", "submit": True,
        "description": "Viết lại sau khi đã duyệt.", "items": [{"item": "rice", "quantity": 1}],
        "beneficiary": {"full_name": "Lê Văn Khách"},
    }
    response = Client().put(
        f"/api/v1/needs/{need.code}", json.dumps(body), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {cast.token_for(cast.officer)}",
    )
    assert response.status_code == 409
    need.refresh_from_db()
    assert need.description != "Viết lại sau khi đã duyệt."
    assert need.status == "verified"
