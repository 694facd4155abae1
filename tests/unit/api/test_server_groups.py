"""``/os-server-groups`` at each microversion that changed it, Nova's
errors for bad input (nothing written), and 2.71's ``server_groups``."""

from __future__ import annotations

from typing import Any

import pytest

from nova import context
from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import MEMBER
from nova.tests.unit.api.conftest import request
from nova.tests.unit.api.fakes import IMAGE

OTHER = 'bob:proj2'
PATH = '/v2.1/os-server-groups'


def at(version: str) -> dict[str, str]:
    return {'OpenStack-API-Version': f'compute {version}'}


def _create(app: Any, body: dict[str, Any], version: str = '2.1',
            token: str = MEMBER) -> Any:
    return request(app, 'POST', PATH, {'server_group': body}, token=token,
                   headers=at(version))


def test_create_and_show_at_2_1(app: Any) -> None:
    resp = _create(app, {'name': 'web', 'policies': ['anti-affinity']})
    assert resp.status_int == 200
    group = resp.json['server_group']
    assert set(group) == {'id', 'name', 'policies', 'metadata', 'members'}
    assert (group['name'], group['policies'], group['metadata'],
            group['members']) == ('web', ['anti-affinity'], {}, [])
    shown = request(app, 'GET', f"{PATH}/{group['id']}").json
    assert shown == {'server_group': group}


def test_2_13_adds_project_and_user(app: Any) -> None:
    group = _create(app, {'name': 'g', 'policies': ['affinity']},
                    '2.13').json['server_group']
    assert (group['project_id'], group['user_id']) == ('proj1', 'alice')


def test_soft_policies_from_2_15(app: Any) -> None:
    for policy in ('soft-affinity', 'soft-anti-affinity'):
        resp = _create(app, {'name': 'g', 'policies': [policy]}, '2.14')
        assert resp.status_int == 400
        assert 'is not one of' in resp.json['badRequest']['message']
        resp = _create(app, {'name': 'g', 'policies': [policy]}, '2.15')
        assert resp.status_int == 200
        assert resp.json['server_group']['policies'] == [policy]


def test_2_64_policy_and_rules(app: Any) -> None:
    resp = _create(app, {'name': 'g', 'policy': 'anti-affinity',
                         'rules': {'max_server_per_host': 3}}, '2.64')
    assert resp.status_int == 200
    group = resp.json['server_group']
    assert set(group) == {'id', 'name', 'policy', 'rules', 'members',
                          'project_id', 'user_id'}
    assert (group['policy'], group['rules']) == (
        'anti-affinity', {'max_server_per_host': 3})
    # Seen at 2.63, the same group has the old shape.
    old = request(app, 'GET', f"{PATH}/{group['id']}",
                  headers=at('2.63')).json['server_group']
    assert (old['policies'], old['metadata']) == (['anti-affinity'], {})
    assert 'rules' not in old
    plain = _create(app, {'name': 'g', 'policy': 'affinity'}, '2.64')
    assert plain.json['server_group']['rules'] == {}


@pytest.mark.parametrize('version,body,message', [
    ('2.1', {'name': 'g', 'policies': ['nearby']}, 'is not one of'),
    ('2.1', {'name': 'g', 'policies': ['affinity', 'anti-affinity']},
     'is too long'),
    ('2.1', {'name': 'g', 'policies': ['affinity', 'affinity']},
     'non-unique'),
    ('2.1', {'name': 'g', 'policies': []}, 'should be non-empty'),
    ('2.1', {'name': 'g'}, "'policies' is a required property"),
    ('2.1', {'name': '', 'policies': ['affinity']}, 'name'),
    ('2.1', {'name': 'g', 'policy': 'affinity'},
     "'policies' is a required property"),
    ('2.1', {'name': 'g', 'policies': ['affinity'], 'policy': 'affinity'},
     'Additional properties'),
    ('2.64', {'name': 'g', 'policies': ['affinity']},
     "'policy' is a required property"),
    ('2.64', {'name': 'g', 'policy': 'affinity',
              'rules': {'max_server_per_host': 2}},
     'Only anti-affinity policy supports rules.'),
    ('2.64', {'name': 'g', 'policy': 'soft-anti-affinity',
              'rules': {'max_server_per_host': 2}},
     'Only anti-affinity policy supports rules.'),
    ('2.64', {'name': 'g', 'policy': 'anti-affinity',
              'rules': {'max_server_per_host': 0}}, 'max_server_per_host'),
    ('2.64', {'name': 'g', 'policy': 'anti-affinity',
              'rules': {'other': 1}}, 'Additional properties'),
])
def test_bad_input_is_400_and_writes_nothing(app: Any, compute: Any,
                                             version: str,
                                             body: dict[str, Any],
                                             message: str) -> None:
    resp = _create(app, body, version)
    assert resp.status_int == 400, resp.json
    assert message in resp.json['badRequest']['message']
    assert compute.server_group_list(context.get_admin_context(),
                                     all_projects=True) == []


