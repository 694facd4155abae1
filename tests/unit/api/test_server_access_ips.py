"""accessIPv4 and accessIPv6: kept on create and update, and shown."""

from __future__ import annotations

from nova import ownership
from nova.objects import instance as instance_obj

IMAGE = '155d900f-4e14-4e4c-a73d-069cbf4541e6'


def test_create_keeps_both_access_addresses(call, compute):
    resp = call('POST', '/v2.1/servers', {'server': {
        'name': 'vm1', 'imageRef': IMAGE, 'flavorRef': '1',
        'accessIPv4': '192.0.2.7', 'accessIPv6': '2001:db8::7'}})
    assert resp.status_int == 202, resp.body
    kwargs = compute.last_call('create')
    assert kwargs['access_ip_v4'] == '192.0.2.7'
    assert kwargs['access_ip_v6'] == '2001:db8::7'
    server = call('GET', '/v2.1/servers/' + resp.json['server']['id']
                  ).json['server']
    assert server['accessIPv4'] == '192.0.2.7'
    assert server['accessIPv6'] == '2001:db8::7'


def test_update_changes_both_access_addresses(call, compute):
    inst = compute.add_instance()
    resp = call('PUT', f'/v2.1/servers/{inst.uuid}', {'server': {
        'accessIPv4': '192.0.2.8', 'accessIPv6': '2001:db8::8'}})
    assert resp.status_int == 200, resp.body
    assert compute.last_call('update_instance')['updates'] == {
        'access_ip_v4': '192.0.2.8', 'access_ip_v6': '2001:db8::8'}
    assert resp.json['server']['accessIPv6'] == '2001:db8::8'
    server = call('GET', f'/v2.1/servers/{inst.uuid}').json['server']
    assert (server['accessIPv4'], server['accessIPv6']) == (
        '192.0.2.8', '2001:db8::8')
    listed = call('GET', '/v2.1/servers/detail').json['servers'][0]
    assert listed['accessIPv6'] == '2001:db8::8'


def test_update_refuses_an_ipv4_address_as_ipv6(call, compute):
    inst = compute.add_instance()
    resp = call('PUT', f'/v2.1/servers/{inst.uuid}',
                {'server': {'accessIPv6': '192.0.2.8'}})
    assert resp.status_int == 400
    assert 'accessIPv6' in resp.json['badRequest']['message']
    assert not [c for c in compute.calls if c[0] == 'update_instance']


def test_access_addresses_are_owned_by_the_api_cell():
    # What the user sets at the API travels down, never up.
    for name in ('access_ip_v4', 'access_ip_v6'):
        assert name in ownership.API_OWNED_FIELDS
        assert name not in ownership.CHILD_OWNED_FIELDS


def test_an_older_instance_version_drops_access_ip_v6():
    inst = instance_obj.Instance(uuid='a5b5f8e4-3f0a-4f57-9d43-1e1a1b3b0d11',
                                 access_ip_v6='2001:db8::1')
    primitive = inst.obj_to_primitive(target_version='1.1')
    assert 'access_ip_v6' not in primitive['nova_object.data']
