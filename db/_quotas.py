"""Quota limits of projects, users and quota classes, and what their live
instances use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import sqlalchemy as sa

from nova.context import RequestContext
from nova.db import _groups
from nova.db import _retry
from nova.db import models
from nova.db._common import QueryMixin
from nova.db._common import table_of

_QUOTAS = table_of(models.Quota)
_CLASSES = table_of(models.QuotaClass)
_USER_QUOTAS = table_of(models.ProjectUserQuota)
_INSTANCES = table_of(models.Instance)
# nova.compute.vm_states.SOFT_DELETED (the database imports no service):
# a soft-deleted instance counts against no quota until it is restored.
SOFT_DELETED = 'soft-delete'
# The class whose limits are every project's defaults.
DEFAULT_CLASS = 'default'
_GROUPS = table_of(models.InstanceGroup)
# Built once (see nova.db._common.insert_of): every boot reads them.
_LIMITS = sa.select(_QUOTAS.c.resource, _QUOTAS.c.hard_limit).where(
    _QUOTAS.c.project_id == sa.bindparam('project_id'))
_CLASS_LIMITS = sa.select(_CLASSES.c.resource, _CLASSES.c.hard_limit).where(
    _CLASSES.c.class_name == sa.bindparam('class_name'))
_ALLOCATED = sa.select(
    _USER_QUOTAS.c.resource, sa.func.sum(_USER_QUOTAS.c.hard_limit)).where(
    _USER_QUOTAS.c.project_id == sa.bindparam('project_id'),
    _USER_QUOTAS.c.hard_limit > 0).group_by(_USER_QUOTAS.c.resource)
_COUNTS = (
    sa.func.count(_INSTANCES.c.id),
    sa.func.coalesce(sa.func.sum(_INSTANCES.c.vcpus), 0),
    sa.func.coalesce(sa.func.sum(_INSTANCES.c.memory_mb), 0),
)
_COUNTED = sa.and_(
    _INSTANCES.c.project_id == sa.bindparam('project_id'),
    _INSTANCES.c.deleted == 0,
    sa.or_(_INSTANCES.c.vm_state.is_(None),
           _INSTANCES.c.vm_state != SOFT_DELETED))
# The project's usage counts its server groups too (one read per boot).
_USAGE = sa.select(
    *_COUNTS,
    sa.select(sa.func.count(_GROUPS.c.id)).where(
        _GROUPS.c.project_id == sa.bindparam('project_id')
    ).scalar_subquery(),
).where(_COUNTED)
_OF_USER = _INSTANCES.c.user_id == sa.bindparam('user_id')
# The project's usage and the user's in one read: the user's are the
# project's counted rows that are the user's.
_BOTH_USAGES = sa.select(
    *_USAGE.selected_columns,
    sa.func.coalesce(sa.func.sum(sa.case((_OF_USER, 1), else_=0)), 0),
    sa.func.coalesce(sa.func.sum(sa.case((_OF_USER, _INSTANCES.c.vcpus),
                                         else_=0)), 0),
    sa.func.coalesce(sa.func.sum(sa.case((_OF_USER, _INSTANCES.c.memory_mb),
                                         else_=0)), 0),
).where(_COUNTED)
# Every limit a quota decision reads, in one read, each row labelled
# with the key of :meth:`QuotaQueries.quota_state` it belongs to
# (``allocated``: the limits the project's users were given, summed).
_ALL_LIMITS = sa.union_all(
    sa.select(sa.literal('defaults').label('scope'), _CLASSES.c.resource,
              _CLASSES.c.hard_limit.label('hard_limit')).where(
        _CLASSES.c.class_name == sa.bindparam('class_name')),
    sa.select(sa.literal('project'), _QUOTAS.c.resource,
              _QUOTAS.c.hard_limit).where(
        _QUOTAS.c.project_id == sa.bindparam('project_id')),
    sa.select(sa.literal('user'), _USER_QUOTAS.c.resource,
              _USER_QUOTAS.c.hard_limit).where(
        _USER_QUOTAS.c.project_id == sa.bindparam('project_id'),
        _USER_QUOTAS.c.user_id == sa.bindparam('user_id')),
    sa.select(sa.literal('allocated'), _ALLOCATED.selected_columns[0],
              _ALLOCATED.selected_columns[1]).where(
        _USER_QUOTAS.c.project_id == sa.bindparam('project_id'),
        _USER_QUOTAS.c.hard_limit > 0).group_by(_USER_QUOTAS.c.resource),
)


def _counts(row: Any) -> dict[str, int]:
    count, cores, ram = row[:3]
    counts = {'instances': int(count or 0), 'cores': int(cores or 0),
              'ram': int(ram or 0)}
    if len(row) > 3:
        counts['server_groups'] = int(row[3] or 0)
    return counts


def _set_limits(queries: QueryMixin, model: Any, owner: dict[str, str],
                limits: dict[str, int]) -> None:
    """Create or change the ``limits`` rows of ``model`` whose columns
    are ``owner`` (a project, a class, a project's user) in one
    transaction."""
    with queries.writer() as session:
        current = {row.resource: row for row in session.scalars(
            sa.select(model).filter_by(**owner))}
        for resource, limit in limits.items():
            row = current.get(resource)
            if row is None:
                session.add(model(resource=resource, hard_limit=limit,
                                  **owner))
            else:
                row.hard_limit = limit


class QuotaQueries(QueryMixin):
    """Mixed into :class:`nova.db.api.Database`."""

    def quota_get_all_by_project(self, context: RequestContext,
                                 project_id: str) -> dict[str, int]:
        """The limits a project was given, by resource name."""
        with self.reader() as session:
            return self._quota_limits(session.connection(), project_id)

    def quota_state(self, context: RequestContext, project_id: str,
                    user_id: str | None = None, usage: bool = True
                    ) -> dict[str, Any]:
        """What a quota decision needs, in one read: the ``default``
        class's limits (``defaults``), the project's own (``project``)
        and, with ``user_id``, the user's own (``user``); with ``usage``
        also the project's usage (``usage``), the sum of the limits its
        users were given (``allocated``) and the user's usage
        (``user_usage``, None without ``user_id``)."""
        with self.reader() as session:
            return self._quota_state(session.connection(), project_id,
                                     user_id, usage)

    @classmethod
    def _quota_state(cls, conn: Any, project_id: str, user_id: str | None,
                     usage: bool = True) -> dict[str, Any]:
        # Two reads of one transaction: every limit, then the usages.
        ids = {'project_id': project_id, 'user_id': user_id,
               'class_name': DEFAULT_CLASS}
        limits: dict[str, dict[str, int]] = {
            'defaults': {}, 'project': {}, 'user': {}, 'allocated': {}}
        for scope, resource, limit in conn.execute(_ALL_LIMITS, ids):
            limits[scope][resource] = int(limit)
        state: dict[str, Any] = {
            'defaults': limits['defaults'], 'project': limits['project'],
            'user': limits['user'], 'usage': None, 'allocated': {},
            'user_usage': None}
        if usage:
            state['allocated'] = limits['allocated']
            if user_id is None:
                state['usage'] = cls._quota_usage(conn, project_id)
            else:
                row = conn.execute(_BOTH_USAGES, ids).one()
                state['usage'] = _counts(row[:4])
                state['user_usage'] = _counts(row[4:])
        return state

    @staticmethod
    def _quota_limits(conn: Any, project_id: str) -> dict[str, int]:
        return dict(conn.execute(_LIMITS, {'project_id': project_id}).all())

    @staticmethod
    def _quota_usage(conn: Any, project_id: str) -> dict[str, int]:
        return _counts(conn.execute(_USAGE,
                                    {'project_id': project_id}).one())

    @_retry.retry_on_deadlock
    def quota_set(self, context: RequestContext, project_id: str,
                  limits: dict[str, int]) -> None:
        """Create or change the limits of a project, all at once."""
        _set_limits(self, models.Quota, {'project_id': project_id}, limits)

    @_retry.retry_on_deadlock
    def quota_destroy_all_by_project(self, context: RequestContext,
                                     project_id: str) -> None:
        """Forget a project's limits and its users': it goes back to
        the defaults."""
        with self.writer() as session:
            session.execute(sa.delete(models.Quota).where(
                models.Quota.project_id == project_id))
            session.execute(sa.delete(models.ProjectUserQuota).where(
                models.ProjectUserQuota.project_id == project_id))

    @_retry.retry_on_deadlock
    def instances_create_within_quota(
            self, context: RequestContext, project_id: str,
            decide: Callable[[dict[str, Any]], int],
            values_for: Callable[[int, int], dict[str, Any]],
            user_id: str | None = None, group_id: int | None = None,
            action: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Count, decide and create in one step that no other boot of
        the project can interleave with.

        ``decide(state)`` is given the quota state as committed now (see
        :meth:`quota_state`; the user's too with ``user_id``), and returns
        how many instances to create (or raises to refuse);
        ``values_for(index, count)`` gives
        the values of each.  Two boots of a project never both count the
        same usage: each holds the project's quota lock from before its
        count until after its instances are committed.  With
        ``group_id`` the usage has the group's live members
        (``server_group_members``) and the instances join the group.
        With ``action`` (an instance action's values but its instance),
        each instance's action is recorded in the same transaction
        (``instance.action`` notified after all the ``instance.update``
        of the instances, as :meth:`action_start` after each would).
        """
        with self.locked_writer('quota:' + project_id) as conn:
            state = self._quota_state(conn, project_id, user_id)
            if group_id is not None:
                state['usage']['server_group_members'] = (
                    _groups.count_live_members(conn, group_id))
            count = decide(state)
            rows = [self._insert_instance(conn, values_for(index, count))
                    for index in range(count)]
            if group_id is not None:
                _groups.add_members(conn, group_id,
                                    [row['uuid'] for row in rows])
            actions = [self._insert_action(conn, dict(
                action, instance_uuid=row['uuid'])) for row in rows
                if action is not None]
        for row in rows:
            self._notify(context, 'instance.update', row)
        for values in actions:
            self._notify(context, 'instance.action', values)
        return rows

    @_retry.retry_on_deadlock
    def instance_group_create(
            self, context: RequestContext, values: dict[str, Any],
            check: Callable[[dict[str, Any]], None]
    ) -> str:
        """Create a server group under its project's quota lock, so
        that groups racing for the last of ``server_groups`` create as
        many as fit; ``check(state)`` sees the project's quota state as
        committed now (see :meth:`quota_state`) and raises to refuse.
        Returns the group's uuid."""
        project_id = values['project_id']
        values = dict(values, rules=orjson.dumps(values.get('rules') or {}
                                                 ).decode(),
                      created_at=models.utcnow())
        with self.locked_writer('quota:' + project_id) as conn:
            check(self._quota_state(conn, project_id, None))
            conn.execute(_GROUPS.insert(), values)
        return str(values['uuid'])

    def instance_usage_by_project(self, context: RequestContext,
                                  project_id: str) -> dict[str, int]:
        """Instances, vCPUs and RAM (MB) of a project's live instances.

        Every instance that is not deleted counts, whatever its state (a
        failed build keeps its share until it is deleted), but for a
        soft-deleted one.
        """
        with self.reader() as session:
            return self._quota_usage(session.connection(), project_id)

    # -- quota classes --------------------------------------------------

    def quota_class_get_all_by_name(self, context: RequestContext,
                                    class_name: str) -> dict[str, int]:
        """The limits a quota class was given, by resource name."""
        with self.reader() as session:
            return dict(session.connection().execute(
                _CLASS_LIMITS, {'class_name': class_name}).all())

    @_retry.retry_on_deadlock
    def quota_class_set(self, context: RequestContext, class_name: str,
                        limits: dict[str, int]) -> None:
        """Create or change the limits of a quota class, all at once."""
        _set_limits(self, models.QuotaClass, {'class_name': class_name},
                    limits)

    # -- per-user quotas ------------------------------------------------

    @_retry.retry_on_deadlock
    def project_user_quota_set(self, context: RequestContext,
                               project_id: str, user_id: str,
                               limits: dict[str, int]) -> None:
        """Create or change a user's limits within a project."""
        _set_limits(self, models.ProjectUserQuota,
                    {'project_id': project_id, 'user_id': user_id}, limits)

    @_retry.retry_on_deadlock
    def project_user_quota_destroy_all(self, context: RequestContext,
                                       project_id: str, user_id: str
                                       ) -> None:
        """Forget a user's limits: the project's apply to them again."""
        with self.writer() as session:
            session.execute(sa.delete(models.ProjectUserQuota).where(
                models.ProjectUserQuota.project_id == project_id,
                models.ProjectUserQuota.user_id == user_id))
