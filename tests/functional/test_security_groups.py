"""Security groups through the REST API of a tree with two child cells.

The groups live in the API cell; the rules a server's groups hold reach
the fake hypervisor of its compute host in its own cell, on boot and
after every change of a rule or of the server's groups, in whichever
cell the server runs.  Refused requests change nothing.
"""

from __future__ import annotations

import pytest

from nova import context as nova_context
from nova.tests.functional import rest_client as rc
from nova.tools.polling import wait_for

ADMIN_CTXT = nova_context.get_admin_context()
CELLS = ('cell1', 'cell2')


@pytest.fixture(scope='module')
def running(tmp_path_factory):
    yield from rc.running_tree(str(tmp_path_factory.mktemp('secgroups')))


def _req(tree, method, path, body=None, token=rc.ADMIN, version=None):
    headers = ({'OpenStack-API-Version': 'compute %s' % version}
               if version else None)
    return rc.request(tree, method, path, body, token=token,
                      headers=headers)


def _group(tree, name, token=rc.ADMIN):
    code, body = _req(tree, 'POST', '/os-security-groups',
                      {'security_group': {'name': name,
                                          'description': name + ' hosts'}},
                      token=token)
    assert code == 200, body
    return body['security_group']


def _rule(tree, group_id, protocol='tcp', from_port=22, to_port=22,
          cidr='10.0.0.0/8', token=rc.ADMIN, **extra):
    code, body = _req(tree, 'POST', '/os-security-group-rules',
                      {'security_group_rule': dict(
                          parent_group_id=group_id, ip_protocol=protocol,
                          from_port=from_port, to_port=to_port, cidr=cidr,
                          **extra)}, token=token)
    return code, body


def _boot_into(tree, cell, name, groups):
    code, body = _req(tree, 'POST', '/servers', {
        'server': {'name': name, 'imageRef': rc.IMAGE, 'flavorRef': '1',
                   'security_groups': [{'name': g} for g in groups]},
        'os:scheduler_hints': {'target_cell': 'api!' + cell}})
    assert code == 202, body
    server_id = body['server']['id']
    rc.settled(tree, server_id, 'ACTIVE', rc.ADMIN)
    return server_id


def _driver(tree, server_id):
    """The fake hypervisor running the server, in its own cell."""
    top = tree.db('api').instance_get_by_uuid(ADMIN_CTXT, server_id)
    cell = top['cell_name'].split('!')[-1]
    host = tree.db(cell).instance_get_by_uuid(ADMIN_CTXT, server_id)['host']
    for service in tree.runtimes[cell].services['compute']:
        if service.manager.host == host:
            return cell, service.manager.driver
    raise AssertionError('no compute host %s in %s' % (host, cell))


def _applied(tree, server_id):
    """The rules the server's hypervisor filters it by, as tuples."""
    _cell, driver = _driver(tree, server_id)
    return sorted((r['security_group'], r['protocol'], r['from_port'],
                   r['to_port'], r['cidr'])
                  for r in driver.security_rules(server_id) or ())


def _wait_applied(tree, server_id, expected, what):
    wait_for(lambda: _applied(tree, server_id) == sorted(expected), 10,
             what=lambda: '%s (applied: %s)' % (
                 what, _applied(tree, server_id)))


def _counts(tree):
    db = tree.db('api')
    groups = db.security_group_list(ADMIN_CTXT)
    return (len(groups), sum(len(g['rules']) for g in groups),
            len(tree.live_instances('api')))


# -- the groups and their rules ------------------------------------------

def test_default_group_is_created_on_first_use(running):
    token = 'carol:project-c'
    code, body = _req(running, 'GET', '/os-security-groups', token=token)
    assert code == 200, body
    assert [(g['name'], g['tenant_id'], g['rules'])
            for g in body['security_groups']] == [
        ('default', 'project-c', [])]
    code, again = _req(running, 'GET', '/os-security-groups', token=token)
    assert again == body


def test_rules_reach_the_hosts_of_every_cell_with_a_member(running):
    web = _group(running, 'web')
    code, first = _rule(running, web['id'], from_port=80, to_port=80)
    assert code == 200, first
    assert first['security_group_rule']['ip_range'] == {
        'cidr': '10.0.0.0/8'}
    servers = {cell: _boot_into(running, cell, 'web-' + cell, ['web'])
               for cell in CELLS}
    assert {_driver(running, s)[0] for s in servers.values()} == set(CELLS)
    http = ('web', 'tcp', 80, 80, '10.0.0.0/8')
    for server_id in servers.values():
        assert _applied(running, server_id) == [http]
        assert rc.server(running, server_id, rc.ADMIN)[
            'security_groups'] == [{'name': 'web'}]

    code, added = _rule(running, web['id'], protocol='icmp', from_port=-1,
                        to_port=-1, cidr='0.0.0.0/0')
    assert code == 200, added
    ping = ('web', 'icmp', -1, -1, '0.0.0.0/0')
    for cell, server_id in servers.items():
        _wait_applied(running, server_id, [http, ping],
                      'the new rule on the host in ' + cell)

    rule_id = first['security_group_rule']['id']
    code, _ = _req(running, 'DELETE', '/os-security-group-rules/%d'
                   % rule_id)
    assert code == 202
    for cell, server_id in servers.items():
        _wait_applied(running, server_id, [ping],
                      'the rule gone from the host in ' + cell)
    code, body = _req(running, 'DELETE', '/os-security-group-rules/%d'
                      % rule_id)
    assert code == 404, body


