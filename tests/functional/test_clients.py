"""The clients users already have, unchanged, against a running tree.

openstacksdk and python-novaclient drive a server's whole life; the
``openstack`` command line lists and shows servers as a subprocess.  All
of them authenticate with ``noauth2`` here (the token is
``user:project``); tests/functional/test_keystone.py covers keystone.

Every client negotiates the highest microversion it shares with the
server (novaclient's own highest), as it does against Nova.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest

from nova.api import api_version
from nova.tests.functional import keystone_stub
from nova.tests.functional import rest_client as rc
from nova.tools.polling import wait_for

openstack = pytest.importorskip('openstack')
novaclient = pytest.importorskip('novaclient.client')

TOKEN = 'alice:project-a'
# The highest version the server and novaclient share: what novaclient
# negotiates.
_NOVACLIENT_MAX = pytest.importorskip('novaclient').API_MAX_VERSION
MAX_VERSION = str(min(api_version.MAX_VERSION, api_version.APIVersion(
    _NOVACLIENT_MAX.ver_major, _NOVACLIENT_MAX.ver_minor)))


def negotiated_novaclient(endpoint, token):
    """A novaclient at the highest version it and the server share,
    found as the ``nova`` command line finds it."""
    from keystoneauth1 import session as ks_session
    from keystoneauth1 import token_endpoint
    from novaclient import api_versions
    sess = ks_session.Session(auth=token_endpoint.Token(endpoint, token))
    probe = novaclient.Client('2.1', session=sess, endpoint_override=endpoint)
    version = api_versions.discover_version(
        probe, api_versions.APIVersion('2.latest'))
    return novaclient.Client(version.get_string(), session=sess,
                             endpoint_override=endpoint)


@pytest.fixture
def api_tree(tree_factory):
    return rc.api_tree(tree_factory())


@pytest.fixture
def sdk(api_tree):
    conn = openstack.connection.Connection(
        auth_type='admin_token',
        auth={'endpoint': api_tree.endpoint, 'token': TOKEN},
        compute_endpoint_override=api_tree.endpoint)
    yield conn
    conn.close()


def _public_key() -> str:
    """An OpenSSH public key: from 2.92 the client makes the pair and the
    API only imports it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    return ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH,
        serialization.PublicFormat.OpenSSH).decode()


@pytest.fixture
def nova(api_tree):
    client = negotiated_novaclient(api_tree.endpoint, TOKEN)
    assert client.api_version.get_string() == MAX_VERSION
    return client


def _wait_novaclient(nova, server_id, status):
    return wait_for(lambda: (lambda s: s if s.status == status else None)(
        nova.servers.get(server_id)), 15, what=status)


def _wait_novaclient_gone(nova, server_id):
    from novaclient import exceptions

    def gone():
        try:
            nova.servers.get(server_id)
        except exceptions.NotFound:
            return True
        return False
    wait_for(gone, 15, what='server deleted')


# -- openstacksdk -----------------------------------------------------------

def test_openstacksdk_boot_list_show_delete(sdk):
    server = sdk.compute.create_server(name='sdk-vm', flavor_id='1',
                                       image_id=rc.IMAGE, networks='none')
    server = sdk.compute.wait_for_server(server, interval=0.1, wait=15)
    assert server.status == 'ACTIVE'
    assert [s.id for s in sdk.compute.servers()] == [server.id]
    shown = sdk.compute.get_server(server.id)
    # The SDK negotiated 2.47 or later: the flavor comes embedded.
    assert (shown.name, shown.flavor['original_name'], shown.project_id) \
        == ('sdk-vm', 'm1.tiny', 'project-a')
    assert shown.description is None and shown.tags == []
    [address] = next(iter(shown.addresses.values()))
    assert address['version'] == 4
    limits = sdk.compute.get_limits()
    assert limits.absolute.instances_used == 1
    sdk.compute.delete_server(server)
    sdk.compute.wait_for_delete(server, interval=0.1, wait=15)
    assert list(sdk.compute.servers()) == []


