"""Issue 15's last conformance gaps through the REST API of a tree with
two child cells: the image metadata proxy (over the API cell's image
registry), a server's live migrations (2.22 to 2.24) and
``/extensions/{alias}``."""

from __future__ import annotations

import pytest

from nova.tests.functional import rest_client as rc
from nova.tools.polling import wait_for

OWNER = 'alice:project-a'
OTHER = 'bob:project-b'
MISSING = '0d3c5a51-52c1-4a8e-9d43-3e9f4b0c7a20'


@pytest.fixture(scope='module')
def running(tmp_path_factory):
    yield from rc.running_tree(str(tmp_path_factory.mktemp('leftovers')))


@pytest.fixture(scope='module')
def server_id(running):
    code, created = rc.boot(running, 'leftover-vm', token=OWNER)
    assert code == 202, created
    uuid = created['server']['id']
    rc.settled(running, uuid, 'ACTIVE', OWNER)
    return uuid


@pytest.fixture(scope='module')
def snapshot(running, server_id):
    """A private image of project-a: a snapshot of its server."""
    code, _ = rc.request(running, 'POST', f'/servers/{server_id}/action',
                         {'createImage': {'name': 'leftover-snap'}},
                         token=OWNER)
    assert code == 202
    images = rc.request(running, 'GET', '/images/detail',
                        token=OWNER)[1]['images']
    [snap] = [i for i in images if i['name'] == 'leftover-snap']
    wait_for(lambda: rc.request(running, 'GET', '/images/' + snap['id'],
                                token=OWNER)[1]['image']['status']
             == 'ACTIVE', 15, what='snapshot active')
    return snap['id']


def _meta(running, image_id, token=OWNER):
    code, body = rc.request(running, 'GET', f'/images/{image_id}/metadata',
                            token=token)
    assert code == 200, body
    return body['metadata']


# -- the image metadata proxy -------------------------------------------

def test_image_metadata_as_tempest_drives_it(running, snapshot):
    path = f'/images/{snapshot}/metadata'
    snap_props = _meta(running, snapshot)
    assert snap_props['image_type'] == 'snapshot'
    base = {'os_version': 'value1', 'os_distro': 'value2'}
    code, body = rc.request(running, 'PUT', path, {'metadata': base},
                            token=OWNER)
    assert (code, body) == (200, {'metadata': base})
    assert _meta(running, snapshot) == base
    code, body = rc.request(running, 'POST', path, {'metadata': {
        'os_version': 'alt1', 'architecture': 'value3'}}, token=OWNER)
    expected = {'os_version': 'alt1', 'os_distro': 'value2',
                'architecture': 'value3'}
    assert (code, body) == (200, {'metadata': expected})
    assert _meta(running, snapshot) == expected
    code, body = rc.request(running, 'GET', path + '/os_distro',
                            token=OWNER)
    assert (code, body) == (200, {'meta': {'os_distro': 'value2'}})
    code, body = rc.request(running, 'PUT', path + '/os_version',
                            {'meta': {'os_version': 'alt'}}, token=OWNER)
    assert (code, body) == (200, {'meta': {'os_version': 'alt'}})
    code, _ = rc.request(running, 'DELETE', path + '/architecture',
                         token=OWNER)
    assert code == 204
    assert _meta(running, snapshot) == {'os_version': 'alt',
                                        'os_distro': 'value2'}
    # The image views show the same properties.
    image = rc.request(running, 'GET', f'/images/{snapshot}',
                       token=OWNER)[1]['image']
    assert image['metadata'] == {'os_version': 'alt', 'os_distro': 'value2'}
    # Put the snapshot's own properties back for the other tests.
    code, _ = rc.request(running, 'PUT', path, {'metadata': snap_props},
                         token=OWNER)
    assert code == 200


@pytest.mark.parametrize('method,key,body', [
    ('GET', None, None),
    ('POST', None, {'metadata': {'os_distro': 'alt1'}}),
    ('PUT', None, {'metadata': {'os_distro': 'alt1'}}),
    ('GET', 'os_version', None),
    ('PUT', 'os_distro', {'meta': {'os_distro': 'alt'}}),
    ('DELETE', 'os_distro', None),
])
def test_image_metadata_of_an_unknown_image_is_404(running, method, key,
                                                   body):
    path = f'/images/{MISSING}/metadata' + (f'/{key}' if key else '')
    code, answer = rc.request(running, method, path, body, token=OWNER)
    assert code == 404, answer
    assert answer['itemNotFound']['code'] == 404


