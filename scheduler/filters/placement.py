"""Filters on where an instance may go: availability zone, image needs,
hosts to avoid."""

from __future__ import annotations

from typing import Any

from nova.scheduler.filters import BaseHostFilter
from nova.scheduler.host_manager import HostState


class AvailabilityZoneFilter(BaseHostFilter):
    """An instance that asks for a zone goes to a host of that zone."""

    def host_passes(self, host_state: HostState,
                    spec: dict[str, Any]) -> bool:
        wanted = (spec.get('request_spec') or {}).get('availability_zone')
        return not wanted or host_state.availability_zone == wanted


class ImagePropertiesFilter(BaseHostFilter):
    """An image that names a hypervisor type (``hypervisor_type`` or
    ``img_hv_type``) runs only on nodes of that type."""

    def host_passes(self, host_state: HostState,
                    spec: dict[str, Any]) -> bool:
        image = (spec.get('request_spec') or {}).get('image') or {}
        props = image.get('properties') or {}
        wanted = props.get('hypervisor_type') or props.get('img_hv_type')
        if not wanted:
            return True
        return (host_state.hypervisor_type or '').lower() == wanted.lower()


class IgnoreHostsFilter(BaseHostFilter):
    """Skip the hosts a request excludes (a resize leaving its host), and
    every host but the one it asks for (``requested_host``: a migration
    to a given host)."""

    def host_passes(self, host_state: HostState,
                    spec: dict[str, Any]) -> bool:
        requested = spec.get('requested_host')
        if requested is not None and host_state.host != requested:
            return False
        return host_state.host not in (spec.get('ignore_hosts') or [])
