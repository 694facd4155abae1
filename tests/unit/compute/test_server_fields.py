"""Fields a user sets on a server through the compute API, kept in the
cell's database: access addresses and disk config."""

import pytest

from nova import context as nova_context
from nova import exception
from nova.compute import api as compute_api
from nova.compute import flavors
from nova.compute import images

USER = nova_context.RequestContext('u1', 'p1')


@pytest.fixture
def api(conf, db, transport, monkeypatch):
    flavors.ensure_default_flavors(db)
    images.ensure_default_images(db)
    api = compute_api.API(conf, db, transport)
    # Nothing is scheduled: what the database holds is the point.
    monkeypatch.setattr(api, '_schedule', lambda *args: None)
    return api


def _boot(api, **kwargs):
    [instance], _ = api.create(USER, api.flavor_get(USER, '1'),
                               images.DEFAULT_IMAGE_ID, 'vm', **kwargs)
    return instance


def test_create_and_update_keep_access_addresses(api, db):
    instance = _boot(api, access_ip_v4='192.0.2.1',
                     access_ip_v6='2001:db8::1')
    row = db.instance_get_by_uuid(USER, instance.uuid)
    assert (row['access_ip_v4'], row['access_ip_v6']) == (
        '192.0.2.1', '2001:db8::1')
    api.update_instance(USER, api.get(USER, instance.uuid),
                        {'access_ip_v6': '2001:db8::2'})
    assert api.get(USER, instance.uuid).access_ip_v6 == '2001:db8::2'


def _image(api, **properties):
    return api.image_create(USER, {'name': 'img', 'is_public': True,
                                   'properties': properties})['id']


@pytest.mark.parametrize('requested, prop, kept', [
    (None, None, False),
    (None, 'True', True),
    (False, 'True', False),
    (True, None, True),
    (True, 'False', True),
])
def test_create_keeps_disk_config(api, db, requested, prop, kept):
    properties = {} if prop is None else {'auto_disk_config': prop}
    [instance], _ = api.create(USER, api.flavor_get(USER, '1'),
                               _image(api, **properties), 'vm',
                               auto_disk_config=requested)
    row = db.instance_get_by_uuid(USER, instance.uuid)
    assert row['auto_disk_config'] is kept


def test_auto_disk_config_refused_by_image_writes_nothing(api, db):
    image_id = _image(api, auto_disk_config='Disabled')
    with pytest.raises(exception.AutoDiskConfigDisabledByImage):
        api.create(USER, api.flavor_get(USER, '1'), image_id, 'vm',
                   auto_disk_config=True)
    assert db.instance_get_all_by_filters(USER, {}) == []
    # MANUAL is what such an image allows.
    [instance], _ = api.create(USER, api.flavor_get(USER, '1'), image_id,
                               'vm', auto_disk_config=False)
    assert api.get(USER, instance.uuid).auto_disk_config is False


def test_update_changes_disk_config(api):
    instance = _boot(api)
    api.update_instance(USER, instance, {'auto_disk_config': True})
    assert api.get(USER, instance.uuid).auto_disk_config is True
