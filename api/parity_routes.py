"""Routes and controllers added for Nova 2.1 parity (issue 15).

Kept apart from :mod:`nova.api.router` and :mod:`nova.api.admin_routes`,
which add these to their own.  More specific paths come first.
"""

from __future__ import annotations

from typing import Any

from nova.api import deps as api_deps
from nova.api import extensions
from nova.api import flavor_access
from nova.api import server_resources

# (path, method, controller, action)
ROUTES: tuple[tuple[str, str, str, str], ...] = (
    ('/servers/{server_id}/ips', 'GET', 'ips', 'index'),
    ('/servers/{server_id}/ips/{id}', 'GET', 'ips', 'show'),
    ('/servers/{server_id}/diagnostics', 'GET', 'server-diagnostics',
     'index'),
    ('/servers/{server_id}/os-server-password', 'GET',
     'os-server-password', 'index'),
    ('/servers/{server_id}/os-server-password', 'DELETE',
     'os-server-password', 'clear'),
    ('/flavors/{flavor_id}/os-flavor-access', 'GET', 'os-flavor-access',
     'index'),
    ('/flavors/{id}/action', 'POST', 'os-flavor-access', 'action'),
    ('/extensions', 'GET', 'extensions', 'index'),
    ('/extensions/{id}', 'GET', 'extensions', 'show'),
)


def controllers(deps: api_deps.ApiDeps) -> dict[str, Any]:
    """The controllers :data:`ROUTES` name, built for one app."""
    return {
        'ips': server_resources.IPsController(deps),
        'server-diagnostics': server_resources.DiagnosticsController(deps),
        'os-server-password':
            server_resources.ServerPasswordController(deps),
        'extensions': extensions.ExtensionsController(deps),
        'os-flavor-access': flavor_access.FlavorAccessController(deps),
    }
