"""Security groups of the compute API (nova-network's, as in Nova).

The API cell owns the groups, their rules and which servers are in
which group.  What a cell that runs servers needs travels to it:

* with a build, the groups of its servers (in the request spec);
* after ``addSecurityGroup`` / ``removeSecurityGroup``, the server's
  groups, to the server's cell (``apply_security_groups``, through the
  same ``_deliver`` step as every action);
* after a change of a group's rules (or name), the group, to every cell
  holding a member, in one targeted message each
  (``refresh_security_groups``).

The cell keeps copies of those groups and has the compute host of each
member apply its rules again (compute RPC ``refresh_instance_security_
rules``).  Every project has a ``default`` group, created on first use
with the default rules (``os-security-group-default-rules``).

Mixed into :class:`nova.compute.api.API`;
:class:`nova.compute.cells_api.ComputeCellsAPI` overrides
:meth:`SecurityGroupsMixin._rules_changed`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

from oslo_log import log as logging

from nova import exception
from nova import objects
from nova.compute import secgroup_rules
from nova.context import RequestContext

if TYPE_CHECKING:
    from nova.compute import quotas
    from nova.db.api import Database

LOG = logging.getLogger(__name__)

DEFAULT_SECURITY_GROUP = 'default'


def _project(ctxt: RequestContext, project_id: str | None = None) -> str:
    """The project a group belongs to: the one given, else the
    caller's."""
    project = project_id or ctxt.project_id
    if project is None:
        raise exception.InvalidInput(reason='no project to hold the group')
    return project


