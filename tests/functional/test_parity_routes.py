"""The routes of issue 15 through the REST API of a tree with two child
cells, against the real compute API and databases."""

from __future__ import annotations

import pytest

from nova.tests.functional import rest_client as rc
from nova.tools import inproc_tree

MEMBER = 'alice:project-a'


@pytest.fixture(scope='module')
def running(tmp_path_factory):
    tree = inproc_tree.Tree(str(tmp_path_factory.mktemp('parity-routes')),
                            inproc_tree.TWO_CHILDREN)
    tree.start()
    try:
        rc.api_tree(tree)
        yield tree
    finally:
        tree.stop()


def test_flavor_access_lifecycle(running):
    code, created = rc.request(running, 'POST', '/flavors', {'flavor': {
        'name': 'secret', 'ram': 256, 'vcpus': 1, 'disk': 1,
        'os-flavor-access:is_public': False}}, token=rc.ADMIN)
    assert code == 200, created
    flavor = created['flavor']['id']

    def listed(token=MEMBER):
        return {f['id'] for f in rc.request(running, 'GET', '/flavors',
                                            token=token)[1]['flavors']}
    assert flavor not in listed()
    assert rc.request(running, 'GET', '/flavors/' + flavor,
                      token=MEMBER)[0] == 404
    code, body = rc.request(running, 'POST', '/flavors/%s/action' % flavor,
                            {'addTenantAccess': {'tenant': 'project-a'}},
                            token=rc.ADMIN)
    assert code == 200, body
    assert {'flavor_id': flavor, 'tenant_id': 'project-a'} in \
        body['flavor_access']
    assert flavor in listed()
    assert flavor not in listed('bob:project-b')
    code, shown = rc.request(running, 'GET', '/flavors/' + flavor,
                             token=MEMBER)
    assert code == 200 and \
        shown['flavor']['os-flavor-access:is_public'] is False
    # The project may boot it now.
    code, boot = rc.boot(running, 'private-vm', token=MEMBER, flavor=flavor)
    assert code == 202, boot
    code, again = rc.request(running, 'POST', '/flavors/%s/action' % flavor,
                             {'addTenantAccess': {'tenant': 'project-a'}},
                             token=rc.ADMIN)
    assert code == 409, again
    code, body = rc.request(running, 'POST', '/flavors/%s/action' % flavor,
                            {'removeTenantAccess': {'tenant': 'project-a'}},
                            token=rc.ADMIN)
    assert code == 200
    assert 'project-a' not in [a['tenant_id'] for a in body['flavor_access']]
    assert flavor not in listed()
    code, _ = rc.request(running, 'GET',
                         '/flavors/%s/os-flavor-access' % flavor,
                         token=rc.ADMIN)
    assert code == 200


def test_extensions(running):
    code, body = rc.request(running, 'GET', '/extensions', token=MEMBER)
    assert code == 200 and body['extensions']
    code, body = rc.request(running, 'GET', '/extensions/os-flavor-access',
                            token=MEMBER)
    assert (code, body['extension']['alias']) == (200, 'os-flavor-access')
