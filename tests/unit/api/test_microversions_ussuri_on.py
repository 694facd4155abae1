"""Microversions 2.80 and later (Nova Ussuri onwards), each at the version
before it and at it; tests/unit/api/test_microversions.py has 2.1-2.79
and the shared helpers."""

from __future__ import annotations

import pytest

from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.fakes import IMAGE
from nova.tests.unit.api.microversion_helpers import _action_of
from nova.tests.unit.api.microversion_helpers import _bad


def test_2_80_migration_owner_shown_and_filtered(v, hosts):
    before = v('2.79', 'GET', '/os-migrations?user_id=bob', token=ADMIN)
    assert before.status_int == 200
    [migration] = before.json['migrations']
    assert 'user_id' not in migration and 'project_id' not in migration
    assert hosts.migration_filters[-1] == {}
    at = v('2.80', 'GET', '/os-migrations', token=ADMIN).json['migrations']
    assert (at[0]['user_id'], at[0]['project_id']) == ('alice', 'proj1')
    assert v('2.80', 'GET', '/os-migrations?user_id=bob',
             token=ADMIN).json['migrations'] == []
    assert hosts.migration_filters[-1] == {'user_id': 'bob'}
    found = v('2.80', 'GET', '/os-migrations?project_id=proj1',
              token=ADMIN).json['migrations']
    assert [m['id'] for m in found] == [1]
    _bad(v('2.80', 'GET', '/os-migrations?user_id=' + 'x' * 256,
           token=ADMIN), 'user_id')
    assert v('2.80', 'GET', '/os-migrations').status_int == 403


def test_2_81_aggregate_image_cache_is_absent(v):
    for version in ('2.80', '2.81'):
        resp = v(version, 'POST', '/os-aggregates/1/images',
                 {'cache': [{'id': IMAGE}]}, token=ADMIN)
        assert resp.status_int == 404, resp.body


def test_2_82_accelerator_request_bound_event(v, compute):
    inst = compute.add_instance()
    body = {'events': [{'server_uuid': inst.uuid, 'tag': 'arq-1',
                        'name': 'accelerator-request-bound'}]}
    _bad(v('2.81', 'POST', '/os-server-external-events', body,
           token=ADMIN), 'accelerator-request-bound')
    resp = v('2.82', 'POST', '/os-server-external-events', body,
             token=ADMIN)
    assert resp.status_int == 200, resp.body
    assert resp.json['events'] == [dict(body['events'][0], code=200,
                                        status='completed')]
    _bad(v('2.82', 'POST', '/os-server-external-events', {'events': [
        {'server_uuid': inst.uuid, 'name': 'accelerator-request-unbound'}]},
        token=ADMIN), 'name')


_2_83_QUERY = ('availability_zone=nova&config_drive=&key_name=k'
               '&created_at=2026&launched_at=2026&terminated_at=2026&power_state=1'
               '&task_state=spawning&vm_state=building&progress=0'
               '&user_id=alice')


def test_2_83_more_filters_for_members(v, compute):
    compute.add_instance()
    assert v('2.82', 'GET', '/servers?' + _2_83_QUERY).status_int == 200
    opts = compute.calls[-1][1]['search_opts']
    assert not {'key_name', 'vm_state', 'user_id', 'power_state'} & set(opts)
    assert v('2.83', 'GET', '/servers?' + _2_83_QUERY).status_int == 200
    opts = compute.calls[-1][1]['search_opts']
    assert {k: opts[k] for k in (
        'availability_zone', 'key_name', 'created_at', 'launched_at',
        'terminated_at', 'power_state', 'task_state', 'vm_state',
        'progress', 'user_id')} == {
        'availability_zone': 'nova', 'key_name': 'k', 'created_at': '2026',
        'launched_at': '2026', 'terminated_at': '2026', 'power_state': '1',
        'task_state': 'spawning', 'vm_state': 'building', 'progress': '0',
        'user_id': 'alice'}
    # Still only the caller's own project.
    assert opts['project_id'] == 'proj1'
    # Administrators had them already.
    v('2.82', 'GET', '/servers?all_tenants=1&' + _2_83_QUERY, token=ADMIN)
    assert compute.calls[-1][1]['search_opts']['key_name'] == 'k'


def test_2_83_status_wins_over_vm_state(v, compute):
    compute.add_instance()
    v('2.83', 'GET', '/servers?vm_state=stopped&status=ACTIVE')
    assert compute.calls[-1][1]['search_opts']['vm_state'] == ['active']


