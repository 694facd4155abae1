"""The ``/limits`` controller: a project's absolute limits and usage.

The body is Nova 2.1's: ``{"limits": {"rate": [], "absolute": {...}}}``
with the ``max*`` limits of the project and its ``total*Used`` usage.
An administrator may ask for another project with ``?tenant_id=``.
"""

from __future__ import annotations

from typing import Any

from nova.api import common
from nova.api import deps as api_deps
from nova.api import operator_policies as rules
from nova.api import policy
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import quota_sets as schemas

# Nova's names of the limits, by quota resource.
_LIMIT_NAMES = (
    ('maxImageMeta', 'metadata_items'),
    ('maxPersonality', 'injected_files'),
    ('maxPersonalitySize', 'injected_file_content_bytes'),
    ('maxSecurityGroupRules', 'security_group_rules'),
    ('maxSecurityGroups', 'security_groups'),
    ('maxServerGroupMembers', 'server_group_members'),
    ('maxServerGroups', 'server_groups'),
    ('maxServerMeta', 'metadata_items'),
    ('maxTotalCores', 'cores'),
    ('maxTotalFloatingIps', 'floating_ips'),
    ('maxTotalInstances', 'instances'),
    ('maxTotalKeypairs', 'key_pairs'),
    ('maxTotalRAMSize', 'ram'),
)
_USED_NAMES = (
    ('totalCoresUsed', 'cores'),
    ('totalFloatingIpsUsed', 'floating_ips'),
    ('totalInstancesUsed', 'instances'),
    ('totalRAMUsed', 'ram'),
    ('totalSecurityGroupsUsed', 'security_groups'),
    ('totalServerGroupsUsed', 'server_groups'),
)


def absolute_limits(limits: dict[str, int], usage: dict[str, int],
                    hidden: frozenset[str] = frozenset()) -> dict[str, int]:
    """Nova's absolute limits, less those of the ``hidden`` resources;
    ``maxImageMeta`` goes from 2.39 (the image proxy quota)."""
    absolute = {name: limits[resource] for name, resource in _LIMIT_NAMES
                if resource not in hidden}
    absolute.update({name: usage[resource]
                     for name, resource in _USED_NAMES
                     if resource not in hidden})
    return absolute


class LimitsController:
    """``GET /limits``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    quotas = common.ComputePart('quotas')

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        context = req.context
        policy.authorize(self.enforcer, context, rules.LIMITS)
        validation.validate_query(schemas.limits_query,
                                  req.GET.dict_of_lists())
        project_id = req.GET.get('tenant_id') or context.project_id
        if project_id != context.project_id:
            policy.authorize(self.enforcer, context, rules.USED_LIMITS_OTHER,
                             target={'project_id': project_id})
        ctxt: Any = context.elevated()
        limits, usage = self.quotas.get_limits_and_usage(ctxt, project_id)
        absolute = absolute_limits(
            limits, usage, schemas.hidden_resources(req.api_version))
        if req.at_least('2.39'):
            absolute.pop('maxImageMeta', None)
        return wsgi.Result({'limits': {'rate': [], 'absolute': absolute}})
