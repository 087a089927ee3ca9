"""The one way settings read the environment: django-environ over `os.environ`, after the
`.env` file (or the file named by DRIVE_ENV_FILE) has been read into it.

Two additions to django-environ: a value that must be one of a few is checked (`choice`), and
booleans are strict, so that a typo is an error naming the setting instead of a silent default.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[2]

TRUE_WORDS = ("true", "on", "ok", "y", "yes", "1")
FALSE_WORDS = ("false", "off", "n", "no", "0", "")


class Env(environ.Env):
    def choice(self, var: str, *, choices: tuple[str, ...], default: str) -> str:
        value = self.str(var, default=default)
        if value not in choices:
            raise ImproperlyConfigured(f"{var}={value!r} is not allowed: it must be one of {', '.join(choices)}.")
        return value

    def bool(self, var: str, default=environ.Env.NOTSET) -> bool:
        value = self.get_value(var, cast=str, default=default)  # as written, not django-environ's lenient bool
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word not in TRUE_WORDS + FALSE_WORDS:
            raise ImproperlyConfigured(f"{var}={value!r} is not a boolean: use true or false.")
        return word in TRUE_WORDS

    def secret(self, var: str, *, generated: Path) -> str:
        """The variable's value; else the one `manage.py pds_bootstrap` generated into the
        file `generated` (drive_site/keys.py); else empty. Reading never creates the file."""
        return self.str(var, default="") or read_generated(generated)

    def secret_list(self, var: str, *, generated: Path) -> list[str]:
        """A comma-separated list of secrets, or the one generated into `generated`."""
        return self.list(var, default=[]) or [value for value in [read_generated(generated)] if value]


def read_generated(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""


env = Env()
# DRIVE_ENV_FILE lets tests and CI ignore a developer's .env (`make test` sets it empty).
ENV_FILE = env.str("DRIVE_ENV_FILE", default=str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    Env.read_env(ENV_FILE)
