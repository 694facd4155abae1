"""Routes and controllers added for Nova 2.1 parity (issue 15).

Kept apart from :mod:`nova.api.router` and :mod:`nova.api.admin_routes`,
which add these to their own.  More specific paths come first.
"""

from __future__ import annotations

from typing import Any

from nova.api import deps as api_deps
from nova.api import extensions
from nova.api import flavor_access
from nova.api import hosts
from nova.api import instance_usage_audit_log
from nova.api import migrations
from nova.api import nova_network
from nova.api import security_groups
from nova.api import server_external_events
from nova.api import server_resources
from nova.api import simple_tenant_usage

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
    ('/os-simple-tenant-usage', 'GET', 'os-simple-tenant-usage', 'index'),
    ('/os-simple-tenant-usage/{id}', 'GET', 'os-simple-tenant-usage',
     'show'),
    ('/os-instance_usage_audit_log', 'GET', 'os-instance_usage_audit_log',
     'index'),
    ('/os-instance_usage_audit_log/{id}', 'GET',
     'os-instance_usage_audit_log', 'show'),
    ('/os-server-external-events', 'POST', 'os-server-external-events',
     'create'),
    ('/os-migrations', 'GET', 'os-migrations', 'index'),
    ('/os-security-groups', 'GET', 'os-security-groups', 'index'),
    ('/os-security-groups', 'POST', 'os-security-groups', 'create'),
    ('/os-security-groups/{id}', 'GET', 'os-security-groups', 'show'),
    ('/os-security-groups/{id}', 'PUT', 'os-security-groups', 'update'),
    ('/os-security-groups/{id}', 'DELETE', 'os-security-groups', 'delete'),
    ('/os-security-group-rules', 'POST', 'os-security-group-rules',
     'create'),
    ('/os-security-group-rules/{id}', 'DELETE', 'os-security-group-rules',
     'delete'),
    ('/os-security-group-default-rules', 'GET',
     'os-security-group-default-rules', 'index'),
    ('/os-security-group-default-rules', 'POST',
     'os-security-group-default-rules', 'create'),
    ('/os-security-group-default-rules/{id}', 'GET',
     'os-security-group-default-rules', 'show'),
    ('/os-security-group-default-rules/{id}', 'DELETE',
     'os-security-group-default-rules', 'delete'),
    ('/servers/{server_id}/os-security-groups', 'GET',
     'server-security-groups', 'index'),
    ('/os-networks', 'GET', 'os-networks', 'index'),
    ('/os-networks', 'POST', 'os-networks', 'create'),
    ('/os-networks/{id}/action', 'POST', 'os-networks', 'action'),
    ('/os-networks/{id}', 'GET', 'os-networks', 'show'),
    ('/os-networks/{id}', 'DELETE', 'os-networks', 'delete'),
    ('/os-floating-ip-pools', 'GET', 'os-floating-ip-pools', 'index'),
    ('/os-floating-ips', 'GET', 'os-floating-ips', 'index'),
    ('/os-floating-ips', 'POST', 'os-floating-ips', 'create'),
    ('/os-floating-ips/{id}', 'GET', 'os-floating-ips', 'show'),
    ('/os-floating-ips/{id}', 'DELETE', 'os-floating-ips', 'delete'),
    ('/os-fixed-ips/{id}/action', 'POST', 'os-fixed-ips', 'action'),
    ('/os-fixed-ips/{id}', 'GET', 'os-fixed-ips', 'show'),
    ('/os-hosts', 'GET', 'os-hosts', 'index'),
    ('/os-hosts/{id}/startup', 'GET', 'os-hosts', 'startup'),
    ('/os-hosts/{id}/shutdown', 'GET', 'os-hosts', 'shutdown'),
    ('/os-hosts/{id}/reboot', 'GET', 'os-hosts', 'reboot'),
    ('/os-hosts/{id}', 'GET', 'os-hosts', 'show'),
    ('/os-hosts/{id}', 'PUT', 'os-hosts', 'update'),
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
        'os-migrations': migrations.MigrationsController(deps),
        'os-hosts': hosts.HostsController(deps),
        'os-security-groups':
            security_groups.SecurityGroupsController(deps),
        'os-security-group-rules':
            security_groups.SecurityGroupRulesController(deps),
        'os-security-group-default-rules':
            security_groups.SecurityGroupDefaultRulesController(deps),
        'server-security-groups':
            security_groups.ServerSecurityGroupsController(deps),
        'os-networks': nova_network.NetworksController(deps),
        'os-floating-ip-pools':
            nova_network.FloatingIPPoolsController(deps),
        'os-floating-ips': nova_network.FloatingIPsController(deps),
        'os-fixed-ips': nova_network.FixedIPsController(deps),
        'os-server-external-events':
            server_external_events.ServerExternalEventsController(deps),
        'os-flavor-access': flavor_access.FlavorAccessController(deps),
        'os-simple-tenant-usage':
            simple_tenant_usage.SimpleTenantUsageController(deps),
        'os-instance_usage_audit_log':
            instance_usage_audit_log.InstanceUsageAuditLogController(deps),
    }