def test_over_the_group_quota_is_403(app: Any, compute: Any) -> None:
    compute.group_limit = 1
    assert _create(app, {'name': 'a', 'policies': ['affinity']}
                   ).status_int == 200
    resp = _create(app, {'name': 'b', 'policies': ['affinity']})
    assert (resp.status_int, resp.json) == (403, {'forbidden': {
        'code': 403, 'message': 'Quota exceeded, too many server groups.'}})


def test_another_projects_group_is_not_found(app: Any) -> None:
    group = _create(app, {'name': 'g', 'policies': ['affinity']}
                    ).json['server_group']
    for method in ('GET', 'DELETE'):
        resp = request(app, method, f"{PATH}/{group['id']}", token=OTHER)
        assert resp.status_int == 404
        assert resp.json['itemNotFound']['message'] == (
            f"Instance group {group['id']} could not be found.")
    assert request(app, 'GET', f"{PATH}/{group['id']}",
                   token=ADMIN).status_int == 200


def test_delete(app: Any) -> None:
    group = _create(app, {'name': 'g', 'policies': ['affinity']}
                    ).json['server_group']
    assert request(app, 'DELETE', f"{PATH}/{group['id']}").status_int == 204
    assert request(app, 'GET', f"{PATH}/{group['id']}").status_int == 404
    assert request(app, 'DELETE', f"{PATH}/{group['id']}").status_int == 404


def test_listing_all_projects_and_paging(app: Any) -> None:
    mine = [_create(app, {'name': f'g{i}', 'policies': ['affinity']}
                    ).json['server_group']['id'] for i in range(3)]
    theirs = _create(app, {'name': 'x', 'policies': ['affinity']},
                     token=OTHER).json['server_group']['id']

    def ids(query: str = '', token: str = MEMBER,
            version: str = '2.1') -> Any:
        resp = request(app, 'GET', PATH + query, token=token,
                       headers=at(version))
        if resp.status_int != 200:
            return resp.status_int
        return [g['id'] for g in resp.json['server_groups']]

    assert ids() == mine
    # Nova gives a member their own groups for all_projects.
    assert ids('?all_projects=True') == mine
    assert ids('?all_projects=True', token=ADMIN) == mine + [theirs]
    assert ids('?limit=1&offset=1') == mine[1:2]
    assert ids('?limit=-1') == 400
    # Unknown parameters: ignored before 2.75, a 400 from it.
    assert ids('?foo=1', version='2.74') == mine
    assert ids('?foo=1', version='2.75') == 400


def test_boot_hint_joins_the_group_and_2_71_shows_it(app: Any,
                                                     compute: Any) -> None:
    group = _create(app, {'name': 'g', 'policies': ['affinity']}
                    ).json['server_group']['id']
    resp = request(app, 'POST', '/v2.1/servers', {
        'server': {'name': 'vm', 'imageRef': IMAGE, 'flavorRef': '1'},
        'os:scheduler_hints': {'group': group}})
    assert resp.status_int == 202
    server_id = resp.json['server']['id']
    assert compute.last_call('create')['scheduler_hints'] == {
        'group': group}
    shown = request(app, 'GET', f'/v2.1/servers/{server_id}',
                    headers=at('2.71')).json['server']
    assert shown['server_groups'] == [group]
    updated = request(app, 'PUT', f'/v2.1/servers/{server_id}',
                      {'server': {'name': 'renamed'}},
                      headers=at('2.71')).json['server']
    assert updated['server_groups'] == [group]
    members = request(app, 'GET', f'{PATH}/{group}').json['server_group']
    assert members['members'] == [server_id]


def test_boot_with_an_unknown_or_malformed_group_is_400(app: Any) -> None:
    def boot(hint: Any) -> Any:
        return request(app, 'POST', '/v2.1/servers', {
            'server': {'name': 'vm', 'imageRef': IMAGE, 'flavorRef': '1'},
            'os:scheduler_hints': {'group': hint}})

    missing = '9a1b5f7c-0a57-4a43-9c3c-6d3f0c6ee2a1'
    resp = boot(missing)
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'] == (
        f'Instance group {missing} could not be found.')
    assert boot('not-a-uuid').status_int == 400
