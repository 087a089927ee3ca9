"""The OpenAPI description at /v2/openapi.json: a valid OpenAPI 3.1 document that describes
every registered endpoint, and that a live server keeps: Schemathesis sends each operation
bodies made from the description, with a real user's token and drive, and every answer
must be a non-5xx answer the description allows (status, content type, schema)."""

from __future__ import annotations

from dataclasses import dataclass

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

import pds_server.urls  # noqa: F401  (importing the URLs registers every endpoint)
from pds_server.api import ENDPOINTS
from pds_server.openapi import document
from pds_server.openapi.declarations import BESIDE, DECLARED, PAGES
from tests.pds_server.api_client import ALL, Api, make_api

ADMIN_SCOPES = [*ALL, "GROUP.ALL"]
# Every answer: no 5xx, a described status and content type, a body matching its schema,
# and a success only with the credentials the description asks for.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    ignored_auth,
]
EXAMPLES = 4  # per operation and identity: ~100 operations on a busy 2-core machine
# Operations run in this order, so that the ones that remove things run last.
LAST = ("delete", "cancel", "clear", "revoke", "logout", "remove")


def test_the_served_description_is_valid_openapi_3_1(pds_url):
    reply = requests.get(f"{pds_url}/v2/openapi.json", timeout=60)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    raw = reply.json()
    assert raw["openapi"].startswith("3.1")
    schema = schemathesis.openapi.from_dict(raw)
    schema.validate()  # against the OpenAPI 3.1 meta-schema; raises on any error
    assert raw == document.build()


def test_every_registered_endpoint_is_described():
    assert document.undescribed() == [], "add these to pds_server/openapi/declarations.py"
    described = document.build()["paths"]
    for path, endpoint in ENDPOINTS.items():
        assert path in described, path
        assert sorted(described[path]) == sorted(method.lower() for method in endpoint.methods), path
        for operation in described[path].values():
            assert operation["responses"], path
            if endpoint.auth == "none":
                assert operation["security"] == [], path
            else:
                assert {"bearer": [endpoint.scope] if endpoint.scope else []} in operation["security"], path
    assert set(DECLARED) <= set(ENDPOINTS), "declarations of endpoints that do not exist"


def test_every_api_route_beside_the_registry_is_described():
    routes = {"/" + str(pattern.pattern) for pattern in pds_server.urls.urlpatterns}
    beside = routes - set(ENDPOINTS) - set(PAGES)
    assert beside == set(BESIDE), "describe API routes in BESIDE (declarations.py), list pages in PAGES"
    assert set(document.build()["paths"]) == set(ENDPOINTS) | set(BESIDE)


def test_a_new_endpoint_without_a_description_is_reported(monkeypatch):
    from pds_server.api import Endpoint

    monkeypatch.setitem(
        ENDPOINTS, "/v2/nowhere/new", Endpoint(path="/v2/nowhere/new", scope=None, auth="bearer", handler=print)
    )
    assert document.undescribed() == ["/v2/nowhere/new"]


