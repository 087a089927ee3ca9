from pds_server.management.backfill_command import BackfillCommand
from pds_server.services.analysis.backfill import backfill_batches, backfill_media
from pds_server.services.analysis.pipeline import analyse_media, analysis_queue


class Command(BackfillCommand):
    help = (
        "Analyse the photos not analysed yet (faces, tags, text, similar photos), in domains with image "
        "analysis on: queue them for the workers of the 'analysis' queue and show progress until they are "
        "done, or analyse them here with --inline. Stop it at any time (Ctrl-C); run it again to go on."
    )
    noun, done_verb = "photo(s) to analyse", "analysed"

    def pending(self, domain):
        return backfill_media(domain_id=domain)

    def batches(self, domain, batch):
        return backfill_batches(domain_id=domain, batch=batch)

    def run_inline(self, pk):
        analyse_media(pk)

    def queue(self, pk):
        analysis_queue(pk)
