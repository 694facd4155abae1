"""Host aggregates and availability zones through a tree of two child
cells: ``/os-aggregates`` with integer ids unique in the tree (and
``cell_path@id`` as another name), zones that steer
builds to the right cell and host (one zone spanning both cells), the
aggregate extra-specs filter, ``zone:host`` boots and bad input."""

import pytest

from nova import context as nova_context
from nova import exception
from nova import host_views
from nova.tests.functional import rest_client as rc
from nova.tools.polling import wait_for

MEMBER = 'alice:project-a'
V241 = {'OpenStack-API-Version': 'compute 2.41'}


@pytest.fixture
def tree(tree_factory):
    return rc.api_tree(tree_factory())


def admin(tree, method, path, body=None, headers=None):
    return rc.request(tree, method, path, body, token=rc.ADMIN,
                      headers=headers)


def create(tree, name, zone=None):
    body = {'name': name}
    if zone:
        body['availability_zone'] = zone
    code, created = admin(tree, 'POST', '/os-aggregates',
                          {'aggregate': body})
    assert code == 200, created
    return created['aggregate']


def act(tree, aggregate_id, action, args):
    return admin(tree, 'POST', '/os-aggregates/%s/action' % aggregate_id,
                 {action: args})


def add_host(tree, aggregate_id, host):
    code, body = act(tree, aggregate_id, 'add_host', {'host': host})
    assert code == 200, body
    return body['aggregate']


def wait_zones(tree, expected):
    """Until the API cell's nova-cells has heard of each zone with
    exactly the hosts given (``{zone: {cell_path@host, ...}}``)."""
    admin_api = tree.cells_manager('api').admin
    ctxt = nova_context.get_admin_context()

    def reported():
        zones = admin_api.get_zones(ctxt)
        return all(set(zones.get(z, ())) == hosts
                   for z, hosts in expected.items())
    wait_for(reported, 15, what='zones %s reported' % sorted(expected))


def stored(tree):
    """The aggregates of every cell's database."""
    ctxt = nova_context.get_admin_context()
    return {cell: [(a['name'], a['hosts'], a['metadata'])
                   for a in tree.db(cell).aggregate_get_all(ctxt)]
            for cell in ('api', 'cell1', 'cell2')}


def boot(tree, token=rc.ADMIN, **server):
    code, body = rc.boot(tree, token=token, **server)
    assert code == 202, body
    return rc.settled(tree, body['server']['id'], 'ACTIVE', rc.ADMIN)


def where(server):
    return server['OS-EXT-SRV-ATTR:host']


def server_count(tree):
    return len(admin(tree, 'GET', '/servers?all_tenants=1')[1]['servers'])


# -- /os-aggregates ---------------------------------------------------------

