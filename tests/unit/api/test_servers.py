"""GET and DELETE on /servers: views, isolation, filters and paging."""

from __future__ import annotations

import datetime
import hashlib

import pytest

from nova import objects
from nova.api.views import servers as server_views
from nova.compute import task_states
from nova.compute import vm_states
from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import OTHER

NETWORK_INFO = [{'label': 'private', 'address': '10.0.0.3', 'version': '4',
                 'mac': 'fa:16:3e:00:00:01', 'type': 'fixed'}]


def test_show_detail_view(call, compute):
    inst = compute.add_instance(
        name='web', metadata={'a': 'b'}, network_info=NETWORK_INFO,
        key_name='k1', access_ip_v4='1.2.3.4', progress=40,
        launched_at=datetime.datetime(2024, 1, 31, 12, 5, 0, 123456,
                                      tzinfo=datetime.UTC))
    resp = call('GET', f'/v2.1/servers/{inst.uuid}')
    assert resp.status_int == 200
    server = resp.json['server']
    assert server['id'] == inst.uuid
    assert server['name'] == 'web'
    assert server['status'] == 'ACTIVE'
    assert server['tenant_id'] == 'proj1'
    assert server['user_id'] == 'alice'
    assert server['metadata'] == {'a': 'b'}
    assert server['hostId'] == hashlib.sha224(b'proj1host1').hexdigest()
    assert server['image'] == {
        'id': inst.image_ref,
        'links': [{'rel': 'bookmark',
                   'href': f'http://localhost/images/{inst.image_ref}'}]}
    assert server['flavor'] == {
        'id': '1', 'links': [{'rel': 'bookmark',
                              'href': 'http://localhost/flavors/1'}]}
    assert server['created'] == '2024-01-31T12:00:01Z'
    assert server['updated'] == '2024-01-31T12:00:01Z'
    assert server['addresses'] == {'private': [{
        'version': 4, 'addr': '10.0.0.3', 'OS-EXT-IPS:type': 'fixed',
        'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:00:01'}]}
    assert server['accessIPv4'] == '1.2.3.4'
    assert server['accessIPv6'] == ''
    assert server['links'][0]['href'] == \
        f'http://localhost/v2.1/servers/{inst.uuid}'
    assert server['key_name'] == 'k1'
    assert server['config_drive'] == ''
    assert server['progress'] == 40
    assert server['OS-DCF:diskConfig'] == 'MANUAL'
    assert server['OS-EXT-AZ:availability_zone'] == 'nova'
    assert server['OS-EXT-STS:vm_state'] == 'active'
    assert server['OS-EXT-STS:task_state'] is None
    assert server['OS-EXT-STS:power_state'] == 1
    assert server['OS-SRV-USG:launched_at'] == '2024-01-31T12:05:00.123456'
    assert server['OS-SRV-USG:terminated_at'] is None
    assert server['security_groups'] == [{'name': 'default'}]
    assert server['os-extended-volumes:volumes_attached'] == []
    assert 'fault' not in server
    assert not [k for k in server if k.startswith('OS-EXT-SRV-ATTR')]


def test_a_server_never_updated_shows_its_creation_time_as_updated(
        call, compute):
    inst = compute.add_instance(vm_state=vm_states.BUILDING,
                                task_state=task_states.SCHEDULING,
                                updated_at=None)
    shown = call('GET', f'/v2.1/servers/{inst.uuid}').json['server']
    listed = call('GET', '/v2.1/servers/detail').json['servers'][0]
    for server in (shown, listed):
        assert server['status'] == 'BUILD'
        assert server['updated'] == server['created'] == \
            '2024-01-31T12:00:01Z'


def test_admin_sees_host_attributes(call, compute):
    inst = compute.add_instance()
    server = call('GET', f'/v2.1/servers/{inst.uuid}',
                  token=ADMIN).json['server']
    assert server['OS-EXT-SRV-ATTR:host'] == 'host1'
    assert server['OS-EXT-SRV-ATTR:hypervisor_hostname'] == 'node1'
    assert server['OS-EXT-SRV-ATTR:instance_name'] == f'instance-{inst.id:08x}'


def _fault(code, details='Traceback...'):
    return objects.InstanceFault(
        instance_uuid='00000000-0000-0000-0000-000000000000', code=code,
        message='No valid host was found.', details=details, host=None,
        created_at=datetime.datetime(2024, 2, 1, 8, 0, 0,
                                     tzinfo=datetime.UTC))


