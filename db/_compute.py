"""Services and compute nodes of one cell."""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa

from nova import exception
from nova.context import RequestContext
from nova.db import _retry
from nova.db import models
from nova.db._common import QueryMixin
from nova.db._common import insert_row
from nova.db._common import row_to_dict
from nova.db._common import table_of
from nova.db._common import update_by_id
from nova.db._common import utcnow

_SERVICES = table_of(models.Service)
_NODES = table_of(models.ComputeNode)
# Built once (see nova.db._common.insert_of): the scheduler reads both on
# every request, and a compute writes its node on every claim.
_LIVE_NODES = sa.select(_NODES).where(_NODES.c.deleted == 0).order_by(
    _NODES.c.id)
_NODE_ID = sa.select(_NODES.c.id).where(
    _NODES.c.host == sa.bindparam('host'),
    _NODES.c.hypervisor_hostname == sa.bindparam('node'),
    _NODES.c.deleted == 0)
_UPDATE_NODE = _NODES.update().where(
    _NODES.c.id == sa.bindparam('b_id'),
    _NODES.c.host == sa.bindparam('b_host'),
    _NODES.c.hypervisor_hostname == sa.bindparam('b_node'),
    _NODES.c.deleted == 0)


@functools.cache
def _live_services(by_binary: bool, enabled_only: bool) -> sa.Select[Any]:
    stmt = sa.select(_SERVICES).where(_SERVICES.c.deleted == 0)
    if by_binary:
        stmt = stmt.where(_SERVICES.c.binary == sa.bindparam('binary'))
    if enabled_only:
        stmt = stmt.where(_SERVICES.c.disabled.is_(False))
    return stmt.order_by(_SERVICES.c.id)


class ComputeQueries(QueryMixin):
    """Mixed into :class:`nova.db.api.Database`."""

    @_retry.retry_on_deadlock
    def service_report(self, context: RequestContext, host: str, binary: str,
                       topic: str) -> dict[str, Any]:
        """Create or refresh the heartbeat row of a running service."""
        with self.writer() as session:
            row = session.scalars(sa.select(models.Service).where(
                models.Service.host == host,
                models.Service.binary == binary,
                models.Service.deleted == 0)).first()
            created = row is None
            if row is None:
                row = models.Service(host=host, binary=binary, topic=topic,
                                     report_count=0)
                session.add(row)
            row.report_count = (row.report_count or 0) + 1
            row.last_seen_up = utcnow()
            session.flush()
            result = row_to_dict(row)
        if created:
            self._notify(context, 'service.create', result)
        return result

    def service_get_all(self, context: RequestContext,
                        binary: str | None = None,
                        include_disabled: bool = True) -> list[dict[str, Any]]:
        stmt = _live_services(binary is not None, not include_disabled)
        with self.reader() as session:
            return [dict(row) for row in session.connection().execute(
                stmt, {'binary': binary}).mappings()]

    def service_get_by_host_and_binary(self, context: RequestContext,
                                       host: str, binary: str
                                       ) -> dict[str, Any]:
        stmt = sa.select(models.Service).where(
            models.Service.host == host, models.Service.binary == binary,
            models.Service.deleted == 0)
        with self.reader() as session:
            row = session.scalars(stmt).first()
            if row is None:
                raise exception.HostBinaryNotFound(host=host,
                                                   binary=binary)
            return row_to_dict(row)

    @_retry.retry_on_deadlock
    def service_update(self, context: RequestContext, service_id: int,
                       values: dict[str, Any]) -> dict[str, Any]:
        with self.writer() as session:
            row = session.get(models.Service, service_id)
            if row is None or row.deleted:
                raise exception.ServiceNotFound(service_id=service_id)
            for key, value in values.items():
                setattr(row, key, value)
            session.flush()
            result = row_to_dict(row)
        self._notify(context, 'service.update', result)
        return result

    @_retry.retry_on_deadlock
    def compute_node_upsert(self, context: RequestContext, host: str,
                            node: str, values: dict[str, Any],
                            node_id: int | None = None) -> int:
        """Create or update the row of one hypervisor node; returns its
        id.  ``node_id``: what an earlier call returned, so that the row
        is updated without being looked up first (and looked up as
        without it when that row is gone)."""
        values = dict(values, updated_at=utcnow())
        with self.writer() as session:
            conn = session.connection()
            # By its id and names: the row of a node deleted meanwhile,
            # or an id given again since, is never this node's.
            if node_id is not None and conn.execute(_UPDATE_NODE, dict(
                    values, b_id=node_id, b_host=host,
                    b_node=node)).rowcount:
                return node_id
            # A plain read: an UPDATE that matches no row would lock the
            # gap where the new row goes, and two computes starting at
            # once would deadlock on their INSERTs.
            node_id = conn.execute(_NODE_ID, {'host': host,
                                              'node': node}).scalar()
            if node_id is None:
                return int(insert_row(conn, _NODES, dict(
                    values, host=host, hypervisor_hostname=node))['id'])
            conn.execute(update_by_id(_NODES), dict(values, b_id=node_id))
            return int(node_id)

    def compute_node_get_all(self, context: RequestContext
                             ) -> list[dict[str, Any]]:
        with self.reader() as session:
            return [dict(row) for row in
                    session.connection().execute(_LIVE_NODES).mappings()]

    def compute_node_get(self, context: RequestContext,
                         compute_id: int) -> dict[str, Any]:
        with self.reader() as session:
            row = session.get(models.ComputeNode, compute_id)
            if row is None or row.deleted:
                raise exception.ComputeHostNotFound(host=compute_id)
            return row_to_dict(row)
