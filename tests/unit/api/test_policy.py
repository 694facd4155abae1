"""Policy defaults, overrides from a file, and project isolation."""

from __future__ import annotations

import os

import pytest

from nova import context as nova_context
from nova import exception
from nova.api import policy
from nova.api import wsgi_app
from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import app_with_policy
from nova.tests.unit.api.conftest import request


def test_defaults_cover_every_route():
    names = {rule.name for rule in policy.list_rules()}
    for action in ('index', 'detail', 'show', 'create', 'delete',
                   'index:get_all_tenants', 'detail:get_all_tenants'):
        assert policy.SERVERS % action in names
    assert policy.EXTENDED_SERVER_ATTRIBUTES in names


def _ctxt(user, project, admin=False):
    return nova_context.RequestContext(
        user, project, is_admin=admin,
        roles=['admin'] if admin else ['member'])


def test_admin_or_owner(conf):
    enforcer = policy.new_enforcer(conf)
    show = policy.SERVERS % 'show'
    member = _ctxt('alice', 'proj1')
    assert policy.authorize(enforcer, member, show,
                            {'project_id': 'proj1'})
    assert not policy.authorize(enforcer, member, show,
                                {'project_id': 'proj2'}, fatal=False)
    with pytest.raises(exception.PolicyNotAuthorized):
        policy.authorize(enforcer, member, show, {'project_id': 'proj2'})
    assert policy.authorize(enforcer, _ctxt('admin', 'admin', True), show,
                            {'project_id': 'proj2'})


def test_admin_api(conf):
    enforcer = policy.new_enforcer(conf)
    rule = policy.SERVERS % 'index:get_all_tenants'
    assert not policy.authorize(enforcer, _ctxt('alice', 'proj1'), rule,
                                fatal=False)
    assert policy.authorize(enforcer, _ctxt('admin', 'admin', True), rule)


def test_policy_file_can_restrict(conf, compute, tmp_path):
    app = app_with_policy(conf, compute, tmp_path,
                           '"os_compute_api:servers:index": "role:admin"\n')
    resp = request(app, 'GET', '/v2.1/servers')
    assert resp.status_int == 403
    assert resp.json['forbidden']['code'] == 403
    assert request(app, 'GET', '/v2.1/servers', token=ADMIN).status_int == \
        200
    # Other rules keep their defaults.
    assert request(app, 'GET', '/v2.1/servers/detail').status_int == 200


def test_policy_file_can_open_up(conf, compute, tmp_path):
    app = app_with_policy(
        conf, compute, tmp_path,
        '"os_compute_api:servers:index:get_all_tenants": "@"\n'
        '"os_compute_api:os-extended-server-attributes": "@"\n')
    compute.add_instance(project_id='proj2')
    mine = compute.add_instance(project_id='proj1')
    resp = request(app, 'GET', '/v2.1/servers?all_tenants=1')
    assert len(resp.json['servers']) == 2
    server = request(app, 'GET', f'/v2.1/servers/{mine.uuid}').json[
        'server']
    assert server['OS-EXT-SRV-ATTR:host'] == 'host1'


def test_create_and_delete_can_be_denied(conf, compute, tmp_path):
    app = app_with_policy(conf, compute, tmp_path,
                           '"os_compute_api:servers:create": "!"\n'
                           '"os_compute_api:servers:delete": "!"\n')
    inst = compute.add_instance()
    body = {'server': {'name': 'a', 'flavorRef': '1',
                       'imageRef': inst.image_ref}}
    assert request(app, 'POST', '/v2.1/servers', body).status_int == 403
    assert request(app, 'DELETE',
                   f'/v2.1/servers/{inst.uuid}').status_int == 403
    assert inst.uuid in compute.instances


def test_sample_policy_file_lists_every_default():
    path = os.path.join(wsgi_app.package_etc_dir(), 'policy.yaml')
    with open(path) as sample:
        text = sample.read()
    for rule in policy.list_rules():
        assert f'#"{rule.name}": "{rule.check_str}"' in text
        assert rule.description in text


def test_defaults_of_issue_4_routes():
    defaults = {rule.name: rule.check_str for rule in policy.list_rules()}
    owner = 'rule:admin_or_owner'
    admin = 'rule:admin_api'
    for action in ('reboot', 'rebuild', 'resize', 'confirm_resize',
                   'revert_resize', 'create_image', 'start', 'stop',
                   'update'):
        assert defaults[policy.SERVERS % action] == owner
    for name in ('os_compute_api:os-pause-server:pause',
                 'os_compute_api:os-suspend-server:resume',
                 'os_compute_api:os-lock-server:lock',
                 'os_compute_api:os-lock-server:unlock',
                 'os_compute_api:os-rescue', 'os_compute_api:os-unrescue',
                 'os_compute_api:os-shelve:unshelve',
                 'os_compute_api:os-console-output',
                 'os_compute_api:os-deferred-delete:force',
                 'os_compute_api:server-metadata:update_all',
                 'os_compute_api:os-instance-actions:show',
                 'os_compute_api:os-flavor-extra-specs:index'):
        assert defaults[name] == owner, name
    for name in ('os_compute_api:os-lock-server:unlock:unlock_override',
                 'os_compute_api:os-instance-actions:events',
                 'os_compute_api:os-flavor-manage:create',
                 'os_compute_api:os-flavor-manage:delete',
                 'os_compute_api:os-flavor-extra-specs:create',
                 'os_compute_api:os-flavor-extra-specs:update',
                 'os_compute_api:os-flavor-extra-specs:delete'):
        assert defaults[name] == admin, name
    assert defaults['os_compute_api:os-keypairs:create'] == \
        'rule:admin_api or user_id:%(user_id)s'


@pytest.mark.parametrize('rule, method, path, body', [
    ('servers:reboot', 'POST', 'action', {'reboot': {'type': 'SOFT'}}),
    ('os-pause-server:pause', 'POST', 'action', {'pause': None}),
    ('os-console-output', 'POST', 'action', {'os-getConsoleOutput': {}}),
    ('servers:update', 'PUT', '', {'server': {'name': 'x'}}),
    ('server-metadata:index', 'GET', 'metadata', None),
    ('os-instance-actions:list', 'GET', 'os-instance-actions', None),
])
def test_server_routes_can_be_denied(conf, compute, tmp_path, rule, method,
                                     path, body):
    app = app_with_policy(conf, compute, tmp_path,
                          f'"os_compute_api:{rule}": "!"\n')
    inst = compute.add_instance(name='vm')
    url = f'/v2.1/servers/{inst.uuid}' + (f'/{path}' if path else '')
    resp = request(app, method, url, body)
    assert resp.status_int == 403
    assert resp.json['forbidden']['message'] == \
        f"Policy doesn't allow os_compute_api:{rule} to be performed."
    assert (inst.vm_state, inst.display_name) == ('active', 'vm')


def test_events_can_be_opened_to_owners(conf, compute, tmp_path):
    app = app_with_policy(conf, compute, tmp_path,
                          '"os_compute_api:os-instance-actions:events": '
                          '"rule:admin_or_owner"\n')
    inst = compute.add_instance()
    resp = request(app, 'POST', f'/v2.1/servers/{inst.uuid}/action',
                   {'pause': None})
    request_id = resp.headers['X-OpenStack-Request-ID']
    action = request(app, 'GET', f'/v2.1/servers/{inst.uuid}/'
                     f'os-instance-actions/{request_id}').json
    assert action['instanceAction']['events'][0]['event'] == \
        'compute_pause'