def test_2_83_config_drive_matches_no_drive(v, compute):
    compute.add_instance()
    assert v('2.83', 'GET', '/servers?config_drive=').json['servers']
    calls = len(compute.calls)
    assert v('2.83', 'GET', '/servers?config_drive=True').json[
        'servers'] == []
    assert len(compute.calls) == calls


def test_2_83_bad_regular_expressions_are_400(v, compute):
    for query in ('key_name=(', 'created_at=[', 'name=*'):
        _bad(v('2.83', 'GET', '/servers?' + query))


def test_2_84_event_details_for_every_caller(v, compute):
    inst = compute.add_instance()
    _action_of(compute, inst, result='Error', details='No valid host.')
    path = f'/servers/{inst.uuid}/os-instance-actions/req-1'
    [event] = v('2.83', 'GET', path).json['instanceAction']['events']
    assert 'details' not in event
    [event] = v('2.84', 'GET', path).json['instanceAction']['events']
    assert event['details'] == 'No valid host.'
    assert 'traceback' not in event
    other = compute.add_instance()
    _action_of(compute, other)
    [event] = v('2.84', 'GET', f'/servers/{other.uuid}/os-instance-actions/'
                'req-1').json['instanceAction']['events']
    assert event['details'] is None


def test_2_85_volume_attachment_update_is_absent(v, compute):
    inst = compute.add_instance()
    resp = v('2.85', 'PUT', f'/servers/{inst.uuid}/os-volume_attachments/'
             f'{IMAGE}', {'volumeAttachment': {
                 'volumeId': IMAGE, 'delete_on_termination': True}},
             token=ADMIN)
    assert resp.status_int == 404, resp.body


def _specs(v, version, specs, token=ADMIN):
    return v(version, 'POST', '/flavors/1/os-extra_specs',
             {'extra_specs': specs}, token=token)


@pytest.mark.parametrize('specs,words', [
    ({'hw:cpu_policy': 'sometimes'}, "'sometimes' is not one of: "
     'dedicated, shared, mixed.'),
    ({'hw:numa_nodes': '0'}, "'0' is less than the min value of '1'."),
    ({'hw:numa_nodes': 'two'}, "'two' is not a valid integer value."),
    ({'hw:boot_menu': 'perhaps'}, 'not a valid boolean-like value'),
    ({'hw:mem_page_size': 'huge'}, 'is not of the format'),
    ({'hw:no_such_thing': '1'}, "extra spec 'hw:no_such_thing' does not "
     'appear to be a valid extra spec.'),
    ({'resources1:VCPU': '-1'}, 'min value'),
    ({'trait:HW_CPU_X86_AVX': 'wanted'}, 'required, forbidden'),
    ({'ok:custom': 'x', 'quota:cpu_shares': 'lots'}, 'integer'),
])
def test_2_86_known_extra_specs_are_validated(v, compute, specs, words):
    # Stored unchecked before 2.86.
    assert _specs(v, '2.85', specs).status_int == 200
    compute.flavors['1'].extra_specs = {}
    _bad(_specs(v, '2.86', specs), words)
    assert compute.flavors['1'].extra_specs == {}
    key = list(specs)[-1]  # the refused one
    _bad(v('2.86', 'PUT', f'/flavors/1/os-extra_specs/{key}',
           {key: specs[key]}, token=ADMIN))
    assert compute.flavors['1'].extra_specs == {}


def test_2_86_valid_and_foreign_specs_are_stored(v, compute):
    specs = {'hw:cpu_policy': 'dedicated', 'hw:numa_cpus.0': '0-1',
             'hw:numa_mem.0': 512, 'resources_GPU:VGPU': '1',
             'trait1:HW_CPU_X86_AVX2': 'required', 'group_policy': 'none',
             'aggregate_instance_extra_specs:ssd': 'true',
             'quota:vif_inbound_peak': '100', 'owner:team': 'blue',
             'plain': 'anything'}
    resp = _specs(v, '2.86', specs)
    assert resp.status_int == 200, resp.body
    assert compute.flavors['1'].extra_specs['hw:numa_mem.0'] == '512'
    assert compute.flavors['1'].extra_specs['owner:team'] == 'blue'


def test_2_87_rescue_is_unchanged(v, compute):
    for version in ('2.86', '2.87'):
        inst = compute.add_instance()
        resp = v(version, 'POST', f'/servers/{inst.uuid}/action',
                 {'rescue': {'adminPass': 'pw'}})
        assert (resp.status_int, resp.json) == (200, {'adminPass': 'pw'})
    _bad(v('2.87', 'POST', f'/servers/{inst.uuid}/action',
           {'rescue': {'rescue_bus': 'usb'}}), 'rescue_bus')


