"""A child cell's copies of the API cell's security groups: replaced
whole, a stale copy holding the name gives way, memberships are set per
instance and go when the instance is purged."""

import pytest
import sqlalchemy as sa

from nova import context as nova_context
from nova import exception
from nova.db import _secgroups
from nova.tests.unit.db import statements

CTXT = nova_context.get_admin_context()
UUID = '00000000-0000-4000-8000-00000000a001'


def _group(group_id, name, *rules):
    return {'id': group_id, 'name': name, 'description': name,
            'user_id': 'u1', 'project_id': 'p1',
            'rules': [{'id': group_id * 10 + i, 'parent_group_id': group_id,
                       'protocol': 'tcp', 'from_port': port,
                       'to_port': port, 'cidr': '0.0.0.0/0',
                       'group_id': None}
                      for i, port in enumerate(rules)]}


def test_copies_are_replaced_whole(db):
    db.security_groups_copy(CTXT, [_group(3, 'web', 80, 443)],
                            {UUID: [3]})
    assert [r['to_port'] for r in db.security_group_get(CTXT, 3)['rules']] \
        == [80, 443]
    db.security_groups_copy(CTXT, [_group(3, 'www', 8080)])
    copy = db.security_group_get(CTXT, 3)
    assert (copy['name'], [r['to_port'] for r in copy['rules']]) == (
        'www', [8080])
    assert [g['id'] for g in db.instance_security_groups(CTXT, UUID)] == [3]


def test_a_stale_copy_of_the_same_name_gives_way(db):
    db.security_groups_copy(CTXT, [_group(3, 'web', 80)], {UUID: [3]})
    # Deleted at the top and made again: a new id, the same name.
    db.security_groups_copy(CTXT, [_group(7, 'web', 22)], {UUID: [7]})
    assert [g['id'] for g in db.security_group_list(CTXT, 'p1')] == [7]
    assert [g['name'] for g in db.instance_security_groups(CTXT, UUID)] == [
        'web']


def test_memberships_are_set_per_instance(db):
    db.security_groups_copy(CTXT, [_group(1, 'a'), _group(2, 'b')],
                            {UUID: [2, 1]})
    assert [g['name'] for g in db.instance_security_groups(CTXT, UUID)] == [
        'b', 'a']
    db.security_groups_copy(CTXT, [], {UUID: [1]})
    assert [g['name'] for g in db.instance_security_groups(CTXT, UUID)] == [
        'a']
    db.instance_purge(CTXT, UUID)
    assert db.instance_security_groups(CTXT, UUID) == []


def test_a_rule_id_given_again_replaces_a_stale_copy(db):
    db.security_groups_copy(CTXT, [_group(1, 'a', 22)])
    reused = _group(2, 'b', 80)
    reused['rules'][0]['id'] = db.security_group_get(CTXT, 1)['rules'][0][
        'id']
    db.security_groups_copy(CTXT, [reused])
    assert db.security_group_get(CTXT, 1)['rules'] == []
    assert [r['to_port'] for r in db.security_group_get(CTXT, 2)['rules']] \
        == [80]


def test_a_current_copy_is_read_once_and_left_alone(db):
    db.security_groups_copy(CTXT, [_group(1, 'a', 22, 80), _group(2, 'b')],
                            {UUID: [1, 2]})
    held = db.security_group_list(CTXT, 'p1')
    sent = statements.recorded(db)
    db.security_groups_copy(CTXT, [_group(1, 'a', 22, 80), _group(2, 'b')])
    assert sent == ['SELECT']
    db.security_groups_copy(CTXT, [_group(2, 'b'), _group(9, 'z')],
                            held_only=True)
    assert sent == ['SELECT', 'SELECT']
    assert db.security_group_list(CTXT, 'p1') == held
    assert [g['id'] for g in db.instance_security_groups(CTXT, UUID)] == [
        1, 2]


def _changed(group_id, name, *rules, **values):
    group = _group(group_id, name, *rules)
    group.update(values)
    return group


