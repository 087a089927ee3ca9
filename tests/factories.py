"""Rows for tests, made the way an administrator makes them: a domain is a plain record,
users, apps and drives go through their services (so passwords are hashed, client secrets
digested, a user's first drive becomes their default). Every argument can be overridden:

    domain = DomainFactory(domain_id="acme")
    bob = PdsUserFactory(domain=domain, user_id="bob", password="bob-password-1")
    app = AppFactory(domain=domain, app_type=App.AppType.WEB_SERVER, redirect_uris=[uri])
    app.client_secret  # shown once, as the service returns it; never stored
    drive = DriveFactory(user=bob, total_size=10 * 1024**2)
"""

from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from pds_server.models import App, Domain, Drive, PdsUser
from pds_server.routers import PDS_DB
from pds_server.services.apps import app_create
from pds_server.services.drives import drive_create
from pds_server.services.users import user_create


class DomainFactory(DjangoModelFactory):
    class Meta:
        model = Domain
        database = PDS_DB  # factory_boy writes to its own alias, not through the router
        django_get_or_create = ("domain_id",)

    domain_id = factory.Sequence(lambda n: f"domain{n}")
    name = factory.LazyAttribute(lambda domain: domain.domain_id.title())
    is_default = False


class PdsUserFactory(factory.Factory):
    """A domain user with a password, through `user_create`; `**fields` are its profile."""

    class Meta:
        model = PdsUser

    domain = factory.SubFactory(DomainFactory)
    user_id = factory.Sequence(lambda n: f"user{n}")
    user_name = factory.LazyAttribute(lambda user: user.user_id)
    nick_name = factory.LazyAttribute(lambda user: user.user_id.title())
    role = PdsUser.Role.USER
    password = "correct horse battery"

    @classmethod
    def _create(
        cls, model_class: type[PdsUser], *, domain: Domain, user_id: str, password: str, **fields: Any
    ) -> PdsUser:
        return user_create(domain=domain, user_id=user_id, fields=fields, password=password)


class AppFactory(factory.Factory):
    """An app through `app_create`; a web-server app's client secret is on `client_secret`."""

    class Meta:
        model = App

    domain = factory.SubFactory(DomainFactory)
    name = factory.Sequence(lambda n: f"App {n}")
    app_type = App.AppType.WEB_SERVER
    redirect_uris = factory.LazyFunction(lambda: ["http://drive.test/accounts/callback/"])
    public_key = ""

    @classmethod
    def _create(cls, model_class: type[App], **kwargs: Any) -> App:
        app, secret = app_create(**kwargs)
        app.client_secret = secret  # type: ignore[attr-defined]
        return app


class DriveFactory(factory.Factory):
    """A user's drive through `drive_create` (their default if they have none); pass
    `owner_type=Drive.OwnerType.GROUP, owner=..., domain=...` for a team drive."""

    class Meta:
        model = Drive

    class Params:
        # The owning user, made unless the drive is a team's.
        user = factory.Maybe(
            factory.LazyAttribute(lambda drive: drive.owner_type == Drive.OwnerType.USER),
            yes_declaration=factory.SubFactory(PdsUserFactory),
            no_declaration=None,
        )

    domain = factory.SelfAttribute("user.domain")
    owner = factory.SelfAttribute("user.user_id")
    owner_type = Drive.OwnerType.USER
    drive_name = factory.LazyAttribute(lambda drive: f"{drive.owner}'s drive")
    total_size = None
    make_default = False

    @classmethod
    def _create(cls, model_class: type[Drive], **kwargs: Any) -> Drive:
        return drive_create(**kwargs)


def listing_entries(
    drive: Drive,
    names: list[str],
    *,
    parent_id: str = "root",
    kind: str = "file",
    id_prefix: str = "",
    category: str = "doc",
    size: Any = None,
    updated_at: Any = None,
) -> list[Any]:
    """Many entries of a folder at once, straight into the PDS's table (no blob behind a
    file): for pages of a big listing, where making each through the API would take minutes.
    `size(i)` and `updated_at(i)` give entry i's values (default: i bytes, now)."""
    from django.utils import timezone

    from pds_server.models import File

    now = timezone.now()
    width = 40 - len(id_prefix)
    rows = [
        File(
            file_id=f"{id_prefix}{i:0{width}d}",
            drive=drive,
            parent_file_id=parent_id,
            name=name,
            type=kind,
            size=(size(i) if size else i) if kind == "file" else 0,
            category=category if kind == "file" else "",
            created_at=now,
            updated_at=updated_at(i) if updated_at else now,
        )
        for i, name in enumerate(names)
    ]
    return File.objects.using(PDS_DB).bulk_create(rows, batch_size=2000)
