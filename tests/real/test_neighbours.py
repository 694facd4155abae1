"""A tree with its real neighbours: keystone and Glance from the package
index (``tools/launch up --auth keystone --images glance``).

The ``openstack`` command line, with nothing but the ``clouds.yaml`` the
launcher wrote, boots a server from Glance's image ``cirros``, lists,
shows, reboots, snapshots and deletes it, and lists images, compute
services and hypervisors; bad credentials and images, and a Glance that
is down, get clear answers and create nothing; ``down`` leaves no
process, port, database, vhost or file behind.

keystone and Glance are installed once into ``.venvs/`` and reused: the
first run takes minutes more.  Without them and without the package
index the test is skipped, except under ``CI=true``.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
import os
import pathlib
import socket
import subprocess
import sys
from typing import Any
import uuid

import pytest

from nova.tests.real import launcher_support as support
from nova.tools import launcher
from nova.tools.launcher import neighbours
from nova.tools.launcher import venvs

CI = os.environ.get('CI', '').strip().lower() == 'true'
OPENSTACK = str(pathlib.Path(sys.executable).with_name('openstack'))


def _installable() -> str | None:
    """Why keystone and Glance cannot be had, or None."""
    if all(venvs.is_installed(name, packages) for name, packages in (
            ('keystone', neighbours.KEYSTONE_PACKAGES),
            ('glance', neighbours.GLANCE_PACKAGES))):
        return None
    try:
        socket.create_connection(('pypi.org', 443), timeout=5).close()
    except OSError as exc:
        return f'keystone/Glance not in .venvs and PyPI unreachable: {exc}'
    return None


@pytest.fixture(scope='module')
def dep(tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[launcher.Deployment]:
    reason = _installable()
    if reason:
        if CI:
            pytest.fail(reason)
        pytest.skip(reason)
    with support.running(tmp_path_factory.mktemp('neighbours'),
                         children=1, computes_per_cell=1, auth='keystone',
                         images='glance') as deployment:
        ports = [deployment.api_port, deployment.keystone_port,
                 deployment.glance_port]
        yield deployment
    for port in ports:
        with pytest.raises(OSError):
            socket.create_connection(('127.0.0.1', port), timeout=2).close()


def openstack(dep: launcher.Deployment, *args: str,
              check: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(dep.clouds_yaml))
    result = subprocess.run([OPENSTACK, '--os-cloud', dep.prefix, *args],
                            env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    if check:
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result


def as_json(dep: launcher.Deployment, *args: str) -> Any:
    return json.loads(openstack(dep, *args, '-f', 'json').stdout)


def api(dep: launcher.Deployment, method: str, path: str,
        body: Any = None, token: str | None = None) -> tuple[int, Any]:
    status, _, answer = neighbours.call(
        f'{dep.api_url}/v2.1{path}', method, body,
        token=token or dep.api_token())
    return status, answer


def live_instances(dep: launcher.Deployment) -> int:
    rows = dep.query('api', 'SELECT COUNT(*) FROM instances '
                            'WHERE deleted = 0')
    return int(rows[0][0])


def test_the_openstack_cli_drives_a_server_from_glance(dep):
    with support.logs_on_failure(dep):
        images = as_json(dep, 'image', 'list')
        assert [i['Name'] for i in images] == ['cirros']
        server = as_json(dep, 'server', 'create', '--image', 'cirros',
                         '--flavor', 'm1.tiny', '--wait', 'vm1')
        assert server['status'] == 'ACTIVE'
        assert server['image'].startswith('cirros')
        listed = as_json(dep, 'server', 'list')
        assert [s['Name'] for s in listed] == ['vm1']
        shown = as_json(dep, 'server', 'show', 'vm1')
        assert shown['id'] == server['id']
        openstack(dep, 'server', 'reboot', '--wait', 'vm1')
        snapshot = as_json(dep, 'server', 'image', 'create', '--name',
                           'snap1', '--wait', 'vm1')
        assert snapshot['status'] == 'active'
        assert {i['Name'] for i in as_json(dep, 'image', 'list')} == {
            'cirros', 'snap1'}
        services = as_json(dep, 'compute', 'service', 'list')
        assert {s['Binary'] for s in services} >= {
            'nova-cells', 'nova-compute', 'nova-scheduler'}
        assert all(s['State'] == 'up' for s in services)
        hypervisors = as_json(dep, 'hypervisor', 'list')
        assert len(hypervisors) == 1
        openstack(dep, 'server', 'delete', '--wait', 'vm1')
        assert as_json(dep, 'server', 'list') == []


def test_bad_credentials_are_refused(dep):
    wrong = openstack(dep, '--os-password', 'not-the-password', 'server',
                      'list', check=False)
    assert wrong.returncode != 0
    assert '401' in wrong.stderr or 'authenticate' in wrong.stderr.lower()
    status, body = api(dep, 'GET', '/servers', token='not-a-token')
    assert status == 401


def test_an_image_glance_lacks_or_not_active_is_a_400(dep):
    before = live_instances(dep)
    missing = str(uuid.uuid4())
    status, body = api(dep, 'POST', '/servers', {'server': {
        'name': 'no-image', 'imageRef': missing, 'flavorRef': '1'}})
    assert status == 400, body
    assert body['badRequest']['message'] == 'Can not find requested image'
    status, _ = api(dep, 'GET', f'/images/{missing}')
    assert status == 404
    identity = dep.identity
    assert identity is not None
    glance_url = f'http://127.0.0.1:{dep.glance_port}'
    status, _, queued = neighbours.call(
        f'{glance_url}/v2/images', 'POST', {
            'name': 'empty', 'disk_format': 'raw',
            'container_format': 'bare'}, token=identity.token())
    assert status == 201
    status, body = api(dep, 'POST', '/servers', {'server': {
        'name': 'queued', 'imageRef': queued['id'], 'flavorRef': '1'}})
    assert status == 400, body
    assert 'not active' in body['badRequest']['message']
    assert live_instances(dep) == before


def test_a_glance_that_is_down_is_a_503_and_creates_nothing(dep):
    before = live_instances(dep)
    log = pathlib.Path(dep.process('api-api').log)
    lines = log.read_text().count('Image service unavailable')
    dep.kill('glance')
    try:
        status, body = api(dep, 'GET', '/images')
        assert status == 503, body
        assert 'image service' in body['serviceUnavailable']['message']
        status, body = api(dep, 'POST', '/servers', {'server': {
            'name': 'no-glance', 'imageRef': str(uuid.uuid4()),
            'flavorRef': '1'}})
        assert status == 503, body
        assert live_instances(dep) == before
        # One line per failed request, no traceback.
        assert log.read_text().count('Image service unavailable') == \
            lines + 2
    finally:
        dep.restart('glance')
