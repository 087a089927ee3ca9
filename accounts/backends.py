"""How a request's user is read from its session: with their Credential, in one query."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from drive_site.compiled_reads import CompiledRead

# The backend sign-ins name (settings.AUTHENTICATION_BACKENDS lists it first).
SIGNIN_BACKEND = "accounts.backends.UserWithCredentialBackend"

# Read on every request with a session: its SQL is compiled once per thread.
_user_with_credential = CompiledRead(
    lambda pk: get_user_model()._default_manager.select_related("pds_credential").filter(pk=pk)[:1]
)


class UserWithCredentialBackend(ModelBackend):
    """Django's ModelBackend, except that the session's user comes with their PDS
    Credential (select_related): every Drive page and download needs both, and this saves
    the second query (accounts/selectors.request_credential uses the row read here)."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            # Django's ModelBackend, listed after this one for older sessions, would check the
            # same password again: a wrong one would cost two hashings. Stop here.
            raise PermissionDenied
        return user

    def get_user(self, user_id: Any) -> Any:
        try:
            pk = get_user_model()._meta.pk.to_python(user_id)  # the compiled read takes the field's type
        except ValidationError:
            return None
        if pk is None:
            return None
        user = _user_with_credential.first(pk)
        return user if user is not None and self.user_can_authenticate(user) else None
