"""Routes and controllers of the operator and quota APIs.

Kept apart from the server routes of :mod:`nova.api.router`, which adds
these to its own.  More specific paths come first.
"""

from __future__ import annotations

from typing import Any

from nova.api import aggregates
from nova.api import availability_zones
from nova.api import cells
from nova.api import deps as api_deps
from nova.api import hypervisors
from nova.api import limits
from nova.api import quota_classes
from nova.api import quota_sets
from nova.api import services

# (path, method, controller, action)
ROUTES: tuple[tuple[str, str, str, str], ...] = (
    ('/os-cells', 'GET', 'os-cells', 'index'),
    ('/os-cells', 'POST', 'os-cells', 'create'),
    ('/os-cells/detail', 'GET', 'os-cells', 'detail'),
    ('/os-cells/info', 'GET', 'os-cells', 'info'),
    ('/os-cells/capacities', 'GET', 'os-cells', 'capacities'),
    ('/os-cells/sync_instances', 'POST', 'os-cells', 'sync_instances'),
    ('/os-cells/{id}/capacities', 'GET', 'os-cells', 'capacities'),
    ('/os-cells/{id}', 'GET', 'os-cells', 'show'),
    ('/os-cells/{id}', 'PUT', 'os-cells', 'update'),
    ('/os-cells/{id}', 'DELETE', 'os-cells', 'delete'),
    ('/os-services', 'GET', 'os-services', 'index'),
    ('/os-services/{id}', 'PUT', 'os-services', 'update'),
    ('/os-hypervisors', 'GET', 'os-hypervisors', 'index'),
    ('/os-hypervisors/detail', 'GET', 'os-hypervisors', 'detail'),
    ('/os-hypervisors/statistics', 'GET', 'os-hypervisors', 'statistics'),
    ('/os-hypervisors/{id}/search', 'GET', 'os-hypervisors', 'search'),
    ('/os-hypervisors/{id}/servers', 'GET', 'os-hypervisors', 'servers'),
    ('/os-hypervisors/{id}/uptime', 'GET', 'os-hypervisors', 'uptime'),
    ('/os-hypervisors/{id}', 'GET', 'os-hypervisors', 'show'),
    ('/os-availability-zone', 'GET', 'os-availability-zone', 'index'),
    ('/os-availability-zone/detail', 'GET', 'os-availability-zone',
     'detail'),
    ('/os-aggregates', 'GET', 'os-aggregates', 'index'),
    ('/os-aggregates', 'POST', 'os-aggregates', 'create'),
    ('/os-aggregates/{id}/action', 'POST', 'os-aggregates', 'action'),
    ('/os-aggregates/{id}', 'GET', 'os-aggregates', 'show'),
    ('/os-aggregates/{id}', 'PUT', 'os-aggregates', 'update'),
    ('/os-aggregates/{id}', 'DELETE', 'os-aggregates', 'delete'),
    ('/limits', 'GET', 'limits', 'index'),
    ('/os-quota-sets/{id}', 'GET', 'os-quota-sets', 'show'),
    ('/os-quota-sets/{id}', 'PUT', 'os-quota-sets', 'update'),
    ('/os-quota-sets/{id}', 'DELETE', 'os-quota-sets', 'delete'),
    ('/os-quota-sets/{id}/defaults', 'GET', 'os-quota-sets', 'defaults'),
    ('/os-quota-sets/{id}/detail', 'GET', 'os-quota-sets', 'detail'),
    ('/os-quota-class-sets/{id}', 'GET', 'os-quota-class-sets', 'show'),
    ('/os-quota-class-sets/{id}', 'PUT', 'os-quota-class-sets', 'update'),
)


def controllers(deps: api_deps.ApiDeps) -> dict[str, Any]:
    """The controllers :data:`ROUTES` name, built for one app."""
    return {
        'os-cells': cells.CellsController(deps),
        'os-services': services.ServicesController(deps),
        'os-hypervisors': hypervisors.HypervisorsController(deps),
        'os-availability-zone':
            availability_zones.AvailabilityZoneController(deps),
        'os-aggregates': aggregates.AggregatesController(deps),
        'limits': limits.LimitsController(deps),
        'os-quota-sets': quota_sets.QuotaSetsController(deps),
        'os-quota-class-sets': quota_classes.QuotaClassSetsController(deps),
    }
