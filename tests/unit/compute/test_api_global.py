"""Global data of the API cell: images, key pairs and flavors."""

import pytest

from nova import context as nova_context
from nova import exception
from nova.compute import api as compute_api
from nova.compute import api_global
from nova.compute import flavors
from nova.compute import images

# A real (test-only) OpenSSH public key.
PUBLIC_KEY = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIyBUA7HiN0Dmcl16dcsN9oo'
              'ZeOxhwFsB0oO5z7z4Ecu test@example')


@pytest.fixture
def api(conf, db, transport):
    flavors.ensure_default_flavors(db)
    images.ensure_default_images(db)
    return compute_api.API(conf, db, transport)


def _user(project='p1', user='u1'):
    return nova_context.RequestContext(user, project)


def _admin():
    return nova_context.RequestContext('admin', 'admin', is_admin=True)


# -- images ----------------------------------------------------------------

def test_default_image_is_registered_once(api, db):
    assert images.ensure_default_images(db) == 0
    image = api.image_get(_user(), images.DEFAULT_IMAGE_ID)
    assert image['status'] == 'active' and image['is_public']


def test_private_images_are_their_projects_only(api):
    mine = api.image_create(_user(), {'name': 'mine',
                                      'properties': {'a': 'b'}})
    assert mine['owner'] == 'p1' and not mine['is_public']
    assert mine['properties'] == {'a': 'b'}
    assert {i['id'] for i in api.image_get_all(_user())} == {
        mine['id'], images.DEFAULT_IMAGE_ID}
    with pytest.raises(exception.ImageNotFound):
        api.image_get(_user('p2'), mine['id'])
    assert api.image_get(_admin(), mine['id'])['name'] == 'mine'


def test_only_owners_and_admins_delete_images(api):
    with pytest.raises(exception.Forbidden):
        api.image_delete(_user(), images.DEFAULT_IMAGE_ID)
    mine = api.image_create(_user(), {'name': 'mine'})
    api.image_delete(_user(), mine['id'])
    with pytest.raises(exception.ImageNotFound):
        api.image_get(_user(), mine['id'])
    with pytest.raises(exception.ImageNotFound):
        api.image_delete(_user(), mine['id'])


# -- key pairs -------------------------------------------------------------

def test_imported_key_pair_has_nova_fingerprint(api):
    keypair, private = api.keypair_create(_user(), 'u1', 'k1', PUBLIC_KEY)
    assert private is None
    assert keypair['public_key'] == PUBLIC_KEY
    # As ``ssh-keygen -l -E md5`` shows it.
    fingerprint = keypair['fingerprint']
    assert fingerprint == '8b:49:89:12:af:6e:23:a3:c0:f7:d5:80:17:bd:65:5d'
    assert api.keypair_get(_user(), 'u1', 'k1')['fingerprint'] == \
        fingerprint


def test_generated_key_pair(api):
    keypair, private = api.keypair_create(_user(), 'u1', 'gen')
    assert keypair['public_key'].startswith('ssh-rsa ')
    assert private.startswith('-----BEGIN RSA PRIVATE KEY-----')


def test_generated_x509_pair_is_a_certificate_of_its_key(api):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    keypair, private = api.keypair_create(_user(), 'u1', 'cert',
                                          key_type='x509')
    cert = x509.load_pem_x509_certificate(keypair['public_key'].encode())
    key = serialization.load_pem_private_key(private.encode(), None)
    assert cert.public_key().public_numbers() == \
        key.public_key().public_numbers()
    assert keypair['type'] == 'x509'
    assert keypair['fingerprint'] == ':'.join(
        '%02x' % b for b in cert.fingerprint(hashes.SHA1()))
    # Imported, the same certificate gets the same fingerprint.
    imported, none = api.keypair_create(_user(), 'u1', 'again',
                                        keypair['public_key'], 'x509')
    assert none is None
    assert imported['fingerprint'] == keypair['fingerprint']
    with pytest.raises(exception.InvalidKeypair):
        api.keypair_create(_user(), 'u1', 'bad', PUBLIC_KEY, 'x509')


@pytest.mark.parametrize('name, key', [
    ('bad/name', PUBLIC_KEY), ('', PUBLIC_KEY), ('ok', 'not a key'),
    ('ok', 'ssh-rsa !!!notbase64')])
