"""nova.image_service.BootImages: the active images a boot is checked
against, kept ``[glance] image_cache_ttl`` seconds (a fake clock)."""

import pytest

from nova import context as nova_context
from nova import exception
from nova.image_service import BootImages

IMAGE_ID = '11111111-2222-3333-4444-555555555555'


class CountingImages:
    """An image service of one dict, counting its reads."""

    in_database = True

    def __init__(self, **images):
        self.images = images
        self.reads = 0

    def get(self, ctxt, image_id):
        self.reads += 1
        if image_id not in self.images:
            raise exception.ImageNotFound(image_id=image_id)
        return dict(self.images[image_id])


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def ctxt(project='p1', admin=False):
    return nova_context.RequestContext('u1', project, is_admin=admin)


def image(status='active'):
    return {'id': IMAGE_ID, 'status': status, 'min_ram': 0}


def test_an_active_image_is_read_once_within_the_ttl():
    images, clock = CountingImages(**{IMAGE_ID: image()}), Clock()
    boot = BootImages(images, 5.0, clock)
    assert boot.get(ctxt(), IMAGE_ID)['status'] == 'active'
    clock.now += 4.9
    assert boot.get(ctxt(), IMAGE_ID)['status'] == 'active'
    assert images.reads == 1


def test_after_the_ttl_a_deleted_image_is_refused():
    images, clock = CountingImages(**{IMAGE_ID: image()}), Clock()
    boot = BootImages(images, 5.0, clock)
    boot.get(ctxt(), IMAGE_ID)
    del images.images[IMAGE_ID]          # deleted in Glance directly
    clock.now += 5.0
    with pytest.raises(exception.ImageNotFound):
        boot.get(ctxt(), IMAGE_ID)


def test_after_the_ttl_a_deactivated_image_is_seen_so():
    images, clock = CountingImages(**{IMAGE_ID: image()}), Clock()
    boot = BootImages(images, 5.0, clock)
    boot.get(ctxt(), IMAGE_ID)
    images.images[IMAGE_ID] = image('deactivated')
    clock.now += 5.0
    assert boot.get(ctxt(), IMAGE_ID)['status'] == 'deactivated'
    # Not active: read again every time, never kept.
    images.images[IMAGE_ID] = image('deactivated')
    boot.get(ctxt(), IMAGE_ID)
    assert images.reads == 3


def test_an_image_not_active_or_not_found_is_never_kept():
    images, clock = CountingImages(**{IMAGE_ID: image('saving')}), Clock()
    boot = BootImages(images, 5.0, clock)
    assert boot.get(ctxt(), IMAGE_ID)['status'] == 'saving'
    images.images[IMAGE_ID] = image()
    assert boot.get(ctxt(), IMAGE_ID)['status'] == 'active'
    with pytest.raises(exception.ImageNotFound):
        boot.get(ctxt(), 'no-such-image')
    with pytest.raises(exception.ImageNotFound):
        boot.get(ctxt(), 'no-such-image')
    assert images.reads == 4


def test_forget_drops_the_image_at_once():
    images, clock = CountingImages(**{IMAGE_ID: image()}), Clock()
    boot = BootImages(images, 5.0, clock)
    boot.get(ctxt(), IMAGE_ID)
    boot.get(ctxt('p2'), IMAGE_ID)
    del images.images[IMAGE_ID]
    boot.forget(IMAGE_ID)
    for who in (ctxt(), ctxt('p2')):
        with pytest.raises(exception.ImageNotFound):
            boot.get(who, IMAGE_ID)


def test_each_project_and_admin_reads_for_itself():
    images, clock = CountingImages(**{IMAGE_ID: image()}), Clock()
    boot = BootImages(images, 5.0, clock)
    for who in (ctxt(), ctxt('p2'), ctxt(admin=True), ctxt()):
        boot.get(who, IMAGE_ID)
    assert images.reads == 3


def test_a_kept_copy_changed_by_a_caller_stays_as_read():
    images, clock = CountingImages(**{IMAGE_ID: image()}), Clock()
    boot = BootImages(images, 5.0, clock)
    boot.get(ctxt(), IMAGE_ID)['status'] = 'mangled'
    assert boot.get(ctxt(), IMAGE_ID)['status'] == 'active'


def test_ttl_zero_reads_every_time():
    images = CountingImages(**{IMAGE_ID: image()})
    boot = BootImages(images, 0.0, Clock())
    boot.get(ctxt(), IMAGE_ID)
    boot.get(ctxt(), IMAGE_ID)
    assert images.reads == 2


def test_full_cache_drops_expired_copies():
    images, clock = CountingImages(), Clock()
    boot = BootImages(images, 5.0, clock)
    boot.MAX_ENTRIES = 3
    for i in range(3):
        images.images[f'img{i}'] = dict(image(), id=f'img{i}')
        boot.get(ctxt(), f'img{i}')
    clock.now += 6
    images.images['img3'] = dict(image(), id='img3')
    boot.get(ctxt(), 'img3')
    assert len(boot._kept) == 1
