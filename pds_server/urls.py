"""URLs of the embedded PDS server (DRIVE_ROLE=pds): the wire format of pds-api.md. Each
endpoint names its own path in its `pds_endpoint` decorator; importing the view modules
registers them."""

from django.urls import path

from pds_server.api import ROUTES
from pds_server.views import (  # noqa: F401 (register)
    analysis,
    audit,
    content,
    drives,
    faces,
    files,
    groups,
    oauth,
    permissions,
    photos,
    recyclebin,
    revisions,
    shares,
    similar,
    stories,
    uploads,
    users,
    videos,
)

urlpatterns = [
    # The authorize endpoint is a page for people (sign-in and consent), not a PDS JSON endpoint.
    path("v2/oauth/authorize", oauth.authorize, name="pds-authorize"),
    *[path(route.removeprefix("/"), view) for route, view in sorted(ROUTES.items())],
]
