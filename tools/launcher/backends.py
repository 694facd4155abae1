"""The backing services a deployment lives on: RabbitMQ and MariaDB.

:class:`Backends` knows where both listen and how to log in, and creates,
inspects and removes the per-cell resources (one virtual host and one
database per cell).  Both servers are shared with other deployments and
other people: everything here acts on one named vhost or database, never
on a whole server.  :func:`kill_connections` is the one place that ends a
database's client connections (before a drop, or as a fault).
"""

from __future__ import annotations

from collections.abc import Iterable
import concurrent.futures
import dataclasses
import os
import shutil
import socket
import subprocess
import time
from typing import Any
import urllib.parse

import amqp
import amqp.exceptions
import pymysql

from nova.tools.launcher.brokers import rabbit_tool
from nova.tools.launcher.errors import LauncherError

SETUP_HINT = ('run tools/setup-services once (as root) to let root log in '
              'to MariaDB over TCP without a password')
LOOPBACK_HOSTS = ('127.0.0.1', '::1', 'localhost')
# MariaDB's "Too many connections".
TOO_MANY_CONNECTIONS = 1040
_ACCESS_DENIED = (1045, 1698)


def connection_ids(cursor: Any, database: str) -> list[int]:
    """Thread ids of the connections whose current database is
    ``database``, the cursor's own excluded."""
    cursor.execute('SELECT id FROM information_schema.processlist '
                   'WHERE db = %s AND id <> CONNECTION_ID()', (database,))
    return sorted(int(row[0]) for row in cursor.fetchall())


def kill_connections(cursor: Any, database: str) -> list[int]:
    """``KILL`` every connection of ``database``; the ids it killed.

    A connection left open (a daemon killed mid-query) holds a metadata
    lock that makes ``DROP DATABASE`` wait forever; killing them all is
    also what a database restart looks like to the daemons.
    """
    killed = []
    for thread_id in connection_ids(cursor, database):
        try:
            cursor.execute(f'KILL CONNECTION {thread_id}')
        except pymysql.MySQLError:
            continue  # it ended on its own meanwhile
        killed.append(thread_id)
    return killed


