"""Alembic migrations (a package so that installs carry them)."""
