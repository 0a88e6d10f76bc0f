"""The admin works for the province administrator, and shows the catalogue in both languages."""

from __future__ import annotations

from typing import Any

import pytest

from cuutro.accounts.models import User


@pytest.fixture
def admin_client(cast: Any) -> Any:
    boss = User.objects.create_superuser("boss", password="x" * 20)
    return cast.client_for(boss)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/admin/", "Catalogue items"),
        ("/admin/needs/catalogueitem/", "Roofing sheet"),
        ("/admin/needs/category/", "Building materials"),
        ("/admin/needs/campaign/", "Lũ tháng 10/2020"),
        ("/admin/geo/area/?q=dong+ha", "Phường Đông Hà"),
        ("/admin/accounts/user/", "verifier"),
        ("/admin/audit/auditevent/", "accounts.role.assigned"),
    ],
)
def test_admin_pages_show_their_records(admin_client: Any, url: str, expected: str) -> None:
    response = admin_client.get(url)
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_needs_and_beneficiaries_are_not_editable_in_the_admin(admin_client: Any) -> None:
    # Every change to a need goes through the services (scope, four eyes, audit log).
    assert admin_client.get("/admin/needs/need/").status_code == 404
    assert admin_client.get("/admin/needs/beneficiary/").status_code == 404


def test_the_audit_log_cannot_be_edited_even_by_a_superuser(admin_client: Any, cast: Any) -> None:
    from cuutro.audit.models import AuditEvent

    event = AuditEvent.objects.first()
    assert event is not None
    response = admin_client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"reason": "rewritten"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.reason != "rewritten"
