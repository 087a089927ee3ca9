"""What the OpenAPI description needs beyond the `pds_endpoint` registry and the SDK's
models: each endpoint's success statuses (pds-api.md section 1), the non-JSON answers
(bytes, redirects, pages), and the operations the 2022 SDK does not have (legacy ones and
our extensions), with their fields. Keyed by path; tests/pds_server/test_openapi.py fails
when a registered endpoint has neither an SDK operation nor an entry here."""

from __future__ import annotations

from dataclasses import dataclass, field

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
OBJECT = {"type": "object"}
TOKEN = {"$ref": "#/components/schemas/Token"}
BYTES = {"type": "string", "contentMediaType": "application/octet-stream"}
HTML = {"text/html": {"schema": STRING}}


@dataclass(frozen=True)
class Answer:
    """One success answer: its status and either a JSON schema, other content, or nothing."""

    status: int
    schema: dict | None = None  # JSON body; None with no content means no body
    content: dict | None = None  # {media type: {"schema": ...}} when not JSON
    headers: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Declared:
    summary: str = ""
    sdk: str | None = None  # the SDK path whose request/response this follows
    answers: tuple[Answer, ...] = ()  # replaces the SDK's 200 answer
    request: dict | None = None  # JSON Schema properties of the body (or query, for GET)
    required: tuple[str, ...] = ()
    request_media: str = "application/json"
    extra_request: dict = field(default_factory=dict)  # our fields beside the SDK's
    extra_response: dict = field(default_factory=dict)
    errors: bool = True  # False: its refusals are pages or its own, listed in `answers`


NO_BODY = Answer(204, description="Done; no body.")
ASYNC = Answer(202, {"$ref": "#/components/schemas/AsyncJob"}, description="Running in the background.")
REDIRECT = Answer(302, headers=("Location",), description="Redirect.")
ERROR_PAGE = {"text/html": {"schema": STRING}}

JOB_SCHEMAS = {
    "AsyncJob": {
        "type": "object",
        "properties": {"drive_id": STRING, "file_id": STRING, "async_task_id": STRING, "domain_id": STRING},
    },
}

