"""Networks and fixed IPs of nova-network in one cell."""

from __future__ import annotations

import ipaddress
from typing import Any

import sqlalchemy as sa

from nova import exception
from nova.db import models
from nova.db._common import QueryMixin
from nova.db._common import row_to_dict


class NetworkQueries(QueryMixin):
    """Mixed into :class:`nova.db.api.Database`."""

    def network_create(self, context: Any, label: str, cidr: str
                       ) -> dict[str, Any]:
        """Create a network and one fixed IP row per usable address (its
        first address is the gateway).

        Raises InvalidInput for a network with no room and CidrConflict
        when it overlaps one of this cell's networks.
        """
        net = ipaddress.ip_network(cidr, strict=False)
        hosts = list(net.hosts())
        if len(hosts) < 2:
            raise exception.InvalidInput(
                reason='network %s has no room for addresses' % cidr)
        gateway = str(hosts[0])
        with self.writer() as session:
            for other in session.scalars(sa.select(models.Network).where(
                    models.Network.deleted == 0)):
                if net.overlaps(ipaddress.ip_network(other.cidr)):
                    raise exception.CidrConflict(cidr=str(net),
                                                 other=other.cidr)
            row = models.Network(label=label, cidr=str(net),
                                 gateway=gateway)
            session.add(row)
            session.flush()
            session.execute(sa.insert(models.FixedIp), [
                {'address': str(addr), 'network_id': row.id,
                 'reserved': str(addr) == gateway, 'allocated': False,
                 'deleted': 0}
                for addr in hosts])
            return row_to_dict(row)

    def network_get_all(self, context: Any) -> list[dict[str, Any]]:
        with self.reader() as session:
            stmt = (sa.select(models.Network)
                    .where(models.Network.deleted == 0)
                    .order_by(models.Network.id))
            return [row_to_dict(r) for r in session.scalars(stmt)]

    def fixed_ip_associate_free(self, context: Any, network_id: int,
                                instance_uuid: str) -> str:
        """Allocate the lowest free address of a network to an instance."""
        FixedIp = models.FixedIp
        with self.writer() as session:
            existing = session.scalars(sa.select(FixedIp).where(
                FixedIp.instance_uuid == instance_uuid,
                FixedIp.network_id == network_id,
                FixedIp.deleted == 0)).first()
            if existing is not None:
                return existing.address
            row = session.scalars(
                sa.select(FixedIp).where(
                    FixedIp.network_id == network_id,
                    FixedIp.allocated.is_(False),
                    FixedIp.reserved.is_(False),
                    FixedIp.deleted == 0)
                .order_by(FixedIp.id).limit(1)
                .with_for_update()).first()
            if row is None:
                raise exception.NoValidHost(
                    reason='no free fixed IP left in network %s'
                    % network_id)
            row.allocated = True
            row.instance_uuid = instance_uuid
            return row.address

    def fixed_ip_disassociate_all(self, context: Any,
                                  instance_uuid: str) -> list[str]:
        FixedIp = models.FixedIp
        with self.writer() as session:
            rows = list(session.scalars(sa.select(FixedIp).where(
                FixedIp.instance_uuid == instance_uuid,
                FixedIp.deleted == 0)))
            for row in rows:
                row.allocated = False
                row.instance_uuid = None
            return [r.address for r in rows]