def test_aggregates_live_in_the_cell_of_their_hosts(tree):
    first = create(tree, 'agg1')
    assert first['id'] == 1
    assert 'hosts' not in first and 'uuid' not in first
    second = create(tree, 'api!cell2@agg2', zone='az2')
    assert (second['id'], second['name'], second['availability_zone']) == (
        2, 'agg2', 'az2')

    shown = add_host(tree, first['id'], 'cell1-compute1')
    assert shown['hosts'] == ['api!cell1@cell1-compute1']
    shown = add_host(tree, second['id'], 'api!cell2@cell2-compute2')
    assert shown['hosts'] == ['api!cell2@cell2-compute2']
    assert shown['metadata'] == {'availability_zone': 'az2'}
    # The rows are in each cell's own database, none at the top.
    ctxt = nova_context.get_admin_context()
    assert [a['hosts'] for a in tree.db('cell1').aggregate_get_all(
        ctxt)] == [['cell1-compute1']]
    assert [a['hosts'] for a in tree.db('cell2').aggregate_get_all(
        ctxt)] == [['cell2-compute2']]
    assert tree.db('api').aggregate_get_all(ctxt) == []

    code, listed = admin(tree, 'GET', '/os-aggregates')
    assert code == 200
    assert [(a['id'], a['name'], a['hosts']) for a in
            listed['aggregates']] == [
        (1, 'agg1', ['api!cell1@cell1-compute1']),
        (2, 'agg2', ['api!cell2@cell2-compute2'])]
    code, shown = admin(tree, 'GET', '/os-aggregates/2', headers=V241)
    assert code == 200
    assert shown['aggregate']['id'] == 2
    assert shown['aggregate']['uuid'] == tree.db('cell2').aggregate_get(
        ctxt, 1)['uuid']

    code, updated = admin(tree, 'PUT', '/os-aggregates/1',
                          {'aggregate': {'name': 'renamed',
                                         'availability_zone': 'az1'}})
    assert code == 200, updated
    assert (updated['aggregate']['name'],
            updated['aggregate']['availability_zone']) == ('renamed', 'az1')
    code, body = act(tree, 1, 'set_metadata',
                     {'metadata': {'ssd': 'true', 'gone': None}})
    assert code == 200
    assert body['aggregate']['metadata'] == {'availability_zone': 'az1',
                                             'ssd': 'true'}
    code, body = act(tree, 1, 'set_metadata',
                     {'metadata': {'ssd': None}})
    assert body['aggregate']['metadata'] == {'availability_zone': 'az1'}

    code, error = admin(tree, 'DELETE', '/os-aggregates/1')
    assert code == 400
    assert 'Host aggregate is not empty' in error['badRequest']['message']
    code, body = act(tree, 1, 'remove_host',
                     {'host': 'api!cell1@cell1-compute1'})
    assert code == 200 and body['aggregate']['hosts'] == []
    code, _ = admin(tree, 'DELETE', '/os-aggregates/1')
    assert code == 200
    for gone in ('1', 'api!cell1@1'):
        code, error = admin(tree, 'GET', '/os-aggregates/' + gone)
        assert code == 404
        assert error['itemNotFound']['message'] == \
            'Aggregate %s could not be found.' % gone
    assert tree.db('cell1').aggregate_get_all(ctxt) == []


def mapped(tree):
    """The tree-wide ids the API cell keeps: {id: (cell_path, local id)}."""
    ctxt = nova_context.get_admin_context()
    found = {}
    for mapping_id in range(1, 20):
        try:
            m = tree.db('api').aggregate_mapping_get(ctxt, mapping_id)
        except exception.AggregateNotFound:
            continue
        found[mapping_id] = (m['cell_path'], m['cell_aggregate_id'])
    return found


def test_ids_are_integers_unique_in_the_tree(tree):
    one = create(tree, 'api!cell1@one')
    two = create(tree, 'api!cell2@two')
    three = create(tree, 'api!cell2@three')
    assert [one['id'], two['id'], three['id']] == [1, 2, 3]
    assert mapped(tree) == {1: ('api!cell1', 1), 2: ('api!cell2', 1),
                            3: ('api!cell2', 2)}

    # ``cell_path@id`` is another name of the same aggregate, every call.
    code, shown = admin(tree, 'GET', '/os-aggregates/api!cell2@2')
    assert code == 200 and shown['aggregate']['id'] == 3
    code, body = act(tree, 'api!cell2@2', 'set_metadata',
                     {'metadata': {'k': 'v'}})
    assert code == 200 and body['aggregate']['id'] == 3
    code, body = admin(tree, 'GET', '/os-aggregates/3')
    assert body['aggregate']['metadata'] == {'k': 'v'}

    # A deleted aggregate takes its id along; ids are not given again.
    code, _ = admin(tree, 'DELETE', '/os-aggregates/api!cell2@2')
    assert code == 200
    assert 3 not in mapped(tree)
    assert create(tree, 'api!cell2@four')['id'] == 4
    code, _ = admin(tree, 'GET', '/os-aggregates/3')
    assert code == 404


