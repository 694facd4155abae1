"""A fake host API: the services and compute nodes of two cells."""

from __future__ import annotations

from typing import Any

from nova import exception


class FakeHostAPI:
    """Services and compute nodes of a tree of two cells."""

    def __init__(self) -> None:
        self.services = [
            {'id': 'api!cell1@1', 'host': 'api!cell1@host1',
             'binary': 'nova-compute', 'disabled': False,
             'disabled_reason': None, 'forced_down': False, 'up': True,
             'availability_zone': 'nova', 'updated_at': None},
            {'id': 'api!cell2@1', 'host': 'api!cell2@host1',
             'binary': 'nova-compute', 'disabled': True,
             'disabled_reason': 'maint', 'forced_down': False, 'up': True,
             'availability_zone': 'nova', 'updated_at': None},
        ]
        self.updates: list[tuple[str, str, dict[str, Any]]] = []
        self.migrations = [{
            'id': 1, 'status': 'finished', 'instance_uuid': 'u-1',
            'source_compute': 'api!cell1@host1',
            'dest_compute': 'api!cell1@host2', 'source_node': 'host1',
            'dest_node': 'host2', 'dest_host': None,
            'old_instance_type_id': 1, 'new_instance_type_id': 2,
            'created_at': None, 'updated_at': None,
            'user_id': 'alice', 'project_id': 'proj1'}]
        self.migration_filters: list[dict[str, Any]] = []
        self.nodes = [{
            'id': 'api!cell1@7', 'hypervisor_hostname': 'host1',
            'host': 'api!cell1@host1', 'cpu_info': '{"arch": "x86_64"}',
            'service': {'id': 'api!cell1@1', 'host': 'api!cell1@host1',
                        'disabled': False, 'disabled_reason': None,
                        'up': True},
            **{k: 0 for k in (
                'vcpus', 'memory_mb', 'local_gb', 'vcpus_used',
                'memory_mb_used', 'local_gb_used', 'free_ram_mb',
                'free_disk_gb', 'current_workload', 'running_vms',
                'disk_available_least')},
            'hypervisor_type': 'fake', 'hypervisor_version': 0,
            'host_ip': None}]

    def service_get_all(self, ctxt, binary=None, host=None):
        return [s for s in self.services
                if binary is None or s['binary'] == binary]

    def service_update(self, ctxt, host, binary, values):
        self.updates.append((host, binary, values))
        service = next(s for s in self.services if s['host'] == host)
        service.update(values)
        return service

    def compute_node_get_all(self, ctxt):
        return self.nodes

    def compute_node_get(self, ctxt, compute_id):
        for node in self.nodes:
            if node['id'] == compute_id:
                return node
        raise exception.ComputeHostNotFound(host=compute_id)

    def migration_get_all(self, ctxt, filters):
        self.migration_filters.append(filters)
        return [dict(m) for m in self.migrations
                if all(m.get(k) == v for k, v in filters.items())]
