"""Django's PostgreSQL backend, with its per-request health check kept for idle connections
(see base.py)."""
