"""The PDS wire format for protocol views: JSON bodies in and out, bearer authentication,
scope checks and PDS JSON errors. Views decorated with `pds_endpoint` hold no policy.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from pds_server import errors
from pds_server.models import AccessToken, Domain, PdsUser

log = logging.getLogger(__name__)

_BEARER = re.compile(r"^\s*bearer\s+(\S+)\s*$", re.IGNORECASE)


def json_response(body: dict | None, status: int = 200, headers: dict | None = None) -> HttpResponse:
    if status == 204:
        response = HttpResponse(status=204)
    else:
        response = HttpResponse(
            json.dumps(body if body is not None else {}, ensure_ascii=False, separators=(",", ":")),
            status=status,
            content_type="application/json; charset=utf-8",
        )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(error: errors.PdsError) -> HttpResponse:
    return json_response(error.body(), error.status)


def method_not_allowed(method: str) -> HttpResponse:
    return error_response(errors.PdsError(f"Use {method}.", code="MethodNotAllowed", status=405))


@dataclass
class Caller:
    """Who is calling: the domain from the Host header and, when authenticated, the token."""

    domain: Domain
    token: AccessToken | None = None
    raw_token: str = ""  # kept for the legacy proof_code check only; never logged
    share: Any = None  # a ShareLink when the caller came with x-share-token

    @property
    def user(self) -> PdsUser | None:
        return self.token.user if self.token else None

    @property
    def is_admin(self) -> bool:
        if self.token is None:
            return False
        return self.token.is_service or (self.token.user is not None and self.token.user.is_admin)

    @property
    def is_superadmin(self) -> bool:
        if self.token is None:
            return False
        return self.token.is_service or (self.token.user is not None and self.token.user.role == PdsUser.Role.SUPERADMIN)

    def require_user(self) -> PdsUser:
        if self.user is None:
            raise errors.InvalidParameter("user_id is required for a service token", code="InvalidParameterMissing.user_id")
        return self.user

    def require_admin(self) -> None:
        if not self.is_admin:
            raise errors.Forbidden("This operation needs an administrator.", code="ForbiddenNoPermission")


def bearer_token_from(request: HttpRequest) -> str | None:
    """`Authorization: Bearer <t>` in any case and with any whitespace, or `x-acs-bearer-token`."""
    match = _BEARER.match(request.headers.get("Authorization", ""))
    if match:
        return match.group(1)
    return request.headers.get("x-acs-bearer-token") or None


def has_scope(scopes: list[str], needed: str) -> bool:
    family = needed.split(".", 1)[0]
    return needed in scopes or f"{family}.ALL" in scopes


def parse_json_body(request: HttpRequest) -> dict:
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise errors.InvalidParameter(f"The request body is not valid JSON: {exc}", code="InvalidRequestJSONFormat") from None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise errors.InvalidParameter("The request body must be a JSON object.", code="InvalidRequestJSONFormat")
    return body


def pds_endpoint(*, scope: str | None, anonymous: bool = False) -> Callable:
    """Wrap a handler `(request, caller, body) -> dict | (status, dict)` in the PDS wire format.

    With `scope`, the caller must present a bearer token carrying that scope (or its `.ALL`).
    """

    def decorate(handler: Callable) -> Callable:
        @csrf_exempt
        @functools.wraps(handler)
        def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method != "POST":
                return method_not_allowed("POST")
            try:
                body = parse_json_body(request)
                caller = Caller(domain=request.pds_domain)
                if not anonymous:
                    from pds_server.services.tokens import access_token_authenticate

                    caller.raw_token = bearer_token_from(request) or ""
                    caller.token = access_token_authenticate(domain=caller.domain, raw_token=caller.raw_token)
                    if scope and not has_scope(caller.token.scopes, scope):
                        raise errors.Forbidden(f"The access token lacks the scope {scope}.", code="ForbiddenNoPermission")
                result = handler(request, caller, body, *args, **kwargs)
            except errors.PdsError as error:
                return error_response(error)
            if isinstance(result, HttpResponse):
                return result
            status, payload = result if isinstance(result, tuple) else (200, result)
            return json_response(payload, status)

        return view

    return decorate


# --- Field parsing -------------------------------------------------------------------


def parse_bool(value: Any, name: str, default: bool = False) -> bool:
    """The Python SDK sends booleans as `True`; accept JSON booleans and their spellings."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in ("true", "1", "yes"):
        return True
    if str(value).strip().lower() in ("false", "0", "no"):
        return False
    raise errors.InvalidParameter(f"{name} must be a boolean", code=f"InvalidParameter.{name}")


def parse_str(body: dict, name: str, *, required: bool = False, max_length: int | None = None, default: str = "") -> str:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise errors.MissingParameter(name)
        return default
    if not isinstance(value, str):
        raise errors.InvalidParameter(f"{name} must be a string", code=f"InvalidParameter.{name}")
    if max_length is not None and len(value) > max_length:
        raise errors.InvalidParameter(f"{name} is longer than {max_length} characters", code=f"InvalidParameter.{name}")
    return value


def parse_int(body: dict, name: str, *, default: int | None = None, minimum: int | None = None) -> int | None:
    value = body.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise errors.InvalidParameter(f"{name} must be an integer", code=f"InvalidParameter.{name}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise errors.InvalidParameter(f"{name} must be an integer", code=f"InvalidParameter.{name}") from None
    if minimum is not None and number < minimum:
        raise errors.InvalidParameter(f"{name} must be at least {minimum}", code=f"InvalidParameter.{name}")
    return number


def parse_limit(body: dict, *, default: int, maximum: int) -> int:
    # Clients such as alist send 200 where the docs say 100: clamp rather than reject.
    limit = parse_int(body, "limit", default=default)
    return max(1, min(limit, maximum))


# --- Keyset pagination ----------------------------------------------------------------


def encode_marker(value: int) -> str:
    return base64.urlsafe_b64encode(f"k{value}".encode()).decode().rstrip("=")


def decode_marker(marker: str) -> int | None:
    if not marker:
        return None
    try:
        raw = base64.urlsafe_b64decode(marker + "=" * (-len(marker) % 4)).decode()
        if not raw.startswith("k"):
            raise ValueError
        return int(raw[1:])
    except (ValueError, UnicodeDecodeError):
        raise errors.InvalidParameter("marker is not valid", code="InvalidParameter.Marker") from None


def paginate_by_pk(queryset, *, limit: int, marker: str) -> tuple[list, str]:
    """One page ordered by primary key: cost depends on the page size, not on the table size."""
    after = decode_marker(marker)
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    rows = list(queryset.order_by("pk")[: limit + 1])
    next_marker = encode_marker(rows[limit - 1].pk) if len(rows) > limit else ""
    return rows[:limit], next_marker


# --- Time formats of pds-api.md section 1 --------------------------------------------------


def iso_ms(moment: datetime | None) -> str:
    if moment is None:
        return ""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def epoch_ms(moment: datetime | None) -> int:
    return int(moment.timestamp() * 1000) if moment else 0


def expire_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
