"""Security groups of the compute API over one cell's database: the
checks of input (Nova's words), the groups and rules, membership, what
reaches the compute hosts and, in the API cell, which cells are told."""

from __future__ import annotations

from typing import Any

import pytest

from nova import context as nova_context
from nova import exception
from nova import objects
from nova.compute import api as compute_api
from nova.compute import cells_api
from nova.compute import flavors
from nova.compute import images
from nova.compute import secgroup_rules

USER = nova_context.RequestContext('u1', 'p1')
OTHER = nova_context.RequestContext('u2', 'p2')
TCP_22 = {'protocol': 'tcp', 'from_port': 22, 'to_port': 22,
          'cidr': '10.0.0.0/8', 'group_id': None}


# -- checks of input --------------------------------------------------------

@pytest.mark.parametrize('args, expected', [
    (('tcp', 1, 65535), dict(TCP_22, from_port=1, to_port=65535,
                             cidr='0.0.0.0/0')),
    (('TCP', '22', '22', '10.0.0.0/8'), dict(TCP_22, protocol='TCP')),
    (('icmp', -1, -1, '::/0'), {'protocol': 'icmp', 'from_port': -1,
                                'to_port': -1, 'cidr': '::/0',
                                'group_id': None}),
    (('tcp', None, None, None, 7), {'protocol': 'tcp', 'from_port': 1,
                                    'to_port': 65535, 'cidr': None,
                                    'group_id': 7}),
    ((None, None, None, None, 7), {'protocol': None, 'from_port': None,
                                   'to_port': None, 'cidr': None,
                                   'group_id': 7}),
    (('tcp', None, None, '10.0.0.0/8'), None),
])
def test_rule_values(args, expected):
    assert secgroup_rules.rule_values(*args) == expected


@pytest.mark.parametrize('args, error, message', [
    (('tcp', 5, 4), exception.InvalidPortRange,
     'Invalid port range 5:4. Former value cannot be greater than the '
     'later'),
    (('udp', 1, 65536), exception.InvalidPortRange,
     'Invalid port range 1:65536. Valid UDP ports should be between '
     '1-65535'),
    (('icmp', -2, 0), exception.InvalidPortRange,
     'Invalid port range -2:0. For ICMP, the type:code must be valid'),
    (('icmp', 'a', 0), exception.InvalidInput,
     'Invalid input received: Type and Code must be integers for ICMP '
     'protocol type'),
    (('tcp', [1], 2), exception.InvalidInput,
     'Invalid input received: To and From ports must be integers'),
    (('sctp', 1, 2), exception.InvalidIpProtocol,
     'Invalid IP protocol sctp.'),
    (('tcp', 1, 2, '10.0.0.0'), exception.InvalidCidr,
     '10.0.0.0 is not a valid IP network.'),
    (('tcp', 1, 2, 'x/8'), exception.InvalidCidr,
     'x/8 is not a valid IP network.'),
    (('tcp', 1, 2, '10.1.0.0/0'), exception.Invalid,
     'Bad prefix for network in cidr 10.1.0.0/0'),
])
def test_bad_rules(args, error, message):
    with pytest.raises(error) as caught:
        secgroup_rules.rule_values(*args)
    assert caught.value.format_message() == message
    assert caught.value.code == 400


@pytest.mark.parametrize('value, message', [
    (None, 'Security group name is not a string or unicode'),
    ('  ', 'name has a minimum character requirement of 1.'),
    ('x' * 256, 'name has more than 255 characters.'),
])
def test_bad_names(value, message):
    with pytest.raises(exception.Invalid) as caught:
        secgroup_rules.check_property(value, 'name')
    assert caught.value.format_message() == message


def test_ids_are_integers():
    assert secgroup_rules.group_id('12') == 12
    for bad in ('abc', None, '1.5'):
        with pytest.raises(exception.Invalid) as caught:
            secgroup_rules.group_id(bad)
        assert caught.value.format_message() == \
            'Security group id should be integer'


