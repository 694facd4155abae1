"""Server actions with arguments: reboot, rebuild, resize, createImage,
rescue, os-getConsoleOutput; and PUT /servers/{id} (rename)."""

from __future__ import annotations

import pytest

from nova.compute import vm_states
from nova.tests.unit.api import fakes
from nova.tests.unit.api.conftest import OTHER

IMAGE = fakes.IMAGE


def _action(call, inst, body, **kwargs):
    return call('POST', f'/v2.1/servers/{inst.uuid}/action', body, **kwargs)


def _bad_request(resp):
    assert resp.status_int == 400, resp.body
    return resp.json['badRequest']['message']


# -- reboot ------------------------------------------------------------------


@pytest.mark.parametrize('given, sent', [('SOFT', 'SOFT'), ('hard', 'HARD'),
                                         ('Soft', 'SOFT')])
def test_reboot(call, compute, given, sent):
    inst = compute.add_instance()
    resp = _action(call, inst, {'reboot': {'type': given}})
    assert resp.status_int == 202
    assert resp.body == b''
    assert compute.last_call('reboot')['reboot_type'] == sent


@pytest.mark.parametrize('body, field', [
    ({'reboot': {'type': 'GENTLE'}}, 'type'),
    ({'reboot': {}}, 'reboot'),
    ({'reboot': {'type': 'SOFT', 'force': True}}, 'reboot'),
    ({'reboot': None}, 'reboot'),
])
def test_reboot_schema(call, compute, body, field):
    inst = compute.add_instance()
    message = _bad_request(_action(call, inst, body))
    assert message.startswith(f'Invalid input for field/attribute {field}.')


def test_soft_reboot_of_stopped_server_is_409(call, compute):
    inst = compute.add_instance(vm_state=vm_states.STOPPED)
    resp = _action(call, inst, {'reboot': {'type': 'SOFT'}})
    assert resp.status_int == 409
    assert resp.json['conflictingRequest']['message'] == (
        f"Cannot 'reboot' instance {inst.uuid} while it is in vm_state "
        "stopped")
    assert _action(call, inst,
                   {'reboot': {'type': 'HARD'}}).status_int == 202


def test_reboot_other_project_is_404(call, compute):
    inst = compute.add_instance(project_id='proj2')
    assert _action(call, inst,
                   {'reboot': {'type': 'SOFT'}}).status_int == 404


# -- rebuild -----------------------------------------------------------------


def test_rebuild(call, compute):
    inst = compute.add_instance(name='old', metadata={'a': '1'})
    image = compute.add_image(name='fedora')
    resp = _action(call, inst, {'rebuild': {
        'imageRef': image['id'], 'name': 'new', 'adminPass': 'pw',
        'metadata': {'b': '2'}}})
    assert resp.status_int == 202
    server = resp.json['server']
    assert server['adminPass'] == 'pw'
    assert server['name'] == 'new'
    assert server['metadata'] == {'b': '2'}
    assert server['image']['id'] == image['id']
    assert server['status'] == 'ACTIVE'
    assert resp.headers['Location'] == \
        f'http://localhost/v2.1/servers/{inst.uuid}'
    # The 2.1 rebuild view has no extended attributes.
    assert 'OS-EXT-STS:vm_state' not in server
    assert 'key_name' not in server
    kwargs = compute.last_call('rebuild')
    assert kwargs['admin_password'] == 'pw'


def test_rebuild_generates_password(call, compute):
    inst = compute.add_instance()
    resp = _action(call, inst, {'rebuild': {'imageRef': IMAGE}})
    password = resp.json['server']['adminPass']
    assert len(password) == 12
    assert compute.last_call('rebuild')['admin_password'] == password
    assert compute.last_call('rebuild')['name'] is None


def test_rebuild_unknown_image_is_400(call, compute):
    inst = compute.add_instance()
    resp = _action(call, inst, {'rebuild': {
        'imageRef': '11111111-2222-3333-4444-555555555555'}})
    assert _bad_request(resp) == 'Cannot find image for rebuild'


@pytest.mark.parametrize('args, field', [
    ({}, 'rebuild'),
    ({'imageRef': 'not-a-uuid'}, 'imageRef'),
    ({'imageRef': IMAGE, 'name': ' padded '}, 'name'),
    ({'imageRef': IMAGE, 'metadata': {'k': 1}}, 'k'),
    ({'imageRef': IMAGE, 'flavorRef': '1'}, 'rebuild'),
])
def test_rebuild_schema(call, compute, args, field):
    inst = compute.add_instance()
    message = _bad_request(_action(call, inst, {'rebuild': args}))
    assert message.startswith(f'Invalid input for field/attribute {field}.')


