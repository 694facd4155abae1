"""Alembic environment of the cell database schema.

Alembic runs this module for every migration command.  The usual caller is
:mod:`nova.db.migration`, which builds the configuration in code and hands
over an open connection in ``config.attributes['connection']``: that way an
in-memory SQLite engine, or any engine the caller already holds, is
migrated in place.  Without one (``alembic -c db/migrations/alembic.ini``
run by hand) a short-lived engine is made from ``sqlalchemy.url``.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
import sqlalchemy as sa

from nova.db import models

config = context.config
target_metadata = models.Base.metadata

if config.config_file_name is not None and not config.attributes.get(
        'connection'):
    # Only the hand-run alembic command configures logging from the ini
    # file; a service keeps the logging it set up itself.
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _configure_and_run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: later revisions get the
        # copy-and-move batch mode there and plain ALTERs elsewhere.
        render_as_batch=connection.dialect.name == 'sqlite',
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Write the SQL of the migrations instead of running them."""
    context.configure(
        url=config.get_main_option('sqlalchemy.url'),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={'paramstyle': 'named'},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get('connection')
    if connection is not None:
        _configure_and_run(connection)
        return
    engine = sa.create_engine(config.get_main_option('sqlalchemy.url'),
                              poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            _configure_and_run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