DECLARED: dict[str, Declared] = {
    # Success statuses other than 200 (the old SDK accepts only its exact code).
    "/v2/file/create": Declared(answers=(Answer(201),)),
    "/v2/drive/create": Declared(answers=(Answer(201),)),
    "/v2/user/create": Declared(answers=(Answer(201),)),
    "/v2/group/create": Declared(answers=(Answer(201),)),
    "/v2/share_link/create": Declared(answers=(Answer(201),)),
    "/v2/file/copy": Declared(answers=(Answer(201), ASYNC)),
    "/v2/file/delete": Declared(answers=(NO_BODY, ASYNC)),
    "/v2/recyclebin/trash": Declared(answers=(NO_BODY, ASYNC)),
    "/v2/recyclebin/restore": Declared(answers=(NO_BODY, ASYNC)),
    "/v2/recyclebin/clear": Declared(answers=(ASYNC,)),
    "/v2/share_link/cancel": Declared(answers=(NO_BODY,)),
    "/v2/user/delete": Declared(answers=(NO_BODY,)),
    "/v2/drive/delete": Declared(answers=(NO_BODY,)),
    "/v2/group/delete": Declared(answers=(NO_BODY,)),
    "/v2/group/remove_member": Declared(answers=(NO_BODY,)),
    "/v2/file/add_permission": Declared(answers=(NO_BODY,)),
    "/v2/file/remove_permission": Declared(answers=(NO_BODY,)),
    "/v2/file/revision/delete": Declared(answers=(NO_BODY,)),
    "/v2/file/download": Declared(answers=(REDIRECT,)),
    "/v2/group/list": Declared(extra_request={"group_name_for_fuzzy": STRING}),
    # Legacy operations of the old SDK and AliyunDrive clients.
    "/v2/account/token": Declared(
        summary="Refresh a token with JSON (legacy).",
        request={
            "app_id": STRING,
            "grant_type": {"type": "string", "enum": ["refresh_token"]},
            "refresh_token": STRING,
        },
        required=("refresh_token",),
        answers=(Answer(200, TOKEN),),
    ),
    "/v2/account/revoke": Declared(
        summary="Revoke a refresh token (legacy).",
        request={"app_id": STRING, "refresh_token": STRING},
        required=("app_id", "refresh_token"),
        answers=(NO_BODY,),
    ),
    "/v2/file/get_by_path": Declared(
        summary="A file by its path (legacy).",
        request={"drive_id": STRING, "file_path": STRING, "fields": STRING},
        required=("drive_id", "file_path"),
        answers=(Answer(200, {"$ref": "#/components/schemas/File"}),),
    ),
    "/v2/user/get_access_token": Declared(
        summary="A user's access token, for a request signed with an AccessKey (legacy).",
        request={"user_id": STRING},
        required=("user_id",),
        answers=(Answer(200, TOKEN),),
    ),
    "/v2/account/get_access_token_by_link_info": Declared(
        summary="A user's access token by a linked identity, for a request signed with an AccessKey (legacy).",
        request={"type": STRING, "identity": STRING, "extra": STRING},
        required=("type", "identity"),
        answers=(Answer(200, TOKEN),),
    ),
    # OAuth 2.0 endpoints beside the SDK's (RFC 7009 revocation, sign-out).
    "/v2/oauth/revoke": Declared(
        summary="Revoke a token (RFC 7009).",
        request={"token": STRING, "token_type_hint": STRING, "client_id": STRING, "client_secret": STRING},
        required=("token",),
        request_media="application/x-www-form-urlencoded",
        answers=(Answer(200, OBJECT),),
    ),
    "/v2/oauth/logout": Declared(
        summary="End the PDS sign-in, then go back to the app (or show the signed-out page).",
        request={"client_id": STRING, "redirect_uri": STRING, "state": STRING, "lang": STRING},
        request_media="application/x-www-form-urlencoded",
        answers=(REDIRECT, Answer(200, content=HTML)),
    ),
    # Signed byte URLs: what get_download_url, thumbnails and get_upload_url answer with.
    "/v2/file/content": Declared(
        summary="The bytes of a file, at a signed URL (Range, If-None-Match, If-Range).",
        answers=(
            Answer(200, content={"application/octet-stream": {"schema": BYTES}}),
            Answer(206, content={"application/octet-stream": {"schema": BYTES}}, description="A range."),
            Answer(304, description="Not modified."),
            Answer(416, description="Range not satisfiable."),
        ),
    ),
    "/v2/file/thumbnail": Declared(
        summary="A thumbnail, at a signed URL.",
        answers=(Answer(200, content={"image/*": {"schema": BYTES}}), Answer(304, description="Not modified.")),
    ),
    "/v2/audit_log/content": Declared(
        summary="A finished audit export as CSV, at a signed URL.",
        answers=(Answer(200, content={"text/csv": {"schema": STRING}}),),
    ),
    "/v2/file/upload_part": Declared(
        summary="PUT one part's bytes to its signed upload URL; OPTIONS answers CORS.",
        answers=(Answer(200, headers=("ETag",), description="Stored."), NO_BODY),
        request_media="application/octet-stream",
    ),
    # Our extensions.
    "/v2/oauth/token_batch": Declared(
        summary=(
            "Refresh up to 50 refresh tokens of one confidential client in one request (client_secret_basic "
            "or client_id and client_secret in the body). Each token is rotated or refused on its own, as by "
            "the refresh_token grant; items answer the tokens in order, each a Token or an OAuth error."
        ),
        request={
            "grant_type": {"type": "string", "enum": ["refresh_token"]},
            "client_id": STRING,
            "client_secret": STRING,
            "refresh_tokens": {"type": "array", "items": STRING, "minItems": 1, "maxItems": 50},
        },
        required=("grant_type", "refresh_tokens"),
        answers=(
            Answer(
                200,
                {
                    "type": "object",
                    "required": ["items"],
                    "properties": {
                        "items": {
                            "type": "array",
                            "items": {
                                "oneOf": [
                                    TOKEN,
                                    {
                                        "type": "object",
                                        "required": ["error", "code"],
                                        "properties": {
                                            "error": STRING,
                                            "error_description": STRING,
                                            "code": STRING,
                                            "message": STRING,
                                        },
                                    },
                                ]
                            },
                        }
                    },
                },
            ),
        ),
    ),
    "/v2/oauth/userinfo": Declared(
        summary="OpenID Connect userinfo (OIDC Core section 5.3) of the token's user.",
        answers=(
            Answer(
                200,
                {
                    "type": "object",
                    "required": ["sub"],
                    "properties": {
                        "sub": STRING,
                        "name": STRING,
                        "preferred_username": STRING,
                        "nickname": STRING,
                        "email": STRING,
                        "phone_number": STRING,
                        "picture": STRING,
                    },
                },
            ),
        ),
    ),
    "/v2/audit_log/list": Declared(
        summary="One file's activity, newest first.",
        request={"drive_id": STRING, "file_id": STRING, "limit": INTEGER, "marker": STRING},
        required=("drive_id", "file_id"),
        answers=(
            Answer(
                200,
                {
                    "type": "object",
                    "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/AuditLog"}},
                        "next_marker": STRING,
                    },
                },
            ),
        ),
    ),
    "/v2/image/list_time_buckets": Declared(
        summary="How many photos each month holds.",
        request={"drive_id": STRING},
        answers=(
            Answer(
                200,
                {
                    "type": "object",
                    "properties": {
                        "items": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {"year": INTEGER, "month": INTEGER, "count": INTEGER},
                            },
                        }
                    },
                },
            ),
        ),
    ),
    "/v2/image/merge_facegroups": Declared(
        summary="Merge people: `from_group_ids` become `group_id`'s person.",
        request={"drive_id": STRING, "group_id": STRING, "from_group_ids": {"type": "array", "items": STRING}},
        required=("drive_id", "group_id", "from_group_ids"),
        answers=(Answer(200, {"type": "object", "properties": {"group_id": STRING, "domain_id": STRING}}),),
    ),
    "/v2/openapi.json": Declared(
        summary="This description.",
        answers=(Answer(200, {"type": "object", "properties": {"openapi": STRING}}),),
    ),
}


