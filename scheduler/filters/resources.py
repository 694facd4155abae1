"""Filters on service health and on RAM, disk and vCPU fit."""

from __future__ import annotations

from typing import Any

from nova.scheduler.filters import BaseHostFilter
from nova.scheduler.host_manager import HostState


class ComputeFilter(BaseHostFilter):
    """Only hosts whose compute service is enabled and up."""

    def host_passes(self, host_state: HostState,
                    spec: dict[str, Any]) -> bool:
        return host_state.service_enabled and host_state.service_up


class RetryFilter(BaseHostFilter):
    """Skip hosts a rescheduled build already failed on."""

    def host_passes(self, host_state: HostState,
                    spec: dict[str, Any]) -> bool:
        retry = spec.get('retry') or {}
        return host_state.host not in retry.get('hosts', [])


class RamFilter(BaseHostFilter):
    def host_passes(self, host_state: HostState,
                    spec: dict[str, Any]) -> bool:
        limit = host_state.total_usable_ram_mb * \
            host_state.ram_allocation_ratio
        used = host_state.total_usable_ram_mb - host_state.free_ram_mb
        return limit - used >= spec['flavor'].memory_mb


class DiskFilter(BaseHostFilter):
    def host_passes(self, host_state: HostState,
                    spec: dict[str, Any]) -> bool:
        flavor = spec['flavor']
        need = (flavor.root_gb or 0) + (flavor.ephemeral_gb or 0)
        limit = host_state.total_usable_disk_gb * \
            host_state.disk_allocation_ratio
        used = host_state.total_usable_disk_gb - host_state.free_disk_gb
        return limit - used >= need


class CoreFilter(BaseHostFilter):
    def host_passes(self, host_state: HostState,
                    spec: dict[str, Any]) -> bool:
        limit = host_state.vcpus_total * host_state.cpu_allocation_ratio
        return limit - host_state.vcpus_used >= spec['flavor'].vcpus
