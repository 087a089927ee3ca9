"""`/v2/oauth/token_batch`: a confidential client refreshes many users' tokens in one request,
each token rotated or refused on its own exactly as by the refresh grant."""

from __future__ import annotations

import requests
from django.db import DatabaseError, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pds_server.models import AccessToken, App, AuditLog, RefreshToken
from pds_server.routers import PDS_DB
from pds_server.services import audit, tokens
from tests.pds_server.oauth_helpers import token_request


def issued_refresh_token(app: App, user) -> str:
    issued = tokens.tokens_issue(
        app=app, user=user, scopes=sorted(app.scopes), grant_type="authorization_code", with_refresh_token=True
    )
    assert issued.refresh_token_value
    return issued.refresh_token_value


def batch(base: str, app: App, secret: str | None, refresh_tokens: list[str], **extra) -> requests.Response:
    body = {"grant_type": "refresh_token", "client_id": app.app_id, "refresh_tokens": refresh_tokens, **extra}
    if secret is not None:
        body["client_secret"] = secret
    return requests.post(f"{base}/v2/oauth/token_batch", json=body, timeout=30)


def refresh(base: str, app: App, secret: str, refresh_token: str) -> requests.Response:
    return token_request(
        base, grant_type="refresh_token", refresh_token=refresh_token, client_id=app.app_id, client_secret=secret
    )


def user_get(base: str, access_token: str) -> requests.Response:
    return requests.post(
        f"{base}/v2/user/get", json={}, headers={"Authorization": f"Bearer {access_token}"}, timeout=30
    )


def test_token_batch_rotates_each_and_refuses_the_reused_one_alone(pds_url, web_app, make_user, settings):
    settings.PDS_REFRESH_REUSE_GRACE_SECONDS = 0  # a retry within the grace is no reuse: test_refresh_grace.py
    app, secret = web_app
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    first, reused, third = (issued_refresh_token(app, user) for user in (alice, bob, carol))
    rotated = refresh(pds_url, app, secret, reused)  # bob's token is used once, then replayed below
    assert rotated.status_code == 200
    bob_family = RefreshToken.objects.get(token_hash=tokens.digest(reused)).family
    audit_mark = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    reply = batch(pds_url, app, secret, [first, reused, third])

    assert reply.status_code == 200, reply.text
    assert reply.headers["Cache-Control"] == "no-store"
    items = reply.json()["items"]
    assert [item.get("user_id") for item in items] == ["alice", None, "carol"]
    assert items[1]["error"] == "invalid_grant" and items[1]["code"] == "RefreshTokenInvalid"
    refused = AuditLog.objects.filter(pk__gt=audit_mark, action_type="token.refresh").get()
    assert refused.result == AuditLog.Result.FAILURE and refused.app_id == app.app_id
    assert refused.error_code == "RefreshTokenInvalid"
    for item in (items[0], items[2]):
        assert item["token_type"] == "Bearer" and item["expires_in"] > 0
        assert user_get(pds_url, item["access_token"]).status_code == 200
    # The replayed token's whole family is revoked, bob's fresh token included; the others live on.
    assert not RefreshToken.objects.filter(family=bob_family, revoked_at__isnull=True).exists()
    assert not AccessToken.objects.filter(family=bob_family, revoked_at__isnull=True).exists()
    assert user_get(pds_url, rotated.json()["access_token"]).status_code == 401
    assert refresh(pds_url, app, secret, rotated.json()["refresh_token"]).status_code == 400
    # The new tokens rotate like any other.
    assert refresh(pds_url, app, secret, items[2]["refresh_token"]).status_code == 200
    # Each old token is rotated: a second batch with them is reuse, refused for each.
    again = batch(pds_url, app, secret, [first, third]).json()["items"]
    assert [item["error"] for item in again] == ["invalid_grant", "invalid_grant"]
    assert not RefreshToken.objects.filter(user=alice, revoked_at__isnull=True).exists()


def test_a_token_given_twice_in_one_batch_is_reused_the_second_time(pds_url, web_app, make_user):
    app, secret = web_app
    token = issued_refresh_token(app, make_user("alice"))
    unknown = tokens.new_secret()
    items = batch(pds_url, app, secret, [token, token, unknown]).json()["items"]
    assert "access_token" in items[0] and items[1]["error"] == "invalid_grant"
    assert items[2]["error"] == "invalid_grant"
    assert user_get(pds_url, items[0]["access_token"]).status_code == 401  # its family is revoked
    assert not RefreshToken.objects.filter(revoked_at__isnull=True).exists()


def test_token_batch_needs_the_client_secret_and_is_throttled_once_per_request(pds_url, web_app, make_user, settings):
    settings.PDS_CLIENT_SECRET_MAX_FAILURES = 3
    app, secret = web_app
    token = issued_refresh_token(app, make_user("alice"))
    many = [tokens.new_secret() for _ in range(10)]

    missing = batch(pds_url, app, None, [token])
    assert missing.status_code == 401 and missing.json()["error"] == "invalid_client"
    for _ in range(2):  # two requests of ten tokens each: two failures, not twenty
        wrong = batch(pds_url, app, "wrong-secret", many)
        assert wrong.status_code == 401 and wrong.json()["code"] == "InvalidClientSecret"
    assert batch(pds_url, app, secret, [token]).status_code == 200
    assert batch(pds_url, app, "wrong-again", many).status_code == 401
    throttled = batch(pds_url, app, secret, [tokens.new_secret()])
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert RefreshToken.objects.filter(rotated_at__isnull=True).count() == 1  # only the new one


