"""The ``/os-availability-zone`` controller: the zones of every cell.

Each cell gives its compute services its own ``[DEFAULT]
default_availability_zone`` and its other services
``internal_service_availability_zone``.  ``index`` (any user) lists the
zones of the compute services of the whole tree, a zone being available
while one of its services is enabled; the internal zone is hidden.
``detail`` (administrators) adds the hosts of each available zone and the
state of their services.
"""

from __future__ import annotations

from typing import Any

from nova import host_views
from nova.api import common
from nova.api import deps as api_deps
from nova.api import operator_policies as rules
from nova.api import policy
from nova.api import wsgi


def zones(services: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Available and unavailable zones, each sorted."""
    available = {s['availability_zone'] for s in services
                 if not s['disabled']}
    unavailable = {s['availability_zone'] for s in services
                   if s['disabled']} - available
    return sorted(available), sorted(unavailable)


def _hosts(zone: str, services: list[dict[str, Any]]
           ) -> dict[str, dict[str, Any]]:
    hosts: dict[str, dict[str, Any]] = {}
    for service in services:
        if service['availability_zone'] != zone or service['disabled']:
            continue
        hosts.setdefault(service['host'], {})[service['binary']] = {
            'available': service['up'], 'active': not service['disabled'],
            'updated_at': service['updated_at']}
    return hosts


class AvailabilityZoneController:
    """Actions on ``/os-availability-zone``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer
        self.internal_zone = deps.conf.internal_service_availability_zone

    host_api = common.ComputePart('host_api')

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        policy.authorize(self.enforcer, req.context, rules.AZ_LIST)
        services = self.host_api.service_get_all(req.context.elevated())
        available, unavailable = zones(services)
        info = [{'zoneName': zone, 'zoneState': {'available': state},
                 'hosts': None}
                for names, state in ((available, True), (unavailable, False))
                for zone in names if zone != self.internal_zone]
        return wsgi.Result({'availabilityZoneInfo': info},
                           headers=host_views.listing_headers(services))

    def detail(self, req: wsgi.ApiRequest) -> wsgi.Result:
        policy.authorize(self.enforcer, req.context, rules.AZ_DETAIL,
                         target={})
        services = self.host_api.service_get_all(req.context.elevated())
        available, unavailable = zones(services)
        info: list[dict[str, Any]] = [
            {'zoneName': zone, 'zoneState': {'available': True},
             'hosts': _hosts(zone, services)} for zone in available]
        info += [{'zoneName': zone, 'zoneState': {'available': False},
                  'hosts': None} for zone in unavailable]
        return wsgi.Result({'availabilityZoneInfo': info},
                           headers=host_views.listing_headers(services))
