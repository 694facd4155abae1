"""Server groups (``os-server-groups``): the groups of the API cell.

A group row holds its policy and 2.64 rules; its members are instance
uuids, shown and counted only while their instance (the API cell's copy)
lives.  Where each member runs is read from that copy (``host``,
``cell_name``).  Non-administrators see their own project's groups only,
as in Nova: another project's group is not found.
"""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa

from nova import exception
from nova.context import RequestContext
from nova.db import _retry
from nova.db import models
from nova.db._common import QueryMixin
from nova.db._common import table_of

_GROUPS = table_of(models.InstanceGroup)
_MEMBERS = table_of(models.InstanceGroupMember)
_INSTANCES = table_of(models.Instance)

# The live members of a group, in the order they joined.
_LIVE_MEMBERS = sa.select(
    _MEMBERS.c.group_id, _MEMBERS.c.instance_uuid, _INSTANCES.c.host,
    _INSTANCES.c.cell_name, _INSTANCES.c.vm_state,
).join(_INSTANCES, sa.and_(_INSTANCES.c.uuid == _MEMBERS.c.instance_uuid,
                           _INSTANCES.c.deleted == 0)
       ).order_by(_MEMBERS.c.id)


def count_live_members(conn: Any, group_id: int) -> int:
    """How many members of the group have a live instance."""
    return int(conn.execute(
        sa.select(sa.func.count()).select_from(_MEMBERS).join(
            _INSTANCES, sa.and_(
                _INSTANCES.c.uuid == _MEMBERS.c.instance_uuid,
                _INSTANCES.c.deleted == 0)).where(
            _MEMBERS.c.group_id == group_id)).scalar() or 0)


def add_members(conn: Any, group_id: int, instance_uuids: list[str]) -> None:
    if instance_uuids:
        conn.execute(_MEMBERS.insert(), [
            {'group_id': group_id, 'instance_uuid': uuid,
             'created_at': models.utcnow()} for uuid in instance_uuids])


def _scoped(stmt: Any, context: RequestContext) -> Any:
    if not context.is_admin:
        stmt = stmt.where(_GROUPS.c.project_id == context.project_id)
    return stmt


def _group(row: Any, members: list[dict[str, Any]]) -> dict[str, Any]:
    group = dict(row._mapping)
    group['rules'] = orjson.loads(group['rules']) if group['rules'] else {}
    group['members'] = [m['uuid'] for m in members]
    group['placed'] = members
    return group


class GroupQueries(QueryMixin):
    """Mixed into :class:`nova.db.api.Database`."""

    def _groups_with_members(self, conn: Any, rows: list[Any]
                             ) -> list[dict[str, Any]]:
        ids = [row.id for row in rows]
        members: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        if ids:
            for m in conn.execute(_LIVE_MEMBERS.where(
                    _MEMBERS.c.group_id.in_(ids))):
                members[m.group_id].append({
                    'uuid': m.instance_uuid, 'host': m.host,
                    'cell_name': m.cell_name, 'vm_state': m.vm_state})
        return [_group(row, members[row.id]) for row in rows]

    def instance_group_get(self, context: RequestContext, group_uuid: str
                           ) -> dict[str, Any]:
        """A group with ``members`` (uuids of its live instances) and
        ``placed`` (each live member's uuid, host, cell_name and
        vm_state); InstanceGroupNotFound when the caller may not see
        it."""
        with self.reader() as session:
            conn = session.connection()
            row = conn.execute(_scoped(sa.select(_GROUPS).where(
                _GROUPS.c.uuid == group_uuid), context)).first()
            if row is None:
                raise exception.InstanceGroupNotFound(group_uuid=group_uuid)
            return self._groups_with_members(conn, [row])[0]

    def instance_group_get_all(self, context: RequestContext,
                               project_id: str | None = None
                               ) -> list[dict[str, Any]]:
        """Every group (of ``project_id`` when given), oldest first."""
        stmt = sa.select(_GROUPS).order_by(_GROUPS.c.id)
        if project_id is not None:
            stmt = stmt.where(_GROUPS.c.project_id == project_id)
        with self.reader() as session:
            conn = session.connection()
            return self._groups_with_members(
                conn, list(conn.execute(_scoped(stmt, context))))

    @_retry.retry_on_deadlock
    def instance_group_delete(self, context: RequestContext,
                              group_uuid: str) -> None:
        """Delete a group and its membership rows (the instances stay)."""
        with self.writer() as session:
            conn = session.connection()
            group_id = conn.execute(_scoped(sa.select(_GROUPS.c.id).where(
                _GROUPS.c.uuid == group_uuid), context)).scalar()
            if group_id is None:
                raise exception.InstanceGroupNotFound(group_uuid=group_uuid)
            conn.execute(_MEMBERS.delete().where(
                _MEMBERS.c.group_id == group_id))
            conn.execute(_GROUPS.delete().where(_GROUPS.c.id == group_id))

    def instance_group_uuids_of(self, context: RequestContext,
                                instance_uuid: str) -> list[str]:
        """The groups ``instance_uuid`` is a member of (2.71's
        ``server_groups``)."""
        with self.reader() as session:
            return list(session.connection().execute(
                sa.select(_GROUPS.c.uuid).join(
                    _MEMBERS, _MEMBERS.c.group_id == _GROUPS.c.id).where(
                    _MEMBERS.c.instance_uuid == instance_uuid).order_by(
                    _GROUPS.c.id)).scalars())

    @_retry.retry_on_deadlock
    def instance_group_pin_cell(self, context: RequestContext,
                                group_uuid: str, expected: str | None,
                                cell_name: str) -> str | None:
        """Set the cell of a hard-affinity group to ``cell_name`` if it
        is still ``expected``; returns the group's cell afterwards (the
        winner's, when another build set it first), None when the group
        is gone."""
        with self.writer() as session:
            conn = session.connection()
            condition: Any = (_GROUPS.c.cell_name.is_(None)
                              if expected is None
                              else _GROUPS.c.cell_name == expected)
            conn.execute(_GROUPS.update().where(
                _GROUPS.c.uuid == group_uuid, condition).values(
                cell_name=cell_name, updated_at=models.utcnow()))
            return conn.execute(sa.select(_GROUPS.c.cell_name).where(
                _GROUPS.c.uuid == group_uuid)).scalar()

    def instances_by_system_metadata(self, context: RequestContext,
                                     key: str, value: str
                                     ) -> list[dict[str, Any]]:
        """The live instances of this cell whose system metadata has
        ``key`` = ``value`` (the members of a server group, in a child
        cell): uuid, host, vm_state and task_state of each."""
        sysmeta = table_of(models.InstanceSystemMetadata)
        stmt = sa.select(
            _INSTANCES.c.uuid, _INSTANCES.c.host, _INSTANCES.c.vm_state,
            _INSTANCES.c.task_state,
        ).join(sysmeta, sa.and_(sysmeta.c.instance_uuid == _INSTANCES.c.uuid,
                                sysmeta.c.deleted == 0)).where(
            sysmeta.c.key == key, sysmeta.c.value == value,
            _INSTANCES.c.deleted == 0).order_by(_INSTANCES.c.id)
        with self.reader() as session:
            return [dict(row._mapping)
                    for row in session.connection().execute(stmt)]
