"""Microversioned changes that reach a child cell, through the REST API of
a running tree with two child cells: tags and descriptions set at the top
travel down to the cell that runs the server, the tag filters and
``changes-before`` run on the real database, lock reasons come back, and
services and hypervisors answer by UUID from 2.53."""

import json

import pytest

from nova import context as nova_context
from nova.tests.functional import rest_client as rc
from nova.tools import inproc_tree
from nova.tools.polling import wait_for

OWNER = 'alice:project-a'
ADMIN = nova_context.get_admin_context()
LATEST = {'OpenStack-API-Version': 'compute 2.79'}


def at(version):
    return {'OpenStack-API-Version': f'compute {version}'}


@pytest.fixture(scope='module')
def running(tmp_path_factory):
    tree = inproc_tree.Tree(str(tmp_path_factory.mktemp('microversions')),
                            inproc_tree.TWO_CHILDREN)
    tree.start()
    try:
        rc.api_tree(tree)
        # One project boots every server of this module.
        code, body = rc.request(tree, 'PUT', '/os-quota-sets/project-a',
                                {'quota_set': {'instances': 40,
                                               'cores': 40}},
                                token=rc.ADMIN)
        assert code == 200, body
        yield tree
    finally:
        tree.stop()


def _call(tree, method, path, body=None, version='2.79', token=OWNER):
    return rc.request(tree, method, path, body, token=token,
                      headers=at(version))


def _active(tree, server_id):
    def ready():
        code, body = _call(tree, 'GET', '/servers/' + server_id)
        server = body['server']
        return server if (server['status'] == 'ACTIVE'
                          and server['OS-EXT-STS:task_state'] is None) \
            else None
    return wait_for(ready, 15, what='server %s ACTIVE' % server_id)


def _cell_of(tree, server_id):
    return tree.db('api').instance_get_by_uuid(
        ADMIN, server_id)['cell_name'].split('!')[-1]


def _child_row(tree, server_id):
    return tree.db(_cell_of(tree, server_id)).instance_get_by_uuid(
        ADMIN, server_id)


def _boot(tree, version='2.79', **server):
    body = {'server': dict({'name': 'vm', 'imageRef': rc.IMAGE,
                            'flavorRef': '1', 'networks': 'auto'},
                           **server)}
    code, created = _call(tree, 'POST', '/servers', body, version=version)
    assert code == 202, created
    return _active(tree, created['server']['id'])


def test_tags_and_description_travel_to_the_cell(running):
    server = _boot(running, tags=['web', 'blue'], description='front')
    assert server['tags'] == ['blue', 'web']
    assert server['description'] == 'front'
    sid = server['id']
    row = _child_row(running, sid)
    assert (row['tags'], row['display_description']) == (
        ['blue', 'web'], 'front')

    code, _ = _call(running, 'PUT', f'/servers/{sid}/tags/red')
    assert code == 201
    code, body = _call(running, 'PUT', f'/servers/{sid}',
                       {'server': {'description': 'back'}})
    assert code == 200 and body['server']['description'] == 'back'
    wait_for(lambda: _child_row(running, sid)['tags'] == [
        'blue', 'red', 'web'] and _child_row(
        running, sid)['display_description'] == 'back',
        10, what='tag and description in the cell')
    code, _ = _call(running, 'DELETE', f'/servers/{sid}/tags')
    assert code == 204
    wait_for(lambda: _child_row(running, sid)['tags'] == [], 10,
             what='tags gone in the cell')
    # A child's later update of the server does not undo the top's tags.
    _call(running, 'PUT', f'/servers/{sid}/tags', {'tags': ['kept']})
    code, _ = _call(running, 'POST', f'/servers/{sid}/action',
                    {'reboot': {'type': 'SOFT'}})
    assert code == 202
    _active(running, sid)
    code, body = _call(running, 'GET', f'/servers/{sid}/tags')
    assert body == {'tags': ['kept']}
    wait_for(lambda: _child_row(running, sid)['tags'] == ['kept'], 10,
             what='tags in the cell')