# -- resize ------------------------------------------------------------------


def test_resize_then_confirm(call, compute):
    inst = compute.add_instance()
    resp = _action(call, inst, {'resize': {'flavorRef': '2'}})
    assert resp.status_int == 202
    assert compute.last_call('resize')['flavor_id'] == '2'
    server = call('GET', f'/v2.1/servers/{inst.uuid}').json['server']
    assert server['status'] == 'VERIFY_RESIZE'
    assert server['flavor']['id'] == '2'
    resp = _action(call, inst, {'confirmResize': None})
    assert resp.status_int == 204
    assert inst.vm_state == vm_states.ACTIVE
    assert inst.flavor.flavorid == '2'


def test_resize_then_revert(call, compute):
    inst = compute.add_instance()
    _action(call, inst, {'resize': {'flavorRef': 3}})
    assert _action(call, inst, {'revertResize': None}).status_int == 202
    assert inst.flavor.flavorid == '1'


def test_resize_takes_a_link(call, compute):
    inst = compute.add_instance()
    _action(call, inst,
            {'resize': {'flavorRef': 'http://localhost/flavors/2'}})
    assert compute.last_call('resize')['flavor_id'] == '2'


def test_resize_to_same_flavor_is_400(call, compute):
    inst = compute.add_instance()
    resp = _action(call, inst, {'resize': {'flavorRef': '1'}})
    assert _bad_request(resp) == \
        'When resizing, instances must change flavor!'


def test_resize_to_unknown_flavor_is_400(call, compute):
    inst = compute.add_instance()
    resp = _action(call, inst, {'resize': {'flavorRef': '99'}})
    assert _bad_request(resp) == 'Flavor 99 could not be found.'


def test_resize_schema(call, compute):
    inst = compute.add_instance()
    message = _bad_request(_action(call, inst, {'resize': {}}))
    assert message.startswith('Invalid input for field/attribute resize.')
    assert "'flavorRef' is a required property" in message
    message = _bad_request(_action(call, inst,
                                   {'resize': {'flavorRef': ''}}))
    assert message.startswith('Invalid input for field/attribute flavorRef')


def test_confirm_without_resize_is_409(call, compute):
    inst = compute.add_instance()
    resp = _action(call, inst, {'confirmResize': None})
    assert resp.status_int == 409
    assert resp.json['conflictingRequest']['message'] == (
        f"Cannot 'confirmResize' instance {inst.uuid} while it is in "
        "vm_state active")


# -- createImage -------------------------------------------------------------


def test_create_image(call, compute):
    inst = compute.add_instance()
    resp = _action(call, inst, {'createImage': {
        'name': 'snap', 'metadata': {'purpose': 'backup'}}})
    assert resp.status_int == 202
    assert resp.body == b''
    image_id = resp.headers['Location'].rsplit('/', 1)[1]
    assert resp.headers['Location'] == \
        f'http://localhost/v2.1/images/{image_id}'
    image = compute.images[image_id]
    assert image['name'] == 'snap'
    assert image['properties']['purpose'] == 'backup'
    assert image['properties']['instance_uuid'] == inst.uuid
    shown = call('GET', f'/v2.1/images/{image_id}').json['image']
    assert shown['server']['id'] == inst.uuid


@pytest.mark.parametrize('args, field', [
    ({}, 'createImage'),
    ({'name': ''}, 'name'),
    ({'name': 'x', 'metadata': 'no'}, 'metadata'),
])
def test_create_image_schema(call, compute, args, field):
    inst = compute.add_instance()
    message = _bad_request(_action(call, inst, {'createImage': args}))
    assert message.startswith(f'Invalid input for field/attribute {field}.')


def test_create_image_of_building_server_is_409(call, compute):
    inst = compute.add_instance(vm_state=vm_states.BUILDING)
    resp = _action(call, inst, {'createImage': {'name': 'snap'}})
    assert resp.status_int == 409
    assert "Cannot 'createImage'" in \
        resp.json['conflictingRequest']['message']


# -- rescue ------------------------------------------------------------------


def test_rescue(call, compute):
    inst = compute.add_instance()
    resp = _action(call, inst, {'rescue': {'adminPass': 'secret'}})
    assert resp.status_int == 200
    assert resp.json == {'adminPass': 'secret'}
    assert inst.vm_state == vm_states.RESCUED
    assert call('GET', f'/v2.1/servers/{inst.uuid}').json['server'][
        'status'] == 'RESCUE'


