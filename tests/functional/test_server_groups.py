"""Server groups through the REST API of a tree with two child cells.

cell1 has 6 compute hosts and cell2 16: twenty members of an
anti-affinity group cannot fit in either cell alone, so they span both;
twenty members of an affinity group all land on one host of one cell.
"""

from concurrent import futures

import pytest

from nova import context as nova_context
from nova.tests.functional import rest_client as rc
from nova.tools import inproc_tree
from nova.tools.polling import wait_for

ADMIN_CTXT = nova_context.get_admin_context()
HOSTS = {'cell1': 6, 'cell2': 16}


def at(version):
    return {'OpenStack-API-Version': f'compute {version}'}


@pytest.fixture(scope='module')
def running(tmp_path_factory):
    overrides = {cell: {('compute_hosts', 'all'): [
        '%s-compute%d' % (cell, i + 1) for i in range(count)]}
        for cell, count in HOSTS.items()}
    tree = inproc_tree.Tree(str(tmp_path_factory.mktemp('groups')),
                            inproc_tree.TWO_CHILDREN, overrides=overrides)
    tree.start()
    try:
        rc.api_tree(tree)
        yield tree
    finally:
        tree.stop()


def _quota(tree, project, **limits):
    code, body = rc.request(tree, 'PUT', '/os-quota-sets/' + project,
                            {'quota_set': limits}, token=rc.ADMIN)
    assert code == 200, body


def _group(tree, token, policy, version='2.1', **extra):
    if version == '2.64':
        body = {'name': 'g-' + policy, 'policy': policy, **extra}
    else:
        body = {'name': 'g-' + policy, 'policies': [policy]}
    code, created = rc.request(tree, 'POST', '/os-server-groups',
                               {'server_group': body}, token=token,
                               headers=at(version))
    assert code == 200, created
    return created['server_group']['id']


def _boot(tree, token, group, name='vm', **server):
    body = {'server': dict({'name': name, 'imageRef': rc.IMAGE,
                            'flavorRef': '1'}, **server),
            'os:scheduler_hints': {'group': group}}
    return rc.request(tree, 'POST', '/servers', body, token=token)


def _boot_many(tree, token, group, count):
    """``count`` boots into ``group`` sent at once; their server ids."""
    with futures.ThreadPoolExecutor(count) as pool:
        answers = list(pool.map(
            lambda i: _boot(tree, token, group, 'vm%d' % i), range(count)))
    assert all(code == 202 for code, _ in answers), answers
    return [body['server']['id'] for _, body in answers]


def _settled(tree, token, ids, timeout=60):
    """Wait until every server is ACTIVE or ERROR; their API rows."""
    def done():
        rows = [tree.db('api').instance_get_by_uuid(ADMIN_CTXT, i)
                for i in ids]
        settled = all(r['vm_state'] in ('active', 'error')
                      and r['task_state'] is None for r in rows)
        return rows if settled else None
    return wait_for(done, timeout, what='%d servers settled' % len(ids))


def test_twenty_concurrent_affinity_members_land_on_one_host(running):
    token = 'aff:project-aff'
    _quota(running, 'project-aff', instances=30, cores=30,
           server_group_members=30)
    group = _group(running, token, 'affinity')

    rows = _settled(running, token, _boot_many(running, token, group, 20))

    assert {r['vm_state'] for r in rows} == {'active'}
    assert len({(r['cell_name'], r['host']) for r in rows}) == 1
    cell = rows[0]['cell_name'].split('!')[-1]
    # The cell holds them on that host too.
    assert {running.db(cell).instance_get_by_uuid(
        ADMIN_CTXT, r['uuid'])['host'] for r in rows} == {rows[0]['host']}
    code, body = rc.request(running, 'GET', '/os-server-groups/' + group,
                            token=token, headers=at('2.64'))
    assert code == 200
    assert sorted(body['server_group']['members']) == sorted(
        r['uuid'] for r in rows)
    assert body['server_group']['policy'] == 'affinity'


def test_twenty_concurrent_anti_affinity_members_take_distinct_hosts(
        running):
    token = 'anti:project-anti'
    _quota(running, 'project-anti', instances=30, cores=30,
           server_group_members=30)
    group = _group(running, token, 'anti-affinity')

    rows = _settled(running, token, _boot_many(running, token, group, 20))

    assert {r['vm_state'] for r in rows} == {'active'}
    places = [(r['cell_name'], r['host']) for r in rows]
    assert len(set(places)) == 20
    # Neither cell has 20 hosts: the group spans both.
    assert {cell for cell, _ in places} == {'api!cell1', 'api!cell2'}
    for cell in ('cell1', 'cell2'):
        hosts = [host for path, host in places if path == 'api!' + cell]
        assert len(hosts) <= HOSTS[cell]