def test_the_description_names_sdk_fields_types_and_statuses():
    built = document.build()
    create = built["paths"]["/v2/file/create"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert {"drive_id", "parent_file_id", "name", "type", "part_info_list"} <= set(body["properties"])
    assert set(body["required"]) >= {"name", "parent_file_id", "type"}
    assert body["properties"]["size"]["type"] == "integer"
    assert "201" in create["responses"] and "200" not in create["responses"]
    assert create["security"][0] == {"bearer": ["FILE.CREATE"]}
    part = built["components"]["schemas"]["CreateFileRequestPartInfoList"]["properties"]
    assert "content_md5" in part and "parallel_sha1_ctx" in part  # wire names, not attribute names
    listing = built["paths"]["/v2/file/list"]["post"]
    assert {"shareToken": []} in listing["security"]
    assert built["paths"]["/v2/oauth/token"]["post"]["requestBody"]["content"].keys() == {
        "application/x-www-form-urlencoded"
    }
    assert set(built["components"]["securitySchemes"]) == {"bearer", "shareToken", "acs"}


def operations(schema):
    found = [result.ok() for result in schema.get_all_operations()]
    return sorted(found, key=lambda op: (any(word in op.path for word in LAST), op.path, op.method))


def test_schemathesis_finds_no_server_error_and_no_answer_off_the_description(pds_url, make_user, jwt_app):
    """A user and an administrator, each with a folder and a file in their drive, and a
    visitor of the user's shared folder (share token alone). Positive cases follow the
    description; negative ones break it (wrong types, missing fields) and must get a
    described PDS error. The simplest examples name the caller's real drive (or share) and
    files, so that calls get past authentication and lookups into the views."""
    schema = schemathesis.openapi.from_url(f"{pds_url}/v2/openapi.json")
    alice = make_api(pds_url, make_user("alice"), jwt_app)
    root = make_api(pds_url, make_user("root", role="superadmin"), jwt_app, scopes=ADMIN_SCOPES)
    identities = {
        "a user": Identity.of(alice, {"Authorization": f"Bearer {alice.token}"}),
        "an administrator": Identity.of(root, {"Authorization": f"Bearer {root.token}"}),
    }
    identities["a share visitor"] = share_visitor(alice, identities["a user"])
    failures: list[str] = []
    answered: dict[str, set[int]] = {}  # the statuses each operation answered with
    session = requests.Session()
    for operation in operations(schema):
        shared = {"shareToken": []} in operation.definition.raw.get("security", [])
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for name, who in identities.items():
                if who.share_id and not shared:
                    continue
                try:
                    fuzz(operation, mode, who, session, answered)
                except (Exception, BaseExceptionGroup) as failure:  # report every failing operation
                    failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}, {name}): {failure}")
    assert not failures, "\n\n".join(failure[:3000] for failure in failures)
    succeeded = sorted(name for name, statuses in answered.items() if any(200 <= s < 400 for s in statuses))
    # Calls reach the views: most operations answer a success at least once (45 of 94 when written).
    assert len(succeeded) >= 40, f"only {succeeded} succeeded: do the tokens and drive ids still work?"


@dataclass
class Identity:
    """Who calls, with what headers, and the real ids they may name."""

    headers: dict
    drive_id: str
    folder_id: str
    file_id: str
    share_id: str = ""

    @classmethod
    def of(cls, api: Api, headers: dict) -> Identity:
        folder_id = api.folder("docs")
        file_id = api.upload("notes.txt", b"some notes", parent=folder_id)["file_id"]
        return cls(headers=headers, drive_id=api.drive_id, folder_id=folder_id, file_id=file_id)


def share_visitor(owner: Api, shared: Identity) -> Identity:
    share_id = owner.ok("share_link/create", {"file_id_list": [shared.folder_id]}, 201)["share_id"]
    reply = requests.post(f"{owner.base}/v2/share_link/get_share_token", json={"share_id": share_id}, timeout=60)
    assert reply.status_code == 200, reply.text
    token = reply.json()["share_token"]
    return Identity({"x-share-token": token}, "", shared.folder_id, shared.file_id, share_id=share_id)


def use_real_ids(case, operation, who: Identity) -> None:
    """Put the caller's drive (or share), folder and file where the operation takes them."""
    real: dict = {"file_id": who.file_id, "parent_file_id": who.folder_id, "to_parent_file_id": who.folder_id}
    real |= {"file_id_list": [who.file_id]}
    real |= {"share_id": who.share_id} if who.share_id else {"drive_id": who.drive_id, "to_drive_id": who.drive_id}
    raw = operation.definition.raw
    if isinstance(case.body, dict):
        content = raw.get("requestBody", {}).get("content", {}).get("application/json", {})
        names = content.get("schema", {}).get("properties", {})
        case.body.update({name: value for name, value in real.items() if name in names})
        if who.share_id:
            case.body.pop("drive_id", None)
    elif isinstance(case.query, dict) and raw.get("parameters"):
        names = {parameter["name"] for parameter in raw["parameters"]}
        case.query.update({name: real[name] for name in names & set(real) if name != "file_id_list"})


def fuzz(operation, mode: GenerationMode, who: Identity, session: requests.Session, answered: dict) -> None:
    headers = who.headers

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,  # the same cases on every run: CI must not depend on luck
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), made_up_ids=st.booleans())
    def run(case, made_up_ids):
        if not made_up_ids:
            use_real_ids(case, operation, who)
        # Negative cases may add a made-up Authorization beside a valid share token, which
        # the share token alone authenticates: ignored_auth judges positive cases only.
        checks = CHECKS if mode is GenerationMode.POSITIVE else CHECKS[:-1]
        response = case.call_and_validate(session=session, headers=headers, checks=checks)
        answered.setdefault(f"{operation.method.upper()} {operation.path}", set()).add(response.status_code)

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise  # only a request with no parameters has nothing to break