def test_tag_filters_on_the_database(running):
    red = _boot(running, name='f-red', tags=['f-red', 'f-all'])['id']
    both = _boot(running, name='f-both',
                 tags=['f-red', 'f-blue', 'f-all'])['id']
    plain = _boot(running, name='f-plain')['id']

    def listed(query):
        code, body = _call(running, 'GET', '/servers?name=^f-&' + query)
        assert code == 200, body
        return {s['id'] for s in body['servers']}
    assert listed('tags=f-red,f-blue') == {both}
    assert listed('tags-any=f-blue,f-red') == {red, both}
    assert listed('not-tags=f-red,f-blue') == {red, plain}
    assert listed('not-tags-any=f-red') == {plain}
    assert listed('tags=f-all&not-tags-any=f-blue') == {red}
    # Before 2.26 the filters are unknown, and ignored as Nova does.
    code, body = _call(running, 'GET', '/servers?name=^f-&tags=f-red',
                       version='2.25')
    assert {s['id'] for s in body['servers']} == {red, both, plain}


def test_changes_before_and_locked_filters(running):
    sid = _boot(running, name='cb-1')['id']
    code, body = _call(running, 'GET',
                       '/servers?name=^cb-&changes-before=2000-01-01T00:00:00Z')
    assert code == 200 and body['servers'] == []
    code, body = _call(running, 'GET',
                       '/servers?name=^cb-&changes-before=2999-01-01T00:00:00Z')
    assert [s['id'] for s in body['servers']] == [sid]
    code, _ = _call(running, 'POST', f'/servers/{sid}/action',
                    {'lock': {'locked_reason': 'audit'}})
    assert code == 202
    code, body = _call(running, 'GET', '/servers/detail?name=^cb-&locked=1')
    assert [(s['id'], s['locked'], s['locked_reason'])
            for s in body['servers']] == [(sid, True, 'audit')]
    wait_for(lambda: _child_row(running, sid)['system_metadata'].get(
        'locked_reason') == 'audit', 10, what='lock reason in the cell')
    _call(running, 'POST', f'/servers/{sid}/action', {'unlock': None})
    code, body = _call(running, 'GET', f'/servers/{sid}')
    assert body['server']['locked_reason'] is None


def test_bad_input_writes_nothing(running):
    before = len(running.db('api').instance_get_all_by_filters(ADMIN, {}))
    for server in ({'tags': ['a/b']}, {'description': 'x' * 256},
                   {'trusted_image_certificates': ['c']},
                   {'networks': [{'uuid': 'not-a-uuid'}]}):
        body = {'server': dict({'name': 'bad', 'imageRef': rc.IMAGE,
                                'flavorRef': '1', 'networks': 'auto'},
                               **server)}
        code, error = _call(running, 'POST', '/servers', body)
        assert code == 400, error
        assert error['badRequest']['code'] == 400
    after = len(running.db('api').instance_get_all_by_filters(ADMIN, {}))
    assert after == before
    code, error = _call(running, 'GET', '/servers', version='2.500')
    assert code == 406 and error['computeFault']['code'] == 406


def test_rebuild_answers_the_full_server_at_2_75(running):
    sid = _boot(running, name='rb')['id']
    code, body = _call(running, 'POST', f'/servers/{sid}/action',
                       {'rebuild': {'imageRef': rc.IMAGE,
                                    'description': 'rebuilt',
                                    'user_data': 'aGk='}})
    assert code == 202, body
    server = body['server']
    assert server['description'] == 'rebuilt'
    assert server['user_data'] == 'aGk='
    assert server['server_groups'] == []
    assert 'OS-EXT-STS:vm_state' in server
    _active(running, sid)
    assert _child_row(running, sid)['display_description'] == 'rebuilt'


def test_services_and_hypervisors_by_uuid(running):
    code, body = _call(running, 'GET', '/os-services?binary=nova-compute',
                       token=rc.ADMIN)
    services = body['services']
    assert len(services) == 4
    assert all(len(s['id']) == 36 and s['forced_down'] is False
               for s in services)
    target = next(s for s in services if s['host'].startswith('api!cell2@'))
    code, body = _call(running, 'PUT', f"/os-services/{target['id']}",
                       {'status': 'disabled', 'disabled_reason': 'drill'},
                       token=rc.ADMIN)
    assert code == 200, body
    assert (body['service']['id'], body['service']['status']) == (
        target['id'], 'disabled')
    host = target['host'].split('@')[1]
    row = running.db('cell2').service_get_by_host_and_binary(
        ADMIN, host, 'nova-compute')
    assert (row['disabled'], row['disabled_reason']) == (True, 'drill')
    _call(running, 'PUT', f"/os-services/{target['id']}",
          {'status': 'enabled'}, token=rc.ADMIN)

    code, body = _call(running, 'GET', '/os-hypervisors/detail',
                       token=rc.ADMIN)
    hypervisors = body['hypervisors']
    assert len(hypervisors) == 4
    assert all(isinstance(h['cpu_info'], dict) for h in hypervisors)
    one = hypervisors[0]
    code, body = _call(running, 'GET',
                       f"/os-hypervisors/{one['id']}?with_servers=1",
                       token=rc.ADMIN)
    assert code == 200 and body['hypervisor']['id'] == one['id']
    assert isinstance(body['hypervisor']['servers'], list)
    code, _ = _call(running, 'GET', '/os-hypervisors/api!cell1@1',
                    token=rc.ADMIN)
    assert code == 404


