"""Policy rules of the operator and quota APIs.

``os-cells``, ``os-services`` and ``os-hypervisors`` are for
administrators; any user may list the availability zones, read the limits
and the quota of their own project.  :func:`nova.api.policy.list_rules`
includes these rules, so a policy file may override any of them.
"""

from __future__ import annotations

from oslo_policy import policy as oslo_policy

CELLS = 'os_compute_api:os-cells'
CELLS_ACTION = 'os_compute_api:os-cells:%s'
SERVICES = 'os_compute_api:os-services'
HYPERVISORS = 'os_compute_api:os-hypervisors'
AZ_LIST = 'os_compute_api:os-availability-zone:list'
AZ_DETAIL = 'os_compute_api:os-availability-zone:detail'
QUOTA_SETS = 'os_compute_api:os-quota-sets:%s'
QUOTA_CLASS_SETS = 'os_compute_api:os-quota-class-sets:%s'
LIMITS = 'os_compute_api:limits'
USED_LIMITS_OTHER = 'os_compute_api:os-used-limits'

_ADMIN = 'rule:admin_api'
_OWNER = 'rule:admin_or_owner'
_ANYONE = '@'


def _rule(name: str, check: str, description: str,
          operations: list[tuple[str, str]]
          ) -> oslo_policy.DocumentedRuleDefault:
    return oslo_policy.DocumentedRuleDefault(
        name=name, check_str=check, description=description,
        operations=[{'method': m, 'path': p} for m, p in operations])


def _cells_rules() -> list[oslo_policy.DocumentedRuleDefault]:
    return [
        _rule(CELLS, _ADMIN, 'List, show and describe the neighbour cells '
              'and their capacities.',
              [('GET', '/os-cells'), ('GET', '/os-cells/detail'),
               ('GET', '/os-cells/info'), ('GET', '/os-cells/capacities'),
               ('GET', '/os-cells/{cell_id}'),
               ('GET', '/os-cells/{cell_id}/capacities')]),
        _rule(CELLS_ACTION % 'create', _ADMIN, 'Add a neighbour cell.',
              [('POST', '/os-cells')]),
        _rule(CELLS_ACTION % 'update', _ADMIN, 'Change a neighbour cell.',
              [('PUT', '/os-cells/{cell_id}')]),
        _rule(CELLS_ACTION % 'delete', _ADMIN, 'Remove a neighbour cell.',
              [('DELETE', '/os-cells/{cell_id}')]),
        _rule(CELLS_ACTION % 'sync_instances', _ADMIN,
              'Have every cell send its instances to the top again.',
              [('POST', '/os-cells/sync_instances')]),
    ]


def _host_rules() -> list[oslo_policy.DocumentedRuleDefault]:
    return [
        _rule(SERVICES, _ADMIN, 'List, enable and disable the services of '
              'every cell.',
              [('GET', '/os-services'), ('PUT', '/os-services/enable'),
               ('PUT', '/os-services/disable'),
               ('PUT', '/os-services/disable-log-reason')]),
        _rule(HYPERVISORS, _ADMIN, 'List and show the hypervisors of '
              'every cell, and their statistics.',
              [('GET', '/os-hypervisors'), ('GET', '/os-hypervisors/detail'),
               ('GET', '/os-hypervisors/statistics'),
               ('GET', '/os-hypervisors/{hypervisor_id}')]),
        _rule(AZ_LIST, _ANYONE, 'List the availability zones.',
              [('GET', '/os-availability-zone')]),
        _rule(AZ_DETAIL, _ADMIN, 'List the availability zones with their '
              'hosts and services.',
              [('GET', '/os-availability-zone/detail')]),
    ]


def _quota_rules() -> list[oslo_policy.DocumentedRuleDefault]:
    path = '/os-quota-sets/{tenant_id}'
    return [
        _rule(QUOTA_SETS % 'show', _OWNER, "Show a project's quota.",
              [('GET', path)]),
        _rule(QUOTA_SETS % 'detail', _OWNER, "Show a project's quota with "
              'its usage.', [('GET', path + '/detail')]),
        _rule(QUOTA_SETS % 'defaults', _ANYONE, 'Show the default quota.',
              [('GET', path + '/defaults')]),
        _rule(QUOTA_SETS % 'update', _ADMIN, "Change a project's quota.",
              [('PUT', path)]),
        _rule(QUOTA_SETS % 'delete', _ADMIN, 'Put a project back on the '
              'default quota.', [('DELETE', path)]),
        _rule(QUOTA_CLASS_SETS % 'show', _ADMIN, 'Show the limits of a '
              'quota class.', [('GET', '/os-quota-class-sets/{quota_class}')]),
        _rule(QUOTA_CLASS_SETS % 'update', _ADMIN, 'Set the limits of a '
              'quota class (default: the defaults).',
              [('PUT', '/os-quota-class-sets/{quota_class}')]),
        _rule(LIMITS, _ANYONE, "Show the caller's limits and usage.",
              [('GET', '/limits')]),
        _rule(USED_LIMITS_OTHER, _ADMIN, 'Show the limits and usage of '
              'another project (?tenant_id=).',
              [('GET', '/limits')]),
    ]


def list_rules() -> list[oslo_policy.RuleDefault]:
    return [*_cells_rules(), *_host_rules(), *_quota_rules()]
