"""What a tempest-grade client expects of servers, through the REST API
of a running tree: fields set on create and update reach the cell that
runs the server and come back; bad requests write nothing."""

import base64

import pytest

from nova import context as nova_context
from nova.tests.functional import rest_client as rc
from nova.tools.polling import wait_for

OWNER = 'alice:project-a'
ADMIN = nova_context.get_admin_context()


@pytest.fixture(scope='module')
def running(tmp_path_factory):
    yield from rc.running_tree(str(tmp_path_factory.mktemp('conformance')))


def _server(tree, server_id):
    return rc.server(tree, server_id, OWNER)


def _active(tree, server_id):
    def ready():
        server = _server(tree, server_id)
        return server if (server['status'] == 'ACTIVE'
                          and server['OS-EXT-STS:task_state'] is None) \
            else None
    return wait_for(ready, 15, what='server %s ACTIVE' % server_id)


def _child_row(tree, server_id):
    cell = tree.db('api').instance_get_by_uuid(
        ADMIN, server_id)['cell_name'].split('!')[-1]
    return tree.db(cell).instance_get_by_uuid(ADMIN, server_id)


def _boot(tree, **server):
    code, body = rc.boot(tree, token=OWNER, **server)
    assert code == 202, body
    return body['server']


def _update(tree, server_id, **changes):
    code, body = rc.request(tree, 'PUT', '/servers/' + server_id,
                            {'server': changes}, token=OWNER)
    assert code == 200, body
    return body['server']


# -- bug 2: access addresses ------------------------------------------------

def test_access_addresses_are_kept_shown_and_sent_down(running):
    server_id = _boot(running, name='access', accessIPv4='192.0.2.10',
                      accessIPv6='2001:db8::10')['id']
    server = _active(running, server_id)
    assert (server['accessIPv4'], server['accessIPv6']) == (
        '192.0.2.10', '2001:db8::10')
    row = _child_row(running, server_id)
    assert (row['access_ip_v4'], row['access_ip_v6']) == (
        '192.0.2.10', '2001:db8::10')

    shown = _update(running, server_id, accessIPv4='192.0.2.11',
                    accessIPv6='2001:db8::11')
    assert (shown['accessIPv4'], shown['accessIPv6']) == (
        '192.0.2.11', '2001:db8::11')
    wait_for(lambda: _child_row(running, server_id)['access_ip_v6']
             == '2001:db8::11', 10, what='the change in the child cell')
    assert _child_row(running, server_id)['access_ip_v4'] == '192.0.2.11'
    server = _server(running, server_id)
    assert (server['accessIPv4'], server['accessIPv6']) == (
        '192.0.2.11', '2001:db8::11')


# -- bug 3: OS-DCF:diskConfig -----------------------------------------------

def _action(tree, server_id, body):
    code, answer = rc.request(tree, 'POST', '/servers/%s/action' % server_id,
                              body, token=OWNER)
    assert code == 202, (body, code, answer)
    return answer


def test_disk_config_is_kept_changed_and_sent_down(running):
    created = _boot(running, name='disk', **{'OS-DCF:diskConfig': 'AUTO'})
    assert created['OS-DCF:diskConfig'] == 'AUTO'
    server_id = created['id']
    assert _active(running, server_id)['OS-DCF:diskConfig'] == 'AUTO'
    assert _child_row(running, server_id)['auto_disk_config'] is True

    shown = _update(running, server_id, **{'OS-DCF:diskConfig': 'MANUAL'})
    assert shown['OS-DCF:diskConfig'] == 'MANUAL'
    wait_for(lambda: _child_row(running, server_id)['auto_disk_config']
             is False, 10, what='MANUAL in the child cell')

    rebuilt = _action(running, server_id, {'rebuild': {
        'imageRef': rc.IMAGE, 'OS-DCF:diskConfig': 'AUTO'}})['server']
    assert rebuilt['OS-DCF:diskConfig'] == 'AUTO'
    assert _active(running, server_id)['OS-DCF:diskConfig'] == 'AUTO'

    _action(running, server_id, {'resize': {
        'flavorRef': '2', 'OS-DCF:diskConfig': 'MANUAL'}})

    def resized():
        server = _server(running, server_id)
        return server if server['status'] == 'VERIFY_RESIZE' else None
    assert wait_for(resized, 15, what='VERIFY_RESIZE')[
        'OS-DCF:diskConfig'] == 'MANUAL'
    wait_for(lambda: _child_row(running, server_id)['auto_disk_config']
             is False, 10, what='MANUAL in the child cell')


# -- bug 4: the metadata_items quota ----------------------------------------

