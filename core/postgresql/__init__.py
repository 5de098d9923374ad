"""The project's PostgreSQL database backend: Django's, with a cheaper health check (see base)."""
