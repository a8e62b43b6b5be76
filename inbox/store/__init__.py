"""Persistence: SQLAlchemy Core tables, engine set-up and migrations."""
