"""Host aggregates of one cell: their hosts and metadata.

The metadata key ``availability_zone`` names the zone of an aggregate's
hosts; a host may be in several aggregates but in one zone only, which
the writes that could break that rule check in their own transaction.
"""

from __future__ import annotations

from typing import Any

from oslo_utils import uuidutils
import sqlalchemy as sa
from sqlalchemy import orm

from nova import exception
from nova.context import RequestContext
from nova.db import _retry
from nova.db import models
from nova.db._common import QueryMixin
from nova.db._common import utcnow

AZ_KEY = 'availability_zone'


def _describe(session: orm.Session, row: models.Aggregate
              ) -> dict[str, Any]:
    hosts = session.scalars(sa.select(models.AggregateHost.host).where(
        models.AggregateHost.aggregate_id == row.id).order_by(
        models.AggregateHost.id))
    metadata = session.execute(sa.select(
        models.AggregateMetadata.key, models.AggregateMetadata.value).where(
        models.AggregateMetadata.aggregate_id == row.id))
    return {'id': row.id, 'uuid': row.uuid, 'name': row.name,
            'created_at': row.created_at, 'updated_at': row.updated_at,
            'hosts': list(hosts), 'metadata': dict(metadata.all())}


def _mapping(row: models.AggregateMapping) -> dict[str, Any]:
    return {'id': row.id, 'cell_path': row.cell_path,
            'cell_aggregate_id': row.cell_aggregate_id,
            'aggregate_uuid': row.aggregate_uuid}


def _get(session: orm.Session, aggregate_id: int) -> models.Aggregate:
    row = session.get(models.Aggregate, aggregate_id)
    if row is None:
        raise exception.AggregateNotFound(aggregate_id=aggregate_id)
    return row


def _check_name(session: orm.Session, name: str,
                aggregate_id: int | None = None) -> None:
    stmt = sa.select(models.Aggregate.id).where(
        models.Aggregate.name == name)
    if aggregate_id is not None:
        stmt = stmt.where(models.Aggregate.id != aggregate_id)
    if session.scalar(stmt) is not None:
        raise exception.AggregateNameExists(aggregate_name=name)


def _zones_elsewhere(session: orm.Session, hosts: list[str],
                     aggregate_id: int) -> set[str]:
    """The zones other aggregates give any of ``hosts``."""
    if not hosts:
        return set()
    rows = session.scalars(
        sa.select(models.AggregateMetadata.value).join(
            models.AggregateHost, models.AggregateHost.aggregate_id
            == models.AggregateMetadata.aggregate_id).where(
            models.AggregateMetadata.key == AZ_KEY,
            models.AggregateHost.host.in_(hosts),
            models.AggregateHost.aggregate_id != aggregate_id))
    return set(rows)


def _check_zone(session: orm.Session, aggregate_id: int, zone: str | None,
                hosts: list[str], error: type[exception.NovaException]
                ) -> None:
    """Refuse a zone for ``hosts`` when another aggregate gives one of
    them another zone (a host lies in one zone only)."""
    if zone is None:
        return
    conflicting = sorted(_zones_elsewhere(session, hosts, aggregate_id)
                         - {zone})
    if conflicting:
        raise error(aggregate_id=aggregate_id,
                    reason='One or more hosts already in availability '
                           'zone(s) %s' % conflicting)


def _set_metadata(session: orm.Session, aggregate_id: int,
                  changes: dict[str, str | None]) -> None:
    for key, value in changes.items():
        session.execute(sa.delete(models.AggregateMetadata).where(
            models.AggregateMetadata.aggregate_id == aggregate_id,
            models.AggregateMetadata.key == key))
        if value is not None:
            session.add(models.AggregateMetadata(
                aggregate_id=aggregate_id, key=key, value=value))


