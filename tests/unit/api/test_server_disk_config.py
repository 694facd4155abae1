"""OS-DCF:diskConfig: kept on create, changed by update, rebuild and
resize, and shown."""

from __future__ import annotations

import pytest

from nova.tests.unit.api import fakes

IMAGE = fakes.IMAGE


def _create(call, **server):
    return call('POST', '/v2.1/servers', {'server': dict(
        {'name': 'vm1', 'imageRef': IMAGE, 'flavorRef': '1'}, **server)})


def _shown(call, server_id):
    return call('GET', f'/v2.1/servers/{server_id}').json['server'][
        'OS-DCF:diskConfig']


@pytest.mark.parametrize('given, kept', [('AUTO', True), ('MANUAL', False)])
def test_create_keeps_disk_config(call, compute, given, kept):
    resp = _create(call, **{'OS-DCF:diskConfig': given})
    assert resp.status_int == 202, resp.body
    assert compute.last_call('create')['auto_disk_config'] is kept
    assert resp.json['server']['OS-DCF:diskConfig'] == given
    assert _shown(call, resp.json['server']['id']) == given


def test_create_without_disk_config_leaves_it_to_the_image(call, compute):
    resp = _create(call)
    assert compute.last_call('create')['auto_disk_config'] is None
    assert resp.json['server']['OS-DCF:diskConfig'] == 'MANUAL'


def test_create_with_an_unknown_disk_config_is_400(call, compute):
    resp = _create(call, **{'OS-DCF:diskConfig': 'auto'})
    assert resp.status_int == 400
    assert 'OS-DCF:diskConfig' in resp.json['badRequest']['message']
    assert not compute.instances


def test_update_changes_disk_config(call, compute):
    inst = compute.add_instance()
    assert _shown(call, inst.uuid) == 'MANUAL'
    resp = call('PUT', f'/v2.1/servers/{inst.uuid}',
                {'server': {'OS-DCF:diskConfig': 'AUTO'}})
    assert resp.status_int == 200, resp.body
    assert compute.last_call('update_instance')['updates'] == {
        'auto_disk_config': True}
    assert resp.json['server']['OS-DCF:diskConfig'] == 'AUTO'
    assert _shown(call, inst.uuid) == 'AUTO'
    listed = call('GET', '/v2.1/servers/detail').json['servers'][0]
    assert listed['OS-DCF:diskConfig'] == 'AUTO'
    call('PUT', f'/v2.1/servers/{inst.uuid}',
         {'server': {'OS-DCF:diskConfig': 'MANUAL'}})
    assert _shown(call, inst.uuid) == 'MANUAL'


def test_rebuild_changes_disk_config(call, compute):
    inst = compute.add_instance()
    resp = call('POST', f'/v2.1/servers/{inst.uuid}/action',
                {'rebuild': {'imageRef': IMAGE,
                             'OS-DCF:diskConfig': 'AUTO'}})
    assert resp.status_int == 202, resp.body
    assert compute.last_call('rebuild')['auto_disk_config'] is True
    assert resp.json['server']['OS-DCF:diskConfig'] == 'AUTO'


def test_resize_changes_disk_config(call, compute):
    inst = compute.add_instance(auto_disk_config=True)
    resp = call('POST', f'/v2.1/servers/{inst.uuid}/action',
                {'resize': {'flavorRef': '2',
                            'OS-DCF:diskConfig': 'MANUAL'}})
    assert resp.status_int == 202, resp.body
    assert compute.last_call('resize')['auto_disk_config'] is False
    assert _shown(call, inst.uuid) == 'MANUAL'


def test_resize_without_disk_config_keeps_it(call, compute):
    inst = compute.add_instance(auto_disk_config=True)
    call('POST', f'/v2.1/servers/{inst.uuid}/action',
         {'resize': {'flavorRef': '2'}})
    assert 'auto_disk_config' not in compute.last_call('resize')
    assert _shown(call, inst.uuid) == 'AUTO'