def test_fault_shown_for_error_status(call, compute):
    inst = compute.add_instance(vm_state=vm_states.ERROR, fault=_fault(500))
    server = call('GET', f'/v2.1/servers/{inst.uuid}').json['server']
    assert server['status'] == 'ERROR'
    # A 500's details are for operators.
    assert server['fault'] == {'code': 500, 'created': '2024-02-01T08:00:00Z',
                               'message': 'No valid host was found.'}
    assert 'progress' not in server
    admin_view = call('GET', f'/v2.1/servers/{inst.uuid}',
                      token=ADMIN).json['server']
    assert admin_view['fault']['details'] == 'Traceback...'


def test_fault_details_of_client_errors_are_shown(call, compute):
    inst = compute.add_instance(vm_state=vm_states.ERROR,
                                fault=_fault(400, 'bad image'))
    server = call('GET', f'/v2.1/servers/{inst.uuid}').json['server']
    assert server['fault']['details'] == 'bad image'


def test_fault_hidden_when_not_in_error(call, compute):
    inst = compute.add_instance(fault=_fault(500))
    assert 'fault' not in call(
        'GET', f'/v2.1/servers/{inst.uuid}').json['server']


@pytest.mark.parametrize('vm_state, task_state, status', [
    (vm_states.BUILDING, task_states.SCHEDULING, 'BUILD'),
    (vm_states.ACTIVE, None, 'ACTIVE'),
    (vm_states.ACTIVE, task_states.REBOOTING, 'REBOOT'),
    (vm_states.ACTIVE, task_states.REBOOTING_HARD, 'HARD_REBOOT'),
    (vm_states.ACTIVE, task_states.REBUILDING, 'REBUILD'),
    (vm_states.ACTIVE, task_states.RESIZE_PREP, 'RESIZE'),
    (vm_states.ACTIVE, task_states.DELETING, 'ACTIVE'),
    (vm_states.ACTIVE, 'migrating', 'MIGRATING'),
    (vm_states.STOPPED, None, 'SHUTOFF'),
    (vm_states.STOPPED, task_states.RESIZE_MIGRATING, 'RESIZE'),
    (vm_states.RESIZED, None, 'VERIFY_RESIZE'),
    (vm_states.RESIZED, task_states.RESIZE_REVERTING, 'REVERT_RESIZE'),
    (vm_states.PAUSED, None, 'PAUSED'),
    (vm_states.SUSPENDED, None, 'SUSPENDED'),
    (vm_states.RESCUED, None, 'RESCUE'),
    (vm_states.ERROR, None, 'ERROR'),
    (vm_states.ERROR, task_states.REBUILD_SPAWNING, 'REBUILD'),
    (vm_states.DELETED, None, 'DELETED'),
    (vm_states.SOFT_DELETED, None, 'SOFT_DELETED'),
    (vm_states.SHELVED, None, 'SHELVED'),
    (vm_states.SHELVED_OFFLOADED, None, 'SHELVED_OFFLOADED'),
    ('bogus', None, 'UNKNOWN'),
])
def test_status_mapping(call, compute, vm_state, task_state, status):
    inst = compute.add_instance(vm_state=vm_state, task_state=task_state)
    server = call('GET', f'/v2.1/servers/{inst.uuid}').json['server']
    assert server['status'] == status


def test_show_unknown_server_is_404(call):
    resp = call('GET', '/v2.1/servers/nope')
    assert resp.status_int == 404
    assert resp.json == {'itemNotFound': {
        'code': 404, 'message': 'Instance nope could not be found.'}}


def test_other_projects_server_is_404(call, compute):
    inst = compute.add_instance(project_id='proj1')
    assert call('GET', f'/v2.1/servers/{inst.uuid}',
                token=OTHER).status_int == 404
    assert call('DELETE', f'/v2.1/servers/{inst.uuid}',
                token=OTHER).status_int == 404
    assert inst.uuid in compute.instances
    assert call('GET', f'/v2.1/servers/{inst.uuid}',
                token=ADMIN).status_int == 200


def test_delete(call, compute):
    inst = compute.add_instance()
    resp = call('DELETE', f'/v2.1/servers/{inst.uuid}')
    assert resp.status_int == 204
    assert resp.body == b''
    assert inst.uuid not in compute.instances
    assert call('DELETE', f'/v2.1/servers/{inst.uuid}').status_int == 404


def test_admin_deletes_any_server(call, compute):
    inst = compute.add_instance(project_id='proj2')
    assert call('DELETE', f'/v2.1/servers/{inst.uuid}',
                token=ADMIN).status_int == 204


