"""The one typed client for the PDS HTTP API: plain Python, no models, no views."""

from pds_client.client import PDSClient, Token

__all__ = ["PDSClient", "Token"]
