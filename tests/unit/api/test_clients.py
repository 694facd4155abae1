"""The real clients against the real server: openstacksdk and novaclient.

They prove that version discovery, microversion negotiation and the body
shapes are what these clients expect.
"""

from __future__ import annotations

import pytest

from nova.api import api_version
from nova.api import server as api_server
from nova.api import wsgi_app

IMAGE = '155d900f-4e14-4e4c-a73d-069cbf4541e6'


class _Recorder:
    """Remembers the paths the client asked for."""

    def __init__(self, app):
        self.app = app
        self.paths = []

    def __call__(self, environ, start_response):
        self.paths.append((environ['REQUEST_METHOD'], environ['PATH_INFO']))
        return self.app(environ, start_response)


@pytest.fixture
def served(conf, compute):
    recorder = _Recorder(wsgi_app.load_app(conf, compute))
    server = api_server.WSGIServer(recorder, '127.0.0.1', 0, threads=4)
    server.start()
    yield f'http://127.0.0.1:{server.port}/v2.1', recorder
    server.stop()
    server.wait(timeout=10)


def test_openstacksdk(served, compute):
    openstack = pytest.importorskip('openstack')
    endpoint, recorder = served
    conn = openstack.connection.Connection(
        auth_type='admin_token',
        auth={'endpoint': endpoint, 'token': 'alice:proj1'},
        compute_endpoint_override=endpoint)
    try:
        flavors = sorted(f.name for f in conn.compute.flavors())
        assert flavors == ['m1.medium', 'm1.small', 'm1.tiny']
        server = conn.compute.create_server(
            name='vm1', image_id=IMAGE, flavor_id='1', networks='auto')
        assert server.id in compute.instances
        assert server.admin_password
        fetched = conn.compute.get_server(server.id)
        assert (fetched.name, fetched.status) == ('vm1', 'BUILD')
        assert fetched.project_id == 'proj1'
        assert [s.id for s in conn.compute.servers()] == [server.id]
        conn.compute.delete_server(server.id)
        assert list(conn.compute.servers()) == []
    finally:
        conn.close()
    # The SDK discovered the version document before calling the API.
    assert recorder.paths[0] == ('GET', '/v2.1')
    assert recorder.paths[1][1].startswith('/v2.1/flavors') or \
        recorder.paths[1] == ('GET', '/v2.1/')


def test_python_novaclient(served, compute):
    pytest.importorskip('novaclient.client')
    from keystoneauth1 import session as ks_session
    from keystoneauth1 import token_endpoint

    endpoint, _recorder = served
    sess = ks_session.Session(
        auth=token_endpoint.Token(endpoint, 'alice:proj1'))
    # The highest version both sides know, found as the nova CLI does.
    nova = _negotiated_novaclient(sess, endpoint)
    assert [f.name for f in nova.flavors.list()] == \
        ['m1.tiny', 'm1.small', 'm1.medium']
    assert nova.api_version.get_string() == _shared_with_novaclient()
    # From 2.37 a create names its networks.
    server = nova.servers.create('vm2', IMAGE, '1', min_count=1,
                                 nics='auto')
    assert nova.servers.get(server.id).status == 'BUILD'
    assert [s.id for s in nova.servers.list()] == [server.id]
    assert [s.id for s in nova.servers.list(search_opts={'name': 'vm2'},
                                            limit=1)] == [server.id]
    nova.servers.delete(server.id)
    assert nova.servers.list() == []
    current = nova.versions.get_current()
    assert current.id == 'v2.1'
    assert current.version == str(api_version.MAX_VERSION)