_RESOURCE_FIELDS = {'vcpus', 'vcpus_used', 'memory_mb', 'memory_mb_used',
                    'free_ram_mb', 'local_gb', 'local_gb_used',
                    'free_disk_gb', 'disk_available_least',
                    'current_workload', 'running_vms', 'cpu_info'}


def test_2_88_hypervisor_resources_gone_uptime_shown(v, hosts):
    hosts.nodes[0]['uptime'] = ' 10:00:00 up 0 days, 1:00, 0 users'
    [before] = v('2.87', 'GET', '/os-hypervisors/detail',
                 token=ADMIN).json['hypervisors']
    assert _RESOURCE_FIELDS <= set(before) and 'uptime' not in before
    [after] = v('2.88', 'GET', '/os-hypervisors/detail',
                token=ADMIN).json['hypervisors']
    assert not _RESOURCE_FIELDS & set(after)
    assert after['uptime'] == hosts.nodes[0]['uptime']
    assert (after['hypervisor_type'], after['hypervisor_version'],
            after['host_ip']) == ('fake', 0, None)
    assert after['service']['host'] == 'api!cell1@host1'
    shown = v('2.88', 'GET', f"/os-hypervisors/{after['id']}",
              token=ADMIN).json['hypervisor']
    assert shown == after
    # The brief listing is as before.
    [brief] = v('2.88', 'GET', '/os-hypervisors',
                token=ADMIN).json['hypervisors']
    assert set(brief) == {'id', 'hypervisor_hostname', 'state', 'status'}
    assert v('2.87', 'GET', '/os-hypervisors/statistics',
             token=ADMIN).status_int == 200
    assert v('2.88', 'GET', '/os-hypervisors/statistics',
             token=ADMIN).status_int == 404
    assert v('2.88', 'GET', f"/os-hypervisors/{after['id']}/uptime",
             token=ADMIN).status_int == 404


def _create(v, version, **server):
    body = {'server': dict({'name': 'vm', 'imageRef': IMAGE,
                            'flavorRef': '1', 'networks': 'auto'},
                           **server)}
    return v(version, 'POST', '/servers', body)


def test_2_90_hostname_on_create(v, compute):
    _bad(_create(v, '2.89', hostname='web-1'), 'hostname')
    resp = _create(v, '2.90', hostname='web-1')
    assert resp.status_int == 202, resp.body
    assert compute.calls[-1][1]['hostname'] == 'web-1'
    before = len(compute.instances)
    for bad in ('a', 'web_1', 'web.example.org', '-web', 'x' * 64, ''):
        _bad(_create(v, '2.90', hostname=bad), 'hostname')
    _bad(_create(v, '2.90', hostname='web', max_count=2),
         'Unable to allocate a single hostname to multiple instances')
    assert len(compute.instances) == before


def test_2_90_hostname_shown_to_members(v, compute):
    inst = compute.add_instance(hostname='vm-host')
    path = f'/servers/{inst.uuid}'
    assert 'OS-EXT-SRV-ATTR:hostname' not in v('2.89', 'GET', path).json[
        'server']
    assert v('2.90', 'GET', path).json['server'][
        'OS-EXT-SRV-ATTR:hostname'] == 'vm-host'
    [listed] = v('2.90', 'GET', '/servers/detail').json['servers']
    assert listed['OS-EXT-SRV-ATTR:hostname'] == 'vm-host'


def test_2_90_hostname_on_update_and_rebuild(v, compute):
    inst = compute.add_instance(hostname='old')
    path = f'/servers/{inst.uuid}'
    _bad(v('2.89', 'PUT', path, {'server': {'hostname': 'new'}}),
         'hostname')
    resp = v('2.90', 'PUT', path, {'server': {'hostname': 'new'}})
    assert resp.status_int == 200, resp.body
    assert resp.json['server']['OS-EXT-SRV-ATTR:hostname'] == 'new'
    _bad(v('2.90', 'PUT', path, {'server': {'hostname': 'no_pe'}}),
         'hostname')
    assert compute.instances[inst.uuid].hostname == 'new'
    rebuild = {'rebuild': {'imageRef': IMAGE, 'hostname': 'again'}}
    _bad(v('2.89', 'POST', path + '/action', rebuild), 'hostname')
    resp = v('2.90', 'POST', path + '/action', rebuild)
    assert resp.status_int == 202, resp.body
    assert compute.last_call('rebuild')['changes']['hostname'] == 'again'


