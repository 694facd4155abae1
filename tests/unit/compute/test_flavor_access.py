"""Flavor access: who may use a private flavor."""

import pytest

from nova import context as nova_context
from nova import exception
from nova.compute import api as compute_api
from nova.compute import flavors
from nova.compute import images


@pytest.fixture
def api(conf, db, transport, monkeypatch):
    flavors.ensure_default_flavors(db)
    images.ensure_default_images(db)
    api = compute_api.API(conf, db, transport)
    monkeypatch.setattr(api, '_schedule', lambda *args: None)
    return api


ADMIN = nova_context.RequestContext('admin', 'admin', is_admin=True)


def _user(project):
    return nova_context.RequestContext('u-' + project, project)


@pytest.fixture
def private(api):
    return api.flavor_create(ADMIN, {
        'name': 'm1.private', 'flavorid': 'priv', 'memory_mb': 512,
        'vcpus': 1, 'root_gb': 1, 'is_public': False})


def test_private_flavor_is_not_found_without_access(api, db, private):
    with pytest.raises(exception.FlavorNotFound):
        api.flavor_get(_user('p1'), 'priv')
    assert api.flavor_get(ADMIN, 'priv').flavorid == 'priv'
    assert api.flavor_get(_user('p1'), '1').is_public


def test_access_list_lets_a_project_boot_a_private_flavor(api, db,
                                                          private):
    assert api.flavor_access_add(ADMIN, 'priv', 'p1') == ['p1']
    # Again is Nova's 409, and changes nothing.
    with pytest.raises(exception.FlavorAccessExists):
        api.flavor_access_add(ADMIN, 'priv', 'p1')
    assert api.flavor_access_list(ADMIN, 'priv') == ['p1']
    assert api.flavors_accessible(_user('p1')) == {'priv'}
    assert api.flavors_accessible(_user('p2')) == set()
    flavor = api.flavor_get(_user('p1'), 'priv')
    [instance], _ = api.create(_user('p1'), flavor,
                               images.DEFAULT_IMAGE_ID, 'vm')
    assert instance.flavor.flavorid == 'priv'
    with pytest.raises(exception.FlavorNotFound):
        api.flavor_get(_user('p2'), 'priv')


def test_deleting_a_flavor_drops_its_access_list(api, db, private):
    api.flavor_access_add(ADMIN, 'priv', 'p1')
    api.flavor_delete(ADMIN, 'priv')
    recreated = api.flavor_create(ADMIN, {
        'name': 'm1.private', 'flavorid': 'priv', 'memory_mb': 512,
        'vcpus': 1, 'root_gb': 1, 'is_public': False})
    assert not recreated.is_public
    assert api.flavor_access_list(ADMIN, 'priv') == []


def test_removing_access(api, db, private):
    api.flavor_access_add(ADMIN, 'priv', 'p1')
    api.flavor_access_add(ADMIN, 'priv', 'p2')
    assert api.flavor_access_remove(ADMIN, 'priv', 'p1') == ['p2']
    with pytest.raises(exception.FlavorNotFound):
        api.flavor_get(_user('p1'), 'priv')
    with pytest.raises(exception.FlavorAccessNotFound):
        api.flavor_access_remove(ADMIN, 'priv', 'p1')
    assert api.flavor_access_list(ADMIN, 'priv') == ['p2']