def test_openstacksdk_flavor_keypair_reboot_resize_image(sdk, api_tree):
    admin = openstack.connection.Connection(
        auth_type='admin_token',
        auth={'endpoint': api_tree.endpoint, 'token': rc.ADMIN},
        compute_endpoint_override=api_tree.endpoint)
    flavor = admin.compute.create_flavor(name='sdk.small', ram=1024,
                                         vcpus=1, disk=2, is_public=True)
    keypair = sdk.compute.create_keypair(name='sdk-key',
                                         public_key=_public_key())
    assert keypair.fingerprint
    server = sdk.compute.create_server(
        name='sdk-vm', flavor_id='1', image_id=rc.IMAGE, networks='none',
        key_name='sdk-key')
    server = sdk.compute.wait_for_server(server, interval=0.1, wait=15)
    assert sdk.compute.get_server(server.id).key_name == 'sdk-key'

    def settled(status):
        # Asked afresh each time: the server object in hand still says
        # what it said before the action.
        return wait_for(lambda: (lambda s: s if s.status == status
                                 else None)(sdk.compute.get_server(
                                     server.id)), 15, what=status)

    sdk.compute.reboot_server(server, 'SOFT')
    server = settled('ACTIVE')
    sdk.compute.resize_server(server, flavor.id)
    server = settled('VERIFY_RESIZE')
    sdk.compute.confirm_server_resize(server)
    server = settled('ACTIVE')
    assert sdk.compute.get_server(server.id).flavor['original_name'] == \
        'sdk.small'

    image_id = sdk.compute.get_server(server.id).create_image(
        sdk.compute, 'sdk-snapshot')
    code, image = rc.request(api_tree, 'GET', '/images/' + image_id,
                             token=TOKEN)
    assert (code, image['image']['name']) == (200, 'sdk-snapshot')

    sdk.compute.delete_server(server)
    sdk.compute.wait_for_delete(server, interval=0.1, wait=15)
    sdk.compute.delete_keypair('sdk-key')
    admin.compute.delete_flavor(flavor)
    admin.close()


# -- python-novaclient ------------------------------------------------------

def test_novaclient_boot_list_show_delete(nova):
    # From 2.37 a create names its networks.
    server = nova.servers.create('nc-vm', rc.IMAGE, '1', nics='auto',
                                 description='nc', tags=['t1'])
    server = _wait_novaclient(nova, server.id, 'ACTIVE')
    assert [s.id for s in nova.servers.list()] == [server.id]
    assert [s.id for s in nova.servers.list(
        search_opts={'tags': 't1'})] == [server.id]
    shown = nova.servers.get(server.id)
    assert (shown.name, shown.flavor['original_name']) == ('nc-vm',
                                                           'm1.tiny')
    assert (shown.description, shown.tags) == ('nc', ['t1'])
    nova.servers.add_tag(server.id, 't2')
    assert sorted(nova.servers.tag_list(server.id)) == ['t1', 't2']
    assert shown.networks
    absolute = {item.name: item.value for item in
                nova.limits.get().absolute}
    assert absolute['totalInstancesUsed'] == 1
    assert nova.quotas.get('project-a').instances == 10
    nova.servers.delete(server.id)
    _wait_novaclient_gone(nova, server.id)
    assert nova.servers.list() == []


def test_novaclient_flavor_keypair_reboot_resize_image(nova, api_tree):
    admin = negotiated_novaclient(api_tree.endpoint, rc.ADMIN)
    flavor = admin.flavors.create('nc.small', 1024, 1, 2)
    keypair = nova.keypairs.create('nc-key', public_key=_public_key())
    assert keypair.fingerprint
    server = nova.servers.create('nc-vm', rc.IMAGE, '1',
                                 key_name='nc-key', nics='auto')
    server = _wait_novaclient(nova, server.id, 'ACTIVE')
    assert server.key_name == 'nc-key'

    nova.servers.reboot(server.id)
    _wait_novaclient(nova, server.id, 'ACTIVE')
    nova.servers.resize(server.id, flavor.id)
    _wait_novaclient(nova, server.id, 'VERIFY_RESIZE')
    nova.servers.confirm_resize(server.id)
    resized = _wait_novaclient(nova, server.id, 'ACTIVE')
    assert resized.flavor['original_name'] == 'nc.small'

    image_id = nova.servers.create_image(server.id, 'nc-snapshot')
    code, image = rc.request(api_tree, 'GET', '/images/' + image_id,
                             token=TOKEN)
    assert (code, image['image']['name']) == (200, 'nc-snapshot')

    nova.servers.delete(server.id)
    _wait_novaclient_gone(nova, server.id)
    nova.keypairs.delete('nc-key')
    admin.flavors.delete(flavor.id)



