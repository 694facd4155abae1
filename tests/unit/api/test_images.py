"""The /images proxy over the API cell's image registry."""

from __future__ import annotations

import datetime

import pytest

from nova.tests.unit.api import fakes
from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import OTHER

SERVER = '9b2ae5b4-3d1c-4e8b-a0c1-0e4f8e2d1c11'


@pytest.fixture
def images(compute):
    """The seeded public image plus: mine, a snapshot, another project's."""
    mine = compute.add_image(name='mine', owner='proj1', is_public=False,
                             min_ram=512, min_disk=5, status='queued')
    snap = compute.add_image(
        name='snap', owner='proj1', is_public=False,
        properties={'instance_uuid': SERVER, 'image_type': 'snapshot',
                    'auto_disk_config': 'True'})
    theirs = compute.add_image(name='theirs', owner='proj2',
                               is_public=False)
    return {'mine': mine, 'snap': snap, 'theirs': theirs}


def _names(resp):
    return [image['name'] for image in resp.json['images']]


def test_index(call, images):
    resp = call('GET', '/v2.1/images')
    assert resp.status_int == 200
    # Newest first; other projects' private images are hidden.
    assert _names(resp) == ['snap', 'mine', 'cirros']
    entry = resp.json['images'][2]
    assert entry == {
        'id': fakes.IMAGE, 'name': 'cirros',
        'links': [
            {'rel': 'self',
             'href': f'http://localhost/v2.1/images/{fakes.IMAGE}'},
            {'rel': 'bookmark',
             'href': f'http://localhost/images/{fakes.IMAGE}'}]}


def test_admin_sees_every_image(call, images):
    assert _names(call('GET', '/v2.1/images', token=ADMIN)) == \
        ['theirs', 'snap', 'mine', 'cirros']


def test_detail_view(call, images):
    resp = call('GET', '/v2.1/images/detail')
    assert resp.status_int == 200
    mine = resp.json['images'][1]
    assert mine == {
        'id': images['mine']['id'], 'name': 'mine', 'minRam': 512,
        'minDisk': 5, 'metadata': {}, 'created': '2024-01-31T12:00:01Z',
        'updated': '2024-01-31T12:00:01Z', 'status': 'SAVING',
        'progress': 25, 'OS-EXT-IMG-SIZE:size': 1024,
        'links': mine['links']}
    snap = resp.json['images'][0]
    assert snap['status'] == 'ACTIVE'
    assert snap['progress'] == 100
    assert snap['OS-DCF:diskConfig'] == 'AUTO'
    assert snap['server'] == {'id': SERVER, 'links': [
        {'rel': 'self', 'href': f'http://localhost/v2.1/servers/{SERVER}'},
        {'rel': 'bookmark', 'href': f'http://localhost/servers/{SERVER}'}]}


def test_show(call, images):
    resp = call('GET', f"/v2.1/images/{images['mine']['id']}")
    assert resp.status_int == 200
    assert resp.json['image']['name'] == 'mine'


@pytest.mark.parametrize('image_id', ['nope', None])
def test_show_invisible_is_404(call, images, image_id):
    image_id = image_id or images['theirs']['id']
    resp = call('GET', f'/v2.1/images/{image_id}')
    assert resp.status_int == 404
    assert resp.json == {'itemNotFound': {'code': 404,
                                          'message': 'Image not found.'}}


@pytest.mark.parametrize('query, expected', [
    ('name=mine', ['mine']),
    ('status=QUEUED', ['mine']),
    ('status=active', ['snap', 'cirros']),
    (f'server=http://localhost/servers/{SERVER}', ['snap']),
    ('type=snapshot', ['snap']),
    ('minRam=256', ['mine']),
    ('minDisk=1', ['mine']),
    ('changes-since=2024-01-31T12:00:02Z', ['snap']),
    ('bogus=1', ['snap', 'mine', 'cirros']),
])
def test_filters(call, images, query, expected):
    assert _names(call('GET', f'/v2.1/images/detail?{query}')) == expected


def test_bad_filter_is_400(call, images):
    for query in ('minRam=x', 'changes-since=yesterday', 'limit=-1'):
        assert call('GET', f'/v2.1/images?{query}').status_int == 400


def test_paging(call, images):
    page = call('GET', '/v2.1/images?limit=2').json
    assert [i['name'] for i in page['images']] == ['snap', 'mine']
    assert page['images_links'] == [{
        'rel': 'next',
        'href': 'http://localhost/v2.1/images?limit=2&marker='
                + images['mine']['id']}]
    marker = images['mine']['id']
    page = call('GET', f'/v2.1/images?limit=2&marker={marker}').json
    assert [i['name'] for i in page['images']] == ['cirros']
    assert 'images_links' not in page
    resp = call('GET', '/v2.1/images?marker=nope')
    assert resp.json['badRequest']['message'] == 'marker [nope] not found'


def test_delete_own_image(call, compute, images):
    resp = call('DELETE', f"/v2.1/images/{images['mine']['id']}")
    assert resp.status_int == 204
    assert images['mine']['id'] not in compute.images


def test_delete_public_image_of_another_project_is_403(call, compute,
                                                       images):
    resp = call('DELETE', f'/v2.1/images/{fakes.IMAGE}')
    assert resp.status_int == 403
    assert resp.json['forbidden']['message'] == \
        'You are not allowed to delete the image.'
    assert fakes.IMAGE in compute.images


def test_delete_invisible_image_is_404(call, compute, images):
    image_id = images['theirs']['id']
    assert call('DELETE', f'/v2.1/images/{image_id}').status_int == 404
    assert call('DELETE', f'/v2.1/images/{image_id}',
                token=OTHER).status_int == 204


def test_admin_deletes_any_image(call, compute, images):
    assert call('DELETE', f'/v2.1/images/{fakes.IMAGE}',
                token=ADMIN).status_int == 204


def test_registry_times_may_be_strings(call, compute):
    image = compute.add_image(created_at='2024-02-01T10:00:00Z',
                              updated_at=datetime.datetime(
                                  2024, 2, 1, 11, 0, tzinfo=datetime.UTC))
    shown = call('GET', f"/v2.1/images/{image['id']}").json['image']
    assert (shown['created'], shown['updated']) == \
        ('2024-02-01T10:00:00Z', '2024-02-01T11:00:00Z')


def test_images_cannot_be_created_here(call):
    assert call('POST', '/v2.1/images', {'image': {}}).status_int == 405