@dataclasses.dataclass(frozen=True)
class Backends:
    """Where RabbitMQ and MariaDB listen, and how to log in to them."""

    rabbit_host: str = '127.0.0.1'
    rabbit_port: int = 5672
    rabbit_user: str = 'guest'
    rabbit_password: str = 'guest'
    mysql_host: str = '127.0.0.1'
    mysql_port: int = 3306
    mysql_user: str = 'root'
    mysql_password: str = ''
    # A RabbitMQ node of the deployment's own (:mod:`.brokers`): its name
    # for rabbitmqctl and the HOME holding its Erlang cookie; '' for the
    # system node.
    rabbit_node: str = ''
    rabbit_home: str = ''

    def transport_url(self, vhost: str) -> str:
        """The cell's transport URL: holds a password, never print it."""
        quote = urllib.parse.quote
        return (f'rabbit://{quote(self.rabbit_user, safe="")}:'
                f'{quote(self.rabbit_password, safe="")}@{self.rabbit_host}:'
                f'{self.rabbit_port}/{quote(vhost, safe="")}')

    def database_url(self, database: str) -> str:
        """The SQLAlchemy URL of one cell database."""
        credentials = urllib.parse.quote(self.mysql_user, safe='')
        if self.mysql_password:
            credentials += ':' + urllib.parse.quote(self.mysql_password,
                                                    safe='')
        url = (f'mysql+pymysql://{credentials}@{self.mysql_host}:'
               f'{self.mysql_port}/{database}?charset=utf8mb4')
        if self.mysql_host in LOOPBACK_HOSTS:
            # TLS to a database on this machine protects nothing, and
            # offering it costs PyMySQL ~36 ms of CPU per connection.
            url += '&ssl_disabled=true'
        return url

    # -- MariaDB -------------------------------------------------------------

    def connect(self, database: str | None = None, busy_wait: float = 30.0
                ) -> pymysql.connections.Connection:
        """A connection as the admin user; waits up to ``busy_wait``
        seconds while the server has too many connections (it is shared:
        another deployment may hold them for a while)."""
        deadline = time.monotonic() + busy_wait
        while True:
            try:
                return pymysql.connect(
                    host=self.mysql_host, port=self.mysql_port,
                    user=self.mysql_user, password=self.mysql_password,
                    database=database, connect_timeout=5, autocommit=True)
            except pymysql.err.OperationalError as exc:
                if (exc.args and exc.args[0] == TOO_MANY_CONNECTIONS
                        and time.monotonic() < deadline):
                    time.sleep(0.5)
                    continue
                raise self._connect_error(exc) from exc

    def _connect_error(self, exc: pymysql.err.OperationalError
                       ) -> LauncherError:
        code = exc.args[0] if exc.args else None
        where = f'{self.mysql_host}:{self.mysql_port}'
        if code in _ACCESS_DENIED:
            return LauncherError(
                f'MariaDB at {where} refuses {self.mysql_user} over TCP '
                f'({exc.args[-1]}); {SETUP_HINT}')
        return LauncherError(f'cannot reach MariaDB at {where}: '
                             f'{exc.args[-1]}')

    def max_connections(self) -> int:
        """MariaDB's ``max_connections``: every client's share."""
        with self.connect() as conn, conn.cursor() as cursor:
            cursor.execute('SELECT @@GLOBAL.max_connections')
            return int(cursor.fetchone()[0])

    def database_exists(self, database: str) -> bool:
        with self.connect() as conn, conn.cursor() as cursor:
            cursor.execute('SELECT 1 FROM information_schema.schemata '
                           'WHERE schema_name = %s', (database,))
            return cursor.fetchone() is not None

    def create_database(self, database: str) -> None:
        with self.connect() as conn, conn.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE `{database}` CHARACTER SET '
                           'utf8mb4 COLLATE utf8mb4_general_ci')

    def drop_database(self, database: str) -> None:
        with self.connect() as conn, conn.cursor() as cursor:
            kill_connections(cursor, database)
            cursor.execute(f'DROP DATABASE IF EXISTS `{database}`')

    def database_connections(self, database: str) -> list[int]:
        """Thread ids of the connections to ``database`` (ours excluded)."""
        with self.connect() as conn, conn.cursor() as cursor:
            return connection_ids(cursor, database)

    def kill_database_connections(self, database: str) -> list[int]:
        """``KILL`` every connection to ``database``; the ids it killed."""
        with self.connect() as conn, conn.cursor() as cursor:
            return kill_connections(cursor, database)

    def remove(self, databases: list[str], vhosts: list[str]) -> list[str]:
        """Drop ``databases`` and delete ``vhosts``, taking each out of its
        list once it is gone; returns what went wrong, having tried all."""
        errors = []
        for database in list(databases):
            try:
                self.drop_database(database)
                databases.remove(database)
            except (pymysql.MySQLError, LauncherError) as exc:
                errors.append(f'cannot drop database {database}: {exc}')
        try:
            existing = self.list_vhosts()
        except (LauncherError, subprocess.SubprocessError) as exc:
            return errors + [f'cannot list the vhosts: {exc}']

        def delete(vhost: str) -> str | None:
            try:
                if vhost in existing:
                    self.rabbitmqctl('delete_vhost', vhost)
            except (LauncherError, subprocess.SubprocessError) as exc:
                return f'cannot delete vhost {vhost}: {exc}'
            return None

        pending = list(vhosts)
        if not pending:
            return errors
        # One rabbitmqctl (an Erlang VM) per vhost: side by side.
        with concurrent.futures.ThreadPoolExecutor(
                min(4, len(pending))) as pool:
            for vhost, error in zip(pending, pool.map(delete, pending),
                                    strict=True):
                if error is None:
                    vhosts.remove(vhost)
                else:
                    errors.append(error)
        return errors

    # -- RabbitMQ ------------------------------------------------------------

    def rabbitmqctl(self, *args: str) -> str:
        """The output of ``rabbitmqctl -q ARGS``; raises on failure."""
        if self.rabbit_node:
            argv = [rabbit_tool('rabbitmqctl'), '-q', '-n', self.rabbit_node]
            env: dict[str, str] | None = dict(os.environ,
                                              HOME=self.rabbit_home)
        else:
            if shutil.which('rabbitmqctl') is None:
                raise LauncherError('rabbitmqctl is not on the PATH; install '
                                    'RabbitMQ and run tools/setup-services')
            argv, env = ['rabbitmqctl', '-q'], None
        result = subprocess.run([*argv, *args], capture_output=True,
                                text=True, timeout=120, check=False,
                                env=env)
        if result.returncode != 0:
            raise LauncherError(f'rabbitmqctl {args[0]} failed: '
                                f'{result.stderr.strip()}')
        return result.stdout

    def check(self) -> None:
        """Raise :class:`LauncherError` unless both services are usable."""
        try:
            with socket.create_connection(
                    (self.rabbit_host, self.rabbit_port), timeout=3):
                pass
        except OSError as exc:
            raise LauncherError(
                f'RabbitMQ is not listening on {self.rabbit_host}:'
                f'{self.rabbit_port} ({exc}); start it and run '
                'tools/setup-services') from exc
        self.rabbitmqctl('list_vhosts')
        self.connect().close()

    def list_vhosts(self) -> set[str]:
        lines = self.rabbitmqctl('list_vhosts', 'name').splitlines()
        return {line.strip() for line in lines}

    def vhost_exists(self, vhost: str) -> bool:
        return vhost in self.list_vhosts()

    def add_vhost(self, vhost: str) -> None:
        self.rabbitmqctl('add_vhost', vhost)

    def grant_vhost(self, vhost: str) -> None:
        self.rabbitmqctl('set_permissions', '-p', vhost, self.rabbit_user,
                         '.*', '.*', '.*')

    def delete_vhost(self, vhost: str) -> None:
        if self.vhost_exists(vhost):
            self.rabbitmqctl('delete_vhost', vhost)

    def unconsumed_queues(self, vhost: str,
                          queues: Iterable[str]) -> list[str]:
        """Those of ``queues`` missing in ``vhost`` or without consumer."""
        conn = amqp.Connection(
            host=f'{self.rabbit_host}:{self.rabbit_port}',
            userid=self.rabbit_user, password=self.rabbit_password,
            virtual_host=vhost, connect_timeout=5)
        missing = []
        try:
            conn.connect()
            for queue in queues:
                # A passive declare of a missing queue closes the channel.
                channel = conn.channel()
                try:
                    ok = channel.queue_declare(queue, passive=True)
                    if not ok.consumer_count:
                        missing.append(queue)
                except amqp.exceptions.NotFound:
                    missing.append(queue)
                    continue
                channel.close()
        except (OSError, amqp.exceptions.AMQPError) as exc:
            raise LauncherError(f'cannot look at the queues of vhost '
                                f'{vhost}: {exc}') from exc
        finally:
            try:
                conn.close()
            except (OSError, amqp.exceptions.AMQPError):
                conn.collect()
        return missing
