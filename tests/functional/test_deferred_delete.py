"""Soft delete through a tree of two child cells: DELETE keeps the server
SOFT_DELETED (powered off in its cell), ``restore`` brings it back,
``forceDelete`` and the host's reclaim delete it for good, and the top
follows every step."""

import datetime

import pytest

from nova import context as nova_context
from nova.compute import deferred_delete
from nova.compute import power_state
from nova.compute import vm_states
from nova.tests.functional import rest_client as rc
from nova.tools import inproc_tree
from nova.tools.polling import wait_for

INTERVAL = 3600
CELLS = ('cell1', 'cell2')


@pytest.fixture
def api_tree(tree_factory):
    overrides = {name: {('reclaim_instance_interval', None): INTERVAL}
                 for name in inproc_tree.TWO_CHILDREN}
    return rc.api_tree(tree_factory(overrides=overrides))


def boot_into(tree, cell):
    code, body = rc.request(
        tree, 'POST', '/servers',
        {'server': {'name': 'vm-' + cell, 'imageRef': rc.IMAGE,
                    'flavorRef': '1'},
         'os:scheduler_hints': {'target_cell': 'api!' + cell}},
        token=rc.ADMIN)
    assert code == 202, body
    server_id = body['server']['id']
    rc.settled(tree, server_id, 'ACTIVE', rc.ADMIN)
    return server_id


def act(tree, server_id, body, token=rc.ADMIN):
    return rc.request(tree, 'POST', '/servers/%s/action' % server_id, body,
                      token=token)


def cell_row(tree, cell, server_id):
    ctxt = nova_context.get_admin_context(read_deleted='yes')
    return tree.db(cell).instance_get_by_uuid(ctxt, server_id)


def guest_power(tree, cell, server_id):
    for svc in tree.runtimes[cell].services['compute']:
        state = svc.manager.driver.get_power_state(
            type('I', (), {'uuid': server_id})())
        if state != power_state.NOSTATE:
            return state
    return power_state.NOSTATE


def wait_gone(tree, server_id):
    wait_for(lambda: rc.request(tree, 'GET', '/servers/' + server_id,
                                token=rc.ADMIN)[0] == 404, 15,
             what='server deleted at the top')


def instances_used(tree):
    _, body = rc.request(tree, 'GET', '/limits', token=rc.ADMIN)
    return body['limits']['absolute']['totalInstancesUsed']


def test_delete_is_soft_and_restore_brings_it_back_in_each_cell(api_tree):
    servers = {cell: boot_into(api_tree, cell) for cell in CELLS}
    assert instances_used(api_tree) == 2
    for cell, server_id in servers.items():
        code, _ = rc.request(api_tree, 'DELETE', '/servers/' + server_id,
                             token=rc.ADMIN)
        assert code == 204
        shown = rc.settled(api_tree, server_id, 'SOFT_DELETED', rc.ADMIN)
        assert shown['OS-EXT-STS:vm_state'] == 'soft-delete'
        assert shown['OS-EXT-STS:power_state'] == power_state.SHUTDOWN
        row = cell_row(api_tree, cell, server_id)
        assert (row['vm_state'], row['deleted']) == (vm_states.SOFT_DELETED,
                                                    0)
        assert row['deleted_at'] is not None
        assert guest_power(api_tree, cell, server_id) == power_state.SHUTDOWN
    # Soft-deleted servers count against no quota.
    assert instances_used(api_tree) == 0

    for cell, server_id in servers.items():
        code, _ = act(api_tree, server_id, {'restore': None})
        assert code == 202
        shown = rc.settled(api_tree, server_id, 'ACTIVE', rc.ADMIN)
        assert shown['OS-EXT-STS:power_state'] == power_state.RUNNING
        row = cell_row(api_tree, cell, server_id)
        assert (row['vm_state'], row['deleted_at']) == (vm_states.ACTIVE,
                                                       None)
        assert guest_power(api_tree, cell, server_id) == power_state.RUNNING
        _, actions = rc.request(
            api_tree, 'GET', '/servers/%s/os-instance-actions' % server_id,
            token=rc.ADMIN)
        assert [a['action'] for a in actions['instanceActions']][:2] == [
            'restore', 'delete']
    assert instances_used(api_tree) == 2


