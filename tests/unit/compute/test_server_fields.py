"""Fields a user sets on a server through the compute API, kept in the
cell's database: access addresses and disk config."""

import datetime

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


# -- the metadata_items quota ---------------------------------------------

def _items(count, prefix='k'):
    return {'%s%d' % (prefix, i): 'v' for i in range(count)}


def test_create_over_the_default_metadata_quota_writes_nothing(api, db):
    limit = api.quotas.get_limits(USER, 'p1')['metadata_items']
    assert limit == 128
    with pytest.raises(exception.MetadataLimitExceeded) as raised:
        _boot(api, metadata=_items(limit + 1))
    assert raised.value.format_message() == (
        'Maximum number of metadata items exceeds 128')
    assert db.instance_get_all_by_filters(USER, {}) == []
    assert len(_boot(api, metadata=_items(limit)).metadata) == limit


def test_metadata_changes_follow_the_project_quota(api, db):
    instance = _boot(api, metadata=_items(1))
    db.instance_update(USER, instance.uuid, {
        'vm_state': 'active', 'task_state': None,
        'launched_at': datetime.datetime(2026, 1, 1)})
    api.quotas.update_limits(USER, 'p1', {'metadata_items': 2})

    def current():
        return api.get(USER, instance.uuid)

    with pytest.raises(exception.MetadataLimitExceeded):
        # Merged with what it has: three items.
        api.update_instance_metadata(USER, current(), _items(2, 'n'))
    assert current().metadata == _items(1)
    with pytest.raises(exception.MetadataLimitExceeded):
        api.update_instance_metadata(USER, current(), _items(3, 'n'),
                                     delete=True)
    assert api.update_instance_metadata(
        USER, current(), _items(2, 'n'), delete=True) == _items(2, 'n')
    # Another project keeps the default.
    assert api.quotas.get_limits(USER, 'p2')['metadata_items'] == 128


# -- security groups --------------------------------------------------------

def test_unknown_security_group_writes_nothing(api, db):
    with pytest.raises(exception.SecurityGroupNotFoundForProject) as raised:
        _boot(api, security_groups=['default', 'nonexistent'])
    assert raised.value.format_message() == (
        'Security group nonexistent not found for project p1.')
    assert db.instance_get_all_by_filters(USER, {}) == []
    assert _boot(api, security_groups=['default']).uuid
