"""The OpenAPI 3.1 description of the embedded PDS (document.py), served at /v2/openapi.json (views.py)."""
