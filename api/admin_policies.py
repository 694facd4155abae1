"""Policy rules of the operator server actions and of the routes added
for Nova 2.1 parity (issue 15): server addresses, diagnostics, password
and live migrations, migrations, hosts, flavor access, usage, external
events, quota classes, extensions and the nova-network proxies (security
groups included).

Names and defaults are Nova's, so an operator's policy file keeps its
meaning.  :func:`nova.api.policy.list_rules` includes these.
"""

from __future__ import annotations

from oslo_policy import policy as oslo_policy

ADMIN_ACTIONS = 'os_compute_api:os-admin-actions:%s'
MIGRATE_SERVER = 'os_compute_api:os-migrate-server:%s'
SECURITY_GROUPS = 'os_compute_api:os-security-groups:%s'
SECURITY_GROUP_DEFAULT_RULES = \
    'os_compute_api:os-security-group-default-rules:%s'
IPS = 'os_compute_api:ips:%s'
DIAGNOSTICS = 'os_compute_api:os-server-diagnostics'
SERVER_PASSWORD = 'os_compute_api:os-server-password:%s'
EXTENSIONS = 'os_compute_api:extensions'
FLAVOR_ACCESS = 'os_compute_api:os-flavor-access'
SIMPLE_TENANT_USAGE = 'os_compute_api:os-simple-tenant-usage:%s'
AUDIT_LOG = 'os_compute_api:os-instance-usage-audit-log:%s'
EXTERNAL_EVENTS = 'os_compute_api:os-server-external-events:%s'
MIGRATIONS = 'os_compute_api:os-migrations:%s'
SERVER_MIGRATIONS = 'os_compute_api:servers:migrations:%s'
NETWORKS = 'os_compute_api:os-networks:%s'
FLOATING_IP_POOLS = 'os_compute_api:os-floating-ip-pools'
FLOATING_IPS = 'os_compute_api:os-floating-ips'
FIXED_IPS = 'os_compute_api:os-fixed-ips:%s'
HOSTS = 'os_compute_api:os-hosts:%s'
FLAVOR_ACCESS_ACTION = 'os_compute_api:os-flavor-access:%s'
AGGREGATES = 'os_compute_api:os-aggregates:%s'

_ADMIN = 'rule:admin_api'
_OWNER = 'rule:admin_or_owner'
_ANYONE = '@'
_ACTION_PATH = '/servers/{server_id}/action (%s)'


def _rule(name: str, check: str, description: str,
          *operations: tuple[str, str]) -> oslo_policy.DocumentedRuleDefault:
    return oslo_policy.DocumentedRuleDefault(
        name=name, check_str=check, description=description,
        operations=[{'method': m, 'path': p} for m, p in operations])


def _action(name: str, action: str, check: str, description: str
            ) -> oslo_policy.DocumentedRuleDefault:
    return _rule(name, check, description, ('POST', _ACTION_PATH % action))


def _server_action_rules() -> list[oslo_policy.DocumentedRuleDefault]:
    return [
        _action(ADMIN_ACTIONS % 'reset_state', 'os-resetState', _ADMIN,
                "Reset a server's state."),
        _action(ADMIN_ACTIONS % 'inject_network_info', 'injectNetworkInfo',
                _ADMIN, "Push a server's network configuration into it "
                'again.'),
        _action(MIGRATE_SERVER % 'migrate', 'migrate', _ADMIN,
                'Cold-migrate a server to another host or cell.'),
        _action(MIGRATE_SERVER % 'migrate_live', 'os-migrateLive', _ADMIN,
                'Live-migrate a server to another host.'),
        _action(SECURITY_GROUPS % 'add', 'addSecurityGroup', _OWNER,
                'Add a security group to a server.'),
        _action(SECURITY_GROUPS % 'remove', 'removeSecurityGroup', _OWNER,
                'Remove a security group from a server.'),
    ]


