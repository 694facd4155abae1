"""Gate and fixtures of the tests that talk to a real RabbitMQ and MariaDB.

Every test under ``tests/real`` needs both services on this machine:
RabbitMQ at 127.0.0.1:5672 (user guest/guest, ``rabbitmqctl`` on the
PATH) and MariaDB at 127.0.0.1:3306 (user root, empty password; on a
fresh Debian install run ``tools/setup-services`` once).  When one is
missing the tests are skipped with the reason, except under ``CI=true``
where they fail: CI must never go green by skipping them.

Fixtures for the tests:

``mariadb_url_factory``
    ``url = mariadb_url_factory()`` creates a new, uniquely named database
    and returns its SQLAlchemy URL; every database made this way is
    dropped when the test ends.
``rabbit_vhost_factory``
    ``url = rabbit_vhost_factory()`` creates a new RabbitMQ virtual host
    that guest may use and returns its transport URL
    (``rabbit://guest:guest@127.0.0.1:5672/<vhost>``); deleted at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
import os
import pathlib
import shutil
import socket
import subprocess
import uuid

import pymysql
import pytest

from nova.db import migration
from nova.tools.launcher.backends import kill_connections

CI = os.environ.get('CI', '').strip().lower() == 'true'

MARIADB_HOST = '127.0.0.1'
MARIADB_PORT = 3306
MARIADB_USER = 'root'
RABBIT_HOST = '127.0.0.1'
RABBIT_PORT = 5672
RABBIT_USER = 'guest'
RABBIT_PASSWORD = 'guest'

_HERE = pathlib.Path(__file__).resolve().parent


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


def _mariadb_admin() -> pymysql.connections.Connection:
    return pymysql.connect(host=MARIADB_HOST, port=MARIADB_PORT,
                           user=MARIADB_USER, password='',
                           connect_timeout=5, autocommit=True)


def _missing_services() -> list[str]:
    problems = []
    if not _port_open(RABBIT_HOST, RABBIT_PORT):
        problems.append(
            f'RabbitMQ is not listening on {RABBIT_HOST}:{RABBIT_PORT}')
    elif shutil.which('rabbitmqctl') is None:
        problems.append('rabbitmqctl is not on the PATH')
    if not _port_open(MARIADB_HOST, MARIADB_PORT):
        problems.append(
            f'MariaDB is not listening on {MARIADB_HOST}:{MARIADB_PORT}')
    else:
        try:
            _mariadb_admin().close()
        except pymysql.MySQLError as exc:
            problems.append(f'MariaDB refuses {MARIADB_USER} without a '
                            f'password over TCP ({exc})')
    return problems


@pytest.fixture(scope='session')
def real_services() -> None:
    """Skip (or under CI=true, fail) unless RabbitMQ and MariaDB work."""
    problems = _missing_services()
    if not problems:
        return
    reason = '; '.join(problems)
    if CI:
        pytest.fail(f'CI=true but the real services are unusable: {reason}. '
                    'Start them and run tools/setup-services.',
                    pytrace=False)
    pytest.skip(f'real services unavailable: {reason} (start them and run '
                'tools/setup-services; CI=true turns this skip into a '
                'failure)')


@pytest.fixture(autouse=True)
def _require_real_services(real_services: None) -> None:
    """Applies the gate to every test in this directory."""


def pytest_collection_modifyitems(config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.real)


def _unique_name(prefix: str) -> str:
    if not prefix.replace('_', '').isalnum():
        raise ValueError(f'prefix must be letters, digits and _: {prefix!r}')
    return f'{prefix}_{uuid.uuid4().hex[:12]}'


def _drop_database(admin: pymysql.connections.Connection, name: str) -> None:
    with admin.cursor() as cursor:
        # A pooled connection left open by the code under test would hold
        # a metadata lock and make DROP DATABASE wait forever.
        kill_connections(cursor, name)
        cursor.execute(f'DROP DATABASE IF EXISTS `{name}`')


@pytest.fixture
def mariadb_url_factory(real_services: None
                        ) -> Iterator[Callable[..., str]]:
    """Make fresh MariaDB databases; all are dropped after the test."""
    admin = _mariadb_admin()
    created: list[str] = []

    def create(prefix: str = 'nova_test') -> str:
        name = _unique_name(prefix)
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE `{name}` CHARACTER SET utf8mb4 '
                           'COLLATE utf8mb4_general_ci')
        created.append(name)
        return (f'mysql+pymysql://{MARIADB_USER}@{MARIADB_HOST}:'
                f'{MARIADB_PORT}/{name}?charset=utf8mb4')

    try:
        yield create
    finally:
        try:
            for name in created:
                _drop_database(admin, name)
        finally:
            admin.close()


@pytest.fixture
def synced_url(mariadb_url_factory: Callable[..., str]) -> str:
    """A fresh MariaDB database at the latest schema."""
    url = mariadb_url_factory('nova_synced')
    migration.db_sync(url)
    return url


def _rabbitmqctl(*args: str) -> None:
    result = subprocess.run(['rabbitmqctl', '-q', *args],
                            check=False, capture_output=True, text=True,
                            timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: "
                           f'{result.stderr.strip()}')


@pytest.fixture
def rabbit_vhost_factory(real_services: None
                         ) -> Iterator[Callable[..., str]]:
    """Make fresh RabbitMQ virtual hosts; all are deleted after the test."""
    created: list[str] = []

    def create(prefix: str = 'nova_test') -> str:
        vhost = _unique_name(prefix)
        _rabbitmqctl('add_vhost', vhost)
        created.append(vhost)
        _rabbitmqctl('set_permissions', '-p', vhost, RABBIT_USER,
                     '.*', '.*', '.*')
        return (f'rabbit://{RABBIT_USER}:{RABBIT_PASSWORD}@{RABBIT_HOST}:'
                f'{RABBIT_PORT}/{vhost}')

    try:
        yield create
    finally:
        errors = []
        for vhost in created:
            try:
                _rabbitmqctl('delete_vhost', vhost)
            except (RuntimeError, subprocess.SubprocessError) as exc:
                errors.append(str(exc))
        if errors:
            raise RuntimeError('; '.join(errors))