def test_instance_actions_of_a_deleted_server(running):
    sid = _boot(running, name='gone')['id']
    code, _ = _call(running, 'DELETE', f'/servers/{sid}')
    assert code == 204

    def deleted():
        code, _ = _call(running, 'GET', f'/servers/{sid}')
        return code == 404
    wait_for(deleted, 15, what='server deleted')
    code, _ = _call(running, 'GET', f'/servers/{sid}/os-instance-actions',
                    version='2.20')
    assert code == 404
    code, body = _call(running, 'GET', f'/servers/{sid}/os-instance-actions',
                       version='2.21')
    assert code == 200
    assert 'create' in [a['action'] for a in body['instanceActions']]


def test_2_80_migrations_name_who_asked(running):
    sid = _boot(running, name='mig-owner')['id']
    code, _ = _call(running, 'POST', f'/servers/{sid}/action',
                    {'resize': {'flavorRef': '2'}})
    assert code == 202

    def listed(version, query=''):
        code, body = _call(running, 'GET', '/os-migrations?instance_uuid='
                           + sid + query, version=version, token=rc.ADMIN)
        assert code == 200, body
        return body['migrations']
    wait_for(lambda: listed('2.80'), 15, what='the resize recorded')
    [migration] = listed('2.80')
    assert (migration['user_id'], migration['project_id']) == (
        'alice', 'project-a')
    assert [m['id'] for m in listed('2.80', '&user_id=alice'
                                    '&project_id=project-a')] == [
        migration['id']]
    assert listed('2.80', '&project_id=project-b') == []
    # Before 2.80 neither is shown, nor filters.
    [old] = listed('2.79', '&user_id=nobody')
    assert 'user_id' not in old and 'project_id' not in old


def test_2_83_member_filters_on_the_database(running):
    code, _ = _call(running, 'POST', '/os-keypairs',
                    {'keypair': {'name': 'f83-key'}}, version='2.83')
    assert code == 201
    keyed = _boot(running, name='f83-keyed', key_name='f83-key')['id']
    stopped = _boot(running, name='f83-stopped')['id']
    code, _ = _call(running, 'POST', f'/servers/{stopped}/action',
                    {'os-stop': None})
    assert code == 202

    def listed(query, version='2.83'):
        code, body = _call(running, 'GET', '/servers?name=^f83-&' + query,
                           version=version)
        assert code == 200, body
        return {s['id'] for s in body['servers']}
    wait_for(lambda: listed('vm_state=stopped') == {stopped}, 15,
             what='the server stopped')
    assert listed('power_state=^4$') == {stopped}
    assert listed('key_name=^f83-k') == {keyed}
    assert listed('user_id=alice&availability_zone=nova') == {keyed, stopped}
    assert listed('created_at=^1999') == set()
    assert listed('config_drive=True') == set()
    # Before 2.83 a member's filters are ignored.
    assert listed('vm_state=stopped&key_name=nomatch', '2.82') == {
        keyed, stopped}
    code, error = _call(running, 'GET', '/servers?key_name=(')
    assert code == 400 and error['badRequest']['code'] == 400


def test_2_84_a_failed_event_says_why(running):
    # The fake driver fails the operations this metadata key names.
    sid = _boot(running, name='f84', metadata={'fake:fail': 'reboot'})['id']
    code, _ = _call(running, 'POST', f'/servers/{sid}/action',
                    {'reboot': {'type': 'SOFT'}})
    assert code == 202
    code, body = _call(running, 'GET', f'/servers/{sid}/os-instance-actions')
    request_id = body['instanceActions'][0]['request_id']

    def failed(version):
        code, body = _call(running, 'GET', f'/servers/{sid}/os-instance-'
                           f'actions/{request_id}', version=version)
        assert code == 200, body
        return [e for e in body['instanceAction']['events']
                if e['result'] == 'Error']
    # The event failed in the child cell and travelled up with its details.
    [event] = wait_for(lambda: failed('2.84'), 15, what='the failed event')
    assert event['details'] == (
        f'Simulated reboot failure for instance {sid}.')
    assert 'traceback' not in event
    assert 'details' not in failed('2.83')[0]


