"""This signed-in user's PDS: the one object through which Drive acts as a user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import requests
from django.http import HttpRequest

from accounts.errors import CredentialDead
from accounts.models import Credential
from accounts.pds_connection import pds_client
from accounts.selectors import credential_default_drive_id, request_credential
from accounts.services.credentials import access_token_for, access_token_renew, credential_default_drive_set
from pds_client import FilesAPI, PDSClient, PeopleAPI, PermissionsAPI, RevisionsAPI, SharesAPI

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class UserPds:
    """A user's access token (refreshed when it nears expiry, and once more when the PDS
    rejects it), their default drive, and the file and share calls made with them.

    Built per request from `request.user`; it holds the token only as long as the request,
    never in a session, a log or a task.
    """

    def __init__(
        self,
        user: User,
        *,
        client: PDSClient | None = None,
        drive_id: str | None = None,
        credential: Credential | None = None,
    ) -> None:
        self.user = user
        # The user's Credential row as this request already read it (None: read it when needed).
        self._credential = credential
        self.client = client or pds_client()
        self._access_token: str | None = None
        self._drive_id: str | None = None
        # Another drive than the user's default, which the drive app then acts on (files.drive_scope).
        self._scoped_drive_id = drive_id
        self.people = PeopleAPI(self.client, self)
        self.files = FilesAPI(self.client, self)
        self.shares = SharesAPI(self.client, self)
        self.permissions = PermissionsAPI(self.client, self)
        self.revisions = RevisionsAPI(self.client, self)

    @classmethod
    def of(cls, request: HttpRequest) -> UserPds:
        """The PDS of the user signed in to this request."""
        if not request.user.is_authenticated:
            raise CredentialDead("You are not signed in to the drive service.")
        return cls(request.user, drive_id=getattr(request, "drive_id", None), credential=request_credential(request))

    # --- the token (pds_client.TokenSource) -----------------------------------------------

    def access_token(self) -> str:
        if self._access_token is None:
            self._access_token = access_token_for(self.user, credential=self._credential)
        return self._access_token

    def renewed_access_token(self, *, rejected: str) -> str:
        self._access_token = access_token_renew(user=self.user, rejected_access_token=rejected)
        return self._access_token

    # --- the drive ------------------------------------------------------------------------

    @property
    def drive_id(self) -> str:
        """The drive acted on: the one of the request's /d/<drive_id>/ prefix, else the default."""
        return self._scoped_drive_id or self.default_drive_id

    @property
    def default_drive_id(self) -> str:
        """The user's default drive: remembered with their credential, asked of the PDS once."""
        if self._drive_id is None:
            if self._credential is not None:
                drive_id = self._credential.default_drive_id
            else:
                drive_id = credential_default_drive_id(self.user)
            if not drive_id:
                drive_id = self.client.get_default_drive(self)["drive_id"]
                credential_default_drive_set(user=self.user, drive_id=drive_id)
                if self._credential is not None:
                    self._credential.default_drive_id = drive_id
            self._drive_id = drive_id
        return self._drive_id

    # --- bytes ----------------------------------------------------------------------------

    def download(self, url: str, *, headers: dict[str, str] | None = None) -> tuple[requests.Response, Iterator[bytes]]:
        """Stream a signed URL the PDS handed out for this user (the URL carries its own grant)."""
        return self.client.download(url, headers=headers)