def test_delete_conflict_is_409(call, compute):
    inst = compute.add_instance(locked=True)
    resp = call('DELETE', f'/v2.1/servers/{inst.uuid}')
    assert resp.status_int == 409
    assert resp.json['conflictingRequest']['message'] == (
        f'Cannot delete instance {inst.uuid} while it is in locked True.')


# -- listing -----------------------------------------------------------------


def _populate(compute, count=5):
    return [compute.add_instance(name=f'vm{i}') for i in range(count)]


def test_index_lists_own_servers_only(call, compute):
    mine = _populate(compute, 2)
    compute.add_instance(project_id='proj2', name='theirs')
    resp = call('GET', '/v2.1/servers')
    assert resp.status_int == 200
    servers = resp.json['servers']
    assert [s['id'] for s in servers] == [i.uuid for i in reversed(mine)]
    assert set(servers[0]) == {'id', 'name', 'links'}
    assert 'servers_links' not in resp.json
    opts = compute.last_call('get_all')['search_opts']
    assert opts == {'project_id': 'proj1', 'deleted': False}


def test_detail_lists_full_views(call, compute):
    _populate(compute, 2)
    servers = call('GET', '/v2.1/servers/detail').json['servers']
    assert len(servers) == 2
    assert servers[0]['status'] == 'ACTIVE'
    assert 'OS-EXT-STS:vm_state' in servers[0]


@pytest.mark.parametrize('cache_size', [0, 100])
def test_paging_with_limit_and_marker(conf, compute, cache_size):
    # With rendered views kept between requests, and without.
    conf.set_override('rendered_server_cache_size', cache_size, group='api')
    from nova.api import wsgi_app
    from nova.tests.unit.api.conftest import request
    app = wsgi_app.load_app(conf, compute)

    def call(method, path):
        return request(app, method, path)

    instances = list(reversed(_populate(compute, 5)))
    resp = call('GET', '/v2.1/servers/detail?limit=2')
    page = resp.json
    assert [s['id'] for s in page['servers']] == \
        [i.uuid for i in instances[:2]]
    next_href = page['servers_links'][0]['href']
    assert page['servers_links'][0]['rel'] == 'next'
    assert next_href == ('http://localhost/v2.1/servers/detail?limit=2&'
                         f'marker={instances[1].uuid}')
    page2 = call('GET', next_href.replace('http://localhost', '')).json
    assert [s['id'] for s in page2['servers']] == \
        [i.uuid for i in instances[2:4]]
    marker = instances[3].uuid
    last = call('GET', f'/v2.1/servers?limit=2&marker={marker}').json
    assert [s['id'] for s in last['servers']] == [instances[4].uuid]
    assert 'servers_links' not in last
    assert compute.last_call('get_all')['limit'] == 2


def test_limit_is_capped_by_max_limit(conf, compute, call):
    conf.set_override('max_limit', 3, group='api')
    _populate(compute, 5)
    from nova.api import wsgi_app
    from nova.tests.unit.api.conftest import request
    app = wsgi_app.load_app(conf, compute)
    resp = request(app, 'GET', '/v2.1/servers?limit=50')
    assert len(resp.json['servers']) == 3
    assert compute.last_call('get_all')['limit'] == 3
    assert 'limit=50' in resp.json['servers_links'][0]['href']
    resp = request(app, 'GET', '/v2.1/servers')
    assert 'servers_links' in resp.json


def test_limit_zero(call, compute):
    _populate(compute, 2)
    resp = call('GET', '/v2.1/servers?limit=0')
    assert resp.json == {'servers': []}


@pytest.mark.parametrize('query', ['limit=abc', 'limit=-1', 'limit=1.5',
                                   'limit=1&limit=2', 'limit='])
def test_bad_limit_is_400(call, query):
    resp = call('GET', '/v2.1/servers?' + query)
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'].startswith(
        'Invalid input for query parameters limit.')


@pytest.mark.parametrize('path', ['/v2.1/servers', '/v2.1/servers/detail'])
def test_unknown_marker_is_400(call, path):
    resp = call('GET', path + '?marker=missing')
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'] == 'marker [missing] not found'


def test_all_tenants_for_admin(call, compute):
    _populate(compute, 2)
    compute.add_instance(project_id='proj2')
    resp = call('GET', '/v2.1/servers?all_tenants=1', token=ADMIN)
    assert len(resp.json['servers']) == 3
    assert 'project_id' not in compute.last_call('get_all')['search_opts']
    # Without all_tenants an admin lists their own project.
    assert call('GET', '/v2.1/servers', token=ADMIN).json == {'servers': []}


