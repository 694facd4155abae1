"""The REST API behind keystonemiddleware, with unchanged clients.

A local keystone stand-in (:mod:`keystone_stub`) issues and validates
tokens; nova-api runs the ``keystone`` pipeline of ``api-paste.ini``
(``[api] auth_strategy = keystone``) configured by a ``[keystone_authtoken]``
section, exactly as README.rst describes.  openstacksdk, novaclient and
the ``openstack`` command line log in with a password.
"""

import json
import os
import pathlib
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from nova.api import server as api_server
from nova.api import wsgi_app
from nova.tests.functional import keystone_stub
from nova.tests.functional import rest_client as rc
from nova.tools.polling import wait_for

pytest.importorskip('keystonemiddleware')
openstack = pytest.importorskip('openstack')

USERS = {'alice': ('alice-pw', 'project-a', ['member', 'reader']),
         'bob': ('bob-pw', 'project-b', ['member', 'reader']),
         'boss': ('boss-pw', 'admin-project', ['admin', 'member']),
         'nova': ('nova-pw', 'service', ['service', 'admin'])}

KEYSTONE_CONF = """
[api]
auth_strategy = keystone

[keystone_authtoken]
www_authenticate_uri = %(keystone)s/v3
auth_url = %(keystone)s/v3
auth_type = password
username = nova
password = nova-pw
user_domain_name = Default
project_name = service
project_domain_name = Default
"""


@pytest.fixture
def keystone():
    stub = keystone_stub.KeystoneStub(USERS).start()
    yield stub
    stub.stop()


@pytest.fixture
def ks_tree(tree_factory, keystone, tmp_path):
    tree = tree_factory(services={'api': ['cells']})
    tree.wait_for_capacities('api', ['cell1', 'cell2'])
    conf_file = tmp_path / 'api-keystone.conf'
    conf_file.write_text(KEYSTONE_CONF % {'keystone': keystone.url})
    # The API cell's configuration, now also read from the file (the
    # tree's own settings are overrides, which stay).
    conf = tree.confs['api']
    conf(args=[], default_config_files=[str(conf_file)])
    app = wsgi_app.load_app(conf, tree.compute_api('api'))
    server = api_server.WSGIServer(app, '127.0.0.1', 0, threads=8)
    server.start()
    tree.endpoint = 'http://127.0.0.1:%d/v2.1' % server.port
    keystone.catalog['compute'] = tree.endpoint
    yield tree
    server.stop()
    server.wait(timeout=10)


def sdk_login(keystone, user):
    return openstack.connection.Connection(
        auth_url=keystone.url + '/v3', username=user,
        password=USERS[user][0], project_name=USERS[user][1],
        user_domain_name='Default', project_domain_name='Default',
        identity_api_version='3')


def test_requests_need_a_valid_token(ks_tree, keystone):
    for token in (None, 'not-a-token', 'alice:project-a'):
        req = urllib.request.Request(ks_tree.endpoint + '/servers')
        if token:
            req.add_header('X-Auth-Token', token)
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(req, timeout=10)
        assert raised.value.code == 401
        assert 'Keystone uri' in raised.value.headers['WWW-Authenticate']
    # Version discovery needs no token.
    with urllib.request.urlopen(ks_tree.endpoint, timeout=10) as resp:
        assert json.load(resp)['version']['id'] == 'v2.1'
    token = keystone.issue('alice')
    code, body = rc.request(ks_tree, 'GET', '/servers', token=token)
    assert (code, body) == (200, {'servers': []})


def test_openstacksdk_with_a_password(ks_tree, keystone):
    alice = sdk_login(keystone, 'alice')
    server = alice.compute.create_server(name='ks-vm', flavor_id='1',
                                         image_id=rc.IMAGE, networks='none')
    server = alice.compute.wait_for_server(server, interval=0.1, wait=15)
    shown = alice.compute.get_server(server.id)
    assert (shown.status, shown.project_id, shown.user_id) == (
        'ACTIVE', 'project-a', 'alice')

    bob = sdk_login(keystone, 'bob')
    assert list(bob.compute.servers()) == []
    with pytest.raises(openstack.exceptions.NotFoundException):
        bob.compute.get_server(server.id)
    boss = sdk_login(keystone, 'boss')
    assert [s.id for s in boss.compute.servers(all_projects=True)] == [
        server.id]
    assert alice.compute.get('/os-cells').status_code == 403
    assert boss.compute.get('/os-cells').json()['cells'][0]['name'] == \
        'cell1'

    alice.compute.delete_server(server)
    alice.compute.wait_for_delete(server, interval=0.1, wait=15)
    for conn in (alice, bob, boss):
        conn.close()


def test_novaclient_with_a_password(ks_tree, keystone):
    novaclient = pytest.importorskip('novaclient.client')
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3

    auth = v3.Password(auth_url=keystone.url + '/v3', username='alice',
                       password='alice-pw', project_name='project-a',
                       user_domain_name='Default',
                       project_domain_name='Default')
    nova = novaclient.Client('2.1', session=ks_session.Session(auth=auth))
    server = nova.servers.create('nc-ks', rc.IMAGE, '1')
    wait_for(lambda: nova.servers.get(server.id).status == 'ACTIVE', 15,
             what='ACTIVE')
    assert [s.id for s in nova.servers.list()] == [server.id]
    assert nova.quotas.get('project-a').instances == 10
    nova.servers.delete(server.id)


def test_openstack_cli_with_a_password(ks_tree, keystone, tmp_path):
    token = keystone.issue('alice')
    _, created = rc.boot(ks_tree, 'cli-ks', token=token)
    server_id = created['server']['id']
    wait_for(lambda: rc.request(ks_tree, 'GET', '/servers/' + server_id,
                                token=token)[1]['server']['status']
             == 'ACTIVE', 15, what='ACTIVE')
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env.update({'OS_AUTH_URL': keystone.url + '/v3', 'OS_USERNAME': 'alice',
                'OS_PASSWORD': 'alice-pw', 'OS_PROJECT_NAME': 'project-a',
                'OS_USER_DOMAIN_NAME': 'Default',
                'OS_PROJECT_DOMAIN_NAME': 'Default',
                'OS_IDENTITY_API_VERSION': '3'})
    openstack_cli = str(pathlib.Path(sys.executable).parent / 'openstack')
    for args, check in (
            (['server', 'list'],
             lambda out: [s['ID'] for s in out] == [server_id]),
            (['server', 'show', server_id],
             lambda out: out['status'] == 'ACTIVE')):
        result = subprocess.run([openstack_cli, *args, '-f', 'json'],
                                capture_output=True, text=True, env=env,
                                cwd=tmp_path, timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        assert check(json.loads(result.stdout)), result.stdout