def test_rescue_without_arguments(call, compute):
    inst = compute.add_instance()
    resp = _action(call, inst, {'rescue': None})
    assert resp.status_int == 200
    assert len(resp.json['adminPass']) == 12
    assert compute.last_call('rescue')['rescue_image_ref'] is None


def test_rescue_with_image(call, compute):
    inst = compute.add_instance()
    _action(call, inst, {'rescue': {'rescue_image_ref': IMAGE}})
    assert compute.last_call('rescue')['rescue_image_ref'] == IMAGE


def test_rescue_schema(call, compute):
    inst = compute.add_instance()
    message = _bad_request(_action(
        call, inst, {'rescue': {'rescue_image_ref': 'x'}}))
    assert message.startswith(
        'Invalid input for field/attribute rescue_image_ref.')


def test_rescue_twice_is_409(call, compute):
    inst = compute.add_instance(vm_state=vm_states.RESCUED)
    assert _action(call, inst, {'rescue': None}).status_int == 409


# -- console output ----------------------------------------------------------


@pytest.mark.parametrize('length, expected', [
    ('absent', 10), (None, 10), (3, 3), ('2', 2), (-1, 10), ('-1', 10),
    (0, 0)])
def test_console_output(call, compute, length, expected):
    inst = compute.add_instance()
    args = {} if length == 'absent' else {'length': length}
    resp = _action(call, inst, {'os-getConsoleOutput': args})
    assert resp.status_int == 200
    output = resp.json['output']
    lines = output.split('\n') if output else []
    assert len(lines) == expected
    if expected:
        assert lines[-1] == 'line 10'


def test_console_output_strips_control_characters(call, compute):
    inst = compute.add_instance()
    compute.console_log = 'a\x1b[0mb\tc\nd\x00'
    resp = _action(call, inst, {'os-getConsoleOutput': {}})
    assert resp.json == {'output': 'a[0mb\tc\nd'}


@pytest.mark.parametrize('length', ['x', -2, '-5', 1.5, '', '3a'])
def test_console_output_bad_length_is_400(call, compute, length):
    inst = compute.add_instance()
    message = _bad_request(_action(
        call, inst, {'os-getConsoleOutput': {'length': length}}))
    assert message.startswith('Invalid input for field/attribute length.')


# -- rename ------------------------------------------------------------------


def test_rename(call, compute):
    inst = compute.add_instance(name='old')
    resp = call('PUT', f'/v2.1/servers/{inst.uuid}',
                {'server': {'name': 'new'}})
    assert resp.status_int == 200
    server = resp.json['server']
    assert server['name'] == 'new'
    assert inst.display_name == 'new'
    assert set(server) == {
        'id', 'name', 'status', 'tenant_id', 'user_id', 'metadata',
        'hostId', 'image', 'flavor', 'created', 'updated', 'addresses',
        'accessIPv4', 'accessIPv6', 'links', 'OS-DCF:diskConfig',
        'progress'}
    assert compute.last_call('update_instance')['updates'] == \
        {'display_name': 'new'}


def test_rename_shows_plain_addresses(call, compute):
    inst = compute.add_instance(network_info=[{
        'label': 'private', 'address': '10.0.0.3', 'version': '4',
        'mac': 'fa:16:3e:00:00:01', 'type': 'fixed'}])
    server = call('PUT', f'/v2.1/servers/{inst.uuid}',
                  {'server': {'accessIPv4': '1.2.3.4'}}).json['server']
    assert server['addresses'] == {'private': [{'version': 4,
                                                'addr': '10.0.0.3'}]}
    assert server['accessIPv4'] == '1.2.3.4'


@pytest.mark.parametrize('body, field', [
    ({'server': {'name': ''}}, 'name'),
    ({'server': {'hostId': 'x'}}, 'server'),
    ({'server': {'accessIPv4': 'nope'}}, 'accessIPv4'),
])
def test_rename_schema(call, compute, body, field):
    inst = compute.add_instance()
    message = _bad_request(call('PUT', f'/v2.1/servers/{inst.uuid}', body))
    assert message.startswith(f'Invalid input for field/attribute {field}.')


def test_rename_without_server_is_400(call, compute):
    inst = compute.add_instance()
    message = _bad_request(call('PUT', f'/v2.1/servers/{inst.uuid}',
                                {'name': 'x'}))
    assert "'server' is a required property" in message


def test_rename_other_project_is_404(call, compute):
    inst = compute.add_instance()
    resp = call('PUT', f'/v2.1/servers/{inst.uuid}',
                {'server': {'name': 'x'}}, token=OTHER)
    assert resp.status_int == 404
    assert inst.display_name == 'vm'