def test_token_batch_refuses_more_than_fifty_tokens_and_malformed_requests(pds_url, web_app, make_user):
    app, secret = web_app
    token = issued_refresh_token(app, make_user("alice"))
    too_many = batch(pds_url, app, secret, [token] * 51)
    assert too_many.status_code == 400 and too_many.json()["error"] == "invalid_request"
    for refresh_tokens in ([], [token, 7], "not a list"):
        reply = batch(pds_url, app, secret, refresh_tokens)  # type: ignore[arg-type]
        assert reply.status_code == 400 and reply.json()["error"] == "invalid_request"
    wrong_grant = batch(pds_url, app, secret, [token], grant_type="authorization_code")
    assert wrong_grant.status_code == 400 and wrong_grant.json()["error"] == "unsupported_grant_type"
    in_url = requests.post(
        f"{pds_url}/v2/oauth/token_batch?client_secret={secret}",
        json={"grant_type": "refresh_token", "client_id": app.app_id, "refresh_tokens": [token]},
        timeout=30,
    )
    assert in_url.status_code == 400 and in_url.json()["error"] == "invalid_request"
    assert RefreshToken.objects.get().rotated_at is None  # nothing above rotated it
    assert batch(pds_url, app, secret, [token] * 50).status_code == 200


def test_token_batch_refuses_a_public_client(pds_url, native_app, make_user):
    token = issued_refresh_token(native_app, make_user("alice"))
    reply = batch(pds_url, native_app, None, [token])
    assert reply.status_code == 400 and reply.json()["error"] == "unauthorized_client"
    assert RefreshToken.objects.get().rotated_at is None


def test_token_batch_accepts_client_secret_basic(pds_url, web_app, make_user):
    app, secret = web_app
    token = issued_refresh_token(app, make_user("alice"))
    reply = requests.post(
        f"{pds_url}/v2/oauth/token_batch",
        json={"grant_type": "refresh_token", "refresh_tokens": [token]},
        auth=(app.app_id, secret),
        timeout=30,
    )
    assert reply.status_code == 200 and "access_token" in reply.json()["items"][0]


def test_query_counts_of_the_token_endpoint_and_a_batch_of_twenty(web_app, make_user):
    app, secret = web_app
    users = [make_user(f"user{n}") for n in range(20)]
    client = Client()
    single = issued_refresh_token(app, users[0])
    form = {"grant_type": "refresh_token", "refresh_token": single, "client_id": app.app_id, "client_secret": secret}
    with CaptureQueriesContext(connections[PDS_DB]) as one:
        reply = client.post("/v2/oauth/token", form)
    assert reply.status_code == 200, reply.content
    # domain, app, BEGIN, the locked token, rotated_at, two inserts, COMMIT
    assert len(one) <= 8, [query["sql"] for query in one]

    many = [issued_refresh_token(app, user) for user in users]
    body = {"grant_type": "refresh_token", "client_id": app.app_id, "client_secret": secret, "refresh_tokens": many}
    with CaptureQueriesContext(connections[PDS_DB]) as twenty:
        reply = client.post("/v2/oauth/token_batch", body, content_type="application/json")
    assert reply.status_code == 200 and all("access_token" in item for item in reply.json()["items"])
    assert len(twenty) <= 8  # the same statements, whatever the number of tokens, [query["sql"] for query in twenty]


def test_token_batch_refuses_parameters_that_are_not_strings_and_a_missing_grant_type(pds_url, web_app, make_user):
    app, secret = web_app
    token = issued_refresh_token(app, make_user("alice"))
    good = {"grant_type": "refresh_token", "client_id": app.app_id, "client_secret": secret, "refresh_tokens": [token]}
    for extra in ({"client_id": 7}, {"client_secret": ["x"]}, {"grant_type": {"a": 1}}, {"grant_type": None}):
        reply = requests.post(f"{pds_url}/v2/oauth/token_batch", json={**good, **extra}, timeout=30)
        assert reply.status_code == 400 and reply.json()["error"] == "invalid_request", (extra, reply.text)
    missing = requests.post(
        f"{pds_url}/v2/oauth/token_batch", json={k: v for k, v in good.items() if k != "grant_type"}, timeout=30
    )
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    single = token_request(pds_url, refresh_token=token, client_id=app.app_id, client_secret=secret)
    assert single.status_code == 400 and single.json()["error"] == "invalid_request"  # the same answer
    assert RefreshToken.objects.get().rotated_at is None


def test_a_failed_audit_row_rotates_nothing(pds_url, web_app, make_user, monkeypatch, settings):
    settings.PDS_REFRESH_REUSE_GRACE_SECONDS = 0
    app, secret = web_app
    kept, reused = issued_refresh_token(app, make_user("alice")), issued_refresh_token(app, make_user("bob"))
    assert refresh(pds_url, app, secret, reused).status_code == 200

    def failing(**_):
        raise DatabaseError("the audit table is unavailable")

    monkeypatch.setattr(audit, "audit_record", failing)
    reply = batch(pds_url, app, secret, [kept, reused])
    assert reply.status_code == 500
    # Nothing committed: the caller still holds a valid token, and may retry it.
    assert RefreshToken.objects.get(token_hash=tokens.digest(kept)).rotated_at is None
    monkeypatch.undo()
    retried = batch(pds_url, app, secret, [kept]).json()["items"]
    assert retried[0]["user_id"] == "alice"
