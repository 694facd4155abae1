"""The ``/os-server-groups`` controller: server groups of a project.

A group is a policy its members are placed by: ``affinity`` (one host),
``anti-affinity`` (different hosts; from 2.64 at most
``rules.max_server_per_host`` per host), and from 2.15 the soft forms,
which the schedulers prefer but do not insist on.  Servers join a group on
boot with the ``group`` scheduler hint.

Views, as Nova's: ``id``, ``name``, ``members`` (live servers only);
``policies`` (a list of one) and an empty ``metadata`` before 2.64,
``policy`` and ``rules`` from 2.64; ``project_id`` and ``user_id`` from
2.13.  Another project's group is not found (404) for non-administrators;
``?all_projects`` lists every project's for administrators (others get
their own, as in Nova).
"""

from __future__ import annotations

from typing import Any

from nova import exception
from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import policy
from nova.api import resource_policies as rules
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import server_groups as schemas


def view(req: wsgi.ApiRequest, group: dict[str, Any]) -> dict[str, Any]:
    """A group as the request's version shows it."""
    shown: dict[str, Any] = {'id': group['uuid'], 'name': group['name']}
    if req.at_least('2.64'):
        shown['policy'] = group['policy']
        shown['rules'] = {key: int(value) for key, value in
                          (group.get('rules') or {}).items()}
    else:
        shown['policies'] = [group['policy']]
        shown['metadata'] = {}
    shown['members'] = list(group.get('members') or [])
    if req.at_least('2.13'):
        shown['project_id'] = group['project_id']
        shown['user_id'] = group['user_id']
    return shown


class ServerGroupsController:
    """Actions on ``/os-server-groups``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer
        self.max_limit = deps.conf.api.max_limit

    def _group(self, req: wsgi.ApiRequest, id: str, action: str
               ) -> dict[str, Any]:
        # InstanceGroupNotFound is Nova's 404.
        group = self.compute_api.server_group_get(req.context, id)
        policy.authorize(self.enforcer, req.context,
                         rules.SERVER_GROUPS % action,
                         target={'project_id': group['project_id']})
        return group

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        context = req.context
        policy.authorize(self.enforcer, context, rules.SERVER_GROUPS % 'index',
                         target={'project_id': context.project_id})
        validation.validate_query(schemas.index_query_for(req.api_version),
                                  req.GET.dict_of_lists())
        all_projects = 'all_projects' in req.GET and context.is_admin
        if all_projects:
            policy.authorize(self.enforcer, context,
                             rules.SERVER_GROUPS % 'index:all_projects',
                             target={'project_id': context.project_id})
        groups = self.compute_api.server_group_list(
            context, all_projects=all_projects)
        groups = common.offset_limited(req, groups, self.max_limit)
        return wsgi.Result({'server_groups': [view(req, g)
                                              for g in groups]})

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        return wsgi.Result({'server_group': view(
            req, self._group(req, id, 'show'))})

    def delete(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        self._group(req, id, 'delete')
        self.compute_api.server_group_delete(req.context, id)
        return wsgi.Result(status=204)

    def create(self, req: wsgi.ApiRequest, body: Any) -> wsgi.Result:
        context = req.context
        policy.authorize(self.enforcer, context,
                         rules.SERVER_GROUPS % 'create',
                         target={'project_id': context.project_id})
        validation.validate_body(schemas.create_for(req.api_version), body)
        values = body['server_group']
        if req.at_least('2.64'):
            group_policy = values['policy']
            group_rules = {key: int(value) for key, value in
                           (values.get('rules') or {}).items()}
        else:
            group_policy, group_rules = values['policies'][0], {}
        try:
            group = self.compute_api.server_group_create(
                context, values['name'], group_policy, group_rules)
        except exception.InvalidInput as exc:
            raise errors.BadRequest(reason=exc.kwargs['reason']) from None
        return wsgi.Result({'server_group': view(req, group)})
