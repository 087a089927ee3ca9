"""A server holding an AccessKey pair gets a user's access token (the legacy operations the
PDS documents for "AccessKey interface access", pds-api.md section 6):
`/v2/user/get_access_token` {user_id} and `/v2/account/get_access_token_by_link_info`
{type, identity}. Only a signed request may ask: a user's token is a key's to mint."""

from __future__ import annotations

from pds_server import errors
from pds_server.api import Caller, parse_str, pds_endpoint
from pds_server.models import AccessKey, PdsUser
from pds_server.selectors import user_get
from pds_server.serializers import token_to_pds
from pds_server.services import accesskeys, audit


def signing_key(caller: Caller) -> AccessKey:
    if caller.access_key is None:
        raise errors.Forbidden("Only a request signed with an AccessKey pair may get a user's token.")
    return caller.access_key


def user_token(request, caller: Caller, key: AccessKey, user: PdsUser) -> dict:
    issued = accesskeys.accesskey_user_token(access_key=key, user=user)
    audit.token_signin_record(
        request=request,
        domain=caller.domain,
        token=issued.access_token,
        grant_type="accesskey",
        detail={"access_key_id": key.access_key_id},
    )
    return token_to_pds(issued)


@pds_endpoint("/v2/user/get_access_token", scope=None)
def user_access_token_view(request, caller: Caller, body: dict):
    key = signing_key(caller)
    user = user_get(domain=caller.domain, user_id=parse_str(body, "user_id", required=True, max_length=64))
    return user_token(request, caller, key, user)


@pds_endpoint("/v2/account/get_access_token_by_link_info", scope=None)
def link_info_access_token_view(request, caller: Caller, body: dict):
    key = signing_key(caller)
    user = accesskeys.user_by_link_info(
        domain=caller.domain,
        link_type=parse_str(body, "type", required=True, max_length=32),
        identity=parse_str(body, "identity", required=True, max_length=254),
    )
    return user_token(request, caller, key, user)
