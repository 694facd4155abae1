"""The ``same_host`` and ``different_host`` scheduler hints through the
REST API of a tree with two child cells of two hosts each, as tempest's
multi-node tests use them (``ServersOnMultiNodesTest``), and the other
tests tempest runs once it knows the tree has several compute hosts
(server groups of two members booted at once, cold migration with a
swap disk).
"""

import uuid

import pytest

from nova import context as nova_context
from nova.tests.functional import rest_client as rc
from nova.tools.polling import wait_for

USER = 'demo:demo'
ADMIN_CTXT = nova_context.get_admin_context()


@pytest.fixture(scope='module')
def running(tmp_path_factory):
    for tree in rc.running_tree(str(tmp_path_factory.mktemp('hints'))):
        for project in ('demo', 'admin'):
            code, body = rc.request(
                tree, 'PUT', '/os-quota-sets/' + project,
                {'quota_set': {'instances': 100, 'cores': 100,
                               'ram': 512000}}, token=rc.ADMIN)
            assert code == 200, body
        yield tree


def _boot(tree, name, hints=None, token=USER, **server):
    body = {'server': dict({'name': name, 'imageRef': rc.IMAGE,
                            'flavorRef': '1'}, **server)}
    if hints is not None:
        body['os:scheduler_hints'] = hints
    code, created = rc.request(tree, 'POST', '/servers', body, token=token)
    assert code == 202, created
    return created['server']['id']


def _place(tree, server_id, status='ACTIVE'):
    """(cell path, host) of a server once it shows ``status``."""
    shown = rc.settled(tree, server_id, status, rc.ADMIN)
    return tree.db('api').instance_get_by_uuid(
        ADMIN_CTXT, server_id)['cell_name'], shown['OS-EXT-SRV-ATTR:host']


def _in(tree, cell, name):
    """A server the administrator booted into ``cell``."""
    return _boot(tree, name, {'target_cell': 'api!' + cell},
                 token=rc.ADMIN)


def _fault(tree, server_id):
    shown = rc.settled(tree, server_id, 'ERROR', rc.ADMIN)
    return shown['fault']['message']


def test_same_host_lands_on_the_host_of_the_named_server(running):
    first = _boot(running, 'sh-first')
    where = _place(running, first)
    for hint in (first, [first]):
        second = _boot(running, 'sh-second', {'same_host': hint})
        assert _place(running, second) == where


@pytest.mark.parametrize('as_list', [False, True])
def test_different_host_lands_elsewhere(running, as_list):
    first = _boot(running, 'dh-first')
    where = _place(running, first)
    second = _boot(running, 'dh-second',
                   {'different_host': [first] if as_list else first})
    assert _place(running, second) != where


def test_different_host_inside_the_cell_of_the_named_servers(running):
    # The cell is forced: its host scheduler must keep off the host.
    first = _in(running, 'cell1', 'in-first')
    cell, host = _place(running, first)
    for _ in range(3):
        other = _boot(running, 'in-other', {'target_cell': 'api!cell1',
                                            'different_host': first},
                      token=rc.ADMIN)
        other_cell, other_host = _place(running, other)
        assert other_cell == cell and other_host != host
    # Both hosts of cell1 named: none of them will do.
    both = _boot(running, 'in-none', {'target_cell': 'api!cell1',
                                      'different_host': [first, other]},
                 token=rc.ADMIN)
    assert 'No valid host was found' in _fault(running, both)


def test_same_host_across_cells(running):
    one = _in(running, 'cell1', 'x-one')
    two = _in(running, 'cell2', 'x-two')
    places = {_place(running, one), _place(running, two)}
    # As Nova: a host holding any of the named servers will do.
    joined = _boot(running, 'x-joined', {'same_host': [one, two]})
    assert _place(running, joined) in places
    # Never a cell without any of them, even when forced there.
    only_one = _boot(running, 'x-forced', {'target_cell': 'api!cell2',
                                           'same_host': one},
                     token=rc.ADMIN)
    assert 'No valid host was found' in _fault(running, only_one)


