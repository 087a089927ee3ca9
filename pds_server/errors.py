"""PDS errors: `{"code", "message"}` with the HTTP status of pds-api.md section 7."""

from __future__ import annotations


class PdsError(Exception):
    status = 400
    code = "InvalidParameter"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        extra: dict | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.extra = extra or {}
        self.headers = headers or {}  # HTTP headers of the answer (Retry-After)

    def body(self) -> dict:
        return {"code": self.code, "message": self.message, **self.extra}


class InvalidParameter(PdsError):
    status = 400
    code = "InvalidParameter"


class MissingParameter(PdsError):
    status = 400
    code = "InvalidParameterMissing"

    def __init__(self, name: str):
        super().__init__(f"{name} is required", code=f"InvalidParameterMissing.{name}")


class AccessTokenInvalid(PdsError):
    status = 401
    code = "AccessTokenInvalid"


class AccessTokenExpired(PdsError):
    status = 401
    code = "AccessTokenExpired"


class Forbidden(PdsError):
    status = 403
    code = "Forbidden"


class NotFound(PdsError):
    status = 404
    code = "NotFound"

    def __init__(self, resource: str, message: str | None = None):
        super().__init__(message or f"The specified {resource.lower()} is not found.", code=f"NotFound.{resource}")


class AlreadyExist(PdsError):
    status = 409
    code = "AlreadyExist"

    def __init__(self, resource: str, message: str | None = None, extra: dict | None = None):
        super().__init__(
            message or f"The {resource.lower()} already exists.", code=f"AlreadyExist.{resource}", extra=extra
        )


class TooManyRequests(PdsError):
    """Too many failed guesses: try again after `retry_after` seconds (RFC 6585 section 4)."""

    status = 429
    code = "TooManyRequests"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class OAuthError(PdsError):
    """Token-endpoint errors: OAuth's `error`/`error_description` beside PDS's `code`/`message`."""

    def __init__(self, error: str, description: str, *, code: str, status: int = 400):
        super().__init__(description, code=code, status=status)
        self.error = error

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.message, "code": self.code, "message": self.message}


def invalid_client(description: str = "Client authentication failed.", code: str = "InvalidClientId") -> OAuthError:
    return OAuthError("invalid_client", description, code=code, status=401)


def invalid_grant(description: str, code: str = "InvalidCode") -> OAuthError:
    return OAuthError("invalid_grant", description, code=code)


def invalid_request(description: str) -> OAuthError:
    return OAuthError("invalid_request", description, code="InvalidParameter")
