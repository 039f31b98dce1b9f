"""Alembic migrations of the workbench database (applied by ``store.db.upgrade``)."""
