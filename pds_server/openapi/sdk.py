"""What the official SDK (`alibabacloud_pds20220301`) declares, read from its code: each
operation's path, method and request fields (client.py), and each model's fields with
their wire names, types, required marks and comments (models/), as JSON Schema.

Nothing here is kept by hand: a new SDK version brings its own operations and fields."""

from __future__ import annotations

import ast
import functools
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alibabacloud_pds20220301 import client as sdk_client
from alibabacloud_pds20220301 import models as sdk_models

REQUIRED = "This parameter is required."
SCALARS = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}
LIST = re.compile(r"^List\[(.+)\]$")
DICT = re.compile(r"^Dict\[str, (.+)\]$")
MODEL = re.compile(r"^main_models\.(\w+)$")


@dataclass
class SdkOperation:
    """One operation of client.py: `action` is its name (CreateFile)."""

    action: str
    path: str
    method: str
    request_model: str
    response_model: str
    body_fields: dict[str, str] = field(default_factory=dict)  # wire name -> request attribute
    query_fields: dict[str, str] = field(default_factory=dict)
    request_kind: str = "json"  # json | formData
    response_kind: str = "json"  # json | binary | array


@functools.cache
def operations() -> dict[str, SdkOperation]:
    """Every operation of the SDK's client, by path."""
    tree = ast.parse(Path(inspect.getfile(sdk_client)).read_text(encoding="utf-8"))
    found: dict[str, SdkOperation] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name.endswith("_with_options"):
            operation = _operation_of(node)
            if operation is not None:
                found[operation.path] = operation
    return found


def _operation_of(function: ast.FunctionDef) -> SdkOperation | None:
    params: dict[str, Any] = {}
    request_model = ""
    body: dict[str, str] = {}
    query: dict[str, str] = {}
    for arg in function.args.args:
        if arg.arg in ("request", "tmp_req") and arg.annotation is not None and not request_model:
            request_model = ast.unparse(arg.annotation).removeprefix("main_models.")
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("Params"):
            params = {kw.arg: _constant(kw.value) for kw in node.keywords}
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
            if isinstance(target, ast.Name) and target.id == "request" and isinstance(value, ast.Call):
                request_model = ast.unparse(value.func).removeprefix("main_models.")  # the Shrink model
            elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                into = {"body": body, "query": query}.get(target.value.id)
                key = _constant(target.slice)
                if into is not None and isinstance(key, str) and isinstance(value, ast.Attribute):
                    into[key] = value.attr
    if not params.get("pathname") or function.returns is None:
        return None
    return SdkOperation(
        action=params.get("action", ""),
        path=params["pathname"],
        method=params.get("method", "POST"),
        request_model=request_model,
        response_model=ast.unparse(function.returns).removeprefix("main_models."),
        body_fields=body,
        query_fields=query,
        request_kind=params.get("req_body_type") or "json",
        response_kind=params.get("body_type") or "json",
    )


def _constant(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.JoinedStr):  # f'/v2/file/create'
        return "".join(str(part.value) for part in node.values if isinstance(part, ast.Constant))
    return None


@dataclass
class ModelField:
    attribute: str
    wire: str
    annotation: str
    required: bool
    description: str


@functools.cache
def model_fields(name: str) -> tuple[ModelField, ...]:
    """The fields of SDK model `name`, in declaration order."""
    cls = getattr(sdk_models, name)
    signature = inspect.signature(cls.__init__)
    comments = _comments(cls)
    empty = cls().to_map() or {}
    found = []
    for attribute, parameter in list(signature.parameters.items())[1:]:
        annotation = str(parameter.annotation)
        wire = _wire_name(cls, attribute, annotation, empty)
        text = comments.get(attribute, "")
        found.append(
            ModelField(
                attribute=attribute,
                wire=wire,
                annotation=annotation,
                required=REQUIRED in text,
                description=" ".join(text.replace(REQUIRED, "").split())[:400],
            )
        )
    return tuple(found)


def _comments(cls: type) -> dict[str, str]:
    """The comment lines above each `self.x = x` of the model's __init__."""
    comments: dict[str, str] = {}
    pending: list[str] = []
    for line in inspect.getsource(cls.__init__).splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("# "))
        elif match := re.match(r"self\.(\w+) = \1$", stripped):
            comments[match.group(1)] = " ".join(pending)
            pending = []
    return comments


class _Probe:
    """A value to_map passes through unchanged: where it lands is the field's wire name."""


def _wire_name(cls: type, attribute: str, annotation: str, empty: dict) -> str:
    probe: Any
    if LIST.match(annotation):
        probe = [None]
    elif DICT.match(annotation):
        probe = {"k": None}
    elif match := MODEL.match(annotation):
        probe = getattr(sdk_models, match.group(1))()
    else:
        probe = _Probe()
    instance = cls()
    setattr(instance, attribute, probe)
    try:
        mapped = instance.to_map() or {}
    except Exception:  # a model whose to_map cannot take the probe: its name is the attribute's
        return attribute
    changed = [key for key, value in mapped.items() if key not in empty or empty[key] != value]
    return changed[0] if len(changed) == 1 else attribute


def type_schema(annotation: str, ref: str = "#/components/schemas/") -> dict:
    """JSON Schema of an SDK annotation: scalars, List[...], Dict[str, ...] and models (by $ref)."""
    annotation = annotation.strip()
    if annotation in SCALARS:
        return {"type": SCALARS[annotation]}
    if match := LIST.match(annotation):
        return {"type": "array", "items": type_schema(match.group(1), ref)}
    if match := DICT.match(annotation):
        items = type_schema(match.group(1), ref)
        return {"type": "object", "additionalProperties": items} if items else {"type": "object"}
    if match := MODEL.match(annotation):
        return {"$ref": ref + match.group(1)}
    return {}  # Any


def models_referenced(schema: Any) -> set[str]:
    """The SDK model names a schema refers to."""
    found: set[str] = set()
    if isinstance(schema, dict):
        target = schema.get("$ref")
        if isinstance(target, str) and target.startswith("#/components/schemas/"):
            found.add(target.rsplit("/", 1)[1])
        for value in schema.values():
            found |= models_referenced(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= models_referenced(value)
    return found


def response_body_annotation(response_model: str) -> str | None:
    """The annotation of the SDK response's `body` (a model, a list), None when it has none."""
    signature = inspect.signature(getattr(sdk_models, response_model).__init__)
    body = signature.parameters.get("body")
    return str(body.annotation) if body is not None else None
