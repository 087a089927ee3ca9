"""AccessKey mode: like JWT mode, an existing user system signs people in, but the server
holds an AccessKey pair of the domain instead of a JWT app, and asks the PDS for each
user's token with a signed request (`/v2/user/get_access_token`, the PDS's "AccessKey
interface access"); a user the PDS does not know yet is created first (`/v2/user/create`)."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings

from accounts.pds_connection import pds_client
from accounts.services.jwt_mode import pds_user_id_for
from pds_client import Token
from pds_client import errors as pds_errors
from pds_client.accesskey import AccessKeyAuth

if TYPE_CHECKING:
    from django.contrib.auth.models import User


log = logging.getLogger(__name__)


@lru_cache(maxsize=2)
def _auth(access_key_id: str, access_key_secret: str) -> AccessKeyAuth:
    return AccessKeyAuth(access_key_id, access_key_secret)


def accesskey_auth() -> AccessKeyAuth:
    return _auth(settings.PDS_ACCESS_KEY_ID, settings.PDS_ACCESS_KEY_SECRET)


def accesskey_client_id() -> str:
    """The app the embedded PDS files a key's user tokens under (revocation names it)."""
    return f"ak-{settings.PDS_ACCESS_KEY_ID.lower()}"


# Refusals of the key itself (wrong secret, disabled key, clock skew): the drive service is
# misconfigured, not the user's grant dead; the token held keeps working meanwhile.
KEY_REFUSALS = ("InvalidAccessKeyId", "SignatureDoesNotMatch", "RequestTimeTooSkewed", "SignatureNonceUsed")


def accesskey_token_mint(*, user: User) -> Token:
    """A new token for the user, who is created at the PDS on first use. A refusal of the key
    is ServiceUnavailable; a refusal of the user (disabled, not allowed) is InvalidGrant."""
    try:
        return _token_mint(user=user)
    except (pds_errors.Forbidden, pds_errors.InvalidParameter, pds_errors.AccessTokenInvalid) as refused:
        if refused.code.startswith(KEY_REFUSALS) or refused.code.endswith(".Date"):
            log.error("The PDS refused Drive's AccessKey: %s", refused.code)
            raise pds_errors.ServiceUnavailable(refused.code, "The drive service refused Drive's AccessKey.") from None
        raise pds_errors.InvalidGrant(refused.code, refused.message) from None
    except pds_errors.NotFound as missing:
        raise pds_errors.InvalidGrant(missing.code, missing.message) from None


def _token_mint(*, user: User) -> Token:
    client, auth = pds_client(), accesskey_auth()
    body = {"user_id": pds_user_id_for(user)}
    try:
        return Token.from_body(client.signed_call("user/get_access_token", body, auth=auth))
    except pds_errors.NotFound:
        # No user_name: a name is how other ways in (password, LDAP) find a user, and Drive's
        # own user names are not the domain's to hand out.
        profile = {"nick_name": user.get_full_name() or user.get_username()}
        try:
            client.signed_call("user/create", {**body, **profile}, auth=auth)
        except pds_errors.AlreadyExist:
            pass  # another request created them meanwhile
        return Token.from_body(client.signed_call("user/get_access_token", body, auth=auth))