def test_an_aggregate_made_inside_a_cell_gets_an_id_when_seen(tree):
    ctxt = nova_context.get_admin_context()
    create(tree, 'api!cell1@known')
    # Made in cell2's database, as before ids were kept or by a tool.
    local = tree.db('cell2').aggregate_create(ctxt, 'legacy')
    assert mapped(tree) == {1: ('api!cell1', 1)}

    code, listed = admin(tree, 'GET', '/os-aggregates')
    assert [(a['id'], a['name']) for a in listed['aggregates']] == [
        (1, 'known'), (2, 'legacy')]
    assert mapped(tree) == {1: ('api!cell1', 1),
                            2: ('api!cell2', local['id'])}
    # Listing again allocates nothing more.
    code, listed = admin(tree, 'GET', '/os-aggregates')
    assert [a['id'] for a in listed['aggregates']] == [1, 2]
    assert len(mapped(tree)) == 2

    # First seen through its alias: it gets one too, once.
    other = tree.db('cell1').aggregate_create(ctxt, 'other')
    code, shown = admin(tree, 'GET', '/os-aggregates/api!cell1@%d'
                        % other['id'])
    assert code == 200 and shown['aggregate']['id'] == 3
    code, shown = admin(tree, 'GET', '/os-aggregates/3')
    assert code == 200 and shown['aggregate']['name'] == 'other'

    # Deleted inside its cell: its id names nothing, and goes on delete.
    tree.db('cell1').aggregate_delete(ctxt, other['id'])
    code, _ = admin(tree, 'GET', '/os-aggregates/3')
    assert code == 404
    code, _ = admin(tree, 'DELETE', '/os-aggregates/3')
    assert code == 404
    assert 3 not in mapped(tree)


def test_names_are_unique_in_the_tree(tree):
    create(tree, 'api!cell1@taken')
    code, error = admin(tree, 'POST', '/os-aggregates',
                        {'aggregate': {'name': 'api!cell2@taken'}})
    assert code == 409, error
    other = create(tree, 'api!cell2@other')
    code, error = admin(tree, 'PUT', '/os-aggregates/%d' % other['id'],
                        {'aggregate': {'name': 'taken'}})
    assert code == 409, error
    # Its own name is no conflict.
    code, body = admin(tree, 'PUT', '/os-aggregates/%d' % other['id'],
                       {'aggregate': {'name': 'other'}})
    assert code == 200, body
    ctxt = nova_context.get_admin_context()
    assert [a['name'] for a in tree.db('cell2').aggregate_get_all(ctxt)] \
        == ['other']


def test_bad_aggregate_requests_write_nothing(tree):
    agg = create(tree, 'agg1', zone='az1')
    add_host(tree, agg['id'], 'cell1-compute1')
    other = create(tree, 'api!cell1@other', zone='az2')
    before = stored(tree)

    # A host lies in one zone only (Nova's 400).
    code, error = act(tree, other['id'], 'add_host',
                      {'host': 'cell1-compute1'})
    assert code == 400
    assert "One or more hosts already in availability zone(s) ['az1']" in \
        error['badRequest']['message']
    add_host(tree, other['id'], 'cell1-compute2')
    code, error = act(tree, agg['id'], 'add_host',
                      {'host': 'cell1-compute2'})
    assert code == 400
    code, body = act(tree, other['id'], 'remove_host',
                     {'host': 'cell1-compute2'})
    assert code == 200
    assert stored(tree) == before
    code, error = admin(tree, 'PUT', '/os-aggregates/%d' % agg['id'],
                        {'aggregate': {'availability_zone': None}})
    assert code == 400
    assert 'empty named availability zone' in error['badRequest']['message']
    # A host of another cell joins no aggregate of this one.
    code, error = act(tree, agg['id'], 'add_host',
                      {'host': 'api!cell2@cell2-compute1'})
    assert code == 400
    assert 'is in cell api!cell2' in error['badRequest']['message']

    for host in ('nowhere', 'api!cell1@nowhere'):
        code, error = act(tree, agg['id'], 'add_host', {'host': host})
        assert code == 404, error
    code, error = act(tree, agg['id'], 'add_host',
                      {'host': 'cell1-compute1'})
    assert code == 409
    code, error = act(tree, agg['id'], 'remove_host',
                      {'host': 'cell1-compute2'})
    assert code == 404
    code, error = act(tree, agg['id'], 'frobnicate', {})
    assert code == 400
    for path in ('/os-aggregates/api!cell1@99', '/os-aggregates/api!nope@1',
                 '/os-aggregates/7', '/os-aggregates/-1',
                 '/os-aggregates/99999999999999999999',
                 '/os-aggregates/api!cell1@-1'):
        code, error = admin(tree, 'GET', path)
        assert code == 404, (path, error)
    # As Nova: an id that is no integer is a 400.
    for path in ('/os-aggregates/api!cell1@x', '/os-aggregates/abc',
                 '/os-aggregates/1.5', '/os-aggregates/api!cell1'):
        code, error = admin(tree, 'GET', path)
        assert code == 400, (path, error)
        assert 'id must be an integer' in error['badRequest']['message']
    for method in ('PUT', 'DELETE'):
        code, error = admin(tree, method, '/os-aggregates/-1',
                            {'aggregate': {'name': 'x'}}
                            if method == 'PUT' else None)
        assert code == 404, (method, error)
    code, error = act(tree, -1, 'set_metadata', {'metadata': {'a': 'b'}})
    assert code == 404
    code, error = act(tree, 'api!cell1@99', 'add_host',
                      {'host': 'cell1-compute1'})
    assert code == 404
    code, error = admin(tree, 'POST', '/os-aggregates',
                        {'aggregate': {'name': 'agg1'}})
    assert code == 409
    code, error = admin(tree, 'POST', '/os-aggregates',
                        {'aggregate': {'name': 'x', 'bogus': 1}})
    assert code == 400
    code, error = rc.request(tree, 'GET', '/os-aggregates', token=MEMBER)
    assert code == 403
    assert stored(tree) == before