def test_unknown_servers_in_the_hints(running):
    # Nobody holds it: no host can be on the same host as it...
    lonely = _boot(running, 'u-same', {'same_host': str(uuid.uuid4())})
    assert 'No valid host was found' in _fault(running, lonely)
    # ...and every host is a different one.
    free = _boot(running, 'u-diff', {'different_host': [str(uuid.uuid4())]})
    _place(running, free)


def test_deleted_server_counts_for_nothing(running):
    gone = _boot(running, 'd-gone')
    _place(running, gone)
    code, _ = rc.request(running, 'DELETE', '/servers/' + gone)
    assert code == 204

    def deleted():
        code, _ = rc.request(running, 'GET', '/servers/' + gone)
        return code == 404
    wait_for(deleted, 15, what='server deleted')
    lonely = _boot(running, 'd-same', {'same_host': gone})
    assert 'No valid host was found' in _fault(running, lonely)


@pytest.mark.parametrize('hints', [
    {'same_host': 'not-a-uuid'},
    {'same_host': ['not-a-uuid']},
    {'different_host': 42},
    {'different_host': [str(uuid.uuid4()), 7]},
    {'different_host': {'uuid': str(uuid.uuid4())}},
])
def test_bad_hints_are_refused(running, hints):
    before = len(running.db('api').instance_get_all_by_filters(ADMIN_CTXT))
    code, error = rc.request(running, 'POST', '/servers', {
        'server': {'name': 'bad', 'imageRef': rc.IMAGE, 'flavorRef': '1'},
        'os:scheduler_hints': hints})
    assert code == 400, error
    assert error['badRequest']['code'] == 400
    after = len(running.db('api').instance_get_all_by_filters(ADMIN_CTXT))
    assert after == before


@pytest.mark.parametrize('policy', ['affinity', 'anti-affinity'])
def test_two_group_members_booted_at_once(running, policy):
    code, group = rc.request(running, 'POST', '/os-server-groups', {
        'server_group': {'name': 'g', 'policies': [policy]}})
    assert code == 200, group
    group_id = group['server_group']['id']
    code, body = rc.request(running, 'POST', '/servers', {
        'server': {'name': 'g', 'imageRef': rc.IMAGE, 'flavorRef': '1',
                   'min_count': 2, 'return_reservation_id': True},
        'os:scheduler_hints': {'group': group_id}})
    assert code == 202, body
    reservation = body['reservation_id']
    code, listed = rc.request(
        running, 'GET', '/servers/detail?reservation_id=' + reservation)
    assert code == 200 and len(listed['servers']) == 2, listed
    places = [_place(running, s['id']) for s in listed['servers']]
    code, shown = rc.request(running, 'GET',
                             '/os-server-groups/' + group_id)
    assert sorted(shown['server_group']['members']) == sorted(
        s['id'] for s in listed['servers'])
    hosts = [host for _, host in places]
    if policy == 'affinity':
        assert places[0] == places[1]
    else:
        assert hosts[0] != hosts[1]


@pytest.mark.parametrize('revert', [False, True])
def test_cold_migration_of_a_server_with_swap(running, revert):
    code, flavor = rc.request(running, 'POST', '/flavors', {
        'flavor': {'name': 'swap-%s' % revert, 'ram': 1024, 'vcpus': 1,
                   'disk': 1, 'swap': 1}}, token=rc.ADMIN)
    assert code == 200, flavor
    server = _boot(running, 'mig', flavorRef=flavor['flavor']['id'])
    _, source = _place(running, server)
    code, error = rc.request(running, 'POST', f'/servers/{server}/action',
                             {'migrate': None}, token=rc.ADMIN)
    assert code == 202, error
    rc.settled(running, server, 'VERIFY_RESIZE', USER)
    action = 'revertResize' if revert else 'confirmResize'
    code, error = rc.request(running, 'POST', f'/servers/{server}/action',
                             {action: None})
    assert code in (202, 204), error
    _, target = _place(running, server)
    assert (target == source) == revert
