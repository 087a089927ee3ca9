import time

from django.core.management.base import BaseCommand

from pds_server.services.media.backfill import backfill_batches, backfill_files
from pds_server.services.media.ingest import media_ingest, media_ingest_queue


class Command(BaseCommand):
    help = (
        "Read the photos and videos stored before ingest ran (metadata, places, thumbnails): queue them "
        "for the Celery workers and show progress until they are done, or read them here with --inline. "
        "Stop it at any time (Ctrl-C); run it again to go on where it stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--domain", help="only this domain's files")
        parser.add_argument("--inline", action="store_true", help="read the files in this process, not in workers")
        parser.add_argument("--batch", type=int, default=500, help="files per batch (default 500)")
        parser.add_argument("--no-wait", action="store_true", help="queue and return without waiting for workers")
        parser.add_argument(
            "--stall-timeout",
            type=float,
            default=600,
            metavar="SECONDS",
            help="stop waiting when no file was read for this long (default 600)",
        )

    def handle(self, *args, domain=None, inline=False, batch=500, no_wait=False, stall_timeout=600.0, **options):
        total = backfill_files(domain_id=domain).count()
        self.stdout.write(f"{total} file(s) to read")
        done = 0
        try:
            for pks in backfill_batches(domain_id=domain, batch=batch):
                for pk in pks:
                    if inline:
                        media_ingest(file_pk=pk)
                    else:
                        media_ingest_queue(pk)
                done += len(pks)
                self.stdout.write(f"{'read' if inline else 'queued'} {done}/{total}")
                if not inline and done >= total:
                    break  # files uploaded meanwhile have their own tasks
            if not inline and not no_wait:
                self.wait(domain, total, stall_timeout)
        except KeyboardInterrupt:
            self.stdout.write(f"stopped after {done}/{total}; run the command again to go on")
            raise SystemExit(130) from None

    def wait(self, domain: str | None, total: int, stall_timeout: float) -> None:
        left, changed = total, time.monotonic()
        while left:
            time.sleep(2)
            now_left = backfill_files(domain_id=domain).count()
            if now_left != left:
                left, changed = now_left, time.monotonic()
                self.stdout.write(f"read {total - left}/{total}")
            elif time.monotonic() - changed > stall_timeout:
                self.stdout.write(f"no progress for {stall_timeout:.0f} s: are workers running? {left} left")
                raise SystemExit(1)
        self.stdout.write("done")
