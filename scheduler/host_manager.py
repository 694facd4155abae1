"""What the host scheduler knows of each compute node of its cell."""

from __future__ import annotations

import dataclasses
from typing import Any

from nova import aggregates
from nova.context import RequestContext
from nova.db.api import Database
from nova.servicegroup import service_is_up

__all__ = ['HostState', 'HostManager']


@dataclasses.dataclass
class HostState:
    host: str
    nodename: str
    total_usable_ram_mb: int = 0
    free_ram_mb: int = 0
    total_usable_disk_gb: int = 0
    free_disk_gb: int = 0
    vcpus_total: int = 0
    vcpus_used: int = 0
    num_instances: int = 0
    service_enabled: bool = True
    service_up: bool = True
    ram_allocation_ratio: float = 1.0
    disk_allocation_ratio: float = 1.0
    cpu_allocation_ratio: float = 1.0
    availability_zone: str | None = None
    hypervisor_type: str | None = None
    # Every metadata key of the host's aggregates, with their values.
    aggregate_metadata: dict[str, set[str]] = dataclasses.field(
        default_factory=dict)

    def consume_from_request(self, flavor: Any) -> None:
        """Account for an instance placed here during this pass."""
        self.free_ram_mb -= flavor.memory_mb
        self.free_disk_gb -= (flavor.root_gb or 0) + (flavor.ephemeral_gb
                                                      or 0)
        self.vcpus_used += flavor.vcpus
        self.num_instances += 1


class HostManager:
    def __init__(self, conf: Any, db: Database) -> None:
        self.conf = conf
        self.db = db

    def get_host_states(self, context: RequestContext) -> list[HostState]:
        # One snapshot: the three reads agree, and take one connection.
        with self.db.snapshot():
            services = {s['host']: s for s in self.db.service_get_all(
                context, binary='nova-compute')}
            metadata = self.db.aggregate_host_metadata(context)
            nodes = self.db.compute_node_get_all(context)
        ratios = self.conf.filter_scheduler
        zones = aggregates.host_zones(self.conf, self.db, context, nodes,
                                       metadata)
        states = []
        for node in nodes:
            service = services.get(node['host'])
            states.append(HostState(
                host=node['host'], nodename=node['hypervisor_hostname'],
                total_usable_ram_mb=node['memory_mb'],
                free_ram_mb=node['memory_mb'] - node['memory_mb_used'],
                total_usable_disk_gb=node['local_gb'],
                free_disk_gb=node['local_gb'] - node['local_gb_used'],
                vcpus_total=node['vcpus'], vcpus_used=node['vcpus_used'],
                num_instances=node['running_vms'] or 0,
                service_enabled=(service is not None
                                 and not service['disabled']),
                service_up=(service is not None and service_is_up(
                    service, self.conf.service_down_time)),
                ram_allocation_ratio=ratios.ram_allocation_ratio,
                disk_allocation_ratio=ratios.disk_allocation_ratio,
                cpu_allocation_ratio=ratios.cpu_allocation_ratio,
                availability_zone=zones.get(node['host']),
                hypervisor_type=node.get('hypervisor_type'),
                aggregate_metadata=metadata.get(node['host'], {})))
        return states
