"""URLs of the embedded PDS server (DRIVE_ROLE=pds): the wire format of pds-api.md. Each
endpoint names its own path in its `pds_endpoint` decorator; importing the view modules
registers them."""

from django.urls import path

from pds_server.api import ROUTES
from pds_server.openapi import views as openapi_views  # noqa: F401 (register /v2/openapi.json)
from pds_server.views import (  # noqa: F401 (register)
    accesskeys,
    analysis,
    audit,
    content,
    drives,
    faces,
    federation,
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
    path("v2/oauth/federation/<slug:name>/start", federation.start, name="pds-federation-start"),
    path("v2/oauth/federation/<slug:name>/callback", federation.callback, name="pds-federation-callback"),
    path(".well-known/openid-configuration", federation.openid_configuration, name="pds-openid-configuration"),
    *[path(route.removeprefix("/"), view) for route, view in sorted(ROUTES.items())],
]
