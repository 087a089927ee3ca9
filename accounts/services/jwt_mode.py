"""JWT mode: an existing user system signs people in; the server mints each one's PDS token
with the JWT app (an RS256 assertion), and no password ever reaches the PDS."""

from __future__ import annotations

import time
import uuid
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import jwt
from django.conf import settings

from accounts.pds_connection import pds_client
from pds_client import Token

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@lru_cache(maxsize=2)
def _jwt_private_key(path: str) -> str:
    return Path(path).read_text()


def pds_user_id_for(user: User) -> str:
    """The stable id of a Django user at the PDS: the primary key never changes."""
    return f"u{user.pk}"


def jwt_assertion(user: User) -> str:
    now = int(time.time())
    claims = {
        "iss": settings.PDS_JWT_APP_ID,
        "sub": pds_user_id_for(user),
        "sub_type": "user",
        "aud": settings.PDS_DOMAIN_ID,
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 60,
        "auto_create": True,
    }
    return jwt.encode(claims, _jwt_private_key(settings.PDS_JWT_PRIVATE_KEY_FILE), algorithm="RS256")


def jwt_token_mint(*, user: User) -> Token:
    """A new token from a fresh assertion: JWT mode has no refresh token. Raises the PDS's errors."""
    return pds_client().jwt_bearer(client_id=settings.PDS_JWT_APP_ID, assertion=jwt_assertion(user))
