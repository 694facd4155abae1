"""Server groups of the compute API (``os-server-groups``).

Mixed into :class:`nova.compute.api.API`.  Groups live in the API cell's
database; a boot that names one (the ``group`` scheduler hint) joins its
instances to it under the project's quota lock, records the group in each
instance's system metadata and sends the group's policy and members with
the build (:mod:`nova.server_groups`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from oslo_log import log as logging
from oslo_utils import uuidutils

from nova import exception
from nova import notifications
from nova import server_groups
from nova.compute import quotas
from nova.context import RequestContext
from nova.db.api import Database

LOG = logging.getLogger(__name__)

TOO_MANY_GROUPS = 'Quota exceeded, too many server groups.'


class ServerGroupsMixin:
    if TYPE_CHECKING:
        conf: Any
        db: Database
        quotas: quotas.QuotaEngine
        notifier: notifications.Notifier

    def server_group_create(self, ctxt: RequestContext, name: str,
                            policy: str,
                            rules: dict[str, Any] | None = None
                            ) -> dict[str, Any]:
        """Create a group of the caller's project.  InvalidInput for a
        policy Nova does not know or rules on a policy other than
        anti-affinity; ServerGroupQuotaExceeded over ``server_groups``.
        """
        if policy not in server_groups.POLICIES_V215:
            raise exception.InvalidInput(
                reason='Invalid server group policy %s' % policy)
        if rules and policy != server_groups.ANTI_AFFINITY:
            raise exception.InvalidInput(
                reason='Only anti-affinity policy supports rules.')

        def check(state: dict[str, Any]) -> None:
            limit = self.quotas.limits_in(state)['server_groups']
            used = state['usage']['server_groups']
            if limit != quotas.UNLIMITED and used >= limit:
                LOG.info('Quota of project %s exceeded for server_groups',
                         ctxt.project_id)
                raise exception.ServerGroupQuotaExceeded(
                    message=TOO_MANY_GROUPS)

        uuid = self.db.instance_group_create(ctxt, {
            'uuid': uuidutils.generate_uuid(), 'name': name,
            'project_id': ctxt.project_id, 'user_id': ctxt.user_id,
            'policy': policy, 'rules': dict(rules or {})}, check)
        group = self.db.instance_group_get(ctxt.elevated(), uuid)
        self.notifier.server_group(ctxt, 'create', group)
        return group

    def server_group_get(self, ctxt: RequestContext, group_uuid: str
                         ) -> dict[str, Any]:
        """A group the caller may see, or InstanceGroupNotFound."""
        return self.db.instance_group_get(ctxt, group_uuid)

    def server_group_list(self, ctxt: RequestContext,
                          all_projects: bool = False
                          ) -> list[dict[str, Any]]:
        """The caller's project's groups (every project's with
        ``all_projects``, for an administrator), oldest first."""
        return self.db.instance_group_get_all(
            ctxt, None if all_projects else ctxt.project_id)

    def server_group_delete(self, ctxt: RequestContext, group_uuid: str
                            ) -> None:
        """Delete a group; its servers stay as they are."""
        group = self.db.instance_group_get(ctxt, group_uuid)
        self.db.instance_group_delete(ctxt, group_uuid)
        LOG.info('Server group %s deleted', group_uuid)
        self.notifier.server_group(ctxt, 'delete', group)

    def server_groups_of(self, ctxt: RequestContext, instance_uuid: str
                         ) -> list[str]:
        """The uuids of the groups a server is in (2.71)."""
        return self.db.instance_group_uuids_of(ctxt, instance_uuid)

    def _requested_group(self, ctxt: RequestContext,
                         hints: dict[str, Any] | None
                         ) -> dict[str, Any] | None:
        """The group a boot's ``group`` hint names (InstanceGroupNotFound
        when the caller cannot see it), None without the hint."""
        group_uuid = (hints or {}).get(server_groups.HINT)
        if isinstance(group_uuid, list):
            # Nova's schema lets a hint repeat; the group is the first.
            group_uuid = group_uuid[0] if group_uuid else None
        if not group_uuid:
            return None
        return self.db.instance_group_get(ctxt, str(group_uuid))

    def group_spec(self, ctxt: RequestContext, group_uuid: str,
                   joined: bool = False) -> dict[str, Any] | None:
        """The spec a build of a member carries, read now; None when the
        group is gone.  ``joined``: the build's instances just joined it
        (``server_group.add_member``)."""
        try:
            group = self.db.instance_group_get(ctxt.elevated(), group_uuid)
        except exception.InstanceGroupNotFound:
            return None
        if joined:
            self.notifier.server_group(ctxt, 'add_member', group)
        return server_groups.spec_of(group)
