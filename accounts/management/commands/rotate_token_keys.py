from django.core.management.base import BaseCommand, CommandError

from accounts import crypto
from accounts.services.credentials import credential_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored PDS token with the first of TOKEN_ENCRYPTION_KEYS. "
        "Put the new key first, run this, then drop the old key: everyone stays signed in."
    )

    def handle(self, *args, **options):
        try:
            changed = credential_keys_rotate()
        except crypto.TokenKeyMissing as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Re-encrypted {changed} credential(s) with key {crypto.primary_key_id()}.")