def _metadata_items(tree, limit):
    code, body = rc.request(tree, 'PUT', '/os-quota-sets/project-a',
                            {'quota_set': {'metadata_items': limit}},
                            token=rc.ADMIN)
    assert code == 200, body


def test_metadata_quota_of_the_project_is_enforced(running):
    _metadata_items(running, 2)
    try:
        code, body = rc.boot(running, token=OWNER, name='meta-over',
                             metadata={'a': '1', 'b': '2', 'c': '3'})
        assert code == 403, body
        assert body['forbidden']['message'] == (
            'Maximum number of metadata items exceeds 2')
        code, listed = rc.request(running, 'GET', '/servers?name=meta-over',
                                  token=OWNER)
        assert listed['servers'] == []

        server_id = _boot(running, name='meta', metadata={'a': '1'})['id']
        _active(running, server_id)
        url = '/servers/%s/metadata' % server_id
        # Merged with the item it has, or replacing it: three items.
        for method, body in (
                ('POST', {'metadata': {'b': '2', 'c': '3'}}),
                ('PUT', {'metadata': {'x': '1', 'y': '2', 'z': '3'}})):
            code, answer = rc.request(running, method, url, body,
                                      token=OWNER)
            assert code == 403, (method, answer)
        # A second item fits; a third does not.
        code, answer = rc.request(running, 'PUT', url + '/b',
                                  {'meta': {'b': '2'}}, token=OWNER)
        assert code == 200, answer
        code, answer = rc.request(running, 'PUT', url + '/c',
                                  {'meta': {'c': '3'}}, token=OWNER)
        assert code == 403, answer
        code, shown = rc.request(running, 'GET', url, token=OWNER)
        assert shown['metadata'] == {'a': '1', 'b': '2'}
        wait_for(lambda: _child_metadata(running, server_id)
                 == {'a': '1', 'b': '2'}, 10, what='metadata in the child')
    finally:
        rc.request(running, 'DELETE', '/os-quota-sets/project-a',
                   token=rc.ADMIN)


def _child_metadata(tree, server_id):
    return _child_row(tree, server_id)['metadata']


# -- personality: the injection quotas (before 2.57) ------------------------

def _files(count, size=4, path='/f%d'):
    return [{'path': path % i,
             'contents': base64.b64encode(b'x' * size).decode()}
            for i in range(count)]


@pytest.mark.parametrize('quota, personality, message', [
    ({'injected_files': 2}, _files(3), 'Personality file limit exceeded'),
    ({'injected_file_content_bytes': 8}, _files(1, size=9),
     'Personality file content exceeds maximum 8'),
    ({'injected_file_path_bytes': 5}, _files(1, path='/long-%d'),
     'Personality file path exceeds maximum 5'),
])
def test_personality_over_the_injection_quotas_is_403(running, quota,
                                                      personality, message):
    code, body = rc.request(running, 'PUT', '/os-quota-sets/project-a',
                            {'quota_set': quota}, token=rc.ADMIN)
    assert code == 200, body
    try:
        code, body = rc.boot(running, token=OWNER, name='personality-over',
                             personality=personality)
        assert (code, body['forbidden']['message']) == (403, message)
        code, listed = rc.request(
            running, 'GET', '/servers?name=personality-over', token=OWNER)
        assert listed['servers'] == []
        # Within the limits, on create and on rebuild.
        fitting = _files(1, size=1, path='/%d')
        server_id = _boot(running, name='personality',
                          personality=fitting)['id']
        _active(running, server_id)
        code, body = rc.request(
            running, 'POST', '/servers/%s/action' % server_id,
            {'rebuild': {'imageRef': rc.IMAGE, 'personality': personality}},
            token=OWNER)
        assert (code, body['forbidden']['message']) == (403, message)
        assert _server(running, server_id)['status'] == 'ACTIVE'
        code, body = rc.request(
            running, 'POST', '/servers/%s/action' % server_id,
            {'rebuild': {'imageRef': rc.IMAGE, 'personality': fitting}},
            token=OWNER)
        assert code == 202, body
        _active(running, server_id)
        code, body = rc.request(running, 'DELETE', '/servers/%s' % server_id,
                                token=OWNER)
        assert code == 204, body
    finally:
        rc.request(running, 'DELETE', '/os-quota-sets/project-a',
                   token=rc.ADMIN)


# -- bug 5: private flavors -------------------------------------------------