# -- zones steer builds -----------------------------------------------------

def test_zones_steer_builds_to_their_cells_and_hosts(tree):
    east = create(tree, 'east', zone='east')
    add_host(tree, east['id'], 'cell1-compute2')
    west1 = create(tree, 'api!cell1@west', zone='west')
    add_host(tree, west1['id'], 'cell1-compute1')
    west2 = create(tree, 'api!cell2@west2', zone='west')
    add_host(tree, west2['id'], 'cell2-compute1')
    wait_zones(tree, {'east': {'api!cell1@cell1-compute2'},
                      'west': {'api!cell1@cell1-compute1',
                               'api!cell2@cell2-compute1'},
                      'nova': {'api!cell2@cell2-compute2'}})

    ctxt = nova_context.get_admin_context()
    for _ in range(3):
        server = boot(tree, availability_zone='east')
        assert where(server) == 'cell1-compute2'
        assert server['OS-EXT-AZ:availability_zone'] == 'east'
        # Sent straight there: no cell failed it first.
        assert tree.db('api').instance_faults_get(
            ctxt, [server['id']]) == {server['id']: []}
    server = boot(tree, availability_zone='nova')
    assert where(server) == 'cell2-compute2'

    # "west" spans both cells: with one of its hosts disabled, builds go
    # to the other, whichever cell it is in.
    for off, on in (('api!cell1@cell1-compute1', 'cell2-compute1'),
                    ('api!cell2@cell2-compute1', 'cell1-compute1')):
        admin(tree, 'PUT', '/os-services/enable',
              {'host': 'api!cell1@cell1-compute1', 'binary': 'nova-compute'})
        admin(tree, 'PUT', '/os-services/disable',
              {'host': off, 'binary': 'nova-compute'})
        wait_zones(tree, {'west': {'api!' + on.split('-')[0] + '@' + on}})
        server = boot(tree, availability_zone='west')
        assert where(server) == on

    # Without a zone, a server takes the zone of its host.
    for index in (1, 2):
        admin(tree, 'PUT', '/os-services/disable',
              {'host': 'api!cell%d@cell%d-compute1' % (index, index),
               'binary': 'nova-compute'})
    admin(tree, 'PUT', '/os-services/disable',
          {'host': 'api!cell2@cell2-compute2', 'binary': 'nova-compute'})
    wait_zones(tree, {'east': {'api!cell1@cell1-compute2'}, 'west': set(),
                      'nova': set()})
    assert boot(tree)['OS-EXT-AZ:availability_zone'] == 'east'


