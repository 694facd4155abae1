"""Schema migrations of a cell database.

The revisions live in ``nova/db/migrations/versions``; this module is the
only way the rest of the project (``nova-manage db sync``, ``nova-all``,
the tests) runs them.  The alembic configuration is built in code, so
nothing depends on the current directory, and the connection is handed to
alembic's ``env.py`` through ``config.attributes['connection']``: an
engine the caller already holds (an in-memory SQLite one, say) is
migrated in place.

Example::

    from nova.db import migration
    migration.db_sync('sqlite:////var/lib/nova/cell1.sqlite')
    migration.db_version('sqlite:////var/lib/nova/cell1.sqlite')  # '0001'
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import os
from typing import Any

from alembic import command
from alembic import config as alembic_config_mod
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from oslo_log import log as logging
import sqlalchemy as sa

from nova import urls
from nova.db import models

LOG = logging.getLogger(__name__)

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              'migrations')
# Alembic's own bookkeeping table: not part of the models.
VERSION_TABLE = 'alembic_version'


def alembic_config(connection: sa.Connection | None = None
                   ) -> alembic_config_mod.Config:
    """An alembic configuration for this project's revisions.

    With ``connection``, every command run with the configuration works on
    that connection instead of opening one of its own.
    """
    config = alembic_config_mod.Config()
    # ConfigParser interpolates '%': a path containing one must be escaped.
    config.set_main_option('script_location',
                           MIGRATIONS_DIR.replace('%', '%%'))
    config.set_main_option('path_separator', 'os')
    if connection is not None:
        config.attributes['connection'] = connection
    return config


def head_revision() -> str:
    """The newest revision shipped with the code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f'no alembic revision in {MIGRATIONS_DIR}')
    return head


@contextlib.contextmanager
def _connection(url: str, engine: sa.Engine | None
                ) -> Iterator[sa.Connection]:
    owned = engine is None
    if engine is None:
        # A throw-away engine: a migration must not leave pooled
        # connections behind in a long-lived process.
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        if owned:
            engine.dispose()


def db_sync(url: str, version: str | None = None, *,
            engine: sa.Engine | None = None) -> None:
    """Upgrade the database at ``url`` to ``version`` (default: the head).

    ``engine``, when given, is used instead of a new engine for ``url``;
    pass it for an in-memory SQLite database, which exists only inside its
    own engine.  Raises ``alembic.util.CommandError`` for an unknown
    revision or one older than the database's, and SQLAlchemy errors when
    the database is unreachable.
    """
    target = version or 'head'
    LOG.info('Upgrading database %s to revision %s',
             urls.mask_url(url), target)
    with _connection(url, engine) as conn:
        command.upgrade(alembic_config(conn), target)


def db_version(url: str, *, engine: sa.Engine | None = None) -> str | None:
    """The revision the database at ``url`` is at; None when never synced."""
    with _connection(url, engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def schema_diff(connection: sa.Connection,
                metadata: sa.MetaData | None = None) -> list[Any]:
    """How the live schema differs from ``metadata`` (default: the models).

    An empty list means they agree.  Column types and server defaults are
    compared too; alembic's own version table is left out.  The entries
    are alembic autogenerate diffs, e.g. ``('add_column', None, 'cells',
    Column(...))``.
    """
    def include_name(name: str | None, type_: str,
                     _parent: Any) -> bool:
        return not (type_ == 'table' and name == VERSION_TABLE)

    metadata = metadata if metadata is not None else models.Base.metadata
    context = MigrationContext.configure(connection, opts={
        'compare_type': True,
        'compare_server_default': True,
        'include_name': include_name,
    })
    return list(compare_metadata(context, metadata))