def test_add_and_remove_a_group_on_a_server(running):
    db_group = _group(running, 'db')
    assert _rule(running, db_group['id'], from_port=3306,
                 to_port=3306)[0] == 200
    server_id = _boot_into(running, 'cell2', 'app', [])
    assert rc.server(running, server_id, rc.ADMIN)['security_groups'] == [
        {'name': 'default'}]
    assert _applied(running, server_id) == []
    path = '/servers/%s/action' % server_id

    code, body = _req(running, 'POST', path,
                      {'addSecurityGroup': {'name': 'db'}})
    assert code == 202, body
    mysql = ('db', 'tcp', 3306, 3306, '10.0.0.0/8')
    _wait_applied(running, server_id, [mysql], 'the added group')
    assert [g['name'] for g in _req(
        running, 'GET', '/servers/%s/os-security-groups' % server_id)[1][
        'security_groups']] == ['db', 'default']
    assert rc.server(running, server_id, rc.ADMIN)['security_groups'] == [
        {'name': 'default'}, {'name': 'db'}]

    code, body = _req(running, 'POST', path,
                      {'addSecurityGroup': {'name': 'db'}})
    assert code == 400, body
    code, body = _req(running, 'POST', path,
                      {'addSecurityGroup': {'name': 'nowhere'}})
    assert code == 404, body

    code, body = _req(running, 'POST', path,
                      {'removeSecurityGroup': {'name': 'db'}})
    assert code == 202, body
    _wait_applied(running, server_id, [], 'the removed group')
    code, body = _req(running, 'POST', path,
                      {'removeSecurityGroup': {'name': 'db'}})
    assert code == 400, body
    # A group in use cannot go; once free it can.
    code, body = _req(running, 'DELETE', '/os-security-groups/%d'
                      % db_group['id'])
    assert code == 202, body


def test_a_group_in_use_and_the_default_group_stay(running):
    busy = _group(running, 'busy')
    server_id = _boot_into(running, 'cell1', 'busy-vm', ['busy'])
    before = _counts(running)
    code, body = _req(running, 'DELETE', '/os-security-groups/%d'
                      % busy['id'])
    assert code == 400, body
    assert body['badRequest']['message'] == 'Security group is still in use'
    default = [g for g in _req(running, 'GET', '/os-security-groups')[1][
        'security_groups'] if g['name'] == 'default'][0]
    code, body = _req(running, 'DELETE', '/os-security-groups/%d'
                      % default['id'])
    assert code == 400, body
    assert body['badRequest']['message'] == \
        "Unable to delete system group 'default'"
    assert _counts(running) == before
    code, _ = _req(running, 'DELETE', '/servers/' + server_id)
    assert code == 204
    wait_for(lambda: _req(running, 'DELETE', '/os-security-groups/%d'
                          % busy['id'])[0] == 202, 15,
             what='the group free once its server is gone')


@pytest.mark.parametrize('rule, status, message', [
    ({'ip_protocol': 'tcp', 'from_port': 90, 'to_port': 80},
     400, 'Invalid port range 90:80. Former value cannot be greater than '
          'the later'),
    ({'ip_protocol': 'tcp', 'from_port': 0, 'to_port': 80},
     400, 'Invalid port range 0:80. Valid TCP ports should be between '
          '1-65535'),
    ({'ip_protocol': 'icmp', 'from_port': 256, 'to_port': 0},
     400, 'Invalid port range 256:0. For ICMP, the type:code must be '
          'valid'),
    ({'ip_protocol': 'gre', 'from_port': 1, 'to_port': 2},
     400, 'Invalid IP protocol gre.'),
    ({'ip_protocol': 'tcp', 'from_port': 'x', 'to_port': 2},
     400, 'Invalid input received: To and From ports must be integers'),
    ({'ip_protocol': 'tcp', 'from_port': 1, 'to_port': 2,
      'cidr': '10.0.0.300/8'}, 400, '10.0.0.300/8 is not a valid IP '
                                    'network.'),
    ({'ip_protocol': 'tcp', 'from_port': 1, 'to_port': 2,
      'cidr': '10.0.0.0/0'}, 400, 'Bad prefix for network in cidr '
                                  '10.0.0.0/0'),
    ({'ip_protocol': 'tcp', 'cidr': '10.0.0.0/8'},
     400, 'Not enough parameters to build a valid rule.'),
    ({'ip_protocol': 'tcp', 'from_port': 1, 'to_port': 2,
      'group_id': 999999}, 404, 'Security group 999999 not found.'),
])
def test_bad_rules_write_nothing(running, rule, status, message):
    group = _group(running, 'strict-%d' % len(message))
    before = _counts(running)
    code, body = _req(running, 'POST', '/os-security-group-rules',
                      {'security_group_rule': dict(
                          rule, parent_group_id=group['id'])})
    assert code == status, body
    assert next(iter(body.values()))['message'] == message
    assert _counts(running) == before
    _req(running, 'DELETE', '/os-security-groups/%d' % group['id'])