def test_a_copy_that_differs_is_replaced(db):
    cases = [
        # (what the top sends, the copies it leaves in the project)
        ([_group(1, 'a', 22, 443)], [('a', 'a', [22, 443]), ('b', 'b', [])]),
        ([_group(1, 'a', 22)], [('a', 'a', [22]), ('b', 'b', [])]),
        ([_group(1, 'a')], [('a', 'a', []), ('b', 'b', [])]),
        ([_changed(1, 'a', 22, 80, description='new')],
         [('a', 'new', [22, 80]), ('b', 'b', [])]),
        ([_group(1, 'c', 22, 80)], [('c', 'c', [22, 80]), ('b', 'b', [])]),
        # The top deleted b and made it again: the stale copy goes.
        ([_group(3, 'b', 8080)], [('a', 'a', [22, 80]), ('b', 'b', [8080])]),
    ]
    for sent, expected in cases:
        db.security_groups_copy(CTXT, [_group(1, 'a', 22, 80),
                                       _group(2, 'b')])
        for group in db.security_group_list(CTXT, 'p1'):
            if group['id'] not in (1, 2):
                db.security_group_destroy(CTXT, group['id'])
        db.security_groups_copy(CTXT, sent)
        assert [(g['name'], g['description'],
                 [r['to_port'] for r in g['rules']])
                for g in db.security_group_list(CTXT, 'p1')] == expected, \
            sent


def test_a_rule_changed_in_place_is_copied(db):
    db.security_groups_copy(CTXT, [_group(1, 'a', 22)])
    group = _group(1, 'a', 22)
    group['rules'][0]['cidr'] = '10.0.0.0/8'
    db.security_groups_copy(CTXT, [group])
    assert [r['cidr'] for r in db.security_group_get(CTXT, 1)['rules']] == [
        '10.0.0.0/8']


def test_an_instances_groups_come_in_one_query_in_the_order_it_joined(db):
    db.security_groups_copy(CTXT, [_group(1, 'a', 22, 80), _group(2, 'b'),
                                   _group(3, 'c', 443)], {UUID: [3, 2, 1]})
    sent = statements.recorded(db)
    groups = db.instance_security_groups(CTXT, UUID)
    assert sent == ['SELECT']
    # Each as the group alone reads, with its rules in order.
    assert groups == [db.security_group_get(CTXT, i) for i in (3, 2, 1)]
    assert [r['to_port'] for r in groups[2]['rules']] == [22, 80]


def test_a_group_and_its_rules_are_read_in_one_query(db):
    db.security_groups_copy(CTXT, [_group(1, 'a', 22, 80), _group(2, 'b')])
    sent = statements.recorded(db)
    groups = db.security_group_list(CTXT, 'p1')
    assert sent == ['SELECT']
    assert [(g['name'], [r['to_port'] for r in g['rules']])
            for g in groups] == [('a', [22, 80]), ('b', [])]
    assert groups[0]['rules'][0] == {
        'id': 10, 'parent_group_id': 1, 'protocol': 'tcp', 'from_port': 22,
        'to_port': 22, 'cidr': '0.0.0.0/0', 'group_id': None}


def test_a_group_copied_by_another_build_meanwhile(db, monkeypatch):
    # Two first builds of a cell copy the same new group at once: the
    # one that commits second finds the group's id taken.  It copies
    # the groups on their own (finding the other's copy), then creates
    # its instance in them.
    db.security_groups_copy(CTXT, [_group(4, 'web', 80)])
    copy_groups = _secgroups.copy_groups
    raced = []

    def racing(conn, groups, *args):
        if not raced:
            raced.append(True)
            raise sa.exc.IntegrityError('INSERT INTO security_groups', {},
                                        Exception('Duplicate entry'))
        return copy_groups(conn, groups, *args)

    monkeypatch.setattr(_secgroups, 'copy_groups', racing)
    db.instance_create(CTXT, {'uuid': UUID, 'project_id': 'p1',
                              'security_group_ids': [4]},
                       security_groups=[_group(4, 'web', 80, 443)])

    assert raced
    [group] = db.instance_security_groups(CTXT, UUID)
    assert (group['name'], [r['to_port'] for r in group['rules']]) == (
        'web', [80, 443])
    # Any other failure to insert is the caller's to see.
    with pytest.raises(exception.InstanceExists):
        db.instance_create(CTXT, {'uuid': UUID, 'project_id': 'p1'},
                           security_groups=[_group(4, 'web', 80, 443)])
