"""/images/{id}/metadata: Nova's image metadata proxy (2.1 to 2.38)."""

from __future__ import annotations

import pytest

from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import OTHER
from nova.tests.unit.api.conftest import at

MISSING = '8a7a8a3b-7d43-4c63-9a36-6b1b1d1b2f00'


@pytest.fixture
def image(compute):
    return compute.add_image(name='mine', owner='proj1', is_public=False,
                             properties={'os_version': 'value1',
                                         'os_distro': 'value2'})


def _path(image_id, key=None):
    path = f'/v2.1/images/{image_id}/metadata'
    return path if key is None else f'{path}/{key}'


def _metadata(compute, image):
    return compute.images[image['id']]['properties']


def test_index(call, image):
    resp = call('GET', _path(image['id']))
    assert resp.status_int == 200
    assert resp.json == {'metadata': {'os_version': 'value1',
                                      'os_distro': 'value2'}}


def test_show(call, image):
    resp = call('GET', _path(image['id'], 'os_distro'))
    assert resp.status_int == 200
    assert resp.json == {'meta': {'os_distro': 'value2'}}
    resp = call('GET', _path(image['id'], 'nope'))
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['code'] == 404


def test_create_merges(call, compute, image):
    resp = call('POST', _path(image['id']),
                {'metadata': {'os_version': 'alt1', 'architecture': 'x86'}})
    assert resp.status_int == 200
    expected = {'os_version': 'alt1', 'os_distro': 'value2',
                'architecture': 'x86'}
    assert resp.json == {'metadata': expected}
    assert _metadata(compute, image) == expected


def test_update_all_replaces(call, compute, image):
    body = {'metadata': {'os_version': 'value2', 'architecture': 'v3'}}
    resp = call('PUT', _path(image['id']), body)
    assert resp.status_int == 200
    assert resp.json == body
    assert _metadata(compute, image) == body['metadata']


def test_update_item(call, compute, image):
    resp = call('PUT', _path(image['id'], 'os_version'),
                {'meta': {'os_version': 'alt'}})
    assert resp.status_int == 200
    assert resp.json == {'meta': {'os_version': 'alt'}}
    assert _metadata(compute, image) == {'os_version': 'alt',
                                         'os_distro': 'value2'}


def test_delete_item(call, compute, image):
    resp = call('DELETE', _path(image['id'], 'os_version'))
    assert resp.status_int == 204
    assert _metadata(compute, image) == {'os_distro': 'value2'}
    resp = call('DELETE', _path(image['id'], 'os_version'))
    assert resp.status_int == 404


@pytest.mark.parametrize('method,key,body', [
    ('GET', None, None),
    ('POST', None, {'metadata': {'a': 'b'}}),
    ('PUT', None, {'metadata': {'a': 'b'}}),
    ('GET', 'a', None),
    ('PUT', 'a', {'meta': {'a': 'b'}}),
    ('DELETE', 'a', None),
])
def test_unknown_image_is_404(call, compute, method, key, body):
    resp = call(method, _path(MISSING, key), body)
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['code'] == 404
    assert not [c for c in compute.calls if c[0] == 'image_set_properties']


def test_another_projects_private_image_is_404(call, image):
    assert call('GET', _path(image['id']), token=OTHER).status_int == 404


@pytest.mark.parametrize('key,body', [
    ('os_version', {'meta': {'other': 'x'}}),              # URI mismatch
    ('os_version', {'meta': {'os_version': 'x', 'b': 'y'}}),  # two items
    ('os_version', {'meta': {}}),
    ('os_version', {'metadata': {'os_version': 'x'}}),
    ('os_version', {'meta': {'os_version': 1}}),
    (None, {'meta': {'a': 'b'}}),
    (None, {'metadata': ['a']}),
    (None, {'metadata': {'': 'b'}}),
    (None, {'metadata': {'a': 'x' * 256}}),
])
def test_bad_bodies_are_400_and_write_nothing(call, compute, image, key,
                                              body):
    method = 'PUT'
    resp = call(method, _path(image['id'], key), body)
    assert resp.status_int == 400, resp.body
    assert resp.json['badRequest']['code'] == 400
    assert _metadata(compute, image) == {'os_version': 'value1',
                                         'os_distro': 'value2'}


def test_over_the_quota_is_403(call, compute, image):
    compute.metadata_items = 3
    resp = call('POST', _path(image['id']),
                {'metadata': {'a': '1', 'b': '2'}})
    assert resp.status_int == 403
    assert resp.json['forbidden']['message'] == \
        'Image metadata limit exceeded'
    assert len(_metadata(compute, image)) == 2
    # Replacing with as many as allowed is fine.
    resp = call('PUT', _path(image['id']),
                {'metadata': {'a': '1', 'b': '2', 'c': '3'}})
    assert resp.status_int == 200


def test_a_public_image_of_another_project_is_403_to_change(call, compute):
    public = compute.add_image(name='pub', owner='proj2', is_public=True,
                               properties={'k': 'v'})
    resp = call('PUT', _path(public['id'], 'k'), {'meta': {'k': 'w'}})
    assert resp.status_int == 403
    assert compute.images[public['id']]['properties'] == {'k': 'v'}
    # Readable all the same, and an administrator may change it.
    assert call('GET', _path(public['id'], 'k')).status_int == 200
    resp = call('PUT', _path(public['id'], 'k'), {'meta': {'k': 'w'}},
                token=ADMIN)
    assert resp.status_int == 200


@pytest.mark.parametrize('version,status', [('2.38', 200), ('2.39', 404)])
def test_gone_from_2_39(call, image, version, status):
    resp = call('GET', _path(image['id']), headers=at(version))
    assert resp.status_int == status
    resp = call('PUT', _path(image['id'], 'os_version'),
                {'meta': {'os_version': 'x'}}, headers=at(version))
    assert resp.status_int == status
