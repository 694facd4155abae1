"""How a cell describes its own hosts: services and compute nodes as the
operator APIs show them (``os-services``, ``os-hypervisors``).

Each cell describes what it holds: it alone knows its availability zone and
how long its services may stay silent.  The API cell's host views
(:mod:`nova.compute.host_api`) and nova-cells (answering for its cell)
both render through here.
"""

from __future__ import annotations

import datetime
import ipaddress
from typing import Any

from oslo_utils import timeutils

from nova import exception
from nova import servicegroup
from nova.context import RequestContext
from nova.db.api import Database

COMPUTE_BINARY = 'nova-compute'

# Summed by ``os-hypervisors/statistics``.
STATISTICS_KEYS = ('vcpus', 'memory_mb', 'local_gb', 'vcpus_used',
                   'memory_mb_used', 'local_gb_used', 'free_ram_mb',
                   'free_disk_gb', 'current_workload', 'running_vms',
                   'disk_available_least')


# Response headers of a listing of the tree that lacks some cells: the
# cells that gave no answer now, and those of them whose last known answer
# is shown instead.  Each holds cell paths separated by ", ".
MISSING_HEADER = 'X-OpenStack-Nova-Cells-Missing'
LAST_KNOWN_HEADER = 'X-OpenStack-Nova-Cells-Last-Known'


class Listing(list[dict[str, Any]]):
    """Services or compute nodes of the tree, and which cells gave no
    answer now (``missing``, mute cells included) and which of them are
    shown from their last known answer (``last_known``)."""

    def __init__(self, items: list[dict[str, Any]] = (),  # type: ignore
                 missing: list[str] | None = None,
                 last_known: list[str] | None = None) -> None:
        super().__init__(items)
        self.missing = list(missing or [])
        self.last_known = list(last_known or [])


def listing_headers(items: list[dict[str, Any]]) -> dict[str, str]:
    """The headers naming the cells a listing lacks (none when whole)."""
    headers = {}
    if getattr(items, 'missing', None):
        headers[MISSING_HEADER] = ', '.join(items.missing)  # type: ignore
    if getattr(items, 'last_known', None):
        headers[LAST_KNOWN_HEADER] = ', '.join(
            items.last_known)  # type: ignore
    return headers


def _naive_isotime(value: datetime.datetime | str | None) -> str | None:
    """``2024-01-31T12:00:00.000000``, as Nova shows service times."""
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.strftime('%Y-%m-%dT%H:%M:%S.%f')