def test_2_91_unshelve_to_a_host_of_the_cell(v, compute, hosts):
    inst = compute.add_instance(vm_state='shelved_offloaded',
                                cell_name='api!cell1', host=None)
    path = f'/servers/{inst.uuid}/action'
    to_host = {'unshelve': {'host': 'host1'}}
    _bad(v('2.90', 'POST', path, to_host, token=ADMIN), 'host')
    # A member may not name a host.
    assert v('2.91', 'POST', path, to_host).status_int == 403
    # Not a host of the server's cell, or unknown: 400.
    for host in ('api!cell2@host1', 'nohost'):
        _bad(v('2.91', 'POST', path, {'unshelve': {'host': host}},
               token=ADMIN), 'could not be found')
    _bad(v('2.91', 'POST', path, {'unshelve': {
        'host': 'host1', 'availability_zone': 'nova', 'x': 1}},
        token=ADMIN), 'x')
    assert not [c for c in compute.calls if c[0] == 'unshelve']
    resp = v('2.91', 'POST', path, {'unshelve': {
        'host': 'api!cell1@host1', 'availability_zone': 'nova'}},
        token=ADMIN)
    assert resp.status_int == 202, resp.body
    assert compute.last_call('unshelve')['host'] == 'host1'
    # Only an offloaded server may be sent to a host.
    shelved = compute.add_instance(vm_state='shelved',
                                   cell_name='api!cell1')
    assert v('2.91', 'POST', f'/servers/{shelved.uuid}/action', to_host,
             token=ADMIN).status_int == 409


def test_2_91_unshelve_unpinned(v, compute, hosts):
    inst = compute.add_instance(vm_state='shelved_offloaded')
    path = f'/servers/{inst.uuid}/action'
    unpinned = {'unshelve': {'availability_zone': None}}
    _bad(v('2.90', 'POST', path, unpinned), 'availability_zone')
    assert v('2.91', 'POST', path, unpinned).status_int == 202
    assert 'host' not in compute.last_call('unshelve')
    shelved = compute.add_instance(vm_state='shelved')
    assert v('2.91', 'POST', f'/servers/{shelved.uuid}/action',
             unpinned).status_int == 409
    assert v('2.91', 'POST', f'/servers/{shelved.uuid}/action',
             {'unshelve': None}).status_int == 202


def test_2_92_key_pairs_are_imported_only(v, compute):
    _bad(v('2.92', 'POST', '/os-keypairs', {'keypair': {'name': 'gen'}}),
         'public_key')
    assert compute.keypairs == {}
    resp = v('2.91', 'POST', '/os-keypairs', {'keypair': {'name': 'gen'}})
    assert resp.status_int == 201 and resp.json['keypair']['private_key']
    public = resp.json['keypair']['public_key']
    resp = v('2.92', 'POST', '/os-keypairs', {'keypair': {
        'name': 'me@host.example', 'public_key': public}})
    assert resp.status_int == 201, resp.body
    assert 'private_key' not in resp.json['keypair']
    _bad(v('2.91', 'POST', '/os-keypairs', {'keypair': {
        'name': 'me@host', 'public_key': public}}), 'unsafe characters')
    _bad(v('2.92', 'POST', '/os-keypairs', {'keypair': {
        'name': 'no/slash', 'public_key': public}}), 'name')
    assert sorted(name for _user, name in compute.keypairs) == [
        'gen', 'me@host.example']


def test_2_93_rebuild_is_unchanged(v, compute):
    inst = compute.add_instance()
    resp = v('2.93', 'POST', f'/servers/{inst.uuid}/action',
             {'rebuild': {'imageRef': IMAGE}})
    assert resp.status_int == 202, resp.body


def test_2_94_fqdn_hostnames(v, compute):
    fqdn = 'web-1.example.org'
    _bad(_create(v, '2.93', hostname=fqdn), 'hostname')
    assert _create(v, '2.94', hostname=fqdn).status_int == 202
    assert compute.calls[-1][1]['hostname'] == fqdn
    long_fqdn = '.'.join(['a' * 63] * 4)     # 255 characters
    assert _create(v, '2.94', hostname=long_fqdn).status_int == 202
    before = len(compute.instances)
    for bad in (long_fqdn + 'b', 'web..example', 'web.-x.org', '.web',
                'web_1.example.org', 'a' * 64 + '.org'):
        _bad(_create(v, '2.94', hostname=bad), 'hostname')
    assert len(compute.instances) == before
    inst = compute.add_instance()
    path = f'/servers/{inst.uuid}'
    _bad(v('2.93', 'PUT', path, {'server': {'hostname': fqdn}}), 'hostname')
    assert v('2.94', 'PUT', path, {'server': {'hostname': fqdn}}).json[
        'server']['OS-EXT-SRV-ATTR:hostname'] == fqdn
    rebuild = {'rebuild': {'imageRef': IMAGE, 'hostname': 'b.example'}}
    _bad(v('2.93', 'POST', path + '/action', rebuild), 'hostname')
    assert v('2.94', 'POST', path + '/action', rebuild).status_int == 202