def test_bad_groups_and_boots_write_nothing(running):
    # A first use (this listing) creates the project's default group:
    # that is no write of the refused requests below.
    _req(running, 'GET', '/os-security-groups')
    before = _counts(running)
    for body, message in [
            ({}, "The request body can't be empty"),
            ({'security_group': {'name': 'x'}},
             'Security group description is not a string or unicode'),
            ({'security_group': {'name': ' ', 'description': 'd'}},
             'name has a minimum character requirement of 1.'),
            ({'security_group': {'name': 'x' * 256, 'description': 'd'}},
             'name has more than 255 characters.'),
            ({'security_group': {'name': 'default', 'description': 'd'}},
             'Security group default already exists')]:
        code, answer = _req(running, 'POST', '/os-security-groups', body)
        assert (code, answer['badRequest']['message']) == (400, message)
    code, body = _req(running, 'GET', '/os-security-groups/abc')
    assert (code, body['badRequest']['message']) == (
        400, 'Security group id should be integer')
    code, body = rc.boot(running, 'nope', token=rc.ADMIN,
                         security_groups=[{'name': 'nowhere'}])
    assert code == 400, body
    assert _counts(running) == before


def test_another_projects_group_is_not_found(running):
    group = _group(running, 'private', token='dave:project-d')
    code, body = _req(running, 'GET', '/os-security-groups/%d' % group['id'],
                      token='erin:project-e')
    assert code == 404, body
    code, body = _rule(running, group['id'], token='erin:project-e')
    assert code == 404, body
    assert _req(running, 'GET', '/os-security-groups/%d' % group['id'],
                token='dave:project-d')[1]['security_group']['rules'] == []


def test_quotas_of_groups_and_rules(running):
    token = 'frank:project-f'
    code, _ = _req(running, 'PUT', '/os-quota-sets/project-f', {
        'quota_set': {'security_groups': 2, 'security_group_rules': 1}})
    assert code == 200
    group = _group(running, 'one', token=token)     # with default: 2
    before = _counts(running)
    code, body = _req(running, 'POST', '/os-security-groups',
                      {'security_group': {'name': 'two',
                                          'description': 'd'}}, token=token)
    assert code == 403, body
    assert body['forbidden']['message'] == \
        'Quota exceeded, too many security groups.'
    assert _rule(running, group['id'], token=token)[0] == 200
    code, body = _rule(running, group['id'], from_port=23, to_port=23,
                       token=token)
    assert code == 403, body
    assert body['forbidden']['message'] == \
        'Quota exceeded, too many security group rules.'
    assert _counts(running)[0] == before[0]
    limits = _req(running, 'GET', '/limits', token=token)[1]['limits'][
        'absolute']
    assert (limits['maxSecurityGroups'], limits['totalSecurityGroupsUsed'],
            limits['maxSecurityGroupRules']) == (2, 2, 1)


def test_default_rules_fill_new_default_groups(running):
    rule = {'ip_protocol': 'tcp', 'from_port': 22, 'to_port': 22,
            'cidr': '192.168.0.0/16'}
    path = '/os-security-group-default-rules'
    code, body = _req(running, 'POST', path,
                      {'security_group_default_rule': rule},
                      token='gina:project-g')
    assert code == 403, body
    code, body = _req(running, 'POST', path,
                      {'security_group_default_rule': rule})
    assert code == 200, body
    created = body['security_group_default_rule']
    assert created['ip_range'] == {'cidr': '192.168.0.0/16'}
    code, body = _req(running, 'POST', path,
                      {'security_group_default_rule': rule})
    assert code == 409, body
    groups = _req(running, 'GET', '/os-security-groups',
                  token='gina:project-g')[1]['security_groups']
    assert [(r['ip_protocol'], r['from_port'], r['ip_range'])
            for r in groups[0]['rules']] == [
        ('tcp', 22, {'cidr': '192.168.0.0/16'})]
    code, _ = _req(running, 'DELETE', '%s/%d' % (path, created['id']))
    assert code == 204
    code, body = _req(running, 'GET', '%s/%d' % (path, created['id']))
    assert code == 404, body


def test_the_proxies_end_at_2_35(running):
    for path in ('/os-security-groups', '/os-security-group-default-rules'):
        assert _req(running, 'GET', path, version='2.35')[0] == 200
        assert _req(running, 'GET', path, version='2.36')[0] == 404
    code, _ = _req(running, 'POST', '/os-security-group-rules',
                   {'security_group_rule': {}}, version='2.36')
    assert code == 404
