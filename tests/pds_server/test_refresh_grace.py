"""The retry grace of refresh rotation (PDS_REFRESH_REUSE_GRACE_SECONDS, RFC 9700 section
4.14.2): a client that lost the answer to a refresh may present the rotated token again,
soon, while the token issued from it is unused; anything else stays reuse."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pds_server.models import AccessToken, App, AuditLog, RefreshToken
from pds_server.services import tokens
from tests.factories import AppFactory
from tests.pds_server.test_token_batch import batch, issued_refresh_token, refresh, user_get


@pytest.fixture(autouse=True)
def grace(settings):
    settings.PDS_REFRESH_REUSE_GRACE_SECONDS = 120
    return settings


def row(raw: str) -> RefreshToken:
    return RefreshToken.objects.get(token_hash=tokens.digest(raw))


def family_revoked(family) -> bool:
    return not (
        RefreshToken.objects.filter(family=family, revoked_at__isnull=True).exists()
        or AccessToken.objects.filter(family=family, revoked_at__isnull=True).exists()
    )


def last_audit_pk() -> int:
    return AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_a_retry_within_the_grace_gets_a_new_pair_and_revokes_the_unused_child(pds_url, web_app, make_user):
    app, secret = web_app
    first = tokens.tokens_issue(
        app=app, user=make_user("alice"), scopes=sorted(app.scopes), grant_type="authorization_code",
        with_refresh_token=True,
    )  # fmt: skip
    parent = first.refresh_token_value
    assert parent
    lost = refresh(pds_url, app, secret, parent).json()  # the answer the killed worker never stored
    rotated_at = row(parent).rotated_at

    retried = refresh(pds_url, app, secret, parent)

    assert retried.status_code == 200, retried.text
    fresh = retried.json()
    assert fresh["refresh_token"] not in (parent, lost["refresh_token"])
    assert fresh["expires_in"] == lost["expires_in"] and fresh["user_id"] == "alice"
    assert user_get(pds_url, fresh["access_token"]).status_code == 200
    # The lost child and its access token are revoked; the token the client still holds works.
    assert row(lost["refresh_token"]).revoked_at is not None
    assert user_get(pds_url, lost["access_token"]).status_code == 401
    assert user_get(pds_url, first.access_token_value).status_code == 200
    # Same family, same absolute lifetime; the grace still runs from the first rotation.
    child, parent_row = row(fresh["refresh_token"]), row(parent)
    assert child.family == parent_row.family and child.family_expires_at == parent_row.family_expires_at
    assert parent_row.rotated_at == rotated_at and parent_row.revoked_at is None

    # A second retry replaces the second child the same way; the newest then rotates as usual.
    again = refresh(pds_url, app, secret, parent)
    assert again.status_code == 200 and row(fresh["refresh_token"]).revoked_at is not None
    newest = refresh(pds_url, app, secret, again.json()["refresh_token"])
    assert newest.status_code == 200 and user_get(pds_url, newest.json()["access_token"]).status_code == 200
    live = RefreshToken.objects.filter(family=child.family, revoked_at__isnull=True, rotated_at__isnull=True)
    assert [token.token_hash for token in live] == [tokens.digest(newest.json()["refresh_token"])]


def test_a_child_a_retry_replaced_revokes_the_family_when_used(pds_url, web_app, make_user):
    """Two parties held the family (the retry may have come from a thief): both lose it."""
    app, secret = web_app
    parent = issued_refresh_token(app, make_user("alice"))
    lost = refresh(pds_url, app, secret, parent).json()
    fresh = refresh(pds_url, app, secret, parent).json()
    family = row(parent).family

    replaced = refresh(pds_url, app, secret, lost["refresh_token"])

    assert replaced.status_code == 400 and replaced.json()["error"] == "invalid_grant"
    assert family_revoked(family)
    assert refresh(pds_url, app, secret, fresh["refresh_token"]).status_code == 400


def test_a_retry_after_the_child_was_used_is_reuse(pds_url, web_app, make_user):
    app, secret = web_app
    parent = issued_refresh_token(app, make_user("alice"))
    child = refresh(pds_url, app, secret, parent).json()
    grandchild = refresh(pds_url, app, secret, child["refresh_token"]).json()
    family = row(parent).family
    mark = last_audit_pk()

    replay = refresh(pds_url, app, secret, parent)

    assert replay.status_code == 400 and "already used" in replay.json()["error_description"]
    assert family_revoked(family)
    assert user_get(pds_url, grandchild["access_token"]).status_code == 401
    refused = AuditLog.objects.filter(pk__gt=mark, action_type="token.refresh").get()
    assert refused.result == AuditLog.Result.FAILURE and refused.error_code == "RefreshTokenInvalid"


def test_a_retry_after_the_grace_is_reuse(pds_url, web_app, make_user):
    app, secret = web_app
    parent = issued_refresh_token(app, make_user("alice"))
    child = refresh(pds_url, app, secret, parent).json()
    # The rotation happened 121 seconds ago.
    RefreshToken.objects.filter(pk=row(parent).pk).update(rotated_at=row(parent).rotated_at - timedelta(seconds=121))

    replay = refresh(pds_url, app, secret, parent)

    assert replay.status_code == 400 and "already used" in replay.json()["error_description"]
    assert family_revoked(row(parent).family)
    assert refresh(pds_url, app, secret, child["refresh_token"]).status_code == 400


def test_another_client_cannot_retry_and_changes_nothing(pds_url, web_app, make_user, domain):
    app, secret = web_app
    other = AppFactory(domain=domain, name="Other", app_type=App.AppType.WEB_SERVER)
    parent = issued_refresh_token(app, make_user("alice"))
    child = refresh(pds_url, app, secret, parent).json()

    single = refresh(pds_url, other, other.client_secret, parent)
    items = batch(pds_url, other, other.client_secret, [parent]).json()["items"]

    assert single.status_code == 400 and single.json()["error_description"] == "The refresh token is invalid."
    assert items[0]["error"] == "invalid_grant" and items[0]["error_description"] == "The refresh token is invalid."
    assert row(child["refresh_token"]).revoked_at is None
    assert refresh(pds_url, app, secret, child["refresh_token"]).status_code == 200


def test_no_grace_when_it_is_zero(pds_url, web_app, make_user, grace):
    grace.PDS_REFRESH_REUSE_GRACE_SECONDS = 0
    app, secret = web_app
    parent, in_batch = (issued_refresh_token(app, make_user(name)) for name in ("alice", "bob"))
    child = refresh(pds_url, app, secret, parent).json()
    batch_child = refresh(pds_url, app, secret, in_batch).json()

    assert refresh(pds_url, app, secret, parent).status_code == 400
    assert batch(pds_url, app, secret, [in_batch]).json()["items"][0]["error"] == "invalid_grant"
    assert family_revoked(row(parent).family) and family_revoked(row(in_batch).family)
    assert user_get(pds_url, child["access_token"]).status_code == 401
    assert user_get(pds_url, batch_child["access_token"]).status_code == 401


def test_a_batch_treats_a_retry_as_the_single_grant_does(pds_url, web_app, make_user):
    app, secret = web_app
    retried, fresh, used, twice = (issued_refresh_token(app, make_user(name)) for name in ("al", "bo", "cy", "di"))
    lost = refresh(pds_url, app, secret, retried).json()
    used_child = refresh(pds_url, app, secret, used).json()
    refresh(pds_url, app, secret, used_child["refresh_token"])
    twice_child = refresh(pds_url, app, secret, twice).json()
    mark = last_audit_pk()

    items = batch(pds_url, app, secret, [retried, fresh, used, twice, twice_child["refresh_token"]]).json()["items"]

    assert [item.get("user_id") for item in items] == ["al", "bo", None, None, None]
    assert user_get(pds_url, items[0]["access_token"]).status_code == 200
    assert row(lost["refresh_token"]).revoked_at is not None and row(retried).revoked_at is None
    assert user_get(pds_url, lost["access_token"]).status_code == 401
    assert refresh(pds_url, app, secret, items[0]["refresh_token"]).status_code == 200
    # A used child makes the retry reuse; a rotated token sent with its own child is no retry.
    assert family_revoked(row(used).family) and family_revoked(row(twice).family)
    assert not family_revoked(row(fresh).family)
    assert AuditLog.objects.filter(pk__gt=mark, action_type="token.refresh").count() == 3
