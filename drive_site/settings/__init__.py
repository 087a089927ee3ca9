"""Drive's settings (DJANGO_SETTINGS_MODULE=drive_site.settings), split by concern. Every
value comes from the environment through one helper (env.py), optionally through the `.env`
file that `pds_bootstrap` writes on first run. See `.env.example` for every setting.

Importing them has no side effect: no file or directory is created, and a value that must be
one of a few is checked here, so a typo stops the process at start-up.
"""

from .base import *  # noqa: F403
from .celery import *  # noqa: F403
from .drive import *  # noqa: F403
from .pds import *  # noqa: F403
from .security import *  # noqa: F403
from .storage import *  # noqa: F403
from .test import *  # noqa: F403