def test_openstacksdk_server_groups(sdk):
    group = sdk.compute.create_server_group(
        name='spread', policy='anti-affinity',
        rules={'max_server_per_host': 2})
    assert (group.policy, group.rules) == ('anti-affinity',
                                           {'max_server_per_host': 2})
    server = sdk.compute.create_server(
        name='member', flavor_id='1', image_id=rc.IMAGE, networks='none',
        scheduler_hints={'group': group.id})
    server = sdk.compute.wait_for_server(server, interval=0.1, wait=15)
    assert sdk.compute.get_server(server.id).server_groups == [group.id]
    assert sdk.compute.get_server_group(group.id).member_ids == [server.id]
    assert [g.id for g in sdk.compute.server_groups()] == [group.id]
    sdk.compute.delete_server_group(group)
    assert list(sdk.compute.server_groups()) == []
    sdk.compute.delete_server(server)
    sdk.compute.wait_for_delete(server, interval=0.1, wait=15)


def test_novaclient_server_groups(nova):
    group = nova.server_groups.create(name='together', policy='affinity')
    server = nova.servers.create('nc-member', rc.IMAGE, '1', nics='none',
                                 scheduler_hints={'group': group.id})
    server = _wait_novaclient(nova, server.id, 'ACTIVE')
    shown = nova.server_groups.get(group.id)
    assert (shown.policy, shown.members) == ('affinity', [server.id])
    assert [g.id for g in nova.server_groups.list()] == [group.id]
    nova.server_groups.delete(group.id)
    assert nova.server_groups.list() == []
    nova.servers.delete(server.id)
    _wait_novaclient_gone(nova, server.id)

# -- the openstack command line ---------------------------------------------

def run_openstack(cwd, *args, env=None):
    """``openstack ... -f json`` as a subprocess, in a clean environment."""
    command = [str(pathlib.Path(sys.executable).parent / 'openstack'),
               *args, '-f', 'json']
    clean = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    clean.update(env or {})
    result = subprocess.run(command, capture_output=True, text=True,
                            timeout=120, env=clean, cwd=cwd, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def discovery_only_keystone():
    # "openstack server list" insists on an identity v3 endpoint even when
    # it never calls it; without keystone (noauth2) something must answer
    # its version discovery.
    stub = keystone_stub.KeystoneStub({}).start()
    yield stub
    stub.stop()


def test_openstack_cli_server_list_and_show(api_tree, tmp_path,
                                            discovery_only_keystone):
    _, created = rc.boot(api_tree, 'cli-vm', token=TOKEN)
    server_id = created['server']['id']
    wait_for(lambda: rc.request(api_tree, 'GET', '/servers/' + server_id,
                                token=TOKEN)[1]['server']['status']
             == 'ACTIVE', 15, what='ACTIVE')
    # noauth2 with the CLI: the admin_token plugin sends the token as is.
    clouds = tmp_path / 'clouds.yaml'
    clouds.write_text(
        'clouds:\n  cells:\n    auth_type: admin_token\n'
        '    auth:\n      endpoint: %(api)s\n      token: %(token)s\n'
        '    compute_endpoint_override: %(api)s\n'
        '    identity_endpoint_override: %(identity)s/v3\n'
        "    identity_api_version: '3'\n"
        % {'api': api_tree.endpoint, 'token': TOKEN,
           'identity': discovery_only_keystone.url})
    env = {'OS_CLIENT_CONFIG_FILE': str(clouds), 'OS_CLOUD': 'cells'}

    listed = run_openstack(tmp_path, 'server', 'list', env=env)
    assert [(s['ID'], s['Name'], s['Status'], s['Flavor']) for s in listed] \
        == [(server_id, 'cli-vm', 'ACTIVE', 'm1.tiny')]
    shown = run_openstack(tmp_path, 'server', 'show', server_id, env=env)
    assert (shown['id'], shown['name'], shown['status']) == (
        server_id, 'cli-vm', 'ACTIVE')
    assert shown['project_id'] == 'project-a'
    # At the highest version the server and the CLI share.
    latest = dict(env, OS_COMPUTE_API_VERSION=MAX_VERSION)
    shown = run_openstack(tmp_path, 'server', 'show', server_id, env=latest)
    assert (shown['id'], shown['locked'], shown['description']) == (
        server_id, False, None)
    listed = run_openstack(tmp_path, 'server', 'list', env=latest)
    assert [(s['ID'], s['Flavor']) for s in listed] == [
        (server_id, 'm1.tiny')]