class SecurityGroupsMixin:
    if TYPE_CHECKING:
        db: Database
        compute_rpcapi: Any
        quotas: quotas.QuotaEngine

        def _check_lock(self, ctxt: RequestContext,
                        instance: objects.Instance) -> None: ...

        def _deliver(self, ctxt: RequestContext, instance: objects.Instance,
                     method: str, kwargs: dict[str, Any],
                     here: Callable[[], Any], call: bool = False) -> Any: ...

    # -- groups ---------------------------------------------------------

    def security_group_ensure_default(self, ctxt: RequestContext,
                                      project_id: str | None = None
                                      ) -> dict[str, Any]:
        return self.db.security_group_ensure_default(
            ctxt, _project(ctxt, project_id), ctxt.user_id)

    def security_group_list(self, ctxt: RequestContext,
                            all_projects: bool = False
                            ) -> list[dict[str, Any]]:
        """The caller's project's groups (its default one included), or
        every project's."""
        self.security_group_ensure_default(ctxt)
        return self.db.security_group_list(
            ctxt, None if all_projects else ctxt.project_id)

    def security_group_get(self, ctxt: RequestContext, group_id: Any
                           ) -> dict[str, Any]:
        """A group the caller may see (its project's; any for an
        administrator), or SecurityGroupNotFound; Invalid for an id
        that is no integer."""
        group = self.db.security_group_get(ctxt,
                                           secgroup_rules.group_id(group_id))
        if not ctxt.is_admin and group['project_id'] != ctxt.project_id:
            raise exception.SecurityGroupNotFound(
                security_group_id=group['id'])
        return group

    def security_group_names(self, ctxt: RequestContext, uuid: str
                             ) -> list[str]:
        """The names of the groups of a server, for its view."""
        return [g['name'] for g in
                self.db.instance_security_groups(ctxt, uuid)]

    def security_group_create(self, ctxt: RequestContext, name: Any,
                              description: Any) -> dict[str, Any]:
        secgroup_rules.check_property(name, 'name')
        secgroup_rules.check_property(description, 'description')
        self.security_group_ensure_default(ctxt)
        project_id = _project(ctxt)
        limit = self.quotas.get_limits(ctxt, project_id)['security_groups']
        group = self.db.security_group_create(ctxt, {
            'name': name, 'description': description,
            'user_id': ctxt.user_id, 'project_id': project_id}, limit)
        LOG.info('Security group %s (%s) created in project %s',
                 group['id'], name, ctxt.project_id)
        return group

    def security_group_update(self, ctxt: RequestContext,
                              group: dict[str, Any], name: Any,
                              description: Any) -> dict[str, Any]:
        secgroup_rules.check_property(name, 'name')
        secgroup_rules.check_property(description, 'description')
        if group['name'] == DEFAULT_SECURITY_GROUP:
            raise exception.SecurityGroupSystem(action='update',
                                                name=group['name'])
        updated = self.db.security_group_update(
            ctxt, group['id'], {'name': name, 'description': description})
        if updated['name'] != group['name']:
            # The servers' views show it; their cells keep a copy.
            self._members_changed(ctxt, [group['id']])
            self._rules_changed(ctxt, [group['id']])
        return updated

    def security_group_destroy(self, ctxt: RequestContext,
                               group: dict[str, Any]) -> None:
        if group['name'] == DEFAULT_SECURITY_GROUP:
            raise exception.SecurityGroupSystem(action='delete',
                                                name=group['name'])
        if self.db.security_group_in_use(ctxt, group['id']):
            raise exception.SecurityGroupInUse()
        touched = self.db.security_group_destroy(ctxt, group['id'])
        LOG.info('Security group %s deleted', group['id'])
        if touched:
            # Their rules from this group went with it.
            self._rules_changed(ctxt, touched)

    # -- rules ----------------------------------------------------------

    def security_group_rule_create(self, ctxt: RequestContext,
                                   group: dict[str, Any],
                                   values: dict[str, Any]
                                   ) -> dict[str, Any]:
        """Add a rule (checked by :mod:`nova.compute.secgroup_rules`)
        to a group; it reaches the hosts of the group's servers."""
        limit = self.quotas.get_limits(ctxt, group['project_id'])[
            'security_group_rules']
        rule = self.db.security_group_rule_create(ctxt, group['id'], values,
                                                  limit)
        self._rules_changed(ctxt, [group['id']])
        return rule

    def security_group_rule_get(self, ctxt: RequestContext, rule_id: Any
                                ) -> dict[str, Any]:
        """A rule of a group the caller may see."""
        rule = self.db.security_group_rule_get(
            ctxt, secgroup_rules.group_id(rule_id))
        self.security_group_get(ctxt, rule['parent_group_id'])
        return rule

    def security_group_rule_destroy(self, ctxt: RequestContext,
                                    rule: dict[str, Any]) -> None:
        self.db.security_group_rule_destroy(ctxt, rule['id'])
        self._rules_changed(ctxt, [rule['parent_group_id']])

    # -- default rules (administrators) ---------------------------------

    def security_group_default_rule_list(self, ctxt: RequestContext
                                         ) -> list[dict[str, Any]]:
        return self.db.security_group_default_rule_list(ctxt)

    def security_group_default_rule_get(self, ctxt: RequestContext,
                                        rule_id: Any) -> dict[str, Any]:
        return self.db.security_group_default_rule_get(
            ctxt, secgroup_rules.group_id(rule_id))

    def security_group_default_rule_create(self, ctxt: RequestContext,
                                           values: dict[str, Any]
                                           ) -> dict[str, Any] | None:
        """None when an equal default rule exists."""
        return self.db.security_group_default_rule_create(ctxt, values)

    def security_group_default_rule_destroy(self, ctxt: RequestContext,
                                            rule_id: Any) -> None:
        self.db.security_group_default_rule_destroy(
            ctxt, secgroup_rules.group_id(rule_id))

    # -- servers --------------------------------------------------------

    def _requested_security_groups(self, ctxt: RequestContext,
                                   names: list[str]
                                   ) -> list[dict[str, Any]]:
        """The groups a boot names (``default`` when none), or
        SecurityGroupNotFoundForProject before anything is written."""
        names = list(names) or [DEFAULT_SECURITY_GROUP]
        if DEFAULT_SECURITY_GROUP in names:
            default = self.security_group_ensure_default(ctxt)
            if names == [DEFAULT_SECURITY_GROUP]:
                # The common boot: that group is all it names.
                return [default]
        return self.db.security_group_get_by_names(ctxt, _project(ctxt),
                                                   names)

    def instance_security_groups(self, ctxt: RequestContext,
                                 instance: objects.Instance
                                 ) -> list[dict[str, Any]]:
        """The groups of a server, with their rules."""
        return self.db.instance_security_groups(ctxt, instance.uuid)

    def add_security_group(self, ctxt: RequestContext,
                           instance: objects.Instance, name: str) -> None:
        """Put a server in a group of its project: SecurityGroupNotFound-
        ForProject for none of that name, SecurityGroupExistsForInstance
        when it is in it already."""
        self._check_lock(ctxt, instance)
        group = self._group_of_project(ctxt, instance, name)
        if not self.db.instance_add_security_group(ctxt, instance.uuid,
                                                   group['id']):
            raise exception.SecurityGroupExistsForInstance(
                security_group_id=group['id'], instance_id=instance.uuid)
        self._membership_changed(ctxt, instance)

    def remove_security_group(self, ctxt: RequestContext,
                              instance: objects.Instance, name: str) -> None:
        """Take a server out of a group: SecurityGroupNotExistsForInstance
        when it is not in it."""
        self._check_lock(ctxt, instance)
        group = self._group_of_project(ctxt, instance, name)
        if not self.db.instance_remove_security_group(ctxt, instance.uuid,
                                                      group['id']):
            raise exception.SecurityGroupNotExistsForInstance(
                security_group_id=group['id'], instance_id=instance.uuid)
        self._membership_changed(ctxt, instance)

    def _group_of_project(self, ctxt: RequestContext,
                          instance: objects.Instance, name: str
                          ) -> dict[str, Any]:
        project_id = _project(ctxt, instance.project_id)
        if name == DEFAULT_SECURITY_GROUP:
            self.security_group_ensure_default(ctxt, project_id)
        return self.db.security_group_get_by_names(ctxt, project_id,
                                                   [name])[0]

    def _membership_changed(self, ctxt: RequestContext,
                            instance: objects.Instance) -> None:
        self._members_changed(ctxt, uuids=[instance.uuid])
        groups = self.db.instance_security_groups(ctxt, instance.uuid)
        try:
            self._deliver(ctxt, instance, 'apply_security_groups',
                          {'groups': groups},
                          lambda: self._refresh_host(ctxt, instance))
        except exception.InstanceUnknownCell:
            # Not in a cell yet: its build carries the groups it had when
            # it was asked for; a build sent again carries the current
            # ones.
            LOG.info('Groups of %s changed before it reached a cell',
                     instance.uuid)

    def _members_changed(self, ctxt: RequestContext,
                         group_ids: list[int] | None = None,
                         uuids: list[str] | None = None) -> None:
        """The views of these servers changed: a new revision each."""
        if group_ids:
            uuids = [m['uuid'] for m in
                     self.db.security_group_members(ctxt, group_ids)]
        for uuid in uuids or ():
            try:
                self.db.instance_update(ctxt, uuid, {})
            except exception.InstanceNotFound:
                pass

    # -- in the cell that runs the servers ------------------------------

    def apply_security_groups(self, ctxt: RequestContext,
                              instance: objects.Instance,
                              groups: list[dict[str, Any]]) -> None:
        """Make ``groups`` (sent by the API cell, with their rules) the
        groups of a server of this cell, and have its host apply them."""
        self.db.security_groups_copy(ctxt, groups,
                                     {instance.uuid: [g['id']
                                                      for g in groups]})
        self._refresh_host(ctxt, instance)

    def refresh_security_groups(self, ctxt: RequestContext,
                                groups: list[dict[str, Any]]) -> int:
        """Take the API cell's new version of ``groups`` and have the
        host of every server of this cell in them apply its rules again;
        returns how many were told.  A cell holding no copy of a group
        has no server in it: the group is not copied here."""
        self.db.security_groups_copy(ctxt, groups, held_only=True)
        return self._refresh_members(ctxt, [g['id'] for g in groups])

    def _refresh_members(self, ctxt: RequestContext, group_ids: list[int]
                         ) -> int:
        told = 0
        for member in self.db.security_group_members(ctxt, group_ids):
            if not member['host']:
                continue
            try:
                instance = objects.Instance.from_db(
                    self.db.instance_get_by_uuid(ctxt, member['uuid']))
            except exception.InstanceNotFound:
                continue
            self._refresh_host(ctxt, instance)
            told += 1
        return told

    def _refresh_host(self, ctxt: RequestContext,
                      instance: objects.Instance) -> None:
        if instance.host:
            self.compute_rpcapi.refresh_instance_security_rules(ctxt,
                                                                instance)

    def _rules_changed(self, ctxt: RequestContext, group_ids: list[int]
                       ) -> None:
        """Groups changed here: have the hosts of their servers apply
        their rules again (the API cell sends them to its cells)."""
        self._refresh_members(ctxt, group_ids)