def _server_resource_rules() -> list[oslo_policy.DocumentedRuleDefault]:
    ips = '/servers/{server_id}/ips'
    password = '/servers/{server_id}/os-server-password'
    migrations = '/servers/{server_id}/migrations'
    return [
        _rule(IPS % 'index', _OWNER, "List a server's addresses.",
              ('GET', ips)),
        _rule(IPS % 'show', _OWNER, "List a server's addresses on one "
              'network.', ('GET', ips + '/{network_label}')),
        _rule(DIAGNOSTICS, _ADMIN, "Show a server's diagnostics.",
              ('GET', '/servers/{server_id}/diagnostics')),
        _rule(SERVER_PASSWORD % 'show', _OWNER, "Show a server's encrypted "
              'password.', ('GET', password)),
        _rule(SERVER_PASSWORD % 'clear', _OWNER, "Clear a server's "
              'encrypted password.', ('DELETE', password)),
        _rule(SERVER_MIGRATIONS % 'index', _ADMIN, "List a server's live "
              'migrations in progress.', ('GET', migrations)),
        _rule(SERVER_MIGRATIONS % 'show', _ADMIN, "Show one of a server's "
              'live migrations in progress.',
              ('GET', migrations + '/{migration_id}')),
        _rule(SERVER_MIGRATIONS % 'delete', _ADMIN, "Abort a server's live "
              'migration.', ('DELETE', migrations + '/{migration_id}')),
        _rule(SERVER_MIGRATIONS % 'force_complete', _ADMIN, 'Force a '
              "server's live migration to complete.",
              ('POST', migrations + '/{migration_id}/action '
               '(force_complete)')),
    ]


def _catalog_rules() -> list[oslo_policy.DocumentedRuleDefault]:
    return [
        _rule(EXTENSIONS, _ANYONE, 'List the API extensions.',
              ('GET', '/extensions'), ('GET', '/extensions/{alias}')),
        _rule(EXTERNAL_EVENTS % 'create', _ADMIN, 'Tell servers about '
              'events of other services.',
              ('POST', '/os-server-external-events')),
        _rule(MIGRATIONS % 'index', _ADMIN, 'List the migrations of every '
              'cell.', ('GET', '/os-migrations')),
        _rule(FLAVOR_ACCESS, _ADMIN, 'List the projects of a private '
              'flavor.', ('GET', '/flavors/{flavor_id}/os-flavor-access')),
        _rule(FLAVOR_ACCESS_ACTION % 'add_tenant_access', _ADMIN,
              'Let a project use a private flavor.',
              ('POST', '/flavors/{flavor_id}/action (addTenantAccess)')),
        _rule(FLAVOR_ACCESS_ACTION % 'remove_tenant_access', _ADMIN,
              'Take a private flavor away from a project.',
              ('POST', '/flavors/{flavor_id}/action (removeTenantAccess)')),
    ]


def _usage_rules() -> list[oslo_policy.DocumentedRuleDefault]:
    usage = '/os-simple-tenant-usage'
    audit = '/os-instance_usage_audit_log'
    return [
        _rule(SIMPLE_TENANT_USAGE % 'list', _ADMIN, 'List the usage of '
              'every project.', ('GET', usage)),
        _rule(SIMPLE_TENANT_USAGE % 'show', _OWNER, "Show a project's "
              'usage.', ('GET', usage + '/{tenant_id}')),
        _rule(AUDIT_LOG % 'list', _ADMIN, 'List the usage audits of the '
              'compute hosts.', ('GET', audit)),
        _rule(AUDIT_LOG % 'show', _ADMIN, 'Show the usage audits before '
              'a time.', ('GET', audit + '/{before_timestamp}')),
    ]


def _network_rules() -> list[oslo_policy.DocumentedRuleDefault]:
    nets = '/os-networks'
    floating = '/os-floating-ips'
    fixed = '/os-fixed-ips/{fixed_ip}'
    return [
        _rule(NETWORKS % 'list', _OWNER, 'List the networks.',
              ('GET', nets)),
        _rule(NETWORKS % 'show', _OWNER, 'Show a network.',
              ('GET', nets + '/{network_id}')),
        _rule(NETWORKS % 'create', _ADMIN, 'Create a network.',
              ('POST', nets)),
        _rule(NETWORKS % 'delete', _ADMIN, 'Delete a network.',
              ('DELETE', nets + '/{network_id}')),
        _rule(NETWORKS % 'associate', _ADMIN, 'Associate or disassociate '
              'a network.', ('POST', nets + '/{network_id}/action')),
        _rule(FLOATING_IP_POOLS, _ANYONE, 'List the floating IP pools.',
              ('GET', '/os-floating-ip-pools')),
        _rule(FLOATING_IPS, _OWNER, "List, show, allocate and release a "
              "project's floating IPs.", ('GET', floating),
              ('POST', floating), ('GET', floating + '/{floating_ip_id}'),
              ('DELETE', floating + '/{floating_ip_id}')),
        _rule(FIXED_IPS % 'show', _ADMIN, 'Show a fixed IP.',
              ('GET', fixed)),
        _rule(FIXED_IPS % 'reserve', _ADMIN, 'Reserve or unreserve a '
              'fixed IP.', ('POST', fixed + '/action')),
    ]


