"""Defences against guessing and abuse: throttles on every guessable secret, OAuth limits."""

from __future__ import annotations

from .env import env  # noqa: F401