# -- a cell that runs its servers -------------------------------------------

class Recorder:
    """Stands for the compute RPC client: what reached which host."""

    def __init__(self) -> None:
        self.refreshed: list[tuple[str, str]] = []

    def refresh_instance_security_rules(self, ctxt: Any,
                                        instance: objects.Instance) -> None:
        self.refreshed.append((instance.host, instance.uuid))


@pytest.fixture
def api(conf, db, transport, monkeypatch):
    flavors.ensure_default_flavors(db)
    images.ensure_default_images(db)
    api = compute_api.API(conf, db, transport)
    monkeypatch.setattr(api, '_schedule', lambda *args: None)
    api.compute_rpcapi = Recorder()
    return api


def _boot(api, ctxt=USER, groups=None, host='host1'):
    [instance], _ = api.create(ctxt, api.flavor_get(ctxt, '1'),
                               images.DEFAULT_IMAGE_ID, 'vm',
                               security_groups=groups)
    if host:
        api.db.instance_update(ctxt, instance.uuid, {'host': host})
    return api.get(ctxt, instance.uuid)


def test_default_group_once_per_project(api, db):
    first = api.security_group_list(USER)
    assert [(g['name'], g['project_id'], g['rules']) for g in first] == [
        ('default', 'p1', [])]
    assert api.security_group_list(USER) == first
    assert [g['name'] for g in api.security_group_list(OTHER)] == [
        'default']
    assert len(db.security_group_list(USER)) == 2


def test_default_rules_fill_the_default_group(api):
    admin = USER.elevated()
    rule = api.security_group_default_rule_create(admin, TCP_22)
    assert api.security_group_default_rule_create(admin, TCP_22) is None
    [group] = api.security_group_list(USER)
    assert [(r['protocol'], r['from_port'], r['cidr'])
            for r in group['rules']] == [('tcp', 22, '10.0.0.0/8')]
    api.security_group_default_rule_destroy(admin, rule['id'])
    with pytest.raises(exception.SecurityGroupDefaultRuleNotFound):
        api.security_group_default_rule_get(admin, rule['id'])


def test_boot_puts_the_server_in_its_groups(api):
    web = api.security_group_create(USER, 'web', 'web servers')
    assert api.security_group_names(USER, _boot(api).uuid) == ['default']
    server = _boot(api, groups=['web', 'default'])
    assert api.security_group_names(USER, server.uuid) == ['web',
                                                           'default']
    assert [g['id'] for g in api.instance_security_groups(USER, server)][
        0] == web['id']


def test_unknown_group_on_boot_writes_nothing(api, db):
    api.security_group_list(USER)
    with pytest.raises(exception.SecurityGroupNotFoundForProject):
        _boot(api, groups=['default', 'nope'])
    assert db.instance_get_all_by_filters(USER, {}) == []


def test_a_rule_change_reaches_the_hosts_of_members(api):
    web = api.security_group_create(USER, 'web', 'web servers')
    members = [_boot(api, groups=['web'], host=h) for h in ('h1', 'h2')]
    _boot(api, groups=['default'], host='h3')
    _boot(api, groups=['web'], host=None)
    rule = api.security_group_rule_create(USER, web, TCP_22)
    assert sorted(api.compute_rpcapi.refreshed) == sorted(
        (m.host, m.uuid) for m in members)
    api.compute_rpcapi.refreshed.clear()
    api.security_group_rule_destroy(USER, rule)
    assert len(api.compute_rpcapi.refreshed) == 2
    with pytest.raises(exception.SecurityGroupNotFoundForRule):
        api.security_group_rule_get(USER, rule['id'])


