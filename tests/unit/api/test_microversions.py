"""Each microversion's change, at the version before it and at it.

The fake compute API stands in for the services; what reaches the cells
(tags, description travelling down) is in
tests/functional/test_microversions.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from nova.api import wsgi_app
from nova.tests.unit.api import fakes
from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import at
from nova.tests.unit.api.conftest import request
from nova.tests.unit.api.fakes import IMAGE
from nova.tests.unit.api.microversion_helpers import _action_of
from nova.tests.unit.api.microversion_helpers import _bad
from nova.tests.unit.api.microversion_helpers import _server

# -- key pairs: 2.2, 2.10, 2.35 -------------------------------------------

def test_2_2_keypair_type_and_status_codes(v, compute):
    resp = v('2.1', 'POST', '/os-keypairs', {'keypair': {'name': 'a'}})
    assert resp.status_int == 200 and 'type' not in resp.json['keypair']
    _bad(v('2.1', 'POST', '/os-keypairs',
           {'keypair': {'name': 'b', 'type': 'ssh'}}), 'type')
    resp = v('2.2', 'POST', '/os-keypairs',
             {'keypair': {'name': 'b', 'type': 'ssh'}})
    assert resp.status_int == 201
    assert resp.json['keypair']['type'] == 'ssh'
    assert v('2.2', 'GET', '/os-keypairs/b').json['keypair']['type'] == \
        'ssh'
    assert v('2.1', 'DELETE', '/os-keypairs/a').status_int == 202
    assert v('2.2', 'DELETE', '/os-keypairs/b').status_int == 204
    _bad(v('2.2', 'POST', '/os-keypairs',
           {'keypair': {'name': 'c', 'type': 'rsa'}}), 'type')
    assert compute.keypairs == {}


def test_2_10_admin_names_the_user(v, compute):
    body = {'keypair': {'name': 'k', 'user_id': 'bob'}}
    _bad(v('2.9', 'POST', '/os-keypairs', body, token=ADMIN), 'user_id')
    assert v('2.10', 'POST', '/os-keypairs', body,
             token=ADMIN).status_int == 201
    assert ('bob', 'k') in compute.keypairs
    listed = v('2.10', 'GET', '/os-keypairs?user_id=bob', token=ADMIN)
    assert [k['keypair']['name'] for k in listed.json['keypairs']] == ['k']
    # A member may not act for another user.
    assert v('2.10', 'GET', '/os-keypairs?user_id=bob').status_int == 403
    assert v('2.10', 'POST', '/os-keypairs',
             {'keypair': {'name': 'x', 'user_id': 'bob'}}).status_int == 403
    assert ('bob', 'x') not in compute.keypairs


def test_2_35_keypairs_are_paged_by_name(v):
    for name in ('c', 'a', 'b'):
        v('2.35', 'POST', '/os-keypairs', {'keypair': {'name': name}})
    page = v('2.35', 'GET', '/os-keypairs?limit=2').json
    assert [k['keypair']['name'] for k in page['keypairs']] == ['a', 'b']
    assert 'marker=b' in page['keypairs_links'][0]['href']
    rest = v('2.35', 'GET', '/os-keypairs?limit=2&marker=b').json
    assert [k['keypair']['name'] for k in rest['keypairs']] == ['c']
    _bad(v('2.35', 'GET', '/os-keypairs?marker=zz'), 'marker')
    # Before 2.35 the whole list, unpaged.
    assert len(v('2.34', 'GET', '/os-keypairs?limit=1').json[
        'keypairs']) == 3


# -- the server view ------------------------------------------------------

def test_2_3_more_host_attributes(app, compute):
    compute.add_instance(reservation_id='r-1', launch_index=0,
                         hostname='vm', user_data='aGk=')
    before = _server(app, '2.2', ADMIN)
    assert 'OS-EXT-SRV-ATTR:reservation_id' not in before
    after = _server(app, '2.3', ADMIN)
    assert after['OS-EXT-SRV-ATTR:reservation_id'] == 'r-1'
    assert after['OS-EXT-SRV-ATTR:hostname'] == 'vm'
    assert after['OS-EXT-SRV-ATTR:user_data'] == 'aGk='
    assert after['OS-EXT-SRV-ATTR:root_device_name'] is None
    # Members see none of them.
    assert 'OS-EXT-SRV-ATTR:hostname' not in _server(app, '2.3')


@pytest.mark.parametrize('version,key', [
    ('2.9', 'locked'), ('2.19', 'description'), ('2.26', 'tags'),
    ('2.63', 'trusted_image_certificates'), ('2.73', 'locked_reason')])
def test_fields_appear_at_their_version(app, compute, version, key):
    compute.add_instance(locked=True, display_description='d',
                         tags=['t'], system_metadata={
                             'locked_reason': 'why'})
    major, minor = version.split('.')
    assert key not in _server(app, f'{major}.{int(minor) - 1}')
    shown = _server(app, version)
    assert shown[key] == {'locked': True, 'description': 'd',
                          'tags': ['t'], 'trusted_image_certificates': None,
                          'locked_reason': 'why'}[key]


def test_2_47_flavor_embedded(app, compute):
    compute.add_instance()
    assert _server(app, '2.46')['flavor']['id'] == '1'
    flavor = _server(app, '2.47')['flavor']
    assert flavor == {'vcpus': 1, 'ram': 512, 'disk': 1, 'ephemeral': 0,
                      'swap': 0, 'original_name': 'm1.tiny',
                      'extra_specs': {}}


def test_2_71_server_groups_on_show_not_in_lists(app, compute):
    inst = compute.add_instance()
    path = f'/v2.1/servers/{inst.uuid}'
    assert 'server_groups' not in request(app, 'GET', path,
                                          headers=at('2.70')).json['server']
    assert request(app, 'GET', path, headers=at('2.71')).json[
        'server']['server_groups'] == []
    assert 'server_groups' not in _server(app, '2.71')


def test_2_16_host_status_for_admins(app, compute, hosts):
    compute.add_instance(host='host1', cell_name='api!cell1')
    compute.add_instance(host='host1', cell_name='api!cell2')
    compute.add_instance(host=None)
    assert 'host_status' not in _server(app, '2.15', ADMIN)
    statuses = [s['host_status'] for s in request(
        app, 'GET', '/v2.1/servers/detail?all_tenants=1', token=ADMIN,
        headers=at('2.16')).json['servers']]
    assert statuses == ['', 'MAINTENANCE', 'UP']
    assert 'host_status' not in _server(app, '2.16')
    hosts.services[0]['up'] = False
    assert _server(app, '2.16', ADMIN)['host_status'] == ''
    assert [s['host_status'] for s in request(
        app, 'GET', '/v2.1/servers/detail?all_tenants=1', token=ADMIN,
        headers=at('2.16')).json['servers']][2] == 'DOWN'


# -- create, update, rebuild ----------------------------------------------

def _create(v, version: str, **server: Any) -> Any:
    body = {'server': dict({'name': 'vm', 'flavorRef': '1',
                            'imageRef': IMAGE}, **server)}
    return v(version, 'POST', '/servers', body)


def test_2_19_description_on_create_update_rebuild(v, compute):
    _bad(_create(v, '2.18', description='d'), 'description')
    assert compute.instances == {}
    resp = _create(v, '2.19', description='d')
    assert resp.status_int == 202
    server_id = resp.json['server']['id']
    assert compute.instances[server_id].display_description == 'd'
    _bad(v('2.19', 'PUT', f'/servers/{server_id}',
           {'server': {'description': 'x' * 256}}), 'description')
    updated = v('2.19', 'PUT', f'/servers/{server_id}',
                {'server': {'description': 'new'}}).json['server']
    assert updated['description'] == 'new'
    _bad(v('2.18', 'PUT', f'/servers/{server_id}',
           {'server': {'description': 'new'}}), 'description')
    compute.instances[server_id].vm_state = 'active'
    rebuilt = v('2.19', 'POST', f'/servers/{server_id}/action',
                {'rebuild': {'imageRef': IMAGE, 'description': None}})
    assert rebuilt.status_int == 202
    assert rebuilt.json['server']['description'] is None


def test_2_37_networks_required_and_strict(v, compute):
    assert _create(v, '2.36').status_int == 202
    _bad(_create(v, '2.37'), 'networks')
    assert _create(v, '2.37', networks='none').status_int == 202
    _bad(_create(v, '2.37', networks=[{'uuid': 'br-x'}]), 'uuid')
    assert len(compute.instances) == 2


@pytest.mark.parametrize('version,allowed', [
    ('2.31', False), ('2.32', True), ('2.36', True), ('2.37', False),
    ('2.41', False), ('2.42', True)])
def test_network_tags_by_version(v, compute, version, allowed):
    net = [{'uuid': '9cdc2a2e-7d0c-4a8c-bd5c-6e3c9c0a1c10', 'tag': 'nic1'}]
    resp = _create(v, version, networks=net)
    assert resp.status_int == (202 if allowed else 400)


def test_2_52_tags_on_create(v, compute):
    _bad(_create(v, '2.51', networks='auto', tags=['a']), 'tags')
    _bad(_create(v, '2.52', networks='auto', tags=['a/b']), 'tags')
    _bad(_create(v, '2.52', networks='auto',
                 tags=[f't{i}' for i in range(51)]), 'tags')
    assert compute.instances == {}
    resp = _create(v, '2.52', networks='auto', tags=['b', 'a'])
    assert compute.instances[resp.json['server']['id']].tags == ['a', 'b']


def test_2_57_personality_gone_user_data_on_rebuild(v, compute):
    files = [{'path': '/etc/motd', 'contents': 'aGk='}]
    assert _create(v, '2.56', networks='auto',
                   personality=files).status_int == 202
    _bad(_create(v, '2.57', networks='auto', personality=files),
         'personality')
    inst = compute.add_instance()
    path = f'/servers/{inst.uuid}/action'
    _bad(v('2.56', 'POST', path, {'rebuild': {'imageRef': IMAGE,
                                              'user_data': 'aGk='}}),
         'user_data')
    resp = v('2.57', 'POST', path, {'rebuild': {'imageRef': IMAGE,
                                                'user_data': 'aGk='}})
    assert resp.status_int == 202
    assert resp.json['server']['user_data'] == 'aGk='
    assert compute.last_call('rebuild')['changes'] == {'user_data': 'aGk='}


def test_2_54_key_name_on_rebuild(v, compute):
    v('2.54', 'POST', '/os-keypairs', {'keypair': {'name': 'k'}})
    inst = compute.add_instance()
    path = f'/servers/{inst.uuid}/action'
    _bad(v('2.53', 'POST', path, {'rebuild': {'imageRef': IMAGE,
                                              'key_name': 'k'}}), 'key_name')
    _bad(v('2.54', 'POST', path, {'rebuild': {'imageRef': IMAGE,
                                              'key_name': 'nope'}}),
         'Invalid key_name')
    assert v('2.54', 'POST', path, {'rebuild': {
        'imageRef': IMAGE, 'key_name': 'k'}}).status_int == 202
    changes = compute.last_call('rebuild')['changes']
    assert changes['key_name'] == 'k' and changes['key_data']


def test_2_63_trusted_certs_refused_clearly(v, compute):
    _bad(_create(v, '2.62', networks='auto',
                 trusted_image_certificates=['c']),
         'trusted_image_certificates')
    _bad(_create(v, '2.63', networks='auto',
                 trusted_image_certificates=['c']), 'not supported')
    _bad(_create(v, '2.63', networks='auto',
                 trusted_image_certificates=[]), 'trusted_image')
    assert compute.instances == {}
    assert _create(v, '2.63', networks='auto',
                   trusted_image_certificates=None).status_int == 202


def test_2_74_requested_destination(v, compute):
    _bad(_create(v, '2.73', networks='auto', host='h'), 'host')
    assert _create(v, '2.74', networks='auto', host='h').status_int == 403
    resp = request(v.__closure__[0].cell_contents, 'POST', '/v2.1/servers',
                   {'server': {'name': 'vm', 'flavorRef': '1',
                               'imageRef': IMAGE, 'networks': 'auto',
                               'hypervisor_hostname': 'n'}},
                   token=ADMIN, headers=at('2.74'))
    _bad(resp, 'not supported')
    assert compute.instances == {}


def test_2_75_update_and_rebuild_answer_the_whole_server(v, compute, hosts):
    inst = compute.add_instance()
    path = f'/servers/{inst.uuid}'
    before = v('2.74', 'PUT', path, {'server': {'name': 'n'}}).json['server']
    assert 'OS-EXT-STS:vm_state' not in before
    after = v('2.75', 'PUT', path, {'server': {'name': 'n'}}).json['server']
    shown = v('2.75', 'GET', path).json['server']
    assert after == shown
    rebuilt = v('2.75', 'POST', path + '/action',
                {'rebuild': {'imageRef': IMAGE}}).json['server']
    assert set(shown) | {'adminPass', 'user_data'} == set(rebuilt)
    # An admin sees the host attributes too, but the user data of a
    # rebuild only as 'user_data' (tempest's 2.75 schema).
    shown = v('2.75', 'GET', path, token=ADMIN).json['server']
    rebuilt = v('2.75', 'POST', path + '/action',
                {'rebuild': {'imageRef': IMAGE}}, token=ADMIN).json['server']
    assert 'OS-EXT-SRV-ATTR:user_data' in shown
    assert set(shown) - {'OS-EXT-SRV-ATTR:user_data'} | {
        'adminPass', 'user_data'} == set(rebuilt)


def test_2_26_update_and_rebuild_answer_tags_and_2_54_key_name(v, compute):
    inst = compute.add_instance()
    path = f'/servers/{inst.uuid}'
    rebuild = {'rebuild': {'imageRef': IMAGE}}
    for version, has_tags in (('2.25', False), ('2.26', True),
                              ('2.53', True)):
        updated = v(version, 'PUT', path, {'server': {'name': 'n'}})
        rebuilt = v(version, 'POST', path + '/action', rebuild)
        assert ('tags' in updated.json['server']) is has_tags
        assert ('tags' in rebuilt.json['server']) is has_tags
        assert 'key_name' not in rebuilt.json['server']
    rebuilt = v('2.54', 'POST', path + '/action', rebuild).json['server']
    assert rebuilt['tags'] == [] and 'key_name' in rebuilt


# -- listing --------------------------------------------------------------

def test_2_38_unknown_status_is_400(v, compute):
    compute.add_instance()
    assert v('2.37', 'GET', '/servers?status=bogus').json['servers'] == []
    _bad(v('2.38', 'GET', '/servers?status=bogus'), 'status')


def test_2_75_unknown_query_parameter_is_400(v, compute):
    compute.add_instance()
    assert v('2.74', 'GET', '/servers?bogus=1').status_int == 200
    _bad(v('2.75', 'GET', '/servers?bogus=1'), 'bogus')
    assert v('2.75', 'GET', '/servers?sort_key=uuid').status_int == 200


@pytest.mark.parametrize('param,version', [
    ('tags=a', '2.26'), ('not-tags-any=a', '2.26'),
    ('changes-before=2020-01-01T00:00:00Z', '2.66'), ('locked=true', '2.73'),
    ('ip6=fe80', '2.5')])
def test_filters_pass_from_their_version(v, compute, param, version):
    compute.add_instance()
    name = param.split('=')[0]
    major, minor = version.split('.')
    v(f'{major}.{int(minor) - 1}', 'GET', '/servers?' + param)
    opts = compute.last_call('get_all')['search_opts']
    assert name not in opts and 'ip' not in opts
    v(version, 'GET', '/servers?' + param)
    opts = compute.last_call('get_all')['search_opts']
    assert name in opts or (name == 'ip6' and opts['ip'] == 'fe80')


def test_bad_filter_values_are_400(v, compute):
    _bad(v('2.66', 'GET', '/servers?changes-before=yesterday'),
         'changes-before')
    _bad(v('2.66', 'GET', '/servers?changes-since=2021-01-01T00:00:00Z'
           '&changes-before=2020-01-01T00:00:00Z'), 'changes-since')
    _bad(v('2.73', 'GET', '/servers?locked=maybe'), 'locked')


# -- server actions -------------------------------------------------------

def test_2_45_create_image_answers_its_id(v, compute):
    inst = compute.add_instance()
    path = f'/servers/{inst.uuid}/action'
    old = v('2.44', 'POST', path, {'createImage': {'name': 's'}})
    assert old.status_int == 202 and old.body == b''
    assert '/images/' in old.headers['Location']
    new = v('2.45', 'POST', path, {'createImage': {'name': 's2'}})
    assert new.status_int == 202 and 'Location' not in new.headers
    assert new.json['image_id'] in compute.images


def test_2_73_lock_reason(v, compute):
    inst = compute.add_instance()
    path = f'/servers/{inst.uuid}/action'
    # Before 2.73 the value of "lock" is ignored, as in Nova.
    assert v('2.72', 'POST', path,
             {'lock': {'locked_reason': 'x'}}).status_int == 202
    assert compute.last_call('lock').get('reason') is None
    v('2.73', 'POST', path, {'unlock': None})
    _bad(v('2.73', 'POST', path, {'lock': {'reason': 'x'}}), 'reason')
    assert v('2.73', 'POST', path,
             {'lock': {'locked_reason': 'maint'}}).status_int == 202
    assert compute.last_call('lock')['reason'] == 'maint'


def test_2_17_trigger_crash_dump(v, compute):
    inst = compute.add_instance()
    path = f'/servers/{inst.uuid}/action'
    _bad(v('2.16', 'POST', path, {'trigger_crash_dump': None}),
         'There is no such action')
    _bad(v('2.17', 'POST', path, {'trigger_crash_dump': None}),
         'not supported')
    _bad(v('2.17', 'POST', path, {'trigger_crash_dump': {}}), '')
    inst.vm_state = 'stopped'
    assert v('2.17', 'POST', path,
             {'trigger_crash_dump': None}).status_int == 409


@pytest.mark.parametrize('version,body,words', [
    ('2.24', {'block_migration': 'auto', 'host': None,
              'disk_over_commit': False}, 'block_migration'),
    ('2.24', {'block_migration': True, 'host': None}, 'disk_over_commit'),
    ('2.25', {'block_migration': True, 'host': None,
              'disk_over_commit': False}, 'disk_over_commit'),
    ('2.29', {'block_migration': 'auto', 'host': None, 'force': True},
     'force'),
    ('2.68', {'block_migration': 'auto', 'host': None, 'force': True},
     'force'),
    ('2.25', {'block_migration': 'auto', 'host': None}, 'pre-check'),
    ('2.30', {'block_migration': 'auto', 'host': 'h', 'force': False},
     'pre-check'),
])
def test_live_migrate_shapes_by_version(app, compute, version, body, words):
    inst = compute.add_instance(launched_at=fakes.T0)
    resp = request(app, 'POST', f'/v2.1/servers/{inst.uuid}/action',
                   {'os-migrateLive': body}, token=ADMIN,
                   headers=at(version))
    _bad(resp, words)
    assert inst.vm_state == 'active' and inst.task_state is None


def test_2_77_unshelve_availability_zone(v, compute, hosts):
    inst = compute.add_instance(vm_state='shelved_offloaded')
    path = f'/servers/{inst.uuid}/action'
    body = {'unshelve': {'availability_zone': 'nova'}}
    # Before 2.77 Nova ignores the value of "unshelve".
    assert v('2.76', 'POST', path,
             {'unshelve': {'availability_zone': 'mars'}}).status_int == 202
    inst.vm_state = 'shelved_offloaded'
    _bad(v('2.77', 'POST', path, {'unshelve': {'zone': 'nova'}}), 'zone')
    _bad(v('2.77', 'POST', path,
           {'unshelve': {'availability_zone': 'mars'}}), 'mars')
    assert v('2.77', 'POST', path, body).status_int == 202
    other = compute.add_instance(vm_state='shelved')
    assert v('2.77', 'POST', f'/servers/{other.uuid}/action',
             body).status_int == 409


# -- tags and topology routes ---------------------------------------------

def test_2_26_tag_routes(v, compute):
    inst = compute.add_instance()
    base = f'/servers/{inst.uuid}/tags'
    assert v('2.25', 'GET', base).status_int == 404
    assert v('2.26', 'GET', base).json == {'tags': []}
    resp = v('2.26', 'PUT', base + '/red')
    assert resp.status_int == 201
    assert resp.headers['Location'].endswith(base + '/red')
    assert v('2.26', 'PUT', base + '/red').status_int == 204
    assert v('2.26', 'GET', base + '/red').status_int == 204
    assert v('2.26', 'GET', base + '/blue').status_int == 404
    assert v('2.26', 'PUT', base, {'tags': ['b', 'a']}).json == \
        {'tags': ['a', 'b']}
    assert v('2.26', 'DELETE', base + '/a').status_int == 204
    assert v('2.26', 'DELETE', base + '/a').status_int == 404
    assert v('2.26', 'DELETE', base).status_int == 204
    assert inst.tags == []


@pytest.mark.parametrize('body', [
    None, {}, {'tags': 'a'}, {'tags': ['a,b']}, {'tags': ['']},
    {'tags': ['x' * 61]}, {'tags': [f't{i}' for i in range(51)]},
    {'tags': ['a'], 'more': 1}])
def test_bad_tag_bodies_are_400_and_change_nothing(v, compute, body):
    inst = compute.add_instance(tags=['keep'])
    _bad(v('2.26', 'PUT', f'/servers/{inst.uuid}/tags', body))
    assert inst.tags == ['keep']


def test_bad_tags_and_states(v, compute):
    inst = compute.add_instance()
    _bad(v('2.26', 'PUT', f'/servers/{inst.uuid}/tags/a,b'), 'tag')
    _bad(v('2.26', 'PUT', f'/servers/{inst.uuid}/tags/' + 'x' * 61), 'tag')
    inst.vm_state = 'building'
    resp = v('2.26', 'PUT', f'/servers/{inst.uuid}/tags/a')
    assert resp.status_int == 409
    assert resp.json['conflictingRequest']['code'] == 409
    assert v('2.26', 'GET', '/servers/nope/tags').status_int == 404
    other = compute.add_instance(project_id='proj2')
    assert v('2.26', 'GET', f'/servers/{other.uuid}/tags').status_int == 404


def test_2_78_topology(v, compute):
    inst = compute.add_instance()
    assert v('2.77', 'GET', f'/servers/{inst.uuid}/topology'
             ).status_int == 404
    assert v('2.78', 'GET', f'/servers/{inst.uuid}/topology').json == \
        {'nodes': [], 'pagesize_kb': None}


# -- flavors, limits, quotas, images --------------------------------------

def test_2_55_flavor_description(v, compute):
    body = {'flavor': {'name': 'f', 'ram': 64, 'vcpus': 1, 'disk': 1,
                       'description': 'small'}}
    _bad(v('2.54', 'POST', '/flavors', body, token=ADMIN), 'description')
    assert 'description' not in v('2.54', 'GET', '/flavors').json[
        'flavors'][0]
    assert v('2.55', 'GET', '/flavors/1').json['flavor']['description'] \
        is None
    assert v('2.54', 'PUT', '/flavors/1', {'flavor': {'description': 'x'}},
             token=ADMIN).status_int == 404
    resp = v('2.55', 'PUT', '/flavors/1', {'flavor': {'description': 'x'}},
             token=ADMIN)
    assert resp.json['flavor']['description'] == 'x'
    _bad(v('2.55', 'PUT', '/flavors/1', {'flavor': {'name': 'y'}},
           token=ADMIN))
    assert v('2.55', 'PUT', '/flavors/1', {'flavor': {'description': 'y'}}
             ).status_int == 403
    assert compute.flavors['1'].description == 'x'


def test_2_61_extra_specs_and_2_75_swap(v, compute):
    compute.flavors['1'].extra_specs = {'hw:cpu': '2'}
    assert 'extra_specs' not in v('2.60', 'GET', '/flavors/1').json[
        'flavor']
    assert v('2.61', 'GET', '/flavors/1').json['flavor'][
        'extra_specs'] == {'hw:cpu': '2'}
    assert v('2.74', 'GET', '/flavors/1').json['flavor']['swap'] == ''
    assert v('2.75', 'GET', '/flavors/1').json['flavor']['swap'] == 0


class FakeQuotas:
    """Every resource limited to 10, nothing used."""

    def __init__(self) -> None:
        from nova.compute import quotas
        self.limits = {r: 10 for r in quotas.RESOURCES}

        self.classes: dict[str, dict[str, int]] = {}

    def get_limits_and_usage(self, ctxt, project_id, user_id=None):
        return dict(self.limits), {r: 0 for r in self.limits}

    def get_limits(self, ctxt, project_id, user_id=None):
        return dict(self.limits)

    def update_limits(self, ctxt, project_id, limits, force=False,
                      user_id=None):
        self.limits.update(limits)
        return dict(self.limits)

    def get_class(self, ctxt, class_name):
        return dict(self.limits, **self.classes.get(class_name, {}))

    def update_class(self, ctxt, class_name, limits):
        self.classes.setdefault(class_name, {}).update(limits)
        return self.get_class(ctxt, class_name)


@pytest.fixture
def quotas(compute) -> FakeQuotas:
    compute.quotas = FakeQuotas()
    return compute.quotas


def test_limits_drop_what_versions_removed(v, quotas):
    def absolute(version: str) -> dict[str, int]:
        return v(version, 'GET', '/limits').json['limits']['absolute']
    assert {'maxSecurityGroups', 'maxImageMeta', 'maxPersonality'} <= \
        set(absolute('2.35'))
    assert 'maxSecurityGroups' not in absolute('2.36')
    assert 'maxImageMeta' in absolute('2.38')
    assert 'maxImageMeta' not in absolute('2.39')
    assert 'maxPersonality' in absolute('2.56')
    assert 'maxPersonality' not in absolute('2.57')


def test_quota_sets_drop_network_and_injection_quotas(v, quotas):
    path = '/os-quota-sets/proj1'
    assert 'floating_ips' in v('2.35', 'GET', path).json['quota_set']
    assert 'floating_ips' not in v('2.36', 'GET', path).json['quota_set']
    assert 'injected_files' not in v('2.57', 'GET', path).json['quota_set']
    _bad(v('2.36', 'PUT', path, {'quota_set': {'floating_ips': 1}},
           token=ADMIN), 'floating_ips')
    assert quotas.limits['floating_ips'] == 10
    updated = v('2.57', 'PUT', path, {'quota_set': {'cores': 5}},
                token=ADMIN).json['quota_set']
    assert updated['cores'] == 5 and 'injected_files' not in updated


def test_2_50_and_2_57_quota_class_sets(v, quotas):
    path = '/os-quota-class-sets/default'

    def shown(version: str) -> dict[str, Any]:
        resp = v(version, 'GET', path, token=ADMIN)
        assert resp.status_int == 200, resp.body
        return resp.json['quota_class_set']
    before = shown('2.49')
    assert before['id'] == 'default'
    assert {'floating_ips', 'injected_files'} <= set(before)
    assert 'server_groups' not in before
    at_2_50 = shown('2.50')
    assert {'server_groups', 'server_group_members',
            'injected_files'} <= set(at_2_50)
    assert 'floating_ips' not in at_2_50
    at_2_57 = shown('2.57')
    assert 'injected_files' not in at_2_57 and 'server_groups' in at_2_57
    # Before 2.50 the server group quotas may be set, not shown.
    updated = v('2.1', 'PUT', path,
                {'quota_class_set': {'server_groups': 3}}, token=ADMIN)
    assert updated.status_int == 200, updated.body
    assert 'id' not in updated.json['quota_class_set']
    assert quotas.classes['default'] == {'server_groups': 3}
    # Gone from the schema once hidden: 400, nothing written.
    _bad(v('2.50', 'PUT', path, {'quota_class_set': {'floating_ips': 1}},
           token=ADMIN), 'floating_ips')
    _bad(v('2.57', 'PUT', path,
           {'quota_class_set': {'injected_files': 1}}, token=ADMIN),
         'injected_files')
    assert quotas.classes['default'] == {'server_groups': 3}


@pytest.mark.parametrize('path', ['/images', '/images/detail',
                                  f'/images/{IMAGE}'])
def test_2_36_image_proxy_is_gone(v, path):
    assert v('2.35', 'GET', path).status_int == 200
    resp = v('2.36', 'GET', path)
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['code'] == 404


# -- instance actions -----------------------------------------------------

def test_2_51_events_for_members_2_62_host(v, compute):
    inst = compute.add_instance()
    _action_of(compute, inst)
    path = f'/servers/{inst.uuid}/os-instance-actions/req-1'
    assert 'events' not in v('2.50', 'GET', path).json['instanceAction']
    events = v('2.51', 'GET', path).json['instanceAction']['events']
    assert 'traceback' not in events[0] and 'hostId' not in events[0]
    events = v('2.62', 'GET', path).json['instanceAction']['events']
    assert events[0]['hostId'] and 'host' not in events[0]
    admin = v('2.62', 'GET', path, token=ADMIN).json['instanceAction']
    assert admin['events'][0]['host'] == 'host1'
    assert admin['events'][0]['traceback'] == 'tb'


def test_2_58_actions_paged_with_updated_at(v, compute):
    inst = compute.add_instance()
    _action_of(compute, inst)
    path = f'/servers/{inst.uuid}/os-instance-actions'
    assert 'updated_at' not in v('2.57', 'GET', path).json[
        'instanceActions'][0]
    page = v('2.58', 'GET', path + '?limit=1').json
    assert page['instanceActions'][0]['updated_at']
    assert v('2.58', 'GET', path + '?marker=req-1').json[
        'instanceActions'] == []
    _bad(v('2.58', 'GET', path + '?marker=nope'), 'Marker')
    assert v('2.58', 'GET', path + '?changes-since=2999-01-01T00:00:00Z'
             ).json['instanceActions'] == []
    assert v('2.66', 'GET', path + '?changes-before=2000-01-01T00:00:00Z'
             ).json['instanceActions'] == []
    _bad(v('2.66', 'GET', path + '?changes-before=soon'), 'changes-before')


# -- services and hypervisors ---------------------------------------------

def test_2_11_forced_down(v, hosts):
    services = v('2.11', 'GET', '/os-services', token=ADMIN).json
    assert services['services'][0]['forced_down'] is False
    assert 'forced_down' not in v('2.10', 'GET', '/os-services',
                                  token=ADMIN).json['services'][0]
    body = {'host': 'api!cell1@host1', 'binary': 'nova-compute',
            'forced_down': True}
    assert v('2.10', 'PUT', '/os-services/force-down', body,
             token=ADMIN).status_int == 404
    resp = v('2.11', 'PUT', '/os-services/force-down', body, token=ADMIN)
    assert resp.json['service']['forced_down'] is True
    assert hosts.updates == [('api!cell1@host1', 'nova-compute',
                              {'forced_down': True})]
    _bad(v('2.11', 'PUT', '/os-services/force-down',
           dict(body, forced_down='maybe'), token=ADMIN), 'forced_down')


def test_2_53_service_uuids(v, hosts):
    listed = v('2.53', 'GET', '/os-services', token=ADMIN).json['services']
    first = listed[0]['id']
    assert len(first) == 36 and first != listed[1]['id']
    # The same UUID on every request.
    assert v('2.53', 'GET', '/os-services', token=ADMIN).json[
        'services'][0]['id'] == first
    resp = v('2.53', 'PUT', f'/os-services/{first}',
             {'status': 'disabled', 'disabled_reason': 'r'}, token=ADMIN)
    assert resp.status_int == 200
    assert resp.json['service']['status'] == 'disabled'
    assert resp.json['service']['id'] == first
    _bad(v('2.53', 'PUT', '/os-services/disable',
           {'host': 'api!cell1@host1', 'binary': 'nova-compute'},
           token=ADMIN), 'Invalid uuid disable')
    _bad(v('2.53', 'PUT', f'/os-services/{first}', {}, token=ADMIN),
         'No updates')
    _bad(v('2.53', 'PUT', f'/os-services/{first}',
           {'status': 'enabled', 'disabled_reason': 'r'}, token=ADMIN),
         'disabled_reason')
    _bad(v('2.53', 'PUT', f'/os-services/{first}', {'status': 'off'},
           token=ADMIN), 'status')
    assert len(hosts.updates) == 1


def test_hypervisors_2_28_2_33_2_53(v, hosts):
    path = '/os-hypervisors/detail'
    assert v('2.27', 'GET', path, token=ADMIN).json['hypervisors'][0][
        'cpu_info'] == '{"arch": "x86_64"}'
    assert v('2.28', 'GET', path, token=ADMIN).json['hypervisors'][0][
        'cpu_info'] == {'arch': 'x86_64'}
    assert v('2.33', 'GET', '/os-hypervisors?limit=0',
             token=ADMIN).json['hypervisors'] == []
    _bad(v('2.33', 'GET', '/os-hypervisors?marker=zz', token=ADMIN),
         'marker')
    listed = v('2.53', 'GET', '/os-hypervisors', token=ADMIN).json
    hyp_id = listed['hypervisors'][0]['id']
    assert len(hyp_id) == 36
    shown = v('2.53', 'GET', f'/os-hypervisors/{hyp_id}', token=ADMIN)
    assert shown.json['hypervisor']['service']['id'] != 'api!cell1@1'
    assert v('2.53', 'GET', '/os-hypervisors/api!cell1@7',
             token=ADMIN).status_int == 404
    assert v('2.52', 'GET', '/os-hypervisors/host/search',
             token=ADMIN).status_int == 200
    assert v('2.53', 'GET', '/os-hypervisors/host/search',
             token=ADMIN).status_int == 404
    found = v('2.53', 'GET', '/os-hypervisors?hypervisor_hostname_pattern='
              'host', token=ADMIN).json['hypervisors']
    assert [h['id'] for h in found] == [hyp_id]
    assert v('2.53', 'GET', '/os-hypervisors?hypervisor_hostname_pattern='
             'zz', token=ADMIN).status_int == 404
    _bad(v('2.53', 'GET', '/os-hypervisors?with_servers=maybe',
           token=ADMIN), 'with_servers')
    with_servers = v('2.75', 'GET', '/os-hypervisors?with_servers=true',
                     token=ADMIN).json['hypervisors'][0]
    assert with_servers['servers'] == []


def test_unsupported_version_is_406_everywhere(app):
    for path in ('/v2.1/servers', '/v2.1/flavors', '/v2.1/os-keypairs'):
        resp = request(app, 'GET', path, headers=at('2.500'))
        assert resp.status_int == 406
        assert resp.json['computeFault']['code'] == 406


def test_app_serves_the_range_it_advertises(conf, compute):
    app = wsgi_app.load_app(conf, compute)
    doc = request(app, 'GET', '/v2.1', token=None).json['version']
    assert (doc['min_version'], doc['version']) == ('2.1', '2.101')
    root = request(app, 'GET', '/', token=None).json['versions']
    assert root[1]['version'] == '2.101'


def test_2_18_project_id_in_urls_is_optional(conf, compute):
    app = wsgi_app.load_app(conf, compute)
    inst = compute.add_instance()
    for version in ('2.1', '2.18', '2.79'):
        resp = request(app, 'GET', f'/v2.1/proj1/servers/{inst.uuid}',
                       headers=at(version))
        assert resp.status_int == 200
        assert resp.json['server']['id'] == inst.uuid
    # Links name the server under the endpoint the client used.
    assert '/v2.1/proj1/servers/' in resp.json['server']['links'][0]['href']
    other = '0123456789abcdef0123456789abcdef'
    resp = request(app, 'GET', f'/v2.1/{other}/servers')
    assert resp.status_int == 400
    assert "doesn't match Context's project_id" in \
        resp.json['badRequest']['message']
    assert request(app, 'GET', '/v2.1/servers').status_int == 200
