"""Services and compute nodes of one cell."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from nova import exception
from nova.db import models
from nova.db._common import QueryMixin
from nova.db._common import row_to_dict
from nova.db._common import utcnow


class ComputeQueries(QueryMixin):
    """Mixed into :class:`nova.db.api.Database`."""

    def service_report(self, context: Any, host: str, binary: str,
                       topic: str) -> dict[str, Any]:
        """Create or refresh the heartbeat row of a running service."""
        with self.writer() as session:
            row = session.scalars(sa.select(models.Service).where(
                models.Service.host == host,
                models.Service.binary == binary,
                models.Service.deleted == 0)).first()
            if row is None:
                row = models.Service(host=host, binary=binary, topic=topic,
                                     report_count=0)
                session.add(row)
            row.report_count = (row.report_count or 0) + 1
            row.last_seen_up = utcnow()
            session.flush()
            return row_to_dict(row)

    def service_get_all(self, context: Any, binary: str | None = None,
                        include_disabled: bool = True
                        ) -> list[dict[str, Any]]:
        stmt = sa.select(models.Service).where(models.Service.deleted == 0)
        if binary is not None:
            stmt = stmt.where(models.Service.binary == binary)
        if not include_disabled:
            stmt = stmt.where(models.Service.disabled.is_(False))
        with self.reader() as session:
            return [row_to_dict(r) for r in
                    session.scalars(stmt.order_by(models.Service.id))]

    def service_get_by_host_and_binary(self, context: Any, host: str,
                                       binary: str) -> dict[str, Any]:
        stmt = sa.select(models.Service).where(
            models.Service.host == host, models.Service.binary == binary,
            models.Service.deleted == 0)
        with self.reader() as session:
            row = session.scalars(stmt).first()
            if row is None:
                raise exception.HostBinaryNotFound(host=host,
                                                   binary=binary)
            return row_to_dict(row)

    def service_update(self, context: Any, service_id: int,
                       values: dict[str, Any]) -> dict[str, Any]:
        with self.writer() as session:
            row = session.get(models.Service, service_id)
            if row is None or row.deleted:
                raise exception.ServiceNotFound(service_id=service_id)
            for key, value in values.items():
                setattr(row, key, value)
            session.flush()
            return row_to_dict(row)

    def compute_node_upsert(self, context: Any, host: str, node: str,
                            values: dict[str, Any]) -> dict[str, Any]:
        """Create or update the row of one hypervisor node."""
        with self.writer() as session:
            row = session.scalars(sa.select(models.ComputeNode).where(
                models.ComputeNode.host == host,
                models.ComputeNode.hypervisor_hostname == node,
                models.ComputeNode.deleted == 0)).first()
            if row is None:
                row = models.ComputeNode(host=host, hypervisor_hostname=node)
                session.add(row)
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            session.flush()
            return row_to_dict(row)

    def compute_node_get_all(self, context: Any) -> list[dict[str, Any]]:
        with self.reader() as session:
            stmt = (sa.select(models.ComputeNode)
                    .where(models.ComputeNode.deleted == 0)
                    .order_by(models.ComputeNode.id))
            return [row_to_dict(r) for r in session.scalars(stmt)]

    def compute_node_get(self, context: Any,
                         compute_id: int) -> dict[str, Any]:
        with self.reader() as session:
            row = session.get(models.ComputeNode, compute_id)
            if row is None or row.deleted:
                raise exception.ComputeHostNotFound(host=compute_id)
            return row_to_dict(row)