def test_zones_across_cells_in_os_availability_zone(tree):
    west1 = create(tree, 'west1', zone='west')
    add_host(tree, west1['id'], 'cell1-compute1')
    west2 = create(tree, 'api!cell2@west2', zone='west')
    add_host(tree, west2['id'], 'cell2-compute2')
    code, body = rc.request(tree, 'GET', '/os-availability-zone',
                            token=MEMBER)
    assert code == 200
    assert [z['zoneName'] for z in body['availabilityZoneInfo']] == [
        'nova', 'west']
    _, detail = admin(tree, 'GET', '/os-availability-zone/detail')
    zones = {z['zoneName']: z for z in detail['availabilityZoneInfo']}
    assert set(zones['west']['hosts']) == {'api!cell1@cell1-compute1',
                                           'api!cell2@cell2-compute2'}
    assert set(zones['nova']['hosts']) == {'api!cell1@cell1-compute2',
                                           'api!cell2@cell2-compute1'}
    _, services = admin(tree, 'GET', '/os-services?binary=nova-compute')
    assert {s['host']: s['zone'] for s in services['services']} == {
        'api!cell1@cell1-compute1': 'west',
        'api!cell1@cell1-compute2': 'nova',
        'api!cell2@cell2-compute1': 'nova',
        'api!cell2@cell2-compute2': 'west'}


def test_an_unknown_zone_is_a_400_that_builds_nothing(tree):
    before = server_count(tree)
    code, error = rc.boot(tree, token=MEMBER, availability_zone='nowhere')
    assert code == 400
    assert error['badRequest']['message'] == \
        'The requested availability zone is not available'
    assert server_count(tree) == before
    ctxt = nova_context.get_admin_context()
    assert tree.db('api').instance_get_all_by_filters(ctxt, {}) == []


def test_an_administrator_names_the_host(tree):
    server = boot(tree, availability_zone='nova:api!cell2@cell2-compute2')
    assert where(server) == 'cell2-compute2'
    assert server['OS-EXT-AZ:availability_zone'] == 'nova'
    server = boot(tree, availability_zone='nova:cell1-compute1')
    assert where(server) == 'cell1-compute1'

    before = server_count(tree)
    code, error = rc.boot(tree, token=MEMBER,
                          availability_zone='nova:cell1-compute1')
    assert code == 403
    for zone in ('nova:nowhere', 'nova:api!cell1@cell2-compute1',
                 'nova:cell1-compute1:node'):
        code, error = rc.boot(tree, token=rc.ADMIN, availability_zone=zone)
        assert code == 400, (zone, error)
    assert server_count(tree) == before


# -- flavor extra specs against aggregate metadata --------------------------

def test_aggregate_extra_specs_pick_the_host(tree):
    code, flavor = admin(tree, 'POST', '/flavors', {'flavor': {
        'name': 'ssd', 'ram': 512, 'vcpus': 1, 'disk': 1, 'id': 'ssd'}})
    assert code == 200, flavor
    code, _ = admin(tree, 'POST', '/flavors/ssd/os-extra_specs', {
        'extra_specs': {'aggregate_instance_extra_specs:ssd': 'true',
                        'aggregate_instance_extra_specs:speed': '>= 10',
                        'hw:unrelated': 'x'}})
    assert code == 200
    fast = create(tree, 'api!cell2@fast')
    add_host(tree, fast['id'], 'cell2-compute2')
    act(tree, fast['id'], 'set_metadata',
        {'metadata': {'ssd': 'true', 'speed': '12'}})
    slow = create(tree, 'api!cell2@slow')
    add_host(tree, slow['id'], 'cell2-compute1')
    act(tree, slow['id'], 'set_metadata',
        {'metadata': {'ssd': 'true', 'speed': '5'}})

    for _ in range(3):
        server = boot(tree, flavor='ssd')
        assert where(server) == 'cell2-compute2'

    # Nothing in the tree meets it: the build fails, with a fault.
    act(tree, fast['id'], 'set_metadata', {'metadata': {'speed': '1'}})
    code, body = rc.boot(tree, token=rc.ADMIN, flavor='ssd')
    assert code == 202
    failed = rc.settled(tree, body['server']['id'], 'ERROR', rc.ADMIN)
    assert 'No valid host' in failed['fault']['message'] or \
        'No cells available' in failed['fault']['message']


def test_a_silent_cell_is_named_in_the_listing(tree):
    create(tree, 'agg1')
    create(tree, 'api!cell2@agg2')
    tree.service('cell2', 'cells').stop()
    code, body, headers = rc.request_with_headers(
        tree, 'GET', '/os-aggregates', token=rc.ADMIN)
    assert code == 200
    assert [a['id'] for a in body['aggregates']] == [1]
    assert headers.get(host_views.MISSING_HEADER) == 'api!cell2'
