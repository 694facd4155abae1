"""Quota classes and per-user quotas through the REST API of a tree of
two child cells: the API cell decides, the servers run in the children."""

import pytest

from nova import context as nova_context
from nova.tests.functional import rest_client as rc
from nova.tests.functional.test_quotas import ALICE
from nova.tests.functional.test_quotas import ALICE2
from nova.tests.functional.test_quotas import BOB


@pytest.fixture
def api_tree(tree_factory):
    return rc.api_tree(tree_factory())


def put(tree, path, body, token=rc.ADMIN):
    return rc.request(tree, 'PUT', path, body, token=token)


def boot_active(tree, token, name='vm'):
    code, body = rc.boot(tree, name, token=token)
    assert code == 202, body
    rc.settled(tree, body['server']['id'], 'ACTIVE', token)
    return body['server']['id']


def cells_of(tree, server_ids):
    rows = tree.db('api').instance_get_all_by_filters(
        nova_context.get_admin_context(), {})
    return {r['cell_name'] for r in rows if r['uuid'] in server_ids}


def test_the_default_class_limits_every_project_without_its_own(api_tree):
    code, body = put(api_tree, '/os-quota-class-sets/default',
                     {'quota_class_set': {'instances': 2}})
    assert code == 200, body
    assert body['quota_class_set']['instances'] == 2
    code, body = rc.request(api_tree, 'GET',
                            '/os-quota-sets/project-b/defaults', token=BOB)
    assert (code, body['quota_set']['instances']) == (200, 2)
    booted = [boot_active(api_tree, BOB, 'b%d' % i) for i in range(2)]
    code, body = rc.boot(api_tree, 'b3', token=BOB)
    assert code == 403
    assert 'Quota exceeded for instances' in body['forbidden']['message']
    # A project's own limit still wins over the class.
    put(api_tree, '/os-quota-sets/project-b', {'quota_set': {'instances': 3}})
    booted.append(boot_active(api_tree, BOB, 'b3'))
    # Placed in the children, as any boot.
    assert cells_of(api_tree, booted) <= {'api!cell1', 'api!cell2'}
    _, listed = rc.request(api_tree, 'GET', '/servers', token=BOB)
    assert len(listed['servers']) == 3


def test_a_users_limit_is_enforced_within_the_project(api_tree):
    code, body = put(api_tree, '/os-quota-sets/project-a',
                     {'quota_set': {'instances': 3}})
    assert code == 200, body
    code, body = put(api_tree, '/os-quota-sets/project-a?user_id=alice',
                     {'quota_set': {'instances': 1}})
    assert code == 200, body
    # Above what the project leaves: 400, nothing changed.
    code, body = put(api_tree, '/os-quota-sets/project-a?user_id=alice2',
                     {'quota_set': {'instances': 3}})
    assert code == 400
    assert 'must be less than or equal to 2' in \
        body['badRequest']['message']

    first = boot_active(api_tree, ALICE, 'a1')
    code, body = rc.boot(api_tree, 'a2', token=ALICE)
    assert code == 403, body
    assert 'used 1 of 1 instances' in body['forbidden']['message']
    others = [boot_active(api_tree, ALICE2, 'c%d' % i) for i in range(2)]
    # The project is full now, whoever asks.
    code, body = rc.boot(api_tree, 'c3', token=ALICE2)
    assert code == 403
    assert 'used 3 of 3 instances' in body['forbidden']['message']

    code, detail = rc.request(
        api_tree, 'GET', '/os-quota-sets/project-a/detail?user_id=alice',
        token=ALICE)
    assert code == 200
    assert detail['quota_set']['instances'] == {'limit': 1, 'in_use': 1,
                                                'reserved': 0}
    code, detail = rc.request(
        api_tree, 'GET', '/os-quota-sets/project-a/detail?user_id=alice2',
        token=ALICE)
    assert detail['quota_set']['instances'] == {'limit': 3, 'in_use': 2,
                                                'reserved': 0}
    # Back on the project's limit, alice is only held by the project.
    code, _ = rc.request(api_tree, 'DELETE',
                         '/os-quota-sets/project-a?user_id=alice',
                         token=rc.ADMIN)
    assert code == 202
    code, body = rc.request(api_tree, 'GET',
                            '/os-quota-sets/project-a?user_id=alice',
                            token=ALICE)
    assert body['quota_set']['instances'] == 3
    assert cells_of(api_tree, [first, *others]) <= {'api!cell1',
                                                    'api!cell2'}
