"""The background thread (services/background.py) keeps its database connection from one
job to the next, and closes it once it has been idle."""

from __future__ import annotations

import time

import pytest
from django.db import connections

from pds_server.routers import PDS_DB
from pds_server.services.background import BackgroundThread


def test_jobs_share_a_connection_that_closes_once_the_thread_is_idle(monkeypatch):
    # The tests' CONN_MAX_AGE is 0 (tests/env_defaults.py): a connection of this age is kept.
    monkeypatch.setitem(connections.settings[PDS_DB], "CONN_MAX_AGE", 60)
    thread = BackgroundThread("test-background", idle_seconds=0.2)
    opened: list = []

    def job() -> None:
        with connections[PDS_DB].cursor() as cursor:
            cursor.execute("SELECT 1")
        opened.append(connections[PDS_DB].connection)

    for _ in range(3):
        thread.submit(job)
    thread.idle()
    assert len(opened) == 3 and opened[0] is not None
    assert opened[1] is opened[0] and opened[2] is opened[0]  # one connection, not one a job
    time.sleep(1)  # five times its idle time: the thread closed it
    still_open: list = []
    thread.wait(lambda: still_open.append(connections[PDS_DB].connection))
    assert still_open == [None]


@pytest.mark.parametrize("error", [RuntimeError("this job fails"), SystemExit(1)])
def test_a_failing_job_does_not_stop_the_thread(caplog, error):
    # A thread that died would leave every later job of its process queued forever.
    thread = BackgroundThread("test-background-failing")
    done: list = []

    def fail() -> None:
        raise error

    thread.submit(fail)
    thread.wait(lambda: done.append(True))
    assert done == [True]
    assert "A background job of test-background-failing failed" in caplog.text