def test_invalid_key_pairs(api, name, key):
    with pytest.raises(exception.InvalidKeypair):
        api.keypair_create(_user(), 'u1', name, key)


def test_key_pair_names_are_per_user(api):
    api.keypair_create(_user(), 'u1', 'k', PUBLIC_KEY)
    with pytest.raises(exception.KeyPairExists) as info:
        api.keypair_create(_user(), 'u1', 'k', PUBLIC_KEY)
    assert info.value.code == 409
    api.keypair_create(_user(user='u2'), 'u2', 'k', PUBLIC_KEY)
    assert [k['name'] for k in api.keypair_get_all(_user(), 'u1')] == ['k']
    api.keypair_delete(_user(), 'u1', 'k')
    with pytest.raises(exception.KeypairNotFound):
        api.keypair_get(_user(), 'u1', 'k')
    # Deleted names can be used again.
    api.keypair_create(_user(), 'u1', 'k', PUBLIC_KEY)


def test_fingerprint_of_garbage_is_invalid():
    with pytest.raises(exception.InvalidKeypair):
        api_global._fingerprint('ssh-rsa')


# -- flavors ---------------------------------------------------------------

def test_flavor_create_with_extra_specs_and_auto_id(api):
    flavor = api.flavor_create(_admin(), {
        'name': 'gpu', 'flavorid': 'auto', 'memory_mb': 1024, 'vcpus': 2,
        'root_gb': 10, 'extra_specs': {'hw:gpu': '1'}})
    assert len(flavor.flavorid) == 36
    assert api.flavor_get(_admin(), flavor.flavorid).extra_specs == {
        'hw:gpu': '1'}


def test_flavor_names_and_ids_are_unique(api):
    with pytest.raises(exception.FlavorExists):
        api.flavor_create(_admin(), {'name': 'm1.tiny', 'flavorid': 'x',
                                     'memory_mb': 1, 'vcpus': 1})
    with pytest.raises(exception.FlavorIdExists):
        api.flavor_create(_admin(), {'name': 'new', 'flavorid': '1',
                                     'memory_mb': 1, 'vcpus': 1})


@pytest.mark.parametrize('values', [
    {'memory_mb': 0, 'vcpus': 1}, {'memory_mb': 1, 'vcpus': 0},
    {'memory_mb': 1, 'vcpus': 1, 'name': ' '},
    {'memory_mb': 1, 'vcpus': 1, 'colour': 'red'}])
def test_bad_flavors(api, values):
    with pytest.raises(exception.InvalidInput):
        api.flavor_create(_admin(), dict({'name': 'f'}, **values))


def test_extra_specs_update_and_delete(api):
    assert api.flavor_extra_specs_update(_admin(), '1', {'a': 1}) == {
        'a': '1'}
    assert api.flavor_extra_specs_update(_admin(), '1', {'a': 2, 'b': 3}) \
        == {'a': '2', 'b': '3'}
    api.flavor_extra_spec_delete(_admin(), '1', 'a')
    assert api.flavor_get(_admin(), '1').extra_specs == {'b': '3'}
    with pytest.raises(exception.FlavorExtraSpecsNotFound):
        api.flavor_extra_spec_delete(_admin(), '1', 'a')
    with pytest.raises(exception.FlavorNotFound):
        api.flavor_extra_specs_update(_admin(), 'nope', {'a': 1})


def test_flavor_delete(api):
    api.flavor_delete(_admin(), '5')
    with pytest.raises(exception.FlavorNotFound):
        api.flavor_get(_admin(), '5')
    with pytest.raises(exception.FlavorNotFound):
        api.flavor_delete(_admin(), '5')


def test_image_status_only_moves_forward_when_asked(api, db):
    image = api.image_create(_user(), {'name': 'snap', 'status': 'queued'})
    admin = _admin()
    db.image_update(admin, image['id'], {'status': 'active', 'size': 9},
                    forward_only=True)
    # A late "saving" (updates travel separately) changes nothing.
    late = db.image_update(admin, image['id'], {'status': 'saving'},
                           forward_only=True)
    assert (late['status'], late['size']) == ('active', 9)
    assert db.image_update(admin, image['id'],
                           {'status': 'queued'})['status'] == 'queued'