def test_2_86_extra_specs_validated_before_any_write(running):
    code, body = _call(running, 'POST', '/flavors', {'flavor': {
        'name': 'f86', 'ram': 512, 'vcpus': 1, 'disk': 1}}, token=rc.ADMIN)
    assert code == 200, body
    path = f"/flavors/{body['flavor']['id']}/os-extra_specs"
    code, error = _call(running, 'POST', path, {'extra_specs': {
        'hw:cpu_policy': 'dedicated', 'hw:numa_nodes': '0'}},
        version='2.86', token=rc.ADMIN)
    assert code == 400 and 'min value' in error['badRequest']['message']
    code, body = _call(running, 'GET', path, version='2.86')
    assert body == {'extra_specs': {}}
    code, _ = _call(running, 'POST', path, {'extra_specs': {
        'hw:cpu_policy': 'dedicated', 'team:owner': 'blue'}},
        version='2.86', token=rc.ADMIN)
    assert code == 200
    code, body = _call(running, 'GET', path, version='2.86')
    assert body == {'extra_specs': {'hw:cpu_policy': 'dedicated',
                                    'team:owner': 'blue'}}


def test_2_88_hypervisors_of_both_cells_show_uptime(running):
    code, body = _call(running, 'GET', '/os-hypervisors/detail',
                       version='2.88', token=rc.ADMIN)
    assert code == 200, body
    hypervisors = body['hypervisors']
    assert {h['service']['host'].split('@')[0] for h in hypervisors} == {
        'api!cell1', 'api!cell2'}
    assert all(' up ' in h['uptime'] and 'vcpus' not in h
               and 'cpu_info' not in h for h in hypervisors)
    code, body = _call(running, 'GET', f"/os-hypervisors/"
                       f"{hypervisors[-1]['id']}", version='2.88',
                       token=rc.ADMIN)
    assert code == 200 and ' up ' in body['hypervisor']['uptime']
    for path in ('/os-hypervisors/statistics',
                 f"/os-hypervisors/{hypervisors[0]['id']}/uptime"):
        code, error = _call(running, 'GET', path, version='2.88',
                            token=rc.ADMIN)
        assert code == 404, error


def test_2_90_hostname_travels_to_the_cell(running):
    sid = _boot(running, '2.90', name='f90', hostname='f90-host')['id']
    assert _child_row(running, sid)['hostname'] == 'f90-host'
    code, body = _call(running, 'GET', f'/servers/{sid}', version='2.90')
    assert body['server']['OS-EXT-SRV-ATTR:hostname'] == 'f90-host'
    code, body = _call(running, 'PUT', f'/servers/{sid}',
                       {'server': {'hostname': 'f90-renamed'}},
                       version='2.90')
    assert code == 200, body
    assert body['server']['OS-EXT-SRV-ATTR:hostname'] == 'f90-renamed'
    wait_for(lambda: _child_row(running, sid)['hostname'] == 'f90-renamed',
             10, what='the new hostname in the cell')
    code, body = _call(running, 'POST', f'/servers/{sid}/action',
                       {'rebuild': {'imageRef': rc.IMAGE,
                                    'hostname': 'f90-rebuilt'}},
                       version='2.90')
    assert code == 202, body
    assert body['server']['OS-EXT-SRV-ATTR:hostname'] == 'f90-rebuilt'
    _active(running, sid)
    assert _child_row(running, sid)['hostname'] == 'f90-rebuilt'
    # The child's later updates do not undo it at the top.
    assert running.db('api').instance_get_by_uuid(
        ADMIN, sid)['hostname'] == 'f90-rebuilt'
    code, error = _call(running, 'PUT', f'/servers/{sid}',
                        {'server': {'hostname': 'bad_name'}},
                        version='2.90')
    assert code == 400, error
    assert _child_row(running, sid)['hostname'] == 'f90-rebuilt'


def _status(tree, sid, status):
    def reached():
        code, body = _call(tree, 'GET', f'/servers/{sid}', token=rc.ADMIN)
        server = body['server']
        return server if (server['status'] == status and
                          server['OS-EXT-STS:task_state'] is None) else None
    return wait_for(reached, 20, what=f'server {sid} {status}')


