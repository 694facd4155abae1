"""nova.glance: Glance's images in the registry's shape, over a fake
transport (no HTTP)."""

import json

import pytest

from nova import context as nova_context
from nova import exception
from nova import glance

IMAGE_ID = '11111111-2222-3333-4444-555555555555'


def glance_image(**values):
    image = {'id': IMAGE_ID, 'name': 'cirros', 'status': 'active',
             'visibility': 'public', 'owner': 'p-admin', 'size': 4096,
             'min_ram': 64, 'min_disk': 1, 'container_format': 'bare',
             'disk_format': 'raw', 'created_at': '2026-12-01T10:00:00Z',
             'updated_at': '2026-12-01T10:00:01Z', 'tags': [],
             'self': f'/v2/images/{IMAGE_ID}', 'hw_disk_bus': 'virtio'}
    image.update(values)
    return image


class FakeGlance:
    """Answers like Glance's v2 API from a dict of images."""

    def __init__(self, *images):
        self.images = {i['id']: i for i in images}
        self.requests = []
        self.down = False

    def __call__(self, method, url, headers, body, timeout):
        self.requests.append((method, url, headers, body))
        if self.down:
            raise ConnectionRefusedError(111, 'Connection refused')
        path = url.split('9292', 1)[1]
        if method == 'GET' and path.startswith('/v2/images?'):
            return 200, json.dumps(
                {'images': list(self.images.values())}).encode()
        image_id = path.split('/')[3] if path.count('/') >= 3 else None
        if method == 'POST':
            values = json.loads(body)
            image = glance_image(status='queued', size=None, **values)
            self.images[image['id']] = image
            return 201, json.dumps(image).encode()
        if image_id not in self.images:
            return 404, b'not found'
        if method == 'GET':
            return 200, json.dumps(self.images[image_id]).encode()
        if method == 'PUT':
            self.images[image_id].update(status='active', size=len(body))
            return 204, b''
        if method == 'DELETE':
            del self.images[image_id]
            return 204, b''
        if method == 'PATCH':
            image = self.images[image_id]
            for op in json.loads(body):
                key = op['path'][1:].replace('~1', '/').replace('~0', '~')
                if op['op'] == 'remove':
                    del image[key]
                else:
                    image[key] = op['value']
            return 200, json.dumps(image).encode()
        return 405, b''


def images_over(fake):
    return glance.GlanceImages(glance.GlanceClient(
        ['http://glance.test:9292'], transport=fake))


def ctxt(project='p1', admin=False):
    return nova_context.RequestContext(
        user_id='u1', project_id=project, is_admin=admin,
        auth_token='user-token')


def test_an_image_reads_as_the_registry_shape_with_its_properties():
    images = images_over(FakeGlance(glance_image()))
    image = images.get(ctxt(), IMAGE_ID)
    assert image['is_public'] and image['min_ram'] == 64
    assert image['min_disk'] == 1 and image['disk_format'] == 'raw'
    assert image['properties'] == {'hw_disk_bus': 'virtio'}
    assert image['created_at'].year == 2026


def test_the_callers_token_goes_to_glance_without_a_service_login():
    fake = FakeGlance(glance_image())
    images_over(fake).get(ctxt(), IMAGE_ID)
    assert fake.requests[0][2]['X-Auth-Token'] == 'user-token'


def test_another_projects_private_image_is_not_found():
    fake = FakeGlance(glance_image(visibility='private', owner='other'))
    images = images_over(fake)
    with pytest.raises(exception.ImageNotFound):
        images.get(ctxt(), IMAGE_ID)
    assert images.get_all(ctxt()) == []
    assert images.get(ctxt(admin=True), IMAGE_ID)['id'] == IMAGE_ID


def test_an_image_glance_lacks_is_not_found():
    with pytest.raises(exception.ImageNotFound):
        images_over(FakeGlance()).get(ctxt(), IMAGE_ID)


def test_an_unreachable_glance_is_a_503_naming_it():
    fake = FakeGlance(glance_image())
    fake.down = True
    with pytest.raises(exception.ImageServiceUnavailable) as caught:
        images_over(fake).get(ctxt(), IMAGE_ID)
    assert caught.value.code == 503
    assert 'glance.test:9292' in str(caught.value)


def test_a_snapshot_is_created_queued_and_made_active_by_its_upload():
    fake = FakeGlance()
    images = images_over(fake)
    snap = images.create(ctxt(), {
        'id': IMAGE_ID, 'name': 'snap', 'is_public': False,
        'owner': 'p1', 'min_ram': 0, 'min_disk': 1,
        'properties': {'instance_uuid': 'i-1', 'image_type': 'snapshot'}})
    assert snap['status'] == 'queued'
    assert snap['properties']['image_type'] == 'snapshot'
    images.update(ctxt(), IMAGE_ID, {'status': 'saving'})
    assert fake.images[IMAGE_ID]['status'] == 'queued'
    images.update(ctxt(), IMAGE_ID, {'status': 'active', 'size': 10})
    assert fake.images[IMAGE_ID]['status'] == 'active'
    # A repeated "active" uploads nothing again.
    uploads = sum(1 for r in fake.requests if r[0] == 'PUT')
    images.update(ctxt(), IMAGE_ID, {'status': 'active'})
    assert sum(1 for r in fake.requests if r[0] == 'PUT') == uploads


def test_delete_of_a_missing_image_is_not_found():
    images = images_over(FakeGlance())
    with pytest.raises(exception.ImageNotFound):
        images.delete(ctxt(), IMAGE_ID)


def test_properties_are_set_with_one_json_patch():
    fake = FakeGlance(glance_image(owner='p1', os_distro='cirros',
                                   os_version='1',
                                   os_glance_failed_import=''))
    images = images_over(fake)
    image = images.set_properties(ctxt(), IMAGE_ID, {
        'os_version': '2', 'architecture': 'x86_64', 'a/b': 'c'})
    # Glance's read-only os_glance_* properties stay.
    assert image['properties'] == {'os_version': '2',
                                   'architecture': 'x86_64', 'a/b': 'c',
                                   'os_glance_failed_import': ''}
    method, url, headers, body = fake.requests[-1]
    assert (method, url) == ('PATCH',
                             f'http://glance.test:9292/v2/images/{IMAGE_ID}')
    assert headers['Content-Type'] == \
        'application/openstack-images-v2.1-json-patch'
    assert json.loads(body) == [
        {'op': 'remove', 'path': '/hw_disk_bus'},
        {'op': 'remove', 'path': '/os_distro'},
        {'op': 'replace', 'path': '/os_version', 'value': '2'},
        {'op': 'add', 'path': '/architecture', 'value': 'x86_64'},
        {'op': 'add', 'path': '/a~1b', 'value': 'c'}]
    # Glance's own attributes are left alone.
    assert fake.images[IMAGE_ID]['name'] == 'cirros'


def test_setting_the_same_properties_sends_no_patch():
    fake = FakeGlance(glance_image())
    images = images_over(fake)
    images.set_properties(ctxt(), IMAGE_ID, {'hw_disk_bus': 'virtio'})
    assert 'PATCH' not in [r[0] for r in fake.requests]


def test_properties_of_a_missing_image_are_not_found():
    images = images_over(FakeGlance())
    with pytest.raises(exception.ImageNotFound):
        images.set_properties(ctxt(), IMAGE_ID, {'a': 'b'})