@pytest.mark.parametrize('value', ['', 'true', 'True', '1', 'yes'])
def test_all_tenants_values(call, compute, value):
    compute.add_instance(project_id='proj2')
    resp = call('GET', '/v2.1/servers/detail?all_tenants=' + value,
                token=ADMIN)
    assert len(resp.json['servers']) == 1


def test_all_tenants_false_means_own_project(call, compute):
    compute.add_instance(project_id='proj2')
    resp = call('GET', '/v2.1/servers?all_tenants=0', token=ADMIN)
    assert resp.json == {'servers': []}


def test_all_tenants_bad_value_is_400(call):
    resp = call('GET', '/v2.1/servers?all_tenants=maybe', token=ADMIN)
    assert resp.status_int == 400


def test_all_tenants_forbidden_for_member(call):
    resp = call('GET', '/v2.1/servers?all_tenants=1')
    assert resp.status_int == 403
    assert resp.json['forbidden']['message'] == (
        "Policy doesn't allow os_compute_api:servers:index:get_all_tenants "
        "to be performed.")
    assert call('GET', '/v2.1/servers/detail?all_tenants=1').status_int \
        == 403


def test_admin_tenant_filter_with_all_tenants(call, compute):
    compute.add_instance(project_id='proj2')
    call('GET', '/v2.1/servers?all_tenants=1&tenant_id=proj2', token=ADMIN)
    assert compute.last_call('get_all')['search_opts']['project_id'] == \
        'proj2'


def test_member_cannot_pick_a_project(call, compute):
    compute.add_instance(project_id='proj2')
    resp = call('GET', '/v2.1/servers?project_id=proj2&tenant_id=proj2')
    assert resp.json == {'servers': []}
    assert compute.last_call('get_all')['search_opts']['project_id'] == \
        'proj1'


def test_admin_only_filters(call, compute):
    call('GET', '/v2.1/servers?host=h1&name=web&bogus=1')
    assert compute.last_call('get_all')['search_opts'] == {
        'project_id': 'proj1', 'deleted': False, 'name': 'web'}
    call('GET', '/v2.1/servers?host=h1&deleted=true', token=ADMIN)
    opts = compute.last_call('get_all')['search_opts']
    assert opts['host'] == 'h1'
    assert opts['deleted'] is True


def test_name_filter(call, compute):
    compute.add_instance(name='web-1')
    compute.add_instance(name='db-1')
    servers = call('GET', '/v2.1/servers?name=^web').json['servers']
    assert [s['name'] for s in servers] == ['web-1']


def test_status_filter(call, compute):
    compute.add_instance(name='up')
    compute.add_instance(name='down', vm_state=vm_states.STOPPED)
    servers = call('GET', '/v2.1/servers?status=SHUTOFF').json['servers']
    assert [s['name'] for s in servers] == ['down']
    opts = compute.last_call('get_all')['search_opts']
    assert opts['vm_state'] == ['stopped']
    assert 'task_state' not in opts


def test_status_filter_by_task_state(call, compute):
    call('GET', '/v2.1/servers?status=reboot')
    opts = compute.last_call('get_all')['search_opts']
    assert opts['vm_state'] == ['active']
    assert set(opts['task_state']) == {
        task_states.REBOOTING, task_states.REBOOT_PENDING,
        task_states.REBOOT_STARTED}


def test_unknown_status_lists_nothing(call, compute):
    compute.add_instance()
    before = len(compute.calls)
    assert call('GET', '/v2.1/servers?status=FOO').json == {'servers': []}
    assert len(compute.calls) == before


def test_changes_since(call, compute):
    call('GET', '/v2.1/servers?changes-since=2024-01-31T12:00:00Z')
    opts = compute.last_call('get_all')['search_opts']
    assert opts['changes-since'] == datetime.datetime(
        2024, 1, 31, 12, 0, tzinfo=datetime.UTC)
    # Recently deleted servers must show up.
    assert 'deleted' not in opts
    resp = call('GET', '/v2.1/servers?changes-since=yesterday')
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'] == \
        'Invalid filter field: changes-since.'


def test_image_and_flavor_filters_take_links(call, compute):
    call('GET', '/v2.1/servers?image=http://g/images/abc&flavor=2')
    opts = compute.last_call('get_all')['search_opts']
    assert (opts['image'], opts['flavor']) == ('abc', '2')


def test_security_groups_in_the_view():
    assert server_views.security_groups({}) == [{'name': 'default'}]
    assert server_views.security_groups({'security_groups': ['a', 'b']}) \
        == [{'name': 'a'}, {'name': 'b'}]
    assert server_views.security_groups({'security_groups': []}) == []