def test_2_95_evacuate_stays_absent(v, compute):
    inst = compute.add_instance()
    _bad(v('2.95', 'POST', f'/servers/{inst.uuid}/action',
           {'evacuate': {}}, token=ADMIN), 'evacuate')


def test_2_96_pinned_availability_zone(v, compute, hosts):
    pinned = compute.add_instance(system_metadata={
        'pinned_availability_zone': 'nova'})
    free = compute.add_instance()
    path = f'/servers/{pinned.uuid}'
    assert 'pinned_availability_zone' not in v('2.95', 'GET', path).json[
        'server']
    assert v('2.96', 'GET', path).json['server'][
        'pinned_availability_zone'] == 'nova'
    listed = {s['id']: s['pinned_availability_zone'] for s in v(
        '2.96', 'GET', '/servers/detail').json['servers']}
    assert listed == {pinned.uuid: 'nova', free.uuid: None}
    assert v('2.96', 'PUT', path, {'server': {'name': 'n'}}).json[
        'server']['pinned_availability_zone'] == 'nova'
    # An unshelve to zone null unpins it.
    pinned.vm_state = 'shelved_offloaded'
    assert v('2.96', 'POST', path + '/action', {'unshelve': {
        'availability_zone': None}}).status_int == 202
    assert v('2.96', 'GET', path).json['server'][
        'pinned_availability_zone'] is None


def test_2_97_shares_are_absent(v, compute):
    inst = compute.add_instance()
    assert v('2.97', 'GET', f'/servers/{inst.uuid}/shares').status_int == 404
    assert v('2.97', 'POST', f'/servers/{inst.uuid}/shares', {
        'share': {'share_id': IMAGE}}).status_int == 404


def test_2_98_image_properties_embedded(v, compute):
    inst = compute.add_instance(system_metadata={
        'image_os_distro': 'cirros', 'image_min_ram': '0',
        'locked_reason': 'x'})
    path = f'/servers/{inst.uuid}'
    assert 'properties' not in v('2.97', 'GET', path).json['server'][
        'image']
    image = v('2.98', 'GET', path).json['server']['image']
    assert image['id'] == IMAGE
    assert image['properties'] == {'os_distro': 'cirros', 'min_ram': '0'}
    [listed] = v('2.98', 'GET', '/servers/detail').json['servers']
    assert listed['image']['properties'] == image['properties']
    # A server without an image (booted from a volume in Nova) shows ''.
    compute.add_instance(image_ref='')
    images = [s['image'] for s in v('2.98', 'GET', '/servers/detail').json[
        'servers']]
    assert '' in images


def test_2_99_spice_direct_is_absent(v, compute):
    inst = compute.add_instance()
    assert v('2.99', 'POST', f'/servers/{inst.uuid}/remote-consoles', {
        'remote_console': {'protocol': 'spice', 'type': 'spice-direct'}},
        token=ADMIN).status_int == 404


def test_2_100_scheduler_hints_shown(v, compute):
    hinted = compute.add_instance(scheduler_hints=(
        '{"same_host": "' + IMAGE + '", "different_host": ["a", "b"],'
        ' "query": "[\\"=\\", \\"$free_ram_mb\\", 1024]"}'))
    plain = compute.add_instance()
    path = f'/servers/{hinted.uuid}'
    assert 'scheduler_hints' not in v('2.99', 'GET', path).json['server']
    expected = {'same_host': [IMAGE], 'different_host': ['a', 'b'],
                'query': ['["=", "$free_ram_mb", 1024]']}
    assert v('2.100', 'GET', path).json['server'][
        'scheduler_hints'] == expected
    listed = {s['id']: s['scheduler_hints'] for s in v(
        '2.100', 'GET', '/servers/detail').json['servers']}
    assert listed == {hinted.uuid: expected, plain.uuid: {}}
    assert v('2.100', 'PUT', path, {'server': {'name': 'x'}}).json[
        'server']['scheduler_hints'] == expected


def test_2_101_volume_attach_is_absent(v, compute):
    inst = compute.add_instance()
    resp = v('2.101', 'POST', f'/servers/{inst.uuid}/os-volume_attachments',
             {'volumeAttachment': {'volumeId': IMAGE}})
    assert resp.status_int == 404, resp.body
