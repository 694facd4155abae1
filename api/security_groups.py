"""Security groups of nova-network, as Nova serves them.

``/os-security-groups`` (a project's groups), ``/os-security-group-rules``
(their ingress rules) and ``/os-security-group-default-rules`` (what a
new ``default`` group starts with; administrators) are proxies that
exist up to microversion 2.35 (404 after, as in Nova);
``GET /servers/{id}/os-security-groups`` is served at every version.
The groups live in the API cell; their changes reach the cells of their
servers (see :mod:`nova.compute.api_secgroups`).
"""

from __future__ import annotations

from typing import Any

from nova import exception
from nova.api import admin_policies as rules
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import policy
from nova.api import server_common
from nova.api import wsgi
from nova.compute import secgroup_rules

GROUPS = rules.SECURITY_GROUPS
DEFAULT_RULES = rules.SECURITY_GROUP_DEFAULT_RULES


# -- views -------------------------------------------------------------

def rule_view(rule: dict[str, Any], source: dict[str, Any] | None = None
              ) -> dict[str, Any]:
    """A rule; ``source`` is the group a group rule admits."""
    view = {'id': rule['id'], 'parent_group_id': rule['parent_group_id'],
            'ip_protocol': rule['protocol'],
            'from_port': rule['from_port'], 'to_port': rule['to_port'],
            'group': {}, 'ip_range': {}}
    if rule['group_id'] is not None:
        if source is not None:
            view['group'] = {'name': source['name'],
                             'tenant_id': source['project_id']}
    else:
        view['ip_range'] = {'cidr': rule['cidr']}
    return view


def group_view(group: dict[str, Any],
               sources: dict[int, dict[str, Any] | None]) -> dict[str, Any]:
    """A group with its rules; a rule from a group gone meanwhile is
    left out (as Nova does)."""
    rules = []
    for rule in group['rules']:
        source = None
        if rule['group_id'] is not None:
            source = sources.get(rule['group_id'])
            if source is None:
                continue
        rules.append(rule_view(rule, source))
    return {'id': group['id'], 'name': group['name'],
            'description': group['description'],
            'tenant_id': group['project_id'], 'rules': rules}


def _default_rule_view(rule: dict[str, Any]) -> dict[str, Any]:
    return {'id': rule['id'], 'ip_protocol': rule['protocol'],
            'from_port': rule['from_port'], 'to_port': rule['to_port'],
            'ip_range': {'cidr': rule['cidr']}}


def _from_body(body: Any, key: str) -> dict[str, Any]:
    if not body:
        raise errors.BadRequest(reason="The request body can't be empty")
    value = body.get(key) if isinstance(body, dict) else None
    if value is None:
        raise errors.BadRequest(reason='Missing parameter %s' % key)
    if not isinstance(value, dict):
        raise errors.BadRequest(
            reason='Malformed request body: %s must be an object' % key)
    return value


