"""The ``openstack`` command line, as is, against the demo's API with the
clouds.yaml tools/demo writes (noauth2, no keystone, no Glance)."""

import os
import subprocess
import sys

import pytest

from nova.tests.functional import rest_client as rc
from nova.tests.functional.test_clients import run_openstack
from nova.tools import demo_endpoints

pytest.importorskip('openstackclient')

DEMO_PASTE = os.path.join(os.path.dirname(demo_endpoints.__file__), '..',
                          'etc', 'nova', 'embedded', 'api-paste.ini')


@pytest.fixture
def demo_api(tree_factory):
    return rc.api_tree(tree_factory(overrides={'api': {
        ('api_paste_config', 'api'): os.path.abspath(DEMO_PASTE)}}))


def test_the_cli_drives_a_server_with_the_demos_clouds_yaml(demo_api,
                                                            tmp_path):
    root = demo_api.endpoint.rsplit('/v2.1', 1)[0]
    clouds = demo_endpoints.write_clouds_yaml(str(tmp_path / 'clouds.yaml'),
                                              root)
    env = {'OS_CLIENT_CONFIG_FILE': clouds}

    def cli(*args):
        return run_openstack(tmp_path, '--os-cloud', 'demo', *args, env=env)

    [image] = cli('image', 'list')
    assert image['ID'] == rc.IMAGE
    assert 'm1.tiny' in [f['Name'] for f in cli('flavor', 'list')]
    created = cli('server', 'create', '--image', rc.IMAGE, '--flavor',
                  'm1.tiny', '--network', 'private', '--wait', 'vm1')
    assert created['status'] == 'ACTIVE'
    [listed] = cli('server', 'list')
    assert (listed['ID'], listed['Name'], listed['Status']) == (
        created['id'], 'vm1', 'ACTIVE')
    shown = cli('server', 'show', 'vm1')
    # At 2.47 and later the flavor is embedded in the server.
    assert (shown['id'], shown['flavor']['name']) == (created['id'], 'm1.tiny')
    assert 'private' in str(shown['addresses'])
    _run(tmp_path, env, 'server', 'reboot', '--wait', 'vm1')
    assert cli('server', 'show', 'vm1')['status'] == 'ACTIVE'
    _run(tmp_path, env, 'server', 'delete', '--wait', 'vm1')
    assert cli('server', 'list') == []


def _run(cwd, env, *args):
    """A command that prints no JSON (reboot, delete)."""
    command = [os.path.join(os.path.dirname(sys.executable), 'openstack'),
               '--os-cloud', 'demo', *args]
    clean = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    clean.update(env)
    result = subprocess.run(command, capture_output=True, text=True,
                            timeout=120, env=clean, cwd=cwd, check=False)
    assert result.returncode == 0, result.stderr
