"""Resize migrations of the instances of one cell."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from nova import exception
from nova.context import RequestContext
from nova.db import _retry
from nova.db import models
from nova.db._common import QueryMixin
from nova.db._common import row_to_dict

# Statuses of a migration that still holds resources on its hosts.
IN_PROGRESS = ('pre-migrating', 'migrating', 'post-migrating', 'finished',
               'confirming', 'reverting')


class MigrationQueries(QueryMixin):
    """Mixed into :class:`nova.db.api.Database`."""

    @_retry.retry_on_deadlock
    def migration_create(self, context: RequestContext, values: dict[str, Any]
                         ) -> dict[str, Any]:
        with self.writer() as session:
            row = models.Migration(**values)
            session.add(row)
            session.flush()
            return row_to_dict(row)

    def migration_get(self, context: RequestContext, migration_id: int
                      ) -> dict[str, Any]:
        with self.reader() as session:
            row = session.get(models.Migration, migration_id)
            if row is None or row.deleted:
                raise exception.NotFound(
                    'Migration %s could not be found.' % migration_id)
            return row_to_dict(row)

    @_retry.retry_on_deadlock
    def migration_update(self, context: RequestContext, migration_id: int,
                         values: dict[str, Any]) -> dict[str, Any]:
        with self.writer() as session:
            row = session.get(models.Migration, migration_id)
            if row is None or row.deleted:
                raise exception.NotFound(
                    'Migration %s could not be found.' % migration_id)
            for key, value in values.items():
                setattr(row, key, value)
            session.flush()
            return row_to_dict(row)

    def migration_get_by_instance_and_status(self, context: RequestContext,
                                             instance_uuid: str,
                                             status: str) -> dict[str, Any]:
        with self.reader() as session:
            row = session.scalars(
                sa.select(models.Migration).where(
                    models.Migration.instance_uuid == instance_uuid,
                    models.Migration.status == status,
                    models.Migration.deleted == 0)
                .order_by(models.Migration.id.desc())).first()
            if row is None:
                raise exception.MigrationNotFoundByStatus(
                    instance_id=instance_uuid, status=status)
            return row_to_dict(row)

    def migration_get_in_progress_by_host(self, context: RequestContext,
                                          host: str) -> list[dict[str, Any]]:
        """Unfinished migrations from or to ``host``."""
        Migration = models.Migration
        with self.reader() as session:
            stmt = (sa.select(Migration)
                    .where(sa.or_(Migration.source_compute == host,
                                  Migration.dest_compute == host),
                           Migration.status.in_(IN_PROGRESS),
                           Migration.deleted == 0)
                    .order_by(Migration.id))
            return [row_to_dict(r) for r in session.scalars(stmt)]

    def migration_get_all(self, context: RequestContext,
                          filters: dict[str, Any] | None = None
                          ) -> list[dict[str, Any]]:
        """Migrations of this cell, oldest first.  Filters: ``status``,
        ``instance_uuid``, ``source_compute``, ``migration_type``,
        ``user_id``, ``project_id`` and ``host`` (source or
        destination)."""
        Migration = models.Migration
        filters = filters or {}
        stmt = sa.select(Migration).where(Migration.deleted == 0)
        for key in ('status', 'instance_uuid', 'source_compute',
                    'migration_type', 'user_id', 'project_id'):
            if filters.get(key) is not None:
                stmt = stmt.where(getattr(Migration, key) == filters[key])
        if filters.get('host') is not None:
            stmt = stmt.where(sa.or_(
                Migration.source_compute == filters['host'],
                Migration.dest_compute == filters['host']))
        with self.reader() as session:
            return [row_to_dict(r)
                    for r in session.scalars(stmt.order_by(Migration.id))]
