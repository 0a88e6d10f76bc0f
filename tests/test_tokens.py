"""API bearer tokens: ``create_token`` prints one that works, only its hash is kept, ``revoke_token`` ends it."""

from __future__ import annotations

import hashlib
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.forms import modelform_factory
from django.test import Client

from cuutro.accounts.models import ApiToken, User
from cuutro.accounts.services import token_authenticate
from cuutro.audit.models import AuditEvent
from tests.conftest import Cast


def create_token(*args: str) -> str:
    out = StringIO()
    call_command("create_token", *args, stdout=out)
    return out.getvalue().strip()


def revoke_token(*args: str) -> str:
    out = StringIO()
    call_command("revoke_token", *args, stdout=out)
    return out.getvalue().strip()


def me(secret: str) -> Any:
    return Client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})


def every_stored_value() -> str:
    """Every row of every table, as text: the place a leaked secret would show up."""
    chunks: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_create_token_prints_a_token_that_authenticates_its_user(cast: Cast) -> None:
    secret = create_token("officer")

    assert secret.startswith("cuu_")
    assert len(secret) > 40
    assert "\n" not in secret
    response = me(secret)
    assert response.status_code == 200
    assert response.json()["username"] == "officer"


def test_only_the_hash_of_the_token_is_stored(cast: Cast) -> None:
    secret = create_token("officer", "--name", "IOC feed")

    token = ApiToken.objects.get(user=cast.officer)
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.name == "IOC feed"
    assert secret.startswith(token.prefix)
    assert len(token.prefix) < len(secret) // 3
    stored = every_stored_value()
    assert token.key_hash in stored  # the dump does see the token table ...
    assert secret not in stored  # ... and the secret is nowhere in the database
    assert secret[len(token.prefix) :] not in stored


def test_each_call_prints_a_different_token(cast: Cast) -> None:
    first, second = create_token("officer"), create_token("officer")

    assert first != second
    assert ApiToken.objects.filter(user=cast.officer).count() == 2
    assert me(first).status_code == me(second).status_code == 200


def test_creating_a_token_is_recorded_in_the_audit_log_without_the_secret(cast: Cast) -> None:
    secret = create_token("officer")

    event = AuditEvent.objects.filter(action="accounts.token.created").latest("pk")
    assert event.target_id == str(cast.officer.pk)
    assert event.data["token"] == ApiToken.objects.get(user=cast.officer).prefix
    assert secret not in repr(event.data)


@pytest.mark.parametrize("username", ["nobody", "OFFICER"])
def test_create_token_refuses_an_unknown_user(cast: Cast, username: str) -> None:
    with pytest.raises(CommandError):
        create_token(username)
    assert not ApiToken.objects.exists()


def test_create_token_refuses_a_deactivated_user(cast: Cast) -> None:
    cast.officer.is_active = False
    cast.officer.save()

    with pytest.raises(CommandError):
        create_token("officer")
    assert not ApiToken.objects.exists()


def test_revoke_token_by_its_prefix_ends_that_token_only(cast: Cast) -> None:
    kept, revoked = create_token("officer"), create_token("officer")
    prefix = ApiToken.objects.get(key_hash=hashlib.sha256(revoked.encode()).hexdigest()).prefix

    output = revoke_token(prefix)

    assert output == "1 token(s) revoked"
    assert me(revoked).status_code == 401
    assert me(kept).status_code == 200
    assert ApiToken.objects.get(prefix=prefix).revoked_at is not None


def test_revoke_token_for_a_user_ends_all_of_their_tokens_and_no_one_elses(cast: Cast) -> None:
    officers = [create_token("officer"), create_token("officer")]
    verifiers = create_token("verifier")

    output = revoke_token("--user", "officer", "--reason", "laptop stolen")

    assert output == "2 token(s) revoked"
    assert [me(s).status_code for s in officers] == [401, 401]
    assert me(verifiers).status_code == 200
    events = AuditEvent.objects.filter(action="accounts.token.revoked")
    assert [e.reason for e in events] == ["laptop stolen", "laptop stolen"]


def test_revoking_twice_changes_nothing_the_second_time(cast: Cast) -> None:
    create_token("officer")
    revoke_token("--user", "officer")
    revoked_at = ApiToken.objects.get().revoked_at

    assert revoke_token("--user", "officer") == "0 token(s) revoked"
    assert ApiToken.objects.get().revoked_at == revoked_at
    assert AuditEvent.objects.filter(action="accounts.token.revoked").count() == 1


def test_revoke_token_without_a_prefix_or_user_refuses_to_guess(cast: Cast) -> None:
    secret = create_token("officer")

    with pytest.raises(CommandError):
        revoke_token()

    assert me(secret).status_code == 200


@pytest.mark.parametrize("secret", ["", "cuu_", "not-a-token", "cuu_" + "x" * 43])
def test_a_made_up_secret_authenticates_nobody(cast: Cast, secret: str) -> None:
    create_token("officer")
    assert token_authenticate(secret=secret) is None


def test_using_a_token_records_when_it_was_last_used(cast: Cast) -> None:
    secret = create_token("officer")
    assert ApiToken.objects.get().last_used_at is None

    me(secret)

    assert ApiToken.objects.get().last_used_at is not None


# --- the admin shows tokens but cannot change them --------------------------------------------


@pytest.fixture
def admin_client(cast: Cast) -> Client:
    boss = User.objects.create_superuser(username="boss", password="x", email="boss@example.org")
    return cast.client_for(boss)


def test_the_token_admin_shows_a_token_without_any_editable_field(cast: Cast, admin_client: Client) -> None:
    create_token("officer", "--name", "IOC feed")
    revoke_token("--user", "officer")
    token = ApiToken.objects.get()

    response = admin_client.get(f"/admin/accounts/apitoken/{token.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert token.prefix in page
    assert "IOC feed" in page
    for field in ["revoked_at", "revoked_at_0", "name", "user", "prefix"]:
        assert f'name="{field}"' not in page
    assert 'name="_save"' not in page


def test_posting_to_the_token_admin_cannot_bring_a_revoked_token_back(cast: Cast, admin_client: Client) -> None:
    secret = create_token("officer")
    revoke_token("--user", "officer", "--reason", "laptop stolen")
    token = ApiToken.objects.get()
    revoked_at = token.revoked_at

    response = admin_client.post(
        f"/admin/accounts/apitoken/{token.pk}/change/",
        {"name": "revived", "revoked_at_0": "", "revoked_at_1": "", "revoked_at": ""},
    )

    assert response.status_code == 403
    token.refresh_from_db()
    assert (token.revoked_at, token.name) == (revoked_at, "")
    assert me(secret).status_code == 401
    assert token_authenticate(secret=secret) is None


def test_the_token_admin_cannot_add_or_delete_tokens(cast: Cast, admin_client: Client) -> None:
    create_token("officer")
    token = ApiToken.objects.get()

    assert admin_client.get("/admin/accounts/apitoken/add/").status_code == 403
    assert admin_client.post(f"/admin/accounts/apitoken/{token.pk}/delete/", {"post": "yes"}).status_code == 403
    listing = admin_client.post(
        "/admin/accounts/apitoken/", {"action": "delete_selected", "_selected_action": [str(token.pk)], "post": "yes"}
    )
    assert listing.status_code in {200, 302}
    assert ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).exists()


def test_no_form_can_set_when_a_token_was_revoked() -> None:
    form_class = modelform_factory(ApiToken, fields="__all__")

    assert "revoked_at" not in form_class.base_fields
    assert "key_hash" not in form_class.base_fields
