"""The official SDK `alibabacloud-pds20220301`, unmodified, against the live embedded PDS."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from alibabacloud_pds20220301 import models as pds_models
from alibabacloud_pds20220301.client import Client
from alibabacloud_tea_openapi.utils_models import Config


def sdk_client(live_server, bearer_token: str | None = None) -> Client:
    port = live_server.url.rsplit(":", 1)[1]
    # The SDK sends `endpoint` verbatim as the Host header: a bare host means the default domain.
    return Client(Config(endpoint=f"127.0.0.1:{port}", protocol="http", bearer_token=bearer_token))


def jwt_assertion(private_key: str, app_id: str, sub: str) -> str:
    now = int(time.time())
    claims = {
        "iss": app_id,
        "sub": sub,
        "sub_type": "user",
        "aud": "demo",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 60,
        "auto_create": True,
    }
    return jwt.encode(claims, private_key, algorithm="RS256")


def test_sdk_gets_a_token_with_jwt_then_the_user_and_default_drive(live_server, domain, jwt_app, rsa_keys):
    anonymous = sdk_client(live_server)
    token = anonymous.token(
        pds_models.TokenRequest(
            grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
            client_id=jwt_app.app_id,
            assertion=jwt_assertion(rsa_keys[0], jwt_app.app_id, "sdk-user"),
        )
    ).body
    assert token.access_token and token.user_id == "sdk-user" and token.default_drive_id

    client = sdk_client(live_server, token.access_token)
    user = client.get_user(pds_models.GetUserRequest()).body
    assert user.user_id == "sdk-user" and user.domain_id == "demo"
    drive = client.get_default_drive(pds_models.GetDefaultDriveRequest()).body
    assert drive.drive_id == token.default_drive_id and drive.owner == "sdk-user"


def test_sdk_sees_pds_error_codes(live_server, domain):
    client = sdk_client(live_server, "not-a-token")
    with pytest.raises(Exception) as caught:
        client.get_user(pds_models.GetUserRequest())
    assert getattr(caught.value, "code", None) == "AccessTokenInvalid"