def test_2_91_unshelve_onto_a_named_host_of_its_cell(running):
    sid = _boot(running, name='f91')['id']
    cell = _cell_of(running, sid)
    first = _status(running, sid, 'ACTIVE')['OS-EXT-SRV-ATTR:host']
    code, _ = _call(running, 'POST', f'/servers/{sid}/action',
                    {'shelve': None})
    assert code == 202
    _status(running, sid, 'SHELVED_OFFLOADED')
    code, body = _call(running, 'GET', '/os-services?binary=nova-compute',
                       token=rc.ADMIN)
    hosts = [s['host'] for s in body['services']]
    other_cell = next(h for h in hosts if not h.startswith(f'api!{cell}@'))
    ours = [h.split('@')[1] for h in hosts if h.startswith(f'api!{cell}@')]
    target = next(h for h in ours if h != first)
    path = f'/servers/{sid}/action'
    code, error = _call(running, 'POST', path,
                        {'unshelve': {'host': other_cell}}, version='2.91',
                        token=rc.ADMIN)
    assert code == 400, error
    code, error = _call(running, 'POST', path, {'unshelve': {'host': target}},
                        version='2.91')
    assert code == 403, error
    assert _child_row(running, sid)['vm_state'] == 'shelved_offloaded'
    code, body = _call(running, 'POST', path,
                       {'unshelve': {'host': target,
                                     'availability_zone': None}},
                       version='2.91', token=rc.ADMIN)
    assert code == 202, body
    back = _status(running, sid, 'ACTIVE')
    assert back['OS-EXT-SRV-ATTR:host'] == target
    assert _child_row(running, sid)['host'] == target
    # And back to the first: each time the named one, not the scheduler's
    # own choice.
    _call(running, 'POST', path, {'shelve': None})
    _status(running, sid, 'SHELVED_OFFLOADED')
    code, body = _call(running, 'POST', path, {'unshelve': {'host': first}},
                       version='2.91', token=rc.ADMIN)
    assert code == 202, body
    assert _status(running, sid, 'ACTIVE')['OS-EXT-SRV-ATTR:host'] == first


def test_2_96_the_pin_outlives_the_cells_updates(running):
    pinned = _boot(running, name='f96-pinned', availability_zone='nova')
    free = _boot(running, name='f96-free')
    code, body = _call(running, 'GET', '/servers/detail?name=^f96-',
                       version='2.96')
    shown = {s['id']: s['pinned_availability_zone']
             for s in body['servers']}
    assert shown == {pinned['id']: 'nova', free['id']: None}
    # The cell has reported the build (ACTIVE) and more since: the pin
    # stays, as the API cell's own.
    sid = pinned['id']
    code, _ = _call(running, 'POST', f'/servers/{sid}/action',
                    {'reboot': {'type': 'HARD'}})
    assert code == 202
    _status(running, sid, 'ACTIVE')
    code, body = _call(running, 'GET', f'/servers/{sid}', version='2.96')
    assert body['server']['pinned_availability_zone'] == 'nova'
    assert 'pinned_availability_zone' not in _call(
        running, 'GET', f'/servers/{sid}', version='2.95')[1]['server']


def test_2_98_image_properties_from_the_build(running):
    sid = _boot(running, name='f98')['id']
    code, body = _call(running, 'GET', f'/servers/{sid}', version='2.98')
    image = body['server']['image']
    assert image['id'] == rc.IMAGE
    assert image['properties']['base_image_ref'] == rc.IMAGE
    sysmeta = _child_row(running, sid)['system_metadata']
    assert image['properties'] == {k[len('image_'):]: v for k, v in
                                   sysmeta.items() if k.startswith('image_')}


def test_2_100_scheduler_hints_kept_and_shown(running):
    hints = {'same_host_group': 'blue', 'query': '["=", "$vcpus", 1]'}
    body = {'server': {'name': 'f100', 'imageRef': rc.IMAGE,
                       'flavorRef': '1', 'networks': 'auto'},
            'os:scheduler_hints': hints}
    code, created = _call(running, 'POST', '/servers', body, version='2.100')
    assert code == 202, created
    sid = _active(running, created['server']['id'])['id']
    code, body = _call(running, 'GET', f'/servers/{sid}', version='2.100')
    assert body['server']['scheduler_hints'] == {
        'same_host_group': ['blue'], 'query': ['["=", "$vcpus", 1]']}
    # The hints travelled with the build: the cell's copy holds them.
    assert json.loads(_child_row(running, sid)['scheduler_hints']) == hints
    code, body = _call(running, 'GET', '/servers/detail?name=^vm$',
                       version='2.100')
    assert all(s['scheduler_hints'] == {} for s in body['servers'])