def test_image_metadata_refusals_write_nothing(running, snapshot):
    path = f'/images/{snapshot}/metadata'
    before = _meta(running, snapshot)
    # Another project does not see the private snapshot.
    assert rc.request(running, 'GET', path, token=OTHER)[0] == 404
    assert rc.request(running, 'PUT', path + '/k', {'meta': {'k': 'v'}},
                      token=OTHER)[0] == 404
    # A key that is not the URL's, and a bad body.
    code, body = rc.request(running, 'PUT', path + '/k',
                            {'meta': {'other': 'v'}}, token=OWNER)
    assert code == 400
    assert body['badRequest']['message'] == 'Request body and URI mismatch'
    assert rc.request(running, 'POST', path, {'metadata': 'x'},
                      token=OWNER)[0] == 400
    # The public image is the admin project's: readable, not writable.
    public = f'/images/{rc.IMAGE}/metadata'
    assert rc.request(running, 'GET', public, token=OWNER)[0] == 200
    code, body = rc.request(running, 'POST', public,
                            {'metadata': {'k': 'v'}}, token=OWNER)
    assert code == 403, body
    assert 'k' not in _meta(running, rc.IMAGE)
    assert _meta(running, snapshot) == before


def test_image_metadata_quota(running, snapshot):
    path = f'/images/{snapshot}/metadata'
    before = _meta(running, snapshot)
    code, body = rc.request(running, 'PUT', '/os-quota-sets/project-a',
                            {'quota_set': {
                                'metadata_items': len(before) + 1}},
                            token=rc.ADMIN)
    assert code == 200, body
    try:
        code, body = rc.request(running, 'POST', path, {'metadata': {
            'extra1': 'a', 'extra2': 'b'}}, token=OWNER)
        assert code == 403, body
        assert body['forbidden']['message'] == \
            'Image metadata limit exceeded'
        assert _meta(running, snapshot) == before
        code, body = rc.request(running, 'POST', path, {'metadata': {
            'extra1': 'a'}}, token=OWNER)
        assert code == 200, body
    finally:
        rc.request(running, 'DELETE', '/os-quota-sets/project-a',
                   token=rc.ADMIN)
        rc.request(running, 'DELETE', path + '/extra1', token=OWNER)


def test_image_metadata_is_gone_from_2_39(running, snapshot):
    path = f'/images/{snapshot}/metadata'
    for version, status in (('2.38', 200), ('2.39', 404)):
        code, _ = rc.request(running, 'GET', path, token=OWNER, headers={
            'OpenStack-API-Version': f'compute {version}'})
        assert code == status, version


# -- a server's live migrations -----------------------------------------

def _at(version):
    return {'OpenStack-API-Version': f'compute {version}'}


def test_server_migrations_none_in_progress(running, server_id):
    path = f'/servers/{server_id}/migrations'
    code, body = rc.request(running, 'GET', path, token=rc.ADMIN,
                            headers=_at('2.23'))
    assert (code, body) == (200, {'migrations': []})
    code, body = rc.request(running, 'GET', path + '/1', token=rc.ADMIN,
                            headers=_at('2.80'))
    assert code == 404, body
    # Before 2.23 the route is absent; members may not list.
    assert rc.request(running, 'GET', path, token=rc.ADMIN,
                      headers=_at('2.22'))[0] == 404
    assert rc.request(running, 'GET', path, token=OWNER,
                      headers=_at('2.23'))[0] == 403
    assert rc.request(running, 'GET', f'/servers/{MISSING}/migrations',
                      token=rc.ADMIN, headers=_at('2.23'))[0] == 404


def test_force_complete_and_abort_of_a_server_not_migrating(running,
                                                            server_id):
    path = f'/servers/{server_id}/migrations/1'
    code, body = rc.request(running, 'POST', path + '/action',
                            {'force_complete': None}, token=rc.ADMIN,
                            headers=_at('2.22'))
    assert code == 409, body
    code, body = rc.request(running, 'DELETE', path, token=rc.ADMIN,
                            headers=_at('2.24'))
    assert code == 409, body
    assert rc.request(running, 'DELETE', path, token=rc.ADMIN,
                      headers=_at('2.23'))[0] == 404
    assert rc.request(running, 'POST', path + '/action',
                      {'force_complete': {}}, token=rc.ADMIN,
                      headers=_at('2.22'))[0] == 400
    # The server is untouched.
    shown = rc.server(running, server_id, OWNER)
    assert (shown['status'], shown['OS-EXT-STS:task_state']) == \
        ('ACTIVE', None)


# -- /extensions/{alias} -------------------------------------------------

def test_every_listed_extension_shows(running):
    code, listed = rc.request(running, 'GET', '/extensions', token=OWNER)
    assert code == 200
    aliases = [e['alias'] for e in listed['extensions']]
    assert 'os-consoles' in aliases
    for entry in listed['extensions']:
        code, body = rc.request(running, 'GET',
                                '/extensions/' + entry['alias'],
                                token=OWNER)
        assert (code, body) == (200, {'extension': entry})
    code, body = rc.request(running, 'GET', '/extensions/os-nope',
                            token=OWNER)
    assert code == 404 and body['itemNotFound']['code'] == 404