class AggregateQueries(QueryMixin):
    """Mixed into :class:`nova.db.api.Database`."""

    @_retry.retry_on_deadlock
    def aggregate_create(self, context: RequestContext, name: str,
                         metadata: dict[str, str] | None = None
                         ) -> dict[str, Any]:
        """Raises AggregateNameExists."""
        with self.writer() as session:
            _check_name(session, name)
            row = models.Aggregate(uuid=uuidutils.generate_uuid(),
                                   name=name)
            session.add(row)
            session.flush()
            _set_metadata(session, row.id, dict(metadata or {}))
            session.flush()
            return _describe(session, row)

    def aggregate_get(self, context: RequestContext, aggregate_id: int
                      ) -> dict[str, Any]:
        """Raises AggregateNotFound."""
        with self.reader() as session:
            return _describe(session, _get(session, aggregate_id))

    def aggregate_get_all(self, context: RequestContext
                          ) -> list[dict[str, Any]]:
        with self.reader() as session:
            rows = session.scalars(sa.select(models.Aggregate).order_by(
                models.Aggregate.id))
            return [_describe(session, row) for row in rows]

    @_retry.retry_on_deadlock
    def aggregate_update(self, context: RequestContext, aggregate_id: int,
                         name: str | None = None,
                         metadata: dict[str, str | None] | None = None,
                         error: type[exception.NovaException]
                         = exception.InvalidAggregateActionUpdate
                         ) -> dict[str, Any]:
        """Rename and change metadata (a ``None`` value removes its key).

        Raises AggregateNotFound, AggregateNameExists, and ``error`` when
        a new zone conflicts with the zone of one of the hosts.
        """
        with self.writer() as session:
            row = _get(session, aggregate_id)
            if name is not None and name != row.name:
                _check_name(session, name, aggregate_id)
                row.name = name
            if metadata:
                hosts = list(session.scalars(
                    sa.select(models.AggregateHost.host).where(
                        models.AggregateHost.aggregate_id == aggregate_id)))
                _check_zone(session, aggregate_id, metadata.get(AZ_KEY),
                            hosts, error)
                _set_metadata(session, aggregate_id, metadata)
            row.updated_at = utcnow()
            session.flush()
            return _describe(session, row)

    @_retry.retry_on_deadlock
    def aggregate_delete(self, context: RequestContext, aggregate_id: int
                         ) -> None:
        """Raises AggregateNotFound, InvalidAggregateActionDelete while it
        has hosts."""
        with self.writer() as session:
            row = _get(session, aggregate_id)
            if session.scalar(sa.select(models.AggregateHost.id).where(
                    models.AggregateHost.aggregate_id == aggregate_id)
                    .limit(1)) is not None:
                raise exception.InvalidAggregateActionDelete(
                    aggregate_id=aggregate_id,
                    reason='Host aggregate is not empty')
            session.execute(sa.delete(models.AggregateMetadata).where(
                models.AggregateMetadata.aggregate_id == aggregate_id))
            session.delete(row)

    @_retry.retry_on_deadlock
    def aggregate_host_add(self, context: RequestContext, aggregate_id: int,
                           host: str) -> dict[str, Any]:
        """Raises AggregateNotFound, AggregateHostExists, and
        InvalidAggregateActionAdd when the host lies in another zone."""
        with self.writer() as session:
            row = _get(session, aggregate_id)
            if session.scalar(sa.select(models.AggregateHost.id).where(
                    models.AggregateHost.aggregate_id == aggregate_id,
                    models.AggregateHost.host == host)) is not None:
                raise exception.AggregateHostExists(
                    aggregate_id=aggregate_id, host=host)
            zone = session.scalar(sa.select(
                models.AggregateMetadata.value).where(
                models.AggregateMetadata.aggregate_id == aggregate_id,
                models.AggregateMetadata.key == AZ_KEY))
            _check_zone(session, aggregate_id, zone, [host],
                        exception.InvalidAggregateActionAdd)
            session.add(models.AggregateHost(aggregate_id=aggregate_id,
                                             host=host))
            row.updated_at = utcnow()
            session.flush()
            return _describe(session, row)

    @_retry.retry_on_deadlock
    def aggregate_host_delete(self, context: RequestContext,
                              aggregate_id: int, host: str
                              ) -> dict[str, Any]:
        """Raises AggregateNotFound, AggregateHostNotFound."""
        with self.writer() as session:
            row = _get(session, aggregate_id)
            gone = session.execute(sa.delete(models.AggregateHost).where(
                models.AggregateHost.aggregate_id == aggregate_id,
                models.AggregateHost.host == host))
            if not gone.rowcount:  # type: ignore[attr-defined]
                raise exception.AggregateHostNotFound(
                    aggregate_id=aggregate_id, host=host)
            row.updated_at = utcnow()
            session.flush()
            return _describe(session, row)

    def aggregate_host_metadata(self, context: RequestContext,
                                host: str | None = None
                                ) -> dict[str, dict[str, set[str]]]:
        """Each host in an aggregate (or just ``host``): every metadata
        key of its aggregates with the values they give it."""
        stmt = sa.select(
            models.AggregateHost.host, models.AggregateMetadata.key,
            models.AggregateMetadata.value).join(
            models.AggregateMetadata,
            models.AggregateMetadata.aggregate_id
            == models.AggregateHost.aggregate_id, isouter=True)
        if host is not None:
            stmt = stmt.where(models.AggregateHost.host == host)
        with self.reader() as session:
            rows = session.execute(stmt)
            found: dict[str, dict[str, set[str]]] = {}
            for host, key, value in rows:
                metadata = found.setdefault(host, {})
                if key is not None:
                    metadata.setdefault(key, set()).add(value)
            return found

    # -- tree-wide ids (the API cell) -----------------------------------

    def aggregate_mapping_get(self, context: RequestContext,
                              mapping_id: int) -> dict[str, Any]:
        """Where the aggregate of tree-wide id ``mapping_id`` lives;
        raises AggregateNotFound."""
        with self.reader() as session:
            row = session.get(models.AggregateMapping, mapping_id)
            if row is None:
                raise exception.AggregateNotFound(aggregate_id=mapping_id)
            return _mapping(row)

    def aggregate_mappings_for(self, context: RequestContext,
                               found: list[tuple[str, int, str]]
                               ) -> dict[tuple[str, int], int]:
        """The tree-wide id of each aggregate ``(cell_path, id in its
        cell, uuid)``, allocating the ids not yet given.

        A row made for another uuid (the cell reused a local id after
        losing the aggregate behind the API's back) gives way to a new
        one.  Two callers allocating at once meet on the unique
        constraint; the loser reads the winner's row.
        """
        paths = sorted({path for path, _, _ in found})
        with self.reader() as session:
            rows = session.scalars(sa.select(models.AggregateMapping).where(
                models.AggregateMapping.cell_path.in_(paths)))
            known = {(r.cell_path, r.cell_aggregate_id): _mapping(r)
                     for r in rows}
        ids: dict[tuple[str, int], int] = {}
        for path, local_id, uuid in found:
            mapping = known.get((path, local_id))
            if mapping is None or mapping['aggregate_uuid'] != uuid:
                mapping = self._allocate_mapping(path, local_id, uuid,
                                                 mapping)
            ids[(path, local_id)] = mapping['id']
        return ids

    def _allocate_mapping(self, cell_path: str, local_id: int, uuid: str,
                          stale: dict[str, Any] | None) -> dict[str, Any]:
        try:
            return self._insert_mapping(cell_path, local_id, uuid, stale)
        except sa.exc.IntegrityError:
            pass
        with self.reader() as session:
            row = session.scalar(sa.select(models.AggregateMapping).where(
                models.AggregateMapping.cell_path == cell_path,
                models.AggregateMapping.cell_aggregate_id == local_id))
            if row is None or row.aggregate_uuid != uuid:
                # Another caller's row went between our insert and read.
                return self._insert_mapping(cell_path, local_id, uuid,
                                            None if row is None
                                            else _mapping(row))
            return _mapping(row)

    @_retry.retry_on_deadlock
    def _insert_mapping(self, cell_path: str, local_id: int, uuid: str,
                        stale: dict[str, Any] | None) -> dict[str, Any]:
        with self.writer() as session:
            if stale is not None:
                session.execute(sa.delete(models.AggregateMapping).where(
                    models.AggregateMapping.id == stale['id'],
                    models.AggregateMapping.aggregate_uuid
                    == stale['aggregate_uuid']))
            row = models.AggregateMapping(
                cell_path=cell_path, cell_aggregate_id=local_id,
                aggregate_uuid=uuid)
            session.add(row)
            session.flush()
            return _mapping(row)

    @_retry.retry_on_deadlock
    def aggregate_mapping_delete(self, context: RequestContext,
                                 cell_path: str, cell_aggregate_id: int
                                 ) -> None:
        """Forget the tree-wide id of a deleted aggregate (none: no-op)."""
        with self.writer() as session:
            session.execute(sa.delete(models.AggregateMapping).where(
                models.AggregateMapping.cell_path == cell_path,
                models.AggregateMapping.cell_aggregate_id
                == cell_aggregate_id))
