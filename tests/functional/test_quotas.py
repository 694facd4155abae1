"""Project isolation and quotas through the REST API of a running tree."""

import threading

import pytest

from nova import context as nova_context
from nova.tests.functional import rest_client as rc
from nova.tools.polling import wait_for

ALICE = 'alice:project-a'
ALICE2 = 'alice2:project-a'
BOB = 'bob:project-b'


@pytest.fixture
def api_tree(tree_factory):
    return rc.api_tree(tree_factory())


def all_rows(tree, cell):
    ctxt = nova_context.get_admin_context(read_deleted='yes')
    return tree.db(cell).instance_get_all_by_filters(ctxt, {})


def used(tree, token):
    _, body = rc.request(tree, 'GET', '/limits', token=token)
    absolute = body['limits']['absolute']
    return (absolute['totalInstancesUsed'], absolute['totalCoresUsed'],
            absolute['totalRAMUsed'])


def set_quota(tree, project, **limits):
    code, body = rc.request(tree, 'PUT', '/os-quota-sets/' + project,
                            {'quota_set': limits}, token=rc.ADMIN)
    assert code == 200, body
    return body['quota_set']


def wait_status(tree, server_id, status, token):
    def reached():
        code, body = rc.request(tree, 'GET', '/servers/' + server_id,
                                token=token)
        return code == 200 and body['server']['status'] == status
    wait_for(reached, 15, what=status)


def wait_gone(tree, server_id, token):
    wait_for(lambda: rc.request(tree, 'GET', '/servers/' + server_id,
                                token=token)[0] == 404, 15, what='deleted')


def settle(tree, token):
    """Wait until no server of the project is building (a tree stopped
    in the middle of builds waits for their RPC timeouts)."""
    def settled():
        _, body = rc.request(tree, 'GET', '/servers/detail', token=token)
        return all(s['status'] in ('ACTIVE', 'ERROR')
                   for s in body['servers'])
    wait_for(settled, 30, what='builds settled')


def test_a_member_sees_and_acts_only_on_their_projects_servers(api_tree):
    _, mine = rc.boot(api_tree, 'mine', token=ALICE)
    _, theirs = rc.boot(api_tree, 'theirs', token=BOB)
    mine_id, theirs_id = mine['server']['id'], theirs['server']['id']

    # Same project, other user: visible.
    for token in (ALICE, ALICE2):
        _, listed = rc.request(api_tree, 'GET', '/servers/detail',
                               token=token)
        assert [s['id'] for s in listed['servers']] == [mine_id]
    for method in ('GET', 'DELETE'):
        code, error = rc.request(api_tree, method, '/servers/' + theirs_id,
                                 token=ALICE)
        assert code == 404
        assert error['itemNotFound']['code'] == 404
    code, _ = rc.request(api_tree, 'GET', '/servers?all_tenants=1',
                         token=ALICE)
    assert code == 403
    _, everything = rc.request(api_tree, 'GET', '/servers?all_tenants=1',
                               token=rc.ADMIN)
    assert {s['id'] for s in everything['servers']} == {mine_id, theirs_id}
    _, only_b = rc.request(api_tree, 'GET',
                           '/servers?all_tenants=1&tenant_id=project-b',
                           token=rc.ADMIN)
    assert [s['id'] for s in only_b['servers']] == [theirs_id]
    # Bob's server survived Alice's delete.
    wait_status(api_tree, theirs_id, 'ACTIVE', BOB)
    settle(api_tree, ALICE)


def test_boot_over_the_instance_quota_is_403_and_creates_nothing(api_tree):
    code, body = rc.boot(api_tree, 'ten', token=ALICE, min_count=10,
                         max_count=10, return_reservation_id=True)
    assert code == 202, body
    assert used(api_tree, ALICE)[0] == 10
    before = {cell: len(all_rows(api_tree, cell))
              for cell in ('api', 'cell1', 'cell2')}

    code, body = rc.boot(api_tree, 'eleventh', token=ALICE)
    assert (code, body) == (403, {'forbidden': {
        'code': 403,
        'message': 'Quota exceeded for instances: Requested 1, but already '
                   'used 10 of 10 instances'}})
    code, body = rc.boot(api_tree, 'more', token=ALICE, min_count=2,
                         max_count=3)
    assert code == 403
    assert body['forbidden']['message'] == (
        'Quota exceeded for instances: Requested 2-3, but already used 10 '
        'of 10 instances')
    after = {cell: len(all_rows(api_tree, cell))
             for cell in ('api', 'cell1', 'cell2')}
    wait_for(lambda: sum(len(all_rows(api_tree, c))
                         for c in ('cell1', 'cell2')) == 10, 15,
             what='the ten builds in the children')
    assert after['api'] == before['api'] == 10
    # Another project is not affected.
    assert rc.boot(api_tree, 'bobs', token=BOB)[0] == 202
    settle(api_tree, ALICE)
    settle(api_tree, BOB)


