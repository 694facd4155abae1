"""Alembic revisions of the cell database schema (see nova.db.migration)."""