def test_restore_of_a_server_not_soft_deleted_is_409(api_tree):
    server_id = boot_into(api_tree, 'cell1')
    code, body = act(api_tree, server_id, {'restore': None})
    assert code == 409
    assert 'restore' in body['conflictingRequest']['message']
    assert rc.server(api_tree, server_id, rc.ADMIN)['status'] == 'ACTIVE'
    code, _ = act(api_tree, 'f' * 8 + '-0000-4000-8000-' + '0' * 12,
                  {'restore': None})
    assert code == 404


def test_force_delete_of_a_soft_deleted_server_deletes_it(api_tree):
    server_id = boot_into(api_tree, 'cell2')
    rc.request(api_tree, 'DELETE', '/servers/' + server_id, token=rc.ADMIN)
    rc.settled(api_tree, server_id, 'SOFT_DELETED', rc.ADMIN)
    code, _ = act(api_tree, server_id, {'forceDelete': None})
    assert code == 202
    wait_gone(api_tree, server_id)
    assert cell_row(api_tree, 'cell2', server_id)['deleted'] != 0
    assert guest_power(api_tree, 'cell2', server_id) == power_state.NOSTATE


def test_a_second_delete_of_a_soft_deleted_server_deletes_it(api_tree):
    server_id = boot_into(api_tree, 'cell1')
    rc.request(api_tree, 'DELETE', '/servers/' + server_id, token=rc.ADMIN)
    rc.settled(api_tree, server_id, 'SOFT_DELETED', rc.ADMIN)
    code, _ = rc.request(api_tree, 'DELETE', '/servers/' + server_id,
                         token=rc.ADMIN)
    assert code == 204
    wait_gone(api_tree, server_id)


def test_the_host_reclaims_only_what_is_old_enough(api_tree):
    old, recent = boot_into(api_tree, 'cell1'), boot_into(api_tree, 'cell1')
    for server_id in (old, recent):
        rc.request(api_tree, 'DELETE', '/servers/' + server_id,
                   token=rc.ADMIN)
        rc.settled(api_tree, server_id, 'SOFT_DELETED', rc.ADMIN)
    # The old one was soft-deleted two intervals ago.
    long_ago = datetime.datetime(2000, 1, 1)
    api_tree.db('cell1').instance_update(
        nova_context.get_admin_context(), old, {'deleted_at': long_ago})
    now = long_ago + datetime.timedelta(seconds=2 * INTERVAL)
    reclaimed = sum(
        deferred_delete.reclaim_queued_deletes(svc.manager, now=now)
        for svc in api_tree.runtimes['cell1'].services['compute'])
    assert reclaimed == 1
    wait_gone(api_tree, old)
    assert cell_row(api_tree, 'cell1', old)['deleted'] != 0
    assert rc.server(api_tree, recent, rc.ADMIN)['status'] == 'SOFT_DELETED'
    assert cell_row(api_tree, 'cell1', recent)['deleted'] == 0


def test_restore_needs_room_in_the_quota(api_tree):
    server_id = boot_into(api_tree, 'cell2')
    rc.request(api_tree, 'DELETE', '/servers/' + server_id, token=rc.ADMIN)
    rc.settled(api_tree, server_id, 'SOFT_DELETED', rc.ADMIN)
    code, body = rc.request(api_tree, 'PUT', '/os-quota-sets/admin',
                            {'quota_set': {'instances': 0}}, token=rc.ADMIN)
    assert code == 200, body
    code, body = act(api_tree, server_id, {'restore': None})
    assert code == 403
    assert 'Quota exceeded for instances' in body['forbidden']['message']
    assert rc.server(api_tree, server_id, rc.ADMIN)['status'] == \
        'SOFT_DELETED'
    assert cell_row(api_tree, 'cell2', server_id)['vm_state'] == \
        vm_states.SOFT_DELETED


def test_restore_and_force_delete_follow_the_policy(api_tree):
    code, body = rc.boot(api_tree, 'mine', token='alice:project-a')
    assert code == 202, body
    server_id = body['server']['id']
    rc.settled(api_tree, server_id, 'ACTIVE', 'alice:project-a')
    rc.request(api_tree, 'DELETE', '/servers/' + server_id,
               token='alice:project-a')
    rc.settled(api_tree, server_id, 'SOFT_DELETED', 'alice:project-a')
    for action in ('restore', 'forceDelete'):
        # Another project's server is not found.
        code, _ = act(api_tree, server_id, {action: None},
                      token='bob:project-b')
        assert code == 404
    code, _ = act(api_tree, server_id, {'restore': None},
                  token='alice:project-a')
    assert code == 202
    rc.settled(api_tree, server_id, 'ACTIVE', 'alice:project-a')