def test_cores_and_ram_quota_and_partial_multi_create(api_tree):
    set_quota(api_tree, 'project-a', cores=5, ram=-1)
    code, body = rc.boot(api_tree, 'medium', token=ALICE, flavor='3')
    assert code == 202
    code, body = rc.boot(api_tree, 'medium2', token=ALICE, flavor='3')
    assert code == 202
    code, body = rc.boot(api_tree, 'medium3', token=ALICE, flavor='3')
    assert (code, body['forbidden']['message']) == (
        403, 'Quota exceeded for cores: Requested 2, but already used 4 of '
             '5 cores')
    # A multi-create gets what fits when at least min_count does.
    set_quota(api_tree, 'project-a', cores=20, ram=4096 * 2 + 512 * 3)
    code, body = rc.boot(api_tree, 'tiny', token=ALICE, min_count=1,
                         max_count=5, return_reservation_id=True)
    assert code == 202
    _, listed = rc.request(
        api_tree, 'GET', '/servers?reservation_id=' +
        body['reservation_id'], token=ALICE)
    assert len(listed['servers']) == 3
    assert used(api_tree, ALICE) == (5, 7, 4096 * 2 + 512 * 3)
    code, body = rc.boot(api_tree, 'tiny', token=ALICE)
    assert body['forbidden']['message'] == (
        'Quota exceeded for ram: Requested 512, but already used 9728 of '
        '9728 ram')
    settle(api_tree, ALICE)


def test_usage_follows_deletes_and_failed_builds(tree_factory):
    tree = rc.api_tree(tree_factory(overrides={
        cell: {('fail_spawn', 'fake_driver'): True}
        for cell in ('cell1', 'cell2')}))
    code, body = rc.boot(tree, 'doomed', token=ALICE, flavor='2')
    assert code == 202
    server_id = body['server']['id']
    wait_status(tree, server_id, 'ERROR', ALICE)
    # As in Nova, a failed build counts until it is deleted.
    assert used(tree, ALICE) == (1, 1, 2048)
    assert rc.request(tree, 'DELETE', '/servers/' + server_id,
                      token=ALICE)[0] == 204
    wait_gone(tree, server_id, ALICE)
    assert used(tree, ALICE) == (0, 0, 0)


def test_quota_sets_policy_and_limits(api_tree):
    code, own = rc.request(api_tree, 'GET', '/os-quota-sets/project-a',
                           token=ALICE)
    assert code == 200
    assert own['quota_set']['id'] == 'project-a'
    assert (own['quota_set']['instances'], own['quota_set']['cores'],
            own['quota_set']['ram']) == (10, 20, 51200)
    for method, path, body in (
            ('GET', '/os-quota-sets/project-b', None),
            ('GET', '/os-quota-sets/project-b/detail', None),
            ('PUT', '/os-quota-sets/project-a',
             {'quota_set': {'instances': 100}}),
            ('DELETE', '/os-quota-sets/project-a', None),
            ('GET', '/limits?tenant_id=project-b', None)):
        code, error = rc.request(api_tree, method, path, body, token=ALICE)
        assert code == 403, (method, path)
        assert error['forbidden']['code'] == 403
    code, defaults = rc.request(api_tree, 'GET',
                                '/os-quota-sets/project-b/defaults',
                                token=ALICE)
    assert (code, defaults['quota_set']['instances']) == (200, 10)

    assert rc.boot(api_tree, 'one', token=ALICE)[0] == 202
    assert rc.boot(api_tree, 'two', token=ALICE)[0] == 202
    code, error = rc.request(api_tree, 'PUT', '/os-quota-sets/project-a',
                             {'quota_set': {'instances': 1}},
                             token=rc.ADMIN)
    assert (code, error['badRequest']['message']) == (
        400, 'Quota limit 1 for instances must be greater than or equal to '
             'already used and reserved 2.')
    assert set_quota(api_tree, 'project-a', instances='1',
                     force=True)['instances'] == 1
    _, detail = rc.request(api_tree, 'GET', '/os-quota-sets/project-a/detail',
                           token=ALICE)
    assert detail['quota_set']['instances'] == {'limit': 1, 'in_use': 2,
                                                'reserved': 0}
    _, limits = rc.request(api_tree, 'GET', '/limits?tenant_id=project-a',
                           token=rc.ADMIN)
    assert limits['limits']['absolute']['maxTotalInstances'] == 1
    assert limits['limits']['absolute']['totalInstancesUsed'] == 2
    assert rc.request(api_tree, 'DELETE', '/os-quota-sets/project-a',
                      token=rc.ADMIN)[0] == 202
    _, own = rc.request(api_tree, 'GET', '/os-quota-sets/project-a',
                        token=ALICE)
    assert own['quota_set']['instances'] == 10
    settle(api_tree, ALICE)
    for bad in ({'quota_set': {'instances': -2}},
                {'quota_set': {'instances': 'many'}},
                {'quota_set': {'bogus': 1}}, {'quota': {}}):
        code, error = rc.request(api_tree, 'PUT', '/os-quota-sets/project-a',
                                 bad, token=rc.ADMIN)
        assert code == 400, bad
        assert 'badRequest' in error


def test_concurrent_posters_at_the_limit_create_exactly_the_limit(
        api_tree):
    """Six posters, a quota of four: four servers, two true refusals."""
    set_quota(api_tree, 'project-a', instances=4)
    barrier = threading.Barrier(6)
    answers = []

    def post(index):
        barrier.wait()
        answers.append(rc.boot(api_tree, 'racer%d' % index, token=ALICE))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(code for code, _ in answers)
    assert codes == [202] * 4 + [403] * 2
    assert {body['forbidden']['message'] for code, body in answers
            if code == 403} == {
        'Quota exceeded for instances: Requested 1, but already used 4 '
        'of 4 instances'}
    assert used(api_tree, ALICE)[0] == 4
    settle(api_tree, ALICE)
