"""``/extensions``: the fixed list of API extensions Nova 2.1 still
shows for clients of the old v2 API, limited to what this API serves
(and ``os-consoles``, which tempest expects to show).

Every entry has Nova's placeholder namespace and date; the description
is the extension's purpose.  ``/extensions/{alias}`` shows one (404 for
an alias not in the list).
"""

from __future__ import annotations

from nova.api import admin_policies as rules
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import policy
from nova.api import wsgi

_NAMESPACE = 'http://docs.openstack.org/compute/ext/fake_xml'
_UPDATED = '2014-12-03T00:00:00Z'

# (alias, name, description)
EXTENSIONS: tuple[tuple[str, str, str], ...] = (
    ('NMN', 'Multinic', 'Multiple network support.'),
    ('OS-DCF', 'DiskConfig', 'Disk Management Extension.'),
    ('OS-EXT-AZ', 'ExtendedAvailabilityZone',
     'Extended Availability Zone support.'),
    ('OS-EXT-IPS', 'ExtendedIps', 'Adds type parameter to the ip list.'),
    ('OS-EXT-IPS-MAC', 'ExtendedIpsMac', 'Adds mac address parameter to '
     'the ip list.'),
    ('OS-EXT-SRV-ATTR', 'ExtendedServerAttributes',
     'Extended Server Attributes support.'),
    ('OS-EXT-STS', 'ExtendedStatus', 'Extended Status support.'),
    ('OS-FLV-DISABLED', 'FlavorDisabled', 'Support to show the disabled '
     'status of a flavor.'),
    ('OS-FLV-EXT-DATA', 'FlavorExtraData', 'Provide additional data for '
     'flavors.'),
    ('OS-SCH-HNT', 'SchedulerHints', 'Pass arbitrary key/value pairs to '
     'the scheduler.'),
    ('OS-SRV-USG', 'ServerUsage', 'Adds launched_at and terminated_at on '
     'Servers.'),
    ('os-access-ips', 'AccessIPs', 'Access IPs support.'),
    ('os-admin-actions', 'AdminActions', 'Enable admin-only server '
     'actions.'),
    ('os-aggregates', 'Aggregates', 'Admin-only aggregate '
     'administration.'),
    ('os-availability-zone', 'AvailabilityZone', '1. Add availability_zone '
     'to the Create Server API. 2. Add availability zones describing.'),
    ('os-cell-capacities', 'CellCapacities', 'Adding functionality to get '
     'cell capacities.'),
    ('os-cells', 'Cells', 'Enables cells-related functionality such as '
     'adding neighbor cells, listing neighbor cells, and getting the '
     'capabilities of the local cell.'),
    ('os-console-output', 'ConsoleOutput', 'Console log output support, '
     'with tailing ability.'),
    # Listed as Nova lists it (tempest shows it); its routes answer 404.
    ('os-consoles', 'Consoles', 'Interactive Console support.'),
    ('os-create-server-ext', 'Createserverext', 'Extended support to the '
     'Create Server v1.1 API.'),
    ('os-deferred-delete', 'DeferredDelete', 'Instance deferred delete.'),
    ('os-extended-quotas', 'ExtendedQuotas', 'Adds ability for admins to '
     'delete quota and optionally force the update Quota command.'),
    ('os-fixed-ips', 'FixedIPs', 'Fixed IPs support.'),
    ('os-flavor-access', 'FlavorAccess', 'Flavor access support.'),
    ('os-flavor-extra-specs', 'FlavorExtraSpecs', 'Flavors extra specs '
     'support.'),
    ('os-flavor-manage', 'FlavorManage', 'Flavor create/delete API '
     'support.'),
    ('os-flavor-rxtx', 'FlavorRxtx', 'Support to show the rxtx status of '
     'a flavor.'),
    ('os-flavor-swap', 'FlavorSwap', 'Support to show the swap status of '
     'a flavor.'),
    ('os-floating-ip-pools', 'FloatingIpPools', 'Floating IPs support.'),
    ('os-floating-ips', 'FloatingIps', 'Floating IPs support.'),
    ('os-hosts', 'Hosts', 'Admin-only host administration.'),
    ('os-hypervisors', 'Hypervisors', 'Admin-only hypervisor '
     'administration.'),
    ('os-instance-actions', 'InstanceActions', 'View a log of actions and '
     'events taken on an instance.'),
    ('os-instance_usage_audit_log', 'OSInstanceUsageAuditLog',
     'Admin-only Task Log Monitoring.'),
    ('os-keypairs', 'Keypairs', 'Keypair Support.'),
    ('os-lock-server', 'LockServer', 'Enable lock/unlock server actions.'),
    ('os-migrate-server', 'MigrateServer', 'Enable migrate and '
     'live-migrate server actions.'),
    ('os-migrations', 'Migrations', 'Provide data on migrations.'),
    ('os-multiple-create', 'MultipleCreate', 'Allow multiple create in '
     'the Create Server v2.1 API.'),
    ('os-networks', 'Networks', 'Admin-only Network Management Extension.'),
    ('os-pause-server', 'PauseServer', 'Enable pause/unpause server '
     'actions.'),
    ('os-quota-class-sets', 'QuotaClasses', 'Quota classes management '
     'support.'),
    ('os-quota-sets', 'Quotas', 'Quotas management support.'),
    ('os-rescue', 'Rescue', 'Instance rescue mode.'),
    ('os-security-group-default-rules', 'SecurityGroupDefaultRules',
     'Default rules for security group support.'),
    ('os-security-groups', 'SecurityGroups', 'Security group support.'),
    ('os-server-diagnostics', 'ServerDiagnostics', 'Allow Admins to view '
     'server diagnostics through server action.'),
    ('os-server-external-events', 'ServerExternalEvents', 'Server '
     'External Event Triggers.'),
    ('os-server-groups', 'ServerGroups', 'Server group support.'),
    ('os-server-password', 'ServerPassword', 'Server password support.'),
    ('os-server-start-stop', 'ServerStartStop', 'Start/Stop instance '
     'compute API support.'),
    ('os-services', 'Services', 'Services support.'),
    ('os-shelve', 'Shelve', 'Instance shelve mode.'),
    ('os-simple-tenant-usage', 'SimpleTenantUsage', 'Simple tenant usage '
     'extension.'),
    ('os-suspend-server', 'SuspendServer', 'Enable suspend/resume server '
     'actions.'),
    ('os-used-limits', 'UsedLimits', 'Provide data on limited resources '
     'that are being used.'),
    ('os-user-quotas', 'UserQuotas', 'Project user quota support.'),
)


def _view(alias: str, name: str, description: str) -> dict[str, object]:
    return {'name': name, 'alias': alias, 'description': description,
            'namespace': _NAMESPACE, 'updated': _UPDATED, 'links': []}


class ExtensionsController:
    """``GET /extensions`` and ``GET /extensions/{alias}``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.enforcer = deps.enforcer

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        policy.authorize(self.enforcer, req.context, rules.EXTENSIONS)
        return wsgi.Result({'extensions': [_view(*ext)
                                           for ext in EXTENSIONS]})

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        policy.authorize(self.enforcer, req.context, rules.EXTENSIONS)
        for ext in EXTENSIONS:
            if ext[0] == id:
                return wsgi.Result({'extension': _view(*ext)})
        raise errors.ResourceNotFound()
