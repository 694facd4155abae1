"""Networks and fixed IPs of nova-network in one cell."""

from __future__ import annotations

import ipaddress
from typing import Any

import sqlalchemy as sa

from nova import exception
from nova.context import RequestContext
from nova.db import _retry
from nova.db import models
from nova.db._common import QueryMixin
from nova.db._common import row_to_dict
from nova.db._common import table_of
from nova.db._common import update_by_id
from nova.db._common import utcnow

_NETWORKS = table_of(models.Network)
_FIXED_IPS = table_of(models.FixedIp)
# Built once (see nova.db._common.insert_of): every build runs them.
# The first network, and the address the instance holds in it (one
# round trip: every build asks both).
_FIRST_NETWORK = sa.select(
    _NETWORKS.c.id, _NETWORKS.c.label,
    sa.select(_FIXED_IPS.c.address).where(
        _FIXED_IPS.c.instance_uuid == sa.bindparam('uuid'),
        _FIXED_IPS.c.network_id == _NETWORKS.c.id,
        _FIXED_IPS.c.deleted == 0).limit(1).scalar_subquery().label(
        'held')).where(
    _NETWORKS.c.deleted == 0).order_by(_NETWORKS.c.id).limit(1)
# Locked: two builds must not take the same address.
_LOWEST_FREE = sa.select(_FIXED_IPS.c.id, _FIXED_IPS.c.address).where(
    _FIXED_IPS.c.network_id == sa.bindparam('network_id'),
    _FIXED_IPS.c.allocated.is_(False), _FIXED_IPS.c.reserved.is_(False),
    _FIXED_IPS.c.deleted == 0).order_by(_FIXED_IPS.c.id).limit(
    1).with_for_update()


class NetworkQueries(QueryMixin):
    """Mixed into :class:`nova.db.api.Database`."""

    @_retry.retry_on_deadlock
    def network_create(self, context: RequestContext, label: str, cidr: str
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

    def network_get_all(self, context: RequestContext) -> list[dict[str, Any]]:
        with self.reader() as session:
            stmt = (sa.select(models.Network)
                    .where(models.Network.deleted == 0)
                    .order_by(models.Network.id))
            return [row_to_dict(r) for r in session.scalars(stmt)]

    @_retry.retry_on_deadlock
    def fixed_ip_allocate(self, context: RequestContext, instance_uuid: str
                          ) -> tuple[dict[str, Any], str]:
        """Allocate the lowest free address of this cell's first network
        to an instance (the one it holds already, if any), in one
        transaction: the network (``id``, ``label``) and the address.
        Raises NoValidHost when the cell has no network or the network no
        free address."""
        with self.writer() as session:
            conn = session.connection()
            row = conn.execute(_FIRST_NETWORK,
                               {'uuid': instance_uuid}).mappings().first()
            if row is None:
                raise exception.NoValidHost(
                    reason='this cell has no network')
            network = {'id': row['id'], 'label': row['label']}
            if row['held'] is not None:
                return network, str(row['held'])
            free = conn.execute(_LOWEST_FREE,
                                {'network_id': network['id']}).first()
            if free is None:
                raise exception.NoValidHost(
                    reason='no free fixed IP left in network %s'
                    % network['id'])
            conn.execute(update_by_id(_FIXED_IPS), {
                'b_id': free.id, 'allocated': True,
                'instance_uuid': instance_uuid, 'updated_at': utcnow()})
            return network, str(free.address)

    @_retry.retry_on_deadlock
    def fixed_ip_disassociate_all(self, context: RequestContext,
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