def _security_group_rules() -> list[oslo_policy.DocumentedRuleDefault]:
    groups = '/os-security-groups'
    group = groups + '/{security_group_id}'
    rules = '/os-security-group-rules'
    defaults = '/os-security-group-default-rules'
    return [
        _rule(SECURITY_GROUPS % 'get', _OWNER, "List the project's "
              'security groups.', ('GET', groups)),
        _rule(SECURITY_GROUPS % 'show', _OWNER, 'Show a security group.',
              ('GET', group)),
        _rule(SECURITY_GROUPS % 'create', _OWNER, 'Create a security '
              'group.', ('POST', groups)),
        _rule(SECURITY_GROUPS % 'update', _OWNER, 'Rename a security group '
              'or change its description.', ('PUT', group)),
        _rule(SECURITY_GROUPS % 'delete', _OWNER, 'Delete a security '
              'group.', ('DELETE', group)),
        _rule(SECURITY_GROUPS % 'rule:create', _OWNER, 'Add a rule to a '
              'security group.', ('POST', rules)),
        _rule(SECURITY_GROUPS % 'rule:delete', _OWNER, 'Delete a rule of a '
              'security group.', ('DELETE', rules + '/{security_group_id}')),
        _rule(SECURITY_GROUPS % 'list', _OWNER, "List a server's security "
              'groups.', ('GET', '/servers/{server_id}/os-security-groups')),
        _rule(SECURITY_GROUP_DEFAULT_RULES % 'list', _ADMIN, 'List the '
              "rules every project's default group starts with.",
              ('GET', defaults)),
        _rule(SECURITY_GROUP_DEFAULT_RULES % 'show', _ADMIN, 'Show a '
              'default security group rule.',
              ('GET', defaults + '/{security_group_default_rule_id}')),
        _rule(SECURITY_GROUP_DEFAULT_RULES % 'create', _ADMIN, 'Add a '
              'default security group rule.', ('POST', defaults)),
        _rule(SECURITY_GROUP_DEFAULT_RULES % 'delete', _ADMIN, 'Delete a '
              'default security group rule.',
              ('DELETE', defaults + '/{security_group_default_rule_id}')),
    ]


def _host_rules() -> list[oslo_policy.DocumentedRuleDefault]:
    host = '/os-hosts/{host_name}'
    return [
        _rule(HOSTS % 'list', _ADMIN, 'List the hosts of every cell.',
              ('GET', '/os-hosts')),
        _rule(HOSTS % 'show', _ADMIN, "Show a compute host's resources.",
              ('GET', host)),
        _rule(HOSTS % 'update', _ADMIN, 'Enable, disable or put a host in '
              'maintenance.', ('PUT', host)),
        _rule(HOSTS % 'start', _ADMIN, 'Start a host.',
              ('GET', host + '/startup')),
        _rule(HOSTS % 'shutdown', _ADMIN, 'Shut a host down.',
              ('GET', host + '/shutdown')),
        _rule(HOSTS % 'reboot', _ADMIN, 'Reboot a host.',
              ('GET', host + '/reboot')),
    ]


def _aggregate_rules() -> list[oslo_policy.DocumentedRuleDefault]:
    path = '/os-aggregates/{aggregate_id}'
    action = path + '/action (%s)'
    return [
        _rule(AGGREGATES % 'index', _ADMIN, 'List the host aggregates of '
              'every cell.', ('GET', '/os-aggregates')),
        _rule(AGGREGATES % 'create', _ADMIN, 'Create a host aggregate.',
              ('POST', '/os-aggregates')),
        _rule(AGGREGATES % 'show', _ADMIN, 'Show a host aggregate.',
              ('GET', path)),
        _rule(AGGREGATES % 'update', _ADMIN, 'Rename a host aggregate or '
              'change its availability zone.', ('PUT', path)),
        _rule(AGGREGATES % 'delete', _ADMIN, 'Delete a host aggregate.',
              ('DELETE', path)),
        _rule(AGGREGATES % 'add_host', _ADMIN, 'Add a host to a host '
              'aggregate.', ('POST', action % 'add_host')),
        _rule(AGGREGATES % 'remove_host', _ADMIN, 'Remove a host from a '
              'host aggregate.', ('POST', action % 'remove_host')),
        _rule(AGGREGATES % 'set_metadata', _ADMIN, 'Set the metadata of a '
              'host aggregate.', ('POST', action % 'set_metadata')),
    ]


def list_rules() -> list[oslo_policy.RuleDefault]:
    return [*_server_action_rules(), *_server_resource_rules(),
            *_catalog_rules(), *_usage_rules(), *_network_rules(),
            *_security_group_rules(), *_host_rules(), *_aggregate_rules()]