def test_rules_are_unique_and_counted(api, conf):
    conf.set_override('security_group_rules', 1, 'quota')
    web = api.security_group_create(USER, 'web', 'web servers')
    api.security_group_rule_create(USER, web, TCP_22)
    with pytest.raises(exception.SecurityGroupRuleExists) as caught:
        api.security_group_rule_create(USER, web, TCP_22)
    assert caught.value.format_message() == \
        'This rule already exists in group %d' % web['id']
    with pytest.raises(exception.SecurityGroupLimitExceeded) as caught:
        api.security_group_rule_create(USER, web,
                                       dict(TCP_22, from_port=1))
    assert caught.value.code == 403
    assert len(api.security_group_get(USER, web['id'])['rules']) == 1


def test_groups_are_counted_default_included(api, conf):
    conf.set_override('security_groups', 2, 'quota')
    api.security_group_create(USER, 'one', 'd')
    with pytest.raises(exception.SecurityGroupLimitExceeded) as caught:
        api.security_group_create(USER, 'two', 'd')
    assert caught.value.format_message() == \
        'Quota exceeded, too many security groups.'
    assert api.quotas.get_usage(USER, 'p1')['security_groups'] == 2
    with pytest.raises(exception.SecurityGroupExists):
        api.security_group_create(OTHER, 'default', 'd')


def test_another_projects_group_is_not_found(api):
    group = api.security_group_create(OTHER, 'theirs', 'd')
    with pytest.raises(exception.SecurityGroupNotFound):
        api.security_group_get(USER, group['id'])
    assert api.security_group_get(USER.elevated(), group['id'])['name'] == \
        'theirs'


def test_add_and_remove_reach_the_host(api):
    api.security_group_create(USER, 'db', 'd')
    server = _boot(api)
    api.add_security_group(USER, server, 'db')
    assert api.security_group_names(USER, server.uuid) == ['default', 'db']
    with pytest.raises(exception.SecurityGroupExistsForInstance):
        api.add_security_group(USER, server, 'db')
    api.remove_security_group(USER, server, 'default')
    with pytest.raises(exception.SecurityGroupNotExistsForInstance):
        api.remove_security_group(USER, server, 'default')
    with pytest.raises(exception.SecurityGroupNotFoundForProject):
        api.add_security_group(USER, server, 'nope')
    assert api.security_group_names(USER, server.uuid) == ['db']
    assert api.compute_rpcapi.refreshed == [('host1', server.uuid)] * 2


def test_a_membership_change_renews_the_servers_revision(api, db):
    api.security_group_create(USER, 'db', 'd')
    server = _boot(api)
    before = db.instance_get_by_uuid(USER, server.uuid)['revision']
    api.add_security_group(USER, server, 'db')
    assert db.instance_get_by_uuid(USER, server.uuid)['revision'] != before


def test_groups_in_use_and_default_stay(api, db):
    web = api.security_group_create(USER, 'web', 'd')
    other = api.security_group_create(USER, 'other', 'd')
    api.security_group_rule_create(USER, other, dict(
        TCP_22, cidr=None, group_id=web['id']))
    server = _boot(api, groups=['web'])
    with pytest.raises(exception.SecurityGroupInUse):
        api.security_group_destroy(USER, web)
    [default] = [g for g in api.security_group_list(USER)
                 if g['name'] == 'default']
    with pytest.raises(exception.SecurityGroupSystem) as caught:
        api.security_group_destroy(USER, default)
    assert caught.value.format_message() == \
        "Unable to delete system group 'default'"
    with pytest.raises(exception.SecurityGroupSystem):
        api.security_group_update(USER, default, 'x', 'y')
    db.instance_destroy(USER, server.uuid)
    api.security_group_destroy(USER, web)
    # The rule of another group that named it went with it.
    assert api.security_group_get(USER, other['id'])['rules'] == []


