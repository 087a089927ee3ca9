"""The one typed client for the PDS HTTP API: plain Python, no models, no views."""

from pds_client.albums_api import AlbumsAPI
from pds_client.analysis_api import AnalysisAPI
from pds_client.client import Bearer, PDSClient, Token, TokenSource
from pds_client.faces_api import FacesAPI
from pds_client.files_api import FilesAPI
from pds_client.people_api import PeopleAPI
from pds_client.permissions_api import PermissionsAPI
from pds_client.photos_api import PhotosAPI
from pds_client.revisions_api import RevisionsAPI
from pds_client.shares_api import SharesAPI

__all__ = [
    "AlbumsAPI",
    "AnalysisAPI",
    "Bearer",
    "FacesAPI",
    "FilesAPI",
    "PDSClient",
    "PeopleAPI",
    "PermissionsAPI",
    "PhotosAPI",
    "RevisionsAPI",
    "SharesAPI",
    "Token",
    "TokenSource",
]
