"""Quota limits of projects, and what their live instances use."""

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
_INSTANCES = table_of(models.Instance)
_GROUPS = table_of(models.InstanceGroup)
# Built once (see nova.db._common.insert_of): every boot reads both twice.
_LIMITS = sa.select(_QUOTAS.c.resource, _QUOTAS.c.hard_limit).where(
    _QUOTAS.c.project_id == sa.bindparam('project_id'))
_USAGE = sa.select(
    sa.func.count(_INSTANCES.c.id),
    sa.func.coalesce(sa.func.sum(_INSTANCES.c.vcpus), 0),
    sa.func.coalesce(sa.func.sum(_INSTANCES.c.memory_mb), 0),
    sa.select(sa.func.count(_GROUPS.c.id)).where(
        _GROUPS.c.project_id == sa.bindparam('project_id')
    ).scalar_subquery(),
).where(_INSTANCES.c.project_id == sa.bindparam('project_id'),
        _INSTANCES.c.deleted == 0)


class QuotaQueries(QueryMixin):
    """Mixed into :class:`nova.db.api.Database`."""

    def quota_get_all_by_project(self, context: RequestContext,
                                 project_id: str) -> dict[str, int]:
        """The limits a project was given, by resource name."""
        with self.reader() as session:
            return self._quota_limits(session.connection(), project_id)

    def quota_limits_and_usage(self, context: RequestContext, project_id: str
                               ) -> tuple[dict[str, int], dict[str, int]]:
        """:meth:`quota_get_all_by_project` and
        :meth:`instance_usage_by_project` in one read."""
        with self.reader() as session:
            conn = session.connection()
            return (self._quota_limits(conn, project_id),
                    self._quota_usage(conn, project_id))

    @staticmethod
    def _quota_limits(conn: Any, project_id: str) -> dict[str, int]:
        return dict(conn.execute(_LIMITS, {'project_id': project_id}).all())

    @staticmethod
    def _quota_usage(conn: Any, project_id: str) -> dict[str, int]:
        count, cores, ram, groups = conn.execute(
            _USAGE, {'project_id': project_id}).one()
        return {'instances': int(count or 0), 'cores': int(cores or 0),
                'ram': int(ram or 0), 'server_groups': int(groups or 0)}

    @_retry.retry_on_deadlock
    def quota_set(self, context: RequestContext, project_id: str,
                  limits: dict[str, int]) -> None:
        """Create or change the limits of a project, all at once."""
        with self.writer() as session:
            current = {row.resource: row for row in session.scalars(
                sa.select(models.Quota).where(
                    models.Quota.project_id == project_id))}
            for resource, limit in limits.items():
                row = current.get(resource)
                if row is None:
                    session.add(models.Quota(project_id=project_id,
                                             resource=resource,
                                             hard_limit=limit))
                else:
                    row.hard_limit = limit

    @_retry.retry_on_deadlock
    def quota_destroy_all_by_project(self, context: RequestContext,
                                     project_id: str) -> None:
        """Forget a project's limits: it goes back to the defaults."""
        with self.writer() as session:
            session.execute(sa.delete(models.Quota).where(
                models.Quota.project_id == project_id))

    @_retry.retry_on_deadlock
    def instances_create_within_quota(
            self, context: RequestContext, project_id: str,
            decide: Callable[[dict[str, int], dict[str, int]], int],
            values_for: Callable[[int, int], dict[str, Any]],
            group_id: int | None = None
    ) -> list[dict[str, Any]]:
        """Count, decide and create in one step that no other boot of
        the project can interleave with.

        ``decide(limits, usage)`` is given the project's own limits and
        its usage as committed now, and returns how many instances to
        create (or raises to refuse); ``values_for(index, count)`` gives
        the values of each.  Two boots of a project never both count the
        same usage: each holds the project's quota lock from before its
        count until after its instances are committed.  With
        ``group_id`` the usage has the group's live members
        (``server_group_members``) and the instances join the group.
        """
        with self.locked_writer('quota:' + project_id) as conn:
            usage = self._quota_usage(conn, project_id)
            if group_id is not None:
                usage['server_group_members'] = _groups.count_live_members(
                    conn, group_id)
            count = decide(self._quota_limits(conn, project_id), usage)
            rows = [self._insert_instance(conn, values_for(index, count))
                    for index in range(count)]
            if group_id is not None:
                _groups.add_members(conn, group_id,
                                    [row['uuid'] for row in rows])
        for row in rows:
            self._notify(context, 'instance.update', row)
        return rows

    @_retry.retry_on_deadlock
    def instance_group_create(
            self, context: RequestContext, values: dict[str, Any],
            check: Callable[[dict[str, int], dict[str, int]], None]
    ) -> str:
        """Create a server group under its project's quota lock, so
        that groups racing for the last of ``server_groups`` create as
        many as fit; ``check(limits, usage)`` sees the project's own
        limits and usage as committed now and raises to refuse.
        Returns the group's uuid."""
        project_id = values['project_id']
        values = dict(values, rules=orjson.dumps(values.get('rules') or {}
                                                 ).decode(),
                      created_at=models.utcnow())
        with self.locked_writer('quota:' + project_id) as conn:
            check(self._quota_limits(conn, project_id),
                  self._quota_usage(conn, project_id))
            conn.execute(_GROUPS.insert(), values)
        return str(values['uuid'])

    def instance_usage_by_project(self, context: RequestContext,
                                  project_id: str) -> dict[str, int]:
        """Instances, vCPUs and RAM (MB) of a project's live instances.

        Every instance that is not deleted counts, whatever its state: a
        failed build keeps its share until it is deleted.
        """
        with self.reader() as session:
            return self._quota_usage(session.connection(), project_id)
