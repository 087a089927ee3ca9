"""The PDS wire format for protocol views: one endpoint decorator that parses the request,
authenticates the caller (bearer token, share token, or nothing), checks the scope, calls
the handler and turns its result, or the `PdsError` it raised, into the PDS answer. Views
decorated with `pds_endpoint` hold no policy; services never import this module.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from pds_server import errors
from pds_server.models import AccessKey, AccessToken, Domain, PdsUser, ShareLink
from pds_server.services import accesskeys, audit, audit_changes
from pds_server.services.access import Actor
from pds_server.services.shares import share_for_token
from pds_server.services.tokens import access_token_authenticate

log = logging.getLogger(__name__)

MAX_INT = 2**63 - 1
BEARER = re.compile(r"^\s*bearer\s+(\S+)\s*$", re.IGNORECASE)

Auth = Literal["bearer", "share", "none"]
Body = Literal["json", "query", "none"]
Result = dict | list | tuple[int, dict | None] | HttpResponseBase
Handler = Callable[..., Result]


def json_response(body: dict | list | None, status: int = 200, headers: dict | None = None) -> HttpResponse:
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
    return json_response(error.body(), error.status, error.headers)


def method_not_allowed(method: str) -> HttpResponse:
    return error_response(errors.PdsError(f"Use {method}.", code="MethodNotAllowed", status=405))


def public_base_url(request: HttpRequest) -> str:
    """Where signed URLs point: PDS_PUBLIC_URL behind a proxy, else where the request came."""
    return settings.PDS_PUBLIC_URL or f"{request.scheme}://{request.get_host()}"


@dataclass
class Caller:
    """Who is calling: the domain from the Host header and, when authenticated, the token
    (and, with x-share-token, the share link)."""

    domain: Domain
    base_url: str = ""
    token: AccessToken | None = None
    raw_token: str = ""  # kept for the legacy proof_code check only; never logged
    share: ShareLink | None = None
    access_key: AccessKey | None = None  # a request signed with an AccessKey pair: its role, no user
    # While a batch of reads runs: what its sub-requests share (views/common.py's drive
    # grants and file rows), read once for all of them. None otherwise.
    batch_reads: dict[tuple, Any] | None = None

    @property
    def is_service(self) -> bool:
        return self.access_key is not None or (self.token is not None and self.token.is_service)

    @property
    def user(self) -> PdsUser | None:
        return self.token.user if self.token else None

    @property
    def user_id(self) -> str:
        return self.user.user_id if self.user else ""

    @property
    def is_admin(self) -> bool:
        if self.access_key is not None:
            return True
        if self.token is None:
            return False
        return self.token.is_service or (self.token.user is not None and self.token.user.is_admin)

    @property
    def is_superadmin(self) -> bool:
        if self.access_key is not None:
            return self.access_key.role == AccessKey.Role.SUPERADMIN
        if self.token is None:
            return False
        return self.token.is_service or (
            self.token.user is not None and self.token.user.role == PdsUser.Role.SUPERADMIN
        )

    @property
    def actor(self) -> Actor:
        return Actor(domain=self.domain, user=self.user, is_admin=self.is_admin)

    def require_user(self) -> PdsUser:
        if self.user is None:
            raise errors.InvalidParameter(
                "user_id is required for a service token", code="InvalidParameterMissing.user_id"
            )
        return self.user

    def require_admin(self) -> None:
        if not self.is_admin:
            raise errors.Forbidden("This operation needs an administrator.", code="ForbiddenNoPermission")

    def require_scope(self, scope: str | None) -> None:
        if scope and self.token is not None and not has_scope(self.token.scopes, scope):
            raise errors.Forbidden(f"The access token lacks the scope {scope}.", code="ForbiddenNoPermission")


def bearer_token_from(request: HttpRequest) -> str | None:
    """`Authorization: Bearer <t>` in any case and with any whitespace, or `x-acs-bearer-token`."""
    match = BEARER.match(request.headers.get("Authorization", ""))
    if match:
        return match.group(1)
    return request.headers.get("x-acs-bearer-token") or None


def has_scope(scopes: list[str], needed: str) -> bool:
    family = needed.split(".", 1)[0]
    return needed in scopes or f"{family}.ALL" in scopes


def parse_json_body(request: HttpRequest) -> dict:
    try:
        raw = request.body
    except RequestDataTooBig:
        raise errors.PdsError(
            f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.",
            code="EntityTooLarge",
            status=413,
        ) from None
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise errors.InvalidParameter(
            f"The request body is not valid JSON: {exc}", code="InvalidRequestJSONFormat"
        ) from None
    except RecursionError:  # nesting deeper than the parser's stack
        raise errors.InvalidParameter(
            "The request body is nested too deeply.", code="InvalidRequestJSONFormat"
        ) from None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise errors.InvalidParameter("The request body must be a JSON object.", code="InvalidRequestJSONFormat")
    for name, value in body.items():
        if holds_nul(value):  # no text column (PostgreSQL's least of all) stores it
            field = "Name" if name == "name" else name[:64]
            message = f"{name[:64]} may not contain NUL characters"
            raise errors.InvalidParameter(message, code=f"InvalidParameter.{field}")
    return body


def holds_nul(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if depth > 32:
        return False
    if isinstance(value, dict):
        return any(holds_nul(key, depth + 1) or holds_nul(item, depth + 1) for key, item in value.items())
    if isinstance(value, list):
        return any(holds_nul(item, depth + 1) for item in value)
    return False


def authenticate(request: HttpRequest, body: dict, *, auth: Auth, scope: str | None) -> Caller:
    caller = Caller(domain=request.pds_domain, base_url=public_base_url(request))  # type: ignore[attr-defined]
    if auth == "none":
        return caller
    share_token = request.headers.get("x-share-token")
    if auth == "share" and share_token and body.get("share_id"):
        caller.share = share_for_token(share_id=body["share_id"], token=share_token)
        if caller.share.drive.domain_id != caller.domain.pk:
            raise errors.NotFound("ShareLink")
        raw = bearer_token_from(request)
        if raw:  # a visitor saving a copy also brings their own token
            caller.raw_token = raw
            caller.token = access_token_authenticate(domain=caller.domain, raw_token=raw)
        return caller
    if accesskeys.is_accesskey_request(request):
        # A signed request acts with the key's role in its own domain; it has no scopes to check.
        try:
            caller.access_key = accesskeys.accesskey_authenticate(request=request, domain=caller.domain)
        except errors.PdsError as refusal:
            if refusal.code in accesskeys.AUDITED_REFUSALS:  # a key of this domain, not a flood of made-up ids
                audit.accesskey_use_record(request=request, domain=caller.domain, access_key=None, error=refusal)
            raise
        audit.accesskey_use_record(request=request, domain=caller.domain, access_key=caller.access_key, error=None)
        return caller
    caller.raw_token = bearer_token_from(request) or ""
    caller.token = access_token_authenticate(domain=caller.domain, raw_token=caller.raw_token)
    caller.require_scope(scope)
    return caller


def as_response(result: Result) -> HttpResponseBase:
    if isinstance(result, HttpResponseBase):
        return result
    status, payload = result if isinstance(result, tuple) else (200, result)
    return json_response(payload, status)


@dataclass(frozen=True)
class Endpoint:
    path: str
    scope: str | None
    auth: Auth
    handler: Handler
    methods: tuple[str, ...] = ("POST",)
    body: Body = "json"


# Every endpoint by path (urls.py routes them all); those marked batchable are also what
# `/v2/batch` dispatches sub-requests to. ENDPOINTS is what pds_server/openapi describes.
ROUTES: dict[str, Callable[[HttpRequest], HttpResponse]] = {}
BATCHABLE: dict[str, Endpoint] = {}
ENDPOINTS: dict[str, Endpoint] = {}


def pds_endpoint(
    path: str,
    *,
    scope: str | None,
    auth: Auth = "bearer",
    methods: tuple[str, ...] = ("POST",),
    body: Body = "json",
    batchable: bool = False,
    finish: Callable[[HttpResponse, errors.PdsError | None], HttpResponse] | None = None,
) -> Callable[[Handler], Callable[[HttpRequest], HttpResponse]]:
    """Make `handler(request, caller, body) -> dict | (status, dict) | HttpResponse` the view
    of `path`. A `PdsError` raised anywhere inside becomes the PDS JSON error here, the
    one place that does so. `finish` may add headers to every answer (and sees the error)."""

    def decorate(handler: Handler) -> Callable[[HttpRequest], HttpResponse]:
        if path in audit.ACTIONS:
            handler = audited(path, handler)
        endpoint = Endpoint(path=path, scope=scope, auth=auth, handler=handler, methods=methods, body=body)
        ENDPOINTS[path] = endpoint

        @csrf_exempt
        @functools.wraps(handler)
        def view(request: HttpRequest) -> HttpResponse:
            failure: errors.PdsError | None = None
            if request.method not in methods:
                response = method_not_allowed(methods[0])
            else:
                try:
                    payload = {"json": parse_json_body, "query": lambda r: r.GET.dict(), "none": lambda r: {}}[body](
                        request
                    )
                    caller = authenticate(request, payload, auth=auth, scope=scope)
                    response = as_response(handler(request, caller, payload))
                except errors.PdsError as error:
                    failure, response = error, error_response(error)
            return finish(response, failure) if finish else response

        ROUTES[path] = view
        if batchable:
            BATCHABLE[path] = endpoint
        return view

    return decorate


def audited(path: str, handler: Handler) -> Handler:
    """The handler of a change, writing its audit row (services/audit.py): the object as it
    was before, then the answer or the PdsError (services/audit_changes.py). Batch
    sub-requests run this same wrapper."""

    @functools.wraps(handler)
    def run(request: HttpRequest, caller: Caller, body: dict) -> Result:
        pending = audit_changes.action_begin(
            path=path,
            domain=caller.domain,
            who=audit.who_of(request, token=caller.token, access_key=caller.access_key),
            body=body,
            share=caller.share,
        )
        try:
            result = handler(request, caller, body)
        except errors.PdsError as error:
            audit_changes.action_end(pending, answer=None, error=error)
            raise
        except Exception:
            try:  # a crash is a failed change too; the row must not hide the crash
                crash = errors.PdsError("The server failed.", code="InternalError", status=500)
                audit_changes.action_end(pending, answer=None, error=crash)
            except Exception:
                log.exception("Could not write the audit row of a failed %s", path)
            raise
        payload = None if isinstance(result, HttpResponseBase) else result[1] if isinstance(result, tuple) else result
        audit_changes.action_end(pending, answer=payload, error=None)
        return result

    return run


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


def parse_str(
    body: dict, name: str, *, required: bool = False, max_length: int | None = None, default: str = ""
) -> str:
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
    except (TypeError, ValueError, OverflowError):  # OverflowError: 1e400 is infinity
        raise errors.InvalidParameter(f"{name} must be an integer", code=f"InvalidParameter.{name}") from None
    if not -MAX_INT <= number <= MAX_INT:  # what a 64-bit database column holds
        raise errors.InvalidParameter(f"{name} is out of range", code=f"InvalidParameter.{name}")
    if minimum is not None and number < minimum:
        raise errors.InvalidParameter(f"{name} must be at least {minimum}", code=f"InvalidParameter.{name}")
    return number


def parse_limit(body: dict, *, default: int, maximum: int) -> int:
    # Clients such as alist send 200 where the docs say 100: clamp rather than reject.
    limit = parse_int(body, "limit", default=default)
    return max(1, min(default if limit is None else limit, maximum))
