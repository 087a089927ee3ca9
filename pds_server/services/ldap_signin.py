"""Sign-in against the domain's LDAP / Active Directory server (ldap3): bind as the service
account (or anonymously), find the one entry of the login typed, bind as that entry with the
password typed, then the PDS user of the entry's user name (created at the first sign-in
when the domain allows it, from the configured attributes, and kept up to date after).

Attempts count in the password sign-in's throttles (services.signin.credentials_check): a
password guessed at the directory is a password guessed at the domain."""

from __future__ import annotations

import secrets
import ssl
from dataclasses import dataclass

import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from pds_server import errors
from pds_server.models import Domain, LdapSignin, PdsUser
from pds_server.services.federation import CREATOR_PREFIX as FEDERATION_CREATOR_PREFIX
from pds_server.services.secrets_box import secret_decrypt
from pds_server.services.signin import credentials_check
from pds_server.services.users import user_create, validate_user_id

MAX_LOGIN = 256


class DirectoryUnavailable(Exception):
    """The directory server could not be reached, refused the service account, or failed
    the search: the domain's configuration or network, not the user's password."""


@dataclass(frozen=True)
class DirectoryEntry:
    dn: str
    user_name: str
    nick_name: str
    email: str
    phone: str


def _first(value: object) -> str:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value or "").strip()


def _connection(config: LdapSignin, *, user: str | None, password: str | None) -> ldap3.Connection:
    """An open, bound-or-not connection (StartTLS first when configured); the caller binds."""
    tls = ldap3.Tls(
        validate=ssl.CERT_REQUIRED,
        version=ssl.PROTOCOL_TLS_CLIENT,
        ca_certs_data=config.ca_certificate.strip() or None,
    )
    server = ldap3.Server(config.server_uri, connect_timeout=config.timeout, tls=tls, get_info=ldap3.NONE)
    connection = ldap3.Connection(
        server,
        user=user,
        password=password,
        receive_timeout=config.timeout,
        read_only=True,
        raise_exceptions=False,
        auto_referrals=False,
    )
    connection.open()
    if config.start_tls and not connection.start_tls():
        connection.unbind()
        raise DirectoryUnavailable(f"StartTLS refused: {connection.result}")
    return connection


def directory_entry_find(*, config: LdapSignin, login: str) -> DirectoryEntry | None:
    """The one entry `search_filter` finds for `login` (None for none or several)."""
    attributes = {
        "user_name": config.user_name_attribute,
        "nick_name": config.nick_name_attribute,
        "email": config.email_attribute,
        "phone": config.phone_attribute,
    }
    bind_password = secret_decrypt(config.bind_password_encrypted) if config.bind_dn else None
    try:
        service = _connection(config, user=config.bind_dn or None, password=bind_password)
        try:
            if not service.bind():
                raise DirectoryUnavailable(f"The service account's bind was refused: {service.result}")
            search_filter = config.search_filter.replace("{login}", escape_filter_chars(login))
            found = service.search(
                config.search_base,
                search_filter,
                search_scope=ldap3.SUBTREE,
                attributes=sorted({name for name in attributes.values() if name}),
                size_limit=2,
            )
            code = service.result.get("result", 0)
            if not found and code not in (0, 4, 32):  # success, sizeLimitExceeded, noSuchObject
                raise DirectoryUnavailable(f"The search failed: {service.result}")
            entries = [item for item in service.response or [] if item.get("type") == "searchResEntry"]
        finally:
            service.unbind()
    except LDAPException as exc:
        raise DirectoryUnavailable(f"The directory server cannot be reached: {exc}") from None
    if len(entries) != 1:
        return None
    values = entries[0].get("attributes", {})
    mapped = {key: _first(values.get(name)) if name else "" for key, name in attributes.items()}
    return DirectoryEntry(dn=entries[0]["dn"], **mapped)


def directory_bind(*, config: LdapSignin, dn: str, password: str) -> bool:
    """Whether the directory accepts `password` for `dn`."""
    try:
        connection = _connection(config, user=dn, password=password)
        try:
            return bool(connection.bind())
        finally:
            connection.unbind()
    except LDAPException as exc:
        raise DirectoryUnavailable(f"The directory server cannot be reached: {exc}") from None


def _mapped_fields(entry: DirectoryEntry) -> dict[str, str]:
    return {
        "nick_name": entry.nick_name[:128],
        "email": entry.email[:254],
        "phone": entry.phone[:32],
    }


def directory_user(*, domain: Domain, config: LdapSignin, entry: DirectoryEntry) -> PdsUser | None:
    """The PDS user of a directory entry: the one whose user name is the entry's. LDAP names
    and the domain's user names are one namespace (an administrator who connects a directory
    says its people are the domain's people). Created at the first sign-in when allowed; the
    mapped attributes follow the directory at each sign-in."""
    user_name = entry.user_name[:128]
    if not user_name:
        return None
    fields = {key: value for key, value in _mapped_fields(entry).items() if value}
    user = PdsUser.objects.filter(domain=domain, user_name=user_name).first()
    if user is not None and user.creator.startswith(FEDERATION_CREATOR_PREFIX):
        return None  # a provider's user, whoever named it so: never the directory person's
    if user is not None:
        changed = [name for name, value in fields.items() if getattr(user, name) != value]
        for name in changed:
            setattr(user, name, fields[name])
        if changed:
            user.save(update_fields=[*changed, "updated_at"])
        return user
    if not config.create_users:
        return None
    try:
        validate_user_id(user_name)
        user_id = user_name if not PdsUser.objects.filter(domain=domain, user_id=user_name).exists() else ""
    except errors.InvalidParameter:
        user_id = ""
    try:
        return user_create(
            domain=domain,
            user_id=user_id or secrets.token_hex(16),
            fields={"user_name": user_name, "nick_name": user_name, **fields},
            creator="ldap",
        )
    except errors.AlreadyExist:  # a concurrent first sign-in of the same person
        return PdsUser.objects.filter(domain=domain, user_name=user_name).first()


def ldap_signin_attempt(*, domain: Domain, login: str, password: str, source_address: str) -> PdsUser | None:
    """The enabled PDS user the directory accepts this password for, or None. Raises
    TooManyRequests under the sign-in throttles, DirectoryUnavailable when the server fails
    (which counts as no failure of the user's)."""
    config = LdapSignin.objects.filter(domain=domain, enabled=True).first()
    login = login.strip()
    if config is None or len(login) > MAX_LOGIN:
        return None

    def check() -> PdsUser | None:
        # An empty password would be an unauthenticated bind, which servers "accept" (RFC 4513 section 5.1.2).
        if not password:
            return None
        entry = directory_entry_find(config=config, login=login)
        if entry is None or not directory_bind(config=config, dn=entry.dn, password=password):
            return None
        return directory_user(domain=domain, config=config, entry=entry)

    return credentials_check(domain=domain, login=login, source_address=source_address, check=check)
