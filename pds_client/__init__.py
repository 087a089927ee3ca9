"""The one typed client for the PDS HTTP API: plain Python, no models, no views."""

from pds_client.client import Bearer, PDSClient, Token, TokenSource
from pds_client.files_api import FilesAPI
from pds_client.shares_api import SharesAPI

__all__ = ["Bearer", "FilesAPI", "PDSClient", "SharesAPI", "Token", "TokenSource"]