def test_max_server_per_host_allows_that_many_per_host(running):
    token = 'two:project-two'
    group = _group(running, token, 'anti-affinity', version='2.64',
                   rules={'max_server_per_host': 2})
    code, shown = rc.request(running, 'GET', '/os-server-groups/' + group,
                             token=token, headers=at('2.64'))
    assert shown['server_group']['rules'] == {'max_server_per_host': 2}

    rows = _settled(running, token, _boot_many(running, token, group, 6))

    assert {r['vm_state'] for r in rows} == {'active'}
    per_host: dict = {}
    for r in rows:
        per_host[(r['cell_name'], r['host'])] = per_host.get(
            (r['cell_name'], r['host']), 0) + 1
    assert max(per_host.values()) <= 2


def test_an_affinity_member_that_cannot_join_the_others_is_no_valid_host(
        running):
    token = 'viol:project-viol'
    group = _group(running, token, 'affinity')
    code, body = _boot(running, token, group, 'first')
    assert code == 202
    [first] = _settled(running, token, [body['server']['id']])
    assert first['vm_state'] == 'active'
    service = {'host': '%s@%s' % (first['cell_name'], first['host']),
               'binary': 'nova-compute'}
    code, _ = rc.request(running, 'PUT', '/os-services/disable', service,
                         token=rc.ADMIN)
    assert code == 200
    try:
        code, body = _boot(running, token, group, 'second')
        assert code == 202
        server_id = body['server']['id']
        [second] = _settled(running, token, [server_id])
        shown = rc.server(running, server_id, token)
    finally:
        rc.request(running, 'PUT', '/os-services/enable', service,
                   token=rc.ADMIN)
    assert second['vm_state'] == 'error'
    assert shown['status'] == 'ERROR'
    assert shown['fault']['message'].startswith('No valid host was found.')
    # It was never built in another cell: nothing anywhere but the top.
    for cell in HOSTS:
        assert all(r['uuid'] != server_id
                   for r in running.live_instances(cell))


def test_deleting_a_group_leaves_its_servers(running):
    token = 'del:project-del'
    group = _group(running, token, 'soft-anti-affinity', version='2.15')
    code, body = _boot(running, token, group)
    assert code == 202
    server_id = body['server']['id']
    [row] = _settled(running, token, [server_id])
    assert row['vm_state'] == 'active'
    assert rc.request(running, 'GET', '/servers/' + server_id, token=token,
                      headers=at('2.71'))[1]['server']['server_groups'] == [
        group]

    # Another project neither sees nor deletes it.
    for method in ('GET', 'DELETE'):
        code, error = rc.request(running, method,
                                 '/os-server-groups/' + group,
                                 token='eve:project-eve')
        assert code == 404, error
        assert error['itemNotFound']['message'] == (
            'Instance group %s could not be found.' % group)

    code, _ = rc.request(running, 'DELETE', '/os-server-groups/' + group,
                         token=token)
    assert code == 204
    code, _ = rc.request(running, 'GET', '/os-server-groups/' + group,
                         token=token)
    assert code == 404
    shown = rc.request(running, 'GET', '/servers/' + server_id, token=token,
                       headers=at('2.71'))[1]['server']
    assert (shown['status'], shown['server_groups']) == ('ACTIVE', [])
    code, body = _boot(running, token, group)
    assert code == 400
    assert body['badRequest']['message'] == (
        'Instance group %s could not be found.' % group)


def test_group_quotas(running):
    token = 'quota:project-quota'
    _quota(running, 'project-quota', server_groups=1,
           server_group_members=2)
    group = _group(running, token, 'anti-affinity')
    code, body = rc.request(running, 'POST', '/os-server-groups', {
        'server_group': {'name': 'second', 'policies': ['affinity']}},
        token=token)
    assert (code, body) == (403, {'forbidden': {
        'code': 403,
        'message': 'Quota exceeded, too many server groups.'}})
    _, limits = rc.request(running, 'GET', '/limits', token=token)
    absolute = limits['limits']['absolute']
    assert (absolute['maxServerGroups'], absolute['totalServerGroupsUsed'],
            absolute['maxServerGroupMembers']) == (1, 1, 2)
    _, detail = rc.request(running, 'GET',
                           '/os-quota-sets/project-quota/detail',
                           token=token)
    assert detail['quota_set']['server_groups'] == {
        'limit': 1, 'in_use': 1, 'reserved': 0}

    ids = [_boot(running, token, group, 'm%d' % i)[1]['server']['id']
           for i in range(2)]
    before = len(running.db('api').instance_get_all_by_filters(
        ADMIN_CTXT, {'project_id': 'project-quota'}))
    code, body = _boot(running, token, group, 'third')
    assert (code, body) == (403, {'forbidden': {
        'code': 403,
        'message': 'Quota exceeded, too many servers in group'}})
    assert len(running.db('api').instance_get_all_by_filters(
        ADMIN_CTXT, {'project_id': 'project-quota'})) == before
    # A deleted member frees its place in the group.
    _settled(running, token, ids)
    assert rc.request(running, 'DELETE', '/servers/' + ids[0],
                      token=token)[0] == 204
    wait_for(lambda: rc.request(running, 'GET', '/servers/' + ids[0],
                                token=token)[0] == 404, 15, what='deleted')
    code, body = _boot(running, token, group, 'third')
    assert code == 202, body
    _settled(running, token, [body['server']['id']])

    # The group can be deleted to make room for another.
    assert rc.request(running, 'DELETE', '/os-server-groups/' + group,
                      token=token)[0] == 204
    _group(running, token, 'affinity')


