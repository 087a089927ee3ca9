"""`audit_log/export`: the rows a query selects, as a CSV in the blob store, written by the
Celery worker as an async task (operation "audit_export") a chunk of rows per step, each
chunk a part file; the last step joins the parts under the header and signs a download URL
(`async_task/get` answers it as `url`).

The query is the file search's language (services/search.py) over the audit fields below,
e.g. `acted_at > '2026-12-01T00:00:00' and actor_id = 'u1' and action_type = 'file.rename'`.
Cells that a spreadsheet would run as a formula (= + - @, tab, carriage return) are
prefixed with a quote (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import json
import uuid
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet

from pds_server import errors, signing
from pds_server.models import AuditLog, Domain, Drive
from pds_server.routers import PDS_DB
from pds_server.services import search
from pds_server.services.walk import DONE, Job
from pds_server.storage import blob_store
from pds_server.storage.digest import StreamFile, StreamingReader
from pds_server.times import iso_ms

OPERATION = "audit_export"
EXPORT_PREFIX = "exports"
CONTENT_PATH = "/v2/audit_log/content"
CONTENT_PARAMS = ("name", "file_name")
URL_SECONDS = 86400  # the signed URL's life; the file is removed once it is over
DEFAULT_FILE_NAME = "audit_log.csv"
QUERY_FIELDS = {
    "acted_at": "time",
    "drive_id": "str",
    "actor_id": "str",
    "actor_type": "str",
    "action_type": "str",
    "action_category": "str",
    "object_id": "str",
    "app_id": "str",
    "result": "str",
}
# (field, English header, Chinese header)
COLUMNS = (
    ("log_id", "Log ID", "日志 ID"),
    ("acted_at", "Time (UTC)", "操作时间 (UTC)"),
    ("actor_type", "Actor type", "操作者类型"),
    ("actor_id", "Actor ID", "操作者 ID"),
    ("actor_name", "Actor", "操作者"),
    ("app_id", "App ID", "应用 ID"),
    ("client_ip", "Client IP", "客户端 IP"),
    ("client_type", "Client", "客户端"),
    ("action_category", "Category", "操作类别"),
    ("action_type", "Action", "操作类型"),
    ("result", "Result", "结果"),
    ("error_code", "Error code", "错误码"),
    ("drive_id", "Drive ID", "空间 ID"),
    ("object_id", "Object ID", "对象 ID"),
    ("object_name", "Object name", "对象名称"),
    ("file_path", "Path", "路径"),
    ("detail", "Detail", "详情"),
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_params(*, domain: Domain, query: str, order_by: str, file_name: str, language: str, base_url: str) -> dict:
    """The async task's parameters, checked now so that a bad query is a 400 at once."""
    if query:
        search.parse_query(query, QUERY_FIELDS)
    if "/" in file_name or "\\" in file_name or len(file_name) > 1024:
        raise errors.InvalidParameter("file_name must be a file name.", code="InvalidParameter.FileName")
    return {
        "domain_pk": domain.pk,
        "query": query,
        "descending": descending(order_by),
        "file_name": file_name or DEFAULT_FILE_NAME,
        "language": "en_US" if language.replace("-", "_").lower() == "en_us" else "zh-CN",
        "base_url": base_url,
        "export_id": uuid.uuid4().hex,
    }


def descending(order_by: str) -> bool:
    """`acted_at DESC` (the default when empty) or `acted_at [ASC]`."""
    words = (order_by or "acted_at DESC").replace(":", " ").split()
    if not words or words[0] != "acted_at" or len(words) > 2 or words[-1].upper() not in ("ACTED_AT", "ASC", "DESC"):
        raise errors.InvalidParameter("order_by must be acted_at ASC or acted_at DESC", code="InvalidParameter.OrderBy")
    return words[-1].upper() == "DESC"


def selected(params: dict, after: list | None = None) -> QuerySet[AuditLog]:
    rows = AuditLog.objects.filter(domain_id=params["domain_pk"])
    if params["query"]:
        rows = rows.filter(search.parse_query(params["query"], QUERY_FIELDS))
    desc = params["descending"]
    if after:
        moment, pk = datetime.fromisoformat(after[0]), after[1]
        past = "lt" if desc else "gt"
        rows = rows.filter(Q(**{f"acted_at__{past}": moment}) | Q(acted_at=moment, **{f"pk__{past}": pk}))
    return rows.order_by(*(("-acted_at", "-pk") if desc else ("acted_at", "pk")))


def cell(value: object) -> str:
    if isinstance(value, datetime):
        return iso_ms(value)
    if isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def header(language: str) -> bytes:
    # A byte order mark: Excel then reads the file as UTF-8.
    labels = [english if language == "en_US" else chinese for _, english, chinese in COLUMNS]
    return b"\xef\xbb\xbf" + csv_bytes([labels])


def name_of(params: dict, part: int | None = None) -> str:
    suffix = f"-part-{part:05d}" if part is not None else ""
    return f"{EXPORT_PREFIX}/{params['export_id']}{suffix}.csv"


def export_plan(*, drive: Drive | None, params: dict) -> dict:
    return {"phase": "rows", "total": selected(params).count(), "after": None, "parts": []}


def export_step(*, drive: Drive | None, params: dict, state: dict, size: int) -> int:
    """Up to `size` rows into the next part file; once none are left, join the parts. A step
    tried again (its worker died before the commit) writes its file again under the same name."""
    store = blob_store()
    if state["phase"] == "rows":
        rows = list(selected(params, state["after"])[:size])
        if rows:
            name = name_of(params, len(state["parts"]))
            store.delete(name)
            lines = [[cell(getattr(row, column)) for column, _, _ in COLUMNS] for row in rows]
            state["parts"].append(store.save_bytes(name, csv_bytes(lines)))
            state["after"] = [rows[-1].acted_at.isoformat(), rows[-1].pk]
        if len(rows) < size:
            state["phase"] = "join"
        return len(rows)
    final = name_of(params)
    store.delete(final)
    # Each part is opened when the reader reaches it, and closed when it moves past.
    sources = itertools.chain([io.BytesIO(header(params["language"]))], store.part_streams(state["parts"]))
    reader = StreamingReader(sources, sha1=False, crc64=False)
    final = store.storage.save(final, StreamFile(reader, name=final))  # type: ignore[arg-type]
    parts = list(state["parts"])
    transaction.on_commit(functools.partial(parts_delete, parts), using=PDS_DB)
    url, _ = signing.signed_url(
        params["base_url"], "GET", CONTENT_PATH, {"name": final, "file_name": params["file_name"]}, URL_SECONDS
    )
    state.update(phase=DONE, parts=[], result={"url": url})
    return 0


def parts_delete(names: list[str]) -> None:
    store = blob_store()
    for name in names:
        store.delete(name)


EXPORT = Job(plan=export_plan, step=export_step)


def export_open(params: dict[str, str]) -> tuple[str, int]:
    """The stored name and size of the export a verified URL names."""
    name = params.get("name", "")
    if not name.startswith(EXPORT_PREFIX + "/") or ".." in name:
        raise errors.NotFound("File")
    store = blob_store()
    try:
        return name, store.storage.size(name)
    except Exception as error:
        if store.is_missing(error):
            raise errors.NotFound("File") from None
        raise


def exports_purge() -> int:
    """Periodic: export files whose URL has expired."""
    store = blob_store()
    cutoff = (datetime.now(UTC) - timedelta(seconds=URL_SECONDS)).timestamp()
    old = [stored.name for stored in store.list_files(EXPORT_PREFIX) if stored.modified < cutoff]
    for name in old:
        store.delete(name)
    return len(old)
