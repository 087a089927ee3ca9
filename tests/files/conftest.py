from __future__ import annotations

import pytest

from tests.drive_helpers import Browser, sign_in


@pytest.fixture
def browser(drive_url, alice) -> Browser:
    """Alice, signed in to the drive."""
    return Browser(drive_url, sign_in(drive_url))
