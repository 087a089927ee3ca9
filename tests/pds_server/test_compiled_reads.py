"""drive_site.compiled_reads: a read compiled once per thread gives what the ORM gives, on
SQLite and PostgreSQL alike, and compiles only once."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.backends import UserWithCredentialBackend, _user_with_credential
from accounts.models import Credential
from drive_site.compiled_reads import CompiledRead, _Plan
from pds_server.models import File, MediaInfo
from pds_server.selectors.files import _file_by_id, _file_with_drive_by_id, file_get
from pds_server.selectors.files import file_with_drive as file_with_drive_read
from pds_server.services.tokens import _access_token_by_hash, access_token_authenticate

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "pds"])


def file_with_drive(domain_pk, drive_pk, file_id):
    return File.objects.select_related("drive", "media", "blob").filter(
        drive_id=drive_pk, drive__domain_id=domain_pk, file_id=file_id
    )[:1]


@pytest.fixture
def stored(alice) -> File:
    item = alice.upload("kept.txt", b"kept")
    return File.objects.select_related("drive").get(file_id=item["file_id"])


@pytest.fixture
def compiles(monkeypatch) -> list[str]:
    """The SQL of every compile, in any thread."""
    seen: list[str] = []
    as_sql = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        sql, params = as_sql(self, *args, **kwargs)
        seen.append(sql)
        return sql, params

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    return seen


def outcome(call) -> tuple[str, object]:
    try:
        return "answered", call()
    except Exception as error:
        return "raised", type(error)


def fields(item) -> dict:
    return {key: value for key, value in item.__dict__.items() if key != "_state"}


def test_it_gives_what_the_orm_gives_with_the_related_rows(stored):
    args = (stored.drive.domain_id, stored.drive_id, stored.file_id)
    read = CompiledRead(file_with_drive)
    for _ in range(2):  # the first call compiles, the second runs what it compiled
        item = read.first(*args)
        expected = file_with_drive(*args).get()
        assert item is not None and fields(item) == fields(expected)
        assert fields(item.drive) == fields(expected.drive)
        assert item.created_at.tzinfo is not None  # converted as the ORM does (text on SQLite)
        assert item._state.db == "pds" and not item._state.adding
        with CaptureQueriesContext(connections["pds"]) as queries:
            assert item.drive.pk == stored.drive_id and item.blob == expected.blob and item.media is None
        assert not queries.captured_queries  # all read in the one query
    assert read.first(stored.drive.domain_id, stored.drive_id, "no-such-file") is None
    assert read.first(stored.drive.domain_id + 1, stored.drive_id, stored.file_id) is None


def test_it_compiles_once_per_thread_and_still_counts_as_a_query(stored, compiles):
    args = (stored.drive.domain_id, stored.drive_id, stored.file_id)
    read = CompiledRead(file_with_drive)
    read.first(*args)
    assert len(compiles) == 2  # with two sets of stand-ins, to see the same SQL
    with CaptureQueriesContext(connections["pds"]) as queries:
        for _ in range(3):
            assert read.first(*args).file_id == stored.file_id
    assert len(compiles) == 2 and len(queries.captured_queries) == 3
    assert stored.file_id in queries.captured_queries[-1]["sql"]  # the arguments, not the stand-ins

    found: list[str | None] = []

    def in_a_thread() -> None:
        try:
            found.append(read.first(*args).file_id)
        finally:
            connections.close_all()  # this thread's

    worker = threading.Thread(target=in_a_thread)
    worker.start()
    worker.join()
    assert found == [stored.file_id] and len(compiles) == 4  # its own connection, its own plan


def test_a_read_whose_arguments_change_on_their_way_into_sql_runs_through_the_orm(stored, compiles):
    # `contains` puts the argument between wildcards: no parameter equals it, so nothing is
    # compiled ahead and every call compiles afresh (and still answers right).
    read = CompiledRead(lambda drive_pk, part: File.objects.filter(drive_id=drive_pk, name__contains=part)[:1])
    assert read.first(stored.drive_id, "ept.t").file_id == stored.file_id
    assert read.first(stored.drive_id, "nothing-like-it") is None
    assert read.first(stored.drive_id, "kept").file_id == stored.file_id
    # two compiles for the plan that could not be made, then one per call
    assert len(compiles) == 5


def test_escaped_or_folded_arguments_are_left_to_the_orm(stored, compiles):
    # On SQLite `iexact` is a LIKE with the argument escaped: run as compiled, "_ept.txt"
    # would match "kept.txt". On PostgreSQL it is UPPER(...) = UPPER(%s), compiled ahead.
    read = CompiledRead(lambda drive_pk, name: File.objects.filter(drive_id=drive_pk, name__iexact=name)[:1])
    assert read.first(stored.drive_id, "_ept.txt") is None
    assert read.first(stored.drive_id, "KEPT.TXT").file_id == stored.file_id
    assert read.first(stored.drive_id, "k%") is None


def test_arguments_of_another_type_or_out_of_range_go_through_the_orm(stored):
    read = CompiledRead(lambda drive_pk, file_id: File.objects.filter(drive_id=drive_pk, file_id=file_id)[:1])
    assert read.first(stored.drive_id, stored.file_id).file_id == stored.file_id  # compiled with (int, str)
    assert read.first(str(stored.drive_id), stored.file_id).file_id == stored.file_id  # Django converts the text
    # Beyond 64 bits: whatever the ORM does (PostgreSQL: nothing found; SQLite: OverflowError).
    assert outcome(lambda: read.first(2**70, stored.file_id)) == outcome(
        lambda: next(iter(File.objects.filter(drive_id=2**70, file_id=stored.file_id)[:1]), None)
    )
    assert read.first(stored.drive_id * 1.0, stored.file_id).file_id == stored.file_id  # type: ignore[arg-type]
    # On PostgreSQL a stand-in beyond a small field's range compiles to nothing: the ORM runs.
    small = CompiledRead(lambda orientation: MediaInfo.objects.filter(orientation=orientation)[:1])
    assert small.first(1) is None and small.first(2) is None


def test_the_reads_of_every_request_run_compiled(alice, stored):
    user = get_user_model().objects.create_user("dave", password="dave-password-1")
    UserWithCredentialBackend().get_user(str(user.pk))
    access_token_authenticate(domain=stored.drive.domain, raw_token=alice.token)
    file_with_drive_read(domain_pk=stored.drive.domain_id, drive_pk=stored.drive_id, file_id=stored.file_id)
    file_get(drive=stored.drive, file_id=stored.file_id)
    for read in (_user_with_credential, _access_token_by_hash, _file_with_drive_by_id, _file_by_id):
        assert isinstance(read.local.plan, _Plan), read.build


def test_the_session_user_comes_with_or_without_a_credential(django_user_model):
    user = django_user_model.objects.create_user("carol", password="carol-password-1")
    backend = UserWithCredentialBackend()
    with CaptureQueriesContext(connections["default"]) as queries:
        found = backend.get_user(str(user.pk))  # the session keeps the id as text
        assert found == user
        assert not hasattr(found, "pds_credential")  # known absent: no second query to find out
    assert len(queries.captured_queries) == 1
    assert backend.get_user("not-a-number") is None and backend.get_user(None) is None
    holder = django_user_model.objects.create_user("erin", password="erin-password-1")
    Credential.objects.create(
        user=holder, auth_mode="oauth", access_token_encrypted="sealed", access_expires_at=timezone.now()
    )
    with CaptureQueriesContext(connections["default"]) as queries:
        signed_in = backend.get_user(str(holder.pk))
        assert signed_in.pds_credential.access_token_encrypted == "sealed"
    assert len(queries.captured_queries) == 1
    assert backend.get_user(str(user.pk + 1000)) is None
    user.is_active = False
    user.save()
    assert backend.get_user(str(user.pk)) is None
