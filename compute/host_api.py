"""Operator views of the hosts: services, hypervisors and their zones.

What ``os-services``, ``os-hypervisors`` and ``os-availability-zone`` show
comes from here, as plain dicts:

* :class:`HostAPI` reads the services and compute nodes of one cell from
  its own database (a deployment without cells).
* :class:`CellsHostAPI` (the API cell of a cells deployment) asks the
  whole tree through nova-cells; ids and hosts are then qualified with the
  path of the cell holding them, ``api!cell1@3`` and ``api!cell1@host1``,
  and changes are routed to that cell.

Each cell describes its own services (:func:`describe_service`) and
compute nodes (:func:`describe_compute_nodes`): it alone knows its
availability zone and how long its services may stay silent.
"""

from __future__ import annotations

import datetime
from typing import Any

from oslo_log import log as logging

from nova import exception
from nova import servicegroup
from nova.cells import utils as cells_utils

LOG = logging.getLogger(__name__)

COMPUTE_BINARY = 'nova-compute'

# Summed by ``os-hypervisors/statistics``.
STATISTICS_KEYS = ('vcpus', 'memory_mb', 'local_gb', 'vcpus_used',
                   'memory_mb_used', 'local_gb_used', 'free_ram_mb',
                   'free_disk_gb', 'current_workload', 'running_vms',
                   'disk_available_least')


def _naive_isotime(value: datetime.datetime | str | None) -> str | None:
    """``2024-01-31T12:00:00.000000``, as Nova shows service times."""
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.strftime('%Y-%m-%dT%H:%M:%S.%f')


def describe_service(conf: Any, row: dict[str, Any]) -> dict[str, Any]:
    """A service row as the API shows it, judged by its own cell."""
    zone = (conf.default_availability_zone
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
        'service': {
            'id': described['id'] if described else None,
            'host': node['host'],
            'disabled': described['disabled'] if described else True,
            'disabled_reason': (described['disabled_reason']
                                if described else None),
            'up': described['up'] if described else False,
        },
    }


def describe_compute_nodes(conf: Any, db: Any,
                           ctxt: Any) -> list[dict[str, Any]]:
    """Every compute node of a cell, with its compute service."""
    services = {s['host']: s for s in
                db.service_get_all(ctxt, binary=COMPUTE_BINARY)}
    return [describe_compute_node(conf, node, services.get(node['host']))
            for node in db.compute_node_get_all(ctxt)]


def statistics(nodes: list[dict[str, Any]]) -> dict[str, int]:
    """The totals ``os-hypervisors/statistics`` shows."""
    stats = {key: sum(int(node.get(key) or 0) for node in nodes)
             for key in STATISTICS_KEYS}
    stats['count'] = len(nodes)
    return stats


class HostAPI:
    """Services and compute nodes of one cell, from its database."""

    def __init__(self, conf: Any, db: Any) -> None:
        self.conf = conf
        self.db = db

    def service_get_all(self, ctxt: Any, binary: str | None = None,
                        host: str | None = None) -> list[dict[str, Any]]:
        services = [describe_service(self.conf, row) for row in
                    self.db.service_get_all(ctxt, binary=binary)]
        return [s for s in services if host is None or s['host'] == host]

    def service_update(self, ctxt: Any, host: str, binary: str,
                       values: dict[str, Any]) -> dict[str, Any]:
        """Enable or disable a service; raises HostBinaryNotFound."""
        row = self.db.service_get_by_host_and_binary(ctxt, host, binary)
        row = self.db.service_update(ctxt, row['id'], values)
        return describe_service(self.conf, row)

    def compute_node_get_all(self, ctxt: Any) -> list[dict[str, Any]]:
        return describe_compute_nodes(self.conf, self.db, ctxt)

    def compute_node_get(self, ctxt: Any, compute_id: str
                         ) -> dict[str, Any]:
        """One compute node; raises ComputeHostNotFound."""
        if not str(compute_id).isdigit():
            raise exception.ComputeHostNotFound(host=compute_id)
        node = self.db.compute_node_get(ctxt, int(compute_id))
        services = self.db.service_get_all(ctxt, binary=COMPUTE_BINARY)
        service = next((s for s in services if s['host'] == node['host']),
                       None)
        return describe_compute_node(self.conf, node, service)


def _qualify(item: dict[str, Any], cell_path: str) -> dict[str, Any]:
    """Prefix the id and host of a service or compute node with its
    cell's path, as cells v1 shows them."""
    item = dict(item)
    item['id'] = cells_utils.cell_with_item(cell_path, item['id'])
    item['host'] = cells_utils.cell_with_item(cell_path, item['host'])
    if isinstance(item.get('service'), dict):
        service = dict(item['service'])
        if service.get('id') is not None:
            service['id'] = cells_utils.cell_with_item(cell_path,
                                                       service['id'])
        service['host'] = item['host']
        item['service'] = service
    item['cell_path'] = cell_path
    return item


class CellsHostAPI(HostAPI):
    """Services and compute nodes of the whole tree, through nova-cells.

    A cell that does not answer in time is left out (and logged): an
    operator gets what the rest of the tree knows.
    """

    def __init__(self, conf: Any, cells_rpcapi: Any) -> None:
        super().__init__(conf, None)
        self.cells_rpcapi = cells_rpcapi

    @staticmethod
    def _log_missing(what: str, missing: list[str]) -> None:
        if missing:
            LOG.warning('Listing %s: no answer from %s', what,
                        ', '.join(missing))

    def service_get_all(self, ctxt: Any, binary: str | None = None,
                        host: str | None = None) -> list[dict[str, Any]]:
        filters = {'binary': binary} if binary else {}
        result = self.cells_rpcapi.service_get_all(ctxt, filters=filters)
        self._log_missing('services', result['missing'])
        services = [_qualify(s, s['cell_path'])
                    for s in result['services']]
        return [s for s in services if host is None or s['host'] == host]

    def service_update(self, ctxt: Any, host: str, binary: str,
                       values: dict[str, Any]) -> dict[str, Any]:
        """Change a service in its own cell; ``host`` is
        ``cell_path@host``."""
        cell_path, host_name = cells_utils.split_cell_and_item(host)
        if not host_name:
            raise exception.HostBinaryNotFound(host=host, binary=binary)
        try:
            service = self.cells_rpcapi.service_update(ctxt, host, binary,
                                                       values)
        except exception.CellRoutingInconsistency:
            raise exception.HostBinaryNotFound(host=host,
                                               binary=binary) from None
        return _qualify(service, cell_path)

    def compute_node_get_all(self, ctxt: Any) -> list[dict[str, Any]]:
        result = self.cells_rpcapi.compute_node_get_all(ctxt)
        self._log_missing('compute nodes', result['missing'])
        return [_qualify(n, n['cell_path'])
                for n in result['compute_nodes']]

    def compute_node_get(self, ctxt: Any, compute_id: str
                         ) -> dict[str, Any]:
        """One compute node; ``compute_id`` is ``cell_path@id``."""
        cell_path, item = cells_utils.split_cell_and_item(str(compute_id))
        if not item or not item.isdigit():
            raise exception.ComputeHostNotFound(host=compute_id)
        try:
            node = self.cells_rpcapi.compute_node_get(ctxt, compute_id)
        except exception.CellRoutingInconsistency:
            raise exception.ComputeHostNotFound(host=compute_id) from None
        return _qualify(node, cell_path)
