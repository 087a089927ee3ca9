"""Who the signed-in person is to the PDS: their PDS user id (to tell "You" in lists of people,
versions and activity) and their name as the page header shows it."""

from __future__ import annotations

from django.http import HttpRequest


def my_pds_user_id(request: HttpRequest) -> str:
    """The signed-in person's PDS user id, or "" (signed out, or never signed in to the PDS)."""
    identity = getattr(request.user, "pds_identity", None)
    return identity.pds_user_id if identity is not None else ""


def my_name(request: HttpRequest) -> str:
    """The signed-in person's name as the page header shows it."""
    return str(getattr(request.user, "first_name", "") or request.user.get_username())
