"""Server groups of the fake compute API: a dict of groups, Nova's
visibility (another project's group is not found for non-admins) and the
``server_groups`` quota."""

from __future__ import annotations

from typing import Any
import uuid

from nova import exception
from nova import server_groups


class ServerGroupsMixin:
    group_limit = 10

    def _groups(self) -> dict[str, dict[str, Any]]:
        if not hasattr(self, '_group_table'):
            self._group_table: dict[str, dict[str, Any]] = {}
        return self._group_table

    def server_group_create(self, ctxt: Any, name: str, policy: str,
                            rules: dict[str, Any] | None = None
                            ) -> dict[str, Any]:
        if policy not in server_groups.POLICIES_V215:
            raise exception.InvalidInput(
                reason='Invalid server group policy %s' % policy)
        if rules and policy != server_groups.ANTI_AFFINITY:
            raise exception.InvalidInput(
                reason='Only anti-affinity policy supports rules.')
        own = [g for g in self._groups().values()
               if g['project_id'] == ctxt.project_id]
        if len(own) >= self.group_limit:
            raise exception.ServerGroupQuotaExceeded(
                message='Quota exceeded, too many server groups.')
        group = {'uuid': str(uuid.uuid4()), 'name': name,
                 'project_id': ctxt.project_id, 'user_id': ctxt.user_id,
                 'policy': policy, 'rules': dict(rules or {}),
                 'members': []}
        self._groups()[group['uuid']] = group
        return dict(group)

    def server_group_get(self, ctxt: Any, group_uuid: str
                         ) -> dict[str, Any]:
        group = self._groups().get(group_uuid)
        if group is None or not (ctxt.is_admin or
                                 group['project_id'] == ctxt.project_id):
            raise exception.InstanceGroupNotFound(group_uuid=group_uuid)
        return dict(group)

    def server_group_list(self, ctxt: Any, all_projects: bool = False
                          ) -> list[dict[str, Any]]:
        return [dict(g) for g in self._groups().values()
                if all_projects or g['project_id'] == ctxt.project_id]

    def server_group_delete(self, ctxt: Any, group_uuid: str) -> None:
        self.server_group_get(ctxt, group_uuid)
        del self._groups()[group_uuid]

    def server_groups_of(self, ctxt: Any, instance_uuid: str) -> list[str]:
        return [g['uuid'] for g in self._groups().values()
                if instance_uuid in g['members']]
