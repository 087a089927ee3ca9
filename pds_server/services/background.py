"""A thread of this process that runs small jobs in order, after the request that queued
them has answered (services.upload_digest hashes parts on it).

It keeps its database connections from one job to the next as a request thread does
(CONN_MAX_AGE, health checks), and closes them once it has had nothing to do for a while:
a connection opened for every job cost about 6 ms of CPU, half of it PostgreSQL's (a fork
and a SCRAM exchange), for every part of an upload.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable

from django.db import close_old_connections, connections

log = logging.getLogger(__name__)

# How long the thread keeps its connections with nothing to do.
IDLE_SECONDS = 5.0


class BackgroundThread:
    def __init__(self, name: str, *, idle_seconds: float = IDLE_SECONDS):
        self.name, self.idle_seconds = name, idle_seconds
        self.lock = threading.Lock()
        self.pid: int | None = None
        self.jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()

    def submit(self, job: Callable[[], None]) -> None:
        """Queue `job`; the thread starts with the first job of each process (a fork has
        none of its parent's threads)."""
        with self.lock:
            if self.pid != os.getpid():
                self.pid, self.jobs = os.getpid(), queue.SimpleQueue()
                threading.Thread(target=self.run, args=(self.jobs,), name=self.name, daemon=True).start()
            self.jobs.put(job)

    def run(self, jobs: queue.SimpleQueue[Callable[[], None]]) -> None:
        # Nothing ends the loop: a thread that died would leave every later job queued
        # forever (and a caller of wait() waiting), as submit() starts one per process only.
        while True:
            try:
                job = jobs.get(timeout=self.idle_seconds)
            except queue.Empty:
                self.connections_closed()
                job = jobs.get()
            try:
                close_old_connections()  # as a request starts: none past its age or broken
                job()
            except BaseException:
                log.exception("A background job of %s failed", self.name)
            finally:
                self.connections_closed(only_old=True)

    def connections_closed(self, *, only_old: bool = False) -> None:
        """This thread's connections closed (or those past their age or broken)."""
        try:
            close_old_connections() if only_old else connections.close_all()
        except Exception:
            log.exception("The database connections of %s did not close", self.name)

    def wait(self, job: Callable[[], None]) -> None:
        """Run `job` on the thread after everything queued so far, and wait for it."""
        if self.pid != os.getpid():
            return  # nothing was ever queued in this process
        done = threading.Event()

        def then_done() -> None:
            try:
                job()
            finally:
                done.set()

        self.submit(then_done)
        done.wait()

    def idle(self) -> None:
        """Wait until the jobs queued so far are done."""
        self.wait(lambda: None)
