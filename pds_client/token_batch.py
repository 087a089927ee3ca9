"""Refresh many tokens of one confidential client in one request (`/v2/oauth/token_batch`,
an extension of the embedded PDS): what the beat refresh uses."""

from __future__ import annotations

from pds_client import errors
from pds_client.client import PDSClient, Token

# The PDS refuses more than this many tokens in one request.
TOKEN_BATCH_LIMIT = 50


def refresh_batch(
    client: PDSClient, *, client_id: str, client_secret: str, refresh_tokens: list[str]
) -> list[Token | errors.PDSError]:
    """One answer per refresh token, in order: its new Token, or the PDS's error for it
    (InvalidGrant: that token is dead). Never retried: the tokens rotate. A refusal of the
    whole request (client authentication, throttle, unavailable) raises."""
    body = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_tokens": refresh_tokens,
    }
    response = client._send("POST", "/v2/oauth/token_batch", idempotent=False, json=body)
    client._raise_for(response)
    request_id = response.headers.get("x-ca-request-id", "")
    items = response.json().get("items")
    if not isinstance(items, list) or len(items) != len(refresh_tokens):
        raise errors.ServiceUnavailable("InternalError", "The PDS answered a token batch with the wrong items.")
    answers: list[Token | errors.PDSError] = []
    for item in items:
        if not isinstance(item, dict) or "error" in item or not item.get("access_token"):
            answers.append(errors.error_from_response(400, item if isinstance(item, dict) else {}, request_id))
        else:
            answers.append(Token.from_body(item))
    return answers
