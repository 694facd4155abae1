"""Who may do what: the API's policy rules and their enforcement.

The defaults live here in code; a policy file named by
``[oslo_policy] policy_file`` may override any of them. The defaults follow
Nova's "admin or owner" model: a member acts on their own project's
servers, an admin on every project's, and only an admin lists servers
across projects or sees the host attributes of a server.
"""

from __future__ import annotations

from typing import Any

from oslo_config import cfg
from oslo_policy import opts as policy_opts
from oslo_policy import policy as oslo_policy

from nova import context as nova_context
from nova import exception
from nova.api import admin_policies
from nova.api import operator_policies
from nova.api import resource_policies

SERVERS = 'os_compute_api:servers:%s'
EXTENDED_SERVER_ATTRIBUTES = 'os_compute_api:os-extended-server-attributes'
SERVERS_HOST_STATUS = SERVERS % 'show:host_status'
FLAVOR_EXTRA_SPECS_INDEX = resource_policies.EXTRA_SPECS % 'index'

_BASE_RULES = [
    oslo_policy.RuleDefault(
        'context_is_admin', 'role:admin',
        description='Decides who is an administrator.'),
    oslo_policy.RuleDefault(
        'admin_or_owner', 'is_admin:True or project_id:%(project_id)s',
        description='An administrator or a member of the owning project.'),
    oslo_policy.RuleDefault(
        'admin_api', 'is_admin:True',
        description='Administrators only.'),
]


def _server_rule(action: str, check: str, method: str, path: str,
                 description: str) -> oslo_policy.DocumentedRuleDefault:
    return oslo_policy.DocumentedRuleDefault(
        name=SERVERS % action, check_str=check, description=description,
        operations=[{'method': method, 'path': path}])


_API_RULES = [
    _server_rule('index', 'rule:admin_or_owner', 'GET', '/servers',
                 'List the servers of a project.'),
    _server_rule('detail', 'rule:admin_or_owner', 'GET', '/servers/detail',
                 'List the servers of a project, with details.'),
    _server_rule('index:get_all_tenants', 'rule:admin_api', 'GET',
                 '/servers', 'List the servers of every project.'),
    _server_rule('detail:get_all_tenants', 'rule:admin_api', 'GET',
                 '/servers/detail',
                 'List the servers of every project, with details.'),
    _server_rule('show', 'rule:admin_or_owner', 'GET', '/servers/{id}',
                 'Show a server.'),
    _server_rule('create', 'rule:admin_or_owner', 'POST', '/servers',
                 'Create servers.'),
    _server_rule('delete', 'rule:admin_or_owner', 'DELETE',
                 '/servers/{id}', 'Delete a server.'),
    _server_rule('show:host_status', 'rule:admin_api', 'GET',
                 '/servers/{id}',
                 'Show the status of a server\'s host (2.16).'),
    _server_rule('create:forced_host', 'rule:admin_api', 'POST',
                 '/servers', 'Name the host of a new server '
                 '(availability_zone ZONE:HOST).'),
    _server_rule('create:requested_destination', 'rule:admin_api', 'POST',
                 '/servers', 'Name the host of a new server (2.74).'),
    oslo_policy.DocumentedRuleDefault(
        name=EXTENDED_SERVER_ATTRIBUTES, check_str='rule:admin_api',
        description='Show the host attributes (OS-EXT-SRV-ATTR) of '
                    'servers.',
        operations=[{'method': 'GET', 'path': '/servers/{id}'},
                    {'method': 'GET', 'path': '/servers/detail'}]),
]


def list_rules() -> list[oslo_policy.RuleDefault]:
    """Every default rule; also the oslo.policy generator's entry point."""
    return (_BASE_RULES + _API_RULES + resource_policies.list_rules()
            + operator_policies.list_rules()
            + admin_policies.list_rules())


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register oslo.policy's ``[oslo_policy]`` options on ``conf``."""
    policy_opts.set_defaults(conf)


def new_enforcer(conf: cfg.ConfigOpts) -> oslo_policy.Enforcer:
    """An enforcer reading overrides from ``conf``'s policy file."""
    register_opts(conf)
    enforcer = oslo_policy.Enforcer(conf)
    enforcer.register_defaults(list_rules())
    return enforcer


def credentials(context: nova_context.RequestContext) -> dict[str, Any]:
    """What rules may check about the caller."""
    creds = dict(context.to_policy_values())
    # oslo.context leaves is_admin out; the admin_api rules need it.
    creds['is_admin'] = bool(context.is_admin)
    return creds


def authorize(enforcer: oslo_policy.Enforcer,
              context: nova_context.RequestContext, action: str,
              target: dict[str, Any] | None = None,
              fatal: bool = True) -> bool:
    """Whether ``context`` may perform ``action`` on ``target``.

    The default target is the caller's own project. With ``fatal`` a refusal
    raises :class:`nova.exception.PolicyNotAuthorized` (403).
    """
    if target is None:
        target = {'project_id': context.project_id,
                  'user_id': context.user_id}
    allowed = enforcer.authorize(action, target, credentials(context),
                                 do_raise=False)
    if not allowed and fatal:
        raise exception.PolicyNotAuthorized(action=action)
    return bool(allowed)


def get_enforcer() -> oslo_policy.Enforcer:
    """An enforcer over the global configuration, for oslo.policy's tools
    (``oslopolicy-policy-generator``, ``oslopolicy-list-redundant``)."""
    conf = cfg.CONF
    return new_enforcer(conf)
