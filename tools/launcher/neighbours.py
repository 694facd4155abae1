"""The real neighbours of a deployment: keystone and Glance.

``up --auth keystone`` runs keystone (from its own virtualenv, see
:mod:`.venvs`) on a MariaDB database of the deployment (SQLite locks up
under tempest's parallel user creation), with fernet tokens and an
in-memory cache,
bootstraps ``admin`` and registers the ``service`` project, the ``nova``
user and the compute endpoint; ``--images glance`` adds Glance (file
store, its own database, registered in the catalog) with a small
public raw image named ``cirros``.  Both run under
:mod:`.wsgi_runner` as daemons of the deployment (``down`` stops them),
everything they keep under ``<workdir>/keystone`` and
``<workdir>/glance``.

:class:`Identity` is what the rest of the launcher knows of keystone:
its URL, the passwords it made, how to get a token; it talks to
keystone's REST API with the standard library only.
"""

from __future__ import annotations

from collections.abc import Callable
import dataclasses
import grp
import json
import os
import pathlib
import pwd
import secrets
import subprocess
import time
from typing import Any
import urllib.error
import urllib.request

from oslo_utils import strutils

from nova import urls
from nova.tools.launcher import config
from nova.tools.launcher import venvs
from nova.tools.launcher.errors import LauncherError
from nova.tools.launcher.supervisor import ManagedProcess

KEYSTONE_PACKAGES = ['keystone', 'PyMySQL']
GLANCE_PACKAGES = ['glance', 'PyMySQL']
# Small pools: the MariaDB is shared (151 connections in all).
DB_POOL = {'max_pool_size': 4, 'max_overflow': 8}
REGION = 'RegionOne'
RUNNER = str(pathlib.Path(__file__).with_name('wsgi_runner.py'))
SECRETS_FILE = 'neighbours.json'
# The test image: a few KiB of raw disk (no download: nothing but the
# package index is reachable).
TEST_IMAGE_NAME = 'cirros'
TEST_IMAGE_SIZE = 4096


@dataclasses.dataclass
class Identity:
    """keystone as a deployment uses it: where, and the passwords."""

    url: str                          # http://127.0.0.1:<port>
    admin_password: str
    nova_password: str
    glance_password: str

    @property
    def auth_url(self) -> str:
        return self.url + '/v3'

    def token(self, user: str = 'admin', password: str | None = None,
              project: str = 'admin') -> str:
        """A project-scoped token; raises :class:`LauncherError` when
        keystone refuses or does not answer."""
        body = {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': user, 'domain': {'id': 'default'},
                'password': password or self.admin_password}}},
            'scope': {'project': {'name': project,
                                  'domain': {'id': 'default'}}}}}
        status, headers, _ = call(f'{self.auth_url}/auth/tokens', 'POST',
                                  body)
        if status != 201:
            raise LauncherError(f'keystone refuses {user}: HTTP {status}')
        return headers['X-Subject-Token']

    @classmethod
    def load(cls, workdir: pathlib.Path) -> Identity | None:
        path = workdir / SECRETS_FILE
        if not path.exists():
            return None
        return cls(**json.loads(path.read_text()))

    def save(self, workdir: pathlib.Path) -> None:
        config.write_private(workdir / SECRETS_FILE,
                             json.dumps(dataclasses.asdict(self)) + '\n')