def uptime(started: datetime.datetime | str | None,
           now: datetime.datetime) -> str | None:
    """The host's uptime in the words of uptime(1), counted from when
    its compute service first registered (the fake hypervisors have no
    boot time of their own); None when unknown."""
    if started is None:
        return None
    if isinstance(started, str):
        started = timeutils.parse_isotime(started)
    if started.tzinfo is not None:
        started = started.astimezone(datetime.UTC).replace(tzinfo=None)
    up = max(now - started, datetime.timedelta(0))
    hours, rest = divmod(up.seconds, 3600)
    return '%s up %d days, %2d:%02d,  0 users,  load average: 0.00, ' \
        '0.00, 0.00' % (now.strftime('%H:%M:%S'), up.days, hours,
                        rest // 60)


def describe_service(conf: Any, row: dict[str, Any],
                     zones: dict[str, str] | None = None) -> dict[str, Any]:
    """A service row as the API shows it, judged by its own cell;
    ``zones``: the zone of each compute host (see
    :func:`nova.aggregates.host_zones`), default
    ``default_availability_zone``."""
    zone = ((zones or {}).get(row['host'], conf.default_availability_zone)
            if row['binary'] == COMPUTE_BINARY
            else conf.internal_service_availability_zone)
    return {
        'id': row['id'], 'host': row['host'], 'binary': row['binary'],
        'topic': row.get('topic'),
        'disabled': bool(row['disabled']),
        'disabled_reason': row.get('disabled_reason'),
        'forced_down': bool(row.get('forced_down')),
        'updated_at': _naive_isotime(row.get('updated_at')
                                     or row.get('created_at')),
        'availability_zone': zone,
        'up': servicegroup.service_is_up(row, conf.service_down_time),
    }


def describe_compute_node(conf: Any, node: dict[str, Any],
                          service: dict[str, Any] | None
                          ) -> dict[str, Any]:
    """A compute node as ``os-hypervisors`` shows it."""
    free_ram = node.get('free_ram_mb')
    free_disk = node.get('free_disk_gb')
    if free_ram is None:
        free_ram = node['memory_mb'] - node['memory_mb_used']
    if free_disk is None:
        free_disk = node['local_gb'] - node['local_gb_used']
    described = service and describe_service(conf, service)
    return {
        'id': node['id'],
        'hypervisor_hostname': node['hypervisor_hostname'],
        'hypervisor_type': node.get('hypervisor_type') or 'fake',
        'hypervisor_version': node.get('hypervisor_version') or 0,
        'host': node['host'], 'host_ip': None,
        'vcpus': node['vcpus'], 'vcpus_used': node['vcpus_used'],
        'memory_mb': node['memory_mb'],
        'memory_mb_used': node['memory_mb_used'],
        'local_gb': node['local_gb'], 'local_gb_used': node['local_gb_used'],
        'free_ram_mb': free_ram, 'free_disk_gb': free_disk,
        'disk_available_least': free_disk,
        'current_workload': 0,
        'running_vms': node.get('running_vms') or 0,
        'cpu_info': node.get('cpu_info') or '',
        'uptime': uptime(service.get('created_at') if service else None,
                         timeutils.utcnow().replace(tzinfo=None)),
        'service': {
            'id': described['id'] if described else None,
            'host': node['host'],
            'disabled': described['disabled'] if described else True,
            'disabled_reason': (described['disabled_reason']
                                if described else None),
            'up': described['up'] if described else False,
        },
    }


def describe_compute_nodes(conf: Any, db: Database,
                           ctxt: RequestContext) -> list[dict[str, Any]]:
    """Every compute node of a cell, with its compute service."""
    services = {s['host']: s for s in
                db.service_get_all(ctxt, binary=COMPUTE_BINARY)}
    return [describe_compute_node(conf, node, services.get(node['host']))
            for node in db.compute_node_get_all(ctxt)]


def describe_compute_node_by_id(conf: Any, db: Database, ctxt: RequestContext,
                                compute_id: str) -> dict[str, Any]:
    """One compute node of a cell, with its compute service; raises
    ComputeHostNotFound."""
    if not str(compute_id).isdigit():
        raise exception.ComputeHostNotFound(host=compute_id)
    node = db.compute_node_get(ctxt, int(compute_id))
    services = db.service_get_all(ctxt, binary=COMPUTE_BINARY)
    service = next((s for s in services if s['host'] == node['host']),
                   None)
    return describe_compute_node(conf, node, service)


MIGRATION_KEYS = ('id', 'status', 'instance_uuid', 'source_node',
                  'dest_node', 'source_compute', 'dest_compute',
                  'dest_host', 'old_instance_type_id',
                  'new_instance_type_id', 'created_at', 'updated_at',
                  'user_id', 'project_id')


def describe_migration(row: dict[str, Any]) -> dict[str, Any]:
    """A migration as ``os-migrations`` shows it (Nova 2.1's keys, and
    2.80's ``user_id`` and ``project_id``, which the API drops before)."""
    view = {key: row.get(key) for key in MIGRATION_KEYS}
    view['created_at'] = _naive_isotime(view['created_at'])
    view['updated_at'] = _naive_isotime(view['updated_at'])
    return view


def describe_network(row: dict[str, Any]) -> dict[str, Any]:
    """A nova-network network of a cell: what ``os-networks`` shows."""
    net = ipaddress.ip_network(row['cidr'], strict=False)
    return {'id': row['id'], 'label': row.get('label'),
            'cidr': str(net), 'netmask': str(net.netmask),
            'broadcast': str(net.broadcast_address),
            'gateway': row.get('gateway'),
            'created_at': _naive_isotime(row.get('created_at')),
            'updated_at': _naive_isotime(row.get('updated_at'))}


def statistics(nodes: list[dict[str, Any]]) -> dict[str, int]:
    """The totals ``os-hypervisors/statistics`` shows."""
    stats = {key: sum(int(node.get(key) or 0) for node in nodes)
             for key in STATISTICS_KEYS}
    stats['count'] = len(nodes)
    return stats
