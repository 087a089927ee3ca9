"""The OpenAPI 3.1 description of the embedded PDS, built from the code's own declarations:
paths, methods, authentication and scopes from the `pds_endpoint` registry
(pds_server/api.py ENDPOINTS); fields and types from the official SDK's models
(sdk.py); statuses, non-JSON answers and our own operations from declarations.py. A new
endpoint appears here by being registered."""

from __future__ import annotations

import functools
import json

from pds_server.api import ENDPOINTS, Endpoint
from pds_server.openapi import sdk
from pds_server.openapi.declarations import BESIDE, DECLARED, JOB_SCHEMAS, Answer, Declared

OPENAPI_PATH = "/v2/openapi.json"
# pds-api.md section 7: the statuses of PDS errors, all with the body {code, message}.
ERROR_STATUSES = {
    "400": "The request is invalid (InvalidParameter*, InvalidRequestJSONFormat).",
    "401": "Not authenticated (AccessTokenInvalid, AccessTokenExpired, ShareLinkTokenInvalid, InvalidClientId...).",
    "403": "Not allowed (Forbidden*, QuotaExhausted.Drive).",
    "404": "Not found (NotFound.File, NotFound.Drive, ...).",
    "405": "Another method is needed (MethodNotAllowed).",
    "409": "A conflict (AlreadyExist.File, PreHashMatched).",
    "413": "The body is too large (EntityTooLarge).",
    "429": "Too many requests (TooManyRequests; see Retry-After).",
    "503": "Not available now (ServiceUnavailable).",
}
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An OAuth 2.0 access token (`Authorization: Bearer <token>`, or `x-acs-bearer-token`). "
        "An operation's security requirement lists the scopes the token needs.",
    },
    "shareToken": {
        "type": "apiKey",
        "in": "header",
        "name": "x-share-token",
        "description": "A share token from /v2/share_link/get_share_token, with `share_id` in the body "
        "instead of `drive_id`.",
    },
    "acs": {
        "type": "http",
        "scheme": "acs",
        "description": "An AccessKey signature: `Authorization: acs <AccessKeyId>:<signature>` "
        "(HMAC-SHA1 over the method, Accept, Content-MD5, Content-Type, Date, the x-acs-* headers and the "
        "resource), with `Date` and `x-acs-signature-nonce`.",
    },
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
}


def security_of(endpoint: Endpoint) -> list[dict]:
    scopes = [endpoint.scope] if endpoint.scope else []
    if endpoint.auth == "none":
        return []
    security: list[dict] = [{"bearer": scopes}, {"acs": []}]
    if endpoint.auth == "share":
        security += [{"shareToken": []}, {"shareToken": [], "bearer": scopes}]
    return security


def request_fields(path: str, declared: Declared) -> tuple[dict, list[str]]:
    """The properties and required names of an endpoint's body (or query)."""
    operation = sdk.operations().get(declared.sdk or path)
    properties: dict = {}
    required: list[str] = list(declared.required)
    if declared.request is not None:
        properties.update(declared.request)
    elif operation is not None:
        fields = {item.attribute: item for item in sdk.model_fields(operation.request_model)}
        for wire, attribute in {**operation.body_fields, **operation.query_fields}.items():
            item = fields.get(attribute)
            schema = sdk.type_schema(item.annotation) if item else {}
            if item and item.description:
                schema = {**schema, "description": item.description}
            properties[wire] = schema
            if item and item.required:
                required.append(wire)
    properties.update(declared.extra_request)
    return properties, required


def success_responses(path: str, declared: Declared, method: str) -> dict:
    operation = sdk.operations().get(declared.sdk or path)
    answers = declared.answers or (Answer(200),)
    responses: dict = {}
    for answer in answers:
        schema = answer.schema
        if schema is None and answer.content is None and answer.status in (200, 201) and operation is not None:
            annotation = sdk.response_body_annotation(operation.response_model)
            schema = sdk.type_schema(annotation) if annotation else {"type": "object"}
        if schema is not None and declared.extra_response and answer.status < 300:
            schema = {"allOf": [schema, {"type": "object", "properties": declared.extra_response}]}
        entry: dict = {"description": answer.description or "Success."}
        if method != "head":
            if answer.content is not None:
                entry["content"] = answer.content
            elif schema is not None:
                entry["content"] = {"application/json": {"schema": schema}}
        if answer.headers:
            entry["headers"] = {name: {"schema": {"type": "string"}} for name in answer.headers}
        responses[str(answer.status)] = entry
    if declared.errors:
        for status in ERROR_STATUSES:
            responses[status] = {"$ref": f"#/components/responses/Error{status}"}
    return responses


