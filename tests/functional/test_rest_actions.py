"""Every server action through the REST API of a running tree.

Each step: the answer's status code, the status the API shows once the
action settled, and the same state in the owning cell's own database;
an action the state does not allow is a 409 that changes nothing.
"""

import pytest

from nova import context as nova_context
from nova.tests.functional import rest_client as rc
from nova.tools.polling import wait_for

OWNER = 'alice:project-a'
ADMIN = nova_context.get_admin_context()


@pytest.fixture(scope='module')
def running(tmp_path_factory):
    yield from rc.running_tree(str(tmp_path_factory.mktemp('rest-actions')))


def _server(tree, server_id):
    return rc.server(tree, server_id, OWNER)


def _settled(tree, server_id, status):
    return rc.settled(tree, server_id, status, OWNER)


def _child_row(tree, server_id):
    api_row = tree.db('api').instance_get_by_uuid(ADMIN, server_id)
    cell = api_row['cell_name'].split('!')[-1]
    return api_row, tree.db(cell).instance_get_by_uuid(ADMIN, server_id)


def _agree(tree, server_id):
    def same():
        top, child = _child_row(tree, server_id)
        keys = ('vm_state', 'task_state', 'power_state', 'host',
                'memory_mb', 'image_ref', 'display_name')
        return all(top[k] == child[k] for k in keys)
    wait_for(same, 10, what='the API cell and the child agree')


def _act(tree, server_id, body, expected=202):
    code, answer = rc.request(tree, 'POST',
                              '/servers/%s/action' % server_id, body,
                              token=OWNER)
    assert code == expected, (body, code, answer)
    return answer


# action body, answer code, status once settled
STEPS = [
    ({'reboot': {'type': 'SOFT'}}, 202, 'ACTIVE'),
    ({'reboot': {'type': 'HARD'}}, 202, 'ACTIVE'),
    ({'os-stop': None}, 202, 'SHUTOFF'),
    ({'os-start': None}, 202, 'ACTIVE'),
    ({'pause': None}, 202, 'PAUSED'),
    ({'unpause': None}, 202, 'ACTIVE'),
    ({'suspend': None}, 202, 'SUSPENDED'),
    ({'resume': None}, 202, 'ACTIVE'),
    ({'rebuild': {'imageRef': rc.IMAGE, 'name': 'rebuilt'}}, 202,
     'ACTIVE'),
    ({'resize': {'flavorRef': '2'}}, 202, 'VERIFY_RESIZE'),
    ({'revertResize': None}, 202, 'ACTIVE'),
    ({'resize': {'flavorRef': '2'}}, 202, 'VERIFY_RESIZE'),
    ({'confirmResize': None}, 204, 'ACTIVE'),
    ({'rescue': None}, 200, 'RESCUE'),
    ({'unrescue': None}, 202, 'ACTIVE'),
    ({'lock': None}, 202, 'ACTIVE'),
    ({'unlock': None}, 202, 'ACTIVE'),
    ({'shelve': None}, 202, 'SHELVED_OFFLOADED'),
    ({'unshelve': None}, 202, 'ACTIVE'),
]


def test_every_action_through_rest(running):
    tree = running
    code, created = rc.boot(tree, 'rest-vm', token=OWNER)
    assert code == 202, created
    server_id = created['server']['id']
    _settled(tree, server_id, 'ACTIVE')

    for body, answer_code, status in STEPS:
        _act(tree, server_id, body, answer_code)
        _settled(tree, server_id, status)
        _agree(tree, server_id)

    # Illegal now (ACTIVE): 409, and nothing changes anywhere.
    before = _child_row(tree, server_id)
    for body in ({'os-start': None}, {'unpause': None}, {'resume': None},
                 {'confirmResize': None}, {'unrescue': None}):
        answer = _act(tree, server_id, body, 409)
        assert answer['conflictingRequest']['code'] == 409
    assert _child_row(tree, server_id) == before

    # Rename, metadata and the console, then the actions recorded.
    code, renamed = rc.request(tree, 'PUT', '/servers/' + server_id,
                               {'server': {'name': 'renamed'}}, token=OWNER)
    assert (code, renamed['server']['name']) == (200, 'renamed')
    code, _ = rc.request(tree, 'POST', '/servers/%s/metadata' % server_id,
                         {'metadata': {'k': 'v'}}, token=OWNER)
    assert code == 200
    wait_for(lambda: _child_row(tree, server_id)[1]['metadata']
             == {'k': 'v'}, 10, what='metadata in the child')
    code, _ = rc.request(tree, 'PUT', '/servers/%s/metadata' % server_id,
                         {'metadata': {'a': '1', 'b': '2'}}, token=OWNER)
    assert code == 200
    code, _ = rc.request(tree, 'PUT', '/servers/%s/metadata/b' % server_id,
                         {'meta': {'b': '3'}}, token=OWNER)
    assert code == 200
    code, _ = rc.request(tree, 'DELETE',
                         '/servers/%s/metadata/a' % server_id, token=OWNER)
    assert code == 204
    wait_for(lambda: _child_row(tree, server_id)[1]['metadata']
             == {'b': '3'}, 10, what='metadata replaced, updated, deleted')
    assert _child_row(tree, server_id)[0]['metadata'] == {'b': '3'}
    wait_for(lambda: _child_row(tree, server_id)[1]['display_name']
             == 'renamed', 10, what='name in the child')
    output = _act(tree, server_id, {'os-getConsoleOutput': {}}, 200)
    assert output['output']
    code, actions = rc.request(
        tree, 'GET', '/servers/%s/os-instance-actions' % server_id,
        token=OWNER)
    recorded = [a['action'] for a in actions['instanceActions']]
    for name in ('create', 'reboot', 'stop', 'start', 'pause', 'resize',
                 'confirmResize', 'revertResize', 'rebuild', 'shelve'):
        assert name in recorded, (name, recorded)

    code, _ = rc.request(tree, 'DELETE', '/servers/' + server_id,
                         token=OWNER)
    assert code == 204
    wait_for(lambda: rc.request(tree, 'GET', '/servers/' + server_id,
                                token=OWNER)[0] == 404, 15, what='gone')


