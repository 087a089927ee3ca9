"""`/v2/user/*`: the caller, user administration, and the user search of the share dialog."""

from __future__ import annotations

import dataclasses

from pds_server import errors
from pds_server.api import Caller, parse_limit, parse_str, pds_endpoint
from pds_server.models import PdsUser
from pds_server.selectors import user_get, users_of_domain
from pds_server.selectors.people import UserQuery, users_search
from pds_server.serializers import page_to_pds, user_to_pds
from pds_server.serializers.groups import person_to_pds
from pds_server.services import users as user_services
from pds_server.services.pagination import paginate_by_pk


def target_user(caller: Caller, body: dict) -> PdsUser:
    """An empty body means the caller; another user needs an administrator."""
    user_id = parse_str(body, "user_id", max_length=64)
    if not user_id or (caller.user is not None and user_id == caller.user.user_id):
        return caller.require_user()
    if not caller.is_admin:
        # The same answer whether or not the user exists: no enumeration.
        raise errors.Forbidden("You may only read and change your own user.", code="ForbiddenNoPermission")
    return user_get(domain=caller.domain, user_id=user_id)


@pds_endpoint("/v2/user/get", scope="USER.GET")
def user_get_view(request, caller: Caller, body: dict):
    return user_to_pds(target_user(caller, body))


@pds_endpoint("/v2/user/create", scope="USER.CREATE")
def user_create_view(request, caller: Caller, body: dict):
    caller.require_admin()
    user = user_services.user_create(
        domain=caller.domain,
        user_id=parse_str(body, "user_id", required=True, max_length=64),
        fields={name: body.get(name) for name in user_services.EDITABLE_BY_ADMIN},
        password=parse_str(body, "password") or None,
        creator=caller.user.user_id if caller.user else caller.domain.domain_id,
        actor_is_superadmin=caller.is_superadmin,
    )
    return 201, user_to_pds(user)


@pds_endpoint("/v2/user/list", scope="USER.LIST")
def user_list_view(request, caller: Caller, body: dict):
    caller.require_admin()
    rows, next_marker = paginate_by_pk(
        users_of_domain(domain=caller.domain),
        limit=parse_limit(body, default=100, maximum=100),
        marker=parse_str(body, "marker"),
    )
    return page_to_pds([user_to_pds(user) for user in rows], next_marker)


@pds_endpoint("/v2/user/search", scope="USER.LIST")
def user_search_view(request, caller: Caller, body: dict):
    """Any user of the domain may search (to share with someone), but sees only names and
    avatars, and finds an email or phone only by its exact value; administrators see all."""
    filters = [field.name for field in dataclasses.fields(UserQuery)]
    query = UserQuery(**{name: parse_str(body, name, max_length=254) for name in filters})
    rows, next_marker = paginate_by_pk(
        users_search(domain=caller.domain, query=query),
        limit=parse_limit(body, default=100, maximum=100),
        marker=parse_str(body, "marker"),
    )
    return page_to_pds([person_to_pds(user, full=caller.is_admin) for user in rows], next_marker)


@pds_endpoint("/v2/user/update", scope="USER.UPDATE")
def user_update_view(request, caller: Caller, body: dict):
    parse_str(body, "user_id", required=True)
    user = target_user(caller, body)
    if user.role == PdsUser.Role.SUPERADMIN and not caller.is_superadmin and user != caller.user:
        raise errors.Forbidden(
            "Only a super administrator may change a super administrator.", code="ForbiddenNoPermission"
        )
    fields = {name: body.get(name) for name in user_services.EDITABLE_BY_ADMIN if name in body}
    user = user_services.user_update(
        user=user, fields=fields, actor_is_admin=caller.is_admin, actor_is_superadmin=caller.is_superadmin
    )
    return user_to_pds(user)


@pds_endpoint("/v2/user/delete", scope="USER.DELETE")
def user_delete_view(request, caller: Caller, body: dict):
    caller.require_admin()
    user = user_get(domain=caller.domain, user_id=parse_str(body, "user_id", required=True, max_length=64))
    if caller.user is not None and user.pk == caller.user.pk:
        raise errors.Forbidden("You cannot delete yourself.", code="ForbiddenNoPermission")
    if user.role == PdsUser.Role.SUPERADMIN and not caller.is_superadmin:
        raise errors.Forbidden(
            "Only a super administrator may delete a super administrator.", code="ForbiddenNoPermission"
        )
    user_services.user_delete(user=user)
    return 204, None