@dataclass(frozen=True)
class Beside:
    """An API route urls.py makes without `pds_endpoint`."""

    methods: tuple[str, ...]
    declared: Declared
    query: bool = True  # its fields are query parameters


HTML_ANSWER = {"text/html": {"schema": STRING}}
BESIDE: dict[str, Beside] = {
    "/v2/oauth/authorize": Beside(
        methods=("GET",),  # POST is the page's own sign-in and consent form
        declared=Declared(
            summary="The sign-in and consent page of OAuth 2.0 (RFC 6749 section 4.1).",
            answers=(
                Answer(200, content=HTML_ANSWER, description="The sign-in or consent page."),
                Answer(302, headers=("Location",), description="Back to the app with a code, token or error."),
                Answer(400, content=HTML_ANSWER, description="A request that cannot go back to the app."),
                Answer(429, content=HTML_ANSWER, description="Too many tries."),
            ),
            errors=False,
        ),
    ),
    "/.well-known/openid-configuration": Beside(
        methods=("GET",),
        declared=Declared(
            summary="The domain's OAuth 2.0 authorization server metadata (RFC 8414).",
            answers=(
                Answer(
                    200,
                    {
                        "type": "object",
                        "required": ["issuer", "authorization_endpoint", "token_endpoint"],
                        "properties": {
                            name: STRING
                            for name in ("issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint")
                        },
                    },
                ),
                Answer(404, {"$ref": "#/components/schemas/Error"}, description="No such domain."),
            ),
            errors=False,
        ),
    ),
}
# Routes of urls.py for people, not the API: not described.
PAGES = (
    "/v2/oauth/federation/<slug:name>/start",
    "/v2/oauth/federation/<slug:name>/callback",
)