def test_private_flavor_boots_only_with_access(running):
    api = running.compute_api('api')
    api.flavor_create(ADMIN, {
        'name': 'conformance.private', 'flavorid': 'conf-private',
        'memory_mb': 512, 'vcpus': 1, 'root_gb': 1, 'is_public': False})
    code, body = rc.boot(running, token=OWNER, name='private',
                         flavor='conf-private')
    assert code == 400, body
    assert body['badRequest']['message'] == 'Invalid flavorRef provided.'
    code, listed = rc.request(running, 'GET', '/servers?name=private',
                              token=OWNER)
    assert listed['servers'] == []

    code, body = rc.boot(running, token=rc.ADMIN, name='private-admin',
                         flavor='conf-private')
    assert code == 202, body

    api.flavor_access_add(ADMIN, 'conf-private', 'project-a')
    server_id = _boot(running, name='private', flavor='conf-private')['id']
    assert _active(running, server_id)['flavor']['id'] == 'conf-private'


# -- bug 6: networks and security groups ------------------------------------

@pytest.mark.parametrize('server, message', [
    ({'networks': [{'uuid': 'a-b-c-d-e-f-g-h-i-j'}]},
     'Bad networks format: network uuid is not in proper format '
     '(a-b-c-d-e-f-g-h-i-j)'),
    ({'security_groups': [{'name': 'nonexistent'}]},
     'Security group nonexistent not found for project project-a.'),
])
def test_bad_networks_and_groups_are_400_and_build_nothing(running, server,
                                                           message):
    code, body = rc.boot(running, token=OWNER, name='refused', **server)
    assert (code, body) == (400, {'badRequest': {'code': 400,
                                                 'message': message}})
    code, listed = rc.request(running, 'GET', '/servers?name=refused',
                              token=OWNER)
    assert listed['servers'] == []


# -- bug 7: os-getConsoleOutput ---------------------------------------------

def _console(tree, server_id, args, expected=200):
    code, body = rc.request(tree, 'POST', '/servers/%s/action' % server_id,
                            {'os-getConsoleOutput': args}, token=OWNER)
    assert code == expected, body
    return body


def test_console_output_tails_the_lines_asked_for(running):
    server_id = _boot(running, name='console')['id']
    _active(running, server_id)
    full = _console(running, server_id, {})['output']
    lines = full.splitlines()
    assert len(lines) > 3
    for length in (3, '3'):
        output = _console(running, server_id, {'length': length})['output']
        assert output.split('\n') == lines[-3:]
    for length in (-1, None):
        assert _console(running, server_id,
                        {'length': length})['output'] == full
    for length in (-2, '-2', 'x'):
        body = _console(running, server_id, {'length': length}, 400)
        assert body['badRequest']['message'].startswith(
            'Invalid input for field/attribute length.')


# -- the image boot disk as the openstack CLI sends it ----------------------

def _image_disk(uuid=rc.IMAGE, **changes):
    return [dict({'uuid': uuid, 'boot_index': 0, 'source_type': 'image',
                  'destination_type': 'local',
                  'delete_on_termination': True}, **changes)]


def test_an_image_boot_disk_mapping_boots_from_that_image(running):
    # What python-openstackclient sends for --image: the image both as
    # imageRef and as the boot block device.
    server = _boot(running, name='bdm',
                   block_device_mapping_v2=_image_disk())
    assert _active(running, server['id'])['image']['id'] == rc.IMAGE
    # Without imageRef, the boot disk names the image.
    code, body = rc.request(running, 'POST', '/servers', {'server': {
        'name': 'bdm-only', 'flavorRef': '1',
        'block_device_mapping_v2': _image_disk()}}, token=OWNER)
    assert code == 202, body


@pytest.mark.parametrize('mapping', [
    _image_disk(destination_type='volume'),
    _image_disk(source_type='volume'),
    _image_disk(boot_index=1),
    _image_disk(uuid='0b3c7e6e-2c65-4c59-9e3a-0b8fd6d6b0a1'),
])
def test_other_block_device_mappings_are_a_400(running, mapping):
    before = len(running.db('api').instance_get_all_by_filters(ADMIN, {}))
    code, body = rc.boot(running, name='bdm-bad', token=OWNER,
                         block_device_mapping_v2=mapping)
    assert code == 400, body
    assert len(running.db('api').instance_get_all_by_filters(
        ADMIN, {})) == before


def test_a_long_form_ipv6_access_address_is_kept_short(running):
    # tempest's address: 41 characters long, 16 when compressed.
    server = _boot(running, name='v6',
                   accessIPv6='0000:0000:0000:0000:0000:babe:220.12.22.2')
    assert _active(running, server['id'])['accessIPv6'] == \
        '::babe:dc0c:1602'
    shown = _update(running, server['id'],
                    accessIPv6='2001:0db8:0000:0000:0000:0000:0000:0001')
    assert shown['accessIPv6'] == '2001:db8::1'