def _sorted(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(views, key=lambda v: (v['tenant_id'], v['name']))


def _limited(req: wsgi.ApiRequest, items: list[Any]) -> list[Any]:
    """``offset`` and ``limit`` of the query, as Nova's listings of the
    proxies took them."""
    bounds = {}
    for name in ('offset', 'limit'):
        value = req.GET.get(name)
        if value is None:
            continue
        try:
            bounds[name] = int(value)
        except ValueError:
            raise errors.BadRequest(
                reason='%s param must be an integer' % name) from None
        if bounds[name] < 0:
            raise errors.BadRequest(
                reason='%s param must be positive' % name)
    offset = bounds.get('offset', 0)
    limit = bounds.get('limit')
    return items[offset:None if limit is None else offset + limit]


class _Base:
    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    def _authorize(self, req: wsgi.ApiRequest, rule: str) -> None:
        policy.authorize(self.enforcer, req.context, rule,
                         target={'project_id': req.context.project_id})

    def _group(self, req: wsgi.ApiRequest, group_id: Any) -> dict[str, Any]:
        try:
            group: dict[str, Any] = self.compute_api.security_group_get(
                req.context, group_id)
            return group
        except exception.SecurityGroupNotFound as exc:
            raise errors.ItemNotFound(reason=exc.format_message()) from exc

    def _sources(self, req: wsgi.ApiRequest, groups: list[dict[str, Any]]
                 ) -> dict[int, dict[str, Any] | None]:
        """The groups the group rules of ``groups`` name (None for one
        gone), each read once."""
        known: dict[int, dict[str, Any] | None] = {g['id']: g
                                                    for g in groups}
        for group in groups:
            for rule in group['rules']:
                source_id = rule['group_id']
                if source_id is None or source_id in known:
                    continue
                try:
                    known[source_id] = self.compute_api.security_group_get(
                        req.context.elevated(), source_id)
                except exception.SecurityGroupNotFound:
                    known[source_id] = None
        return known

    def _views(self, req: wsgi.ApiRequest, groups: list[dict[str, Any]]
               ) -> list[dict[str, Any]]:
        sources = self._sources(req, groups)
        return [group_view(g, sources) for g in groups]


class SecurityGroupsController(_Base):
    """``/os-security-groups``."""

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        self._authorize(req, GROUPS % 'get')
        context = req.context
        groups = self.compute_api.security_group_list(
            context, all_projects=bool(context.is_admin
                                       and req.GET.get('all_tenants')))
        views = self._views(req, _limited(req, groups))
        return wsgi.Result({'security_groups': _sorted(views)})

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        self._authorize(req, GROUPS % 'show')
        group = self._group(req, id)
        return wsgi.Result({'security_group': self._views(req, [group])[0]})

    def create(self, req: wsgi.ApiRequest, body: Any) -> wsgi.Result:
        self._authorize(req, GROUPS % 'create')
        values = _from_body(body, 'security_group')
        group = self.compute_api.security_group_create(
            req.context, values.get('name'), values.get('description'))
        return wsgi.Result({'security_group': self._views(req, [group])[0]})

    def update(self, req: wsgi.ApiRequest, id: str, body: Any
               ) -> wsgi.Result:
        self._authorize(req, GROUPS % 'update')
        group = self._group(req, id)
        values = _from_body(body, 'security_group')
        updated = self.compute_api.security_group_update(
            req.context, group, values.get('name'),
            values.get('description'))
        return wsgi.Result({'security_group':
                            self._views(req, [updated])[0]})

    def delete(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        self._authorize(req, GROUPS % 'delete')
        group = self._group(req, id)
        self.compute_api.security_group_destroy(req.context, group)
        return wsgi.Result(status=202)


class SecurityGroupRulesController(_Base):
    """``/os-security-group-rules``."""

    def create(self, req: wsgi.ApiRequest, body: Any) -> wsgi.Result:
        self._authorize(req, GROUPS % 'rule:create')
        args = _from_body(body, 'security_group_rule')
        group = self._group(req, secgroup_rules.group_id(
            args.get('parent_group_id')))
        source = None
        source_id = args.get('group_id')
        if source_id is not None:
            source = self._group(req, secgroup_rules.group_id(source_id))
        values = secgroup_rules.rule_values(
            args.get('ip_protocol'), args.get('from_port'),
            args.get('to_port'), args.get('cidr'),
            source['id'] if source is not None else None)
        if values is None:
            raise errors.BadRequest(
                reason='Not enough parameters to build a valid rule.')
        rule = self.compute_api.security_group_rule_create(req.context,
                                                           group, values)
        return wsgi.Result({'security_group_rule': rule_view(rule, source)})

    def delete(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        self._authorize(req, GROUPS % 'rule:delete')
        try:
            rule = self.compute_api.security_group_rule_get(req.context, id)
        except exception.SecurityGroupNotFound as exc:
            raise errors.ItemNotFound(reason=exc.format_message()) from exc
        self.compute_api.security_group_rule_destroy(req.context, rule)
        return wsgi.Result(status=202)


class SecurityGroupDefaultRulesController(_Base):
    """``/os-security-group-default-rules`` (administrators)."""

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        self._authorize(req, DEFAULT_RULES % 'list')
        rules = self.compute_api.security_group_default_rule_list(
            req.context)
        return wsgi.Result({'security_group_default_rules': [
            _default_rule_view(r) for r in rules]})

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        self._authorize(req, DEFAULT_RULES % 'show')
        rule = self.compute_api.security_group_default_rule_get(req.context,
                                                                id)
        return wsgi.Result({'security_group_default_rule':
                            _default_rule_view(rule)})

    def create(self, req: wsgi.ApiRequest, body: Any) -> wsgi.Result:
        self._authorize(req, DEFAULT_RULES % 'create')
        args = _from_body(body, 'security_group_default_rule')
        values = secgroup_rules.rule_values(
            args.get('ip_protocol'), args.get('from_port'),
            args.get('to_port'), args.get('cidr'))
        if values is None:
            raise errors.BadRequest(
                reason='Not enough parameters to build a valid rule.')
        rule = self.compute_api.security_group_default_rule_create(
            req.context, values)
        if rule is None:
            raise errors.ConflictingRequest(
                reason='This default rule already exists.')
        return wsgi.Result({'security_group_default_rule':
                            _default_rule_view(rule)})

    def delete(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        self._authorize(req, DEFAULT_RULES % 'delete')
        self.compute_api.security_group_default_rule_destroy(req.context, id)
        return wsgi.Result(status=204)


class ServerSecurityGroupsController(_Base):
    """``GET /servers/{server_id}/os-security-groups``."""

    def index(self, req: wsgi.ApiRequest, server_id: str) -> wsgi.Result:
        instance = server_common.authorized_server(
            self.compute_api, self.enforcer, req, server_id,
            GROUPS % 'list')
        groups = self.compute_api.instance_security_groups(req.context,
                                                           instance)
        return wsgi.Result({'security_groups': _sorted(
            self._views(req, groups))})
