"""One exception class per PDS error family, chosen from the response's `code`.

Every error carries `code`, `message`, the HTTP `status` and the `request_id` of the
`x-ca-request-id` header. None of them ever holds a token or a signed URL.
"""

from __future__ import annotations


class PDSError(Exception):
    code_prefix = ""

    def __init__(self, code: str, message: str, status: int | None = None, request_id: str = "") -> None:
        super().__init__(f"{code}: {message} (HTTP {status}, request {request_id or '-'})")
        self.code = code
        self.message = message
        self.status = status
        self.request_id = request_id


class InvalidParameter(PDSError):
    code_prefix = "InvalidParameter"


class InvalidResource(PDSError):
    """A wrong share password (`InvalidResource.SharePwd`) and the like."""

    code_prefix = "InvalidResource"


class AccessTokenInvalid(PDSError):
    code_prefix = "AccessTokenInvalid"


class AccessTokenExpired(PDSError):
    code_prefix = "AccessTokenExpired"


class ShareLinkTokenInvalid(PDSError):
    code_prefix = "ShareLinkTokenInvalid"


class Forbidden(PDSError):
    code_prefix = "Forbidden"


class QuotaExhausted(PDSError):
    code_prefix = "QuotaExhausted"


class NotFound(PDSError):
    code_prefix = "NotFound"


class AlreadyExist(PDSError):
    code_prefix = "AlreadyExist"


class PreHashMatched(PDSError):
    code_prefix = "PreHashMatched"


class TooManyRequests(PDSError):
    code_prefix = "TooManyRequests"


class ServiceUnavailable(PDSError):
    """The PDS could not be reached, timed out, or answered 5xx: transient, try later."""

    code_prefix = "ServiceUnavailable"


class InternalError(ServiceUnavailable):
    code_prefix = "InternalError"


# OAuth token-endpoint errors (RFC 6749 section 5.2), chosen from `error`.
class OAuthError(PDSError):
    error = ""


class InvalidGrant(OAuthError):
    """The grant (code, refresh token, assertion) is dead: final, never retried."""

    error = "invalid_grant"


class InvalidClient(OAuthError):
    error = "invalid_client"


class InvalidScope(OAuthError):
    error = "invalid_scope"


_BY_PREFIX: list[type[PDSError]] = [
    InvalidParameter,
    InvalidResource,
    AccessTokenInvalid,
    AccessTokenExpired,
    ShareLinkTokenInvalid,
    Forbidden,
    QuotaExhausted,
    NotFound,
    AlreadyExist,
    PreHashMatched,
    TooManyRequests,
    ServiceUnavailable,
    InternalError,
]
_BY_OAUTH_ERROR = {cls.error: cls for cls in (InvalidGrant, InvalidClient, InvalidScope)}


def error_from_response(status: int, body: dict, request_id: str) -> PDSError:
    cls: type[PDSError]
    code = str(body.get("code") or body.get("Code") or "")
    message = str(body.get("message") or body.get("Message") or body.get("error_description") or f"HTTP {status}")
    oauth_error = body.get("error")
    if oauth_error:
        cls = _BY_OAUTH_ERROR.get(oauth_error, OAuthError)
        return cls(code or oauth_error, message, status, request_id)
    for cls in _BY_PREFIX:
        if code == cls.code_prefix or code.startswith(cls.code_prefix + "."):
            return cls(code, message, status, request_id)
    if status >= 500:
        return ServiceUnavailable(code or "ServiceUnavailable", message, status, request_id)
    if status == 401:
        return AccessTokenInvalid(code or "AccessTokenInvalid", message, status, request_id)
    if status == 403:  # ForbiddenNoPermission.File, ForbiddenDriveLocked, ...: refusals all the same
        return Forbidden(code or "Forbidden", message, status, request_id)
    return PDSError(code or f"HTTP{status}", message, status, request_id)