def _public_key() -> str:
    """An OpenSSH public key: from 2.92 the client makes the pair and the
    API only imports it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    return ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH,
        serialization.PublicFormat.OpenSSH).decode()


def _shared_with_novaclient() -> str:
    """The highest version the server and novaclient both know."""
    import novaclient
    return str(min(api_version.MAX_VERSION, api_version.APIVersion(
        novaclient.API_MAX_VERSION.ver_major,
        novaclient.API_MAX_VERSION.ver_minor)))


def _negotiated_novaclient(sess, endpoint):
    """A novaclient at the highest version it and the server share."""
    from novaclient import api_versions
    from novaclient import client as nova_client

    probe = nova_client.Client('2.1', session=sess,
                               endpoint_override=endpoint)
    version = api_versions.discover_version(
        probe, api_versions.APIVersion('2.latest'))
    return nova_client.Client(version.get_string(), session=sess,
                              endpoint_override=endpoint)


def _sdk(endpoint, token):
    openstack = pytest.importorskip('openstack')
    return openstack.connection.Connection(
        auth_type='admin_token', auth={'endpoint': endpoint, 'token': token},
        compute_endpoint_override=endpoint)


# Nova's image proxy is deprecated in the SDK too; 2.1 clients still use it.
@pytest.mark.filterwarnings('ignore:This API is a proxy to the image')
def test_openstacksdk_server_actions(served, compute):
    endpoint, recorder = served
    inst = compute.add_instance()
    conn = _sdk(endpoint, 'alice:proj1')
    try:
        conn.compute.reboot_server(inst.uuid, 'SOFT')
        assert compute.last_call('reboot')['reboot_type'] == 'SOFT'
        conn.compute.resize_server(inst.uuid, '2')
        assert conn.compute.get_server(inst.uuid).status == 'VERIFY_RESIZE'
        conn.compute.confirm_server_resize(inst.uuid)
        server = conn.compute.get_server(inst.uuid)
        # The SDK negotiated 2.47 or later: the flavor is embedded.
        assert (server.status, server.flavor.original_name) == (
            'ACTIVE', 'm1.small')
        image_id = server.create_image(conn.compute, 'snap',
                                       {'purpose': 'backup'})
        image = conn.compute.get_image(image_id)
        assert (image.name, image.status) == ('snap', 'ACTIVE')
        assert image.metadata['purpose'] == 'backup'
        public_key = _public_key()
        keypair = conn.compute.create_keypair(name='k1',
                                              public_key=public_key)
        assert keypair.public_key == public_key
        assert [k.name for k in conn.compute.keypairs()] == ['k1']
    finally:
        conn.close()
    assert ('POST', f'/v2.1/servers/{inst.uuid}/action') in recorder.paths


def test_openstacksdk_flavor_create(served, compute):
    endpoint, _recorder = served
    conn = _sdk(endpoint, 'admin:admin')
    try:
        flavor = conn.compute.create_flavor(name='m1.big', ram=8192,
                                            vcpus=4, disk=80)
        assert flavor.id in compute.flavors
        conn.compute.create_flavor_extra_specs(flavor, {'hw:numa': '1'})
        fetched = conn.compute.get_flavor(flavor.id)
        assert (fetched.name, fetched.ram, fetched.vcpus) == \
            ('m1.big', 8192, 4)
        assert compute.flavors[flavor.id].extra_specs == {'hw:numa': '1'}
        conn.compute.delete_flavor(flavor.id)
        assert flavor.id not in compute.flavors
    finally:
        conn.close()


def test_python_novaclient_actions(served, compute):
    pytest.importorskip('novaclient.client')
    from keystoneauth1 import session as ks_session
    from keystoneauth1 import token_endpoint

    endpoint, _recorder = served
    sess = ks_session.Session(
        auth=token_endpoint.Token(endpoint, 'alice:proj1'))
    nova = _negotiated_novaclient(sess, endpoint)
    assert nova.api_version.get_string() == _shared_with_novaclient()
    inst = compute.add_instance()
    server = nova.servers.get(inst.uuid)
    server.stop()
    assert nova.servers.get(inst.uuid).status == 'SHUTOFF'
    server.start()
    nova.servers.set_meta(server, {'role': 'web'})
    assert nova.servers.get(inst.uuid).metadata == {'role': 'web'}
    server.update(name='renamed')
    assert nova.servers.get(inst.uuid).name == 'renamed'
    keypair = nova.keypairs.create('k1', public_key=_public_key())
    assert keypair.fingerprint
    assert [k.name for k in nova.keypairs.list()] == ['k1']
    nova.keypairs.delete('k1')
    assert nova.keypairs.list() == []
    assert nova.servers.get_console_output(server, length=2) == \
        'line 9\nline 10'
    actions = nova.instance_action.list(server)
    assert [a.action for a in actions][:2] == ['update_metadata', 'start']
