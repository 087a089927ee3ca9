"""The shape both backfill commands share (pds_media_backfill, pds_analysis_backfill): find
what is still to do, queue it for the workers (or do it here with --inline), show progress,
stop anywhere and resume by running again."""

from __future__ import annotations

import abc
import time
from collections.abc import Iterator

from django.core.management.base import BaseCommand
from django.db.models import QuerySet


class BackfillCommand(BaseCommand, abc.ABC):
    noun = "item(s)"  # what is counted, e.g. "file(s) to read"
    done_verb = "done"  # what --inline did to each, e.g. "read"

    @abc.abstractmethod
    def pending(self, domain: str | None) -> QuerySet: ...

    @abc.abstractmethod
    def batches(self, domain: str | None, batch: int) -> Iterator[list[int]]: ...

    @abc.abstractmethod
    def run_inline(self, pk: int) -> None: ...

    @abc.abstractmethod
    def queue(self, pk: int) -> None: ...

    def add_arguments(self, parser):
        parser.add_argument("--domain", help="only this domain's files")
        parser.add_argument("--inline", action="store_true", help="do the work in this process, not in workers")
        parser.add_argument("--batch", type=int, default=500, help="items per batch (default 500)")
        parser.add_argument("--no-wait", action="store_true", help="queue and return without waiting for workers")
        parser.add_argument(
            "--stall-timeout",
            type=float,
            default=600,
            metavar="SECONDS",
            help="stop waiting when nothing was done for this long (default 600)",
        )

    def handle(self, *args, domain=None, inline=False, batch=500, no_wait=False, stall_timeout=600.0, **options):
        total = self.pending(domain).count()
        self.stdout.write(f"{total} {self.noun}")
        done = 0
        try:
            for pks in self.batches(domain, batch):
                for pk in pks:
                    if inline:
                        self.run_inline(pk)
                    else:
                        self.queue(pk)
                done += len(pks)
                self.stdout.write(f"{self.done_verb if inline else 'queued'} {done}/{total}")
                if not inline and done >= total:
                    break  # items stored meanwhile have their own tasks
            if not inline and not no_wait:
                self.wait(domain, total, stall_timeout)
        except KeyboardInterrupt:
            self.stdout.write(f"stopped after {done}/{total}; run the command again to go on")
            raise SystemExit(130) from None

    def wait(self, domain: str | None, total: int, stall_timeout: float) -> None:
        left, changed = total, time.monotonic()
        while left:
            time.sleep(2)
            now_left = self.pending(domain).count()
            if now_left != left:
                left, changed = now_left, time.monotonic()
                self.stdout.write(f"{self.done_verb} {total - left}/{total}")
            elif time.monotonic() - changed > stall_timeout:
                self.stdout.write(f"no progress for {stall_timeout:.0f} s: are workers running? {left} left")
                raise SystemExit(1)
        self.stdout.write("done")