def test_a_cell_takes_copies_and_refreshes_its_members(api, db):
    server = _boot(api, groups=None, host='h9')
    group = {'id': 900, 'name': 'web', 'description': 'd', 'user_id': 'u',
             'project_id': 'p1',
             'rules': [dict(TCP_22, id=901, parent_group_id=900)]}
    api.apply_security_groups(USER, server, [group])
    assert api.security_group_names(USER, server.uuid) == ['web']
    assert api.compute_rpcapi.refreshed == [('h9', server.uuid)]
    renamed = dict(group, name='www', rules=[])
    assert api.refresh_security_groups(USER, [renamed]) == 1
    [copy] = api.instance_security_groups(USER, server)
    assert (copy['id'], copy['name'], copy['rules']) == (900, 'www', [])
    # A group this cell holds no copy of has no server here.
    assert api.refresh_security_groups(USER, [dict(group, id=950,
                                                   name='x')]) == 0
    assert 950 not in [g['id'] for g in db.security_group_list(USER, 'p1')]


# -- the API cell -----------------------------------------------------------

class CellsRecorder:
    def __init__(self) -> None:
        self.sent: list[tuple[list[int], list[str]]] = []
        self.delivered: list[tuple[str, dict[str, Any]]] = []

    def security_groups_refresh(self, ctxt: Any, groups: list[Any],
                                cell_names: list[str]) -> None:
        self.sent.append(([g['id'] for g in groups], cell_names))

    def run_compute_api_method(self, ctxt: Any, cell_name: str,
                               method_info: dict[str, Any],
                               call: bool = False) -> None:
        self.delivered.append((cell_name, method_info))


@pytest.fixture
def top(conf, db, transport, monkeypatch):
    flavors.ensure_default_flavors(db)
    images.ensure_default_images(db)
    api = cells_api.ComputeCellsAPI(conf, db, transport)
    monkeypatch.setattr(api, '_schedule', lambda *args: None)
    api.cells_rpcapi = CellsRecorder()
    return api


def _placed(top, cell, groups):
    [instance], _ = top.create(USER, top.flavor_get(USER, '1'),
                               images.DEFAULT_IMAGE_ID, 'vm',
                               security_groups=groups)
    top.db.instance_update(USER, instance.uuid, {'cell_name': cell})
    return top.get(USER, instance.uuid)


def test_a_rule_change_goes_once_to_each_cell_with_a_member(top):
    web = top.security_group_create(USER, 'web', 'd')
    for cell in ('api!c1', 'api!c1', 'api!c2!gc'):
        _placed(top, cell, ['web'])
    _placed(top, 'api!c3', ['default'])
    top.security_group_rule_create(USER, web, TCP_22)
    assert top.cells_rpcapi.sent == [([web['id']], ['api!c1',
                                                     'api!c2!gc'])]


def test_a_member_in_no_cell_yet_makes_it_a_broadcast(top):
    web = top.security_group_create(USER, 'web', 'd')
    _placed(top, 'api!c1', ['web'])
    _placed(top, None, ['web'])
    top.security_group_rule_create(USER, web, TCP_22)
    assert top.cells_rpcapi.sent == [([web['id']], None)]


def test_a_membership_change_goes_to_the_servers_cell(top):
    top.security_group_create(USER, 'db', 'd')
    server = _placed(top, 'api!c1', None)
    top.add_security_group(USER, server, 'db')
    [(cell, info)] = top.cells_rpcapi.delivered
    assert (cell, info['method'], info['instance_uuid']) == (
        'api!c1', 'apply_security_groups', server.uuid)
    assert [g['name'] for g in info['method_kwargs']['groups']] == [
        'default', 'db']


def test_a_build_carries_the_groups_of_its_servers(top, monkeypatch):
    sent = []
    monkeypatch.setattr(top, '_schedule',
                        lambda ctxt, instances, spec, props: sent.append(
                            spec))
    top.security_group_create(USER, 'web', 'd')
    [instance], _ = top.create(USER, top.flavor_get(USER, '1'),
                               images.DEFAULT_IMAGE_ID, 'vm',
                               security_groups=['web'])
    assert [g['name'] for g in sent[0]['security_groups']] == ['web']
    again = top.build_request(USER, top.get(USER, instance.uuid))
    assert again['request_spec']['security_groups'] == \
        sent[0]['security_groups']
