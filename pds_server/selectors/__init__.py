"""Reads of the embedded PDS: domains, users, drives, share links, async tasks. File reads
are in `pds_server.selectors.files`."""

from __future__ import annotations

import copy
import time

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_migrate, post_save

from pds_server import errors
from pds_server.models import AsyncTask, Domain, Drive, PdsUser, ShareLink
from pds_server.services.access import Actor, owner_filter, row_id

# (domain id or None for the default domain, suffix) -> (when read, the Domain): each process's
# few seconds of domains, so that a request pays no query for its Host (PDS_DOMAIN_CACHE_SECONDS).
# Misses are not kept. Never keyed by the raw Host, and cleared past _DOMAINS_MAX entries, so
# that no Host header a client sends can grow it without limit.
_DOMAINS: dict[tuple[str | None, str], tuple[float, Domain]] = {}
_DOMAINS_MAX = 256


def domains_forget(**_: object) -> None:
    """Drop this process's domains: a Domain saved or deleted here (or a database flushed)
    applies at once; other processes see it within PDS_DOMAIN_CACHE_SECONDS."""
    _DOMAINS.clear()


post_save.connect(domains_forget, sender=Domain, dispatch_uid="pds_domains_forget_save")
post_delete.connect(domains_forget, sender=Domain, dispatch_uid="pds_domains_forget_delete")
post_migrate.connect(domains_forget, dispatch_uid="pds_domains_forget_migrate")


def domain_for_host(host: str, suffix: str) -> Domain:
    """The domain a Host header names, kept by each process for PDS_DOMAIN_CACHE_SECONDS.
    Each call gets its own copy: a request that changes its domain's fields changes no one
    else's."""
    seconds = settings.PDS_DOMAIN_CACHE_SECONDS
    domain_id = _domain_id_of_host(host, suffix)
    key = (domain_id, suffix)  # every host that names no domain shares the default's key
    if seconds > 0:
        kept = _DOMAINS.get(key)
        if kept is not None and time.monotonic() - kept[0] < seconds:
            return copy.copy(kept[1])
    domain = _domain_for_host(host, suffix)
    if seconds > 0:
        if len(_DOMAINS) >= _DOMAINS_MAX:
            _DOMAINS.clear()
        _DOMAINS[key] = (time.monotonic(), copy.copy(domain))
    return domain


def domain_kept(pk: int) -> Domain | None:
    """A copy of the domain with this row id if this process read it within
    PDS_DOMAIN_CACHE_SECONDS (else None: the caller reads it)."""
    seconds, now = settings.PDS_DOMAIN_CACHE_SECONDS, time.monotonic()
    for read_at, domain in list(_DOMAINS.values()):
        if domain.pk == pk and now - read_at < seconds:
            return copy.copy(domain)
    return None


def _domain_id_of_host(host: str, suffix: str) -> str | None:
    """The domain id of `{domain_id}.<suffix>` (any case, port, trailing dot); None for any other
    host (such as the `127.0.0.1:8000` the official SDK sends), which means the default domain."""
    hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    hostname = hostname.lower().rstrip(".")
    tail = "." + suffix.lower()
    return hostname[: -len(tail)] if hostname.endswith(tail) else None


def _domain_for_host(host: str, suffix: str) -> Domain:
    """`{domain_id}.<suffix>` names a domain; any other host means the default domain."""
    domain_id = _domain_id_of_host(host, suffix)
    if domain_id is not None:
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
    pk = row_id(drive_id)
    drive = Drive.objects.filter(domain=domain, pk=pk).first() if pk is not None else None
    if drive is None:
        raise errors.NotFound("Drive")
    return drive


def drives_of_user(*, user: PdsUser) -> QuerySet[Drive]:
    return Drive.objects.filter(owner_filter(user.user_id), domain=user.domain)


def drives_of_domain(*, domain: Domain, owner: str = "", owner_type: str = "") -> QuerySet[Drive]:
    drives = Drive.objects.filter(domain=domain).select_related("domain")
    if owner:
        drives = drives.filter(owner=owner)
    if owner_type:
        drives = drives.filter(owner_type=owner_type)
    return drives


def users_of_domain(*, domain: Domain) -> QuerySet[PdsUser]:
    return PdsUser.objects.filter(domain=domain).select_related("domain")


def share_links_of(*, domain: Domain, creator: str, include_cancelled: bool) -> QuerySet[ShareLink]:
    rows = ShareLink.objects.select_related("drive__domain").filter(drive__domain=domain, creator=creator)
    return rows if include_cancelled else rows.filter(cancelled_at__isnull=True)


def share_link_own(*, actor: Actor, share_id: str) -> ShareLink:
    """A share link its creator (or an administrator) manages; anyone else gets a 404."""
    share = (
        ShareLink.objects.select_related("drive__domain").filter(share_id=share_id, drive__domain=actor.domain).first()
    )
    if share is None or not (actor.is_admin or (actor.user is not None and share.creator == actor.user.user_id)):
        raise errors.NotFound("ShareLink")
    return share


def async_task_get(*, actor: Actor, async_task_id: str) -> AsyncTask:
    task = AsyncTask.objects.filter(async_task_id=async_task_id, domain=actor.domain).first()
    if task is None or (not actor.is_admin and task.user_id != actor.user_id):
        raise errors.NotFound("AsyncTask")
    return task
