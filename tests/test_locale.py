"""Every message of the Simplified Chinese catalogue is translated and none is fuzzy: a
page half in English is what this keeps from shipping (run makemessages, then translate)."""

from __future__ import annotations

import re
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def entries(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if "\nmsgid " in f"\n{block}" and not block.startswith("#~")]


def test_every_message_is_translated_and_none_is_fuzzy():
    blocks = entries(CATALOGUE.read_text(encoding="utf-8"))[1:]  # the first is the header
    assert len(blocks) > 300
    fuzzy = [block for block in blocks if re.search(r"^#,.*\bfuzzy\b", block, re.M)]
    empty = [block for block in blocks if re.search(r'^msgstr(\[\d+\])? ""\Z', block.strip(), re.M)]
    assert not fuzzy, fuzzy[:3]
    assert not empty, empty[:3]
