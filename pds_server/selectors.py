"""Reads of the embedded PDS."""

from __future__ import annotations

from django.conf import settings

from pds_server import errors
from pds_server.models import App, Domain, Drive, PdsUser


def domain_for_host(host: str, suffix: str) -> Domain:
    """`{domain_id}.<suffix>` names a domain; any other host (such as the `127.0.0.1:8000`
    the official SDK sends) means the default domain."""
    hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    hostname = hostname.lower().rstrip(".")
    tail = "." + suffix.lower()
    if hostname.endswith(tail):
        domain_id = hostname[: -len(tail)]
        domain = Domain.objects.filter(domain_id=domain_id).first()
        if domain is None:
            raise errors.NotFound("Domain", f"The domain {domain_id} does not exist.")
        return domain
    return default_domain()


def default_domain() -> Domain:
    domain = Domain.objects.filter(is_default=True).first()
    if domain is None:
        domain = Domain.objects.filter(domain_id=settings.PDS_DEFAULT_DOMAIN_ID).first()
    if domain is None:
        raise errors.NotFound("Domain", "No default domain is configured: run `manage.py pds_bootstrap`.")
    return domain


def app_get(*, domain: Domain, app_id: str) -> App | None:
    if not app_id:
        return None
    return App.objects.filter(domain=domain, app_id=app_id).first()


def user_get(*, domain: Domain, user_id: str) -> PdsUser:
    user = PdsUser.objects.filter(domain=domain, user_id=user_id).first()
    if user is None:
        raise errors.NotFound("User")
    return user


def user_for_signin(*, domain: Domain, login: str) -> PdsUser | None:
    """The sign-in page accepts a user name, or the user id when the name is empty."""
    user = PdsUser.objects.filter(domain=domain, user_name=login).first()
    return user or PdsUser.objects.filter(domain=domain, user_id=login, user_name="").first()


def drive_get(*, domain: Domain, drive_id: str) -> Drive:
    if not str(drive_id).isdigit():
        raise errors.NotFound("Drive")
    drive = Drive.objects.filter(domain=domain, pk=int(drive_id)).first()
    if drive is None:
        raise errors.NotFound("Drive")
    return drive


def drives_of_user(*, user: PdsUser):
    return Drive.objects.filter(domain=user.domain, owner_type=Drive.OwnerType.USER, owner=user.user_id)