def call(url: str, method: str = 'GET', body: Any = None,
         token: str | None = None, data: bytes | None = None,
         content_type: str = 'application/json', timeout: float = 30.0
         ) -> tuple[int, dict[str, str], Any]:
    """One request to keystone or Glance: (status, headers, JSON body or
    None).  Connection failures raise :class:`LauncherError`."""
    headers = {'Accept': 'application/json'}
    if token:
        headers['X-Auth-Token'] = token
    if body is not None:
        data = json.dumps(body).encode()
    if data is not None:
        headers['Content-Type'] = content_type
    request = urllib.request.Request(url, data=data, headers=headers,
                                     method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, answer = response.status, response.read()
            got = dict(response.headers.items())
    except urllib.error.HTTPError as exc:
        status, answer, got = exc.code, exc.read(), dict(exc.headers.items())
    except OSError as exc:
        raise LauncherError(f'{method} {url}: {exc}') from exc
    try:
        decoded = json.loads(answer) if answer.strip() else None
    except ValueError:
        decoded = None
    return status, got, decoded


def bootstrap_argv(identity: Identity) -> list[str]:
    """``keystone-manage bootstrap``'s arguments for ``identity``.

    The password goes as one ``--opt=value`` argument: a random one that
    starts with ``-`` would otherwise be read as an option (exit 2).
    """
    return ['bootstrap', f'--bootstrap-password={identity.admin_password}',
            '--bootstrap-admin-url', identity.auth_url,
            '--bootstrap-public-url', identity.auth_url,
            '--bootstrap-internal-url', identity.auth_url,
            '--bootstrap-region-id', REGION]


def shown(argv: list[str]) -> str:
    """``argv`` as a log line, with the value of any password hidden."""
    return strutils.mask_password(' '.join(argv), secret=urls.MASK)


def _manage(argv: list[str], log: pathlib.Path) -> None:
    with open(log, 'a') as log_file:
        log_file.write(f'$ {shown(argv)}\n')
        log_file.flush()
        result = subprocess.run(argv, stdout=log_file,
                                stderr=subprocess.STDOUT, timeout=600,
                                check=False)
    if result.returncode != 0:
        raise LauncherError(f'{pathlib.Path(argv[0]).name} '
                            f'{shown(argv[3:5])} failed (exit '
                            f'{result.returncode}); see {log}')


def wait_http(url: str, deadline: float, proc: ManagedProcess,
              log_tail: Callable[[ManagedProcess], str]) -> None:
    """Poll ``url`` until it answers (any status below 500)."""
    while True:
        if not proc.is_alive():
            raise LauncherError(f'{proc.name} exited:\n{log_tail(proc)}')
        try:
            status, _, _ = call(url, timeout=5)
            if status < 500:
                return
        except LauncherError:
            pass
        if time.monotonic() > deadline:
            raise LauncherError(f'{proc.name} does not answer at {url}')
        time.sleep(0.3)


class Neighbours:
    """Sets up and starts keystone and Glance for one deployment.

    ``start`` is the deployment's way to run a daemon (recorded, so that
    ``down`` stops it).
    """

    def __init__(self, workdir: pathlib.Path,
                 start: Callable[[ManagedProcess], ManagedProcess],
                 log_tail: Callable[[ManagedProcess], str],
                 out: Callable[[str], None]) -> None:
        self.workdir = workdir
        self.start = start
        self.log_tail = log_tail
        self.out = out

    def _runner(self, name: str, venv: pathlib.Path, app: str, port: int,
                env: dict[str, str]) -> ManagedProcess:
        argv = ['env', *[f'{k}={v}' for k, v in env.items()],
                str(venv / 'bin' / 'python'), '-P', RUNNER, app,
                '127.0.0.1', str(port)]
        return self.start(ManagedProcess(
            name=name, cell='-', argv=argv,
            log=str(self.workdir / 'logs' / f'{name}.log')))

    # -- keystone ---------------------------------------------------------

    def keystone(self, port: int, database_url: str,
                 deadline: float) -> Identity:
        """Install (once), configure, bootstrap and start keystone on
        the (empty) database at ``database_url``."""
        venv = venvs.ensure_venv('keystone', KEYSTONE_PACKAGES, self.out)
        home = self.workdir / 'keystone'
        home.mkdir(parents=True, exist_ok=True)
        identity = Identity(f'http://127.0.0.1:{port}',
                            secrets.token_urlsafe(18),
                            secrets.token_urlsafe(18),
                            secrets.token_urlsafe(18))
        identity.save(self.workdir)
        conf = home / 'keystone.conf'
        config.write_private(conf, config.ini({
            'DEFAULT': {'use_stderr': True},
            'database': {'connection': database_url, **DB_POOL},
            'token': {'provider': 'fernet'},
            'fernet_tokens': {'key_repository': home / 'fernet-keys'},
            'fernet_receipts': {'key_repository': home / 'fernet-keys'},
            'credential': {'key_repository': home / 'credential-keys'},
            # Tokens checked from memory: a check costs milliseconds.
            'cache': {'enabled': True, 'backend': 'oslo_cache.dict'},
            'identity': {'password_hash_rounds': 4},
        }, 'keystone of a tools/launch deployment.'))
        manage = [str(venv / 'bin' / 'keystone-manage'), '--config-file',
                  str(conf)]
        log = self.workdir / 'logs' / 'keystone-manage.log'
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        _manage(manage + ['db_sync'], log)
        for setup in ('fernet_setup', 'credential_setup'):
            _manage(manage + [setup, '--keystone-user', user,
                              '--keystone-group', group], log)
        _manage(manage + bootstrap_argv(identity), log)
        proc = self._runner('keystone', venv, 'keystone.wsgi.api:application',
                            port, {'OS_KEYSTONE_CONFIG_FILES': str(conf)})
        wait_http(identity.auth_url, deadline, proc, self.log_tail)
        self.out(f'keystone {identity.url} (admin bootstrapped)')
        return identity

    def register(self, identity: Identity, service_user: str,
                 password: str, service_type: str, service_name: str,
                 url: str) -> None:
        """``service_user`` (admin of project ``service``) and the
        public and internal endpoints of a service."""
        token = identity.token()
        base = identity.auth_url
        project = _ensure(base, token, 'projects', 'service', {
            'name': 'service', 'domain_id': 'default',
            'description': 'Service users'})
        user = _ensure(base, token, 'users', service_user, {
            'name': service_user, 'domain_id': 'default',
            'password': password})
        role = _ensure(base, token, 'roles', 'admin', {'name': 'admin'})
        status, _, _ = call(f"{base}/projects/{project}/users/{user}/roles/"
                            f'{role}', 'PUT', token=token)
        if status not in (200, 201, 204):
            raise LauncherError(f'cannot make {service_user} admin of '
                                f'the service project: HTTP {status}')
        service = _ensure(base, token, 'services', service_name, {
            'name': service_name, 'type': service_type, 'enabled': True})
        for interface in ('public', 'internal'):
            status, _, _ = call(f'{base}/endpoints', 'POST', {'endpoint': {
                'service_id': service, 'interface': interface, 'url': url,
                'region_id': REGION, 'enabled': True}}, token=token)
            if status != 201:
                raise LauncherError(f'cannot register the {interface} '
                                    f'{service_type} endpoint: HTTP {status}')

    # -- Glance -----------------------------------------------------------

    def glance(self, identity: Identity, port: int, database_url: str,
               deadline: float) -> str:
        """Install (once), configure and start Glance, registered in the
        catalog, holding the test image; its URL."""
        venv = venvs.ensure_venv('glance', GLANCE_PACKAGES, self.out)
        url = f'http://127.0.0.1:{port}'
        self.register(identity, 'glance', identity.glance_password, 'image',
                      'glance', url)
        home = self.workdir / 'glance'
        etc = home / 'etc'
        for sub in ('etc', 'images', 'staging', 'tasks', 'cache', 'locks'):
            (home / sub).mkdir(parents=True, exist_ok=True)
        config.write_private(etc / 'glance-api.conf', config.ini({
            'DEFAULT': {'use_stderr': True,
                        'enabled_backends': 'local:file',
                        'worker_self_reference_url': url,
                        'image_cache_dir': home / 'cache'},
            'database': {'connection': database_url, **DB_POOL},
            'glance_store': {'default_backend': 'local'},
            'local': {'filesystem_store_datadir': home / 'images'},
            'os_glance_staging_store': {
                'filesystem_store_datadir': home / 'staging'},
            'os_glance_tasks_store': {
                'filesystem_store_datadir': home / 'tasks'},
            'oslo_concurrency': {'lock_path': home / 'locks'},
            'paste_deploy': {
                'flavor': 'keystone',
                'config_file': venv / 'etc' / 'glance' /
                'glance-api-paste.ini'},
            'keystone_authtoken': authtoken(identity, 'glance',
                                            identity.glance_password),
        }, 'Glance of a tools/launch deployment.'))
        _manage([str(venv / 'bin' / 'glance-manage'), '--config-dir',
                 str(etc), 'db_sync'],
                self.workdir / 'logs' / 'glance-manage.log')
        proc = self._runner('glance', venv, 'glance.wsgi.api:application',
                            port, {'OS_GLANCE_CONFIG_DIR': str(etc)})
        wait_http(f'{url}/versions', deadline, proc, self.log_tail)
        image_id = upload_test_image(identity, url)
        self.out(f'Glance {url}: image {TEST_IMAGE_NAME} {image_id}')
        return url


def authtoken(identity: Identity, user: str, password: str
              ) -> dict[str, Any]:
    """The ``[keystone_authtoken]`` of a service of the deployment."""
    return {'www_authenticate_uri': identity.url,
            'auth_url': identity.url, 'auth_type': 'password',
            'username': user, 'password': password,
            'project_name': 'service', 'user_domain_name': 'Default',
            'project_domain_name': 'Default'}


def _ensure(base: str, token: str, collection: str, name: str,
            body: dict[str, Any]) -> str:
    """The id of the named project, user, role or service, created when
    missing."""
    status, _, found = call(f'{base}/{collection}?name={name}', token=token)
    items = (found or {}).get(collection, []) if status == 200 else []
    if collection == 'services':
        items = [i for i in items if i.get('name') == name]
    if items:
        return str(items[0]['id'])
    singular = collection[:-1]
    status, _, made = call(f'{base}/{collection}', 'POST',
                           {singular: body}, token=token)
    if status != 201:
        raise LauncherError(f'cannot create {singular} {name} in '
                            f'keystone: HTTP {status}')
    return str(made[singular]['id'])


def upload_test_image(identity: Identity, glance_url: str,
                      name: str = TEST_IMAGE_NAME) -> str:
    """A public raw image (``cirros`` unless named) of a few KiB (a blank
    disk: a boot signature would make Glance's format checks see an empty
    partition table and refuse it), created and uploaded: its id."""
    token = identity.token()
    status, _, image = call(f'{glance_url}/v2/images', 'POST', {
        'name': name, 'disk_format': 'raw',
        'container_format': 'bare', 'visibility': 'public',
        'min_disk': 0, 'min_ram': 0}, token=token)
    if status != 201:
        raise LauncherError(f'Glance refuses the test image: HTTP {status}')
    status, _, _ = call(f"{glance_url}/v2/images/{image['id']}/file", 'PUT',
                        data=bytes(TEST_IMAGE_SIZE), token=token,
                        content_type='application/octet-stream')
    if status != 204:
        raise LauncherError(f'Glance refuses the test image data: HTTP '
                            f'{status}')
    return str(image['id'])


def clouds_yaml(name: str, identity: Identity) -> str:
    """A ``clouds.yaml`` naming the deployment's admin as cloud ``name``
    (JSON is YAML)."""
    return json.dumps({'clouds': {name: {
        'auth': {'auth_url': identity.auth_url, 'username': 'admin',
                 'password': identity.admin_password,
                 'project_name': 'admin', 'user_domain_name': 'Default',
                 'project_domain_name': 'Default'},
        'region_name': REGION, 'identity_api_version': 3,
        'interface': 'public'}}}, indent=2) + '\n'