def test_force_delete_and_snapshot_boot_through_rest(running):
    tree = running
    code, created = rc.boot(tree, 'snap-src', token=OWNER)
    server_id = created['server']['id']
    _settled(tree, server_id, 'ACTIVE')
    code, _ = rc.request(tree, 'POST', '/servers/%s/action' % server_id,
                         {'createImage': {'name': 'snap'}}, token=OWNER)
    assert code == 202
    code, images = rc.request(tree, 'GET', '/images/detail', token=OWNER)
    [snap] = [i for i in images['images'] if i['name'] == 'snap']
    wait_for(lambda: rc.request(tree, 'GET', '/images/' + snap['id'],
                                token=OWNER)[1]['image']['status']
             == 'ACTIVE', 15, what='snapshot active')
    code, booted = rc.request(tree, 'POST', '/servers', {'server': {
        'name': 'from-snap', 'imageRef': snap['id'], 'flavorRef': '1'}},
        token=OWNER)
    assert code == 202, booted
    _settled(tree, booted['server']['id'], 'ACTIVE')
    for sid in (server_id, booted['server']['id']):
        _act(tree, sid, {'forceDelete': None}, 202)
        wait_for(lambda sid=sid: rc.request(
            tree, 'GET', '/servers/' + sid, token=OWNER)[0] == 404, 15,
            what='force deleted')


def test_create_backup_keeps_the_rotation_newest(running):
    tree = running
    code, created = rc.boot(tree, 'backup-src', token=OWNER)
    server_id = created['server']['id']
    _settled(tree, server_id, 'ACTIVE')

    def backups():
        images = rc.request(tree, 'GET', '/images/detail',
                            token=OWNER)[1]['images']
        return [i for i in images
                if i['metadata'].get('instance_uuid') == server_id
                and i['metadata'].get('image_type') == 'backup']

    made = []
    for name in ('b1', 'b2', 'b3'):
        code, _, headers = rc.request_with_headers(
            tree, 'POST', '/servers/%s/action' % server_id,
            {'createBackup': {'name': name, 'backup_type': 'daily',
                              'rotation': 2}}, token=OWNER)
        assert code == 202
        made.append(headers['Location'].rsplit('/', 1)[-1])
        wait_for(lambda: _server(tree, server_id)['OS-EXT-STS:task_state']
                 is None, 15, what='backup uploaded')
    kept = backups()
    assert sorted(i['id'] for i in kept) == sorted(made[1:])
    assert {i['metadata']['backup_type'] for i in kept} == {'daily'}
    assert all(i['status'] == 'ACTIVE' for i in kept)
    # Another type is rotated on its own; 0 keeps none of its type.
    _act(tree, server_id, {'createBackup': {
        'name': 'w', 'backup_type': 'weekly', 'rotation': 1}})
    wait_for(lambda: _server(tree, server_id)['OS-EXT-STS:task_state']
             is None, 15, what='weekly backup uploaded')
    assert len(backups()) == 3
    _act(tree, server_id, {'createBackup': {
        'name': 'w', 'backup_type': 'weekly', 'rotation': 0}})
    assert sorted(i['id'] for i in backups()) == sorted(made[1:])
    # Bad input is refused and changes nothing.
    for bad in ({'name': 'x', 'backup_type': 'daily', 'rotation': -1},
                {'name': 'x', 'backup_type': 'daily'},
                {'name': 'x', 'backup_type': 'daily', 'rotation': 1,
                 'extra': 1}):
        _act(tree, server_id, {'createBackup': bad}, 400)
    assert sorted(i['id'] for i in backups()) == sorted(made[1:])


def test_change_password_reaches_the_guest(running):
    tree = running
    code, created = rc.boot(tree, 'password-src', token=OWNER)
    server_id = created['server']['id']
    _settled(tree, server_id, 'ACTIVE')
    for bad in ({}, {'adminPass': 5}, {'adminPass': 'x', 'other': 1}):
        _act(tree, server_id, {'changePassword': bad}, 400)
    _act(tree, server_id, {'changePassword': {'adminPass': 's3cret!'}}, 202)

    def changed():
        output = _act(tree, server_id, {'os-getConsoleOutput': {}},
                      200)['output']
        return 'Administrator password changed (7 characters)' in output
    wait_for(changed, 15, what='the guest got its new password')
    output = _act(tree, server_id, {'os-getConsoleOutput': {}}, 200)
    assert 's3cret!' not in output['output']
    assert output['output'].count('Administrator password changed') == 1
    _settled(tree, server_id, 'ACTIVE')
    actions = rc.request(tree, 'GET', '/servers/%s/os-instance-actions'
                         % server_id, token=OWNER)[1]['instanceActions']
    assert 'changePassword' in [a['action'] for a in actions]
    _act(tree, server_id, {'os-stop': None})
    _settled(tree, server_id, 'SHUTOFF')
    _act(tree, server_id, {'changePassword': {'adminPass': 'x'}}, 409)
