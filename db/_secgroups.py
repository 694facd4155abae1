"""Security groups, their rules, the default rules and which instances
are in which group.

A group is returned as a dict: ``id``, ``name``, ``description``,
``user_id``, ``project_id`` and ``rules`` (dicts: ``id``,
``parent_group_id``, ``protocol``, ``from_port``, ``to_port``, ``cidr``,
``group_id``).  In the API cell these are the groups themselves; a child
cell holds copies of the groups its instances are in, with the API
cell's ids, replaced whole whenever the API cell sends them
(:meth:`SecurityGroupQueries.security_groups_copy`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from nova import exception
from nova.context import RequestContext
from nova.db import _retry
from nova.db import models
from nova.db._common import QueryMixin
from nova.db._common import insert_row
from nova.db._common import table_of
from nova.db._common import utcnow

_GROUPS = table_of(models.SecurityGroup)
_RULES = table_of(models.SecurityGroupRule)
_MEMBERS = table_of(models.SecurityGroupInstanceAssociation)
_DEFAULT_RULES = table_of(models.SecurityGroupDefaultRule)
_INSTANCES = table_of(models.Instance)

DEFAULT_GROUP = 'default'
GROUP_KEYS = ('id', 'name', 'description', 'user_id', 'project_id')
RULE_KEYS = ('id', 'parent_group_id', 'protocol', 'from_port', 'to_port',
             'cidr', 'group_id')
DEFAULT_RULE_KEYS = ('id', 'protocol', 'from_port', 'to_port', 'cidr')
# What makes two rules of a group the same rule.
RULE_IDENTITY = ('protocol', 'from_port', 'to_port', 'cidr', 'group_id')


# A group's columns and those of one of its rules (``rule_<key>``; None
# for a group without rules), a row each, as _groups_with_rules reads.
_GROUPS_AND_RULES = sa.select(
    *(_GROUPS.c[k] for k in GROUP_KEYS),
    *(_RULES.c[k].label('rule_' + k) for k in RULE_KEYS))


def _groups_with_rules(result: Any) -> dict[int, dict[str, Any]]:
    """The groups of a :data:`_GROUPS_AND_RULES` result, by id, in the
    order they come, each with its rules in the order they come."""
    groups: dict[int, dict[str, Any]] = {}
    for row in result.mappings():
        group = groups.setdefault(row['id'], dict(
            {k: row[k] for k in GROUP_KEYS}, rules=[]))
        if row['rule_id'] is not None:
            group['rules'].append({k: row['rule_' + k] for k in RULE_KEYS})
    return groups


def _by_id(conn: Any, where: Any) -> dict[int, dict[str, Any]]:
    """The groups matching ``where`` by id, in order, each with its
    rules by id."""
    return _groups_with_rules(conn.execute(
        _GROUPS_AND_RULES.select_from(_GROUPS.outerjoin(
            _RULES, _RULES.c.parent_group_id == _GROUPS.c.id))
        .where(where).order_by(_GROUPS.c.id, _RULES.c.id)))


def _groups(conn: Any, where: Any) -> list[dict[str, Any]]:
    """The groups matching ``where``, each with its rules, by id (one
    query)."""
    return list(_by_id(conn, where).values())


def _one_group(conn: Any, group_id: int) -> dict[str, Any]:
    found = _groups(conn, _GROUPS.c.id == group_id)
    if not found:
        raise exception.SecurityGroupNotFound(security_group_id=group_id)
    return found[0]


def names_of_instances(conn: Any, uuids: Iterable[str]
                       ) -> dict[str, list[str]]:
    """The names of the groups each of ``uuids`` is in, in the order it
    joined them (an empty list for none): for the server views."""
    uuids = list(uuids)
    found: dict[str, list[str]] = {uuid: [] for uuid in uuids}
    if not uuids:
        return found
    rows = conn.execute(
        sa.select(_MEMBERS.c.instance_uuid, _GROUPS.c.name)
        .join(_GROUPS, _GROUPS.c.id == _MEMBERS.c.security_group_id)
        .where(_MEMBERS.c.instance_uuid.in_(uuids))
        .order_by(_MEMBERS.c.id))
    for uuid, name in rows:
        found.setdefault(uuid, []).append(name)
    return found


def join(conn: Any, uuid: str, group_ids: Iterable[int]) -> None:
    """Put ``uuid`` in the groups ``group_ids`` (it is in none)."""
    rows = [{'instance_uuid': uuid, 'security_group_id': gid,
             'created_at': utcnow()} for gid in group_ids]
    if rows:
        conn.execute(_MEMBERS.insert(), rows)


def forget_instance(conn: Any, uuid: str) -> None:
    """Drop the memberships of ``uuid`` (the instance is gone for
    good)."""
    conn.execute(_MEMBERS.delete().where(_MEMBERS.c.instance_uuid == uuid))


def _held_copies(conn: Any, groups: list[dict[str, Any]]
                 ) -> dict[int, dict[str, Any]]:
    """The groups a copy of ``groups`` may change, by id, each with its
    rules (by id): those with their ids, and those holding their names
    (a copy of a deleted group gives way to one of the same name)."""
    if not groups:
        return {}
    names = sorted({g['name'] for g in groups})
    return _by_id(conn, sa.or_(
        _GROUPS.c.id.in_([g['id'] for g in groups]),
        _GROUPS.c.name.in_(names)))


def _is_current(group: dict[str, Any], held: dict[int, dict[str, Any]]
                ) -> bool:
    """Whether this cell's copy of ``group`` (``held``: see
    :func:`_held_copies`) is equal to it: the same values and rules, and
    no other copy holding its name."""
    want = {k: group.get(k) for k in GROUP_KEYS}
    copy = held.get(group['id'])
    if copy is None or any(copy[k] != v for k, v in want.items()):
        return False
    if any(other['id'] != want['id']
           and other['project_id'] == want['project_id']
           and other['name'] == want['name'] for other in held.values()):
        return False
    rules = [dict({k: rule.get(k) for k in RULE_KEYS},
                  parent_group_id=want['id'])
             for rule in group.get('rules') or ()]
    if any(rule['id'] is None for rule in rules):
        return False
    return copy['rules'] == sorted(rules, key=lambda rule: rule['id'])


def _lock_name(project_id: str) -> str:
    return 'security-groups-%s' % project_id


class SecurityGroupQueries(QueryMixin):
    """Mixed into :class:`nova.db.api.Database`."""

    # -- groups ---------------------------------------------------------

    def security_group_list(self, context: RequestContext,
                            project_id: str | None = None
                            ) -> list[dict[str, Any]]:
        """The groups of ``project_id`` (of every project for None)."""
        where = (sa.true() if project_id is None
                 else _GROUPS.c.project_id == project_id)
        with self.reader() as session:
            return _groups(session.connection(), where)

    def security_group_get(self, context: RequestContext, group_id: int
                           ) -> dict[str, Any]:
        """One group with its rules, or SecurityGroupNotFound."""
        with self.reader() as session:
            return _one_group(session.connection(), group_id)

    def security_group_get_by_names(self, context: RequestContext,
                                    project_id: str, names: list[str]
                                    ) -> list[dict[str, Any]]:
        """The project's groups named ``names``, in that order; the first
        name it has no group of raises SecurityGroupNotFoundForProject."""
        with self.reader() as session:
            found = {g['name']: g for g in _groups(
                session.connection(),
                sa.and_(_GROUPS.c.project_id == project_id,
                        _GROUPS.c.name.in_(names)))}
        for name in names:
            if name not in found:
                raise exception.SecurityGroupNotFoundForProject(
                    security_group_id=name, project_id=project_id)
        return [found[name] for name in names]

    def security_group_count(self, context: RequestContext,
                             project_id: str) -> int:
        with self.reader() as session:
            return int(session.connection().execute(
                sa.select(sa.func.count(_GROUPS.c.id)).where(
                    _GROUPS.c.project_id == project_id)).scalar() or 0)

    @_retry.retry_on_deadlock
    def security_group_ensure_default(self, context: RequestContext,
                                      project_id: str, user_id: str | None
                                      ) -> dict[str, Any]:
        """The project's ``default`` group, created on first use with a
        copy of the default rules (outside the quota, as in Nova)."""
        where = sa.and_(_GROUPS.c.project_id == project_id,
                        _GROUPS.c.name == DEFAULT_GROUP)
        with self.reader() as session:
            # The common case, without the lock.
            found = _groups(session.connection(), where)
        if found:
            return found[0]
        with self.locked_writer(_lock_name(project_id)) as conn:
            found = _groups(conn, where)
            if found:
                return found[0]
            group = insert_row(conn, _GROUPS, {
                'name': DEFAULT_GROUP, 'description': DEFAULT_GROUP,
                'user_id': user_id, 'project_id': project_id,
                'created_at': utcnow()})
            rules = [{'parent_group_id': group['id'], 'protocol': r.protocol,
                      'from_port': r.from_port, 'to_port': r.to_port,
                      'cidr': r.cidr, 'group_id': None,
                      'created_at': utcnow()}
                     for r in conn.execute(sa.select(_DEFAULT_RULES)
                                           .order_by(_DEFAULT_RULES.c.id))]
            if rules:
                conn.execute(_RULES.insert(), rules)
            return _one_group(conn, group['id'])

    @_retry.retry_on_deadlock
    def security_group_create(self, context: RequestContext,
                              values: dict[str, Any], limit: int
                              ) -> dict[str, Any]:
        """Create a group (``name``, ``description``, ``user_id``,
        ``project_id``) unless the project has ``limit`` groups already
        (-1: no limit; SecurityGroupLimitExceeded) or one of that name
        (SecurityGroupExists)."""
        project_id = values['project_id']
        with self.locked_writer(_lock_name(project_id)) as conn:
            if conn.execute(sa.select(_GROUPS.c.id).where(
                    _GROUPS.c.project_id == project_id,
                    _GROUPS.c.name == values['name'])).first():
                raise exception.SecurityGroupExists(
                    security_group_name=values['name'])
            count = conn.execute(sa.select(sa.func.count(_GROUPS.c.id))
                                 .where(_GROUPS.c.project_id == project_id)
                                 ).scalar() or 0
            if 0 <= limit <= count:
                raise exception.SecurityGroupLimitExceeded(what='groups')
            group = insert_row(conn, _GROUPS, dict(
                {k: values.get(k) for k in GROUP_KEYS if k != 'id'},
                created_at=utcnow()))
            return dict(group, rules=[])

    @_retry.retry_on_deadlock
    def security_group_update(self, context: RequestContext, group_id: int,
                              values: dict[str, Any]) -> dict[str, Any]:
        """Rename a group or change its description."""
        project_id = self.security_group_get(context, group_id)['project_id']
        with self.locked_writer(_lock_name(project_id)) as conn:
            group = _one_group(conn, group_id)
            name = values.get('name', group['name'])
            if name != group['name'] and conn.execute(
                    sa.select(_GROUPS.c.id).where(
                        _GROUPS.c.project_id == group['project_id'],
                        _GROUPS.c.name == name)).first():
                raise exception.SecurityGroupExists(security_group_name=name)
            conn.execute(_GROUPS.update().where(_GROUPS.c.id == group_id)
                         .values(name=name,
                                 description=values.get(
                                     'description', group['description']),
                                 updated_at=utcnow()))
            return _one_group(conn, group_id)

    @_retry.retry_on_deadlock
    def security_group_destroy(self, context: RequestContext, group_id: int
                               ) -> list[int]:
        """Delete a group, its rules, its memberships and the rules of
        other groups that name it as their source.  Returns the ids of
        those other groups (their rules changed)."""
        with self.writer() as session:
            conn = session.connection()
            touched = sorted({row.parent_group_id for row in conn.execute(
                sa.select(_RULES.c.parent_group_id).where(
                    _RULES.c.group_id == group_id,
                    _RULES.c.parent_group_id != group_id))})
            conn.execute(_RULES.delete().where(sa.or_(
                _RULES.c.group_id == group_id,
                _RULES.c.parent_group_id == group_id)))
            conn.execute(_MEMBERS.delete().where(
                _MEMBERS.c.security_group_id == group_id))
            conn.execute(_GROUPS.delete().where(_GROUPS.c.id == group_id))
            return touched

    def security_group_in_use(self, context: RequestContext, group_id: int
                              ) -> bool:
        """Whether a live instance is in the group."""
        with self.reader() as session:
            return session.connection().execute(
                sa.select(_MEMBERS.c.id)
                .join(_INSTANCES,
                      _INSTANCES.c.uuid == _MEMBERS.c.instance_uuid)
                .where(_MEMBERS.c.security_group_id == group_id,
                       _INSTANCES.c.deleted == 0).limit(1)).first() \
                is not None

    # -- rules ----------------------------------------------------------

    @_retry.retry_on_deadlock
    def security_group_rule_create(self, context: RequestContext,
                                   group_id: int, values: dict[str, Any],
                                   limit: int) -> dict[str, Any]:
        """Add a rule to a group unless the group has it already
        (SecurityGroupRuleExists) or holds ``limit`` rules (-1: no
        limit; SecurityGroupLimitExceeded)."""
        with self.reader() as session:
            project_id = session.connection().execute(
                sa.select(_GROUPS.c.project_id).where(
                    _GROUPS.c.id == group_id)).scalar()
        if project_id is None:
            raise exception.SecurityGroupNotFound(security_group_id=group_id)
        with self.locked_writer(_lock_name(project_id)) as conn:
            group = _one_group(conn, group_id)
            for rule in group['rules']:
                if all(rule[k] == values.get(k) for k in RULE_IDENTITY):
                    raise exception.SecurityGroupRuleExists(
                        group_id=group_id)
            if 0 <= limit <= len(group['rules']):
                raise exception.SecurityGroupLimitExceeded(what='group rules')
            row = insert_row(conn, _RULES, dict(
                {k: values.get(k) for k in RULE_IDENTITY},
                parent_group_id=group_id, created_at=utcnow()))
            return {k: row[k] for k in RULE_KEYS}

    def security_group_rule_get(self, context: RequestContext, rule_id: int
                                ) -> dict[str, Any]:
        with self.reader() as session:
            row = session.connection().execute(
                sa.select(*(_RULES.c[k] for k in RULE_KEYS)).where(
                    _RULES.c.id == rule_id)).first()
        if row is None:
            raise exception.SecurityGroupNotFoundForRule(rule_id=rule_id)
        return dict(row._mapping)

    @_retry.retry_on_deadlock
    def security_group_rule_destroy(self, context: RequestContext,
                                    rule_id: int) -> None:
        with self.writer() as session:
            deleted = session.connection().execute(
                _RULES.delete().where(_RULES.c.id == rule_id)).rowcount
        if not deleted:
            raise exception.SecurityGroupNotFoundForRule(rule_id=rule_id)

    # -- default rules --------------------------------------------------

    def security_group_default_rule_list(self, context: RequestContext
                                         ) -> list[dict[str, Any]]:
        with self.reader() as session:
            return [dict(row._mapping) for row in session.connection()
                    .execute(sa.select(*(_DEFAULT_RULES.c[k]
                                         for k in DEFAULT_RULE_KEYS))
                             .order_by(_DEFAULT_RULES.c.id))]

    def security_group_default_rule_get(self, context: RequestContext,
                                        rule_id: int) -> dict[str, Any]:
        for rule in self.security_group_default_rule_list(context):
            if rule['id'] == rule_id:
                return rule
        raise exception.SecurityGroupDefaultRuleNotFound(rule_id=rule_id)

    @_retry.retry_on_deadlock
    def security_group_default_rule_create(self, context: RequestContext,
                                           values: dict[str, Any]
                                           ) -> dict[str, Any] | None:
        """Add a default rule; None when there is one like it."""
        keys = DEFAULT_RULE_KEYS[1:]
        with self.locked_writer('security-group-default-rules') as conn:
            for row in conn.execute(sa.select(_DEFAULT_RULES)):
                if all(getattr(row, k) == values.get(k) for k in keys):
                    return None
            row = insert_row(conn, _DEFAULT_RULES, dict(
                {k: values.get(k) for k in keys}, created_at=utcnow()))
            return {k: row[k] for k in DEFAULT_RULE_KEYS}

    @_retry.retry_on_deadlock
    def security_group_default_rule_destroy(self, context: RequestContext,
                                            rule_id: int) -> None:
        with self.writer() as session:
            deleted = session.connection().execute(
                _DEFAULT_RULES.delete().where(
                    _DEFAULT_RULES.c.id == rule_id)).rowcount
        if not deleted:
            raise exception.SecurityGroupDefaultRuleNotFound(rule_id=rule_id)

    # -- members --------------------------------------------------------

    def instance_security_groups(self, context: RequestContext, uuid: str
                                 ) -> list[dict[str, Any]]:
        """The groups (with rules) ``uuid`` is in, in the order it joined
        them."""
        with self.reader() as session:
            # One query: what a host reads on every build.
            return list(_groups_with_rules(session.connection().execute(
                _GROUPS_AND_RULES.select_from(
                    _MEMBERS.join(_GROUPS, _GROUPS.c.id
                                  == _MEMBERS.c.security_group_id)
                    .outerjoin(_RULES,
                               _RULES.c.parent_group_id == _GROUPS.c.id))
                .where(_MEMBERS.c.instance_uuid == uuid)
                .order_by(_MEMBERS.c.id, _RULES.c.id))).values())

    @_retry.retry_on_deadlock
    def instance_add_security_group(self, context: RequestContext,
                                    uuid: str, group_id: int) -> bool:
        """Put ``uuid`` in a group; False when it was in it already."""
        with self.writer() as session:
            conn = session.connection()
            if conn.execute(sa.select(_MEMBERS.c.id).where(
                    _MEMBERS.c.instance_uuid == uuid,
                    _MEMBERS.c.security_group_id == group_id)).first():
                return False
            conn.execute(_MEMBERS.insert().values(
                instance_uuid=uuid, security_group_id=group_id,
                created_at=utcnow()))
            return True

    @_retry.retry_on_deadlock
    def instance_remove_security_group(self, context: RequestContext,
                                       uuid: str, group_id: int) -> bool:
        """Take ``uuid`` out of a group; False when it was not in it."""
        with self.writer() as session:
            return bool(session.connection().execute(
                _MEMBERS.delete().where(
                    _MEMBERS.c.instance_uuid == uuid,
                    _MEMBERS.c.security_group_id == group_id)).rowcount)

    def security_group_member_cells(self, context: RequestContext,
                                    group_ids: Iterable[int]
                                    ) -> tuple[list[str], bool]:
        """The cells (routing paths) of the live instances in any of the
        groups, where a change of their rules must go, and whether one
        of them is in no cell yet."""
        with self.reader() as session:
            rows = session.connection().execute(
                sa.select(_INSTANCES.c.cell_name).distinct()
                .join(_MEMBERS,
                      _MEMBERS.c.instance_uuid == _INSTANCES.c.uuid)
                .where(_MEMBERS.c.security_group_id.in_(list(group_ids)),
                       _INSTANCES.c.deleted == 0))
            cells = [row.cell_name for row in rows]
        return (sorted(c for c in cells if c is not None),
                None in cells)

    def security_group_members(self, context: RequestContext,
                               group_ids: Iterable[int]
                               ) -> list[dict[str, Any]]:
        """``uuid`` and ``host`` of the live instances of this cell in
        any of the groups."""
        with self.reader() as session:
            rows = session.connection().execute(
                sa.select(_INSTANCES.c.uuid, _INSTANCES.c.host).distinct()
                .join(_MEMBERS,
                      _MEMBERS.c.instance_uuid == _INSTANCES.c.uuid)
                .where(_MEMBERS.c.security_group_id.in_(list(group_ids)),
                       _INSTANCES.c.deleted == 0)
                .order_by(_INSTANCES.c.uuid))
            return [dict(row._mapping) for row in rows]

    # -- a child cell's copies ------------------------------------------

    @_retry.retry_on_deadlock
    def security_groups_copy(self, context: RequestContext,
                             groups: list[dict[str, Any]],
                             members: dict[str, list[int]] | None = None,
                             held_only: bool = False) -> None:
        """Make this cell's copies of ``groups`` (as the API cell sent
        them: with their ids and rules) equal to them (with
        ``held_only``, only those it has a copy of already), and, for
        each instance uuid of ``members``, make those group ids its
        groups.

        The copies are read first, in one query: a copy equal to its
        group already (the common case: every build in a cell sends the
        groups it holds) is left as it is.
        """
        with self.writer() as session:
            copy_groups(session.connection(), groups, members, held_only)


def copy_groups(conn: Any, groups: list[dict[str, Any]],
                members: dict[str, list[int]] | None = None,
                held_only: bool = False) -> None:
    """What :meth:`SecurityGroupQueries.security_groups_copy` does, in
    ``conn``'s transaction."""
    held = _held_copies(conn, groups)
    for group in groups:
        if held_only and group['id'] not in held:
            continue
        if not _is_current(group, held):
            _copy_group(conn, group)
    for uuid, group_ids in (members or {}).items():
        forget_instance(conn, uuid)
        join(conn, uuid, group_ids)


def _copy_group(conn: Any, group: dict[str, Any]) -> None:
    values = {k: group.get(k) for k in GROUP_KEYS}
    # A copy of a deleted group may still hold the name.
    conn.execute(_GROUPS.delete().where(
        _GROUPS.c.project_id == values['project_id'],
        _GROUPS.c.name == values['name'], _GROUPS.c.id != values['id']))
    if conn.execute(sa.select(_GROUPS.c.id).where(
            _GROUPS.c.id == values['id'])).first():
        conn.execute(_GROUPS.update().where(
            _GROUPS.c.id == values['id']).values(
            **values, updated_at=utcnow()))
    else:
        conn.execute(_GROUPS.insert().values(**values,
                                             created_at=utcnow()))
    rules = [dict({k: rule.get(k) for k in RULE_KEYS},
                  parent_group_id=values['id'], created_at=utcnow())
             for rule in group.get('rules') or ()]
    # A stale copy of another group may hold a rule id the API cell
    # gave again (SQLite reuses the highest id once deleted).
    conn.execute(_RULES.delete().where(sa.or_(
        _RULES.c.parent_group_id == values['id'],
        _RULES.c.id.in_([r['id'] for r in rules]))))
    if rules:
        conn.execute(_RULES.insert(), rules)

