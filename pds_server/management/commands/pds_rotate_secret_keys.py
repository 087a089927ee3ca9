from django.core.management.base import BaseCommand, CommandError

from pds_server.services.secrets_box import SecretKeyMissing, secret_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every secret the PDS stores (AccessKey secrets, LDAP bind passwords, SMS gateway "
        "headers, federation client secrets) with the first of PDS_SECRET_KEYS. Put the new key first, "
        "run this, then drop the old key."
    )

    def handle(self, *args, **options):
        try:
            changed = secret_keys_rotate()
        except SecretKeyMissing as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Re-encrypted the secrets of {changed} record(s).")
