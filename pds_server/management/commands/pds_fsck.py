from django.core.management.base import BaseCommand

from pds_server.services.fsck import PROBLEMS, fsck_repair, fsck_scan


class Command(BaseCommand):
    help = (
        "Check the blob storage against the records: list files no record refers to and records "
        "whose file is missing; with --repair, remove those files and the records that can go."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="remove what is listed, where it can be repaired")
        parser.add_argument(
            "--min-age",
            type=float,
            default=600,
            metavar="SECONDS",
            help="leave alone what changed more recently: work in flight (default 600; 0 with the PDS stopped)",
        )

    def handle(self, *args, repair: bool, min_age: float, **options):
        findings = fsck_scan(min_age=min_age)
        for finding in findings:
            self.stdout.write(f"{finding.problem}\t{finding.name}\t{finding.age:.0f}s\t{PROBLEMS[finding.problem][0]}")
        self.stdout.write(f"{len(findings)} problem(s) found")
        if repair and findings:
            repaired = fsck_repair(findings)
            self.stdout.write(f"{sum(repaired.values())} repaired: {dict(repaired)}")