def test_listing_own_and_all_projects(running):
    mine = _group(running, 'lister:project-list', 'affinity')
    theirs = _group(running, 'other:project-other', 'anti-affinity')
    code, body = rc.request(running, 'GET', '/os-server-groups',
                            token='lister:project-list', headers=at('2.13'))
    assert code == 200
    assert [g['id'] for g in body['server_groups']] == [mine]
    assert body['server_groups'][0]['project_id'] == 'project-list'
    # all_projects is for administrators; others get their own.
    code, body = rc.request(running, 'GET',
                            '/os-server-groups?all_projects=True',
                            token='lister:project-list')
    assert [g['id'] for g in body['server_groups']] == [mine]
    code, body = rc.request(running, 'GET',
                            '/os-server-groups?all_projects=True',
                            token=rc.ADMIN)
    listed = [g['id'] for g in body['server_groups']]
    assert {mine, theirs} <= set(listed)
    code, body = rc.request(running, 'GET',
                            '/os-server-groups?all_projects=True&limit=1'
                            '&offset=1', token=rc.ADMIN)
    assert [g['id'] for g in body['server_groups']] == listed[1:2]


def test_affinity_members_keep_to_one_cell_when_cells_weigh_the_same(
        tree_factory):
    # Two cells of two hosts each: without the group's pin the cell
    # scheduler would share concurrent builds between them.
    tree = rc.api_tree(tree_factory())
    token = 'pin:project-pin'
    _quota(tree, 'project-pin', instances=30, cores=30,
           server_group_members=30)
    group = _group(tree, token, 'affinity')

    rows = _settled(tree, token, _boot_many(tree, token, group, 12))

    assert {r['vm_state'] for r in rows} == {'active'}
    assert len({(r['cell_name'], r['host']) for r in rows}) == 1
    assert tree.db('api').instance_group_get(
        ADMIN_CTXT, group)['cell_name'] == rows[0]['cell_name']


def test_one_multiple_create_into_anti_affinity_spans_cells(tree_factory):
    # Two hosts per cell: four members fit only across both cells.
    tree = rc.api_tree(tree_factory())
    token = 'multi:project-multi'
    group = _group(tree, token, 'anti-affinity')
    code, body = _boot(tree, token, group, min_count=4, max_count=4,
                       return_reservation_id=True)
    assert code == 202, body
    reservation = body['reservation_id']
    _, listed = rc.request(tree, 'GET',
                           '/servers?reservation_id=' + reservation,
                           token=token)
    ids = [s['id'] for s in listed['servers']]
    assert len(ids) == 4

    rows = _settled(tree, token, ids)

    assert {r['vm_state'] for r in rows} == {'active'}
    assert len({(r['cell_name'], r['host']) for r in rows}) == 4
    assert {r['cell_name'] for r in rows} == {'api!cell1', 'api!cell2'}


def test_a_host_the_scheduler_gave_twice_is_caught_by_the_compute(
        tree_factory):
    # cell1's scheduler as one that lost track of the group (a second
    # scheduler of the cell, say): no group filter, no preference, so
    # it picks the first host for every build.
    tree = rc.api_tree(tree_factory())
    scheduler = tree.service('cell1', 'scheduler').manager
    scheduler.filters = [f for f in scheduler.filters
                         if 'ServerGroup' not in type(f).__name__]
    scheduler.weighers = []
    group = _group(tree, rc.ADMIN, 'anti-affinity')

    def boot(name):
        code, body = rc.request(tree, 'POST', '/servers', {
            'server': {'name': name, 'imageRef': rc.IMAGE,
                       'flavorRef': '1'},
            'os:scheduler_hints': {'group': group,
                                   'target_cell': 'api!cell1'}},
            token=rc.ADMIN)
        assert code == 202, body
        return body['server']['id']

    [first] = _settled(tree, rc.ADMIN, [boot('first')])
    [second] = _settled(tree, rc.ADMIN, [boot('second')])

    assert (first['vm_state'], second['vm_state']) == ('active', 'active')
    assert first['cell_name'] == second['cell_name'] == 'api!cell1'
    assert first['host'] != second['host']
    # The first host refused the second member (the build's event keeps
    # the refusal), which was scheduled again and built elsewhere.
    db = tree.db('api')

    def build_event():
        for action in db.actions_get(ADMIN_CTXT, second['uuid']):
            for event in db.action_events_get(ADMIN_CTXT, action['id']):
                if (event['event'] == 'compute__do_build_and_run_instance'
                        and event['traceback']):
                    return event
        return None
    event = wait_for(build_event, 10, what='the build event')
    assert 'Anti-affinity instance group policy was violated.' in \
        event['traceback']
    assert event['host'] == second['host']