def operation_of(endpoint: Endpoint, method: str, declared: Declared | None = None) -> dict:
    declared = declared or DECLARED.get(endpoint.path, Declared())
    sdk_operation = sdk.operations().get(declared.sdk or endpoint.path)
    action = sdk_operation.action if sdk_operation else endpoint.path.removeprefix("/v2/").replace("/", "_")
    operation: dict = {
        "operationId": action if method in ("post", "put") else f"{action}_{method}",
        "summary": declared.summary or action,
        "security": security_of(endpoint),
        "responses": success_responses(endpoint.path, declared, method),
    }
    if endpoint.scope:
        operation["x-pds-scope"] = endpoint.scope
    properties, required = request_fields(endpoint.path, declared)
    if not properties:
        return operation
    if endpoint.body == "query" or method in ("get", "head"):
        operation["parameters"] = [
            {"name": name, "in": "query", "required": name in required, "schema": schema}
            for name, schema in properties.items()
        ]
    else:
        media = declared.request_media
        if endpoint.body == "none" and sdk_operation is not None and sdk_operation.request_kind == "formData":
            media = "application/x-www-form-urlencoded"
        schema: dict = {"type": "object", "properties": properties}
        if required:
            schema["required"] = sorted(set(required))
        operation["requestBody"] = {"required": bool(required), "content": {media: {"schema": schema}}}
    return operation


def components(paths: dict) -> dict:
    schemas: dict = {"Error": ERROR_SCHEMA, **JOB_SCHEMAS}
    pending = sdk.models_referenced(paths)
    while pending:
        name = pending.pop()
        if name in schemas:
            continue
        properties = {}
        for item in sdk.model_fields(name):
            schema = nullable(sdk.type_schema(item.annotation))
            properties[item.wire] = {**schema, "description": item.description} if item.description else schema
        schemas[name] = {"type": "object", "properties": properties}
        pending |= sdk.models_referenced(properties) - set(schemas)
    responses = {
        f"Error{status}": {
            "description": text,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for status, text in ERROR_STATUSES.items()
    }
    return {"schemas": dict(sorted(schemas.items())), "responses": responses, "securitySchemes": SECURITY_SCHEMES}


def nullable(schema: dict) -> dict:
    """A model's field may be null: the SDK reads null as absent (`from_map` skips None)."""
    if isinstance(schema.get("type"), str):
        return {**schema, "type": [schema["type"], "null"]}
    return schema


def undescribed() -> list[str]:
    """Registered endpoints with neither an SDK operation nor a declaration."""
    return sorted(path for path in ENDPOINTS if path not in DECLARED and path not in sdk.operations())


def build() -> dict:
    paths: dict = {}
    for path, endpoint in sorted(ENDPOINTS.items()):
        paths[path] = {method.lower(): operation_of(endpoint, method.lower()) for method in endpoint.methods}
    for path, beside in BESIDE.items():
        # Described like a registered endpoint; urls.py serves it with its own view, so this
        # Endpoint's handler is never called (operation_of reads only path, scope, auth and body).
        route = Endpoint(
            path,
            None,
            "none",
            handler=lambda request, caller, body: {},
            methods=beside.methods,
            body="query" if beside.query else "none",
        )
        paths[path] = {
            method.lower(): operation_of(route, method.lower(), beside.declared) for method in beside.methods
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Drive's embedded PDS",
            "version": "2022-03-01",
            "description": "The PDS wire format (API 2022-03-01) as the embedded server speaks it. "
            "The domain is chosen by the Host header. Generated from the server's endpoint registry "
            "and the official SDK's models.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": components(paths),
    }


@functools.cache
def document_bytes() -> bytes:
    """The description as served: built once per process (the registry is fixed at import)."""
    return json.dumps(build(), ensure_ascii=False, separators=(",", ":")).encode()
