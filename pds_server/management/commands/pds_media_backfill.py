from pds_server.management.backfill_command import BackfillCommand
from pds_server.services.media.backfill import backfill_batches, backfill_files
from pds_server.services.media.ingest import media_ingest, media_ingest_queue


class Command(BackfillCommand):
    help = (
        "Read the photos and videos stored before ingest ran (metadata, places, thumbnails): queue them "
        "for the Celery workers and show progress until they are done, or read them here with --inline. "
        "Stop it at any time (Ctrl-C); run it again to go on where it stopped."
    )
    noun, done_verb = "file(s) to read", "read"

    def pending(self, domain):
        return backfill_files(domain_id=domain)

    def batches(self, domain, batch):
        return backfill_batches(domain_id=domain, batch=batch)

    def run_inline(self, pk):
        media_ingest(file_pk=pk)

    def queue(self, pk):
        media_ingest_queue(pk)
